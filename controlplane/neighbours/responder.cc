#include "controlplane/neighbours/responder.h"

#include <algorithm>

namespace sluice::neighbours {
namespace {

// Prefix::contains compares only the prefix bits, so a port address with
// its length is its network.
bool onConnectedNetwork(const dp::PortConfig& p, bool v6, const dp::IpAddr& addr) {
  for (const dp::Prefix& a : p.addresses) {
    if (a.contains(addr, v6)) return true;
  }
  return false;
}

// The port's address to speak from toward addr: one on the same network,
// else the first of the family; nullptr when the port has none.
const wire::IpAddress* sourceFor(const dp::PortConfig& p, bool v6, const dp::IpAddr& addr) {
  const wire::IpAddress* first = nullptr;
  for (const dp::Prefix& a : p.addresses) {
    if (a.addr.isV6() != v6) continue;
    if (first == nullptr) first = &a.addr;
    if (a.contains(addr, v6)) return &a.addr;
  }
  return first;
}

}  // namespace

bool answersFor(const dp::ForwardingTable& table, uint16_t port, bool v6, const dp::IpAddr& addr) {
  if (port >= table.ports.size()) return false;
  const dp::PortConfig& p = table.ports[port];
  const wire::IpAddress address = addr.toWire(v6);
  for (const dp::Prefix& a : p.addresses) {
    if (a.addr == address) return true;
  }
  return table.isVip(address) && onConnectedNetwork(p, v6, addr);
}

bool Responder::repliesFor(const dp::ForwardingTable& table, uint16_t port, bool v6, const dp::IpAddr& addr) const {
  if (!answersFor(table, port, v6, addr)) return false;
  // The kernel answers for the addresses it holds; two answers would be one too many.
  return !kernelHolds_.contains({port, v6}) || table.isVip(addr.toWire(v6));
}

void Responder::leaveToKernel(uint16_t port, bool v6, bool askAnonymously) {
  kernelHolds_.insert({port, v6});
  if (askAnonymously) anonymous_.insert({port, v6});
}

bool Responder::learnIfConnected(const dp::ForwardingTable& table, uint16_t port, bool v6, const dp::IpAddr& addr,
                                 const dp::MacAddr& mac, uint64_t nowMs) {
  // Only neighbours on our own networks, and never our own addresses (a
  // peer announcing a VIP must not redirect the VIP's own traffic).
  if (!onConnectedNetwork(table.ports[port], v6, addr) || answersFor(table, port, v6, addr)) return false;
  if ((mac.b[0] & 1) != 0) return false;  // a group address is no neighbour
  return neighbours_.learn(port, v6, addr, mac, nowMs);
}

bool Responder::mayReply(uint16_t port, uint64_t nowMs) {
  Budget& b = budgets_[port];
  const double refill = static_cast<double>(nowMs - std::min(nowMs, b.lastMs)) * kRepliesPerSecond / 1000.0;
  b.tokens = std::min<double>(kRepliesPerSecond, b.tokens + refill);
  b.lastMs = nowMs;
  if (b.tokens < 1) {
    ++counters_.rateLimited;
    return false;
  }
  b.tokens -= 1;
  return true;
}

bool Responder::handle(const dp::ForwardingTable& table, uint16_t port, std::span<const uint8_t> frame,
                       uint64_t nowMs) {
  if (port >= table.ports.size()) return false;
  const auto l2 = parseL2(frame);
  if (!l2) return false;
  if (auto arp = parseArp(frame, *l2)) {
    const bool changed = !(arp->senderIp == dp::IpAddr{}) &&
                         learnIfConnected(table, port, false, arp->senderIp, arp->senderMac, nowMs);
    if (arp->op == 1 && repliesFor(table, port, false, arp->targetIp)) {
      if (!mayReply(port, nowMs)) return changed;
      send_(port, arpReply(*l2, *arp, table.answerMac(port, arp->targetIp.toWire(false))));
      ++counters_.arpAnswered;
    } else {
      ++counters_.ignored;
    }
    return changed;
  }
  if (auto nd = parseNd(frame, *l2)) {
    bool changed = false;
    if (nd->type == 135) {
      if (nd->linkAddr && !(nd->src == dp::IpAddr{})) {
        changed = learnIfConnected(table, port, true, nd->src, *nd->linkAddr, nowMs);
      }
      if (repliesFor(table, port, true, nd->target)) {
        if (!mayReply(port, nowMs)) return changed;
        send_(port, neighbourAdvert(*l2, *nd, table.answerMac(port, nd->target.toWire(true))));
        ++counters_.ndAnswered;
        return changed;
      }
    } else if (nd->linkAddr) {
      changed = learnIfConnected(table, port, true, nd->target, *nd->linkAddr, nowMs);
    }
    ++counters_.ignored;
    return changed;
  }
  if (auto echo = parseEchoRequest(frame, *l2); echo && repliesFor(table, port, echo->v6, echo->dst)) {
    if (!mayReply(port, nowMs)) return false;
    send_(port, echoReply(frame, *l2, *echo));
    ++counters_.echoAnswered;
    return false;
  }
  ++counters_.ignored;
  return false;
}

bool Responder::resolve(const dp::ForwardingTable& table, uint16_t port, bool v6, const dp::IpAddr& addr,
                        uint64_t nowMs) {
  if (port >= table.ports.size()) return false;
  const wire::IpAddress* src = sourceFor(table.ports[port], v6, addr);
  if (src == nullptr || !neighbours_.mayAsk(port, v6, addr, nowMs)) return false;
  const dp::MacAddr& mac = table.ports[port].mac;
  const dp::IpAddr from = anonymous_.contains({port, v6}) ? dp::IpAddr{} : dp::IpAddr::of(*src);
  send_(port, v6 ? neighbourSolicit(mac, from, addr) : arpRequest(mac, from, addr));
  ++counters_.questionsSent;
  return true;
}

}  // namespace sluice::neighbours
