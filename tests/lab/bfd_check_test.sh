#!/usr/bin/env bash
# BFD_CHECK against FRR's bfdd: bfdd runs in rs1 (its own config, pid and
# vty socket under the test's scratch directory; not the frr service) as
# the peer of the bfd_instance rs1. The session comes Up and rs1 is up; the
# peer shut down (AdminDown) takes rs1 down at once and back up when
# enabled; bfdd killed (silent) takes it down within the detection time
# (3 x 100 ms) and restarted brings it back. rs2 (alpha, no peer) stays
# down; rs3 (no peer) goes down when its startup grace (2 x 1 s) ends.
# keepalived's log lines of the session and of the check are checked too.
#
# Usage: tests/lab/bfd_check_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab; every wait is bounded; sluiced, bfdd and
# the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"
bfdd=/usr/lib/frr/bfdd
if [ ! -x "$bfdd" ] || ! command -v vtysh >/dev/null; then
  echo "SKIP: FRR's bfdd and vtysh are needed (package frr)"
  exit 77
fi

work=$(mktemp -d)
chmod 755 "$work"
pidfile=/run/sluice/lab-bfd-lb1.pid
sock=/run/sluice/sluice-lb1.sock
frr="$work/frr"
cleanup() {
  stop_bfdd
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bfdd drops to the frr user: its directory must be writable by it.
mkdir -m 777 "$frr"
cat >"$frr/bfdd.conf" <<CONF
bfd
 peer $LAB_LB1_ETH1_IP4 local-address $LAB_RS1_IP4
  receive-interval 100
  transmit-interval 100
  detect-multiplier 3
 !
!
CONF
chmod 644 "$frr/bfdd.conf"
bfdd_pid=
start_bfdd() {
  in_ns rs1 timeout 120 "$bfdd" -f "$frr/bfdd.conf" -i "$frr/bfdd.pid" --vty_socket "$frr" \
    --bfdctl "$frr/bfdd.sock" -z "$frr/zserv.api" -u frr -g frr --log "file:$frr/bfdd.log" >/dev/null 2>&1 &
  bfdd_pid=$!
}
# SIGKILL: the peer falls silent, as a crashed host would. By its pid file
# (the job's pid is the wrapper's), then the wrapper.
stop_bfdd() {
  [ -z "$bfdd_pid" ] && return 0
  local pid
  pid=$(cat "$frr/bfdd.pid" 2>/dev/null || true)
  [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
  kill "$bfdd_pid" 2>/dev/null || true
  wait "$bfdd_pid" 2>/dev/null || true
  rm -f "$frr/bfdd.pid"
  bfdd_pid=
}
peer() { vtysh --vty_socket "$frr" -d bfdd -c 'configure terminal' -c bfd -c "peer $LAB_LB1_ETH1_IP4 local-address $LAB_RS1_IP4" -c "$1" >/dev/null; }

# state SERVER: the state of the check of SERVER (UP, DOWN).
state() { checker_of "$sock" state tcp-10.0.0.1-80 "$1-80"; }
# wait_state SERVER STATE SECONDS: polls until the state is reached.
wait_state() { wait_checker "$sock" tcp-10.0.0.1-80 "$1-80" "$2" "$3" 0.1; }
# timed_state SERVER STATE MILLISECONDS: like wait_state, to the 100 ms.
timed_state() {
  local i
  for i in $(seq $(($3 / 100))); do [ "$(state "$1")" = "$2" ] && return 0; sleep 0.1; done
  return 1
}
# wait_log_line TEXT: polls (2 s at most) until sluiced has logged TEXT.
wait_log_line() {
  local i
  for i in $(seq 20); do grep -qF -- "$1" "$work/sluiced.log" && return 0; sleep 0.1; done
  return 1
}

"$lab" up nat >/dev/null
start_bfdd
start_sluiced "$configs/bfd.conf"

echo "== the session comes Up"
check "rs1 is up with bfdd as its peer" wait_state "$LAB_RS1_IP4" UP 5
check "the session is logged Up" wait_log_line "(rs1) Entering Up state"
check "rs2 (alpha, no peer) is down" wait_state "$LAB_RS2_IP4" DOWN 1
check "rs3 (no peer) goes down after its startup grace" wait_state "$LAB_RS3_IP4" DOWN 4
check "and says so in keepalived's words" wait_log_line "BFD check of [rs3] RS([$LAB_RS3_IP4]:tcp:80) is DOWN"
expect "bfdd sees the session up" "up" bash -c \
  "vtysh --vty_socket '$frr' -d bfdd -c 'show bfd peers' | sed -n 's/^[[:space:]]*Status: //p' | head -1"

echo "== the peer goes AdminDown"
peer shutdown
check "rs1 goes down at once" timed_state "$LAB_RS1_IP4" DOWN 1000
# The peer's own diagnostic is its choice (bfdd keeps its last one).
check "the session's line says the neighbour signalled it" wait_log_line \
  "(rs1) Entering Down state (Local diagnostic - Neighbor Signaled Session Down, Remote diagnostic - "
check "the check's line" wait_log_line "BFD check of [rs1] RS([$LAB_RS1_IP4]:tcp:80) is DOWN"
peer "no shutdown"
check "rs1 is back when the peer is enabled" wait_state "$LAB_RS1_IP4" UP 5
check "the check's line" wait_log_line "BFD check of [rs1] RS([$LAB_RS1_IP4]:tcp:80) is UP"

echo "== the peer falls silent"
stop_bfdd
check "rs1 goes down within the detection time (300 ms; 1 s allowed)" timed_state "$LAB_RS1_IP4" DOWN 1000
check "the session's line says it expired" wait_log_line "(rs1) Expired after"
start_bfdd
check "rs1 comes back when bfdd is back" wait_state "$LAB_RS1_IP4" UP 8

stop_sluiced
echo "sluiced's BFD lines:"
grep -E '\((rs[0-9])\) |BFD check of' "$work/sluiced.log" | sed 's/^/    /' || true
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
