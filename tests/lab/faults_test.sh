#!/usr/bin/env bash
# sluiced under faults: starts that cannot succeed (a missing port, no
# hugepages, the API's TCP port or Unix socket in use) each end with a
# clear message, exit status 1 and nothing left behind (no API socket, no
# pid in the pid file, no process, the kernel's addresses as they were);
# a broken configuration reloaded under traffic is refused while every
# request is served; an API request naming a command is refused and runs
# nothing; kill -9 leaves a stale pid file, API socket and the kernel
# addresses it added (listed in a state file beside the pid file), and a
# restart takes them over, forwards again and removes the addresses at
# stop; one whose config no longer has an address removes it at start.
#
# Usage: tests/lab/faults_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab namespaces; every client call and wait is
# bounded; sluiced, the listeners and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"

work=$(mktemp -d)
chmod 755 "$work"
pidfile=/run/sluice/lab-faults-lb1.pid
sock=/run/sluice/sluice-lb1.sock  # the default inside namespace lb1
api_port=9182
helpers=()
cleanup() {
  local p
  for p in "${helpers[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${helpers[@]}"; do wait "$p" 2>/dev/null || true; done
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# refused NAME CONFIG [SLUICED ARGS...]: runs sluiced in lb1 (bounded) and
# records its output in $work/NAME.out with "exit N" last.
refused() {
  local name=$1 config=$2
  shift 2
  { in_ns lb1 timeout 60 "$sluiced" -f "$config" --pidfile "$pidfile" "$@" 2>&1; echo "exit $?"; } >"$work/$name.out" || true
}
# left_clean NAME [SOCKET]: what a refused start must leave.
left_clean() {
  local name=$1 socket=${2:-$sock}
  contains "$name: exit status 1" "exit 1" tail -1 "$work/$name.out"
  check "$name: no API socket left" test ! -e "$socket"
  expect "$name: no pid in the pid file" "" bash -c "cat '$pidfile' 2>/dev/null || true"
  expect "$name: no sluiced left running in lb1" "0" sluiced_in_lb1
  expect "$name: lb1's kernel addresses as they were" "$addrs_before" ip -n lb1 -br addr show
}
# sluiced_in_lb1: how many sluiced processes run in namespace lb1.
sluiced_in_lb1() {
  local p n=0
  for p in $(ip netns pids lb1); do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = sluiced ] && n=$((n + 1)); done
  echo "$n"
}
# wait_forwarding: until the VIP answers (at most 15 s).
wait_forwarding() {
  for _ in $(seq 30); do http_get c1 "$LAB_VIP4" >/dev/null 2>&1 && return 0; sleep 0.5; done
  return 1
}
api() { curl -s --max-time 5 --unix-socket "$sock" -o /dev/null -w '%{http_code}' -X "$1" "http://sluice$2" ${3+-d "$3"}; }

"$lab" up nat >/dev/null
rm -f "$sock"
addrs_before=$(ip -n lb1 -br addr show)

echo "== starts that cannot succeed"
sed 's/iface=eth1/iface=nosuch9/' "$configs/nat.conf" >"$work/missing-port.conf"
refused missing_port "$work/missing-port.conf"
contains "missing port: the message names the port and the device" "port eth1" cat "$work/missing_port.out"
contains "missing port: and says it was not found" "nosuch9" cat "$work/missing_port.out"
left_clean missing_port

# No hugepages: in a mount namespace of its own, sysfs shows no hugepage
# sizes and no hugetlbfs is mounted (as on a machine without them); the
# config does not ask for no_huge.
grep -v '^ *no_huge' "$configs/nat.conf" >"$work/huge.conf"
{
  in_ns lb1 unshare -m sh -c '
    mount -t tmpfs none /sys/kernel/mm/hugepages || exit 99
    for m in $(awk "\$3 == \"hugetlbfs\" {print \$2}" /proc/mounts); do umount -l "$m"; done
    exec timeout 60 "$0" -f "$1" --pidfile "$2"' "$sluiced" "$work/huge.conf" "$pidfile" 2>&1
  echo "exit $?"
} >"$work/no_hugepages.out" || true
contains "no hugepages: the message says so" "no free hugepages" cat "$work/no_hugepages.out"
contains "no hugepages: and how to fix it" "no_huge" cat "$work/no_hugepages.out"
left_clean no_hugepages

# The API's TCP port held by another program in lb1.
in_ns lb1 "$LAB_PYTHON" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(); time.sleep(120)' "$api_port" &
helpers+=($!)
{ cat "$configs/nat.conf"; printf 'api {\n    listen %s\n    token faults-token-0123456789\n    allow_plain_tcp\n}\n' "$api_port"; } >"$work/tcp.conf"
for _ in $(seq 20); do in_ns lb1 ss -ltn | grep -q ":$api_port " && break; sleep 0.1; done
refused api_port_in_use "$work/tcp.conf"
contains "API port in use: the message names the port" "port $api_port" cat "$work/api_port_in_use.out"
contains "API port in use: and the reason" "in use" cat "$work/api_port_in_use.out"
left_clean api_port_in_use

# The API's Unix socket held by another program: refused, and the other
# program's socket is left alone.
other_sock=$work/other.sock
in_ns lb1 "$LAB_PYTHON" -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(120)' "$other_sock" &
helpers+=($!)
for _ in $(seq 20); do [ -S "$other_sock" ] && break; sleep 0.1; done
refused api_socket_in_use "$configs/nat.conf" --api-socket "$other_sock"
contains "API socket in use: the message names the socket" "API socket $other_sock is in use" \
  cat "$work/api_socket_in_use.out"
contains "API socket in use: exit status 1" "exit 1" tail -1 "$work/api_socket_in_use.out"
check "API socket in use: the other program's socket is still there" test -S "$other_sock"
expect "API socket in use: no pid in the pid file" "" bash -c "cat '$pidfile' 2>/dev/null || true"
expect "API socket in use: lb1's kernel addresses as they were" "$addrs_before" ip -n lb1 -br addr show
for p in "${helpers[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
helpers=()

echo "== a broken reload under traffic"
cp "$configs/nat.conf" "$work/live.conf"
start_sluiced "$work/live.conf"
check "sluiced forwards" wait_forwarding
before=$(curl -s --max-time 5 --unix-socket "$sock" http://sluice/v1/config | md5sum)
# 40 requests, 0.1 s apart, from c1 while c2 holds a 2 s request open.
(for _ in $(seq 40); do http_get c1 "$LAB_VIP4" || echo failed; echo; sleep 0.1; done) >"$work/traffic.out" 2>&1 &
traffic=$!
http_get c2 "$LAB_VIP4" "/slow?s=2" >"$work/slow.out" 2>&1 &
slow=$!
sleep 0.5
printf 'virtual_server 10.0.0.1 80 {\n  lb_algo nosuch\n' >"$work/live.conf"
kill -HUP "$sluiced_pid"
for _ in $(seq 30); do grep -q "refused" "$work/sluiced.log" && break; sleep 0.1; done
expect "the API's reload of the broken file: 422" "422" api POST /v1/config/reload ''
wait "$slow" || true
wait "$traffic" || true
contains "SIGHUP's reload is refused with file:line" "$work/live.conf:" cat "$work/sluiced.log"
contains "and says it was refused" "reload of $work/live.conf refused" cat "$work/sluiced.log"
expect "every one of the 40 requests was served" "40" bash -c "grep -c '^rs[1-4]$' '$work/traffic.out' || true"
expect "the open request finished" "1" bash -c "grep -c '^rs[1-4]' '$work/slow.out' || true"
expect "the running configuration is unchanged" "$before" bash -c \
  "curl -s --max-time 5 --unix-socket '$sock' http://sluice/v1/config | md5sum"
check "sluiced is still running" kill -0 "$sluiced_pid"
cp "$configs/nat.conf" "$work/live.conf"

echo "== no API request runs a command"
mark=$work/api-ran-this
expect "a real server with a MISC_CHECK through the API: 400" "400" api POST /v1/services/tcp-10.0.0.1-80/servers \
  "{\"address\": \"192.168.1.24\", \"checks\": [{\"type\": \"MISC_CHECK\", \"misc_path\": \"/usr/bin/touch $mark\", \"delay_loop\": 1000}]}"
expect "a notify_down through the API: 400" "400" api PATCH /v1/services/tcp-10.0.0.1-80/servers/192.168.1.20-80 \
  "{\"notify_down\": {\"command\": \"/usr/bin/touch $mark\"}}"
contains "the refusal names the field" '"field": "misc_path"' curl -s --max-time 5 --unix-socket "$sock" \
  -X POST "http://sluice/v1/services/tcp-10.0.0.1-80/servers" \
  -d "{\"address\": \"192.168.1.24\", \"checks\": [{\"type\": \"MISC_CHECK\", \"misc_path\": \"/usr/bin/touch $mark\"}]}"
sleep 2
check "nothing ran" test ! -e "$mark"

echo "== kill -9 and restart"
old=$sluiced_pid
kill -KILL "$old"
wait "$old" 2>/dev/null || true
sluiced_pid=
expect "the pid file still names the killed daemon" "$old" cat "$pidfile"
check "its API socket is left behind" test -S "$sock"
contains "its kernel addresses are listed beside the pid file" "eth0 10.0.0.2/24" cat "${pidfile%.pid}.addresses"
start_sluiced "$work/live.conf"
check "the restart says it took them over" grep -q "did not stop: taking over" "$work/sluiced.log"
expect "the restarted daemon wrote its own pid" "$sluiced_pid" cat "$pidfile"
expect "the API answers on the taken-over socket" "200" api GET /v1/status
check "forwarding resumes" wait_forwarding
expect "rr over the four real servers again" "rs1:2 rs2:2 rs3:2 rs4:2" tally c1 "$LAB_VIP4" 8
contains "the kernel side holds the router's address again" "10.0.0.2/24" ip -n lb1 -br addr show dev eth0
stop_sluiced
check "the socket is removed at stop" test ! -e "$sock"
expect "the taken-over address is removed at stop" "" bash -c "ip -n lb1 -br addr show dev eth0 | awk '{print \$3}'"
check "and the state file with it" test ! -e "${pidfile%.pid}.addresses"
# Killed again; the next config gives eth0 another address: the old one goes.
start_sluiced "$work/live.conf"
kill -KILL "$sluiced_pid"
wait "$sluiced_pid" 2>/dev/null || true
sluiced_pid=
sed 's|address 10.0.0.2/24|address 10.0.0.9/24|' "$work/live.conf" >"$work/moved.conf"
start_sluiced "$work/moved.conf"
contains "a restart with another address removes the killed daemon's" "10.0.0.9/24" ip -n lb1 -br addr show dev eth0
check "and only that: 10.0.0.2 is gone" bash -c "! ip -n lb1 -br addr show dev eth0 | grep -q '10.0.0.2/'"
stop_sluiced
expect "no sluiced left running in lb1" "0" sluiced_in_lb1

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
