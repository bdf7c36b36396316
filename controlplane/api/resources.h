// The JSON the API returns for resources read from the configuration:
// services with their API names, and the VRRP resource. VRRP is not run by
// this build yet: its resource lists what the configuration declares, with
// "running": false and state DISABLED, in the shape it keeps once VRRP
// runs. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "controlplane/config/model.h"
#include "dataplane/conn_dump.h"

namespace sluice::api {

// A virtual_server as the config model's JSON, plus "id" on it and on each
// real server.
nlohmann::json serviceJson(const config::VirtualServer& vs);
nlohmann::json servicesJson(const config::Config& config);
nlohmann::json serverJson(const config::RealServer& rs);

// The running configuration, with the API token replaced by "(set)".
nlohmann::json configJson(const config::Config& config);

// One entry of the connection listing (ipvsadm -Lnc); `service` is the
// API name of its service, empty when the service is gone.
nlohmann::json connectionJson(const dp::ConnRecord& c, unsigned worker, std::string_view service);

}  // namespace sluice::api
