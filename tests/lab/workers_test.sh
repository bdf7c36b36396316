#!/usr/bin/env bash
# Two workers keep IPVS's semantics (docs/dataplane.md, "the affinity rule"):
# rr spreads, a persistent client stays on one real server, a fwmark's two
# ports meet one real server, clients of one persistence_granularity
# network meet one real server, a UDP port unreachable comes back through
# NAT, IPv6 and Direct Routing forward, 4,000-byte UDP datagrams sent as
# reordered IPv6 fragments come back whole from either worker, a reload
# keeps a long connection,
# and both workers carry connections (`sluicectl conns --json`). Then the
# idle policy: an idle sluiced uses under 5% of a CPU.
#
# Usage: tests/lab/workers_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced" "$sluicectl"

work=$(mktemp -d)
pidfile=/run/sluice/lab-test-lb1.pid
cleanup() {
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ctl() { in_ns lb1 timeout 20 "$sluicectl" "$@"; }
# Extra client addresses on c1, so that clients hash to both workers.
extra_clients=(10.0.0.151 10.0.0.152 10.0.0.153 10.0.0.154 10.0.0.155 10.0.0.156 10.0.0.157 10.0.0.158)
# Two of them hash to each worker (steering.h: clientOwner).
extra_clients6=(fd00:10::151 fd00:10::152 fd00:10::157 fd00:10::158)
# get_from SRC TARGET: one HTTP request from c1's address SRC.
get_from() { in_ns c1 curl -s -g --max-time 3 --interface "$1" "http://$2:$LAB_HTTP_PORT/"; }
# workers_used: the workers holding connections now, e.g. "0 1".
workers_used() {
  ctl conns --json | json_get '" ".join(sorted({str(c["worker"]) for c in d["connections"]}))'
}
# spread_over_clients TARGET N: N requests round the extra clients, tallied.
spread_over_clients() {
  local i
  for i in $(seq "$2"); do
    get_from "${extra_clients[$((i % ${#extra_clients[@]}))]}" "$1" || echo failed
    echo
  done | grep -v '^$' | sort | uniq -c | awk '{printf "%s%s:%s", sep, $2, $1; sep=" "} END {print ""}'
}
# at_least_share TALLY N MIN: every one of N servers got at least MIN.
at_least_share() {
  "$LAB_PYTHON" -c '
import sys
tally = dict(p.split(":") for p in sys.argv[1].split())
ok = len(tally) == int(sys.argv[2]) and all(int(v) >= int(sys.argv[3]) for k, v in tally.items())
print("yes" if ok and "failed" not in tally else "no: " + sys.argv[1])' "$1" "$2" "$3"
}
# udp_refused TARGET PORT: "refused" when the datagram's answer is an ICMP
# port unreachable (translated back through NAT to this client).
udp_refused() {
  in_ns c1 timeout 5 "$LAB_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.connect((sys.argv[1], int(sys.argv[2])))
for _ in range(3):
    try:
        s.send(b"anyone?")
        s.recv(100)
        print("answered"); sys.exit()
    except ConnectionRefusedError:
        print("refused"); sys.exit()
    except socket.timeout:
        pass
print("silence")' "$1" "$2"
}
# both_held_fragments: "yes" when each of the two workers held fragments.
both_held_fragments() {
  local held
  held=$(curl -s --max-time 5 --unix-socket /run/sluice/sluice-lb1.sock http://sluice/v1/stats |
    json_get "' '.join(str(w['fragments_held']) for w in d['workers'])")
  if [[ $held =~ ^[1-9][0-9]*\ [1-9][0-9]*$ ]]; then echo yes; else echo "no: $held"; fi
}
# cpu_percent PID SECONDS: the process's CPU use over SECONDS, in percent of one CPU.
cpu_percent() {
  local hz t0 t1
  hz=$(getconf CLK_TCK)
  t0=$(awk '{print $14 + $15}' "/proc/$1/stat")
  sleep "$2"
  t1=$(awk '{print $14 + $15}' "/proc/$1/stat")
  echo $(((t1 - t0) * 100 / hz / $2))
}

echo "== NAT with two workers (lcores 0@0,(1-2)@1)"
"$lab" up nat >/dev/null
for a in "${extra_clients[@]}"; do in_ns c1 ip addr add "$a/$LAB_PREFIX4" dev eth0; done
for a in "${extra_clients6[@]}"; do in_ns c1 ip addr add "$a/$LAB_PREFIX6" dev eth0 nodad; done
cp "$configs/workers.conf" "$work/live.conf"
start_sluiced "$work/live.conf"
contains "two workers run" '"workers":2' bash -c "$(declare -f ctl in_ns); sluicectl=$sluicectl; ctl status --json | tr -d ' '"
check "the log says how ports share packets between workers" grep -q "software steering on the client's address" "$work/sluiced.log"

rr=$(spread_over_clients "$LAB_VIP4" 60)
expect "rr: each of 4 real servers gets at least 20% of 60 connections ($rr)" "yes" at_least_share "$rr" 4 12
expect "IPv6 NAT: 4 requests over two real servers" "rs1:2 rs2:2" tally c2 "[$LAB_VIP6]" 4
expect "UDP echo answered" "ping" udp_echo c1 "$LAB_VIP4" ping
expect "a real server's UDP port unreachable reaches the client through NAT" "refused" udp_refused "$LAB_VIP4" 9

# IP fragments: each client's land on its worker (steered by its address),
# the first fragment last; the real server's kernel reassembles them and
# fragments its answer, which comes back through NAT to the client's.
# IPv6 only: for net_af_packet with qpairs=2 the kernel reassembles IPv4
# before sluice sees it (sluiced warns; xdp_test.sh sends IPv4 fragments).
for a in "${extra_clients6[@]}"; do
  expect "a 4000-byte UDP datagram from $a in reordered fragments comes back whole" "whole" \
    in_ns c1 timeout 10 "$LAB_PYTHON" "$top/tests/lab/fragmented_echo.py" "$a" "$LAB_VIP6" "$LAB_ECHO_PORT" 4000
done
expect "both workers held fragments for their first one" "yes" both_held_fragments
persistent=$(for _ in $(seq 30); do http_get c1 10.0.0.10; echo; done | sort -u | grep -c '^rs' || true)
expect "persistence: 30 connections from c1 reach one real server" "1" echo "$persistent"
web=$(get_from "${extra_clients[0]}" 10.0.0.11)
echoed=$(in_ns c1 timeout 5 socat -t2 - "TCP:10.0.0.11:$LAB_ECHO_PORT,bind=${extra_clients[0]}" <<<"x" || true)
expect "fwmark 80+7: HTTP and echo of one client answered" "yes" bash -c "[[ '$web' == rs? && '$echoed' == x ]] && echo yes"
fw=$(ctl list --stats --json | json_get '" ".join(str(r["conns"]) for s in d["services"] if s.get("fwmark")==5 for r in s["real_servers"] if r["conns"])')
expect "fwmark + persistence: both ports on one real server" "2" echo "$fw"
expect "both workers carried connections" "0 1" workers_used

echo "== a reload with two workers keeps a long connection"
http_get c2 "$LAB_VIP4" "/slow?s=2" >"$work/slow.out" 2>&1 &
slow=$!
sleep 0.5
sed -i 's/real_server 192.168.1.23 80$/real_server 192.168.1.23 80 { weight 2 }/' "$work/live.conf"
kill -HUP "$sluiced_pid"
wait "$slow" || true
contains "the long request finished across the reload" "rs" cat "$work/slow.out"
check "the reload was applied" grep -q "reloaded" "$work/sluiced.log"

echo "== the idle policy"
sleep 1
idle=$(cpu_percent "$sluiced_pid" 10)
expect "idle for 10 s, sluiced uses under 5% of a CPU ($idle%)" "yes" bash -c "[ $idle -lt 5 ] && echo yes"
stop_sluiced

echo "== persistence_granularity 255.255.255.0: one /24, one real server"
sed 's/persistence_timeout 60$/persistence_timeout 60\n    persistence_granularity 255.255.255.0/' \
  "$configs/workers.conf" >"$work/granular.conf"
start_sluiced "$work/granular.conf"
servers=$( (for _ in $(seq 6); do http_get c1 10.0.0.10; echo; http_get c2 10.0.0.10; echo; done) | sort -u | grep -c '^rs' || true)
expect "c1 and c2 (one /24) reach one real server" "1" echo "$servers"
stop_sluiced

echo "== Direct Routing with two workers"
"$lab" up dr >/dev/null
for a in "${extra_clients[@]}"; do in_ns c1 ip addr add "$a/$LAB_PREFIX4" dev eth0; done
sed -e 's/lcores 0-1/lcores 0@0,(1-2)@1/' -e 's/iface=eth\([01]\)$/iface=eth\1,qpairs=2\n        queues 2/' "$configs/dr.conf" >"$work/dr.conf"
start_sluiced "$work/dr.conf"
rr=$(spread_over_clients "$LAB_VIP4" 40)
expect "DR rr: each of 4 real servers gets at least 20% of 40 connections ($rr)" "yes" at_least_share "$rr" 4 8
stop_sluiced

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
