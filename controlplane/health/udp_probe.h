// keepalived's UDP_CHECK: one datagram (the payload) on a connected UDP
// socket, then keepalived's verdict within connect_timeout:
//   - an ICMP destination unreachable (port closed, host gone): down;
//   - a reply: up, unless a require_reply pattern is set and the reply's
//     length is outside min/max_reply_length or its first octets differ;
//   - silence until the timeout: down with require_reply, else up (a UDP
//     service that answers nothing is only known dead by the ICMP error).
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

struct UdpSpec {
  wire::IpAddress address;
  uint16_t port = 0;
  std::optional<wire::IpAddress> bindTo;
  std::optional<uint16_t> bindPort;
  std::chrono::milliseconds timeout{5000};
  std::vector<uint8_t> payload;  // empty: keepalived's 32 octets of "keepalived check - "
  bool requireReply = false;
  std::vector<uint8_t> reply;     // the pattern; empty: any reply
  std::vector<uint8_t> wildcard;  // per octet of `reply`, bits that match anything; empty: none
  uint16_t minReplyLength = 0;    // bounds of a reply checked against `reply`
  uint16_t maxReplyLength = 255;
};

// keepalived's test of a reply of `length` octets (of which `data` holds the
// first data.size()) against spec's pattern: the length within the bounds
// and the first min(length, pattern) octets equal outside the wildcards.
// Empty when it matches, else why not. Thread-safe.
std::string udpReplyMismatch(const UdpSpec& spec, const std::vector<uint8_t>& data, std::size_t length);

// keepalived's payload when none is configured. Thread-safe.
std::vector<uint8_t> defaultUdpPayload();

// Loop thread only; the loop must outlive the probe.
class UdpProbe : public Probe {
 public:
  explicit UdpProbe(UdpSpec spec) : spec_(std::move(spec)) {}

  void start(common::EventLoop& loop, Done done) override;

 private:
  void onReady();
  void finish(bool ok, std::string error);

  UdpSpec spec_;
  ProbeRun run_;
};

}  // namespace sluice::health
