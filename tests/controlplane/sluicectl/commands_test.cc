// sluicectl against a fake sluiced: an httplib server on a temporary Unix
// socket in this process that records each request and answers from a
// table of canned replies.
#include "controlplane/sluicectl/commands.h"

#include <httplib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sluice::sluicectl {
namespace {

using nlohmann::json;

// A directory of its own for the socket, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char name[] = "/tmp/sluicectl-test-XXXXXX";
    if (::mkdtemp(name) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = name;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct Seen {
  std::string method;
  std::string target;  // path and query as sent
  std::string body;
  std::string contentType;
  std::string contentLength;  // sluiced (httplib) refuses POST and PATCH without one
};

class FakeDaemon {
 public:
  explicit FakeDaemon(std::string socketPath) : socket_(std::move(socketPath)) {
    const auto handle = [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); };
    server_.Get(".*", handle);
    server_.Post(".*", handle);
    server_.Patch(".*", handle);
    server_.Delete(".*", handle);
    server_.set_address_family(AF_UNIX);
    // bind_to_port also listens: connections wait in the backlog until the thread accepts.
    if (!server_.bind_to_port(socket_, 80)) throw std::runtime_error("cannot bind " + socket_);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the loop runs would be lost and join() would wait forever.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  ~FakeDaemon() {
    server_.stop();
    thread_.join();
  }

  FakeDaemon(const FakeDaemon&) = delete;
  FakeDaemon& operator=(const FakeDaemon&) = delete;

  // What METHOD TARGET gets; anything not listed gets 404 with an API error.
  void reply(const std::string& method, const std::string& target, int status, const std::string& body) {
    std::lock_guard lock(mutex_);
    replies_[method + " " + target] = {status, body};
  }

  std::vector<Seen> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  void answer(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex_);
    seen_.push_back({req.method, req.target, req.body, req.get_header_value("Content-Type"),
                     req.get_header_value("Content-Length")});
    const auto it = replies_.find(req.method + " " + req.target);
    if (it == replies_.end()) {
      res.status = 404;
      res.set_content(R"({"error":"no such path"})", "application/json");
      return;
    }
    res.status = it->second.first;
    res.set_content(it->second.second, "application/json");
  }

  std::string socket_;
  httplib::Server server_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::map<std::string, std::pair<int, std::string>> replies_;
  std::vector<Seen> seen_;
};

struct CliRun {
  int exit = -1;
  std::string out;
  std::string err;
};

class SluicectlCommands : public ::testing::Test {
 protected:
  CliRun run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--api-socket", socket_});
    std::ostringstream out;
    std::ostringstream err;
    CliRun r;
    r.exit = runCommandLine(args, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  // The only request the daemon saw.
  Seen only() const {
    const auto seen = daemon_.seen();
    EXPECT_EQ(seen.size(), 1u);
    return seen.empty() ? Seen{} : seen.front();
  }

  TempDir dir_;
  std::string socket_ = dir_.file("sluice.sock");
  FakeDaemon daemon_{socket_};
};

const char* const kStats = R"({"services": [
  {"id": "tcp-10.0.0.1-80", "protocol": "TCP", "address": "10.0.0.1", "port": 80, "scheduler": "rr",
   "real_servers": [{"address": "192.168.1.20", "port": 80, "weight": 1, "method": "NAT",
                     "activeconns": 2, "inactconns": 1}]}]})";

TEST_F(SluicectlCommands, ListGetsStatsAndPrintsTheTable) {
  daemon_.reply("GET", "/v1/stats", 200, kStats);
  const CliRun r = run({"-Ln"});
  EXPECT_EQ(r.exit, kExitOk);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out,
            "sluice (IPVS-compatible) services=1\n"
            "Prot LocalAddress:Port Scheduler Flags\n"
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
            "TCP  10.0.0.1:80 rr\n"
            "  -> 192.168.1.20:80              Masq    1      2          1\n");
  const Seen s = only();
  EXPECT_EQ(s.method, "GET");
  EXPECT_EQ(s.target, "/v1/stats");
  EXPECT_EQ(s.body, "");
}

TEST_F(SluicectlCommands, TopOncePrintsOneFrameOfEveryEndpoint) {
  daemon_.reply("GET", "/v1/stats", 200, kStats);
  daemon_.reply("GET", "/v1/health", 200, R"({"running": true, "checkers": []})");
  daemon_.reply("GET", "/v1/vrrp", 200, R"({"running": false, "instances": []})");
  daemon_.reply("GET", "/v1/sync", 200, R"({"enabled": false})");
  daemon_.reply("GET", "/v1/status", 200, R"({"version": "9.8.7", "uptime_s": 5})");
  const CliRun r = run({"top", "--once"});
  EXPECT_EQ(r.exit, kExitOk) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.rfind("sluicectl top - sluiced 9.8.7, up 00:00:05", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\nTCP  10.0.0.1:80"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n  -> 192.168.1.20:80"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "plain text, no escapes";
  std::vector<std::string> targets;
  for (const auto& s : daemon_.seen()) targets.push_back(s.method + " " + s.target);
  EXPECT_EQ(targets, (std::vector<std::string>{"GET /v1/stats", "GET /v1/health", "GET /v1/vrrp", "GET /v1/sync",
                                               "GET /v1/status"}));
}

TEST_F(SluicectlCommands, TopBatchStopsAtARefusedRead) {
  daemon_.reply("GET", "/v1/stats", 200, kStats);
  const CliRun r = run({"top", "-b", "-n", "2"});
  EXPECT_EQ(r.exit, kExitRefused);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "sluicectl: GET /v1/health answered HTTP 404\n");
}

TEST_F(SluicectlCommands, JsonPrintsTheApisDocumentPretty) {
  daemon_.reply("GET", "/v1/stats", 200, kStats);
  const CliRun r = run({"list", "--json"});
  EXPECT_EQ(r.exit, kExitOk);
  EXPECT_EQ(r.out, json::parse(kStats).dump(2) + "\n");
}

TEST_F(SluicectlCommands, ConfigIsAlwaysJson) {
  daemon_.reply("GET", "/v1/config", 200, R"({"virtual_servers":[]})");
  const CliRun r = run({"config"});
  EXPECT_EQ(r.exit, kExitOk);
  EXPECT_EQ(r.out, "{\n  \"virtual_servers\": []\n}\n");
}

TEST_F(SluicectlCommands, ConnsFollowsTheCursorToTheEnd) {
  daemon_.reply("GET", "/v1/connections?limit=1000", 200, R"({"connections": [
      {"protocol": "TCP", "state": "ESTABLISHED", "expires_ms": 899000, "template": false,
       "client_address": "10.0.0.100", "client_port": 40000, "virtual_address": "10.0.0.1", "virtual_port": 80,
       "server_address": "192.168.1.20", "server_port": 80}],
      "next_cursor": "0:1:57"})");
  daemon_.reply("GET", "/v1/connections?limit=1000&cursor=0:1:57", 200, R"({"connections": [
      {"protocol": "UDP", "state": "UDP", "expires_ms": 59999, "template": false,
       "client_address": "10.0.0.101", "client_port": 5000, "virtual_address": "10.0.0.1", "virtual_port": 53,
       "server_address": "192.168.1.21", "server_port": 53}],
      "next_cursor": null})");
  const CliRun r = run({"-Lnc"});
  EXPECT_EQ(r.exit, kExitOk);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out,
            "IPVS connection entries\n"
            "pro expire state       source             virtual            destination\n"
            "TCP 14:59  ESTABLISHED 10.0.0.100:40000   10.0.0.1:80        192.168.1.20:80\n"
            "UDP 00:59  UDP         10.0.0.101:5000    10.0.0.1:53        192.168.1.21:53\n");
  const auto seen = daemon_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].target, "/v1/connections?limit=1000");
  EXPECT_EQ(seen[1].target, "/v1/connections?limit=1000&cursor=0:1:57");
}

TEST_F(SluicectlCommands, ConnsJsonIsOneDocumentOfEveryPage) {
  daemon_.reply("GET", "/v1/connections?limit=1000", 200,
                R"({"connections": [{"state": "A"}], "next_cursor": "c 1/2"})");
  daemon_.reply("GET", "/v1/connections?limit=1000&cursor=c%201%2F2", 200,
                R"({"connections": [{"state": "B"}], "next_cursor": null})");
  const CliRun r = run({"conns", "--json"});
  EXPECT_EQ(r.exit, kExitOk) << r.err;
  // Written page by page, yet exactly what dump(2) makes of the whole.
  const json whole = json::parse(R"({"connections": [{"state": "A"}, {"state": "B"}], "next_cursor": null})");
  EXPECT_EQ(r.out, whole.dump(2) + "\n");
}

TEST_F(SluicectlCommands, ConnsJsonOfAnEmptyTable) {
  daemon_.reply("GET", "/v1/connections?limit=1000", 200, R"({"connections": [], "next_cursor": null})");
  const CliRun r = run({"conns", "--json"});
  EXPECT_EQ(r.exit, kExitOk) << r.err;
  EXPECT_EQ(r.out, json::parse(R"({"connections": [], "next_cursor": null})").dump(2) + "\n");
}

TEST_F(SluicectlCommands, ConnsStopsAtAFailedPage) {
  daemon_.reply("GET", "/v1/connections?limit=1000", 200, R"({"connections": [], "next_cursor": "1:0:0"})");
  daemon_.reply("GET", "/v1/connections?limit=1000&cursor=1:0:0", 400,
                R"({"error": "cursor '1:0:0' names no worker", "field": "cursor"})");
  const CliRun r = run({"conns"});
  EXPECT_EQ(r.exit, kExitRefused);
  EXPECT_EQ(r.err, "sluicectl: cursor '1:0:0' names no worker (field: cursor)\n");
}

TEST_F(SluicectlCommands, AddServiceByAddress) {
  daemon_.reply("POST", "/v1/services", 201, R"({"id": "tcp-10.0.0.1-80"})");
  const CliRun r = run({"add-service", "-t", "10.0.0.1:80", "-s", "wrr", "-p", "-M", "DR"});
  EXPECT_EQ(r.exit, kExitOk) << r.err;
  EXPECT_EQ(r.out, "");  // silent, as ipvsadm -A
  const Seen s = only();
  EXPECT_EQ(s.method, "POST");
  EXPECT_EQ(s.target, "/v1/services");
  EXPECT_EQ(s.contentType, "application/json");
  EXPECT_EQ(json::parse(s.body), json::parse(R"({"kind": "address", "address": "10.0.0.1", "port": 80,
      "protocol": "TCP", "lvs_sched": "wrr", "lvs_method": "DR", "persistence_timeout": 300000})"));
}

TEST_F(SluicectlCommands, AddServiceByFwmarkWithJsonPrintsTheReply) {
  daemon_.reply("POST", "/v1/services", 201, R"({"id": "fwmark-80"})");
  const CliRun r = run({"add-service", "-f", "80", "--json"});
  EXPECT_EQ(r.exit, kExitOk) << r.err;
  EXPECT_EQ(r.out, "{\n  \"id\": \"fwmark-80\"\n}\n");
  EXPECT_EQ(json::parse(only().body), json::parse(R"({"kind": "fwmark", "fwmark": 80})"));
}

TEST_F(SluicectlCommands, TextThatIsNotUtf8IsSentReplaced) {
  daemon_.reply("POST", "/v1/services", 400, R"({"error": "unknown lvs_sched", "field": "lvs_sched"})");
  const CliRun r = run({"add-service", "-t", "10.0.0.1:80", "-s", "r\xffr"});
  EXPECT_EQ(r.exit, kExitRefused);
  EXPECT_EQ(json::parse(only().body)["lvs_sched"], "r\xef\xbf\xbdr");
}

TEST_F(SluicectlCommands, EditServiceSendsOnlyWhatChanged) {
  daemon_.reply("PATCH", "/v1/services/udp-2001:db8::1-53", 200, "{}");
  const CliRun r = run({"edit-service", "-u", "[2001:db8::1]:53", "-p", "60"});
  EXPECT_EQ(r.exit, kExitOk) << r.err;
  const Seen s = only();
  EXPECT_EQ(s.method, "PATCH");
  EXPECT_EQ(json::parse(s.body), json::parse(R"({"persistence_timeout": 60000})"));
}

TEST_F(SluicectlCommands, DelService) {
  daemon_.reply("DELETE", "/v1/services/sctp-10.0.0.1-9", 204, "");
  EXPECT_EQ(run({"del-service", "--sctp-service", "10.0.0.1:9"}).exit, kExitOk);
  EXPECT_EQ(only().method, "DELETE");
}

TEST_F(SluicectlCommands, AddServer) {
  daemon_.reply("POST", "/v1/services/tcp-10.0.0.1-80/servers", 201, "{}");
  const CliRun r = run({"add-server", "-t", "10.0.0.1:80", "-r", "192.168.1.20", "-w", "3", "-g"});
  EXPECT_EQ(r.exit, kExitOk) << r.err;
  EXPECT_EQ(json::parse(only().body), json::parse(R"({"address": "192.168.1.20", "weight": 3, "lvs_method": "DR"})"));
}

TEST_F(SluicectlCommands, DelServerDefaultsToTheServicesPort) {
  daemon_.reply("DELETE", "/v1/services/tcp-10.0.0.1-80/servers/192.168.1.20-80", 204, "");
  EXPECT_EQ(run({"del-server", "-t", "10.0.0.1:80", "-r", "192.168.1.20"}).exit, kExitOk);
  EXPECT_EQ(only().target, "/v1/services/tcp-10.0.0.1-80/servers/192.168.1.20-80");
}

TEST_F(SluicectlCommands, WeightPatchesTheServer) {
  daemon_.reply("PATCH", "/v1/services/fwmark-80/servers/2001:db8::20-8080", 200, "{}");
  const CliRun r = run({"weight", "-f", "80", "-r", "[2001:db8::20]:8080", "0"});
  EXPECT_EQ(r.exit, kExitOk) << r.err;
  EXPECT_EQ(json::parse(only().body), json::parse(R"({"weight": 0})"));
}

TEST_F(SluicectlCommands, DrainPostsToTheServer) {
  daemon_.reply("POST", "/v1/services/tcp-10.0.0.1-80/servers/192.168.1.20-81/drain", 200, "{}");
  EXPECT_EQ(run({"drain", "-t", "10.0.0.1:80", "-r", "192.168.1.20:81"}).exit, kExitOk);
  const Seen s = only();
  EXPECT_EQ(s.method, "POST");
  EXPECT_EQ(s.body, "");
  EXPECT_EQ(s.contentLength, "0");
}

TEST_F(SluicectlCommands, RefusalPrintsTheErrorAndFieldAndExits1) {
  daemon_.reply("PATCH", "/v1/services/tcp-10.0.0.1-80/servers/192.168.1.20-80", 400,
                R"({"error": "json: 'weight': 4294967296 is out of range", "field": "weight"})");
  const CliRun r = run({"weight", "-t", "10.0.0.1:80", "-r", "192.168.1.20", "7"});
  EXPECT_EQ(r.exit, kExitRefused);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "sluicectl: json: 'weight': 4294967296 is out of range (field: weight)\n");
}

TEST_F(SluicectlCommands, UnknownServiceIs404) {
  const CliRun r = run({"del-service", "-t", "10.0.0.1:81"});
  EXPECT_EQ(r.exit, kExitRefused);
  EXPECT_EQ(r.err, "sluicectl: no such path\n");
}

TEST_F(SluicectlCommands, ReloadPrintsTheCounts) {
  daemon_.reply("POST", "/v1/config/reload", 200,
                R"({"reloaded": true, "added": ["tcp-10.0.0.2-80"], "removed": [], "changed": []})");
  const CliRun r = run({"reload"});
  EXPECT_EQ(r.exit, kExitOk);
  EXPECT_EQ(r.out, "reloaded: 1 added, 0 removed, 0 changed\n");
}

TEST_F(SluicectlCommands, RefusedReloadPrintsEveryDiagnostic) {
  daemon_.reply("POST", "/v1/config/reload", 422, R"({"error": "keepalived.conf: 2 errors",
      "diagnostics": ["keepalived.conf:3: error: unknown keyword 'foo'", "keepalived.conf:9: error: bad port"]})");
  const CliRun r = run({"reload"});
  EXPECT_EQ(r.exit, kExitRefused);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "sluicectl: keepalived.conf: 2 errors\n"
            "keepalived.conf:3: error: unknown keyword 'foo'\n"
            "keepalived.conf:9: error: bad port\n");
}

TEST_F(SluicectlCommands, AReadThatIsNotJsonIsAnError) {
  daemon_.reply("GET", "/v1/status", 200, "<html>");
  const CliRun r = run({"status"});
  EXPECT_EQ(r.exit, kExitRefused);
  EXPECT_EQ(r.err, "sluicectl: the reply to GET /v1/status is not JSON\n");
}

TEST_F(SluicectlCommands, UsageErrorsExit2WithAHint) {
  const CliRun r = run({"add-server", "-t", "10.0.0.1:80"});
  EXPECT_EQ(r.exit, kExitUsage);
  EXPECT_EQ(r.err, "sluicectl: 'add-server' needs a real server: -r RIP[:PORT]\nTry 'sluicectl --help'.\n");
  EXPECT_TRUE(daemon_.seen().empty());
  const CliRun help = run({"--help"});
  EXPECT_EQ(help.exit, kExitOk);
  EXPECT_EQ(help.out.rfind("Usage: sluicectl", 0), 0u);
}

// ---------------------------------------------------------------- no daemon

CliRun runAgainst(const std::string& socket, const std::vector<std::string>& args) {
  std::vector<std::string> all = {"--api-socket", socket};
  all.insert(all.end(), args.begin(), args.end());
  std::ostringstream out;
  std::ostringstream err;
  const int exit = runCommandLine(all, out, err);
  return {exit, out.str(), err.str()};
}

TEST(SluicectlNoDaemon, MissingSocketIsNotRunning) {
  const TempDir dir;
  const std::string socket = dir.file("absent.sock");
  const CliRun r = runAgainst(socket, {"list"});
  EXPECT_EQ(r.exit, kExitUnreachable);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "sluicectl: cannot reach sluiced at " + socket +
                       ": No such file or directory (is sluiced running?)\n");
}

TEST(SluicectlNoDaemon, TopBatchWithoutDaemonExits3) {
  const TempDir dir;
  const std::string socket = dir.file("absent.sock");
  const CliRun r = runAgainst(socket, {"top", "--once"});
  EXPECT_EQ(r.exit, kExitUnreachable);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "sluicectl: cannot reach sluiced at " + socket +
                       ": No such file or directory (is sluiced running?)\n");
}

TEST(SluicectlNoDaemon, SocketWithoutListenerIsRefused) {
  // What a crashed sluiced leaves behind: the file, and nobody listening.
  const TempDir dir;
  const std::string socket = dir.file("stale.sock");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
  const CliRun r = runAgainst(socket, {"drain", "-t", "10.0.0.1:80", "-r", "192.168.1.20"});
  EXPECT_EQ(r.exit, kExitUnreachable);
  EXPECT_EQ(r.err, "sluicectl: cannot reach sluiced at " + socket + ": Connection refused (is sluiced running?)\n");
}

}  // namespace
}  // namespace sluice::sluicectl
