// virtual_server_group { }: addresses, ranges and fwmarks sharing one
// set of real servers.
#include "controlplane/config/lvs_common.h"

namespace sluice::config {
namespace {

// Sets host bits of an address to zero (network) or one (broadcast).
wire::IpAddress withHostBits(const IpPrefix& p, bool ones) {
  auto bytes = p.address.bytes;
  const int total = p.address.bitCount();
  for (int bit = p.length; bit < total; ++bit) {
    const auto mask = static_cast<std::uint8_t>(0x80 >> (bit % 8));
    if (ones) {
      bytes[bit / 8] |= mask;
    } else {
      bytes[bit / 8] &= static_cast<std::uint8_t>(~mask);
    }
  }
  if (p.address.isV4()) {
    return wire::IpAddress::fromV4((std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                             (std::uint32_t{bytes[2]} << 8) | bytes[3]);
  }
  return wire::IpAddress::fromBytes(bytes);
}

// IP, IP-LAST (last part only or full address) or IP/LEN.
AddressRange readRange(const Args& a) {
  const std::string& s = a.text(0);
  AddressRange r;
  if (s.find('/') != std::string::npos) {
    const IpPrefix p = a.prefix(0);
    r.first = withHostBits(p, false);
    r.last = withHostBits(p, true);
  } else if (const auto dash = s.find('-'); dash != std::string::npos) {
    const auto first = parseAddress(s.substr(0, dash));
    const std::string end = s.substr(dash + 1);
    std::optional<wire::IpAddress> last;
    if (first && end.find_first_of(".:") != std::string::npos) {
      last = parseAddress(end);
    } else if (first && !end.empty() && end.size() <= 4 &&
               end.find_first_not_of(first->isV4() ? "0123456789" : "0123456789abcdefABCDEF") ==
                   std::string::npos) {
      const unsigned long n = std::stoul(end, nullptr, first->isV4() ? 10 : 16);
      auto bytes = first->bytes;
      if (first->isV4() && n <= 255) {
        last = wire::IpAddress::fromV4((first->v4() & 0xffffff00u) | static_cast<std::uint32_t>(n));
      } else if (!first->isV4()) {
        bytes[14] = static_cast<std::uint8_t>(n >> 8);
        bytes[15] = static_cast<std::uint8_t>(n);
        last = wire::IpAddress::fromBytes(bytes);
      }
    }
    if (!first || !last || last->family != first->family || *last < *first) {
      a.fail(0, "'" + s + "' is not an address range (e.g. 10.0.0.1-10 or 10.0.0.1-10.0.0.10)");
    }
    r.first = *first;
    r.last = *last;
  } else {
    r.first = r.last = a.ip(0);
  }
  r.port = optionalPort(a, 1);
  return r;
}

Block<VirtualServerGroup> groupGrammar() {
  Block<VirtualServerGroup> b;
  b.value("fwmark", [](VirtualServerGroup& g, const Args& a) {
    a.expect(1, 2);
    const auto mark = a.number<std::uint32_t>(0, 1, kMaxCount);
    if (a.size() == 2) {
      a.oneOf(1, {"inet", "inet6"});
    }
    g.fwmarks.push_back(mark);
    warnIfMarkUnset(a.context(), mark, a.where());
  });
  b.otherwise("virtual_server_group entry", [](VirtualServerGroup& g, const Args& a) {
    a.expect(1, 2);
    g.ranges.push_back(readRange(a));
  });
  return b;
}

}  // namespace

void addVirtualServerGroupKeywords(Block<Config>& top) {
  top.child<VirtualServerGroup>(
      "virtual_server_group",
      [](Config&, const Args& a) {
        a.expect(1, 1);
        VirtualServerGroup g;
        g.name = a.text(0);
        return g;
      },
      groupGrammar(),
      [](Config& c, VirtualServerGroup&& g, const Args& a) {
        if (g.ranges.empty() && g.fwmarks.empty()) {
          a.error("virtual_server_group '" + g.name + "' has no entries");
        }
        if (a.context().define("virtual_server_group", g.name, a.where())) {
          c.virtualServerGroups.push_back(std::move(g));
        }
      });
}

}  // namespace sluice::config
