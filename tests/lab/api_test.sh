#!/usr/bin/env bash
# The control API, sluicectl and sluice-ipvsadm on a running sluiced with
# traffic flowing:
# round trips of every endpoint, counters and rates that move, a weight
# change that shifts new connections, a drain that lets an open connection
# finish, malformed requests that change nothing, the socket's mode and the
# TCP listener's token, 50 concurrent API clients while traffic flows, and
# reloads (a broken file; one that removes a real server under traffic);
# ipvsadm's -S, -C and -R giving back the same table and real servers.
#
# Usage: tests/lab/api_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab namespaces and on lb1's loopback; every
# client call and wait is bounded; sluiced and the lab are stopped whatever
# happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

ipvsadm=$build/controlplane/ipvsadm/sluice-ipvsadm
preflight "$sluiced" "$sluicectl" "$ipvsadm"

work=$(mktemp -d)
chmod 755 "$work"
pidfile=/run/sluice/lab-api-lb1.pid
sock=/run/sluice/sluice-lb1.sock  # the default inside namespace lb1
token=lab-api-token-0123456789
port=9180
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# api METHOD PATH [BODY]: prints "STATUS BODY" (body on one line).
api() {
  local out status
  out=$(curl -s --max-time 5 --unix-socket "$sock" -X "$1" -o - -w '\n%{http_code}' \
    ${3+-H 'Content-Type: application/json' --data-binary "$3"} "http://sluice$2") || { echo "000"; return; }
  status=${out##*$'\n'}
  echo "$status ${out%$'\n'*}" | tr -d '\n'
  echo
}
status_of() { api "$@" | cut -d' ' -f1; }
# settled_status METHOD PATH [BODY]: the status of a request retried, as a
# 503 asks, while a worker had not taken the previous change (at most 5 tries).
settled_status() {
  local status
  for _ in 1 2 3 4 5; do
    status=$(status_of "$@")
    [ "$status" = 503 ] || break
    sleep 0.2
  done
  echo "$status"
}
body_of() { api "$@" | cut -d' ' -f2-; }
ctl() { in_ns lb1 timeout 20 "$sluicectl" "$@"; }
running_config() { body_of GET /v1/config; }
svc=/v1/services/tcp-10.0.0.1-80

echo "== API with traffic"
"$lab" up nat >/dev/null
{ cat "$configs/nat.conf"; printf 'api {\n    listen %s\n    token %s\n    allow_plain_tcp\n}\n' "$port" "$token"; } >"$work/live.conf"
start_sluiced "$work/live.conf"

expect "the socket is mode 0600, owned by root" "600 root" stat -c '%a %U' "$sock"
nobody=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
  curl -s --max-time 3 --unix-socket "$sock" -o /dev/null -w '%{http_code}' http://sluice/v1/status 2>&1 || true)
expect "user nobody cannot talk to the socket" "000" echo "$nobody"
contains "plain HTTP on TCP is warned about" "WARNING: the API's TCP listener is plain HTTP" cat "$work/sluiced.log"
expect "TCP listener without the token: 401" "401" \
  in_ns lb1 curl -s --max-time 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/status"
expect "TCP listener with a wrong token: 401" "401" \
  in_ns lb1 curl -s --max-time 3 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer x$token" \
  "http://127.0.0.1:$port/v1/status"
expect "TCP listener with the token: 200" "200" \
  in_ns lb1 curl -s --max-time 3 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
  "http://127.0.0.1:$port/v1/status"
expect "the running config hides the token" "(set)" json_get 'd["api"]["token"]' <<<"$(running_config)"

expect "GET /v1/status" "200" status_of GET /v1/status
expect "GET /v1/services lists the 5 services" "5" json_get 'len(d["services"])' <<<"$(body_of GET /v1/services)"
expect "GET one service" "rr" json_get 'd["lvs_sched"]' <<<"$(body_of GET "$svc")"
expect "GET its real servers" "4" json_get 'len(d["real_servers"])' <<<"$(body_of GET "$svc/servers")"
expect "GET one real server" "1" json_get 'd["weight"]' <<<"$(body_of GET "$svc/servers/192.168.1.20-80")"
expect "GET /v1/vrrp: the three instances" "3" json_get 'len(d["instances"])' <<<"$(body_of GET /v1/vrrp)"
expect "GET /v1/health: the persistent service's two TCP_CHECKs" "tcp-10.0.0.10-80 192.168.1.21-80 TCP_CHECK" \
  json_get '" ".join([d["checkers"][1][k] for k in ("service", "real_server", "type")])' <<<"$(body_of GET /v1/health)"

conns_of() { json_get "[s for s in d['services'] if s['id']=='tcp-10.0.0.1-80'][0]['$1']" <<<"$(body_of GET /v1/stats)"; }
before=$(conns_of conns)
expect "traffic: 8 requests, rr" "rs1:2 rs2:2 rs3:2 rs4:2" tally c1 "$LAB_VIP4" 8
expect "stats: conns moved by 8" "8" echo $(($(conns_of conns) - before))
expect "stats: packets both ways" "True" \
  json_get 'all(r["inpkts"] > 0 and r["outpkts"] > 0 for r in [s for s in d["services"] if s["id"]=="tcp-10.0.0.1-80"][0]["real_servers"])' \
  <<<"$(body_of GET /v1/stats)"
for _ in $(seq 25); do http_get c2 "$LAB_VIP4" >/dev/null; sleep 0.2; done
expect "rates: connections per second seen by the estimator" "True" json_get "$(conns_of cps) >= 1" <<<"{}"
contains "/metrics: Prometheus text with service labels" \
  "sluice_service_connections_total{service=\"tcp-10.0.0.1-80\"}" body_of GET /metrics
contains "/metrics: real server labels" 'real_server="192.168.1.20-80"' body_of GET /metrics
contains "/metrics: build info" 'sluice_build_info{version="' body_of GET /metrics
contains "/metrics: connection table size" 'sluice_worker_connection_table_size{worker="0",family="ipv4"}' \
  body_of GET /metrics

# Connections, a page at a time.
pages=$(
  cursor="" n=0 p=0
  while [ $p -lt 100 ]; do
    b=$(body_of GET "/v1/connections?limit=3${cursor:+&cursor=$cursor}")
    n=$((n + $(json_get 'len(d["connections"])' <<<"$b")))
    cursor=$(json_get 'd["next_cursor"] or ""' <<<"$b")
    p=$((p + 1))
    [ -n "$cursor" ] || break
  done
  echo "$n $p"
)
total=$(json_get 'sum(w["connections"] for w in d["workers"])' <<<"$(body_of GET /v1/stats)")
expect "connections: pages of 3 list every entry" "True" echo "$( [ "${pages% *}" -ge "$total" ] && [ "${pages#* }" -gt 1 ] && echo True)"
expect "a connection entry names its service and state" "True" \
  json_get 'any(c["service"]=="tcp-10.0.0.1-80" and c["state"] in ("TIME_WAIT","CLOSE","FIN_WAIT","ESTABLISHED") for c in d["connections"])' \
  <<<"$(body_of GET '/v1/connections?limit=1000')"

echo "== changes"
expect "PATCH the scheduler to wrr" "200" status_of PATCH "$svc" '{"lvs_sched": "wrr"}'
expect "PATCH rs1's weight to 3" "200" status_of PATCH "$svc/servers/192.168.1.20-80" '{"weight": 3}'
expect "the split of new connections follows: 3:1:1:1" "rs1:6 rs2:2 rs3:2 rs4:2" tally c1 "$LAB_VIP4" 12

# A drained server takes no new connection while its open one finishes.
http_get c2 "$LAB_VIP4" "/slow?s=2" >"$work/slow.out" 2>&1 &
slow=$!
sleep 0.5
open=$(json_get '[c["server_address"] for c in d["connections"] if c["client_address"]=="'"$LAB_C2_IP4"'" and c["state"]=="ESTABLISHED"][0]' \
  <<<"$(body_of GET '/v1/connections?limit=1000')" || true)
expect "the slow request's connection is listed" "True" echo "$([[ "$open" == 192.168.1.* ]] && echo True)"
expect "drain its real server" "0" json_get 'd["weight"]' <<<"$(body_of POST "$svc/servers/$open-80/drain" '')"
drained=$(tally c1 "$LAB_VIP4" 10)
expect "the drained server gets no new connection" "" bash -c "echo '$drained' | tr ' ' '\n' | grep -c \"^rs$((${open##*.} - 19)):\" | grep -v '^0$'"
contains "the others take them" "rs" echo "$drained"
wait "$slow" || true
expect "its open connection finished" "1" bash -c "grep -c '^rs[1-4]' '$work/slow.out'"

expect "POST a service on port 81" "201" status_of POST /v1/services \
  '{"address": "10.0.0.1", "port": 81, "protocol": "TCP", "lvs_sched": "rr", "real_servers": [{"address": "192.168.1.22", "port": 80}]}'
check "the new service forwards" bash -c "$(declare -f in_ns); in_ns c1 curl -s --max-time 3 http://10.0.0.1:81/ | grep -q rs3"
expect "POST a real server to it" "201" status_of POST /v1/services/tcp-10.0.0.1-81/servers '{"address": "192.168.1.23", "port": 80}'
expect "both of its real servers answer" "rs3 rs4" bash -c \
  "$(declare -f in_ns); for i in 1 2 3 4; do in_ns c1 curl -s --max-time 3 http://10.0.0.1:81/; done | sort -u | tr '\n' ' ' | sed 's/ \$//'"
expect "DELETE one real server" "200" status_of DELETE /v1/services/tcp-10.0.0.1-81/servers/192.168.1.23-80
expect "DELETE the service" "200" status_of DELETE /v1/services/tcp-10.0.0.1-81
expect "the deleted service no longer answers" "" bash -c "$(declare -f in_ns); in_ns c1 curl -s --max-time 2 http://10.0.0.1:81/ || true"

echo "== malformed requests change nothing"
before=$(running_config)
expect "bad JSON: 400" "400" status_of PATCH "$svc" '{"lvs_sched": '
expect "unknown field: 400 naming it" "400 lb_algo" bash -c \
  "$(declare -f api body_of status_of); sock=$sock; api PATCH $svc '{\"lb_algo\": \"rr\"}' | python3 -c 'import json,sys; s,b=sys.stdin.read().split(\" \",1); print(s, json.loads(b)[\"field\"])'"
expect "out of range weight: 400" "400" status_of PATCH "$svc/servers/192.168.1.21-80" '{"weight": 2147483648}'
expect "wrong type: 400" "400" status_of PATCH "$svc/servers/192.168.1.21-80" '{"weight": "heavy"}'
expect "unknown scheduler: 400" "400" status_of PATCH "$svc" '{"lvs_sched": "fastest"}'
expect "unknown service: 404" "404" status_of PATCH /v1/services/tcp-10.0.0.9-80 '{"lvs_sched": "rr"}'
expect "unknown real server: 404" "404" status_of DELETE "$svc/servers/192.168.1.99-80"
expect "existing service: 409" "409" status_of POST /v1/services '{"address": "10.0.0.1", "port": 80}'
expect "wrong method: 405" "405" status_of DELETE /v1/stats
expect "unknown query parameter: 400" "400" status_of GET '/v1/stats?all=1'
expect "a 100 KiB body: 413" "413" status_of POST /v1/services "$(head -c 100000 /dev/zero | tr '\0' ' ')"
expect "the running configuration is unchanged" "same" bash -c "[ '$(echo "$before" | md5sum)' = '$(running_config | md5sum)' ] && echo same"

echo "== 50 concurrent API clients while traffic flows"
loops_before=$(json_get 'd["worker_loops"][0]["loops"]' <<<"$(body_of GET /v1/status)")
clients=()
for i in $(seq 50); do
  (
    for _ in $(seq 8); do
      if [ $((i % 5)) -eq 0 ]; then
        settled_status PATCH "$svc/servers/192.168.1.21-80" "{\"weight\": $((i % 3 + 1))}"
      else
        settled_status GET /v1/stats
      fi
    done
  ) >"$work/client.$i" 2>&1 &
  clients+=($!)
done
traffic=$(for _ in $(seq 20); do http_get c1 "$LAB_VIP4" || echo failed; echo; done | grep -c '^rs[1-4]$' || true)
wait "${clients[@]}"
answers=$(cat "$work"/client.* | wc -l)
bad=$(cat "$work"/client.* | grep -v '^200$' | sort | uniq -c | tr -s ' \n' ' ' || true)
expect "every API answer was 200 (a 503 \"try again\" retried, as it asks)" "" echo "$bad"
expect "the 50 clients got their 400 answers" "400" echo "$answers"
expect "all 20 client requests were served meanwhile" "20" echo "$traffic"
loops_after=$(json_get 'd["worker_loops"][0]["loops"]' <<<"$(body_of GET /v1/status)")
expect "the worker kept looping" "True" echo "$([ "$loops_after" -gt "$loops_before" ] && echo True)"

echo "== reload"
before=$(running_config)
printf 'virtual_server 10.0.0.1 80 {\n  lb_algo nosuch\n' >"$work/live.conf"
expect "a broken file: 422" "422" status_of POST /v1/config/reload ''
contains "the refusal names file and line" "live.conf:" body_of POST /v1/config/reload ''
expect "the running configuration is unchanged" "same" bash -c "[ '$(echo "$before" | md5sum)' = '$(running_config | md5sum)' ] && echo same"
ctl_reload=$(ctl reload 2>&1; echo "exit $?")
contains "sluicectl reload reports the refusal" "exit 1" echo "$ctl_reload"

# Four long requests, one per real server (rr); a reload drops rs4.
{ cat "$configs/nat.conf"; printf 'api {\n    listen %s\n    token %s\n    allow_plain_tcp\n}\n' "$port" "$token"; } >"$work/live.conf"
expect "reload back to the file" "200" status_of POST /v1/config/reload ''
long=()
for i in 1 2 3 4; do
  http_get c2 "$LAB_VIP4" "/slow?s=2" >"$work/long.$i" 2>&1 &
  long+=($!)
done
sleep 0.7
sed -i '/real_server 192.168.1.23 80 {/,/}/d' "$work/live.conf"
expect "a reload that removes rs4 applies" '["tcp-10.0.0.1-80", "tcp-10.0.0.10-80"]' json_get 'json.dumps(d["changed"])' \
  <<<"$(body_of POST /v1/config/reload '')"
wait "${long[@]}"
expect "the four open requests all finished" "rs1 rs2 rs3 rs4" bash -c "cat $work/long.* | sort | tr '\n' ' ' | sed 's/ \$//'"
expect "new connections avoid the removed server" "rs1:2 rs2:2 rs3:2" tally c1 "$LAB_VIP4" 6

echo "== sluicectl"
contains "sluicectl lists like ipvsadm -Ln" "TCP  10.0.0.1:80 rr" ctl
contains "sluicectl shows real servers with Masq" "192.168.1.20:80" ctl
contains "sluicectl --stats" "Conns" ctl --stats
contains "sluicectl --rate" "CPS" ctl --rate
contains "sluicectl conns" "ESTABLISHED" bash -c "$(declare -f http_get in_ns); http_get c2 $LAB_VIP4 '/slow?s=1' >/dev/null & sleep 0.4; $(declare -f ctl in_ns); sluicectl=$sluicectl; ctl conns; wait \$!"
expect "sluicectl weight" "0" bash -c "$(declare -f ctl in_ns); sluicectl=$sluicectl; ctl weight -t 10.0.0.1:80 -r 192.168.1.22:80 5 >/dev/null; echo \$?"
expect "the weight reached the daemon" "5" json_get 'd["weight"]' <<<"$(body_of GET "$svc/servers/192.168.1.22-80")"
expect "sluicectl drain" "0" json_get 'd["weight"]' <<<"$(ctl drain -t 10.0.0.1:80 -r 192.168.1.22:80 >/dev/null; body_of GET "$svc/servers/192.168.1.22-80")"
expect "sluicectl add-service" "0" bash -c "$(declare -f ctl in_ns); sluicectl=$sluicectl; ctl add-service -t 10.0.0.1:82 -s rr >/dev/null; echo \$?"
expect "sluicectl add-server" "0" bash -c "$(declare -f ctl in_ns); sluicectl=$sluicectl; ctl add-server -t 10.0.0.1:82 -r 192.168.1.20:80 -m >/dev/null; echo \$?"
check "the service added by sluicectl forwards" bash -c "$(declare -f in_ns); in_ns c1 curl -s --max-time 3 http://10.0.0.1:82/ | grep -q rs1"
expect "sluicectl del-server" "0" bash -c "$(declare -f ctl in_ns); sluicectl=$sluicectl; ctl del-server -t 10.0.0.1:82 -r 192.168.1.20:80 >/dev/null; echo \$?"
expect "sluicectl del-service" "0" bash -c "$(declare -f ctl in_ns); sluicectl=$sluicectl; ctl del-service -t 10.0.0.1:82 >/dev/null; echo \$?"
expect "sluicectl refusing: exit 1" "1" bash -c "$(declare -f ctl in_ns); sluicectl=$sluicectl; ctl del-service -t 10.0.0.1:82 >/dev/null 2>&1; echo \$?"
contains "sluicectl vrrp" "RH_EXT" ctl vrrp
contains "sluicectl health" "TCP_CHECK" ctl health
contains "sluicectl --json" '"services"' ctl --json

echo "== sluice-ipvsadm"
# ipvsadm's own command line on the same daemon: a source-hashed service
# built with it, saved with -S, cleared with -C and restored with -R gives
# the same services through the API, and the same client reaches the same
# real server before and after.
ipvs() { in_ns lb1 timeout 20 "$ipvsadm" "$@"; }
# The service as the API has it (ipvsadm made it, so -S holds all of it).
service_json() { body_of GET /v1/services/tcp-10.0.0.1-83 | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))'; }
served_by() { in_ns "$1" curl -s --max-time 3 "http://10.0.0.1:83/" | grep -o 'rs[0-9]' | head -1; }
expect "ipvsadm -A" "0" bash -c "$(declare -f ipvs in_ns); ipvsadm=$ipvsadm; ipvs -A -t 10.0.0.1:83 -s sh; echo \$?"
for rs in 20 21 22 23; do
  ipvs -a -t 10.0.0.1:83 -r "192.168.1.$rs:80" -m -w 2 || fail "ipvsadm -a 192.168.1.$rs"
done
contains "ipvsadm -Ln shows it as ipvsadm does" "TCP  10.0.0.1:83 sh" ipvs -Ln
contains "a real server line as ipvsadm's" "  -> 192.168.1.23:80              Masq    2      0          0" ipvs -Ln -t 10.0.0.1:83
c1_before=$(served_by c1)
c2_before=$(served_by c2)
check "c1 is served through the new service" test -n "$c1_before"
expect "sh keeps c1 on its real server" "$c1_before" served_by c1
before=$(service_json)
listed=$(ipvs -Ln)
saved=$(ipvs -S -n)
contains "ipvsadm -S -n" "-a -t 10.0.0.1:83 -r 192.168.1.22:80 -m -w 2" echo "$saved"
expect "ipvsadm -C" "0" bash -c "$(declare -f ipvs in_ns); ipvsadm=$ipvsadm; ipvs -C; echo \$?"
expect "after -C no service is left" "[]" bash -c "$(declare -f api body_of); sock=$sock; body_of GET /v1/services | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"services\"])'"
check "after -C the VIP is not served" bash -c "$(declare -f in_ns); ! in_ns c1 curl -s --max-time 2 http://10.0.0.1:83/ >/dev/null"
expect "ipvsadm -R < saved" "0" bash -c "$(declare -f ipvs in_ns); ipvsadm=$ipvsadm; ipvs -R <<<'$saved'; echo \$?"
expect "-R restores the same service (API: scheduler, weights, methods)" "$before" service_json
expect "-R restores the same table (ipvsadm -Ln)" "$listed" ipvs -Ln
expect "c1 reaches the same real server after -R" "$c1_before" served_by c1
expect "c2 reaches the same real server after -R" "$c2_before" served_by c2
check "the counters moved" bash -c "$(declare -f ipvs in_ns); ipvsadm=$ipvsadm; ipvs -Ln --stats -t 10.0.0.1:83 | awk 'NR==3 {exit !(\$3 > 0)}'"
expect "ipvsadm -Z" "0" bash -c "$(declare -f ipvs in_ns); ipvsadm=$ipvsadm; ipvs -Z -t 10.0.0.1:83; echo \$?"
expect "-Z zeroes the service's counters" "0 0 0" bash -c "$(declare -f ipvs in_ns); ipvsadm=$ipvsadm; ipvs -Ln --stats -t 10.0.0.1:83 | awk 'NR==3 {print \$3, \$4, \$6}'"
expect "a refused command: ipvsadm's message and status" "Service already exists 255" bash -c "$(declare -f ipvs in_ns); ipvsadm=$ipvsadm; out=\$(ipvs -A -t 10.0.0.1:83 2>&1); echo \$out \$?"
stop_sluiced
expect "sluice-ipvsadm without a daemon: exit 2" "2" bash -c "$(declare -f ipvs in_ns); ipvsadm=$ipvsadm; ipvs -Ln >/dev/null 2>&1; echo \$?"
expect "sluicectl without a daemon: exit 3" "3" bash -c "$(declare -f ctl in_ns); sluicectl=$sluicectl; ctl >/dev/null 2>&1; echo \$?"
check "the socket is removed at stop" test ! -e "$sock"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
