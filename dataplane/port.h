// A DPDK port opened from a device string: configured with one RX queue per
// polling worker it can give and one TX queue per worker, started, and
// closed again when the object goes away.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/forwarding_table.h"

struct rte_mempool;

namespace sluice::dp {

struct PortSpec {
  std::string name;    // the operator's name (eth0)
  std::string device;  // DPDK device string, e.g. net_af_packet0,iface=eth0 or 0000:03:00.0
  uint16_t rxQueues = 1;
  uint16_t txQueues = 1;
};

// The DPDK device name a device string registers (the part before the
// first comma): net_af_packet0 for "net_af_packet0,iface=eth0".
std::string deviceName(const std::string& device);

// True when the device string names a virtual device (--vdev) rather than
// a bus address (-a).
bool isVirtualDevice(const std::string& device);

// The net_tap device string of port `index`'s exception interface, a TAP
// interface called `ifname` in sluiced's namespace.
std::string exceptionTapDevice(unsigned index, const std::string& ifname);

class Port {
 public:
  // Finds the probed device, configures and starts it. Throws
  // std::runtime_error naming the port and the reason (control path).
  Port(const PortSpec& spec, rte_mempool* pool);
  ~Port();
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;

  uint16_t id() const { return id_; }
  const std::string& name() const { return spec_.name; }
  const MacAddr& mac() const { return mac_; }
  uint16_t rxQueues() const { return spec_.rxQueues; }
  uint16_t txQueues() const { return spec_.txQueues; }
  bool linkUp() const;

  // Has the port receive unicast frames to `mac` too (a VRRP virtual MAC):
  // as a secondary address where the PMD filters by address
  // (rte_eth_dev_mac_addr_add: PCI NICs), else in promiscuous mode
  // (net_af_packet, net_af_xdp, net_tap offer only that). Returns how, for
  // the log; kNone when the PMD offers neither (memif: it filters nothing,
  // so the frames arrive anyway). Asking again for a MAC is free (control path).
  enum class Accept { kAlready, kSecondary, kPromiscuous, kNone };
  Accept acceptMac(const MacAddr& mac);

 private:
  PortSpec spec_;
  uint16_t id_ = 0;
  MacAddr mac_;
  bool started_ = false;
  std::vector<MacAddr> accepted_;  // extra MACs already asked for
  bool promiscuous_ = false;
};

}  // namespace sluice::dp
