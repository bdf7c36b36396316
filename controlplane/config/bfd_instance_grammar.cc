// bfd_instance { }: a BFD session with one neighbour, as keepalived's bfd
// process reads it (its keywords, ranges and defaults).
#include <cctype>

#include "controlplane/config/grammars.h"
#include "controlplane/config/parse_context.h"
#include "controlplane/config/vrrp_tracking.h"

namespace sluice::config {
namespace {

constexpr std::size_t kMaxNameLength = 31;  // keepalived's BFD_INAME_MAX less its NUL
constexpr std::uint64_t kMaxIntervalUs = 4'294'967'000;  // keepalived: UINT32_MAX / 1000 ms

// Milliseconds with up to 3 decimals ("10", "0.5" is refused below 1 ms),
// in microseconds within [minMs ms, kMaxIntervalUs].
std::uint32_t readIntervalUs(const Args& a, std::uint64_t minMs) {
  a.expect(1, 1);
  const std::string& s = a.text(0);
  const auto dot = s.find('.');
  const std::string whole = s.substr(0, dot), fraction = dot == std::string::npos ? "" : s.substr(dot + 1);
  auto digits = [](const std::string& d) {
    for (const unsigned char c : d) {
      if (!std::isdigit(c)) return false;
    }
    return true;
  };
  if (whole.empty() || whole.size() > 10 || !digits(whole) || !digits(fraction) || fraction.size() > 3 ||
      (dot != std::string::npos && fraction.empty())) {
    a.fail(0, a.keyword() + " '" + s + "' is not milliseconds (up to 3 decimals)");
  }
  std::uint64_t us = std::stoull(whole) * 1000;
  if (!fraction.empty()) us += std::stoull(fraction + std::string(3 - fraction.size(), '0'));
  if (us < minMs * 1000 || us > kMaxIntervalUs) {
    a.fail(0, a.keyword() + " " + s + " is out of range [" + std::to_string(minMs) + "-" +
                  std::to_string(kMaxIntervalUs / 1000) + "] ms");
  }
  if (us > 10'000'000) a.warn(a.keyword() + " " + s + " is larger than the sensible maximum (10000 ms)");
  return static_cast<std::uint32_t>(us);
}

struct BfdDraft {
  BfdInstance bfd;
  bool hasNeighbor = false;
  bool hasTtl = false;
};

Block<BfdDraft> bfdGrammar() {
  Block<BfdDraft> b;
  for (const char* neighbor : {"neighbor_ip", "neighbour_ip"}) {
    b.value(neighbor, [](BfdDraft& d, const Args& a) {
      a.expect(1, 1);
      d.bfd.neighbor = a.ip(0);
      d.hasNeighbor = true;
    });
  }
  b.value("source_ip", [](BfdDraft& d, const Args& a) {
    a.expect(1, 1);
    d.bfd.source = a.ip(0);
  });
  b.value("min_rx", [](BfdDraft& d, const Args& a) { d.bfd.minRxUs = readIntervalUs(a, 1); });
  b.value("min_tx", [](BfdDraft& d, const Args& a) { d.bfd.minTxUs = readIntervalUs(a, 1); });
  // RFC 5880 6.8.3: at least one second while the session is not Up.
  b.value("idle_tx", [](BfdDraft& d, const Args& a) { d.bfd.idleTxUs = readIntervalUs(a, 1000); });
  b.value("multiplier", [](BfdDraft& d, const Args& a) {
    a.expect(1, 1);
    d.bfd.multiplier = a.number<std::uint8_t>(0, 1, 255);
  });
  b.value("passive", [](BfdDraft& d, const Args& a) { d.bfd.passive = a.flag(); });
  for (const char* ttl : {"ttl", "hoplimit"}) {
    b.value(ttl, [](BfdDraft& d, const Args& a) {
      a.expect(1, 1);
      d.bfd.ttl = a.number<std::uint8_t>(0, 1, 255);
      d.hasTtl = true;
    });
  }
  b.value("max_hops", [](BfdDraft& d, const Args& a) {
    a.expect(1, 1);
    const auto hops = a.signedAt(0, -1, 255);
    d.bfd.maxHops = static_cast<std::uint8_t>(hops < 0 ? 255 : hops);  // -1: any TTL
  });
  b.value("weight", [](BfdDraft& d, const Args& a) {
    a.expect(1, 2);
    d.bfd.weight = static_cast<int>(a.signedAt(0, -kMaxTrackWeight, kMaxTrackWeight));
    if (a.size() == 2) d.bfd.weightReverse = a.oneOf(1, {"reverse"}) == "reverse";
  });
  // Which keepalived processes hear of the session: sluice has one
  // process, so both always do.
  b.value("vrrp", [](BfdDraft&, const Args& a) { a.none(); });
  b.value("checker", [](BfdDraft&, const Args& a) { a.none(); });
  return b;
}

}  // namespace

void addBfdInstanceKeywords(Block<Config>& top) {
  top.child<BfdDraft>(
      "bfd_instance",
      [](Config&, const Args& a) {
        a.expect(1, 1);
        if (a.text(0).size() > kMaxNameLength) {
          a.fail(0, "bfd_instance name '" + a.text(0) + "' is longer than " + std::to_string(kMaxNameLength));
        }
        BfdDraft d;
        d.bfd.name = a.text(0);
        return d;
      },
      bfdGrammar(),
      [](Config& c, BfdDraft&& d, const Args& a) {
        BfdInstance& b = d.bfd;
        if (!d.hasNeighbor) a.fail("bfd_instance '" + b.name + "' has no neighbor_ip");
        if (b.source && b.source->isV4() != b.neighbor.isV4()) {
          a.fail("bfd_instance '" + b.name + "': source_ip and neighbor_ip are not of the same family");
        }
        if (!d.hasTtl) b.ttl = b.neighbor.isV4() ? 255 : 64;
        if (b.maxHops != 255 && b.maxHops > b.ttl) {
          a.warn("bfd_instance '" + b.name + "': max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit");
          b.maxHops = b.ttl;
        }
        for (const BfdInstance& other : c.bfdInstances) {
          if (other.neighbor == b.neighbor && other.source == b.source) {
            a.fail("bfd_instance '" + b.name + "' has the neighbor (and source) of '" + other.name + "'");
          }
        }
        if (a.context().define("bfd_instance", b.name, a.where())) c.bfdInstances.push_back(std::move(b));
      });
}

}  // namespace sluice::config
