// The kernel interface behind a DPDK device string, where there is one.
// Apart from the XDP steering code (libbpf) so that the control plane can
// ask without linking DPDK or libbpf.
#pragma once

#include <optional>
#include <string>

namespace sluice::dp {

// The kernel interface named by a net_af_xdp or net_af_packet device's
// `iface=`, or nullopt. Thread-safe.
std::optional<std::string> kernelInterfaceOf(const std::string& device);

}  // namespace sluice::dp
