// Fuzz target: the control API's request handling (controlplane/api/router
// and config_edit) against a fake daemon: method, path, query and body in,
// a JSON response out. Checks what the API promises whatever the request:
// every answer is a JSON document with an HTTP status, a refusal carries an
// "error", a refused change leaves the running configuration as it was, and
// no request gives the daemon a command to run (MISC_CHECK, notify or
// quorum scripts come from the configuration file only).
//
// Input: "METHOD\nPATH\nkey=value&key=value\nBODY" (missing parts empty).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "controlplane/api/api_error.h"
#include "controlplane/api/backend.h"
#include "controlplane/api/router.h"
#include "controlplane/config/parser.h"

namespace {

using namespace sluice;
using nlohmann::json;

constexpr const char* kConfig = R"(
global_defs {
    enable_script_security
}
virtual_server 10.0.0.1 80 {
    lb_algo wlc
    protocol TCP
    quorum_up "/usr/local/bin/quorum-up"
    real_server 192.168.1.20 80 {
        weight 2
        notify_down "/usr/local/bin/down 20"
        MISC_CHECK {
            misc_path "/usr/local/bin/check 20"
        }
    }
    real_server 192.168.1.21 80 { weight 1 }
}
virtual_server 2001:db8::1 80 {
    lb_algo rr
    protocol TCP
    real_server 2001:db8:1::20 80 { TCP_CHECK { connect_timeout 3 } }
}
virtual_server fwmark 5 {
    lb_algo rr
    persistence_timeout 60
    real_server 192.168.1.22 { }
}
dataplane {
    lcores 0-1
    port eth0 {
        device net_null0
        address 10.0.0.2/24
    }
}
)";

[[noreturn]] void broken(const std::string& what) {
  std::fprintf(stderr, "api_fuzz: %s\n", what.c_str());
  std::abort();
}

// Every command the daemon could be made to run by a configuration, with
// the user and group it would run as.
std::string commandKey(const std::string& command, const std::optional<std::string>& user,
                       const std::optional<std::string>& group) {
  return command + " (user " + user.value_or("-") + ", group " + group.value_or("-") + ")";
}

std::set<std::string> commandsOf(const config::Config& c) {
  std::set<std::string> out;
  auto add = [&](const std::optional<config::ScriptCommand>& s) {
    if (s) out.insert(commandKey(s->command, s->user, s->group));
  };
  for (const auto& vs : c.virtualServers) {
    add(vs.quorumUp);
    add(vs.quorumDown);
    for (const auto& rs : vs.realServers) {
      add(rs.notifyUp);
      add(rs.notifyDown);
      for (const auto& check : rs.checks) {
        if (!check.miscPath.empty()) out.insert(commandKey(check.miscPath, check.user, check.group));
      }
    }
  }
  return out;
}

// `override` is left out so that vrrp() builds whether or not Backend
// declares it.
class FakeBackend : public api::Backend {
 public:
  explicit FakeBackend(config::Config c) : running_(std::move(c)), commands_(commandsOf(running_)) {}
  const config::Config& config() const { return running_; }
  void apply(const config::Config& next) {
    for (const auto& command : commandsOf(next)) {
      if (!commands_.contains(command)) broken("an API request added a command to run: " + command);
    }
    running_ = next;
  }
  json reload() { return {{"reloaded", true}}; }
  json status() const { return {{"version", "fuzz"}}; }
  json stats() const { return {{"services", json::array()}, {"drops", json::object()}}; }
  void zeroCounters(const std::string&) {}
  json configDiff() const { return {{"same", true}}; }
  json vrrp() const { return {{"running", false}, {"instances", json::array()}}; }
  json sync() const { return {{"enabled", false}}; }
  json health() const { return {{"running", true}, {"checkers", json::array()}}; }
  json connections(const std::string&, unsigned) {
    return {{"connections", json::array()}, {"next_cursor", nullptr}};
  }

 private:
  config::Config running_;
  std::set<std::string> commands_;
};

const config::Config& startConfig() {
  static const config::Config c = [] {
    auto r = config::parseString(kConfig, "api_fuzz.conf");
    if (!r.ok()) broken(r.diagnostics.at(0).toString());
    return *r.config;
  }();
  return c;
}

// The next line of `in` (without its newline); the rest stays in `in`.
std::string_view line(std::string_view& in) {
  const auto nl = in.find('\n');
  const std::string_view out = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 70 * 1024) return -1;  // the HTTP layer refuses bodies over 64 KiB
  std::string_view in(reinterpret_cast<const char*>(data), size);
  api::Request request;
  request.method = line(in);
  request.path = line(in);
  std::string_view query = line(in);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    request.query[std::string(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
  request.body = std::string(in);

  FakeBackend backend(startConfig());
  const api::Response response = api::handle(backend, request);
  if (response.status < 200 || response.status > 599) broken("status " + std::to_string(response.status));
  if (response.contentType == "application/json") {
    const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) broken("a response that is not JSON: " + response.body);
    if (response.status >= 400) {
      if (!body.is_object() || !body.contains("error")) broken("a refusal without an error: " + response.body);
      if (!(backend.config() == startConfig())) broken("a refused request changed the configuration");
    }
  }
  return 0;
}
