#!/usr/bin/env bash
# sluiced under systemd's contract (sluiced.service, docs/packaging.md),
# without systemd: NOTIFY_SOCKET names a datagram socket this test reads.
#
#   - READY=1 arrives once, and when it does the API socket answers (the
#     listener asks /v1/status at once); SIGHUP brings RELOADING=1 then
#     READY=1; SIGTERM STOPPING=1
#   - a configuration with an error, and a start that fails after the data
#     plane came up (an API socket that cannot be bound), send nothing
#   - under setpriv with only the unit's capability bounding set, sluiced
#     starts, its effective set is that set, and it forwards requests
#
# Usage: tests/lab/notify_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"

work=$(mktemp -d)
pidfile=/run/sluice/lab-notify-lb1.pid
sock=/run/sluice/sluice-lb1.sock
listener=
cleanup() {
  stop_sluiced
  [ -z "$listener" ] || kill "$listener" 2>/dev/null || true
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The unit's CapabilityBoundingSet, read from it.
unit=$top/packaging/sluice/sluiced.service
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")

# listen NAME: records each datagram to $work/NAME.sock in $work/NAME.log,
# one line each ('\n' as '|'), with " api=yes" when /v1/status answered
# at once (asked from lb1, where the socket is).
listen() {
  rm -f "$work/$1.sock" "$work/$1.log"
  "$LAB_PYTHON" - "$work/$1.sock" "$work/$1.log" "$sock" <<'PY' &
import socket, subprocess, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    d = s.recv(4096).decode()
    api = subprocess.run(["ip", "netns", "exec", "lb1", "curl", "-sf", "--max-time", "2", "--unix-socket",
                          sys.argv[3], "http://sluice/v1/status"], capture_output=True).returncode == 0
    with open(sys.argv[2], "a") as f:
        f.write(d.replace("\n", "|") + (" api=yes" if api else " api=no") + "\n")
PY
  listener=$!
  for _ in $(seq 20); do [ -S "$work/$1.sock" ] && return; sleep 0.1; done
}
# got NAME: what the listener recorded, the datagrams' first words.
got() { cut -d'|' -f1 "$work/$1.log" 2>/dev/null | awk '{ print $1 }' | paste -sd' '; }
# wait_got NAME WANT: until the datagrams so far are WANT (at most 5 s).
wait_got() {
  for _ in $(seq 50); do [ "$(got "$1")" = "$2" ] && return 0; sleep 0.1; done
  echo "     datagrams: '$(got "$1")', want '$2'"
  return 1
}
stop_listener() { kill "$listener" 2>/dev/null || true; wait "$listener" 2>/dev/null || true; listener=; }

"$lab" up nat >/dev/null

echo "== READY=1 once the data plane is up"
listen ok
export NOTIFY_SOCKET=$work/ok.sock
start_sluiced "$configs/nat.conf"
check "READY=1 arrives" wait_got ok READY=1
expect "the API socket answered when it did" "READY=1 api=yes" head -n 1 "$work/ok.log"
sleep 0.5
expect "READY=1 once" "READY=1" got ok
kill -HUP "$sluiced_pid"
check "SIGHUP: RELOADING=1, then READY=1" wait_got ok "READY=1 RELOADING=1 READY=1"
contains "RELOADING=1 carries MONOTONIC_USEC" "RELOADING=1|MONOTONIC_USEC=" cat "$work/ok.log"
stop_sluiced
check "SIGTERM: STOPPING=1" wait_got ok "READY=1 RELOADING=1 READY=1 STOPPING=1"
stop_listener

echo "== a failed start sends nothing"
listen broken
export NOTIFY_SOCKET=$work/broken.sock
printf 'virtual_server 10.0.0.1 80 {\n    lb_algo nonsense\n' >"$work/broken.conf"
expect "sluiced refuses a broken configuration (exit 1)" 1 bash -c "timeout 10 '$sluiced' -f '$work/broken.conf' --pidfile '$pidfile' >/dev/null 2>&1; echo \$?"
echo "not a directory" >"$work/file"
expect "an API socket that cannot be bound stops the start (exit 1)" 1 bash -c \
  "timeout 15 ip netns exec lb1 '$sluiced' -f '$configs/nat.conf' --pidfile '$pidfile' --api-socket '$work/file/sluice.sock' >'$work/fail.log' 2>&1; echo \$?"
sleep 0.3
expect "no datagram from either" "" got broken
stop_listener
unset NOTIFY_SOCKET

echo "== only the unit's capabilities ($caps)"
bounding=-all
for c in $caps; do bounding+=",+$(tr '[:upper:]' '[:lower:]' <<<"${c#CAP_}")"; done
printf '#!/bin/sh\nexec setpriv --bounding-set %s -- "%s" "$@"\n' "$bounding" "$sluiced" >"$work/sluiced-capped"
chmod 755 "$work/sluiced-capped"
SLUICED=$work/sluiced-capped start_sluiced "$configs/nat.conf"
capsh_of() { grep "^$2:" "/proc/$1/status" | awk '{ print $2 }'; }
want=$(setpriv --bounding-set "$bounding" -- grep '^CapBnd:' /proc/self/status | awk '{ print $2 }')
expect "its effective set is the unit's" "$want" capsh_of "$sluiced_pid" CapEff
expect "rr over the four real servers through the VIP" "rs1:1 rs2:1 rs3:1 rs4:1" tally c1 "$LAB_VIP4" 4
stop_sluiced

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
