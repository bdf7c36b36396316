#include "controlplane/api/metric_family.h"

namespace sluice::api {

std::string escapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Family::add(const Labels& labels, uint64_t value) {
  samples_ << name_;
  if (!labels.empty()) {
    samples_ << '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      samples_ << (i ? "," : "") << labels[i].first << "=\"" << escapeLabelValue(labels[i].second) << '"';
    }
    samples_ << '}';
  }
  samples_ << ' ' << value << '\n';
}

void Family::writeTo(std::ostream& out) const {
  out << "# HELP " << name_ << ' ' << help_ << "\n# TYPE " << name_ << ' ' << type_ << '\n' << samples_.str();
}

}  // namespace sluice::api
