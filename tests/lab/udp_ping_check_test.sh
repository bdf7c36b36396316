#!/usr/bin/env bash
# UDP_CHECK and PING_CHECK against the lab's real servers, in one sluiced
# run: a UDP reply that does not match require_reply, a closed UDP port and
# ICMP echo ignored each mark their server down, and it leaves the service
# (no new HTTP client reaches it) until it is fixed.
#
# Usage: tests/lab/udp_ping_check_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab; every wait is bounded; sluiced, the UDP
# responders and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"

work=$(mktemp -d)
pidfile=/run/sluice/lab-udp-ping-lb1.pid
sock=/run/sluice/sluice-lb1.sock
rs1_pid=
rs2_pid=
cleanup() {
  local p
  for p in $rs1_pid $rs2_pid; do kill "$p" 2>/dev/null || true; done
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# responder NS PORT FILE: a UDP server in NS answering each datagram with
# FILE's content (read anew each time); its pid in $responder_pid once bound.
responder() {
  rm -f "$work/ready-$2"
  # ip netns exec execs timeout: $! is the pid that kill stops (timeout passes the signal on).
  ip netns exec "$1" timeout 120 "$LAB_PYTHON" -c '
import pathlib, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
pathlib.Path(sys.argv[3]).touch()
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(pathlib.Path(sys.argv[2]).read_bytes(), peer)
' "$2" "$3" "$work/ready-$2" &
  responder_pid=$!
  local _
  for _ in $(seq 50); do [ -e "$work/ready-$2" ] && return 0; sleep 0.1; done
  return 1
}

# state SERVICE SERVER: the state of the check of SERVER (UP, DOWN).
state() { checker_of "$sock" state "$1" "$2"; }
error_of() { checker_of "$sock" last_error "$1" "$2"; }
# wait_state SERVER STATE SECONDS (the IPv4 service): polls until reached.
wait_state() { wait_checker "$sock" tcp-10.0.0.1-80 "$1-80" "$2" "$3"; }

"$lab" up nat >/dev/null
printf 'no' >"$work/reply1"
printf 'anything' >"$work/reply2"
responder rs1 5301 "$work/reply1"
rs1_pid=$responder_pid
responder rs2 5302 "$work/reply2"
rs2_pid=$responder_pid
start_sluiced "$configs/udp_ping.conf"

echo "== checks as configured"
check "UDP_CHECK: a reply not matching require_reply is down" wait_state 192.168.1.20 DOWN 4
contains "its last error says the reply did not match" "mismatch" error_of tcp-10.0.0.1-80 192.168.1.20-80
check "UDP_CHECK: an answering port is up" wait_state 192.168.1.21 UP 4
check "PING_CHECK: an answering server is up" wait_state 192.168.1.22 UP 4
check "UDP_CHECK: the lab's echo matches require_reply (with x nibbles)" wait_state 192.168.1.23 UP 4
expect "rr over the three that are up, none to rs1" "rs2:2 rs3:2 rs4:2" tally c1 "$LAB_VIP4" 6

echo "== faults"
printf 'ok, fixed' >"$work/reply1"
kill "$rs2_pid"
wait "$rs2_pid" 2>/dev/null || true
rs2_pid=
in_ns rs3 sysctl -qw net.ipv4.icmp_echo_ignore_all=1
check "rs1's reply now matches: up" wait_state 192.168.1.20 UP 4
check "UDP_CHECK: a closed port (ICMP port unreachable) is down" wait_state 192.168.1.21 DOWN 4
contains "its last error says so" "Connection refused" error_of tcp-10.0.0.1-80 192.168.1.21-80
check "PING_CHECK: echo ignored is down" wait_state 192.168.1.22 DOWN 4
expect "no new client reaches rs2 or rs3" "rs1:3 rs4:3" tally c1 "$LAB_VIP4" 6
contains "keepalived's line for the UDP check" "UDP_CHECK on service [192.168.1.21]:tcp:80 failed." \
  cat "$work/sluiced.log"
contains "keepalived's line for the ICMP check" "ICMP CHECK on service [192.168.1.22]:tcp:80 failed." \
  cat "$work/sluiced.log"

echo "== fixed"
responder rs2 5302 "$work/reply2"
rs2_pid=$responder_pid
in_ns rs3 sysctl -qw net.ipv4.icmp_echo_ignore_all=0
check "rs2's port open again: up" wait_state 192.168.1.21 UP 4
check "rs3 answers pings again: up" wait_state 192.168.1.22 UP 4
expect "all four get clients again" "rs1:2 rs2:2 rs3:2 rs4:2" tally c1 "$LAB_VIP4" 8
contains "keepalived's lines for their return" "UDP connection to [192.168.1.21]:tcp:80 success." \
  cat "$work/sluiced.log"
contains "keepalived's lines for their return" "ICMP connection to [192.168.1.22]:tcp:80 success." \
  cat "$work/sluiced.log"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
