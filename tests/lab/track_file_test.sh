#!/usr/bin/env bash
# track_file and vrrp_track_process in one sluiced (configs/track_file.conf):
#
#   - a FILE_CHECK with weight 0 takes rs2 out of the service as soon as
#     its file holds a non-zero value (inotify: no delay_loop), so no new
#     client reaches it, and brings it back when the file reads 0 again
#   - a vrrp_instance's priority follows a track_file's value times its
#     weight and a vrrp_track_process's quorum (a process appears, goes),
#     and a weight-0 track_file with a non-zero value puts it in FAULT
#   - /v1/vrrp and /v1/health show the values and the quorum
#
# Usage: tests/lab/track_file_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab; every wait is bounded; sluiced, the tracked
# process and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"

work=$(mktemp -d)
pidfile=/run/sluice/lab-track-lb1.pid
sock=/run/sluice/sluice-lb1.sock
proc_pid=
cleanup() {
  [ -z "$proc_pid" ] || kill "$proc_pid" 2>/dev/null || true
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

api() { curl -s --max-time 5 --unix-socket "$sock" "http://sluice$1"; }
# file_check: the state of rs2's FILE_CHECK.
file_check() {
  api /v1/health | json_get "' '.join(c['state'] for c in d['checkers'] if c['type']=='FILE_CHECK')"
}
# tracked FIELD: a field of the TRACKED instance in /v1/vrrp.
tracked() { api /v1/vrrp | json_get "[i['$1'] for i in d['instances'] if i['name']=='TRACKED'][0]"; }
# vrrp EXPR: a python expression of /v1/vrrp (d).
vrrp() { api /v1/vrrp | json_get "$1"; }
# until_is SECONDS WANT CMD...: polls CMD until it prints WANT.
until_is() {
  local end=$((SECONDS + $1)) want=$2
  shift 2
  while [ $SECONDS -le $end ]; do [ "$("$@")" = "$want" ] && return 0; sleep 0.1; done
  echo "     got '$("$@")', want '$want'"
  return 1
}

echo 0 >"$work/rs2"
echo 0 >"$work/prio"
echo 7 >"$work/fault"  # init_file 0 overwrite makes it 0 at start
sed -e "s|@WORK@|$work|g" "$top/tests/lab/configs/track_file.conf" >"$work/track_file.conf"

"$lab" up nat >/dev/null
start_sluiced "$work/track_file.conf"

echo "== FILE_CHECK"
expect "init_file 0 overwrite wrote the fault file at start" "0" cat "$work/fault"
expect "rs2's FILE_CHECK is up while its file reads 0" "UP" file_check
expect "rr over the four" "rs1:2 rs2:2 rs3:2 rs4:2" tally c1 "$LAB_VIP4" 8
echo 1 >"$work/rs2"
check "a non-zero value takes rs2 down at once (within 1 s)" until_is 1 DOWN file_check
expect "no new client reaches rs2, none fails" "rs1:3 rs3:3 rs4:3" tally c1 "$LAB_VIP4" 9
contains "/v1/health says which file and value" "track_file rs2_down is 1" \
  bash -c "curl -s --max-time 5 --unix-socket '$sock' http://sluice/v1/health"
rm "$work/rs2"
check "a deleted file reads 0: rs2 is back" until_is 1 UP file_check
contains "it gets new connections again" "rs2:" tally c1 "$LAB_VIP4" 8

echo "== VRRP: track_file and track_process"
expect "the process is missing: 100 - 20" "80" tracked effective_priority
echo 3 >"$work/prio"
check "prio 3 x weight -10 lowers it to 50" until_is 2 50 tracked effective_priority
expect "/v1/vrrp shows the file's value" "3" vrrp "d['track_files']['prio']"
(exec -a sluice-lab-tracked sleep 60) &
proc_pid=$!
check "the process appears: quorum gained, back to 70" until_is 3 70 tracked effective_priority
expect "/v1/vrrp shows its quorum" "gained 1" \
  vrrp "d['track_processes']['lab_proc']['quorum'] + ' ' + str(d['track_processes']['lab_proc']['processes'])"
kill "$proc_pid"
wait "$proc_pid" 2>/dev/null || true
proc_pid=
check "it goes: 50 again" until_is 3 50 tracked effective_priority
echo 1 >"$work/fault"
check "a weight-0 file with a non-zero value: FAULT" until_is 2 FAULT tracked state
contains "its last error names the file" "track_file fault is 1" tracked last_error
expect "the other instances stay MASTER" "MASTER MASTER" \
  vrrp "' '.join(i['state'] for i in d['instances'] if i['name']!='TRACKED')"
echo 0 >"$work/fault"
left_fault() { [ "$(tracked state)" != FAULT ] && echo yes || echo no; }
check "0 again: out of FAULT" until_is 2 yes left_fault

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
