/* sluice's XDP steering program for net_af_xdp ports: the frames sluice
 * forwards or answers go to the port's AF_XDP socket, everything else to
 * the kernel (XDP_PASS), so the router's own traffic — health checks,
 * pings, ssh — keeps using the kernel interface.
 *
 * To sluice (XDP_REDIRECT into xsks_map at the frame's RX queue):
 *  - IPv4/IPv6 to a destination in sluice_dsts marked TO_SLUICE (VIPs,
 *    fwmark prefixes, own addresses the kernel does not hold);
 *  - replies from a NAT real server (source address, port and protocol in
 *    sluice_servers) and ICMP errors from one, unless they go to an own
 *    address the kernel holds (the replies to its health checks); IP
 *    fragments from a real server's address, whatever their port (later
 *    fragments have none, and all of a datagram's must go one way);
 *  - VRRP (IP protocol 112) and AH (51);
 *  - ARP whose target is a TO_SLUICE address, and ARP replies to the
 *    unspecified address (the answers to sluice's own anonymous requests);
 *  - IPv6 neighbour solicitations for a TO_SLUICE address, and neighbour
 *    advertisements to all nodes (the answers to sluice's anonymous
 *    solicitations).
 * The DPDK net_af_xdp PMD loads this object (devarg xdp_prog=) and puts its
 * sockets into xsks_map, keyed by queue index.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "steer_maps.h"

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u32);
} xsks_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, SLUICE_MAX_DSTS);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct sluice_dst_key);
  __type(value, __u32);
} sluice_dsts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, SLUICE_MAX_SERVERS);
  __type(key, struct sluice_server_key);
  __type(value, __u32);
} sluice_servers SEC(".maps");

#define ETH_P_8021Q_ 0x8100
#define ETH_P_ARP_ 0x0806
#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86DD
#define PROTO_VRRP 112
#define PROTO_AH 51
#define PROTO_SCTP 132
#define PROTO_ICMP 1
#define PROTO_ICMPV6 58
#define PROTO_FRAGMENT 44 /* IPv6 Fragment header */

static __always_inline int toSluice(struct xdp_md *ctx) {
  return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

/* The verdict of sluice_dsts for an address: 0 when none. */
static __always_inline __u32 dstVerdict(__u8 family, const __u8 *addr) {
  struct sluice_dst_key key = {};
  key.family = family;
  if (family == SLUICE_FAMILY_V4) {
    key.prefixlen = 8 + 32;
    __builtin_memcpy(key.addr, addr, 4);
  } else {
    key.prefixlen = 8 + 128;
    __builtin_memcpy(key.addr, addr, 16);
  }
  const __u32 *v = bpf_map_lookup_elem(&sluice_dsts, &key);
  return v ? *v : 0;
}

static __always_inline int isServer(__u8 family, const __u8 *addr, __u8 proto, __be16 port) {
  struct sluice_server_key key = {};
  key.family = family;
  key.proto = proto;
  key.port = port;
  if (family == SLUICE_FAMILY_V4)
    __builtin_memcpy(key.addr, addr, 4);
  else
    __builtin_memcpy(key.addr, addr, 16);
  return bpf_map_lookup_elem(&sluice_servers, &key) != 0;
}

/* IP traffic: by destination, then as a reply from a real server. l4 may
 * be past data_end (checked before each read). */
static __always_inline int steerIp(struct xdp_md *ctx, __u8 family, const __u8 *src, const __u8 *dst, __u8 proto,
                                   const __u8 *l4, const void *end, int fragment) {
  if (proto == PROTO_VRRP || proto == PROTO_AH) return toSluice(ctx);
  const __u32 verdict = dstVerdict(family, dst);
  if (verdict == SLUICE_DST_TO_KERNEL) return XDP_PASS;
  if (verdict == SLUICE_DST_TO_SLUICE) return toSluice(ctx);
  if (fragment) return isServer(family, src, 0, 0) ? toSluice(ctx) : XDP_PASS;
  if (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == PROTO_SCTP) {
    if (l4 + 4 > (const __u8 *)end) return XDP_PASS;
    __be16 sport;
    __builtin_memcpy(&sport, l4, 2);
    if (isServer(family, src, proto, sport) || isServer(family, src, proto, 0)) return toSluice(ctx);
    return XDP_PASS;
  }
  if (proto == PROTO_ICMP || proto == PROTO_ICMPV6) {
    if (l4 + 1 > (const __u8 *)end) return XDP_PASS;
    const __u8 type = l4[0];
    const int error = proto == PROTO_ICMP ? (type == 3 || type == 11 || type == 12) : (type >= 1 && type <= 4);
    if (error && isServer(family, src, 0, 0)) return toSluice(ctx);
  }
  return XDP_PASS;
}

static __always_inline int steerArp(struct xdp_md *ctx, const __u8 *arp, const void *end) {
  /* htype(2) ptype(2) hlen plen op(2) sha(6) spa(4) tha(6) tpa(4) */
  if (arp + 28 > (const __u8 *)end) return XDP_PASS;
  if (arp[4] != 6 || arp[5] != 4) return XDP_PASS;
  const __u16 op = ((__u16)arp[6] << 8) | arp[7];
  const __u8 *tpa = arp + 24;
  if (op == 2 && tpa[0] == 0 && tpa[1] == 0 && tpa[2] == 0 && tpa[3] == 0) return toSluice(ctx);
  if (dstVerdict(SLUICE_FAMILY_V4, tpa) == SLUICE_DST_TO_SLUICE) return toSluice(ctx);
  return XDP_PASS;
}

static __always_inline int steerNd(struct xdp_md *ctx, const __u8 *dst, const __u8 *icmp, const void *end) {
  /* type code csum(2) flags(4) target(16) */
  if (icmp + 24 > (const __u8 *)end) return -1;
  const __u8 type = icmp[0];
  if (type == 135) {
    return dstVerdict(SLUICE_FAMILY_V6, icmp + 8) == SLUICE_DST_TO_SLUICE ? toSluice(ctx) : -1;
  }
  if (type == 136) {
    /* ff02::1: the answer to a solicitation from the unspecified address */
    const int allNodes = dst[0] == 0xff && dst[1] == 0x02 && dst[15] == 1 && dst[2] == 0 && dst[3] == 0 &&
                         dst[4] == 0 && dst[5] == 0 && dst[6] == 0 && dst[7] == 0 && dst[8] == 0 && dst[9] == 0 &&
                         dst[10] == 0 && dst[11] == 0 && dst[12] == 0 && dst[13] == 0 && dst[14] == 0;
    return allNodes ? toSluice(ctx) : -1;
  }
  return -1;
}

SEC("xdp")
int sluice_steer(struct xdp_md *ctx) {
  const void *end = (const void *)(long)ctx->data_end;
  const __u8 *p = (const __u8 *)(long)ctx->data;
  if (p + 14 > (const __u8 *)end) return XDP_PASS;
  __u16 type = ((__u16)p[12] << 8) | p[13];
  p += 14;
  if (type == ETH_P_8021Q_) {
    if (p + 4 > (const __u8 *)end) return XDP_PASS;
    type = ((__u16)p[2] << 8) | p[3];
    p += 4;
  }
  if (type == ETH_P_ARP_) return steerArp(ctx, p, end);
  if (type == ETH_P_IP_) {
    if (p + 20 > (const __u8 *)end) return XDP_PASS;
    const __u32 ihl = (__u32)(p[0] & 0x0F) * 4;
    if (ihl < 20) return XDP_PASS;
    const int fragment = (p[6] & 0x3F) != 0 || p[7] != 0; /* MF or an offset */
    return steerIp(ctx, SLUICE_FAMILY_V4, p + 12, p + 16, p[9], p + ihl, end, fragment);
  }
  if (type == ETH_P_IPV6_) {
    if (p + 40 > (const __u8 *)end) return XDP_PASS;
    const __u8 next = p[6];
    if (next == PROTO_ICMPV6) {
      const int nd = steerNd(ctx, p + 24, p + 40, end);
      if (nd >= 0) return nd;
    }
    return steerIp(ctx, SLUICE_FAMILY_V6, p + 8, p + 24, next, p + 40, end, next == PROTO_FRAGMENT);
  }
  return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
