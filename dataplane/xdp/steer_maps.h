/* The maps of sluice's XDP steering program (sluice_steer.bpf.c), shared
 * by the program (BPF C) and the control path that fills them
 * (dataplane/xdp_steering.cc). Plain C with kernel types so both compile it.
 */
#ifndef SLUICE_XDP_STEER_MAPS_H
#define SLUICE_XDP_STEER_MAPS_H

#include <linux/types.h>

#define SLUICE_FAMILY_V4 4
#define SLUICE_FAMILY_V6 6

/* Destinations, longest prefix first: the key's prefix length counts the
 * family byte, so an IPv4 /32 is 8 + 32 and an IPv6 /128 is 8 + 128.
 * An IPv4 address takes addr[0..3]; the rest is zero. */
struct sluice_dst_key {
  __u32 prefixlen;
  __u8 family;
  __u8 addr[16];
  __u8 pad[3];
};

/* What a destination's traffic does. */
#define SLUICE_DST_TO_SLUICE 1 /* a VIP, a fwmark prefix, an own address sluice answers for */
#define SLUICE_DST_TO_KERNEL 2 /* an own address the kernel interface holds */

/* A real server of a NAT service as the source of a reply. port 0 and
 * proto 0 name the host itself (its ICMP errors). Port in network order. */
struct sluice_server_key {
  __u8 family;
  __u8 proto;
  __be16 port;
  __u8 addr[16];
};

#define SLUICE_MAX_DSTS 8192
#define SLUICE_MAX_SERVERS 32768

/* The map names the control path looks the maps up by. */
#define SLUICE_DST_MAP "sluice_dsts"
#define SLUICE_SERVER_MAP "sluice_servers"

#endif
