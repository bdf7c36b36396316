// Conversion of the configuration model to and from JSON, for the control
// API and tests. Keys are snake_case and mostly keepalived's keywords;
// durations are integers in milliseconds; addresses are strings; an unset
// optional is left out. model -> JSON -> model gives back an equal model.
#pragma once

#include <nlohmann/json.hpp>

#include "controlplane/config/model.h"

namespace sluice::config {

// The whole configuration as JSON. Thread-safe.
nlohmann::json toJson(const Config& config);

// Reads a configuration from JSON; missing keys take the model's
// defaults, unknown keys are ignored. Throws std::invalid_argument naming
// the key when a value has the wrong type or is out of range. Thread-safe.
Config configFromJson(const nlohmann::json& json);

// The API's readers: like from_json, but a key the model does not have is
// refused (std::invalid_argument "json: 'KEY': unknown field"), so a typo
// is an error, not a silently ignored field. Thread-safe.
VirtualServer virtualServerFromJsonStrict(const nlohmann::json& json);
RealServer realServerFromJsonStrict(const nlohmann::json& json);

// nlohmann hooks, so `json j = config;` and `j.get<Config>()` work; the
// main parts of the model have them too. Thread-safe.
void to_json(nlohmann::json& j, const Config& v);
void from_json(const nlohmann::json& j, Config& v);
void to_json(nlohmann::json& j, const VrrpInstance& v);
void from_json(const nlohmann::json& j, VrrpInstance& v);
void to_json(nlohmann::json& j, const VirtualServer& v);
void from_json(const nlohmann::json& j, VirtualServer& v);
void to_json(nlohmann::json& j, const RealServer& v);
void from_json(const nlohmann::json& j, RealServer& v);
void to_json(nlohmann::json& j, const Dataplane& v);
void from_json(const nlohmann::json& j, Dataplane& v);

}  // namespace sluice::config
