#!/usr/bin/env bash
# A real Prometheus (Debian's /usr/bin/prometheus) scraping sluiced's
# /metrics over the API's TCP listener, TLS and bearer token, while traffic
# flows: the scrapes succeed, the per-service and per-real-server rates, the
# VRRP and health states arrive with their labels and values, a job with a
# wrong token is refused (up 0), and every panel of the Grafana dashboard
# (docs/grafana/sluice.json) has data (scripts/dashboard check). The
# dashboard's picture is drawn once (scripts/dashboard draw) so that the
# drawing cannot rot; with SLUICE_DASHBOARD_PICTURE=FILE it is also
# written there (docs/grafana/sluice.png comes from such a run).
#
# Usage: tests/lab/prometheus_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Prometheus runs in lb1 beside sluiced, on 127.0.0.1, its database in the
# test's temporary directory (the package's systemd unit is not used).
# Traffic stays inside the lab namespaces and on lb1's loopback; every wait
# is bounded; sluiced, Prometheus, the clients and the lab are stopped
# whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"
prometheus=/usr/bin/prometheus
[ -x "$prometheus" ] || { echo "FAIL: prometheus is not installed (scripts/setup)"; exit 1; }
command -v gnuplot >/dev/null || { echo "FAIL: gnuplot is not installed (scripts/setup)"; exit 1; }

work=$(mktemp -d)
chmod 755 "$work"
pidfile=/run/sluice/lab-prometheus-lb1.pid
port=9443      # sluiced's API listener
promport=9090  # Prometheus's web listener and query API
prom=http://127.0.0.1:$promport
prom_pid=
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  [ -z "$prom_pid" ] || { kill "$prom_pid" 2>/dev/null; wait "$prom_pid" 2>/dev/null; } || true
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# promql EXPR PYTHON: PYTHON evaluated on the instant query's result list r
# (each with r[i]["metric"] and r[i]["value"] = [time, "text"]).
promql() {
  in_ns lb1 curl -s --max-time 5 --get --data-urlencode "query=$1" "$prom/api/v1/query" |
    "$LAB_PYTHON" -c "import json,sys; d=json.load(sys.stdin); r=d['data']['result']; print($2)"
}
# wait_promql SECONDS EXPR: until the query has a result (true) or SECONDS pass.
wait_promql() {
  local end=$((SECONDS + $1))
  while [ $SECONDS -le "$end" ]; do
    [ "$(promql "$2" 'len(r)' 2>/dev/null)" -gt 0 ] 2>/dev/null && return 0
    sleep 0.5
  done
  return 1
}

echo "== sluiced with the TLS API, traffic"
"$lab" up nat >/dev/null
tls_api "$port"
printf '%s\n' "wrong-prometheus-token-0123456789" >"$work/wrong-token"
chmod 600 "$work/wrong-token"
{
  # Connection sync as master on eth1, for the dashboard's sync panels.
  printf 'global_defs {\n    lvs_sync_daemon eth1 RH_INT\n}\n'
  # The persistent service's TCP_CHECKs every 2 s (keepalived's default
  # is 60 s): rs2's return shows in the picture.
  sed 's/^    persistence_timeout 60$/&\n    delay_loop 2/' "$configs/nat.conf"
  tls_api_block
} >"$work/live.conf"
start_sluiced "$work/live.conf"
t0=$(date +%s)

# traffic SECONDS: from c1 and c2 until SECONDS have passed (at most 1000
# rounds each): HTTP to the round-robin service and the persistent one, UDP
# echo, a slow request now and then (an active connection), and TCP to a
# VIP's port no service has (dropped as no_service).
traffic() {
  local c
  for c in c1 c2; do
    (
      end=$((SECONDS + $1))
      for i in $(seq 1000); do
        [ $SECONDS -lt $end ] || break
        http_get "$c" "$LAB_VIP4" >/dev/null || true
        [ $((i % 3)) -ne 0 ] || http_get "$c" 10.0.0.10 >/dev/null || true
        [ $((i % 4)) -ne 0 ] || udp_echo "$c" "$LAB_VIP4" ping >/dev/null || true
        [ $((i % 5)) -ne 0 ] || in_ns "$c" curl -s --max-time 0.3 "http://$LAB_VIP4:81/" >/dev/null || true
        if [ $((i % 20)) -eq 1 ]; then http_get "$c" "$LAB_VIP4" "/slow?s=2" >/dev/null & fi
        sleep 0.1
      done
      wait || true
    ) >/dev/null 2>&1 &
    traffic_pids+=($!)
  done
}
traffic_pids=()
traffic 30

echo "== Prometheus scrapes sluiced"
# Two jobs on the same target: the token, and a wrong one. The wrong one
# every 5 s: sluiced answers 429 to an address after 20 failures in a
# minute, and both jobs scrape from 127.0.0.1.
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: sluice
    scheme: https
    tls_config:
      ca_file: $certs/ca.crt
    authorization:
      credentials_file: $work/token
    static_configs:
      - targets: ["127.0.0.1:$port"]
  - job_name: sluice_wrong_token
    scrape_interval: 5s
    scheme: https
    tls_config:
      ca_file: $certs/ca.crt
    authorization:
      credentials_file: $work/wrong-token
    static_configs:
      - targets: ["127.0.0.1:$port"]
EOF
check "promtool accepts the scrape configuration" promtool check config "$work/prometheus.yml"
in_ns lb1 "$prometheus" --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$promport" >"$work/prometheus.log" 2>&1 &
prom_pid=$!
check "the sluice job is up, scraped twice" \
  wait_promql 20 'count_over_time(up{job="sluice"}[1m]) >= 2 and up{job="sluice"} == 1'
# targets JOB KEY: KEY of the job's target in Prometheus's /api/v1/targets.
targets() {
  in_ns lb1 curl -s --max-time 5 "$prom/api/v1/targets" |
    json_get "[t['$2'] for t in d['data']['activeTargets'] if t['labels']['job']=='$1'][0]"
}
expect "the scrape is https" "https://127.0.0.1:$port/metrics" targets sluice scrapeUrl
check "the wrong token's job is scraped" wait_promql 10 'up{job="sluice_wrong_token"}'
expect "the wrong token's job is down" "0" promql 'up{job="sluice_wrong_token"}' 'r[0]["value"][1]'
contains "its error is the refusal" "401" targets sluice_wrong_token lastError
check "sluiced counts the refused scrapes as wrong_token" \
  wait_promql 10 'sluice_api_auth_failures_total{job="sluice",reason="wrong_token"} > 0'
expect "and rate limits no scrape" "0" promql 'sluice_api_auth_rate_limited_total{job="sluice"}' 'r[0]["value"][1]'

echo "== series with their labels"
svc=tcp-10.0.0.1-80
check "the round-robin service's connection rate is above 0" \
  wait_promql 10 "rate(sluice_service_connections_total{service=\"$svc\"}[5s]) > 0"
expect "its four real servers all have a connection rate above 0" "4" \
  promql "rate(sluice_real_server_connections_total{service=\"$svc\"}[10s]) > 0" 'len(r)'
expect "packet rates both ways" "in out" \
  promql "rate(sluice_service_packets_total{service=\"$svc\"}[10s]) > 0" \
  '" ".join(sorted(s["metric"]["direction"] for s in r))'
# vrrp_instance names the VRRP instance; Prometheus's own instance the router.
expect "VRRP: the three instances are MASTER" "RH_EXT RH_INT RH_INT6" \
  promql 'sluice_vrrp_state{state="MASTER"} == 1' '" ".join(sorted(s["metric"]["vrrp_instance"] for s in r))'
expect "VRRP: instance is the router scraped" "127.0.0.1:$port" \
  promql 'sluice_vrrp_state{vrrp_instance="RH_EXT",state="MASTER"}' 'r[0]["metric"]["instance"]'
expect "VRRP: no instance in another state" "0" promql 'sum(sluice_vrrp_state{state!="MASTER"})' 'r[0]["value"][1]'
expect "health: the persistent service's TCP_CHECKs are up" \
  "tcp-10.0.0.10-80 192.168.1.20-80 TCP_CHECK 1;tcp-10.0.0.10-80 192.168.1.21-80 TCP_CHECK 1" \
  promql 'sluice_real_server_up' \
  '";".join(sorted(" ".join([s["metric"][k] for k in ("service","real_server","check")] + [s["value"][1]]) for s in r))'
check "drops by reason: no_service counted" wait_promql 10 'sluice_drops_total{reason="no_service"} > 0'
expect "connection sync: master" "1" promql 'sluice_sync_master' 'r[0]["value"][1]'

echo "== the dashboard's panels have data"
# Grafana's $__rate_interval is at least four scrape intervals.
dash=(--prometheus "$prom" --start "$t0" --end "$(date +%s)" --step 1 --rate-interval 4s)
board=$(in_ns lb1 "$top/scripts/dashboard" check "${dash[@]}" 2>&1 || true)
while IFS= read -r line; do
  case $line in
    "ok   "*) pass "${line#ok   }" ;;
    FAIL*) fail "${line#FAIL }" ;;
  esac
done <<<"$board"
contains "the dashboard check ran to the end" " of the dashboard's panels without data" echo "$board"

expect "the dashboard's picture is a PNG" "PNG" bash -c \
  "$(declare -f in_ns); in_ns lb1 '$top/scripts/dashboard' draw '$work/sluice.png' ${dash[*]} >/dev/null; head -c 4 '$work/sluice.png' | tail -c 3"

# The picture of docs/grafana/sluice.png: a minute more of the lab, with
# changes for its panels to show: the round-robin service turned weighted
# (rs1 three times the others), c2 pausing, rs2's servers stopped for 15 s
# (its checks fail) and started again.
if [ -n "${SLUICE_DASHBOARD_PICTURE:-}" ]; then
  echo "== the dashboard's picture, after a minute more"
  sock=/run/sluice/sluice-lb1.sock
  api_patch() {
    curl -s --max-time 5 --unix-socket "$sock" -X PATCH -H 'Content-Type: application/json' \
      --data-binary "$2" "http://sluice/v1/services/$1" >/dev/null
  }
  wait "${traffic_pids[@]}" || true
  traffic_pids=()
  traffic 60
  sleep 10
  api_patch tcp-10.0.0.1-80 '{"lvs_sched": "wrr"}'
  api_patch tcp-10.0.0.1-80/servers/192.168.1.20-80 '{"weight": 3}'
  sleep 10
  "$lab" server stop rs2 >/dev/null
  sleep 15
  "$lab" server start rs2 >/dev/null
  wait "${traffic_pids[@]}" || true
  sleep 5
  in_ns lb1 "$top/scripts/dashboard" draw "$SLUICE_DASHBOARD_PICTURE" --prometheus "$prom" --start "$t0" \
    --end "$(date +%s)" --step 1 --rate-interval 4s
fi

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
