#include "controlplane/api/resources.h"

#include "controlplane/config/json.h"
#include "controlplane/config/keys.h"
#include "controlplane/stats/stats.h"
#include "controlplane/tables/keys.h"

namespace sluice::api {

using nlohmann::json;

json serverJson(const config::RealServer& rs) {
  json j = rs;
  j["id"] = config::serverKey(rs.address, rs.port);
  return j;
}

json serviceJson(const config::VirtualServer& vs) {
  json j = vs;
  j["id"] = config::serviceKey(vs);
  json servers = json::array();
  for (const config::RealServer& rs : vs.realServers) servers.push_back(serverJson(rs));
  j["real_servers"] = std::move(servers);
  return j;
}

json servicesJson(const config::Config& config) {
  json list = json::array();
  for (const config::VirtualServer& vs : config.virtualServers) list.push_back(serviceJson(vs));
  return {{"services", std::move(list)}};
}

json configJson(const config::Config& config) {
  json j = config::toJson(config);
  if (j.contains("api") && j["api"].contains("token")) j["api"]["token"] = "(set)";
  return j;
}

json connectionJson(const dp::ConnRecord& c, unsigned worker, std::string_view service) {
  return {{"worker", worker},
          // A template's protocol is its service's (connection_listing.cc sets it), 0 for a fwmark service's.
          {"protocol", c.isTemplate && c.proto == 0 ? std::string("IP") : tables::protocolText(c.proto)},
          // A template is ASSURED (as ipvsadm -Lnc says) once a connection under it was established.
          {"state", c.isTemplate ? std::string(c.state == dp::ConnState::kEstablished ? "ASSURED" : "NONE")
                                 : std::string(dp::connStateName(c.state))},
          {"expires_ms", c.expiresInMs},
          {"template", c.isTemplate},
          {"client_address", tables::addressText(c.client, c.v6)},
          {"client_port", c.clientPort},
          {"virtual_address", tables::addressText(c.vip, c.v6)},
          {"virtual_port", c.vipPort},
          {"server_address", tables::addressText(c.rs, c.v6)},
          {"server_port", c.rsPort},
          {"method", stats::methodText(static_cast<dp::FwdMethod>(c.method))},
          {"service", service.empty() ? json(nullptr) : json(service)}};
}

}  // namespace sluice::api
