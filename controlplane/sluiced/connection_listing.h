// GET /v1/connections: pages of the workers' connection tables, copied by
// the workers themselves (see dataplane/conn_dump.h). A cursor "W:T:S"
// names the worker, its table and the slot to go on from.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "dataplane/dataplane_handle.h"

namespace sluice::sluiced {

// Up to `limit` connections from `cursor` ("": the start):
// {connections, next_cursor (null at the end)}. Throws api::ApiError 400
// for a cursor it did not give, 503 when a worker does not answer.
// Control-plane thread only.
nlohmann::json listConnections(dp::DataplaneHandle& rt, const std::string& cursor, unsigned limit);

}  // namespace sluice::sluiced
