#include "controlplane/ipvsadm/commands.h"

#include <algorithm>
#include <bit>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "controlplane/ipvsadm/command_line.h"

namespace sluice::ipvsadm {
namespace {

using nlohmann::json;

constexpr int kConnectionsPerPage = 1000;
constexpr int kMaxConnectionPages = 10000;

// libipvs' words for what the kernel refused (ipvs_strerror).
constexpr const char* kServiceExists = "Service already exists";
constexpr const char* kNoService = "No such service";
constexpr const char* kServiceNotDefined = "Service not defined";
constexpr const char* kServerExists = "Destination already exists";
constexpr const char* kNoServer = "No such destination";
constexpr const char* kNoScheduler = "Scheduler or persistence engine not found";
constexpr const char* kOutOfRange = "Numerical result out of range";  // strerror(ERANGE)
constexpr const char* kNoDevice = "No such device";                  // strerror(ENODEV)
constexpr const char* kDaemonRuns = "Daemon has already run";
constexpr const char* kNoDaemon = "No daemon is running";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

int protocolNumber(const std::string& text) {
  if (text == "UDP") return kProtoUdp;
  if (text == "SCTP") return kProtoSctp;
  return kProtoTcp;
}

const char* methodText(Method m) {
  switch (m) {
    case Method::kMasq: return "NAT";
    case Method::kTunnel: return "TUN";
    case Method::kRoute: break;
  }
  return "DR";
}

Method methodOf(const std::string& text) {
  if (text == "NAT") return Method::kMasq;
  if (text == "TUN") return Method::kTunnel;
  return Method::kRoute;
}

int familyOf(const std::string& address) { return address.find(':') == std::string::npos ? kFamilyV4 : kFamilyV6; }

// The API's names (docs/api.md): "tcp-10.0.0.1-80", "fwmark-1", "10.0.0.2-80".
std::string serviceId(const Service& s) {
  if (s.fwmark != 0) return "fwmark-" + std::to_string(s.fwmark);
  return lower(protocolName(s.protocol)) + "-" + s.address + "-" + std::to_string(s.port);
}
std::string servicePath(const Service& s) { return "/v1/services/" + serviceId(s); }
std::string serverPath(const Service& s, const Server& d) {
  return servicePath(s) + "/servers/" + d.address + "-" + std::to_string(d.port);
}

std::uint64_t number(const json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return 0;
  if (it->is_number_float()) return static_cast<std::uint64_t>(std::max(0.0, it->get<double>()));
  if (it->is_number_integer() && it->get<std::int64_t>() < 0) return 0;
  return it->get<std::uint64_t>();
}

std::string text(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A refused operation, in libipvs' words when there are some, else the
// API's own. -R reports it and goes on to the next line, as ipvsadm does
// with what the kernel refuses (a line that does not parse stops it).
struct Refused : Exit {
  explicit Refused(const std::string& message) : Exit(kExitRefused, message + "\n") {}
};
[[noreturn]] void refused(const std::string& message) { throw Refused(message); }

std::string apiError(const sluicectl::Reply& r) {
  const json body = json::parse(r.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) return body["error"].get<std::string>();
  return "sluiced answered " + std::to_string(r.status);
}

// A persistence granularity as IPVS keeps it: a contiguous IPv4 mask (as a
// prefix length for the API) or an IPv6 prefix length.
unsigned prefixOfMask(std::uint32_t mask) { return static_cast<unsigned>(std::countl_one(mask)); }
std::uint32_t maskOfPrefix(unsigned prefix) { return prefix == 0 ? 0 : ~0u << (32 - std::min(prefix, 32u)); }

// What sluice's model cannot hold yet is refused before anything changes.
void refuseUnsupported(const Invocation& inv) {
  const Service& s = inv.service;
  if (!s.pe.empty()) refused("sluice: persistence engines (--pe) are not supported");
  if (s.persistent && s.family == kFamilyV4 && s.fwmark == 0 && prefixOfMask(s.netmaskV4) != 32 &&
      maskOfPrefix(prefixOfMask(s.netmaskV4)) != s.netmaskV4) {
    refused("sluice: a persistence mask must be contiguous (like 255.255.255.0)");
  }
}

// The -A / -E body: scheduler and persistence. IPVS replaces both on -E,
// so an edit without -p sets persistence back to none (null in a PATCH).
json serviceSettings(const Service& s, bool edit) {
  json j = {{"lvs_sched", s.scheduler}};
  // Only what is set, or null (back to the default) in an edit.
  if (!s.schedFlags.empty()) {
    j["sched_flags"] = s.schedFlags;
  } else if (edit) {
    j["sched_flags"] = nullptr;
  }
  if (s.ops) {
    j["ops"] = true;
  } else if (edit) {
    j["ops"] = nullptr;
  }
  if (s.persistent) {
    j["persistence_timeout"] = std::uint64_t{s.timeout} * 1000;
    j["persistence_granularity"] = s.family == kFamilyV6 ? s.prefixV6 : prefixOfMask(s.netmaskV4);
  } else if (edit) {
    j["persistence_timeout"] = nullptr;
    j["persistence_granularity"] = nullptr;
  }
  return j;
}

json serverSettings(const Server& d, bool edit) {
  json j = {{"weight", d.weight},
            {"lvs_method", methodText(d.method)},
            {"uthreshold", d.upperThreshold},
            {"lthreshold", d.lowerThreshold}};
  if (d.method == Method::kTunnel) {
    const char* type = d.tunnelType == TunnelType::kGue ? "gue" : d.tunnelType == TunnelType::kGre ? "gre" : "ipip";
    j["tunnel"] = {{"type", type}, {"csum", d.tunnelChecksum == TunnelChecksum::kCsum}};
    if (d.tunnelType == TunnelType::kGue) j["tunnel"]["port"] = d.tunnelPort;
    if (d.tunnelChecksum == TunnelChecksum::kRemCsum) refused("sluice: --tun-remcsum is not supported");
  } else if (edit) {
    j["tunnel"] = nullptr;
  }
  return j;
}

class Session {
 public:
  explicit Session(sluicectl::ApiClient& api) : api_(api) {}

  sluicectl::Reply call(std::string_view method, const std::string& path,
                        const std::optional<json>& body = std::nullopt) {
    const sluicectl::Exchange ex = api_.request(method, path, body ? std::optional(body->dump()) : std::nullopt);
    if (!ex.reply) {
      throw Exit(kExitFail, "Can't initialize ipvs: " + ex.failure + " (" + api_.name() +
                                ")\nAre you sure that sluiced is running?\n");
    }
    return *ex.reply;
  }

  json get(const std::string& path) {
    const sluicectl::Reply r = call("GET", path);
    if (r.status != 200) refused(apiError(r));
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded()) refused("sluiced answered " + path + " with something that is not JSON");
    return body;
  }

 private:
  sluicectl::ApiClient& api_;
};

// The kernel's view of the table: every service the workers have (a
// virtual_server_group is one service per member, as in IPVS) with its
// real servers, counters and rates; persistence masks and thresholds from
// the configuration they come from.
// IPVS's persistconns: the persistence templates pointing at each real
// server, by "SERVICE SERVER-PORT" (counted from the connection table).
std::map<std::string, std::uint64_t> countTemplates(Session& session);

std::vector<ListedService> readTable(Session& session, bool withPersistConns = false) {
  const std::map<std::string, std::uint64_t> templates =
      withPersistConns ? countTemplates(session) : std::map<std::string, std::uint64_t>{};
  const json stats = session.get("/v1/stats");
  const json services = session.get("/v1/services");
  std::map<std::string, const json*> configured;
  if (services.contains("services") && services["services"].is_array()) {
    for (const json& vs : services["services"]) configured[text(vs, "id")] = &vs;
  }
  std::vector<ListedService> out;
  if (!stats.contains("services") || !stats["services"].is_array()) return out;
  for (const json& s : stats["services"]) {
    ListedService ls;
    ls.fwmark = static_cast<std::uint32_t>(number(s, "fwmark"));
    // The kernel keeps no protocol for a fwmark service: its real servers'
    // ports print as numbers.
    if (ls.fwmark != 0) ls.protocol = 0;
    if (ls.fwmark == 0) {
      ls.address = text(s, "address");
      ls.family = familyOf(ls.address);
      ls.protocol = protocolNumber(text(s, "protocol"));
      ls.port = static_cast<std::uint16_t>(number(s, "port"));
    }
    ls.scheduler = text(s, "scheduler");
    const auto cfg = configured.find(text(s, "virtual_server"));
    const json* vs = cfg == configured.end() ? nullptr : cfg->second;
    if (vs != nullptr) {
      if (const auto flags = vs->find("sched_flags"); flags != vs->end() && flags->is_array()) {
        for (const json& f : *flags) {
          if (f.is_string()) ls.schedFlags.push_back(f.get<std::string>());
        }
      }
      ls.ops = vs->value("ops", false);
      // A fwmark service's family is the one it was made with (-6).
      if (ls.fwmark != 0) ls.family = familyOf(text(*vs, "address"));
    }
    if (vs != nullptr && number(*vs, "persistence_timeout") != 0) {
      ls.persistent = true;
      ls.timeout = static_cast<std::uint32_t>((number(*vs, "persistence_timeout") + 999) / 1000);
      if (vs->contains("persistence_granularity")) {
        const auto prefix = static_cast<unsigned>(number(*vs, "persistence_granularity"));
        ls.netmaskV4 = maskOfPrefix(prefix);
        ls.prefixV6 = prefix;
      }
    }
    const char* statKeys[] = {"conns", "inpkts", "outpkts", "inbytes", "outbytes"};
    const char* rateKeys[] = {"cps", "inpps", "outpps", "inbps", "outbps"};
    for (std::size_t i = 0; i < 5; ++i) {
      ls.stats[i] = number(s, statKeys[i]);
      ls.rates[i] = number(s, rateKeys[i]);
    }
    std::map<std::string, const json*> configuredServers;
    if (vs != nullptr && vs->contains("real_servers") && (*vs)["real_servers"].is_array()) {
      for (const json& rs : (*vs)["real_servers"]) configuredServers[text(rs, "id")] = &rs;
    }
    if (s.contains("real_servers") && s["real_servers"].is_array()) {
      for (const json& r : s["real_servers"]) {
        ListedServer d;
        d.address = text(r, "address");
        d.family = familyOf(d.address);
        d.port = static_cast<std::uint16_t>(number(r, "port"));
        d.method = methodOf(text(r, "method"));
        if (const auto t = r.find("tunnel"); t != r.end() && t->is_object()) {
          const std::string type = text(*t, "type");
          d.tunnelType = type == "gue" ? TunnelType::kGue : type == "gre" ? TunnelType::kGre : TunnelType::kIpip;
          d.tunnelPort = static_cast<std::uint16_t>(number(*t, "port"));
          d.tunnelChecksum = t->value("csum", false) ? TunnelChecksum::kCsum : TunnelChecksum::kNone;
        }
        d.weight = static_cast<std::uint32_t>(number(r, "weight"));
        d.activeConns = number(r, "activeconns");
        d.inactiveConns = number(r, "inactconns");
        for (std::size_t i = 0; i < 5; ++i) {
          d.stats[i] = number(r, statKeys[i]);
          d.rates[i] = number(r, rateKeys[i]);
        }
        if (const auto t = templates.find(text(s, "id") + " " + text(r, "id")); t != templates.end()) {
          d.persistConns = t->second;
        }
        if (const auto c = configuredServers.find(text(r, "id")); c != configuredServers.end()) {
          d.upperThreshold = static_cast<std::uint32_t>(number(*c->second, "uthreshold"));
          d.lowerThreshold = static_cast<std::uint32_t>(number(*c->second, "lthreshold"));
        }
        ls.servers.push_back(std::move(d));
      }
    }
    out.push_back(std::move(ls));
  }
  return out;
}

// "size=" of the header: the connection table of one worker.
std::uint64_t tableSize(Session& session) {
  const json config = session.get("/v1/config");
  const auto dp = config.find("dataplane");
  if (dp != config.end() && dp->is_object() && dp->contains("conn_table_size")) return number(*dp, "conn_table_size");
  return 1048576;
}

bool sameService(const ListedService& l, const Service& s) {
  if (s.fwmark != 0) return l.fwmark == s.fwmark && l.family == s.family;
  return l.fwmark == 0 && l.protocol == s.protocol && l.address == s.address && l.port == s.port;
}

// Every page of /v1/connections, each record given to `visit`.
template <class Visit>
void eachConnection(Session& session, Visit&& visit) {
  std::string path = "/v1/connections?limit=" + std::to_string(kConnectionsPerPage);
  for (int page = 0; page < kMaxConnectionPages; ++page) {
    const json body = session.get(path);
    if (body.contains("connections") && body["connections"].is_array()) {
      for (const json& c : body["connections"]) visit(c);
    }
    const auto next = body.find("next_cursor");
    if (next == body.end() || !next->is_string() || next->get<std::string>().empty()) break;
    path = "/v1/connections?limit=" + std::to_string(kConnectionsPerPage) + "&cursor=" + next->get<std::string>();
  }
}

std::map<std::string, std::uint64_t> countTemplates(Session& session) {
  std::map<std::string, std::uint64_t> out;
  eachConnection(session, [&](const json& c) {
    if (c.value("template", false)) {
      ++out[text(c, "service") + " " + text(c, "server_address") + "-" + std::to_string(number(c, "server_port"))];
    }
  });
  return out;
}

std::vector<ListedConnection> readConnections(Session& session) {
  std::vector<ListedConnection> out;
  eachConnection(session, [&](const json& c) {
    ListedConnection lc;
    lc.protocolText = text(c, "protocol");
    lc.protocol = lc.protocolText == "TCP" ? kProtoTcp : lc.protocolText == "UDP" ? kProtoUdp : 0;
    lc.expiresSeconds = number(c, "expires_ms") / 1000;
    lc.state = text(c, "state");
    lc.client = text(c, "client_address");
    lc.virtualAddress = text(c, "virtual_address");
    lc.server = text(c, "server_address");
    lc.family = familyOf(lc.client);
    lc.clientPort = static_cast<std::uint16_t>(number(c, "client_port"));
    lc.virtualPort = static_cast<std::uint16_t>(number(c, "virtual_port"));
    lc.serverPort = static_cast<std::uint16_t>(number(c, "server_port"));
    out.push_back(std::move(lc));
  });
  return out;
}

// "master sync daemon (mcast=eth0, syncid=0, maxlen=1472, group=224.0.0.81,
// port=8848, ttl=1)" from /v1/sync; a router without a VRRP instance runs
// both daemons, as keepalived starts them.
std::string daemonLines(const json& sync) {
  if (!sync.is_object() || !sync.value("enabled", false)) return "";
  const std::string role = text(sync, "role");
  const std::string settings = " sync daemon (mcast=" + text(sync, "interface") +
                               ", syncid=" + std::to_string(number(sync, "syncid")) +
                               ", maxlen=" + std::to_string(number(sync, "maxlen")) + ", group=" + text(sync, "group") +
                               ", port=" + std::to_string(number(sync, "port")) +
                               ", ttl=" + std::to_string(number(sync, "ttl")) + ")\n";
  std::string out;
  if (role.find("master") != std::string::npos) out += "master" + settings;
  if (role.find("backup") != std::string::npos) out += "backup" + settings;
  return out;
}

// ipvsadm -A -f 2 -6 made an IPv6 fwmark service; -f 2 alone names the
// IPv4 one, which then does not exist. sluice names both "fwmark-2", so
// the family is checked here.
bool otherFamilyFwmark(Session& session, const Service& s) {
  if (s.fwmark == 0) return false;
  const sluicectl::Reply r = session.call("GET", servicePath(s));
  if (r.status != 200) return false;
  const json vs = json::parse(r.body, nullptr, false);
  return vs.is_object() && familyOf(text(vs, "address")) != s.family;
}

}  // namespace

Runner::Runner(sluicectl::ApiClient& api, std::string program, Names names)
    : api_(api), program_(std::move(program)), names_(std::move(names)) {}

int Runner::run(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
  try {
    if (args.empty()) {
      Session session(api_);
      out << formatTable(readTable(session), Format{}, names_, tableSize(session));
      return 0;
    }
    return process(args, false, in, out, err);
  } catch (const Exit& e) {
    (e.toStdout ? out : err) << e.what();
    return e.status;
  }
}

int Runner::restore(std::istream& in, std::ostream& out, std::ostream& err) {
  int status = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::vector<std::string> args;
    for (std::string w; words >> w;) {
      if (w != "ipvsadm") args.push_back(w);
    }
    if (args.empty()) continue;
    try {
      status = process(args, true, in, out, err);
    } catch (const Refused& e) {
      err << e.what();
      status = e.status;
    }
  }
  return status;
}

int Runner::process(const std::vector<std::string>& args, bool fromRestore, std::istream& in, std::ostream& out,
                    std::ostream& err) {
  const Invocation inv = parseCommandLine(args, program_, fromRestore);
  Session session(api_);
  const Service& s = inv.service;
  const auto expect = [&](const sluicectl::Reply& r, const char* on404, const char* on409) {
    if (r.status >= 200 && r.status < 300) return;
    // IPVS refuses a lower threshold above the upper one with ERANGE.
    if (r.status == 400 && apiError(r) == "lthreshold is above uthreshold") refused(kOutOfRange);
    if (r.status == 404 && on404 != nullptr) refused(on404);
    if (r.status == 409 && on409 != nullptr) refused(on409);
    refused(apiError(r));
  };
  // A 404 names the service or the real server that is missing.
  const auto serverMissing = [](const sluicectl::Reply& r) { return apiError(r).find("has no real server") != std::string::npos; };

  const bool fwmarkOfOtherFamily = inv.has(kOptService) && otherFamilyFwmark(session, s);

  switch (inv.command) {
    case Command::kList: {
      if (fwmarkOfOtherFamily) throw Exit(kExitList, std::string(kNoService) + "\n");
      if (inv.has(kOptConnection)) {
        out << formatConnections(readConnections(session), inv.format, names_);
      } else if (inv.has(kOptTimeout)) {
        const json t = session.get("/v1/timeouts");
        out << formatTimeouts(static_cast<std::uint32_t>(number(t, "tcp")), static_cast<std::uint32_t>(number(t, "tcpfin")),
                              static_cast<std::uint32_t>(number(t, "udp")));
      } else if (inv.has(kOptDaemon)) {
        out << daemonLines(session.get("/v1/sync"));
      } else if (inv.has(kOptService)) {
        std::vector<ListedService> table = readTable(session, inv.format.persistentConn);
        const auto it = std::find_if(table.begin(), table.end(), [&](const ListedService& l) { return sameService(l, s); });
        if (it == table.end()) throw Exit(kExitList, std::string(kNoService) + "\n");
        out << formatOneService(*it, inv.format, names_);
      } else {
        out << formatTable(readTable(session, inv.format.persistentConn), inv.format, names_, tableSize(session));
      }
      return 0;
    }
    case Command::kSave: {
      Format f = inv.format;
      f.rule = true;
      out << formatTable(readTable(session), f, names_, 0);
      return 0;
    }
    case Command::kRestore:
      return restore(in, out, err);
    case Command::kFlush: {
      const json services = session.get("/v1/services");
      if (services.contains("services") && services["services"].is_array()) {
        for (const json& vs : services["services"]) {
          const sluicectl::Reply r = session.call("DELETE", "/v1/services/" + text(vs, "id"));
          if (r.status != 200 && r.status != 404) refused(apiError(r));
        }
      }
      return 0;
    }
    case Command::kAdd: {
      refuseUnsupported(inv);
      json body = serviceSettings(s, false);
      if (s.fwmark != 0) {
        body["kind"] = "fwmark";
        body["fwmark"] = s.fwmark;
        if (s.family == kFamilyV6) body["address"] = "::";
      } else {
        body["address"] = s.address;
        body["port"] = s.port;
        body["protocol"] = protocolName(s.protocol);
      }
      const sluicectl::Reply r = session.call("POST", "/v1/services", body);
      if (r.status == 400 && apiError(r).find("lvs_sched") != std::string::npos) refused(kNoScheduler);
      expect(r, nullptr, kServiceExists);
      return 0;
    }
    case Command::kEdit: {
      refuseUnsupported(inv);
      if (fwmarkOfOtherFamily) refused(kNoService);
      const sluicectl::Reply r = session.call("PATCH", servicePath(s), serviceSettings(s, true));
      if (r.status == 400 && apiError(r).find("lvs_sched") != std::string::npos) refused(kNoScheduler);
      expect(r, kNoService, nullptr);
      return 0;
    }
    case Command::kDelete:
      if (fwmarkOfOtherFamily) refused(kNoService);
      expect(session.call("DELETE", servicePath(s)), kNoService, nullptr);
      return 0;
    case Command::kZero: {
      if (fwmarkOfOtherFamily) refused(kNoService);
      const std::string path = inv.has(kOptService) ? "/v1/stats/zero?service=" + serviceId(s) : "/v1/stats/zero";
      expect(session.call("POST", path, json::object()), kNoService, nullptr);
      return 0;
    }
    case Command::kAddServer: {
      refuseUnsupported(inv);
      if (fwmarkOfOtherFamily) refused(kServiceNotDefined);
      json body = serverSettings(inv.server, false);
      body["address"] = inv.server.address;
      body["port"] = inv.server.port;
      expect(session.call("POST", servicePath(s) + "/servers", body), kServiceNotDefined, kServerExists);
      return 0;
    }
    case Command::kEditServer: {
      refuseUnsupported(inv);
      if (fwmarkOfOtherFamily) refused(kServiceNotDefined);
      const sluicectl::Reply r = session.call("PATCH", serverPath(s, inv.server), serverSettings(inv.server, true));
      expect(r, serverMissing(r) ? kNoServer : kServiceNotDefined, nullptr);
      return 0;
    }
    case Command::kDeleteServer: {
      if (fwmarkOfOtherFamily) refused(kServiceNotDefined);
      const sluicectl::Reply r = session.call("DELETE", serverPath(s, inv.server));
      expect(r, serverMissing(r) ? kNoServer : kServiceNotDefined, nullptr);
      return 0;
    }
    case Command::kTimeout: {
      const json body = {{"tcp", inv.timeouts[0]}, {"tcpfin", inv.timeouts[1]}, {"udp", inv.timeouts[2]}};
      expect(session.call("PUT", "/v1/timeouts", body), nullptr, nullptr);
      return 0;
    }
    case Command::kStartDaemon: {
      // The sync daemon runs on a port of the dataplane block: any other
      // interface is no device (404).
      json body = {{"state", inv.daemonState}, {"interface", inv.mcastInterface}};
      if (inv.syncId) body["syncid"] = *inv.syncId;
      if (inv.syncMaxlen) body["maxlen"] = *inv.syncMaxlen;
      if (inv.mcastGroup) body["group"] = *inv.mcastGroup;
      if (inv.mcastPort) body["port"] = *inv.mcastPort;
      if (inv.mcastTtl) body["ttl"] = *inv.mcastTtl;
      const sluicectl::Reply r = session.call("POST", "/v1/sync/start", body);
      if (r.status == 409 && apiError(r).find("runs already") != std::string::npos) refused(kDaemonRuns);
      expect(r, kNoDevice, nullptr);
      return 0;
    }
    case Command::kStopDaemon:
      expect(session.call("POST", "/v1/sync/stop", json{{"state", inv.daemonState}}), kNoDaemon, nullptr);
      return 0;
    case Command::kNone:
      break;
  }
  return 0;
}

}  // namespace sluice::ipvsadm
