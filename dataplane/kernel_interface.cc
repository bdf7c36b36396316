#include "dataplane/kernel_interface.h"

namespace sluice::dp {

std::optional<std::string> kernelInterfaceOf(const std::string& device) {
  if (!device.starts_with("net_af_packet") && !device.starts_with("net_af_xdp")) return std::nullopt;
  // A key starts the string's argument list or follows a comma.
  std::size_t at = device.find(",iface=");
  if (at == std::string::npos) return std::nullopt;
  at += 7;
  const std::size_t end = device.find(',', at);
  return device.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

}  // namespace sluice::dp
