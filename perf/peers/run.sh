#!/usr/bin/env bash
# Peers on the same lab: requests/s (keep-alive) and new connections/s
# (Connection: close) from one wrk client to one nginx server through a
# load balancer namespace, for
#   sluiced_xdp  NAT on net_af_xdp ports with sluice's XDP program (on veth:
#             the kernel's generic XDP, a copy per frame)
#   sluiced   NAT on net_af_packet ports (af_packet copies every frame
#             through the kernel's socket path: sluice's slowest port type)
#   haproxy   TCP mode (a proxy: two kernel connections per client connection)
#   nftables  the kernel forwarding with a DNAT rule
# Same client, same server, same run. Namespaces sbp-c, sbp-lb, sbp-rs and
# their veths are made here and removed on exit; traffic stays inside them.
#
#   perf/peers/run.sh BUILD_DIR OUT_DIR [SECONDS]
set -euo pipefail

build=$1
out=$2
seconds=${3:-5}
sluiced="$build/controlplane/sluiced/sluiced"
SLUICED=$sluiced
# shellcheck source=scripts/lib/sluiced.sh
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib/sluiced.sh"
# shellcheck source=scripts/lib/netns.sh
source "$(cd "$(dirname "$0")/../.." && pwd)/scripts/lib/netns.sh"
mkdir -p "$out"
run=$(mktemp -d /tmp/sluice-peers.XXXXXX)
chmod 755 "$run"

say() { echo "peers: $*" >&2; }
die() { echo "peers: error: $*" >&2; exit 1; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

for cmd in wrk nginx haproxy nft ethtool; do
  command -v "$cmd" >/dev/null || die "$cmd is missing: run scripts/setup"
done
[ -x "$sluiced" ] || die "build first: $sluiced is missing"

# Every process here in a raised autogroup (see scripts/bench), put back on exit.
autogroup_nice=""
if [ -w "/proc/$$/autogroup" ]; then
  autogroup_nice=$(awk '{ print $3 }' "/proc/$$/autogroup")
  echo -15 > "/proc/$$/autogroup" 2>/dev/null || autogroup_nice=""
fi

namespaces=(sbp-c sbp-lb sbp-rs)
lb_pid=""
stop_lb() {
  if [ -n "$lb_pid" ]; then
    kill -TERM "$lb_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$lb_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$lb_pid" 2>/dev/null || true
    wait "$lb_pid" 2>/dev/null || true
    lb_pid=""
  fi
}
cleanup() {
  stop_lb
  [ -n "$autogroup_nice" ] && echo "$autogroup_nice" > "/proc/$$/autogroup" 2>/dev/null
  netns_remove "${namespaces[@]}"
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
netns_remove "${namespaces[@]}"

# --- the lab: client -- lb -- server, veth pairs made inside the namespaces ---
netns_create "${namespaces[@]}"
ip -n sbp-c link add eth0 address 02:00:00:5b:0c:01 type veth peer name eth0 netns sbp-lb address 02:00:00:5b:01:01
ip -n sbp-rs link add eth0 address 02:00:00:5b:05:01 type veth peer name eth1 netns sbp-lb address 02:00:00:5b:01:02
for pair in sbp-c:eth0 sbp-lb:eth0 sbp-lb:eth1 sbp-rs:eth0; do
  ns=${pair%%:*} ifname=${pair#*:}
  # Full checksums on the wire: a DPDK port sees what a NIC would.
  in_ns "$ns" ethtool -K "$ifname" tx off tso off gso off gro off >/dev/null 2>&1 || true
  in_ns "$ns" sysctl -qw "net.ipv4.conf.$ifname.rp_filter=0"
  in_ns "$ns" ip link set "$ifname" up
done
in_ns sbp-c ip addr add 10.0.0.101/24 dev eth0
in_ns sbp-c sysctl -qw net.ipv4.ip_local_port_range="10000 65000" net.ipv4.tcp_tw_reuse=1
in_ns sbp-rs ip addr add 192.168.1.20/24 dev eth0
in_ns sbp-rs ip route add default via 192.168.1.2
in_ns sbp-rs sysctl -qw net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=4096

# The server: nginx, one worker, a 13-byte answer.
cat > "$run/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $run/nginx.pid;
error_log $run/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 192.168.1.20:80 backlog=4096 reuseport;
    location / { return 200 "hello, sluice"; }
  }
}
EOF
ip netns exec sbp-rs nginx -c "$run/nginx.conf" &
disown  # stopped with its namespace
for _ in $(seq 50); do in_ns sbp-rs bash -c ': > /dev/tcp/192.168.1.20/80' 2>/dev/null && break; sleep 0.1; done

# --- the load balancers ---------------------------------------------------------
lb_kernel_addresses() {  # for the kernel's own LBs: the VIP and both legs
  in_ns sbp-lb ip addr add 10.0.0.2/24 dev eth0
  in_ns sbp-lb ip addr add 10.0.0.1/32 dev eth0
  in_ns sbp-lb ip addr add 192.168.1.2/24 dev eth1
}
lb_kernel_flush() {
  in_ns sbp-lb ip addr flush dev eth0
  in_ns sbp-lb ip addr flush dev eth1
  in_ns sbp-lb sysctl -qw net.ipv4.ip_forward=0
  in_ns sbp-lb nft flush ruleset 2>/dev/null || true
  in_ns sbp-c ip neigh flush dev eth0
  in_ns sbp-rs ip neigh flush dev eth0
}

start_sluiced() { start_sluiced_on net_af_packet; }
start_sluiced_xdp() { start_sluiced_on net_af_xdp; }

start_sluiced_on() {  # start_sluiced_on DRIVER
  local driver=$1
  cat > "$run/sluiced.conf" <<EOF
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.20 80 { }
}
dataplane {
    lcores 0-1
    busy_poll
    no_huge
    memory 512
    conn_table_size 1048576
    port eth0 {
        device ${driver}0,iface=eth0
        address 10.0.0.2/24
    }
    port eth1 {
        device ${driver}1,iface=eth1
        address 192.168.1.2/24
    }
}
EOF
  SLUICED_START_S=10 sluiced_start lb_pid sbp-lb "$out/peers-sluiced-$driver.log" -f "$run/sluiced.conf" \
    --pidfile "$run/sluiced-peers.pid" --api-socket "$run/api.sock" ||
    die "sluiced did not start (see $out/peers-sluiced-$driver.log)"
}

start_haproxy() {
  lb_kernel_addresses
  cat > "$run/haproxy.cfg" <<EOF
global
    maxconn 4096
    nbthread 1
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend vip
    bind 10.0.0.1:80
    default_backend servers
backend servers
    server rs1 192.168.1.20:80
EOF
  ip netns exec sbp-lb haproxy -db -f "$run/haproxy.cfg" > "$out/peers-haproxy.log" 2>&1 &
  lb_pid=$!
}

start_nftables() {
  lb_kernel_addresses
  in_ns sbp-lb sysctl -qw net.ipv4.ip_forward=1
  in_ns sbp-lb nft -f - <<'EOF'
table ip sluice_peers {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr 10.0.0.1 tcp dport 80 dnat to 192.168.1.20:80
  }
}
EOF
  lb_pid=""
}

# The VIP must answer before wrk starts.
wait_vip() {
  for _ in $(seq 100); do
    in_ns sbp-c bash -c 'exec 3<>/dev/tcp/10.0.0.1/80' 2>/dev/null && return 0
    sleep 0.1
  done
  die "$1: 10.0.0.1:80 does not answer"
}

# wrk's summary -> requests/s
wrk_rate() { awk '/Requests\/sec/ { print $2 }'; }

results="$out/peers.tsv"
printf "lb\trequests_per_s\tnew_connections_per_s\n" > "$results"
for lb in ${SLUICE_PEERS:-nftables haproxy sluiced_xdp sluiced}; do
  say "$lb"
  "start_$lb"
  wait_vip "$lb"
  # A run wrk gives up on (it exits non-zero) counts 0 and says why in its file.
  in_ns sbp-c timeout $(( seconds + 20 )) wrk -t1 -c32 -d"${seconds}s" http://10.0.0.1/ \
    > "$out/peers-$lb-keepalive.txt" 2>&1 || say "$lb: wrk (keep-alive) failed: $(tail -n 1 "$out/peers-$lb-keepalive.txt")"
  in_ns sbp-c timeout $(( seconds + 20 )) wrk -t1 -c32 -d"${seconds}s" -H "Connection: close" http://10.0.0.1/ \
    > "$out/peers-$lb-close.txt" 2>&1 || say "$lb: wrk (close) failed: $(tail -n 1 "$out/peers-$lb-close.txt")"
  rps=$(wrk_rate < "$out/peers-$lb-keepalive.txt" || true)
  cps=$(wrk_rate < "$out/peers-$lb-close.txt" || true)
  say "$lb: ${rps:-?} requests/s, ${cps:-?} new connections/s"
  printf "%s\t%s\t%s\n" "$lb" "${rps:-0}" "${cps:-0}" >> "$results"
  stop_lb
  lb_kernel_flush
done

/usr/bin/python3 - "$results" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
ref = {r[0]: (float(r[1]), float(r[2])) for r in rows}
base = ref.get("nftables")
print("| load balancer | requests/s (keep-alive) | new connections/s | req/s vs nftables | conn/s vs nftables |")
print("|---|---:|---:|---:|---:|")
for lb, rps, cps in rows:
    r, c = float(rps), float(cps)
    vs = (f"{r / base[0]:.2f}x", f"{c / base[1]:.2f}x") if base and base[0] and base[1] else ("", "")
    print(f"| {lb} | {r:,.0f} | {c:,.0f} | {vs[0]} | {vs[1]} |")
PY
