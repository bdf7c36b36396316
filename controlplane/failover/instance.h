// One configured vrrp_instance as the driver runs it: what the config
// resolves to on this router's ports (the port, the family, the source
// address, where adverts go, the addresses they carry), the state machine,
// the AH counter, and what the API shows (refusal counts, transitions).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/config/model.h"
#include "dataplane/forwarding_table.h"
#include "vrrp/ah_sequence.h"
#include "vrrp/decode_error.h"
#include "vrrp/receive.h"
#include "vrrp/state_machine.h"

namespace sluice::failover {

// A data-plane port as the driver sees it.
struct PortInfo {
  std::string name;
  dp::MacAddr mac;
  std::vector<config::IpPrefix> addresses;  // the router's own on this port
};

// What a VRRP instance resolves to; invalid configurations throw
// std::invalid_argument naming the instance and the reason.
struct InstanceSetup {
  uint16_t port = 0;
  wire::IpFamily family = wire::IpFamily::kV4;
  vrrp::Version version = vrrp::Version::kV2;
  wire::IpAddress source;
  wire::IpAddress group;                    // multicast mode
  std::vector<wire::IpAddress> peers;       // unicast mode when not empty
  std::vector<wire::IpAddress> addresses;   // the VIPs the adverts carry (of `family`)
  // The addresses gratuitous ARPs / NAs announce, each on its port with the
  // MAC that answers for it there (the virtual MAC with use_vmac).
  struct Announced {
    uint16_t port = 0;
    wire::IpAddress address;
    dp::MacAddr mac;
  };
  std::vector<Announced> announced;
  dp::MacAddr advertMac;  // the adverts' Ethernet source
  vrrp::AuthType auth = vrrp::AuthType::kNone;
  vrrp::AuthKey key{};
  vrrp::MachineConfig machine;
};
InstanceSetup resolveInstance(const config::VrrpInstance& vi, const config::GlobalDefs& globals,
                              const std::vector<PortInfo>& ports);

struct Instance {
  Instance(const config::VrrpInstance& vi, InstanceSetup s) : config(vi), setup(std::move(s)), machine(setup.machine) {}

  config::VrrpInstance config;
  InstanceSetup setup;
  vrrp::StateMachine machine;
  vrrp::AhSequence ah;
  uint16_t ipId = 0;
  std::optional<std::string> group;  // the vrrp_sync_group it belongs to

  // Why it is in FAULT: its own interface or tracking, or a group member's.
  bool ownFault = false;
  bool groupFault = false;
  int trackWeight = 0;  // the tracking adjustments to the configured priority

  // What the API shows.
  std::array<uint64_t, vrrp::kDecodeErrorCount> refused{};
  uint64_t unknownPeer = 0;  // unicast: an advert from an address not in unicast_peer
  uint64_t transitions = 0;
  std::chrono::system_clock::time_point lastTransition{};
  std::optional<std::string> lastError;

  // Gratuitous ARP / NA bursts while MASTER.
  std::optional<vrrp::Millis> nextGarp;
  bool secondBurstDone = false;

  // The expectations for its received adverts (spans into setup).
  vrrp::ReceiveExpectations expectations() const;
};

}  // namespace sluice::failover
