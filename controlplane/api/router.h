// The API's routes: a Request in, a Response out, with every refusal as a
// JSON error naming the field (see docs/api.md). Runs on the control
// loop's thread against its Backend; never throws.
#pragma once

#include "controlplane/api/backend.h"
#include "controlplane/api/message.h"

namespace sluice::api {

Response handle(Backend& backend, const Request& request);

// The JSON error body for a status and message, with the field it is about
// and more keys when given (also used by the HTTP layer for refusals it
// makes itself: 401, 413, 503).
Response errorResponse(int status, const std::string& message, const std::string& field = {},
                       const nlohmann::json& extra = nlohmann::json::object());

}  // namespace sluice::api
