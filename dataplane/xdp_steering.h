// The control path of sluice's XDP steering program (dataplane/xdp/) on one
// net_af_xdp port: finds the program the PMD attached to the kernel
// interface and keeps its maps equal to the published forwarding table —
// VIPs, fwmark prefixes and the router's own addresses in one, the NAT real
// servers in the other. Map updates are syscalls: they happen here, at
// publish time, never on a worker. Not thread-safe: the control-plane
// thread only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "dataplane/forwarding_table.h"
#include "dataplane/kernel_interface.h"  // kernelInterfaceOf, for this file's callers

namespace sluice::dp {

// The steering program sluiced gives net_af_xdp ports: the build tree's
// object when it exists, else the installed one. Thread-safe.
std::string steeringProgramPath();

// The device string with `xdp_prog=` added when it is a net_af_xdp device
// without one (the operator's own program is left alone). Thread-safe.
std::string withSteeringProgram(const std::string& device);

// The name of the XDP program attached to kernel interface `ifname`, or
// nullopt when none is (or the interface cannot be read). Thread-safe.
std::optional<std::string> attachedXdpProgram(const std::string& ifname);

class XdpSteering {
 public:
  // The steering maps of the XDP program attached to `ifname`; nullptr when
  // no program with sluice's maps is attached (an operator's own program).
  // Throws std::runtime_error when the interface or its program cannot be
  // read.
  static std::unique_ptr<XdpSteering> find(const std::string& portName, const std::string& ifname);
  ~XdpSteering();
  XdpSteering(const XdpSteering&) = delete;
  XdpSteering& operator=(const XdpSteering&) = delete;

  // Makes the maps say what `table` says. kernelHolds[port][v6]: the
  // kernel interface behind that port holds its own addresses of that
  // family (traffic to them passes to the kernel; otherwise sluice answers).
  // Returns the number of map updates that failed (0 on success).
  unsigned update(const ForwardingTable& table, std::span<const std::array<bool, 2>> kernelHolds);

  uint32_t programId() const { return programId_; }
  std::size_t destinations() const { return dsts_.size(); }
  std::size_t servers() const { return servers_.size(); }

 private:
  XdpSteering(std::string portName, uint32_t programId, int dstMap, int serverMap)
      : portName_(std::move(portName)), programId_(programId), dstMap_(dstMap), serverMap_(serverMap) {}

  // Keys as raw bytes so one std::map diffs each map.
  using DstKey = std::array<uint8_t, 24>;
  using ServerKey = std::array<uint8_t, 20>;
  template <class Key>
  static unsigned sync(int fd, std::map<Key, uint32_t>& have, const std::map<Key, uint32_t>& want);

  std::string portName_;
  uint32_t programId_ = 0;
  int dstMap_ = -1;
  int serverMap_ = -1;
  std::map<DstKey, uint32_t> dsts_;
  std::map<ServerKey, uint32_t> servers_;
};

}  // namespace sluice::dp
