// Whether a port's link is up, for track_interface and the VRRP
// instances' own interfaces. DPDK's af_packet and af_xdp drivers report
// their link up once started, whatever the cable does; on those ports the
// kernel interface behind them knows (IFF_UP and IFF_RUNNING, i.e. carrier).
#pragma once

#include <string>

namespace sluice::sluiced {

// The kernel interface's IFF_UP && IFF_RUNNING in the current network
// namespace; false when there is no such interface.
bool kernelLinkUp(const std::string& iface);

// The port's own link state as its driver reports it (`driverUp`), and its
// kernel interface's when it has one (`device` is its DPDK device string).
bool portLinkUp(bool driverUp, const std::string& device);

}  // namespace sluice::sluiced
