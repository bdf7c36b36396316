#include "controlplane/sluicectl/options.h"

#include <gtest/gtest.h>

#include "controlplane/sluicectl/api_paths.h"

namespace sluice::sluicectl {
namespace {

constexpr const char* kDefaultSocket = "/run/sluice/test.sock";

Command parse(const std::vector<std::string>& args) {
  const ParseResult r = parseCommandLine(args, kDefaultSocket);
  EXPECT_TRUE(r.command.has_value()) << r.error;
  return r.command.value_or(Command{});
}

std::string refusal(const std::vector<std::string>& args) {
  const ParseResult r = parseCommandLine(args, kDefaultSocket);
  EXPECT_FALSE(r.command.has_value());
  return r.error;
}

TEST(SluicectlOptions, NothingMeansListWithTheDefaultSocket) {
  const Command c = parse({});
  EXPECT_EQ(c.verb, Verb::kList);
  EXPECT_EQ(c.columns, Columns::kConnections);
  EXPECT_EQ(c.apiSocket, kDefaultSocket);
  EXPECT_FALSE(c.json);
  EXPECT_FALSE(c.help);
}

TEST(SluicectlOptions, IpvsadmListingFormsAreAliases) {
  for (const char* form : {"list", "-L", "-l", "-Ln", "-nL", "-n", "--list"}) {
    EXPECT_EQ(parse({form}).verb, Verb::kList) << form;
  }
  for (const char* form : {"conns", "-Lnc", "-c", "-lnc", "--connection"}) {
    EXPECT_EQ(parse({form}).verb, Verb::kConns) << form;
  }
}

TEST(SluicectlOptions, StatsAndRateChooseTheColumns) {
  EXPECT_EQ(parse({"-Ln", "--stats"}).columns, Columns::kStats);
  EXPECT_EQ(parse({"--rate", "list"}).columns, Columns::kRate);
  EXPECT_EQ(parse({"--stats"}).verb, Verb::kList);
  EXPECT_EQ(refusal({"list", "--stats", "--rate"}), "--stats and --rate cannot be combined");
}

TEST(SluicectlOptions, GlobalOptionsGoAnywhere) {
  Command c = parse({"--json", "vrrp", "--api-socket", "/tmp/a.sock"});
  EXPECT_EQ(c.verb, Verb::kVrrp);
  EXPECT_TRUE(c.json);
  EXPECT_EQ(c.apiSocket, "/tmp/a.sock");
  c = parse({"--api-socket=/tmp/b.sock", "status", "--json"});
  EXPECT_EQ(c.verb, Verb::kStatus);
  EXPECT_EQ(c.apiSocket, "/tmp/b.sock");
  EXPECT_TRUE(c.json);
}

TEST(SluicectlOptions, ConnectTakesAnHttpsUrlAndItsCertificates) {
  Command c = parse({"--connect", "https://127.0.0.1:9443", "--cacert", "/ca.crt", "--cert", "/c.crt", "--key",
                     "/c.key", "--token-file", "/t", "status"});
  EXPECT_EQ(c.connect, "https://127.0.0.1:9443");
  EXPECT_EQ(c.caCert, "/ca.crt");
  EXPECT_EQ(c.clientCert, "/c.crt");
  EXPECT_EQ(c.clientKey, "/c.key");
  EXPECT_EQ(c.tokenFile, "/t");
  EXPECT_EQ(parse({"--connect=https://[::1]:9443/", "list"}).connect, "https://[::1]:9443/");
  EXPECT_EQ(parse({"--connect", "http://localhost:9180"}).connect, "http://localhost:9180");
  EXPECT_EQ(refusal({"--cacert", "/ca.crt"}), "--cacert, --cert, --key and --token-file go with --connect");
  EXPECT_EQ(refusal({"--connect", "https://h:1", "--cert", "/c"}), "--cert and --key go together");
  EXPECT_EQ(refusal({"--connect", "https://h:1", "--api-socket", "/s"}), "give --api-socket or --connect, not both");
  EXPECT_EQ(refusal({"--connect", "http://h:1", "--cacert", "/c"}), "--cacert, --cert and --key need an https:// URL");
  EXPECT_EQ(refusal({"--connect", "ftp://h:1"}), "--connect takes https://HOST:PORT (or http://HOST:PORT), not 'ftp://h:1'");
  EXPECT_EQ(refusal({"--connect", "https://h:0"}), "--connect: the port in 'https://h:0' is not 1-65535");
  EXPECT_EQ(refusal({"--connect", "https://h:99999"}), "--connect: the port in 'https://h:99999' is not 1-65535");
  EXPECT_EQ(refusal({"--connect", "https://::1:80"}), "--connect: 'https://::1:80' has no usable host");
  EXPECT_EQ(refusal({"--connect", "https://[::1]x:80"}), "--connect: 'https://[::1]x:80' has no usable host");
  EXPECT_EQ(refusal({"--connect", "https://h:80/v1"}), "--connect: the port in 'https://h:80/v1' is not 1-65535");
}

TEST(SluicectlOptions, EveryReadCommandHasAName) {
  EXPECT_EQ(parse({"reload"}).verb, Verb::kReload);
  EXPECT_EQ(parse({"vrrp"}).verb, Verb::kVrrp);
  EXPECT_EQ(parse({"health"}).verb, Verb::kHealth);
  EXPECT_EQ(parse({"config"}).verb, Verb::kConfig);
  EXPECT_EQ(parse({"status"}).verb, Verb::kStatus);
}

TEST(SluicectlOptions, HelpWinsOverEverythingElse) {
  EXPECT_TRUE(parse({"-h"}).help);
  EXPECT_TRUE(parse({"add-server", "--help"}).help);  // -r missing does not matter
  EXPECT_TRUE(parse({"bogus", "-h"}).help);
  EXPECT_NE(usage("sluicectl").find("add-service SERVICE"), std::string::npos);
}

TEST(SluicectlOptions, AddServiceByAddress) {
  const Command c = parse({"add-service", "-t", "10.0.0.1:80", "-s", "wrr", "-M", "dr"});
  EXPECT_EQ(c.verb, Verb::kAddService);
  ASSERT_TRUE(c.service);
  EXPECT_EQ(c.service->protocol, "TCP");
  EXPECT_EQ(c.service->address, "10.0.0.1");
  EXPECT_EQ(c.service->port, 80);
  EXPECT_FALSE(c.service->isFwmark());
  EXPECT_EQ(c.scheduler, "wrr");
  EXPECT_EQ(c.method, "DR");
  EXPECT_FALSE(c.persistenceSeconds);
}

TEST(SluicectlOptions, ServiceForms) {
  EXPECT_EQ(parse({"del-service", "-u", "10.0.0.1:53"}).service->protocol, "UDP");
  EXPECT_EQ(parse({"del-service", "--udp-service", "10.0.0.1:53"}).service->protocol, "UDP");
  EXPECT_EQ(parse({"del-service", "--sctp-service=10.0.0.1:9"}).service->protocol, "SCTP");
  EXPECT_EQ(parse({"del-service", "-t10.0.0.1:80"}).service->port, 80);
  EXPECT_EQ(parse({"del-service", "-f", "80"}).service->fwmark, 80u);
  EXPECT_EQ(parse({"del-service", "--fwmark-service", "4294967295"}).service->fwmark, 4294967295u);
  // ipvsadm's host[:port]: no port is port 0.
  EXPECT_EQ(parse({"del-service", "-t", "10.0.0.1"}).service->port, 0);
}

TEST(SluicectlOptions, Ipv6AddressesAreBracketedAndCanonical) {
  const Command c = parse({"add-service", "-t", "[2001:DB8:0::1]:443"});
  EXPECT_EQ(c.service->address, "2001:db8::1");
  EXPECT_EQ(c.service->port, 443);
  EXPECT_EQ(parse({"del-service", "-u", "[2001:db8::1]"}).service->port, 0);
}

TEST(SluicectlOptions, PersistenceDefaultsToIpvsadms300Seconds) {
  EXPECT_EQ(parse({"add-service", "-f", "1", "-p"}).persistenceSeconds, 300u);
  EXPECT_EQ(parse({"add-service", "-f", "1", "-p", "-s", "rr"}).persistenceSeconds, 300u);
  EXPECT_EQ(parse({"add-service", "-p", "-f", "1"}).persistenceSeconds, 300u);
  EXPECT_EQ(parse({"add-service", "-f", "1", "-p", "600"}).persistenceSeconds, 600u);
  EXPECT_EQ(parse({"add-service", "-f", "1", "-p900"}).persistenceSeconds, 900u);
  EXPECT_EQ(parse({"add-service", "-f", "1", "--persistent=60"}).persistenceSeconds, 60u);
  EXPECT_EQ(parse({"edit-service", "-f", "1", "-p", "120"}).persistenceSeconds, 120u);
}

TEST(SluicectlOptions, EditServiceKeepsOnlyWhatWasGiven) {
  const Command c = parse({"edit-service", "-t", "10.0.0.1:80", "-s", "lc"});
  EXPECT_EQ(c.verb, Verb::kEditService);
  EXPECT_EQ(c.scheduler, "lc");
  EXPECT_FALSE(c.method);
  EXPECT_FALSE(c.persistenceSeconds);
}

TEST(SluicectlOptions, AddServerWithIpvsadmSwitches) {
  Command c = parse({"add-server", "-t", "10.0.0.1:80", "-r", "192.168.1.20:8080", "-w", "3", "-g"});
  EXPECT_EQ(c.verb, Verb::kAddServer);
  ASSERT_TRUE(c.server);
  EXPECT_EQ(c.server->address, "192.168.1.20");
  EXPECT_EQ(c.server->port, 8080);
  EXPECT_EQ(c.weight, 3u);
  EXPECT_EQ(c.method, "DR");
  EXPECT_EQ(parse({"add-server", "-t", "10.0.0.1:80", "-r", "192.168.1.20", "-m"}).method, "NAT");
  EXPECT_EQ(parse({"add-server", "-t", "10.0.0.1:80", "-r", "192.168.1.20", "--ipip"}).method, "TUN");
  EXPECT_EQ(parse({"add-server", "-t", "10.0.0.1:80", "-r", "192.168.1.20", "-w0"}).weight, 0u);
  // add-server leaves a missing port to the daemon.
  c = parse({"add-server", "-f", "80", "-r", "192.168.1.20"});
  EXPECT_FALSE(c.server->port);
  EXPECT_FALSE(c.weight);
  EXPECT_FALSE(c.method);
}

TEST(SluicectlOptions, ServerPortDefaultsToTheServicesPort) {
  EXPECT_EQ(parse({"del-server", "-t", "10.0.0.1:80", "-r", "192.168.1.20"}).server->port, 80);
  EXPECT_EQ(parse({"drain", "-t", "10.0.0.1:80", "-r", "192.168.1.20:81"}).server->port, 81);
  EXPECT_EQ(parse({"drain", "-t", "[2001:db8::1]:80", "-r", "[2001:db8::20]"}).server->address, "2001:db8::20");
  // A fwmark service has no port: its real servers' default is 0, the
  // port each client used, as ipvsadm's.
  EXPECT_EQ(parse({"del-server", "-f", "80", "-r", "192.168.1.20"}).server->port, 0);
  EXPECT_EQ(parse({"weight", "-f", "80", "-r", "192.168.1.20:0", "3"}).server->port, 0);
  EXPECT_EQ(parse({"del-server", "-f", "80", "-r", "192.168.1.20:80"}).server->port, 80);
}

TEST(SluicectlOptions, WeightTakesAnArgumentOrMinusW) {
  Command c = parse({"weight", "-t", "10.0.0.1:80", "-r", "192.168.1.20", "5"});
  EXPECT_EQ(c.verb, Verb::kWeight);
  EXPECT_EQ(c.weight, 5u);
  EXPECT_EQ(c.server->port, 80);
  EXPECT_EQ(parse({"weight", "7", "-t", "10.0.0.1:80", "-r", "192.168.1.20"}).weight, 7u);
  EXPECT_EQ(parse({"weight", "-t", "10.0.0.1:80", "-r", "192.168.1.20", "-w", "2147483647"}).weight, 2147483647u);
  EXPECT_EQ(refusal({"weight", "-t", "10.0.0.1:80", "-r", "192.168.1.20"}),
            "'weight' needs the new weight: weight -t VIP:PORT -r RIP[:PORT] WEIGHT");
  EXPECT_EQ(refusal({"weight", "-t", "10.0.0.1:80", "-r", "192.168.1.20", "-w", "1", "2"}),
            "give the weight once: '-w' or the WEIGHT argument, not both");
  EXPECT_EQ(refusal({"weight", "-t", "10.0.0.1:80", "-r", "192.168.1.20", "1", "2"}), "unexpected argument '2'");
}

TEST(SluicectlOptions, ServiceIdsAndPathsFollowTheApi) {
  ServiceSpec tcp{"TCP", "10.0.0.1", 80, 0};
  ServiceSpec udp6{"UDP", "2001:db8::10", 53, 0};
  ServiceSpec sctp{"SCTP", "10.0.0.1", 9, 0};
  ServiceSpec mark{"", "", 0, 80};
  EXPECT_EQ(serviceId(tcp), "tcp-10.0.0.1-80");
  EXPECT_EQ(serviceId(udp6), "udp-2001:db8::10-53");
  EXPECT_EQ(serviceId(sctp), "sctp-10.0.0.1-9");
  EXPECT_EQ(serviceId(mark), "fwmark-80");
  EXPECT_EQ(servicePath(tcp), "/v1/services/tcp-10.0.0.1-80");
  EXPECT_EQ(serverPath(udp6, ServerSpec{"2001:db8::20", 53}), "/v1/services/udp-2001:db8::10-53/servers/2001:db8::20-53");
}

// ---------------------------------------------------------------- refusals

TEST(SluicectlOptions, UnknownWordsAreNamed) {
  EXPECT_EQ(refusal({"frobnicate"}), "unknown command 'frobnicate'");
  EXPECT_EQ(refusal({"--frob"}), "unknown option '--frob'");
  EXPECT_EQ(refusal({"-z"}), "unknown option '-z'");
  EXPECT_EQ(refusal({"add-server", "-t", "10.0.0.1:80", "-r", "10.0.0.2", "-mg"}),
            "unknown option '-mg' (give short options one at a time)");
  EXPECT_EQ(refusal({"list", "extra"}), "unexpected argument 'extra'");
  EXPECT_EQ(refusal({"list", "conns"}), "two commands given: 'list' and 'conns'");
  EXPECT_EQ(refusal({"-L", "status"}), "two commands given: '-L' and 'status'");
  EXPECT_EQ(refusal({"status", "-c"}), "two commands given: 'status' and '-c'");
}

TEST(SluicectlOptions, OptionsMustFitTheCommand) {
  EXPECT_EQ(refusal({"list", "-w", "3"}), "option '-w' does not apply to 'list'");
  EXPECT_EQ(refusal({"status", "--stats"}), "option '--stats' does not apply to 'status'");
  EXPECT_EQ(refusal({"del-service", "-t", "10.0.0.1:80", "-s", "rr"}), "option '-s' does not apply to 'del-service'");
  EXPECT_EQ(refusal({"add-service", "-t", "10.0.0.1:80", "-r", "10.0.0.2"}),
            "option '-r' does not apply to 'add-service'");
  EXPECT_EQ(refusal({"add-service", "-t", "10.0.0.1:80", "-m"}), "option '-m' does not apply to 'add-service'");
}

TEST(SluicectlOptions, MissingPiecesAreNamed) {
  EXPECT_EQ(refusal({"add-service"}),
            "'add-service' needs a service: -t|-u|--sctp-service VIP:PORT or -f FWMARK");
  EXPECT_EQ(refusal({"drain", "-t", "10.0.0.1:80"}), "'drain' needs a real server: -r RIP[:PORT]");
  EXPECT_EQ(refusal({"edit-service", "-t", "10.0.0.1:80"}),
            "'edit-service' needs something to change: -s, -p or -M");
  EXPECT_EQ(refusal({"add-service", "-t"}), "option '-t' needs a value");
  EXPECT_EQ(refusal({"add-service", "-t", "-s", "rr"}), "option '-t' needs a value");
  EXPECT_EQ(refusal({"--api-socket"}), "option '--api-socket' needs a value");
}

TEST(SluicectlOptions, RepeatsAndConflictsAreRefused) {
  EXPECT_EQ(refusal({"add-service", "-t", "10.0.0.1:80", "-s", "rr", "--scheduler", "wrr"}),
            "option '--scheduler' given twice");
  EXPECT_EQ(refusal({"add-service", "-t", "10.0.0.1:80", "-f", "3"}), "give one service, not both '-t' and '-f'");
  EXPECT_EQ(refusal({"add-server", "-t", "10.0.0.1:80", "-r", "10.0.0.2", "-m", "-i"}), "'-m' and '-i' conflict");
  EXPECT_EQ(refusal({"--json=yes"}), "option '--json' takes no value");
}

TEST(SluicectlOptions, BadAddressesSayWhatIsWrong) {
  EXPECT_EQ(refusal({"del-service", "-t", "10.0.0.300:80"}), "-t '10.0.0.300:80': '10.0.0.300' is not an IP address");
  EXPECT_EQ(refusal({"del-service", "-t", "web:80"}), "-t 'web:80': 'web' is not an IP address");
  EXPECT_EQ(refusal({"del-service", "-t", "2001:db8::1:80"}),
            "-t '2001:db8::1:80': write an IPv6 address in brackets: [ADDRESS] or [ADDRESS]:PORT");
  EXPECT_EQ(refusal({"del-service", "-t", "[2001:db8::1:80"}),
            "-t '[2001:db8::1:80': missing ']' after the IPv6 address");
  EXPECT_EQ(refusal({"del-service", "-t", "[10.0.0.1]:80"}), "-t '[10.0.0.1]:80': '10.0.0.1' is not an IPv6 address");
  EXPECT_EQ(refusal({"del-service", "-t", "[2001:db8::1]80"}), "-t '[2001:db8::1]80': expected ':PORT' after ']'");
}

TEST(SluicectlOptions, NumbersOutOfRangeAreRefused) {
  EXPECT_EQ(refusal({"del-service", "-t", "10.0.0.1:65536"}),
            "-t '10.0.0.1:65536': port '65536' is out of range (0..65535)");
  EXPECT_EQ(refusal({"del-service", "-t", "10.0.0.1:http"}), "-t '10.0.0.1:http': port 'http' is not a number");
  EXPECT_EQ(refusal({"del-service", "-f", "0"}), "-f '0': fwmark is out of range (1..4294967295)");
  EXPECT_EQ(refusal({"del-service", "-f", "4294967296"}), "-f '4294967296': fwmark is out of range (1..4294967295)");
  EXPECT_EQ(refusal({"add-server", "-f", "1", "-r", "10.0.0.2", "-w", "2147483648"}),
            "-w '2147483648': weight is out of range (0..2147483647)");
  EXPECT_EQ(refusal({"weight", "-f", "1", "-r", "10.0.0.2:80", "-3"}),
            "weight '-3': weight is out of range (0..2147483647)");
  EXPECT_EQ(refusal({"weight", "-f", "1", "-r", "10.0.0.2:80", "heavy"}), "weight 'heavy': weight is not a number");
  EXPECT_EQ(refusal({"add-service", "-f", "1", "-p", "2678401"}),
            "-p '2678401': persistence timeout (seconds) is out of range (1..2678400)");
  EXPECT_EQ(refusal({"add-service", "-f", "1", "-p0"}),
            "-p '0': persistence timeout (seconds) is out of range (1..2678400)");
  EXPECT_EQ(refusal({"add-service", "-f", "1", "-M", "fullnat"}), "-M 'fullnat': forwarding method is NAT, DR or TUN");
  EXPECT_EQ(refusal({"add-service", "-f", "1", "-s", ""}), "-s needs a scheduler name");
}

TEST(SluicectlOptions, SocketPathMustFitSunPath) {
  EXPECT_EQ(refusal({"--api-socket", ""}), "--api-socket needs a path");
  EXPECT_EQ(refusal({"--api-socket", std::string(200, 'a')}),
            "--api-socket path is longer than a Unix socket path may be (107 bytes)");
}

}  // namespace
}  // namespace sluice::sluicectl
