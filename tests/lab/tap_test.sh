#!/usr/bin/env bash
# sluiced in lb1 with eth1 standing in for a port DPDK owns fully (a
# net_af_xdp port whose XDP program, tests/lab/take_all.bpf.c, takes every
# frame, so lb1's kernel sees nothing on eth1) and an exception TAP for it
# (docs/exception-path.md): the TAP exists with the port's MAC address and
# the router's address; the TCP_CHECKs from lb1's kernel reach the real
# servers through it and take a stopped server out and back; a real server's
# ping to the router is answered by lb1's kernel; clients reach the service
# through the VIP (NAT); at stop the TAP is gone.
#
# Usage: tests/lab/tap_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab; every wait is bounded; sluiced and the lab
# are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

take_all=$build/tests/lab/take_all.bpf.o

preflight "$sluiced"
[ -f "$take_all" ] || { echo "FAIL: no $take_all (build first)"; exit 1; }

work=$(mktemp -d)
pidfile=/run/sluice/lab-tap-lb1.pid
sock=/run/sluice/sluice-lb1.sock
cleanup() {
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sed -e "s|@TAKE_ALL@|$take_all|" "$top/tests/lab/configs/tap.conf" >"$work/tap.conf"
"$lab" up nat >/dev/null
start_sluiced "$work/tap.conf"

echo "== eth1 is DPDK's alone; the kernel has the TAP"
expect "every frame of eth1 goes to sluice (take_all)" "take_all" xdp_prog eth1
expect "the TAP has the port's MAC address" "$(lab_addr lb1 MAC eth1)" mac_of lb1 sl-eth1
contains "and the router's address" "$LAB_LB1_ETH1_IP4/24" ip -n lb1 addr show dev sl-eth1
expect "no address on eth1 itself" "" bash -c "ip -n lb1 -br addr show dev eth1 | awk '{print \$3}'"

echo "== health checks from lb1's kernel, through the TAP"
for rs in "$LAB_RS1_IP4" "$LAB_RS2_IP4" "$LAB_RS3_IP4" "$LAB_RS4_IP4"; do
  check "TCP_CHECK of $rs is up" wait_check "$rs" UP 5
done
contains "lb1's kernel resolved the real servers on the TAP" "$LAB_RS1_IP4 dev sl-eth1 lladdr" ip -n lb1 neigh
before=$(kernel_echoes)
check "rs1 pings the router's internal address" ping_ok rs1 "$LAB_LB1_ETH1_IP4"
after=$(kernel_echoes)
expect "lb1's kernel answered (its Icmp OutEchoReps grew)" "True" bash -c "[ '$after' -gt '$before' ] && echo True"
expect "rr over the four real servers through the VIP (NAT)" "rs1:2 rs2:2 rs3:2 rs4:2" tally c1 "$LAB_VIP4" 8
"$lab" server stop rs2 >/dev/null
check "rs2 stopped: its check goes down within 3 s" wait_check "$LAB_RS2_IP4" DOWN 3
sleep 0.3
after=$(tally c1 "$LAB_VIP4" 6)
expect "no new connection reaches rs2" "True" bash -c "[[ '$after' != *rs2* && '$after' != *failed* ]] && echo True"
"$lab" server start rs2 >/dev/null
check "rs2 started: up again within 3 s" wait_check "$LAB_RS2_IP4" UP 3

echo "== at stop, the TAP is gone"
stop_sluiced
check "no sl-eth1 in lb1" bash -c "! ip -n lb1 link show dev sl-eth1 2>/dev/null"

echo "$((checks - failures)) of $checks checks passed"
[ "$failures" -eq 0 ]
