// sluiced's command line.
#include "controlplane/sluiced/options.h"

#include <gtest/gtest.h>

namespace sluice::sluiced {
namespace {

Options ok(const std::vector<std::string>& args) {
  const auto r = parseOptions(args);
  EXPECT_TRUE(r.options) << r.error;
  return r.options.value_or(Options{});
}

std::string refused(const std::vector<std::string>& args) {
  const auto r = parseOptions(args);
  EXPECT_FALSE(r.options);
  return r.error;
}

TEST(Options, DefaultsToKeepalivedsConfigPath) {
  const Options o = ok({});
  EXPECT_EQ(o.configFile, "/etc/keepalived/keepalived.conf");
  EXPECT_FALSE(o.configTest);
  EXPECT_FALSE(o.dumpJson);
  EXPECT_FALSE(o.logToSyslog);
  EXPECT_EQ(o.logIdents, common::LogIdents::kSluiced);
  EXPECT_FALSE(o.apiSocket);
  EXPECT_FALSE(o.pidFile);
  EXPECT_FALSE(o.configId);
}

TEST(Options, ConfigIdShortLongAndBundled) {
  EXPECT_EQ(ok({"-i", "lb1"}).configId, "lb1");
  EXPECT_EQ(ok({"--config-id", "lb2"}).configId, "lb2");
  EXPECT_EQ(ok({"--config-id=lb3"}).configId, "lb3");
  EXPECT_EQ(ok({"-tilb4"}).configId, "lb4");
  EXPECT_EQ(refused({"-i"}), "option '-i' needs a value");
}

TEST(Options, ShortAndLongForms) {
  const Options o =
      ok({"-t", "-f", "/tmp/k.conf", "-l", "--api-socket", "/run/sluice.sock", "--pidfile=/run/s.pid"});
  EXPECT_TRUE(o.configTest);
  EXPECT_EQ(o.configFile, "/tmp/k.conf");
  EXPECT_TRUE(o.logToSyslog);
  EXPECT_EQ(o.apiSocket, "/run/sluice.sock");
  EXPECT_EQ(o.pidFile, "/run/s.pid");

  const Options bundled = ok({"-tlf/tmp/x.conf", "--dump-json"});
  EXPECT_TRUE(bundled.configTest);
  EXPECT_TRUE(bundled.logToSyslog);
  EXPECT_TRUE(bundled.dumpJson);
  EXPECT_EQ(bundled.configFile, "/tmp/x.conf");

  const Options longNames = ok({"--config-test", "--use-file=/a.conf", "--log-syslog"});
  EXPECT_TRUE(longNames.configTest);
  EXPECT_EQ(longNames.configFile, "/a.conf");
  EXPECT_TRUE(ok({"-h"}).help);
  EXPECT_TRUE(ok({"--help"}).help);
}

TEST(Options, LogIdentNamesTheSyslogSenders) {
  EXPECT_EQ(ok({"-l", "--log-ident", "keepalived"}).logIdents, common::LogIdents::kKeepalived);
  EXPECT_EQ(ok({"--log-ident=keepalived", "--log-syslog"}).logIdents, common::LogIdents::kKeepalived);
  EXPECT_EQ(ok({"-l", "--log-ident=sluiced"}).logIdents, common::LogIdents::kSluiced);
  EXPECT_EQ(refused({"-l", "--log-ident", "Keepalived_vrrp"}),
            "--log-ident takes keepalived or sluiced, not 'Keepalived_vrrp'");
  EXPECT_EQ(refused({"--log-ident", "keepalived"}), "--log-ident needs -l (it names the senders of the syslog lines)");
  EXPECT_EQ(refused({"-l", "--log-ident"}), "option '--log-ident' needs a value");
}

TEST(Options, Refusals) {
  EXPECT_EQ(refused({"-x"}), "unknown option '-x'");
  EXPECT_EQ(refused({"--frobnicate"}), "unknown option '--frobnicate'");
  EXPECT_EQ(refused({"-f"}), "option '-f' needs a value");
  EXPECT_EQ(refused({"--api-socket"}), "option '--api-socket' needs a value");
  EXPECT_EQ(refused({"keepalived.conf"}), "unexpected argument 'keepalived.conf'");
  EXPECT_EQ(refused({"--dump-json"}), "--dump-json needs -t (it prints the checked configuration and exits)");
  EXPECT_EQ(refused({"--config-test=yes"}), "option '--config-test' takes no value");
  EXPECT_EQ(refused({"--pidfile="}), "--pidfile needs a path");
  EXPECT_EQ(refused({"--api-socket", std::string(200, 'a')}),
            "--api-socket path is longer than a Unix socket path may be (107 bytes)");
}

TEST(Options, UsageMentionsEveryOption) {
  const std::string text = usage("sluiced");
  for (const char* opt :
       {"-f", "-i", "--config-id", "-t", "--dump-json", "-l", "--log-ident", "--api-socket", "--pidfile", "-h"}) {
    EXPECT_NE(text.find(opt), std::string::npos) << opt;
  }
}

}  // namespace
}  // namespace sluice::sluiced
