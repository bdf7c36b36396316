// No API request makes sluiced run a command. MISC_CHECK's misc_path and the
// notify_up/notify_down/quorum_up/quorum_down scripts run as root or as the
// script user; they come from the configuration file (root's) only, so a
// request that names one is refused with 400 and changes nothing, and no
// sequence of requests leaves a command in the running configuration that
// the file did not put there. Also: the router answers every request, even
// one whose path is not UTF-8 (it used to throw from the JSON encoder, which
// would have stopped the daemon's control loop).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "controlplane/api/api_error.h"
#include "controlplane/api/backend.h"
#include "controlplane/api/router.h"
#include "controlplane/config/parser.h"

namespace sluice::api {
namespace {

using nlohmann::json;

constexpr const char* kConfig = R"(
global_defs {
    enable_script_security
    script_user nobody
}
virtual_server 10.0.0.1 80 {
    lb_algo wlc
    protocol TCP
    quorum_down "/usr/local/bin/quorum-down"
    real_server 192.168.1.20 80 {
        weight 2
        notify_up "/usr/local/bin/up 20"
        MISC_CHECK {
            misc_path "/usr/local/bin/check 20"
        }
    }
    real_server 192.168.1.21 80 { weight 1 }
}
)";

config::Config startConfig() {
  auto r = config::parseString(kConfig, "security.conf");
  if (!r.ok()) throw std::runtime_error(r.diagnostics.at(0).toString());
  return *r.config;
}

// Every command a configuration would run, with who runs it.
std::set<std::string> commandsOf(const config::Config& c) {
  std::set<std::string> out;
  auto add = [&](const std::string& command, const std::optional<std::string>& user) {
    out.insert(command + " as " + user.value_or("(script_user)"));
  };
  for (const auto& vs : c.virtualServers) {
    if (vs.quorumUp) add(vs.quorumUp->command, vs.quorumUp->user);
    if (vs.quorumDown) add(vs.quorumDown->command, vs.quorumDown->user);
    for (const auto& rs : vs.realServers) {
      if (rs.notifyUp) add(rs.notifyUp->command, rs.notifyUp->user);
      if (rs.notifyDown) add(rs.notifyDown->command, rs.notifyDown->user);
      for (const auto& check : rs.checks) {
        if (!check.miscPath.empty()) add(check.miscPath, check.user);
      }
    }
  }
  return out;
}

// `override` is left out so that vrrp() builds whether or not Backend
// declares it.
class RecordingBackend : public Backend {
 public:
  config::Config running = startConfig();
  int applied = 0;
  const config::Config& config() const { return running; }
  void apply(const config::Config& next) {
    running = next;
    ++applied;
  }
  json reload() { return {{"reloaded", true}}; }
  json status() const { return {{"version", "test"}}; }
  json stats() const { return {{"services", json::array()}}; }
  void zeroCounters(const std::string&) {}
  json configDiff() const { return {{"same", true}}; }
  json health() const { return {{"running", true}, {"checkers", json::array()}}; }
  json vrrp() const { return {{"running", false}, {"instances", json::array()}}; }
  json sync() const { return {{"enabled", false}}; }
  json connections(const std::string&, unsigned) { return {{"connections", json::array()}, {"next_cursor", nullptr}}; }
};

Response call(Backend& b, const std::string& method, const std::string& path, const std::string& body = "") {
  return handle(b, Request{method, path, {}, body});
}

const std::string kService = "/v1/services/tcp-10.0.0.1-80";
const std::string kScripted = kService + "/servers/192.168.1.20-80";
const std::string kPlain = kService + "/servers/192.168.1.21-80";

TEST(ApiCommands, ARequestNamingACommandIsRefusedAndChangesNothing) {
  struct Case {
    const char* method;
    std::string path;
    const char* body;
    const char* field;
  };
  const std::vector<Case> cases = {
      {"POST", "/v1/services",
       R"({"address": "10.0.0.7", "port": 25, "real_servers": [{"address": "192.168.1.40",
           "checks": [{"type": "MISC_CHECK", "misc_path": "/bin/touch /tmp/owned"}]}]})",
       "misc_path"},
      {"POST", "/v1/services", R"({"address": "10.0.0.7", "port": 25, "quorum_up": {"command": "/bin/id"}})",
       "quorum_up"},
      {"POST", "/v1/services",
       R"({"address": "10.0.0.7", "port": 25, "real_servers": [{"address": "192.168.1.40",
           "notify_down": {"command": "/bin/id", "user": "root"}}]})",
       "notify_down"},
      {"POST", kService + "/servers",
       R"({"address": "192.168.1.41", "checks": [{"type": "MISC_CHECK", "misc_path": "/bin/sh -c reboot"}]})",
       "misc_path"},
      {"POST", kService + "/servers", R"({"address": "192.168.1.41", "notify_up": {"command": "/bin/id"}})",
       "notify_up"},
      {"PATCH", kPlain, R"({"notify_down": {"command": "/bin/id"}})", "notify_down"},
      {"PATCH", kPlain, R"({"checks": [{"type": "MISC_CHECK", "misc_path": "/bin/id"}]})", "misc_path"},
      // The configured script, but run as root instead of the script user.
      {"PATCH", kScripted,
       R"({"checks": [{"type": "MISC_CHECK", "misc_path": "/usr/local/bin/check 20", "user": "root"}]})",
       "misc_path"},
      {"PATCH", kScripted, R"({"notify_up": {"command": "/usr/local/bin/up 20", "user": "root"}})", "notify_up"},
      {"PATCH", kService, R"({"quorum_up": {"command": "/bin/id"}})", "quorum_up"},
      {"PATCH", kService, R"({"quorum_down": {"command": "/bin/id"}})", "quorum_down"},
  };
  for (const Case& c : cases) {
    RecordingBackend b;
    const Response r = call(b, c.method, c.path, c.body);
    EXPECT_EQ(r.status, 400) << c.method << " " << c.path << " " << c.body << ": " << r.body;
    EXPECT_EQ(json::parse(r.body).value("field", ""), c.field) << r.body;
    EXPECT_EQ(b.applied, 0) << c.body;
    EXPECT_EQ(b.running, startConfig()) << c.body;
  }
}

TEST(ApiCommands, EditsBesideConfiguredScriptsKeepThemAsTheyAre) {
  RecordingBackend b;
  EXPECT_EQ(call(b, "PATCH", kScripted, R"({"weight": 5})").status, 200);
  EXPECT_EQ(call(b, "POST", kScripted + "/drain").status, 200);
  EXPECT_EQ(call(b, "PATCH", kService, R"({"lvs_sched": "rr"})").status, 200);
  EXPECT_EQ(call(b, "POST", kService + "/servers", R"({"address": "192.168.1.42", "weight": 1})").status, 201);
  EXPECT_EQ(b.applied, 4);
  EXPECT_EQ(commandsOf(b.running), commandsOf(startConfig()));
  // Taking a script away is allowed: it runs nothing.
  EXPECT_EQ(call(b, "PATCH", kScripted, R"({"checks": [], "notify_up": null})").status, 200);
  EXPECT_EQ(commandsOf(b.running), std::set<std::string>{"/usr/local/bin/quorum-down as (script_user)"});
}

// Every method on every resource with bodies that try each way in: the
// commands of the running configuration only ever shrink.
TEST(ApiCommands, NoRequestOnAnyRouteAddsACommand) {
  const std::vector<std::string> methods = {"GET", "POST", "PATCH", "PUT", "DELETE"};
  const std::vector<std::string> paths = {"/v1/services", kService, kService + "/servers", kScripted, kPlain,
                                          kScripted + "/drain", "/v1/config", "/v1/config/reload", "/v1/status",
                                          "/v1/stats", "/v1/health", "/v1/vrrp", "/v1/connections", "/metrics"};
  const std::vector<std::string> bodies = {
      "",
      R"({"misc_path": "/bin/id"})",
      R"({"address": "10.0.0.9", "port": 80, "real_servers": [{"address": "192.168.1.50", "checks":
          [{"type": "MISC_CHECK", "misc_path": "/bin/id"}]}]})",
      R"({"address": "192.168.1.51", "checks": [{"type": "MISC_CHECK", "misc_path": "/bin/id"}]})",
      R"({"notify_up": {"command": "/bin/id"}, "notify_down": {"command": "/bin/id"}})",
      R"({"quorum_up": {"command": "/bin/id"}, "quorum_down": {"command": "/bin/id"}})",
      R"({"global_defs": {"script_user": "root", "enable_script_security": false}})",
      R"([{"misc_path": "/bin/id"}])",
  };
  const std::set<std::string> configured = commandsOf(startConfig());
  RecordingBackend b;
  for (const auto& method : methods) {
    for (const auto& path : paths) {
      for (const auto& body : bodies) {
        const Response r = call(b, method, path, body);
        if (r.contentType == "application/json") {
          EXPECT_TRUE(json::accept(r.body)) << method << " " << path;
        }
        for (const auto& command : commandsOf(b.running)) {
          EXPECT_TRUE(configured.contains(command)) << method << " " << path << " " << body << " added " << command;
        }
        EXPECT_EQ(b.running.globalDefs, startConfig().globalDefs) << method << " " << path << " " << body;
      }
    }
  }
}

TEST(ApiRouter, APathThatIsNotUtf8IsAnsweredNotThrown) {
  RecordingBackend b;
  Response r;
  ASSERT_NO_THROW(r = call(b, "GET", "/v1/services/tcp-\xF7\xF7-80"));
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(json::parse(r.body).contains("error"));
  ASSERT_NO_THROW(r = call(b, "PATCH", "/v1/ser\xF7vices/tcp-10.0.0.1-80", R"({"weight": 1})"));
  EXPECT_EQ(r.status, 404);
}

}  // namespace
}  // namespace sluice::api
