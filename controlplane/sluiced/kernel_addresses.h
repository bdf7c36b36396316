// The exception path of net_af_packet and net_af_xdp ports: the kernel
// keeps the interface (it sees every frame an af_packet port receives, and
// on an af_xdp port every frame sluice's XDP program leaves it), so the
// router's own addresses go on it and the kernel serves the router's own
// traffic — health checks from ordinary sockets, ssh, pings to the router —
// while sluice answers for the VIPs and forwards. Added at start, removed at stop (only those added
// here). The addresses added are listed in a state file beside the pid
// file until they are removed: a daemon that was killed (kill -9) leaves
// it, and the next one, holding the pid file's lock, takes over what its
// predecessor added (keeps what its config has, removes the rest). IPv6 addresses go there only when IPv6 is enabled on the
// interface; otherwise sluice answers for them itself (and IPv6 health
// checks from the router cannot run). The kernel must not forward in that
// namespace (sluice does): a warning says so when forwarding is on.
//
// A port with an `exception_tap` (one DPDK owns fully: PCI, memif, ring)
// gets the addresses on that TAP instead; the runtime passes the kernel's
// frames between the TAP and the port.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "controlplane/common/log_line.h"
#include "controlplane/config/model.h"

namespace sluice::sluiced {

class KernelAddresses {
 public:
  // Throws std::runtime_error naming the interface and address that could
  // not be added (after removing what was added). stateFile: where the
  // added addresses are listed (read first: a killed predecessor's; empty:
  // nowhere).
  KernelAddresses(const config::Dataplane& dataplane, std::string stateFile, const common::LogSink& log);
  ~KernelAddresses();

  // True when the kernel interface of port `index` holds its addresses of
  // that family (and so answers ARP/ND/pings for them).
  bool holds(std::size_t index, bool v6) const;
  // True when port `index` is a net_af_xdp port: an XDP program decides
  // which frames the kernel sees, and replies to the router's own
  // addresses reach the kernel only (sluice asks its neighbour questions
  // anonymously there, see docs/exception-path.md).
  bool filtered(std::size_t index) const;
  KernelAddresses(const KernelAddresses&) = delete;
  KernelAddresses& operator=(const KernelAddresses&) = delete;

 private:
  void undo() noexcept;
  void writeState() const;
  int netlink();  // the rtnetlink socket, opened on first use; throws std::runtime_error when it cannot be

  struct Added {
    int ifindex;
    std::string iface;
    config::IpPrefix prefix;
  };
  // A killed predecessor's additions, from the state file: taken over
  // (kept) when this config has them too, removed otherwise.
  std::vector<Added> inherited(const common::LogSink& log);
  std::vector<Added> added_;
  std::string stateFile_;
  std::vector<std::pair<std::size_t, bool>> holds_;  // (port index, v6)
  std::vector<std::size_t> filtered_;                 // net_af_xdp port indexes
  int netlink_ = -1;
};

}  // namespace sluice::sluiced
