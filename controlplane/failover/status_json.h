// The VRRP resource of the control API (GET /v1/vrrp): every instance
// with its state, priorities, master, transitions and keepalived's
// counters.
#pragma once

#include <nlohmann/json.hpp>

#include "controlplane/failover/driver.h"

namespace sluice::failover {

nlohmann::json vrrpJson(const Driver& driver);

}  // namespace sluice::failover
