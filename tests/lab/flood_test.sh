#!/usr/bin/env bash
# A SYN flood with random sources, from sluice-bench in c2 (on c2's own
# veth through net_af_packet), into a connection table that it turns over
# several times a second, while c1 keeps making requests and holds one
# established connection open:
#   - the table stays within its capacity, evicting embryonic entries;
#   - the established connection keeps forwarding;
#   - at least 99% of c1's requests are served.
#
# Usage: tests/lab/flood_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# The flood stays inside the lab: its destination is the lab VIP, its
# sources 10.1.0.0/16 (no host in the lab; the real servers' answers die at
# the router as no_route). Every client call and wait is bounded; sluiced,
# the flood and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced" "$bench"

capacity=16384     # conn_table_size: per worker and family
# The bounded form (CI) floods for 8 s; the long form (SLUICE_LONG=1, suite
# 'long' of scripts/test --long) for 2 minutes, the same checks.
flood_seconds=8
max_requests=200
if [ "${SLUICE_LONG:-0}" = 1 ]; then
  flood_seconds=120
  max_requests=3000
fi
# The flood's rate. On the 2-core lab machine the real servers' and the
# clients' kernels share the cores with sluiced and the generator: at full
# speed (about 200K SYNs/s through af_packet) the real servers' SYN-ACK work
# alone starves the clients, whatever the router does. 50K/s still fills
# the table three times a second.
flood_mpps=0.05
work=$(mktemp -d)
pidfile=/run/sluice/flood-test-lb1.pid
flood_pid=
holder_pid=
cleanup() {
  local pid
  for pid in $flood_pid $holder_pid; do
    kill "$pid" 2>/dev/null || true
    { wait "$pid"; } 2>/dev/null || true
  done
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

api_stats() {
  curl -s --max-time 5 --unix-socket /run/sluice/sluice-lb1.sock http://sluice/v1/stats
}

"$lab" up nat >/dev/null
sed "s/conn_table_size .*/conn_table_size $capacity/" "$top/tests/lab/configs/nat.conf" >"$work/flood.conf"
start_sluiced "$work/flood.conf"

# One connection, established before the flood, used every 5 s during it
# (the lab's echo server closes a connection idle for 2 minutes) and after
# it: a TCP echo through the fwmark service.
ip netns exec c1 timeout $((flood_seconds + 15)) "$LAB_PYTHON" -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
def echo(word):
    s.sendall(word + b"\n")
    return s.recv(64) == word + b"\n"
ok = echo(b"before")
end = time.monotonic() + float(sys.argv[3])
while ok and time.monotonic() < end:
    time.sleep(min(5.0, max(0.0, end - time.monotonic())))
    ok = echo(b"during")
ok = ok and echo(b"after")
print("held" if ok else "broken")
' 10.0.0.11 "$LAB_ECHO_PORT" $((flood_seconds + 2)) >"$work/held.out" 2>&1 &
holder_pid=$!
sleep 0.5

# The flood: one packet per new connection, as fast as c2's veth takes it.
ip netns exec c2 timeout $((flood_seconds + 20)) "$bench" --no-huge -m 256 --file-prefix flood-c2 -l 0 \
  --vdev "net_af_packet0,iface=eth0" -- --tx-port 0 --rx-port 0 --mode syn \
  --src-ip 10.1.0.0-10.1.255.255 --dst-ip "$LAB_VIP4" --dst-port "$LAB_HTTP_PORT" --dst-mac "$LAB_LB1_ETH0_MAC" \
  --rate "$flood_mpps" --duration "$flood_seconds" --no-probe --drain-ms 0 --quiet --json >"$work/flood.json" 2>"$work/flood.err" &
flood_pid=$!
sleep 1

# c1's requests while the flood runs (each bounded by curl's 3 s).
served=0
asked=0
deadline=$((SECONDS + flood_seconds - 2))
while [ "$SECONDS" -lt "$deadline" ] && [ "$asked" -lt "$max_requests" ]; do
  asked=$((asked + 1))
  if [ -n "$(http_get c1 "$LAB_VIP4")" ]; then served=$((served + 1)); fi
done
during=$(api_stats)
{ wait "$flood_pid"; } 2>/dev/null || true
flood_pid=
{ wait "$holder_pid"; } 2>/dev/null || true
holder_pid=

sent=$(json_get 'd["tx"]["packets"]' <"$work/flood.json" 2>/dev/null || echo 0)
echo "   flood: $sent SYNs sent in ${flood_seconds} s; c1: $served of $asked requests served"
[ "$sent" -gt 0 ] 2>/dev/null || { cat "$work/flood.err"; head -c 600 "$work/flood.json"; }
check "the flood sent many times more SYNs than the table holds" test "${sent:-0}" -gt $((capacity * 10))
check "at least 99% of c1's requests were served during the flood" test $((served * 100)) -ge $((asked * 99))
check "c1 made requests during the flood" test "$asked" -ge 10
expect "the connection established before the flood still forwards" "held" cat "$work/held.out"
expect "the table stayed within its capacity" "True" \
  json_get "all(w['connections'] <= $capacity for w in d['workers'])" <<<"$during"
expect "embryonic entries were evicted to make room" "True" \
  json_get "sum(w['evictions'] for w in d['workers']) > 0" <<<"$during"
check "sluiced still runs" kill -0 "$sluiced_pid"
check "and serves" http_get c1 "$LAB_VIP4"
stop_sluiced

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
