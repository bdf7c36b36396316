/* An XDP program that gives every frame to the AF_XDP socket: with it, a
 * net_af_xdp port stands in for a port DPDK owns fully (the kernel
 * interface sees nothing), for tests/lab/tap_test.sh. */
#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

struct {
  __uint(type, BPF_MAP_TYPE_XSKMAP);
  __uint(max_entries, 64);
  __type(key, __u32);
  __type(value, __u32);
} xsks_map SEC(".maps");

SEC("xdp")
int take_all(struct xdp_md *ctx) { return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_DROP); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
