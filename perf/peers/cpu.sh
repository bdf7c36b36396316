#!/usr/bin/env bash
# CPU per forwarded packet: sluiced against the kernel's nftables DNAT, at
# fixed offered rates, on a veth lab of its own.
#
# sluice-bench (core 0, net_af_packet ports) sends established UDP flows
# (see below) on one veth and counts what arrives on another. Three ways
# from one to the other, interleaved within each round:
#   direct    one veth pair from the sending port to the receiving port:
#             the path below with the load balancer and its second veth
#             taken out (same sender, same sink, same receive processing)
#   sluiced   NAT, one worker, net_af_xdp ports, no busy_poll (the idle policy)
#   nftables  the kernel forwarding, a DNAT rule VIP:80 -> real server
# The offered rates are 10, 30 and 60% of what the generator gets into the
# direct sink as fast as it can (measured first; SLUICE_CPU_MAX=MPPS gives
# it instead). /proc/stat is read twice per run, SECONDS apart, inside
# sluice-bench's measured phase; cpu_table.py turns that into CPU time per
# packet: the load balancer's CPU time per second less the direct run's at
# the same offered rate in the same round, over the packets per second
# received at the sink. It counts CPU time two ways: non-idle jiffies of
# all CPUs (user+nice+system+irq+softirq+steal), and elapsed less idle
# time on the load balancer's core (exact where ticks miss short bursts);
# see cpu_table.py.
#
# The generator busy-polls core 0, so work done there costs nothing
# measurable: every receive path of the lab is moved to core 1 (RPS on the
# receiving veths, threaded NAPI pinned to core 1 where an XDP program
# makes a veth use NAPI), and so is sluiced's worker. Core 0 keeps the
# generator and its own sends. Its af_packet rings are 4096 frames, so that
# a load balancer that falls behind drops in the kernel's queues rather
# than stopping the generator (a send buffer can still do that: the table
# marks it).
#
# UDP, not TCP: sluice-bench opens each established TCP flow with a SYN
# and then sends only ACKs, which conntrack finds invalid (an ACK before
# any SYN/ACK) and leaves un-NATed, whatever nf_conntrack_tcp_loose and
# tcp_be_liberal say.
#
# Namespaces sbcpu-gen (generator and sink) and sbcpu-lb (the load
# balancer) and their veths are made here and removed on exit; traffic
# stays inside them.
#
#   perf/peers/cpu.sh BUILD_DIR OUT_DIR [SECONDS] [ROUNDS]
#
# SECONDS: the measured window of each run (default 10); ROUNDS default 3.
# SLUICE_CPU_WAYS="direct sluiced nftables" picks the ways.
set -euo pipefail

build=$1
out=$2
window=${3:-10}
rounds=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)
bench="$build/perf/sluice-bench"
SLUICED="$build/controlplane/sluiced/sluiced"
# shellcheck source=scripts/lib/sluiced.sh
source "$here/../../scripts/lib/sluiced.sh"
# shellcheck source=scripts/lib/netns.sh
source "$here/../../scripts/lib/netns.sh"

say() { echo "cpu: $*" >&2; }
die() { echo "cpu: error: $*" >&2; exit 1; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

for cmd in nft ethtool taskset; do command -v "$cmd" >/dev/null || die "$cmd is missing: run scripts/setup"; done
for bin in "$bench" "$SLUICED"; do [ -x "$bin" ] || die "build first: $bin is missing"; done
[ "$(nproc)" -ge 2 ] || die "needs two cores: the generator on one, the load balancer on the other"
mkdir -p "$out"
run=$(mktemp -d /tmp/sluice-cpu.XXXXXX)
chmod 755 "$run"

gen=sbcpu-gen lb=sbcpu-lb
namespaces=("$gen" "$lb")
gen_cpu=0 lb_cpu=1 lb_mask=2
flows=4096
vip=10.0.0.1 rs=192.168.1.20
# The real server's MAC is none of the lab's: frames reach the sink as
# PACKET_OTHERHOST, and the generator namespace's IP stack drops them at
# once, the same way in every run.
rs_mac=02:00:00:cc:05:99
lb_mac0=02:00:00:cc:01:01 lb_mac1=02:00:00:cc:01:02
lb_pid="" gen_pid=""

stop_lb() { sluiced_stop "$lb_pid"; lb_pid=""; }
cleanup() {
  sluiced_stop "$gen_pid"  # sluice-bench, through timeout
  stop_lb
  netns_remove "${namespaces[@]}"
  rm -rf "$run" /var/run/dpdk/sbcpu-gen
}
trap cleanup EXIT
trap 'exit 130' INT TERM
netns_remove "${namespaces[@]}"

# --- the lab ------------------------------------------------------------------
#   sbcpu-gen: to-lb ---- sbcpu0 :sbcpu-lb: sbcpu1 ---- from-lb  (through a load balancer)
#              direct-tx ------------------------------ direct-rx  (no load balancer)
netns_create "${namespaces[@]}"
ip -n "$gen" link add to-lb address 02:00:00:cc:0c:01 type veth peer name sbcpu0 netns "$lb" address "$lb_mac0"
ip -n "$gen" link add from-lb address 02:00:00:cc:05:01 type veth peer name sbcpu1 netns "$lb" address "$lb_mac1"
ip -n "$gen" link add direct-tx address 02:00:00:cc:0d:01 type veth peer name direct-rx address 02:00:00:cc:0d:02
for pair in "$gen:to-lb" "$gen:from-lb" "$gen:direct-tx" "$gen:direct-rx" "$lb:sbcpu0" "$lb:sbcpu1"; do
  ns=${pair%%:*} ifname=${pair#*:}
  # Full checksums on the wire: a DPDK port sees what a NIC would.
  in_ns "$ns" ethtool -K "$ifname" tx off tso off gso off gro off >/dev/null 2>&1 || true
  in_ns "$ns" sysctl -qw "net.ipv4.conf.$ifname.rp_filter=0"
  # Frames a veth receives outside NAPI are processed on the load
  # balancer's core, not in the sender's system call on the generator's.
  in_ns "$ns" sh -c "for q in /sys/class/net/$ifname/queues/rx-*; do echo $lb_mask > \$q/rps_cpus; done"
  in_ns "$ns" ip link set "$ifname" up
done

# --- the load balancers ---------------------------------------------------------
start_direct() { :; }

start_sluiced() {
  cat > "$run/sluiced.conf" <<EOF
virtual_server $vip 80 {
    lb_algo rr
    lb_kind NAT
    protocol UDP
    real_server $rs 80 { }
}
dataplane {
    lcores $gen_cpu-$lb_cpu
    no_huge
    memory 512
    conn_table_size 65536
    port eth0 {
        device net_af_xdp0,iface=sbcpu0
        address 10.0.0.2/24
    }
    port eth1 {
        device net_af_xdp1,iface=sbcpu1
        address 192.168.1.2/24
    }
    neighbor $rs lladdr $rs_mac dev eth1
}
EOF
  SLUICED_START_S=20 sluiced_start lb_pid "$lb" "$run/sluiced.log" -f "$run/sluiced.conf" \
    --pidfile "$run/sluiced.pid" --api-socket "$run/api.sock" || {
    cp "$run/sluiced.log" "$out/sluiced-failed.log"
    die "sluiced did not start (see $out/sluiced-failed.log)"
  }
  # With an XDP program a veth receives in NAPI, scheduled on the sending
  # CPU: a thread instead, on the load balancer's core.
  local ifname pids pid
  for ifname in sbcpu0 sbcpu1; do
    in_ns "$lb" sh -c "echo 1 > /sys/class/net/$ifname/threaded" || die "$ifname: no threaded NAPI"
    pids=$(pgrep "^napi/$ifname-") || die "$ifname: no NAPI thread"
    for pid in $pids; do taskset -p -c "$lb_cpu" "$pid" >/dev/null; done
  done
  # What the kernel made of it (XDP mode, NAPI threads), for the record.
  { in_ns "$lb" ip -d link show; ps -o pid=,psr=,comm= -p "$(pgrep -d, '^napi/sbcpu')"; } > "$out/sluiced-ports.txt" 2>&1 || true
}

start_nftables() {
  in_ns "$lb" ip addr add 10.0.0.2/24 dev sbcpu0
  in_ns "$lb" ip addr add 192.168.1.2/24 dev sbcpu1
  in_ns "$lb" ip neigh replace "$rs" lladdr "$rs_mac" dev sbcpu1 nud permanent
  in_ns "$lb" sysctl -qw net.ipv4.ip_forward=1
  in_ns "$lb" nft -f - <<EOF
table ip sluice_cpu {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr $vip udp dport 80 dnat to $rs:80
  }
}
EOF
}

stop_nftables() {
  in_ns "$lb" nft flush ruleset
  in_ns "$lb" sysctl -qw net.ipv4.ip_forward=0
  in_ns "$lb" ip neigh flush dev sbcpu1
  in_ns "$lb" ip addr flush dev sbcpu0
  in_ns "$lb" ip addr flush dev sbcpu1
}
stop_direct() { :; }
stop_sluiced() { stop_lb; }

# --- one run ----------------------------------------------------------------
# /proc/stat's CPU lines, after the time they were read at.
sample() { { echo "time $EPOCHREALTIME"; grep '^cpu' /proc/stat; } > "$1"; }

# measure NAME WAY MPPS SECONDS: sluice-bench through WAY (direct or a load
# balancer) at MPPS (0: as fast as it can). With SECONDS, /proc/stat is
# read SECONDS apart, from one second into the measured phase, into
# NAME.stat0 and NAME.stat1; sluice-bench's summary goes to NAME.json.
measure() {
  local name=$1 way=$2 mpps=$3 seconds=$4 tx=to-lb rx=from-lb dst=$lb_mac0 _
  if [ "$way" = direct ]; then tx=direct-tx rx=direct-rx dst=$rs_mac; fi
  # ip netns exec execs timeout: $! is timeout, which passes TERM on.
  ip netns exec "$gen" timeout $(( seconds + 60 )) "$bench" -l "$gen_cpu" --no-huge -m 256 --no-pci --file-prefix sbcpu-gen \
    --log-level '*:error' --vdev "net_af_packet0,iface=$tx,framecnt=4096" --vdev "net_af_packet1,iface=$rx,framecnt=4096" \
    -- --tx-port 0 --rx-port 1 --dst-mac "$dst" --mode udp --flows "$flows" \
    --dst-ip "$vip" --dst-port 80 --src-ip 10.1.0.0-10.1.255.255 --src-port 1024-65535 \
    --size 64 --rate "$mpps" --warmup-rate 0.1 --duration $(( seconds + 3 )) --label "$name" --json \
    > "$out/$name.json" 2> "$out/$name.progress" &
  gen_pid=$!
  for _ in $(seq 300); do
    grep -qs 's  tx' "$out/$name.progress" && break
    kill -0 "$gen_pid" 2>/dev/null || break
    sleep 0.05
  done
  if grep -qs 's  tx' "$out/$name.progress"; then
    sample "$out/$name.stat0"
    sleep "$seconds"
    sample "$out/$name.stat1"
  fi
  if ! wait "$gen_pid"; then
    gen_pid=""
    say "$name: sluice-bench failed: $(tail -n 1 "$out/$name.progress")"
    return 1
  fi
  gen_pid=""
  tail -n 1 "$out/$name.progress" >&2
}

mpps_of() {  # mpps_of FILE FIELD
  /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["mpps"])' "$1" "$2"
}

say "results in $out"
{
  echo "# $(date -u +%FT%TZ) $(uname -r)"
  grep -m1 "model name" /proc/cpuinfo
  echo "cores: $(nproc), USER_HZ: $(getconf CLK_TCK)"
  echo "window: $window s, rounds: $rounds, flows: $flows, generator: net_af_packet on CPU $gen_cpu"
  echo "commit: $(git -C "$here" rev-parse --short HEAD 2>/dev/null)"
} > "$out/machine.txt"

# --- the generator's maximum into the direct sink ------------------------------
if [ -n "${SLUICE_CPU_MAX:-}" ]; then
  max=$SLUICE_CPU_MAX
  echo "$max (given)" > "$out/max_mpps"
else
  maxima=()
  for i in 1 2 3; do
    measure "max-$i" direct 0 3 || die "the generator does not reach its own sink"
    maxima+=("$(mpps_of "$out/max-$i.json" rx)")
  done
  max=$(printf '%s\n' "${maxima[@]}" | sort -g | sed -n 2p)
  echo "$max (median of ${maxima[*]})" > "$out/max_mpps"
fi
say "the generator's maximum into the direct sink: $(cat "$out/max_mpps") Mpps"
rates=$(awk -v m="$max" 'BEGIN { printf "%.4f %.4f %.4f", m * 0.1, m * 0.3, m * 0.6 }')

# --- the rounds -------------------------------------------------------------
for round in $(seq "$rounds"); do
  for rate in $rates; do
    for way in ${SLUICE_CPU_WAYS:-direct sluiced nftables}; do
      name="$way-$round-$rate"
      say "round $round: $way at $rate Mpps"
      "start_$way"
      measure "$name" "$way" "$rate" "$window" || true
      "stop_$way"
    done
  done
done

/usr/bin/python3 "$here/cpu_table.py" "$out" "$gen_cpu" | tee "$out/cpu.md"
