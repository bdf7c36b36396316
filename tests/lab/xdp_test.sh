#!/usr/bin/env bash
# sluiced on net_af_xdp ports in lb1 (docs/exception-path.md): its XDP
# steering program is attached to both interfaces; clients reach the
# services through the VIPs (NAT: HTTP over IPv4 and IPv6, UDP echo, and
# 4,000-byte datagrams in reordered IPv4 and IPv6 fragments); the router's
# own traffic still reaches lb1's kernel — a ping and a TCP connection to
# its address, and its TCP_CHECKs of the real servers, which mark a stopped
# server down and take it out of the service; sluice resolves the real
# servers with anonymous ARP requests whose replies the program steers to
# it; and at stop the program and the router's addresses are gone.
#
# Usage: tests/lab/xdp_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab; every wait is bounded; sluiced and the lab
# are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"
[ -f "$build/dataplane/xdp/sluice_steer.bpf.o" ] || { echo "FAIL: no XDP steering program (build first)"; exit 1; }

work=$(mktemp -d)
pidfile=/run/sluice/lab-xdp-lb1.pid
sock=/run/sluice/sluice-lb1.sock
arp_pid=
cleanup() {
  [ -z "$arp_pid" ] || kill "$arp_pid" 2>/dev/null || true
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$lab" up nat >/dev/null
# rs4 never asks the router for its gateway's address before it is resolved:
# a reply to 0.0.0.0 from it is an answer to sluice's anonymous request.
in_ns rs4 timeout 15 tcpdump -l -n -c 1 -i eth0 'arp[6:2] = 2 and arp[24:4] = 0' >"$work/arp.txt" 2>/dev/null &
arp_pid=$!
sleep 0.5
start_sluiced "$top/tests/lab/configs/xdp.conf"

echo "== the XDP steering program"
expect "sluice_steer is attached to lb1's eth0" "sluice_steer" xdp_prog eth0
expect "and to eth1" "sluice_steer" xdp_prog eth1
contains "in the driver's (native) mode on the veth" "xdp " ip -n lb1 -d link show dev eth0
contains "the router's address is on the kernel interface" "$LAB_LB1_ETH1_IP4/24" ip -n lb1 addr show dev eth1

echo "== load-balanced traffic goes to sluice"
expect "rr over the four real servers through the VIP (NAT)" "rs1:2 rs2:2 rs3:2 rs4:2" tally c1 "$LAB_VIP4" 8
expect "IPv6 VIP (sluice answers ND for it and its own IPv6 addresses)" "rs1:1 rs2:1" tally c1 "[$LAB_VIP6]" 2
expect "UDP echo through the VIP" "xdp-udp" udp_echo c2 "$LAB_VIP4" xdp-udp
# IP fragments, the first one last; the real server's answer in fragments
# too, which the program sends to sluice by the server's address alone.
for pair in "$LAB_C2_IP4 $LAB_VIP4" "$LAB_C2_IP6 $LAB_VIP6"; do
  read -r from to <<<"$pair"
  expect "a 4000-byte UDP datagram to $to in reordered fragments comes back whole" "whole" \
    in_ns c2 timeout 10 "$LAB_PYTHON" "$top/tests/lab/fragmented_echo.py" "$from" "$to" "$LAB_ECHO_PORT" 4000
done
wait "$arp_pid" 2>/dev/null || true
arp_pid=
contains "sluice resolved rs4 anonymously and the XDP program gave it the reply" "$LAB_RS4_IP4 is-at" \
  cat "$work/arp.txt"

echo "== the router's own traffic reaches lb1's kernel"
before=$(kernel_echoes)
check "c1 pings the router's address" ping_ok c1 "$LAB_LB1_ETH0_IP4"
check "rs1 pings the router's internal address" ping_ok rs1 "$LAB_LB1_ETH1_IP4"
after=$(kernel_echoes)
expect "lb1's kernel answered them (its Icmp OutEchoReps grew)" "True" \
  bash -c "[ '$after' -ge $((before + 2)) ] && echo True"
in_ns lb1 timeout 20 socat -T5 TCP-LISTEN:2222,bind="$LAB_LB1_ETH0_IP4",reuseaddr SYSTEM:'echo router-shell' \
  >/dev/null 2>&1 &
sleep 0.3
expect "a TCP connection to the router's address reaches lb1's kernel" "router-shell" \
  in_ns c1 timeout 5 socat -T3 - "TCP:$LAB_LB1_ETH0_IP4:2222"

echo "== health checks from lb1's kernel"
for rs in "$LAB_RS1_IP4" "$LAB_RS2_IP4" "$LAB_RS3_IP4" "$LAB_RS4_IP4"; do
  check "TCP_CHECK of $rs is up" wait_check "$rs" UP 5
done
"$lab" server stop rs2 >/dev/null
check "rs2 stopped: its check goes down within 3 s" wait_check "$LAB_RS2_IP4" DOWN 3
sleep 0.3
after=$(tally c1 "$LAB_VIP4" 6)
expect "no new connection reaches rs2" "True" bash -c "[[ '$after' != *rs2* && '$after' != *failed* ]] && echo True"
"$lab" server start rs2 >/dev/null
check "rs2 started: up again within 3 s" wait_check "$LAB_RS2_IP4" UP 3
contains "and it gets new connections again" "rs2:" tally c1 "$LAB_VIP4" 4

echo "== at stop, everything is removed"
stop_sluiced
expect "no XDP program on eth0" "" xdp_prog eth0
expect "none on eth1" "" xdp_prog eth1
expect "no address left on lb1's eth1" "" bash -c "ip -n lb1 -br addr show dev eth1 | awk '{print \$3}'"

echo "$((checks - failures)) of $checks checks passed"
[ "$failures" -eq 0 ]
