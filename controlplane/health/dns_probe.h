// keepalived's DNS_CHECK: one query over UDP (a random id, recursion
// desired, class IN, the check's type and name) to the server, whose answer
// decides as in keepalived 2.2.7: a reply with the query's id and the QR
// bit is up when its RCODE is NOERROR and down otherwise (NXDOMAIN,
// SERVFAIL, REFUSED...); datagrams that are not such a reply are ignored.
// Like keepalived, the answer records are not looked at: an empty NOERROR
// answer (the name exists, not with that type) is up. Bounded by
// connect_timeout; failures are worded as keepalived logs them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "controlplane/common/socket_address.h"
#include "controlplane/health/probe.h"
#include "controlplane/health/probe_run.h"
#include "wire/ip_address.h"

namespace sluice::health {

struct DnsSpec {
  wire::IpAddress address;
  uint16_t port = 53;
  std::optional<wire::IpAddress> bindTo;
  std::optional<uint16_t> bindPort;
  std::chrono::milliseconds timeout{5000};
  std::string type = "SOA";  // as config::HealthCheck::dnsType
  std::string name = ".";
};

// The RR type number of a DNS_CHECK type name (upper case); nullopt when
// keepalived does not know it. Thread-safe.
std::optional<uint16_t> dnsTypeCode(std::string_view type);

// The query datagram keepalived sends: header (id, RD set, one question),
// then `name` as labels ("." and "" the root), type, class IN. Thread-safe.
std::string dnsQuery(uint16_t id, std::string_view name, uint16_t type);

// Loop thread only; the loop must outlive the probe.
class DnsProbe : public Probe {
 public:
  explicit DnsProbe(DnsSpec spec) : spec_(std::move(spec)) {}

  void start(common::EventLoop& loop, Done done) override;

 private:
  void send();
  void receive();
  void finish(bool ok, std::string error);

  DnsSpec spec_;
  ProbeRun run_;
  std::string query_;
  bool sending_ = true;
};

}  // namespace sluice::health
