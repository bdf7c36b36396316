#include "controlplane/sluicectl/api_paths.h"

#include <algorithm>
#include <cctype>

namespace sluice::sluicectl {

std::string serviceId(const ServiceSpec& service) {
  if (service.isFwmark()) return "fwmark-" + std::to_string(service.fwmark);
  std::string protocol = service.protocol;
  std::transform(protocol.begin(), protocol.end(), protocol.begin(), [](unsigned char c) { return std::tolower(c); });
  return protocol + "-" + service.address + "-" + std::to_string(service.port);
}

std::string servicePath(const ServiceSpec& service) { return "/v1/services/" + serviceId(service); }

std::string serverPath(const ServiceSpec& service, const ServerSpec& server) {
  return servicePath(service) + "/servers/" + server.address + "-" + std::to_string(server.port.value_or(0));
}

}  // namespace sluice::sluicectl
