// keepalived's PING_CHECK: one ICMP echo request (ICMPv6 for an IPv6
// server) to the server; up when its echo reply comes back, from that
// address and with this request's identifier and sequence number, within
// connect_timeout; down on silence or an ICMP error.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "controlplane/common/socket_address.h"
#include "controlplane/health/probe.h"
#include "controlplane/health/probe_run.h"
#include "wire/ip_address.h"

namespace sluice::health {

struct PingSpec {
  wire::IpAddress address;
  std::optional<wire::IpAddress> bindTo;  // the request's source address
  std::chrono::milliseconds timeout{5000};
};

struct EchoReply {
  uint16_t id = 0;
  uint16_t sequence = 0;
};

// An echo request (ICMP, or ICMPv6 when `v6`) with keepalived's 128 octets
// of data; the ICMP checksum is filled in (the kernel does ICMPv6's).
// Thread-safe.
std::vector<uint8_t> echoRequest(bool v6, uint16_t id, uint16_t sequence);

// The echo reply in a received datagram (behind its IPv4 header when
// `ipHeader`: raw IPv4 sockets see it); nullopt for anything else.
// Thread-safe.
std::optional<EchoReply> parseEchoReply(const uint8_t* data, std::size_t length, bool v6, bool ipHeader);

// Loop thread only; the loop must outlive the probe.
class PingProbe : public Probe {
 public:
  explicit PingProbe(PingSpec spec) : spec_(std::move(spec)) {}

  void start(common::EventLoop& loop, Done done) override;

 private:
  std::string openSocket();
  void onReady();
  void finish(bool ok, std::string error);

  PingSpec spec_;
  ProbeRun run_;
  bool raw_ = false;  // SOCK_RAW (else a ping socket, SOCK_DGRAM)
  EchoReply sent_;
};

}  // namespace sluice::health
