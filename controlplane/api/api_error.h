// A request the API refuses: its HTTP status, the reason, the field of the
// body or query it is about (empty when none), and more keys for the error
// body (e.g. a reload's diagnostics).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace sluice::api {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, const std::string& message, std::string field = {},
           nlohmann::json extra = nlohmann::json::object())
      : std::runtime_error(message), status_(status), field_(std::move(field)), extra_(std::move(extra)) {}

  int status() const { return status_; }
  const std::string& field() const { return field_; }
  const nlohmann::json& extra() const { return extra_; }

 private:
  int status_;
  std::string field_;
  nlohmann::json extra_;
};

}  // namespace sluice::api
