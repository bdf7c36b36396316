#!/usr/bin/env bash
# Reload storms (docs/operations.md, "Reload storms"): sluiced in lb1 on the
# NAT lab is reloaded as fast as it applies reloads, round three
# configurations that add, change (weights, scheduler) and remove services
# and real servers, while clients of the services all three keep make
# requests in a loop and hold long connections (slow HTTP, TCP echo
# streams). No request fails, the long connections finish, the
# configuration version rises by exactly the number of reloads, sluiced's
# RSS grows by under 1 MiB from the 20th reload to the last, and the packet
# pool in use and the superseded snapshots come back to their values before
# the storm. Then the same with API requests that change a weight.
#
# 100 reloads and 100 API changes; SLUICE_STORM_RELOADS sets the count, and
# the long form (SLUICE_LONG=1, scripts/test --long) runs 1000.
#
# Usage: tests/lab/reload_storm_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"

reloads=100
[ "${SLUICE_LONG:-0}" = 1 ] && reloads=1000
reloads=${SLUICE_STORM_RELOADS:-$reloads}
# RSS is read at this reload (the allocator and the tables have reached
# their working size by then) and after the last.
rss_from=$((reloads < 40 ? reloads / 2 : 20))

work=$(mktemp -d)
pidfile=/run/sluice/reload-storm-lb1.pid
sock=/run/sluice/sluice-lb1.sock
clients=()
cleanup() {
  touch "$work/stop"
  local p
  for p in "${clients[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# status_field NAME: one number of /v1/status (config_version,
# retired_snapshots), read without python: the loop polls it.
status_field() {
  curl -s --max-time 3 --unix-socket "$sock" http://sluice/v1/status | tr -d ' \n' |
    grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2
}
version_is() { [ "$(status_field config_version)" = "$1" ]; }
pool_in_use() {
  curl -s --max-time 3 --unix-socket "$sock" http://sluice/v1/status | json_get 'd["packet_pool"]["in_use"]'
}
reloads_of() {
  curl -s --max-time 3 --unix-socket "$sock" http://sluice/v1/status | json_get "d['reloads']['$1']"
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$sluiced_pid/status"; }
# metric_is LINE: /metrics has exactly this sample line.
metric_is() { curl -s --max-time 3 --unix-socket "$sock" http://sluice/metrics | grep -qxF "$1"; }
# back_to_before: the pool in use and the superseded snapshots are as they
# were before the storm.
back_to_before() {
  [ "$(pool_in_use)" = "$pool_before" ] && [ "$(status_field retired_snapshots)" = "$retired_before" ]
}

# The three configurations. Clients use 10.0.0.1:80, fd00:10::1:80 and the
# fwmark service (10.0.0.11:7), which all three keep with their real
# servers; the rest comes and goes.
base=$configs/nat.conf
extra() { printf 'virtual_server 10.0.0.1 %s {\n    lb_algo %s\n    lb_kind NAT\n    protocol TCP\n%s}\n' "$@"; }
rs() { printf '    real_server %s 80 {\n        weight %s\n    }\n' "$1" "$2"; }
{ cat "$base"; extra 8080 rr "$(rs 192.168.1.20 1; rs 192.168.1.21 1)"; } >"$work/a.conf"
{
  sed -e '0,/lb_algo rr/s//lb_algo wrr/' \
    -e '0,/real_server 192.168.1.22 80 {/s//real_server 192.168.1.22 80 {\n        weight 3/' \
    -e '/real_server 192.168.1.21 7 {/,/}/d' "$base"
  extra 8081 wlc "$(rs 192.168.1.22 2)"
} >"$work/b.conf"
{
  sed -e '0,/lb_algo rr/s//lb_algo wlc/' "$base"
  extra 8080 sh "$(rs 192.168.1.22 2; rs 192.168.1.23 1; rs 192.168.1.20 5)"
  extra 8082 lc "$(rs 192.168.1.21 1)"
} >"$work/c.conf"
confs=(b c a)

# client NS TARGET NAME: HTTP requests in a loop until $work/stop (at most
# 10 minutes); every answer that is not a real server's name counts failed.
client() {
  local ok=0 failed=0 end=$((SECONDS + 600)) got
  while [ ! -e "$work/stop" ] && [ $SECONDS -lt $end ]; do
    got=$(http_get "$1" "$2") || true
    if [[ $got == rs? ]]; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
  done
  echo "$ok $failed" >"$work/$3.tally"
}
# echo_stream NS NAME: one TCP connection to the fwmark service's echo port,
# a line every 50 ms echoed back, until $work/stop (at most 10 minutes);
# prints "held N" or where it broke.
echo_stream() {
  in_ns "$1" timeout 700 "$LAB_PYTHON" -c '
import os, socket, sys, time
stop, out = sys.argv[1], sys.argv[2]
n, why = 0, ""
try:
    s = socket.create_connection(("10.0.0.11", 7), timeout=3)
    f = s.makefile("rwb")
    end = time.monotonic() + 600
    while not os.path.exists(stop) and time.monotonic() < end:
        line = b"%d\n" % n
        f.write(line); f.flush()
        if f.readline() != line:
            why = "wrong echo at %d" % n; break
        n += 1
        time.sleep(0.05)
    s.close()
except OSError as e:
    why = "%s at %d" % (e, n)
open(out, "w").write(("broken: " + why) if why else "held %d" % n)
' "$work/stop" "$work/$2.stream"
}
# slow NS TARGET SECONDS NAME: one HTTP request answered after SECONDS.
slow() { in_ns "$1" curl -s -g --max-time $(($3 + 10)) "http://$2:$LAB_HTTP_PORT/slow?s=$3" >"$work/$4.slow" 2>&1 || true; }

start_clients() {
  rm -f "$work/stop" "$work"/*.tally "$work"/*.stream "$work"/*.slow
  clients=()
  client c1 "$LAB_VIP4" c1 & clients+=($!)
  client c2 "[$LAB_VIP6]" c2 & clients+=($!)
  echo_stream c1 s1 & clients+=($!)
  echo_stream c2 s2 & clients+=($!)
  slow c1 "$LAB_VIP4" 3 slow1 & clients+=($!)
  slow c2 "[$LAB_VIP6]" 3 slow2 & clients+=($!)
  sleep 0.5
}
# stop_clients WHAT: ends the clients and checks what they saw.
stop_clients() {
  touch "$work/stop"
  wait "${clients[@]}" || true
  clients=()
  local c ok failed
  for c in c1 c2; do
    read -r ok failed <"$work/$c.tally" || { ok=0; failed="no tally"; }
    expect "$1: no request of $c failed ($ok answered)" "0" echo "$failed"
    expect "$1: $c made requests" "yes" bash -c "[ $ok -gt 0 ] && echo yes"
  done
  for c in s1 s2; do
    contains "$1: the echo stream $c held across it" "held" cat "$work/$c.stream"
  done
  for c in slow1 slow2; do
    contains "$1: the long request $c finished" "rs" cat "$work/$c.slow"
  done
}

"$lab" up nat >/dev/null
cp "$work/a.conf" "$work/live.conf"
start_sluiced "$work/live.conf"
# Warm up: the first connections, neighbours and health checks.
tally c1 "$LAB_VIP4" 8 >/dev/null
version_before=$(status_field config_version)
applied_before=$(reloads_of applied)
sleep 0.5
pool_before=$(pool_in_use)
retired_before=$(status_field retired_snapshots)
echo "before the storm: config_version $version_before, packet pool in use $pool_before, retired snapshots $retired_before"

echo "== $reloads reloads (SIGHUP) round three configurations, clients meanwhile"
start_clients
start_s=$(date +%s%N)
lagging=0
for i in $(seq "$reloads"); do
  cp "$work/${confs[$((i % 3))]}.conf" "$work/next.conf"
  mv "$work/next.conf" "$work/live.conf"
  kill -HUP "$sluiced_pid"
  # Applied within 5 s, or the count below fails; polled every 10 ms, as
  # a reload takes milliseconds.
  applied=no
  for _ in $(seq 500); do
    if version_is $((version_before + i)); then applied=yes; break; fi
    sleep 0.01
  done
  [ $applied = yes ] || lagging=$((lagging + 1))
  if [ "$i" -eq "$rss_from" ]; then rss_early=$(rss_kib); fi
done
storm_ms=$((($(date +%s%N) - start_s) / 1000000))
rss_last=$(rss_kib)
stop_clients "the reload storm"
echo "$reloads reloads in $storm_ms ms; RSS ${rss_early} KiB at reload $rss_from, ${rss_last} KiB after the last"
expect "every reload was applied within 5 s" "0" echo "$lagging"
expect "the configuration version rose by $reloads" "$((version_before + reloads))" status_field config_version
expect "$reloads reloads counted applied" "$((applied_before + reloads))" reloads_of applied
expect "no reload refused" "0" reloads_of refused
check "/metrics has the version" metric_is "sluice_config_version $((version_before + reloads))"
check "/metrics counts the applied reloads" \
  metric_is "sluice_config_reloads_total{result=\"applied\"} $((applied_before + reloads))"
growth=$((rss_last - rss_early))
expect "RSS grew by under 1 MiB from reload $rss_from to the last ($growth KiB)" "yes" \
  bash -c "[ $growth -lt 1024 ] && echo yes"
waited=$(wait_until 5 back_to_before) || true
check "the packet pool in use ($(pool_in_use)) and the retired snapshots ($(status_field retired_snapshots)) are back to their values before the storm ($waited ms)" \
  within "$waited" 5000

echo "== $reloads API changes of a weight, clients meanwhile"
version_before=$(status_field config_version)
start_clients
start_s=$(date +%s%N)
patch_failed=0
for i in $(seq "$reloads"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --unix-socket "$sock" -X PATCH \
    "http://sluice/v1/services/tcp-10.0.0.1-80/servers/192.168.1.23-80" -d "{\"weight\": $((i % 5 + 1))}") || true
  [ "$code" = 200 ] || patch_failed=$((patch_failed + 1))
done
api_ms=$((($(date +%s%N) - start_s) / 1000000))
stop_clients "the API changes"
echo "$reloads API changes in $api_ms ms"
expect "every PATCH was answered 200" "0" echo "$patch_failed"
expect "the configuration version rose by $reloads" "$((version_before + reloads))" status_field config_version
waited=$(wait_until 5 back_to_before) || true
check "the packet pool in use and the retired snapshots are back to their values before the storm ($waited ms)" \
  within "$waited" 5000

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
