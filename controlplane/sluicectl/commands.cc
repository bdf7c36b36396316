#include "controlplane/sluicectl/commands.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "controlplane/common/run_paths.h"
#include "controlplane/sluicectl/api_paths.h"
#include "controlplane/sluicectl/client.h"
#include "controlplane/sluicectl/format.h"
#include "controlplane/sluicectl/json_fields.h"
#include "controlplane/sluicectl/top.h"

namespace sluice::sluicectl {
namespace {

using nlohmann::json;

// `conns` reads the table a page at a time; the page cap bounds a table that
// keeps changing under the cursor.
constexpr int kConnectionsPerPage = 1000;
constexpr int kMaxPages = 1000;

struct Call {
  std::string_view method;
  std::string path;
  std::optional<json> body;
};

// The fields -s, -p and -M set, in the API's (keepalived's) names.
json serviceSettings(const Command& c) {
  json body = json::object();
  if (c.scheduler) body["lvs_sched"] = *c.scheduler;
  if (c.method) body["lvs_method"] = *c.method;
  // The API, like the config model, counts durations in milliseconds.
  if (c.persistenceSeconds) body["persistence_timeout"] = std::uint64_t{*c.persistenceSeconds} * 1000;
  return body;
}

json newService(const Command& c) {
  json body = serviceSettings(c);
  const ServiceSpec& s = *c.service;
  if (s.isFwmark()) {
    body["kind"] = "fwmark";
    body["fwmark"] = s.fwmark;
  } else {
    body["kind"] = "address";
    body["address"] = s.address;
    body["port"] = s.port;
    body["protocol"] = s.protocol;
  }
  return body;
}

json newServer(const Command& c) {
  json body = {{"address", c.server->address}};
  if (c.server->port) body["port"] = *c.server->port;
  if (c.weight) body["weight"] = *c.weight;
  if (c.method) body["lvs_method"] = *c.method;
  return body;
}

// The one request of every command but `conns`.
Call callFor(const Command& c) {
  switch (c.verb) {
    case Verb::kAddService:
      return {"POST", "/v1/services", newService(c)};
    case Verb::kEditService:
      return {"PATCH", servicePath(*c.service), serviceSettings(c)};
    case Verb::kDelService:
      return {"DELETE", servicePath(*c.service), std::nullopt};
    case Verb::kAddServer:
      return {"POST", servicePath(*c.service) + "/servers", newServer(c)};
    case Verb::kDelServer:
      return {"DELETE", serverPath(*c.service, *c.server), std::nullopt};
    case Verb::kWeight:
      return {"PATCH", serverPath(*c.service, *c.server), json{{"weight", *c.weight}}};
    case Verb::kDrain:
      return {"POST", serverPath(*c.service, *c.server) + "/drain", std::nullopt};
    case Verb::kReload:
      return {"POST", "/v1/config/reload", std::nullopt};
    case Verb::kVrrp:
      return {"GET", "/v1/vrrp", std::nullopt};
    case Verb::kSync:
      return {"GET", "/v1/sync", std::nullopt};
    case Verb::kHealth:
      return {"GET", "/v1/health", std::nullopt};
    case Verb::kConfig:
      return {"GET", "/v1/config", std::nullopt};
    case Verb::kConfigDiff:
      return {"GET", "/v1/config/diff", std::nullopt};
    case Verb::kStatus:
      return {"GET", "/v1/status", std::nullopt};
    case Verb::kList:
    case Verb::kConns:
    case Verb::kTop:
      break;
  }
  return {"GET", "/v1/stats", std::nullopt};
}

// What a successful reply prints. Changes print nothing, as ipvsadm's do.
std::string render(const Command& c, const json& reply) {
  if (c.json || c.verb == Verb::kConfig) return reply.is_null() ? "" : reply.dump(2) + "\n";
  switch (c.verb) {
    case Verb::kList:
      return formatServices(reply, c.columns);
    case Verb::kVrrp:
      return formatVrrp(reply);
    case Verb::kSync:
      return formatSync(reply);
    case Verb::kHealth:
      return formatHealth(reply);
    case Verb::kStatus:
      return formatStatus(reply);
    case Verb::kReload:
      return formatReload(reply);
    case Verb::kConfigDiff:
      return formatConfigDiff(reply);
    default:
      return "";
  }
}

// Whether a successful reply is printed: a read's always, a change's only with --json.
bool printsReply(const Command& c) {
  switch (c.verb) {
    case Verb::kList:
    case Verb::kConns:
    case Verb::kReload:
    case Verb::kVrrp:
    case Verb::kSync:
    case Verb::kHealth:
    case Verb::kConfig:
    case Verb::kConfigDiff:
    case Verb::kStatus:
      return true;
    default:
      return c.json;
  }
}

// JSON text even of text that is not UTF-8 (a byte from the command line):
// such bytes become U+FFFD and the daemon names the field it refuses.
std::string compact(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

// A cursor is opaque: escape all but unreserved characters (and ':', which
// a query may hold as it is).
std::string queryEscape(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == ':') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 0xF];
    }
  }
  return out;
}

// The socket, or the URL with its certificates and the token (from
// --token-file, else $SLUICE_API_TOKEN); nullopt after saying why not.
std::optional<ApiEndpoint> endpointFor(const Command& c, std::ostream& err) {
  ApiEndpoint e{.socketPath = c.apiSocket, .url = c.connect, .caCert = c.caCert, .clientCert = c.clientCert,
             .clientKey = c.clientKey, .token = {}};
  if (c.connect.empty()) return e;
  if (!c.tokenFile.empty()) {
    std::ifstream in(c.tokenFile);
    std::getline(in, e.token);
    if (!in && e.token.empty()) {
      err << "sluicectl: cannot read the token file " << c.tokenFile << "\n";
      return std::nullopt;
    }
  } else if (const char* env = std::getenv("SLUICE_API_TOKEN")) {
    e.token = env;
  }
  if (e.token.empty()) {
    err << "sluicectl: --connect needs the API token: --token-file FILE or SLUICE_API_TOKEN\n";
    return std::nullopt;
  }
  return e;
}

// Talks to the daemon and reports what went wrong, so commands only handle success.
class Session {
 public:
  Session(ApiEndpoint endpoint, std::ostream& err) : client_(std::move(endpoint)), err_(err) {}

  // The reply's JSON (null for an empty body), or nullopt after printing
  // why there is none; exitCode() then says how to exit.
  std::optional<json> call(const Call& call, bool wantReply) {
    const Exchange ex = client_.request(call.method, call.path,
                                        call.body ? std::optional<std::string>(compact(*call.body)) : std::nullopt);
    if (!ex.reply) {
      err_ << "sluicectl: cannot reach sluiced at " << client_.name() << ": " << ex.failure
           << (ex.notListening ? " (is sluiced running?)" : "") << "\n";
      exit_ = kExitUnreachable;
      return std::nullopt;
    }
    if (ex.reply->status < 200 || ex.reply->status >= 300) {
      err_ << formatRefusal(ex.reply->status, ex.reply->body);
      exit_ = kExitRefused;
      return std::nullopt;
    }
    if (!wantReply || ex.reply->body.empty()) return json();
    json reply = json::parse(ex.reply->body, nullptr, /*allow_exceptions=*/false);
    if (reply.is_discarded()) {
      err_ << "sluicectl: the reply to " << call.method << " " << call.path << " is not JSON\n";
      exit_ = kExitRefused;
      return std::nullopt;
    }
    return reply;
  }

  int exitCode() const { return exit_; }

 private:
  ApiClient client_;
  std::ostream& err_;
  int exit_ = kExitOk;
};

// Writes the pages of `conns --json` as the one document they make,
// {"connections": [...], "next_cursor": null}, laid out as dump(2) would lay
// it out, without holding every page in memory.
class ConnectionsJsonWriter {
 public:
  explicit ConnectionsJsonWriter(std::ostream& out) : out_(out) { out_ << "{\n  \"connections\": ["; }

  void add(const json& connection) {
    std::string text = connection.dump(2, ' ', false, json::error_handler_t::replace);
    std::string indented = "    ";
    for (char ch : text) indented += ch == '\n' ? std::string("\n    ") : std::string(1, ch);
    out_ << (empty_ ? "\n" : ",\n") << indented;
    empty_ = false;
  }

  void finish() { out_ << (empty_ ? "]" : "\n  ]") << ",\n  \"next_cursor\": null\n}\n"; }

 private:
  std::ostream& out_;
  bool empty_ = true;
};

// ipvsadm -Lnc: page after page, each printed as it comes so that a table
// of millions of connections is never held whole.
int runConnections(const Command& c, Session& session, std::ostream& out, std::ostream& err) {
  std::optional<ConnectionsJsonWriter> jsonOut;
  if (c.json) jsonOut.emplace(out);
  std::string path = "/v1/connections?limit=" + std::to_string(kConnectionsPerPage);
  bool complete = false;
  for (int page = 0; page < kMaxPages && !complete; ++page) {
    const auto reply = session.call({"GET", path, std::nullopt}, true);
    if (!reply) return session.exitCode();
    if (jsonOut) {
      for (const auto& conn : list(*reply, "connections")) jsonOut->add(conn);
    } else {
      out << formatConnections(list(*reply, "connections"), /*withTitle=*/page == 0);
    }
    const json& next = field(*reply, "next_cursor");
    complete = !next.is_string();
    if (!complete) {
      path = "/v1/connections?limit=" + std::to_string(kConnectionsPerPage) +
             "&cursor=" + queryEscape(next.get<std::string>());
    }
  }
  if (jsonOut) jsonOut->finish();
  if (!complete) {
    err << "sluicectl: stopped after " << kMaxPages << " pages; more connections were not read\n";
  }
  return kExitOk;
}

}  // namespace

int runCommand(const Command& command, std::ostream& out, std::ostream& err) {
  std::optional<ApiEndpoint> endpoint = endpointFor(command, err);
  if (!endpoint) return kExitUsage;
  if (command.verb == Verb::kTop) {
    ApiClient client(std::move(*endpoint));
    return runTop(command, client, out, err);
  }
  Session session(std::move(*endpoint), err);
  if (command.verb == Verb::kConns) return runConnections(command, session, out, err);
  const auto reply = session.call(callFor(command), printsReply(command));
  if (!reply) return session.exitCode();
  out << render(command, *reply);
  return kExitOk;
}

int runCommandLine(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const ParseResult parsed = parseCommandLine(args, paths::defaultApiSocket());
  if (!parsed.command) {
    err << "sluicectl: " << parsed.error << "\nTry 'sluicectl --help'.\n";
    return kExitUsage;
  }
  if (parsed.command->help) {
    out << usage("sluicectl");
    return kExitOk;
  }
  return runCommand(*parsed.command, out, err);
}

}  // namespace sluice::sluicectl
