// Tolerant reads of the daemon's JSON for the formatters: a missing field
// or one of another type never throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sluice::sluicectl {

// The field, or null when obj is not an object or lacks it. Thread-safe.
inline const nlohmann::json& field(const nlohmann::json& obj, std::string_view key) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) return kNull;
  const auto it = obj.find(std::string(key));
  return it == obj.end() ? kNull : *it;
}

// A value as printed in a cell: strings as they are, null as "-", anything
// else as compact JSON. Thread-safe.
inline std::string cellText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "-";
  return value.dump();
}

// cellText of a field. Thread-safe.
inline std::string text(const nlohmann::json& obj, std::string_view key) { return cellText(field(obj, key)); }

// A counter; 0 when missing, negative or not a number. Thread-safe.
inline std::uint64_t counter(const nlohmann::json& obj, std::string_view key) {
  const auto& v = field(obj, key);
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() > 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
  if (v.is_number_float() && v.get<double>() > 0) return static_cast<std::uint64_t>(v.get<double>());
  return 0;
}

// Elements of an array field; an empty array when it is something else. Thread-safe.
inline const nlohmann::json& list(const nlohmann::json& obj, std::string_view key) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  const auto& v = field(obj, key);
  return v.is_array() ? v : kEmpty;
}

// Left-aligned in width columns, ipvsadm's "%-Ns" (never cut). Thread-safe.
inline std::string padRight(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// Right-aligned in width columns, "%Ns". Thread-safe.
inline std::string padLeft(const std::string& s, std::size_t width) {
  return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}

// Without the trailing blanks padding left behind. Thread-safe.
inline std::string trimRight(std::string s) {
  s.erase(s.find_last_not_of(' ') + 1);
  return s;
}

}  // namespace sluice::sluicectl
