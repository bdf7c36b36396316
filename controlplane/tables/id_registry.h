// Stable numeric ids for services and real servers. Counters and live
// connections refer to a service or real server by id, so the same
// service (by address, protocol and port, or fwmark) keeps its id across
// every snapshot the control plane builds, and a removed one's id is not
// reused while connections may still name it.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace sluice::tables {

class IdRegistry {
 public:
  IdRegistry(uint32_t maxServices, uint32_t maxDests) : maxServices_(maxServices), maxDests_(maxDests) {}

  // The id of a key, allocating the next free one for a new key. Throws
  // std::length_error when the id space is used up.
  uint16_t service(const std::string& key) { return idOf(services_, key, maxServices_, "virtual services"); }
  uint16_t dest(const std::string& key) { return idOf(dests_, key, maxDests_, "real servers"); }

 private:
  static uint16_t idOf(std::map<std::string, uint16_t>& ids, const std::string& key, uint32_t max, const char* what);

  uint32_t maxServices_;
  uint32_t maxDests_;
  std::map<std::string, uint16_t> services_;
  std::map<std::string, uint16_t> dests_;
};

}  // namespace sluice::tables
