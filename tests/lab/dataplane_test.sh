#!/usr/bin/env bash
# sluiced forwarding real traffic in the lab: NAT (TCP round robin, UDP
# weighted, IPv6, persistence, a fwmark over two ports), Direct Routing,
# ARP/ND and pings for its addresses, drops of stray segments, counters,
# the second-start error and a clean stop on SIGTERM.
#
# Usage: tests/lab/dataplane_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab namespaces; every client call and wait is
# bounded, and sluiced and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"

work=$(mktemp -d)
pidfile=/run/sluice/lab-test-lb1.pid
stats=/run/sluice/lab-test-lb1.stats.json
cleanup() {
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== NAT"
"$lab" up nat >/dev/null
cp "$configs/nat.conf" "$work/live.conf"
start_sluiced "$work/live.conf"

check "ping the router's address 10.0.0.2" ping_ok c1 "$LAB_LB1_ETH0_IP4"
check "ping the VIP" ping_ok c1 "$LAB_VIP4"
check "ping the router's IPv6 address" ping_ok c1 "$LAB_LB1_ETH0_IP6"
expect "rr: 40 requests, 10 per real server" "rs1:10 rs2:10 rs3:10 rs4:10" tally c1 "$LAB_VIP4" 40
expect "IPv6 NAT: 4 requests over two real servers" "rs1:2 rs2:2" tally c2 "[$LAB_VIP6]" 4
expect "no service on 10.0.0.1 7/tcp: no answer" "" tcp_echo c1 "$LAB_VIP4" hello
for i in $(seq 8); do udp_echo c1 "$LAB_VIP4" "datagram $i" >/dev/null || true; done
udp_split=$(counters | json_get '" ".join(r["address"] + "=" + str(r["conns"]) for s in d["services"] if s.get("port")==7 for r in sorted(s["real_servers"], key=lambda r: r["address"]))')
expect "wrr 3:1 over 8 UDP flows" "192.168.1.20=6 192.168.1.21=2" echo "$udp_split"
expect "persistence: 6 requests from c1 reach one real server" "1" \
  bash -c "$(declare -f http_get in_ns); for i in 1 2 3 4 5 6; do http_get c1 10.0.0.10; echo; done | sort -u | grep -c rs"
web=$(http_get c2 10.0.0.11)
expect "fwmark: HTTP from c2 answered" "1" bash -c "echo '$web' | grep -c '^rs[1-4]$'"
expect "fwmark: TCP echo from c2 answered" "ping" tcp_echo c2 10.0.0.11 ping
fw=$(counters | json_get '" ".join(str(r["conns"]) for s in d["services"] if s.get("fwmark")==5 for r in s["real_servers"] if r["conns"])')
expect "fwmark + persistence: both ports on the same real server" "2" echo "$fw"

before=$(counters | json_get 'd["drops"].get("no_connection", 0)')
in_ns c1 timeout 10 "$LAB_PYTHON" -c '
from scapy.all import IP, TCP, send
send(IP(dst="10.0.0.1")/TCP(sport=40000, dport=80, flags="A", seq=1, ack=1), count=3, verbose=0)
'
sleep 0.3
after=$(counters | json_get 'd["drops"].get("no_connection", 0)')
expect "a stray ACK to the VIP is dropped and counted, not scheduled" "3" echo $((after - before))
expect "the SYN to 7/tcp was dropped as no_service" "True" json_get 'd["drops"].get("no_service", 0) >= 1' <<<"$(counters)"
c=$(counters)
expect "service counters: 40+ connections on 10.0.0.1:80" "True" \
  json_get '[s for s in d["services"] if s.get("port")==80 and s.get("address")=="10.0.0.1"][0]["conns"] >= 40' <<<"$c"
expect "real server counters: packets both ways" "True" \
  json_get 'all(r["inpkts"] > 0 and r["outpkts"] > 0 for r in [s for s in d["services"] if s.get("port")==80 and s.get("address")=="10.0.0.1"][0]["real_servers"])' <<<"$c"
expect "ARP answered by the control plane" "True" json_get 'd["control"]["arp_answered"] > 0' <<<"$c"
expect "IPv6 neighbour discovery answered" "True" json_get 'd["control"]["nd_answered"] > 0' <<<"$c"

# A long request keeps going while a reload changes weights and adds a
# real server; new connections follow the new configuration.
# 2 s: inside http_get's 3 s bound.
http_get c2 "$LAB_VIP4" "/slow?s=2" >"$work/slow.out" 2>&1 &
slow_pid=$!
sleep 1
cp "$configs/nat-reload.conf" "$work/live.conf"
kill -HUP "$sluiced_pid"
for _ in $(seq 30); do grep -q "reloaded" "$work/sluiced.log" && break; sleep 0.1; done
contains "SIGHUP reloads the configuration" "reloaded" cat "$work/sluiced.log"
wait "$slow_pid" || true
expect "the long request finished across the reload" "1" bash -c "grep -c '^rs[1-4]' '$work/slow.out'"
expect "after reload: wrr 3:1:0:0 over 8 requests" "rs1:6 rs2:2" tally c1 "$LAB_VIP4" 8
contains "after reload: the added IPv6 real server gets connections" "rs3:" tally c2 "[$LAB_VIP6]" 3
printf 'virtual_server 10.0.0.1 80 {\n  lb_algo nosuch\n' >"$work/live.conf"
kill -HUP "$sluiced_pid"
for _ in $(seq 30); do grep -q "refused" "$work/sluiced.log" && break; sleep 0.1; done
contains "a broken file is refused on reload" "reload of $work/live.conf refused" cat "$work/sluiced.log"
expect "the running configuration is kept" "rs1:6 rs2:2" tally c1 "$LAB_VIP4" 8

second=$(in_ns lb1 timeout 10 "$sluiced" -f "$configs/nat.conf" --pidfile "$pidfile" 2>&1; echo "exit $?")
contains "a second start is refused" "another sluiced is running" echo "$second"
contains "a second start exits 1" "exit 1" echo "$second"
check "the first sluiced still forwards" http_get c1 "$LAB_VIP4"

kill -TERM "$sluiced_pid"
stopped=no
for _ in $(seq 50); do kill -0 "$sluiced_pid" 2>/dev/null || { stopped=yes; break; }; sleep 0.1; done
expect "SIGTERM stops sluiced within 5 s" "yes" echo "$stopped"
wait "$sluiced_pid" && rc=0 || rc=$?
sluiced_pid=
expect "sluiced exits 0 on SIGTERM" "0" echo "$rc"
expect "the pid file is emptied" "0" stat -c %s "$pidfile"

echo "== DR"
"$lab" up dr >/dev/null
start_sluiced "$configs/dr.conf"
expect "DR rr: 8 requests, 2 per real server" "rs1:2 rs2:2 rs3:2 rs4:2" tally c1 "$LAB_VIP4" 8
c=$(counters)
expect "DR: replies bypass the router (no outpkts)" "True" \
  json_get 'all(r["outpkts"] == 0 and r["inpkts"] > 0 for r in d["services"][0]["real_servers"])' <<<"$c"
stop_sluiced

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
