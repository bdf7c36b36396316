#include "controlplane/tables/id_registry.h"

#include <stdexcept>

namespace sluice::tables {

uint16_t IdRegistry::idOf(std::map<std::string, uint16_t>& ids, const std::string& key, uint32_t max,
                          const char* what) {
  if (auto it = ids.find(key); it != ids.end()) return it->second;
  if (ids.size() >= max) {
    throw std::length_error(std::string("more than ") + std::to_string(max) + " " + what);
  }
  const auto id = static_cast<uint16_t>(ids.size());
  ids.emplace(key, id);
  return id;
}

}  // namespace sluice::tables
