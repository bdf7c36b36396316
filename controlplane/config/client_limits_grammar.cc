// sluice's per-client limits (client_max_connections, client_max_rate,
// client_prefix_v4, client_prefix_v6): the same keywords in a
// virtual_server and in the dataplane block, whose values every service
// takes unless its own say otherwise. The ranges are ClientLimits's
// (model.h), which the API checks too.
#include "controlplane/config/grammars.h"

namespace sluice::config {

void readClientLimit(ClientLimits& limits, std::string_view keyword, const Args& a) {
  a.expect(1, 1);
  if (keyword == "client_max_connections") {
    limits.maxConnections = a.number<std::uint32_t>(0, 0, ClientLimits::kMaxConnections);
  } else if (keyword == "client_max_rate") {
    limits.maxRate = a.number<std::uint32_t>(0, 0, ClientLimits::kMaxRate);
  } else if (keyword == "client_prefix_v4") {
    limits.prefixV4 = a.number<std::uint8_t>(0, ClientLimits::kMinPrefixV4, 32);
  } else {
    limits.prefixV6 = a.number<std::uint8_t>(0, ClientLimits::kMinPrefixV6, 128);
  }
}

std::string clientLimitsProblem(const ClientLimits& limits) {
  if (limits.maxConnections > ClientLimits::kMaxConnections) {
    return "client_max_connections: at most " + std::to_string(ClientLimits::kMaxConnections);
  }
  if (limits.maxRate > ClientLimits::kMaxRate) {
    return "client_max_rate: at most " + std::to_string(ClientLimits::kMaxRate);
  }
  if (limits.prefixV4 && (*limits.prefixV4 < ClientLimits::kMinPrefixV4 || *limits.prefixV4 > 32)) {
    return "client_prefix_v4: a prefix length of " + std::to_string(ClientLimits::kMinPrefixV4) + "-32";
  }
  if (limits.prefixV6 && (*limits.prefixV6 < ClientLimits::kMinPrefixV6 || *limits.prefixV6 > 128)) {
    return "client_prefix_v6: a prefix length of " + std::to_string(ClientLimits::kMinPrefixV6) + "-128";
  }
  return "";
}

}  // namespace sluice::config
