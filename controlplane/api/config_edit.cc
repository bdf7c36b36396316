#include "controlplane/api/config_edit.h"

#include <algorithm>

#include "controlplane/api/api_error.h"
#include "controlplane/config/grammars.h"
#include "controlplane/config/json.h"
#include "controlplane/config/keys.h"
#include "controlplane/config/sched_flags.h"

namespace sluice::api {
namespace {

using config::Config;
using config::RealServer;
using config::VirtualServer;
using config::VirtualServerKind;
using nlohmann::json;

constexpr uint32_t kMaxWeight = 2147483647;  // IPVS weights are C ints

// Fields that name a service or a real server: changing them is a
// different one (delete and add instead).
constexpr std::string_view kServiceIdentity[] = {"kind", "address", "port", "protocol", "fwmark", "group",
                                                 "real_servers"};
constexpr std::string_view kServerIdentity[] = {"address", "port"};

// Runs a strict model decode, turning its "json: 'KEY': why" into a 400
// naming KEY.
template <class Decode>
auto decodeBody(Decode&& decode) {
  try {
    return decode();
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    const auto open = what.find('\'');
    const auto close = open == std::string::npos ? open : what.find('\'', open + 1);
    throw ApiError(400, what, close == std::string::npos ? "" : what.substr(open + 1, close - open - 1));
  }
}

void requireObject(const json& body, const char* what) {
  if (!body.is_object()) throw ApiError(400, std::string("the body must be a JSON object (") + what + ")");
}

// Keys whose value is a command the daemon would run (as root, or as the
// script user): those come from the configuration file only, so no API
// request makes the daemon run a command. Looked for at any depth.
constexpr std::string_view kCommandKeys[] = {"misc_path", "notify_up", "notify_down", "quorum_up", "quorum_down"};

void refuseCommands(const json& body) {
  if (body.is_array()) {
    for (const json& item : body) refuseCommands(item);
    return;
  }
  if (!body.is_object()) return;
  for (const auto& [key, value] : body.items()) {
    if (!value.is_null() &&  // null removes a script: allowed
        std::find(std::begin(kCommandKeys), std::end(kCommandKeys), key) != std::end(kCommandKeys)) {
      throw ApiError(400, "'" + key + "' names a command to run; scripts are set in the configuration file only",
                     key);
    }
    refuseCommands(value);
  }
}

// Const or not, as the config is.
template <class Cfg>
auto& serviceIn(Cfg& config, std::string_view service) {
  for (auto& vs : config.virtualServers) {
    if (config::serviceKey(vs) == service) return vs;
  }
  throw ApiError(404, "no service '" + std::string(service) + "'");
}

template <class Vs>
auto serverIn(Vs& vs, std::string_view server) {
  const auto it = std::find_if(vs.realServers.begin(), vs.realServers.end(), [&](const RealServer& rs) {
    return config::serverKey(rs.address, rs.port) == server;
  });
  if (it == vs.realServers.end()) {
    throw ApiError(404, "service '" + config::serviceKey(vs) + "' has no real server '" + std::string(server) + "'");
  }
  return it;
}

// `patch` applied over `current` (both model JSON); null resets a field to
// its default.
json merge(json current, const json& patch, std::span<const std::string_view> identity, const char* what) {
  requireObject(patch, what);
  if (patch.empty()) throw ApiError(400, std::string("nothing to change in ") + what);
  for (const auto& [key, value] : patch.items()) {
    if (std::find(identity.begin(), identity.end(), key) != identity.end()) {
      throw ApiError(400, "'" + key + "' names the " + what + " and cannot be changed; remove it and add another",
                     key);
    }
    if (value.is_null()) {
      current.erase(key);
    } else {
      current[key] = value;
    }
  }
  return current;
}

// A patch that moves a server (or service) off TUN without naming a tunnel
// takes its old tunnel away with the method.
void dropLeftoverTunnel(json& merged, const json& patch) {
  const auto method = merged.find("lvs_method");
  if (!patch.contains("tunnel") && (method == merged.end() || *method != "TUN")) merged.erase("tunnel");
}

// keepalived's rules for the options of a TUN server; a tunnel without
// its own lvs_method TUN is refused.
void validateTunnel(const std::optional<config::ForwardingMethod>& method,
                    const std::optional<config::TunnelSpec>& tunnel, const std::string& what) {
  if (!tunnel) return;
  if (method != config::ForwardingMethod::kTun) {
    throw ApiError(400, what + ": a tunnel goes with its own lvs_method TUN", "tunnel");
  }
  if (const std::string problem = config::tunnelProblem(*tunnel); !problem.empty()) {
    throw ApiError(400, what + ": " + problem, "tunnel");
  }
}

// A patch that changes lvs_sched without naming sched_flags keeps the
// flags' bits (as IPVS keeps a service's flags), named for the new
// scheduler: sh-port becomes mh-port, or flag-2 with rr.
void renameSchedFlags(json& merged, const json& patch, const VirtualServer& current) {
  const auto scheduler = patch.find("lvs_sched");
  if (scheduler == patch.end() || !scheduler->is_string() || patch.contains("sched_flags")) return;
  merged["sched_flags"] = config::schedFlagNames(current.schedFlags, scheduler->get<std::string>());
}

std::optional<wire::IpFamily> familyOf(const VirtualServer& vs) {
  if (vs.kind == VirtualServerKind::kAddress) return vs.address.family;
  return std::nullopt;
}

void validateServer(const VirtualServer& vs, RealServer& rs, std::optional<wire::IpFamily>& family) {
  if (rs.weight > kMaxWeight) {
    throw ApiError(400, "weight " + std::to_string(rs.weight) + " is out of range (0-2147483647)", "weight");
  }
  if (rs.upperThreshold != 0 && rs.lowerThreshold > rs.upperThreshold) {
    throw ApiError(400, "lthreshold is above uthreshold", "lthreshold");
  }
  if (rs.port == 0 && vs.kind == VirtualServerKind::kAddress) rs.port = vs.port;
  validateTunnel(rs.method, rs.tunnel, "real server " + config::toString(rs.address));
  // IPVS forwards within one family except through tunnels (the table
  // builder refuses the tunnels sluice cannot build).
  if (config::forwardingOf(vs, rs).method != config::ForwardingMethod::kTun) {
    if (!family) family = rs.address.family;
    if (*family != rs.address.family) {
      throw ApiError(400, "real server " + config::toString(rs.address) + " is not of the virtual server's address family",
                     "address");
    }
  }
  for (auto& check : rs.checks) config::resolveCheckTiming(check, rs.checkDefaults, vs.checkDefaults);
}

}  // namespace

const VirtualServer& findService(const Config& config, std::string_view service) {
  return serviceIn(config, service);
}

const RealServer& findServer(const VirtualServer& vs, std::string_view server) { return *serverIn(vs, server); }

void validate(const Config& config, VirtualServer& vs) {
  if (std::find(std::begin(config::kSchedulers), std::end(config::kSchedulers), vs.scheduler) ==
      std::end(config::kSchedulers)) {
    throw ApiError(400, "unknown lvs_sched '" + vs.scheduler + "'", "lvs_sched");
  }
  switch (vs.kind) {
    case VirtualServerKind::kAddress:
      if (vs.port == 0 && !vs.persistenceTimeout) {
        throw ApiError(400, "a virtual server without a port must be persistent (persistence_timeout)", "port");
      }
      break;
    case VirtualServerKind::kFwmark:
      if (vs.fwmark == 0) throw ApiError(400, "fwmark must be 1 or more", "fwmark");
      break;
    case VirtualServerKind::kGroup:
      if (config.findVirtualServerGroup(vs.group) == nullptr) {
        throw ApiError(400, "virtual_server group '" + vs.group + "' is not a defined virtual_server_group", "group");
      }
      break;
  }
  if (vs.persistenceTimeout && (vs.persistenceTimeout->count() <= 0 || vs.persistenceTimeout->count() % 1000 != 0)) {
    throw ApiError(400, "persistence_timeout must be whole seconds (milliseconds, a multiple of 1000)",
                   "persistence_timeout");
  }
  const int bits = vs.kind == VirtualServerKind::kAddress ? vs.address.bitCount() : 128;
  if (vs.persistenceGranularity && *vs.persistenceGranularity > bits) {
    throw ApiError(400, "persistence_granularity is a prefix length of at most " + std::to_string(bits),
                   "persistence_granularity");
  }
  if (const std::string problem = config::clientLimitsProblem(vs.clientLimits); !problem.empty()) {
    throw ApiError(400, problem, problem.substr(0, problem.find(':')));
  }
  if (vs.hysteresis >= vs.quorum) {
    throw ApiError(400, "hysteresis " + std::to_string(vs.hysteresis) + " must be below quorum " +
                            std::to_string(vs.quorum),
                   "hysteresis");
  }
  // keepalived's rule (it drops ops there with a warning; a request is refused).
  if (vs.ops && vs.protocol != config::Protocol::kUdp) {
    const config::VirtualServerGroup* g =
        vs.kind == VirtualServerKind::kGroup ? config.findVirtualServerGroup(vs.group) : nullptr;
    if (vs.kind == VirtualServerKind::kAddress || (g != nullptr && !g->ranges.empty())) {
      throw ApiError(400, "ops (one-packet scheduling) needs protocol UDP", "ops");
    }
  }
  validateTunnel(vs.method, vs.tunnel, "virtual server");
  if (vs.sorryServer) validateTunnel(vs.sorryServer->method, vs.sorryServer->tunnel, "sorry_server");
  std::optional<wire::IpFamily> family = familyOf(vs);
  for (std::size_t i = 0; i < vs.realServers.size(); ++i) {
    validateServer(vs, vs.realServers[i], family);
    for (std::size_t j = 0; j < i; ++j) {
      if (vs.realServers[j].address == vs.realServers[i].address && vs.realServers[j].port == vs.realServers[i].port) {
        throw ApiError(409, "real server " + config::serverKey(vs.realServers[i].address, vs.realServers[i].port) +
                                " is listed twice",
                       "real_servers");
      }
    }
  }
  if (vs.sorryServer && config::forwardingOf(vs, *vs.sorryServer).method != config::ForwardingMethod::kTun && family &&
      vs.sorryServer->address.family != *family) {
    throw ApiError(400, "sorry_server is not of the virtual server's address family", "sorry_server");
  }
}

Config addService(const Config& config, const json& body) {
  requireObject(body, "a virtual_server");
  refuseCommands(body);
  VirtualServer vs = decodeBody([&] { return config::virtualServerFromJsonStrict(body); });
  if (vs.kind == VirtualServerKind::kAddress && !body.contains("address")) {
    throw ApiError(400, "a virtual server needs an address (or kind fwmark / group)", "address");
  }
  validate(config, vs);
  const std::string key = config::serviceKey(vs);
  for (const VirtualServer& other : config.virtualServers) {
    if (config::serviceKey(other) == key) throw ApiError(409, "service '" + key + "' exists already");
  }
  Config next = config;
  next.virtualServers.push_back(std::move(vs));
  return next;
}

Config updateService(const Config& config, std::string_view service, const json& patch) {
  Config next = config;
  VirtualServer& vs = serviceIn(next, service);
  refuseCommands(patch);
  json merged = merge(json(vs), patch, kServiceIdentity, "service");
  dropLeftoverTunnel(merged, patch);
  renameSchedFlags(merged, patch, vs);
  VirtualServer updated = decodeBody([&] { return config::virtualServerFromJsonStrict(merged); });
  validate(next, updated);
  vs = std::move(updated);
  return next;
}

Config removeService(const Config& config, std::string_view service) {
  Config next = config;
  const VirtualServer& vs = serviceIn(next, service);
  next.virtualServers.erase(next.virtualServers.begin() + (&vs - next.virtualServers.data()));
  return next;
}

Config addServer(const Config& config, std::string_view service, const json& body) {
  requireObject(body, "a real_server");
  if (!body.contains("address")) throw ApiError(400, "a real server needs an address", "address");
  refuseCommands(body);
  Config next = config;
  VirtualServer& vs = serviceIn(next, service);
  vs.realServers.push_back(decodeBody([&] { return config::realServerFromJsonStrict(body); }));
  validate(next, vs);
  return next;
}

Config updateServer(const Config& config, std::string_view service, std::string_view server, const json& patch) {
  Config next = config;
  VirtualServer& vs = serviceIn(next, service);
  RealServer& rs = *serverIn(vs, server);
  refuseCommands(patch);
  json merged = merge(json(rs), patch, kServerIdentity, "real server");
  dropLeftoverTunnel(merged, patch);
  rs = decodeBody([&] { return config::realServerFromJsonStrict(merged); });
  validate(next, vs);
  return next;
}

Config removeServer(const Config& config, std::string_view service, std::string_view server) {
  Config next = config;
  VirtualServer& vs = serviceIn(next, service);
  vs.realServers.erase(serverIn(vs, server));
  return next;
}

Config drainServer(const Config& config, std::string_view service, std::string_view server) {
  Config next = config;
  serverIn(serviceIn(next, service), server)->weight = 0;
  return next;
}

config::Config setTimeouts(const config::Config& config, const json& body) {
  requireObject(body, "timeouts");
  constexpr std::uint64_t kMaxSeconds = 86400 * 31;  // ipvsadm's limit
  std::optional<config::Duration> values[3];
  const char* keys[] = {"tcp", "tcpfin", "udp"};
  for (const auto& item : body.items()) {
    const std::string& key = item.key();
    const json& value = item.value();
    const auto* k = std::find_if(std::begin(keys), std::end(keys), [&](const char* name) { return key == name; });
    if (k == std::end(keys)) throw ApiError(400, "json: '" + key + "': unknown field", key);
    if (!value.is_number_unsigned() || value.get<std::uint64_t>() > kMaxSeconds) {
      throw ApiError(400, "json: '" + key + "': must be whole seconds from 0 to " + std::to_string(kMaxSeconds), key);
    }
    if (value.get<std::uint64_t>() != 0) {
      values[k - std::begin(keys)] = std::chrono::seconds(value.get<std::uint64_t>());
    }
  }
  config::Config next = config;
  std::optional<config::LvsTimeouts>& target =
      next.dataplane && next.dataplane->lvsTimeouts ? next.dataplane->lvsTimeouts : next.globalDefs.lvsTimeouts;
  if (!target) target = config::LvsTimeouts{};
  if (values[0]) target->tcp = values[0];
  if (values[1]) target->tcpFin = values[1];
  if (values[2]) target->udp = values[2];
  return next;
}

namespace {

std::uint64_t syncNumber(const json& body, const char* key, std::uint64_t fallback, std::uint64_t min,
                         std::uint64_t max) {
  const auto it = body.find(key);
  if (it == body.end()) return fallback;
  if (!it->is_number_unsigned() || it->get<std::uint64_t>() < min || it->get<std::uint64_t>() > max) {
    throw ApiError(400, std::string("json: '") + key + "': must be a number from " + std::to_string(min) + " to " +
                            std::to_string(max), key);
  }
  return it->get<std::uint64_t>();
}

bool isMaster(const std::string& state) {
  if (state != "master" && state != "backup") {
    throw ApiError(400, "state must be master or backup, not '" + state + "'", "state");
  }
  return state == "master";
}

}  // namespace

config::Config startSyncDaemon(const config::Config& config, const json& body) {
  requireObject(body, "sync daemon");
  for (const auto& [key, value] : body.items()) {
    constexpr std::string_view kKnown[] = {"state", "interface", "syncid", "maxlen", "group", "port", "ttl"};
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      throw ApiError(400, "json: '" + key + "': unknown field", key);
    }
  }
  const bool master = isMaster(body.value("state", std::string()));
  config::SyncDaemon d;
  d.interface = body.value("interface", std::string());
  if (!config.dataplane ||
      std::none_of(config.dataplane->ports.begin(), config.dataplane->ports.end(),
                   [&](const config::DataplanePort& p) { return p.name == d.interface; })) {
    throw ApiError(404, "no port '" + d.interface + "' in the dataplane block", "interface");
  }
  d.syncId = static_cast<std::uint8_t>(syncNumber(body, "syncid", 0, 0, 255));
  d.maxLen = static_cast<std::uint16_t>(syncNumber(body, "maxlen", d.maxLen, 1, 65507));
  d.port = static_cast<std::uint16_t>(syncNumber(body, "port", d.port, 1, 65535));
  d.ttl = static_cast<std::uint8_t>(syncNumber(body, "ttl", d.ttl, 1, 255));
  if (body.contains("group")) {
    const auto group = body["group"].is_string() ? config::parseAddress(body["group"].get<std::string>()) : std::nullopt;
    if (!group || !group->isMulticast()) throw ApiError(400, "json: 'group': must be a multicast address", "group");
    d.group = *group;
  }
  d.master = master;
  d.backup = !master;
  config::Config next = config;
  std::optional<config::SyncDaemon>& running = next.globalDefs.lvsSyncDaemon;
  if (!running) {
    running = d;
    return next;
  }
  if (running->instance) {
    throw ApiError(409, "the sync daemon follows vrrp_instance " + *running->instance + " (lvs_sync_daemon)");
  }
  if (master ? running->master : running->backup) throw ApiError(409, "the " + std::string(master ? "master" : "backup") + " sync daemon runs already");
  config::SyncDaemon same = *running;
  same.master = d.master;
  same.backup = d.backup;
  if (!(same == d)) {
    throw ApiError(409, "sluice runs one sync daemon for both states: the interface and settings must be those of the "
                        "running one");
  }
  running->master = running->master || master;
  running->backup = running->backup || !master;
  return next;
}

config::Config stopSyncDaemon(const config::Config& config, const std::string& state) {
  const bool master = isMaster(state);
  config::Config next = config;
  std::optional<config::SyncDaemon>& running = next.globalDefs.lvsSyncDaemon;
  if (!running || running->instance || !(master ? running->master : running->backup)) {
    throw ApiError(404, "no " + state + " sync daemon runs");
  }
  (master ? running->master : running->backup) = false;
  if (!running->master && !running->backup) running.reset();
  return next;
}

}  // namespace sluice::api
