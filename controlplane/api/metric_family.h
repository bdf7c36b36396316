// One Prometheus metric family in the text exposition format (0.0.4):
// HELP and TYPE once, then its samples, with label values escaped as the
// format requires. Not thread-safe (one per rendering).
#pragma once

#include <cstdint>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace sluice::api {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A label value with \, " and newlines escaped.
std::string escapeLabelValue(const std::string& v);

class Family {
 public:
  Family(std::string name, std::string type, std::string help)
      : name_(std::move(name)), type_(std::move(type)), help_(std::move(help)) {}

  void add(const Labels& labels, uint64_t value);

  // A family with no sample still writes HELP and TYPE: a scraper sees it
  // exists (e.g. VRRP families with no instance configured).
  void writeTo(std::ostream& out) const;

 private:
  std::string name_, type_, help_;
  std::ostringstream samples_;
};

}  // namespace sluice::api
