#!/usr/bin/env bash
# sluicectl top on a real terminal (a tmux pane) against sluiced in the NAT
# lab with traffic flowing: the service and its real servers listed, values
# that move between two screens, keys that switch the view and the sort, q
# and SIGTERM that leave the terminal as they found it, and a window made
# larger redrawn at once (SIGWINCH); --once as plain text, over the Unix
# socket and over the API's TLS listener.
#
# Usage: tests/lab/top_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab namespaces; every wait is bounded; the tmux
# server (a private socket), the clients, sluiced and the lab are stopped
# whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"
preflight "$sluiced" "$sluicectl"
command -v tmux >/dev/null || { echo "FAIL: tmux is not installed (scripts/setup installs it)"; exit 1; }

work=$(mktemp -d)
chmod 755 "$work"
pidfile=/run/sluice/lab-top-lb1.pid
tmx=(tmux -L "sluice-top-$$" -f /dev/null)
cleanup() {
  "${tmx[@]}" kill-server 2>/dev/null || true
  jobs -p | xargs -r kill 2>/dev/null || true
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The API's TLS listener too, for top over --connect.
tls_api 9443
{
  cat "$configs/nat.conf"
  tls_api_block
} >"$work/live.conf"

"$lab" up nat >/dev/null
start_sluiced "$work/live.conf"

# Traffic for the rest of the test, in bursts of 1-4 requests so that
# rates vary, and a datagram to a port of the VIP no service has (a drop,
# no_service); at most 200 bursts (about 60 s).
(
  for i in $(seq 200); do
    for _ in $(seq $((i % 4 + 1))); do http_get c1 "$LAB_VIP4" >/dev/null 2>&1 || true; done
    in_ns c1 bash -c "echo drop >/dev/udp/$LAB_VIP4/9" 2>/dev/null || true
    sleep 0.2
  done
) &

once=$(in_ns lb1 timeout 10 "$sluicectl" top --once 2>&1 || true)
contains "--once: the service" "TCP  10.0.0.1:80" echo "$once"
contains "--once: a real server under it" "  -> 192.168.1.23:80" echo "$once"
contains "--once: the VRRP summary" "VRRP 3 MASTER" echo "$once"
tls=$(in_ns lb1 timeout 10 "$sluicectl" top --once --connect "$api_url" \
  --cacert "$certs/ca.crt" --token-file "$work/token" 2>&1 || true)
contains "--once over TLS (--connect): the service" "TCP  10.0.0.1:80" echo "$tls"
check "--once: plain text, no escape sequences" test "$(grep -c $'\x1b' <<<"$once")" = 0

# session NAME COLUMNS ROWS TOP_ARGS...: sluicectl top in a pane of its own
# that stays (remain-on-exit) when top ends; the shell around it records
# the terminal's settings before and after, and top's exit status.
session() {
  local name=$1 cols=$2 rows=$3
  shift 3
  cat >"$work/$name.sh" <<EOF
stty -g >"$work/$name.before"
ip netns exec lb1 $sluicectl top $*
echo \$? >"$work/$name.rc"
stty -g >"$work/$name.after"
EOF
  "${tmx[@]}" new-session -d -s "$name" -x "$cols" -y "$rows" "bash $work/$name.sh"
  "${tmx[@]}" set-option -t "$name" remain-on-exit on >/dev/null
}
screen() { "${tmx[@]}" capture-pane -p -t "$1"; }
pane() { "${tmx[@]}" display-message -p -t "$1" "$2"; }
# wait_screen NAME TEXT: until the pane shows TEXT (5 s at most).
wait_screen() {
  local i
  for i in $(seq 50); do
    screen "$1" | grep -qF -- "$2" && return 0
    sleep 0.1
  done
  return 1
}
# shows NAME REGEX: the pane has a line that matches.
shows() { screen "$1" | grep -q -- "$2"; }
# rows NAME: the lines of service 10.0.0.1:80 and its four real servers.
rows() { screen "$1" | grep -A4 '^TCP  10.0.0.1:80 '; }

echo "== the live view"
session live 160 50 -d 1
check "the first frame shows the service" wait_screen live "TCP  10.0.0.1:80"
check "top is in the alternate screen" test "$(pane live '#{alternate_on}')" = 1
first=$(rows live)
for r in 20 21 22 23; do contains "real server 192.168.1.$r:80 listed" "  -> 192.168.1.$r:80" echo "$first"; done
sleep 2.2
second=$(rows live)
check "values changed between two screens while traffic runs" test "$first" != "$second"
echo "the service's rows, a second apart:"
awk '{print "  | " $0}' <<<"$first"
awk '{print "  | " $0}' <<<"$second"
check "the service's connections per second are above 0" \
  bash -c "awk '{exit !(\$6 > 0)}' <<<'$(head -1 <<<"$second")'"

"${tmx[@]}" send-keys -t live v
check "v: the drops view" wait_screen live "[2 Drops]"
check "the drops view's table" wait_screen live "*Drop reason^"
check "the drops view lists the workers" wait_screen live "RxPkts/s"
check "the drops view lists no_service with a rate" shows live '^no_service  *[0-9]*  *[0-9.]*$'
"${tmx[@]}" send-keys -t live Tab
check "Tab: the VRRP and sync view" wait_screen live "[3 VRRP+sync]"
check "it lists lb1's instances as MASTER" shows live '^RH_EXT .*MASTER'

"${tmx[@]}" send-keys -t live 1
check "1: back to the services view" wait_screen live "[1 Services]"

# Service, Mode, Weight, Health, ActConn, InActConn, CPS: six steps right.
for _ in 1 2 3 4 5 6; do "${tmx[@]}" send-keys -t live '>'; done
check "> moves the sort to CPS, marked in the header" wait_screen live "*CPSv"
check "the sort is named" wait_screen live "sort: CPS descending"
sleep 1.2
sorted=$(rows live)
check "the real servers are in descending CPS order" \
  bash -c "tail -n +2 <<<'$sorted' | awk '{v = (\$8 == \"-\") ? -1 : \$8; if (NR > 1 && v > last) bad = 1; last = v} END {exit bad}'"
"${tmx[@]}" send-keys -t live r
check "r reverses it" wait_screen live "*CPS^"
"${tmx[@]}" send-keys -t live d 0 . 5 Enter
check "d: the delay asked for and taken" wait_screen live "refresh every 0.5 s"
"${tmx[@]}" send-keys -t live q
for _ in $(seq 50); do [ "$(pane live '#{pane_dead}')" = 1 ] && break; sleep 0.1; done
check "q ends top" test "$(pane live '#{pane_dead}')" = 1
expect "top exits 0" "0" cat "$work/live.rc"
expect "the terminal's settings are as before" "$(cat "$work/live.before")" cat "$work/live.after"
check "the alternate screen is left" test "$(pane live '#{alternate_on}')" = 0

echo "== resize and SIGTERM"
# A delay of 60 s: only SIGWINCH can make it draw again within the test.
session small 80 8 -d 60
check "a small window: the first frame" wait_screen small "TCP  10.0.0.1:80"
check "8 rows: the UDP service is below the window" test "$(screen small | grep -c 'UDP  10.0.0.1:7 ')" = 0
"${tmx[@]}" resize-window -t small -x 160 -y 50
check "made larger, it is redrawn at once: the UDP service shows" wait_screen small "UDP  10.0.0.1:7 "
check "and lines are as wide as the window" wait_screen small "q quit, v view"
toppid=$(pgrep -P "$(pane small '#{pane_pid}')" -x sluicectl || true)
check "top's pid" test -n "$toppid"
[ -z "$toppid" ] || kill -TERM "$toppid"
for _ in $(seq 50); do [ "$(pane small '#{pane_dead}')" = 1 ] && break; sleep 0.1; done
check "SIGTERM ends top" test "$(pane small '#{pane_dead}')" = 1
expect "after SIGTERM the terminal's settings are as before" "$(cat "$work/small.before")" cat "$work/small.after"
check "after SIGTERM the alternate screen is left" test "$(pane small '#{alternate_on}')" = 0

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
