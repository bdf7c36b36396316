# Namespaces a benchmark lab makes for itself (sourced; bash).

# Removes each namespace named, killing what still runs in it first.
netns_remove() {
  local ns pid
  for ns in "$@"; do
    [ -e "/run/netns/$ns" ] || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}

# Makes each namespace named: loopback up, IPv6 off, no reverse-path filter
# (a load balancer's lab routes asymmetrically).
netns_create() {
  local ns
  for ns in "$@"; do
    ip netns add "$ns"
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
      net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  done
}
