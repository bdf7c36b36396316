// The API's changes as edits of the configuration model: each takes the
// running configuration and a request body, validates everything first and
// returns the edited copy, or throws ApiError (400 bad field, 404 unknown
// service or real server, 409 conflict). Nothing is applied here: the
// caller builds and publishes the result as a whole. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "controlplane/config/model.h"

namespace sluice::api {

// Lookups by the API's names (config/keys.h); throw ApiError 404.
const config::VirtualServer& findService(const config::Config& config, std::string_view service);
const config::RealServer& findServer(const config::VirtualServer& vs, std::string_view server);

// body: a virtual_server object (the JSON of the config model).
config::Config addService(const config::Config& config, const nlohmann::json& body);
// patch: the fields to change; the service's identity (kind, address,
// port, protocol, fwmark, group) and real_servers cannot be patched.
config::Config updateService(const config::Config& config, std::string_view service, const nlohmann::json& patch);
config::Config removeService(const config::Config& config, std::string_view service);

// body: a real_server object; its port defaults to the service's.
config::Config addServer(const config::Config& config, std::string_view service, const nlohmann::json& body);
// patch: weight, lvs_method, uthreshold, lthreshold, ... (not address or port).
config::Config updateServer(const config::Config& config, std::string_view service, std::string_view server,
                            const nlohmann::json& patch);
config::Config removeServer(const config::Config& config, std::string_view service, std::string_view server);
// Weight 0: the schedulers give it no new connection; open ones finish.
config::Config drainServer(const config::Config& config, std::string_view service, std::string_view server);

// ipvsadm --set: body {tcp, tcpfin, udp} in whole seconds (0 or absent:
// unchanged, as IPVS takes it), up to 31 days. Written where the running
// configuration keeps them: the dataplane block's lvs_timeouts when it has
// one (it overrides global_defs), else global_defs.
config::Config setTimeouts(const config::Config& config, const nlohmann::json& body);

// ipvsadm --start-daemon: body {state: master|backup, interface, syncid,
// maxlen, group, port, ttl} (all but state optional, IPVS's defaults).
// sluice runs one sync daemon: a second state joins the running one when
// its interface and settings are the same (409 otherwise, and 409 when
// that state already runs or an instance drives the sync).
config::Config startSyncDaemon(const config::Config& config, const nlohmann::json& body);
// ipvsadm --stop-daemon STATE: 404 when that state does not run.
config::Config stopSyncDaemon(const config::Config& config, const std::string& state);

// Checks one virtual_server as the config parser does (scheduler, family
// of its real servers, duplicates, thresholds, quorum/hysteresis, group);
// fills in defaults the parser would (real server port, check timing).
// Throws ApiError 400/409.
void validate(const config::Config& config, config::VirtualServer& vs);

}  // namespace sluice::api
