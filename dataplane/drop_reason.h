// Every reason the data plane drops a packet has a name and a counter.
// Workers count; they never log on the packet path.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sluice::dp {

#define SLUICE_DROP_REASONS(X)                                                   \
  X(kTruncated, "truncated")            /* a header runs past the frame */      \
  X(kBadL2, "bad_l2")                   /* unknown ethertype or stacked tags */ \
  X(kBadIpHeader, "bad_ip_header")      /* version, IHL or length wrong */      \
  X(kBadIpChecksum, "bad_ip_checksum")  /* IPv4 header checksum */              \
  X(kBadL4Header, "bad_l4_header")      /* TCP offset, UDP length, ... */       \
  X(kFragment, "fragment")              /* a fragment of SCTP, whose checksum covers the whole datagram */ \
  X(kTtlExceeded, "ttl_exceeded")       /* TTL / hop limit would reach 0 */     \
  X(kUnsupportedL4, "unsupported_l4")   /* no ports to balance on */            \
  X(kNoService, "no_service")           /* to a VIP, but no such service */     \
  X(kNoConnection, "no_connection")     /* non-SYN TCP without a connection */  \
  X(kNoDestination, "no_destination")   /* scheduler found no real server */    \
  X(kNotForUs, "not_for_us")            /* neither a service nor a reply */     \
  X(kConnTableFull, "conn_table_full")  /* no entry could be freed */           \
  X(kNeighbourUnresolved, "neighbour_unresolved") /* next hop MAC unknown */    \
  X(kNoRoute, "no_route")               /* no route to the next hop */          \
  X(kExceptionRingFull, "exception_ring_full") /* control plane behind */       \
  X(kTxFull, "tx_full")                 /* the port did not take the packet */  \
  X(kIcmpError, "icmp_error_unmatched") /* ICMP error for no known flow */      \
  X(kMtuExceeded, "mtu_exceeded")       /* encapsulated, too big for the egress MTU, DF clear: not fragmented */ \
  X(kNoHeadroom, "no_headroom")         /* no room before the frame for TUN's outer headers */ \
  X(kOtherHost, "other_host")           /* unicast to another MAC address */    \
  X(kSpoofedSource, "spoofed_source")   /* new flow from a VIP, ours, or a real server's reply port */ \
  X(kSteerRingFull, "steer_ring_full")  /* the owning worker is behind */ \
  X(kVipNotHeld, "vip_not_held")        /* a VIP this router is VRRP backup for */ \
  X(kNodestConn, "expire_nodest_conn")  /* its real server left the service (expire_nodest_conn): entry freed */ \
  X(kOpsReply, "ops_reply")             /* from a NAT real server of an ops service: no connection to translate it back */ \
  X(kFragmentMalformed, "fragment_malformed") /* not a multiple of 8 bytes, empty, TCP at offset 8, headers past the first */ \
  X(kFragmentOversized, "fragment_oversized") /* its data would end past 65535 bytes */ \
  X(kFragmentOverlap, "fragment_overlap") /* overlaps another of its datagram: every fragment of it dropped */ \
  X(kFragmentDuplicate, "fragment_duplicate") /* the same data again */ \
  X(kFragmentTooMany, "fragment_too_many") /* more fragments in one datagram than a worker tracks */ \
  X(kFragmentTimeout, "fragment_timeout") /* held for a first fragment that did not come in time */ \
  X(kFragmentEvicted, "fragment_evicted") /* held, its datagram evicted for a newer one (table full) */ \
  X(kFragmentHoldFull, "fragment_hold_full") /* waiting for its first fragment, no room to hold it */ \
  X(kFtpNoTailroom, "ftp_no_tailroom")  /* an FTP reply rewritten longer: no room after the frame */ \
  X(kFtpTableFull, "ftp_table_full")    /* no entry for an FTP data connection or sequence shift */ \
  X(kClientLimitConnections, "client_limit_connections") /* a new connection past its client's client_max_connections */ \
  X(kClientLimitRate, "client_limit_rate") /* a new connection past its client's client_max_rate this second */

enum class DropReason : uint8_t {
#define SLUICE_DROP_ENUM(name, text) name,
  SLUICE_DROP_REASONS(SLUICE_DROP_ENUM)
#undef SLUICE_DROP_ENUM
      kCount
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::kCount);

// The counter name of a drop reason, as the API and /metrics show it.
inline constexpr std::string_view dropReasonName(DropReason r) {
  constexpr std::array<std::string_view, kDropReasonCount> kNames = {
#define SLUICE_DROP_NAME(name, text) text,
      SLUICE_DROP_REASONS(SLUICE_DROP_NAME)
#undef SLUICE_DROP_NAME
  };
  return kNames[static_cast<std::size_t>(r)];
}

}  // namespace sluice::dp
