#!/usr/bin/env bash
# Connection sync between two sluiced (docs/sync.md): the guide's section
# 4.1 pair (lb1 priority 100, lb2 99, sync group VG1 over RH_EXT and
# RH_INT) with `lvs_sync_daemon eth1 RH_INT`, NAT, rr over the four real
# servers. Through it, from c1: 20 long-lived TCP streams to the echo
# service (a line every 0.2 s, each echo read back) and UDP flows whose
# replies name their real server (tests/lab/sync_streams.py).
#   1. Before the kill the backup's table holds the 20 connections.
#   2. lb1 is killed (-9): lb2 takes over and every stream goes on; every
#      UDP flow keeps its real server.
#   3. lb1 comes back (higher priority, preempt): it takes over only after
#      its bulk sync from lb2 completed, and again every stream goes on.
#   4. The same takeover without lvs_sync_daemon loses the streams: sync is
#      what saves them.
#   5. The persistent HTTP service keeps a client on its real server across
#      the takeover (the template was synced), and with DR (lab variant dr)
#      the takeover keeps the streams too.
# The takeover and failback gaps (the longest wait for an echo) are printed.
#
# Usage: tests/lab/sync_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab namespaces; every wait is bounded, and the
# routers, the clients and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"

work=$(mktemp -d)
declare -A router_pid=()
router_tag=sync-test
streams_pid=

stop_streams() {
  [ -n "$streams_pid" ] || return 0
  touch "$work/stop"
  for _ in $(seq 100); do kill -0 "$streams_pid" 2>/dev/null || break; sleep 0.1; done
  kill "$streams_pid" 2>/dev/null || true
  wait "$streams_pid" 2>/dev/null || true
  streams_pid=
}
cleanup() {
  stop_streams
  stop_router lb1 KILL
  stop_router lb2 KILL
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# make_conf NS SYNC(sync|nosync) [KIND(NAT|DR)]: the guide's config of
# router NS, its HTTP service persistent (120 s), with the echo services
# (TCP and UDP port 7) and, with sync, lvs_sync_daemon on eth1 following
# RH_INT.
make_conf() {
  local src=$top/docs/examples/${1}_nat.conf kind=${3:-NAT} out=$work/$1-$2-${3:-NAT}.conf
  if [ "$2" = sync ]; then
    sed 's/^global_defs {/global_defs {\n   lvs_sync_daemon eth1 RH_INT/' "$src"
  else
    cat "$src"
  fi | sed -e "s/lb_kind NAT/lb_kind $kind/" -e 's/^    protocol TCP$/    protocol TCP\n    persistence_timeout 120/' >"$out"
  local proto rs
  for proto in TCP UDP; do
    {
      echo "virtual_server $LAB_VIP4 $LAB_ECHO_PORT {"
      echo "    lb_algo rr"
      echo "    lb_kind $kind"
      echo "    protocol $proto"
      for rs in "${LAB_SERVER_IP4S[@]}"; do echo "    real_server $rs $LAB_ECHO_PORT { }"; done
      echo "}"
    } >>"$out"
  done
  echo "$out"
}

api() { curl -s --max-time 3 --unix-socket "/run/sluice/sluice-$1.sock" "http://sluice$2"; }
# echo_conns NS: the established TCP connections to the echo service in NS's table.
echo_conns() {
  api "$1" "/v1/connections?limit=1000" | json_get \
    "sum(1 for c in d['connections'] if c['protocol'] == 'TCP' and c['virtual_port'] == $LAB_ECHO_PORT and c['state'] == 'ESTABLISHED')"
}
has_echo_conns() { [ "$(echo_conns "$1")" -ge "$2" ]; }
sync_field() { api "$1" /v1/sync | json_get "d$2"; }
bulk_complete() { [ "$(sync_field "$1" "['bulk']['state']")" = complete ]; }

start_streams() {  # start_streams TCP UDP PATIENCE OUT
  rm -f "$work/stop"
  in_ns c1 timeout 120 "$LAB_PYTHON" "$top/tests/lab/sync_streams.py" "$LAB_VIP4" "$LAB_ECHO_PORT" \
    --tcp "$1" --udp "$2" --patience "$3" --seconds 100 --stop "$work/stop" --out "$4" &
  streams_pid=$!
}
# streams_json FILE EXPR: EXPR over the streams' summary d.
streams_json() { json_get "$2" <"$1"; }

"$lab" up nat >/dev/null

echo "== with lvs_sync_daemon: takeover and failback keep every connection"
lb1_sync=$(make_conf lb1 sync)
lb2_sync=$(make_conf lb2 sync)
start_router lb1 "$lb1_sync"
start_router lb2 "$lb2_sync"
check "lb1 becomes master of RH_EXT and RH_INT" sluiced_wait_states lb1 MASTER
check "lb2 stays backup" states_are lb2 "BACKUP BACKUP"
expect "lb1 sends, lb2 receives" "master backup" \
  bash -c "echo \$(curl -s --unix-socket /run/sluice/sluice-lb1.sock http://sluice/v1/sync | $LAB_PYTHON -c 'import json,sys; print(json.load(sys.stdin)[\"role\"])') \$(curl -s --unix-socket /run/sluice/sluice-lb2.sock http://sluice/v1/sync | $LAB_PYTHON -c 'import json,sys; print(json.load(sys.stdin)[\"role\"])')"

start_streams 20 4 10 "$work/sync.json"
t0=$(date +%s)
# The persistent HTTP service: c2 first (rr's first server), then c1 twice
# (the next one): after the takeover c1 must still reach its server, which
# lb2's own rr would not give it first.
first=$(http_get c2 "$LAB_VIP4")
held=$(http_get c1 "$LAB_VIP4")
expect "c1's second request stays on its server (persistence)" "$held" http_get c1 "$LAB_VIP4"
took=$(wait_until 15 has_echo_conns lb2 20) || true
echo "   lb2 held the 20 connections ${took} ms after the streams started"
check "before the kill, the backup's table holds the 20 connections" within "$took" 15000
check "the backup holds c1's persistence template" bash -c \
  "curl -s --unix-socket /run/sluice/sluice-lb2.sock 'http://sluice/v1/connections?limit=1000' | grep -q '\"template\": *true'"
sleep 1

t_kill=$(($(date +%s) - t0))
stop_router lb1 KILL
took=$(wait_until 8 states_are lb2 "MASTER MASTER") || true
echo "   lb2 master ${took} ms after lb1 was killed"
check "lb2 takes over" within "$took" 5000
expect "after the takeover c1 reaches its server ($held, not $first) through lb2's synced template" "$held" \
  http_get c1 "$LAB_VIP4"
sleep 5

start_router lb1 "$lb1_sync"
took=$(wait_until 25 states_are lb1 "MASTER MASTER") || true
t_back=$(($(date +%s) - t0))
echo "   lb1 master again ${took} ms after its restart"
check "lb1 takes over again after its restart (preempt)" within "$took" 25000
check "lb1's bulk sync completed before it took over" bulk_complete lb1
bulk=$(api lb1 /v1/sync | json_get "d['bulk']")
echo "   lb1's bulk sync: $bulk"
contains "lb1 waited for the bulk sync, not the bounded wait" "'took_over': 'after_bulk'" echo "$bulk"
sleep 4
stop_streams
summary=$(cat "$work/sync.json" 2>/dev/null || echo '{"tcp": [], "udp": []}')
echo "   streams: $(echo "$summary" | json_get "[(s['echoed'], s['lost'], s['error']) for s in d['tcp']]")"
echo "   udp: $(echo "$summary" | json_get "[(f['answered'], f['asked'], f['servers']) for f in d['udp']]")"
expect "all 20 TCP streams open to the end" 20 streams_json "$work/sync.json" \
  "sum(1 for s in d['tcp'] if s['error'] is None and not s['lost'])"
expect "every stream got every echo (at most the line in flight at the stop missing)" 20 streams_json \
  "$work/sync.json" "sum(1 for s in d['tcp'] if s['lines'] - s['echoed'] <= 1 and s['echoed'] > 50)"
expect "every UDP flow kept its real server" 4 streams_json "$work/sync.json" \
  "sum(1 for f in d['udp'] if len(f['servers']) == 1)"
expect "every UDP flow was answered after the failover too" 4 streams_json "$work/sync.json" \
  "sum(1 for f in d['udp'] if f['answered'] >= f['asked'] * 0.7)"
echo "   the streams' stalls over 1 s as [second after their start, longest wait for an echo in ms]:" \
  "$(streams_json "$work/sync.json" "d['gaps']"); lb1 was killed at second $t_kill (the takeover gap)," \
  "was master again at second $t_back (a failback gap shows only if over 1 s)"
check "lb2 counted the messages it received" test "$(sync_field lb2 "['received']['messages']")" -gt 0
check "lb2 refused no datagram" test "$(sync_field lb2 "['dropped']['refused'].get('wrong_syncid', 0)")" -eq 0
stop_router lb1
stop_router lb2

echo "== without lvs_sync_daemon: the same takeover loses the streams"
start_router lb1 "$(make_conf lb1 nosync)"
start_router lb2 "$(make_conf lb2 nosync)"
check "lb1 becomes master" sluiced_wait_states lb1 MASTER
start_streams 5 0 10 "$work/nosync.json"
sleep 3
stop_router lb1 KILL
took=$(wait_until 8 states_are lb2 "MASTER MASTER") || true
check "lb2 takes over" within "$took" 5000
sleep 13
stop_streams
echo "   streams: $(streams_json "$work/nosync.json" "[(s['echoed'], s['lost'], s['error']) for s in d['tcp']]")"
expect "every stream is lost without sync" 5 streams_json "$work/nosync.json" \
  "sum(1 for s in d['tcp'] if s['lost'] or s['error'] is not None)"
check "lb2 dropped the streams' packets as no_connection" test "$(api lb2 /v1/stats | json_get "d['drops'].get('no_connection', 0)")" -gt 0
stop_router lb2

echo "== DR with lvs_sync_daemon: the takeover keeps every connection"
"$lab" up dr >/dev/null
start_router lb1 "$(make_conf lb1 sync DR)"
start_router lb2 "$(make_conf lb2 sync DR)"
check "lb1 becomes master" sluiced_wait_states lb1 MASTER
start_streams 10 2 10 "$work/dr.json"
took=$(wait_until 15 has_echo_conns lb2 10) || true
check "before the kill, the backup's table holds the 10 DR connections" within "$took" 15000
stop_router lb1 KILL
took=$(wait_until 8 states_are lb2 "MASTER MASTER") || true
echo "   lb2 master ${took} ms after lb1 was killed"
check "lb2 takes over" within "$took" 5000
sleep 8
stop_streams
echo "   streams: $(streams_json "$work/dr.json" "[(s['echoed'], s['lost'], s['error']) for s in d['tcp']]")"
echo "   stalls (second, ms): $(streams_json "$work/dr.json" "d['gaps']")"
expect "all 10 DR streams go on through lb2" 10 streams_json "$work/dr.json" \
  "sum(1 for s in d['tcp'] if s['error'] is None and not s['lost'] and s['lines'] - s['echoed'] <= 1)"
expect "every DR UDP flow kept its real server" 2 streams_json "$work/dr.json" \
  "sum(1 for f in d['udp'] if len(f['servers']) == 1)"
stop_router lb2

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
