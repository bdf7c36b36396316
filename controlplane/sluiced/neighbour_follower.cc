#include "controlplane/sluiced/neighbour_follower.h"

namespace sluice::sluiced {
namespace {

constexpr unsigned kResolvesPerPass = 256;
constexpr uint64_t kResolveEveryMs = 1000;    // unresolved next hops are asked again
constexpr uint64_t kRefreshEveryMs = 30'000;  // resolved ones are asked again (MAC changes)

}  // namespace

NeighbourFollower::NeighbourFollower(dp::DataplaneHandle& dataplane, const KernelAddresses& kernel)
    : dataplane_(dataplane),
      responder_([this](uint16_t port, const neighbours::Frame& f) { dataplane_.send(port, f); }) {
  for (unsigned i = 0; i < dataplane_.portCount(); ++i) {
    for (const bool v6 : {false, true}) {
      if (kernel.holds(i, v6)) responder_.leaveToKernel(static_cast<uint16_t>(i), v6, kernel.filtered(i));
    }
  }
}

bool NeighbourFollower::handleFrame(uint16_t port, std::span<const uint8_t> frame, uint64_t nowMs) {
  now_ = nowMs;
  return responder_.handle(*dataplane_.table(), port, frame, nowMs);
}

void NeighbourFollower::resolve(uint16_t port, bool v6, const dp::IpAddr& addr) {
  responder_.resolve(*dataplane_.table(), port, v6, addr, now_);
}

void NeighbourFollower::poll(uint64_t nowMs) {
  now_ = nowMs;
  dataplane_.pollResolves([&](const dp::ResolveRequest& r) { resolve(r.port, r.v6 != 0, r.addr); },
                          kResolvesPerPass);
  if (nowMs - lastResolve_ < kResolveEveryMs) return;
  lastResolve_ = nowMs;
  const bool refresh = nowMs - lastRefresh_ >= kRefreshEveryMs;
  if (refresh) lastRefresh_ = nowMs;
  resolveNextHops(refresh);
}

void NeighbourFollower::resolveNextHops(bool all) {
  const dp::ForwardingTable& t = *dataplane_.table();
  auto ask = [&](const dp::IpAddr& addr, bool v6) {
    const dp::ForwardingTable::NextHop hop = t.route(addr, v6);
    if (hop.port != dp::kNoPort && (all || dataplane_.neighbours()->find(hop.addr.toWire(v6), hop.port) == nullptr)) {
      responder_.resolve(t, hop.port, v6, hop.addr, now_);
    }
  };
  for (const dp::RealServer& rs : t.servers) ask(dp::IpAddr::of(rs.addr), rs.addr.isV6());
  for (const dp::Route& r : t.routes) {
    if (r.hasVia) ask(dp::IpAddr::of(r.via), r.via.isV6());
  }
}

nlohmann::json NeighbourFollower::json() const {
  const neighbours::ResponderCounters& r = responder_.counters();
  return {{"arp_answered", r.arpAnswered},
          {"nd_answered", r.ndAnswered},
          {"echo_answered", r.echoAnswered},
          {"questions_sent", r.questionsSent},
          {"ignored", r.ignored},
          {"rate_limited", r.rateLimited},
          {"neighbours", responder_.neighbours().size()}};
}

}  // namespace sluice::sluiced
