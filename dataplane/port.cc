#include "dataplane/port.h"

#include <rte_errno.h>
#include <rte_ethdev.h>

#include <cctype>
#include <optional>
#include <stdexcept>

#include "dataplane/xdp_steering.h"

namespace sluice::dp {
namespace {

constexpr uint16_t kRxDescriptors = 1024;
constexpr uint16_t kTxDescriptors = 1024;

[[noreturn]] void fail(const PortSpec& spec, const std::string& what, int err) {
  throw std::runtime_error("port " + spec.name + " (" + spec.device + "): " + what + ": " +
                           rte_strerror(err < 0 ? -err : err));
}

// Why a net_af_xdp port's queues could not be set up, when the reason is
// an XDP program attached already (the PMD attaches its own only to an
// interface without one).
std::string xdpHint(const PortSpec& spec) {
  if (!spec.device.starts_with("net_af_xdp")) return "";
  const auto iface = kernelInterfaceOf(spec.device);
  if (!iface) return "";
  const auto program = attachedXdpProgram(*iface);
  if (!program) return "";
  return " (XDP program " + *program + " is attached to " + *iface +
         " already: another sluiced on it, or one left by a sluiced that did not stop; `ip link set dev " + *iface +
         " xdp off` removes it)";
}

}  // namespace

std::string deviceName(const std::string& device) { return device.substr(0, device.find(',')); }

bool isVirtualDevice(const std::string& device) {
  // Bus addresses start with a digit (PCI 0000:03:00.0); vdev names with a
  // driver name (net_af_xdp0, net_memif, ...).
  return !device.empty() && std::isdigit(static_cast<unsigned char>(device[0])) == 0;
}

std::string exceptionTapDevice(unsigned index, const std::string& ifname) {
  return "net_tap_exc" + std::to_string(index) + ",iface=" + ifname;
}

Port::Port(const PortSpec& spec, rte_mempool* pool) : spec_(spec) {
  const std::string name = deviceName(spec.device);
  if (rte_eth_dev_get_port_by_name(name.c_str(), &id_) != 0) {
    throw std::runtime_error("port " + spec.name + ": device " + spec.device +
                             " was not found (not probed: a missing interface, a wrong name, or in use)");
  }
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(id_, &info); rc != 0) fail(spec, "cannot read device info", rc);
  if (spec.rxQueues > info.max_rx_queues || spec.txQueues > info.max_tx_queues) {
    throw std::runtime_error("port " + spec.name + " (" + spec.device + ") offers " +
                             std::to_string(info.max_rx_queues) + " RX and " + std::to_string(info.max_tx_queues) +
                             " TX queues; " + std::to_string(spec.rxQueues) + " RX and " +
                             std::to_string(spec.txQueues) +
                             " are needed (one TX queue per worker; for net_af_packet add qpairs=N)");
  }
  rte_eth_conf conf{};
  if (int rc = rte_eth_dev_configure(id_, spec.rxQueues, spec.txQueues, &conf); rc != 0) {
    fail(spec, "cannot configure", rc);
  }
  uint16_t rxd = kRxDescriptors, txd = kTxDescriptors;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(id_, &rxd, &txd); rc != 0) fail(spec, "descriptor counts", rc);
  const int socket = rte_eth_dev_socket_id(id_);
  const unsigned sock = socket < 0 ? 0 : static_cast<unsigned>(socket);
  for (uint16_t q = 0; q < spec.rxQueues; ++q) {
    if (int rc = rte_eth_rx_queue_setup(id_, q, rxd, sock, nullptr, pool); rc != 0) {
      fail(spec, "RX queue setup" + xdpHint(spec), rc);
    }
  }
  for (uint16_t q = 0; q < spec.txQueues; ++q) {
    if (int rc = rte_eth_tx_queue_setup(id_, q, txd, sock, nullptr); rc != 0) fail(spec, "TX queue setup", rc);
  }
  rte_ether_addr addr{};
  if (int rc = rte_eth_macaddr_get(id_, &addr); rc != 0) fail(spec, "cannot read MAC address", rc);
  std::copy(std::begin(addr.addr_bytes), std::end(addr.addr_bytes), mac_.b.begin());
  // Multicast frames (VRRP adverts, IPv6 neighbour discovery) must reach us.
  rte_eth_allmulticast_enable(id_);
  if (int rc = rte_eth_dev_start(id_); rc != 0) fail(spec, "cannot start", rc);
  started_ = true;
}

Port::~Port() {
  if (started_) rte_eth_dev_stop(id_);
  rte_eth_dev_close(id_);
}

Port::Accept Port::acceptMac(const MacAddr& mac) {
  for (const MacAddr& m : accepted_) {
    if (m == mac) return Accept::kAlready;
  }
  accepted_.push_back(mac);
  if (promiscuous_) return Accept::kPromiscuous;
  rte_ether_addr addr{};
  std::copy(mac.b.begin(), mac.b.end(), addr.addr_bytes);
  if (rte_eth_dev_mac_addr_add(id_, &addr, 0) == 0) return Accept::kSecondary;
  if (rte_eth_promiscuous_enable(id_) == 0) {
    promiscuous_ = true;
    return Accept::kPromiscuous;
  }
  return Accept::kNone;
}

bool Port::linkUp() const {
  rte_eth_link link{};
  return rte_eth_link_get_nowait(id_, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

}  // namespace sluice::dp
