#!/usr/bin/env bash
# Health checks against the lab's real servers: a stopped HTTP server gets
# no new connection within delay_loop x (retry + 1) + 1 s and comes back
# when started; HTTP_GET with a wrong digest or status, SSL_GET against a
# real TLS server (openssl s_server) and against plain HTTP, MISC_CHECK up,
# down, with a dynamic weight and hanging; every server down hands the
# service to its sorry server, and so does a lost quorum; a server that
# answers RST and one that blackholes are down in the API, /metrics and
# sluicectl. The checks are
# ordinary kernel sockets in lb1, through the ports sluice drives.
#
# Usage: tests/lab/health_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab; every wait is bounded; sluiced, the TLS
# server and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"

work=$(mktemp -d)
chmod 755 "$work"
pidfile=/run/sluice/lab-health-lb1.pid
sock=/run/sluice/sluice-lb1.sock
tls_pid=
cleanup() {
  [ -z "$tls_pid" ] || kill "$tls_pid" 2>/dev/null || true
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# state SERVICE SERVER: the health state of one checker (UP, DOWN).
state() { checker_of "$sock" state "$1" "$2"; }
error_of() { checker_of "$sock" last_error "$1" "$2"; }
# wait_state SERVICE SERVER STATE SECONDS: polls until the state is reached.
wait_state() { wait_checker "$sock" "$@"; }
get() { in_ns "$1" curl -s --max-time 3 "http://10.0.0.1:$2/"; }
# tally_port NS PORT N: like tally, to the VIP on another port.
tally_port() {
  local i
  for i in $(seq "$3"); do get "$1" "$2" || echo "failed"; echo; done | grep -v '^$' | sort | uniq -c |
    awk '{printf "%s%s:%s", sep, $2, $1; sep=" "} END {print ""}'
}

printf '#!/bin/sh\nexit "$1"\n' >"$work/exit.sh"
printf '#!/bin/sh\nsleep 30\n' >"$work/hang.sh"
mkdir -m 777 "$work/notes"
printf '#!/bin/sh\necho "$1 $2 $(id -un)" >>%s/notes/log\n' "$work" >"$work/note.sh"
chmod 755 "$work/exit.sh" "$work/hang.sh" "$work/note.sh"
rs3_md5=$(printf 'rs3\n' | md5sum | cut -d' ' -f1)
sed -e "s|@WORK@|$work|g" -e "s|@RS3_MD5@|$rs3_md5|" "$top/tests/lab/configs/health.conf" >"$work/health.conf"

"$lab" up nat >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=rs3 -keyout "$work/key.pem" -out "$work/cert.pem" \
  >/dev/null 2>&1
in_ns rs3 timeout 300 openssl s_server -quiet -accept 443 -cert "$work/cert.pem" -key "$work/key.pem" -www \
  </dev/null >/dev/null 2>&1 &
tls_pid=$!
start_sluiced "$work/health.conf"

echo "== checks reach the real servers through sluice's ports"
for rs in 20 21 22 23; do
  check "HTTP_GET 192.168.1.$rs is up" wait_state tcp-10.0.0.1-80 "192.168.1.$rs-80" UP 5
done
check "the router's own address answers pings (the kernel's)" ping_ok c1 "$LAB_LB1_ETH0_IP4"
# An ssh-like TCP service of the router itself: the kernel's, through the port.
in_ns lb1 timeout 20 socat -T5 TCP-LISTEN:2222,bind="$LAB_LB1_ETH0_IP4",reuseaddr SYSTEM:'echo router-shell' \
  >/dev/null 2>&1 &
sleep 0.3
expect "a TCP connection to the router reaches its kernel" "router-shell" \
  in_ns c1 timeout 5 socat -T3 - "TCP:$LAB_LB1_ETH0_IP4:2222"
expect "rr over the four while all are up" "rs1:2 rs2:2 rs3:2 rs4:2" tally c1 "$LAB_VIP4" 8

echo "== a real server stops"
# Requests all along; those on rs2 between its stop and its removal may fail.
(for _ in $(seq 60); do get c2 80 || echo failed; echo; sleep 0.1; done) >"$work/during.out" 2>&1 &
during=$!
sleep 1
"$lab" server stop rs2 >/dev/null
stopped_at=$SECONDS
check "rs2 is marked down within delay_loop x (retry + 1) + 1 = 3 s" wait_state tcp-10.0.0.1-80 192.168.1.21-80 DOWN 3
contains "its last error says why" "Connection refused" error_of tcp-10.0.0.1-80 192.168.1.21-80
sleep $((stopped_at + 3 - SECONDS > 0 ? stopped_at + 3 - SECONDS : 0))
after=$(tally c1 "$LAB_VIP4" 12)
expect "no new connection reaches rs2, none fails; the other three share them" "True" \
  bash -c "[[ '$after' != *rs2* && '$after' != *failed* && '$after' == *rs1:*rs3:*rs4:* ]] && echo True"
expect "quorum 2 lost: the sorry server (rs4) answers on port 84" "rs4" get c1 84
wait "$during" || true
failed=$(grep -c failed "$work/during.out" || true)
expect "client requests failed only before rs2 was removed (at most 30 of 60)" "True" \
  echo "$([ "$failed" -le 30 ] && echo True)"
expect "the last 20 requests all succeeded" "0" bash -c "tail -20 '$work/during.out' | grep -c failed"
"$lab" server start rs2 >/dev/null
check "rs2 comes back within delay_loop + 1 s" wait_state tcp-10.0.0.1-80 192.168.1.21-80 UP 3
contains "it gets new connections again" "rs2:" tally c1 "$LAB_VIP4" 8
# Port 84 has its own check of rs2, on its own phase: wait for it.
check "rs2's check of port 84 is up again" wait_state tcp-10.0.0.1-84 192.168.1.21-80 UP 3
# The checker's state is the health thread's; the tables follow on the
# control loop's next turn.
back_on_84() { get c1 84 | grep -qE '^rs[12]$'; }
check "the quorum is back: port 84 goes to rs1 or rs2" wait_until 2 back_on_84
sleep 0.5
expect "notify_down, quorum_down, notify_up, quorum_up ran as script_user" \
  "down rs2 nobody|quorum-down 84 nobody|quorum-up 84 nobody|up rs2 nobody" \
  bash -c "sort '$work/notes/log' | paste -sd'|'"

echo "== HTTP_GET, SSL_GET"
check "a wrong digest marks down" wait_state tcp-10.0.0.1-81 192.168.1.20-80 DOWN 5
contains "and says which digest it got" "digest" error_of tcp-10.0.0.1-81 192.168.1.20-80
check "a wrong status marks down" wait_state tcp-10.0.0.1-81 192.168.1.21-80 DOWN 5
contains "and says which status" "status 404" error_of tcp-10.0.0.1-81 192.168.1.21-80
check "the right digest stays up" wait_state tcp-10.0.0.1-81 192.168.1.22-80 UP 2
expect "port 81 goes to rs3 only" "rs3:4" tally_port c1 81 4
check "SSL_GET against openssl s_server is up" wait_state tcp-10.0.0.1-443 192.168.1.22-443 UP 5
check "SSL_GET against plain HTTP is down" wait_state tcp-10.0.0.1-443 192.168.1.23-80 DOWN 5

echo "== MISC_CHECK"
check "exit 0 is up" wait_state tcp-10.0.0.1-82 192.168.1.20-80 UP 5
check "exit 1 is down" wait_state tcp-10.0.0.1-82 192.168.1.21-80 DOWN 5
check "misc_dynamic exit 5 is up" wait_state tcp-10.0.0.1-82 192.168.1.22-80 UP 5
check "a hanging script is killed and marks down" wait_state tcp-10.0.0.1-82 192.168.1.23-80 DOWN 8
contains "its error says it timed out" "timed out" error_of tcp-10.0.0.1-82 192.168.1.23-80
expect "misc_dynamic weight 3 against rs1's 1: wrr 1:3" "rs1:2 rs3:6" tally_port c1 82 8
# One probe may be running now (a new one each delay_loop); killed ones are gone.
# A killed script's processes take a moment to be reaped: allow 2 s.
expect "no hanging script is left behind (at most the current one)" "True" \
  bash -c 'for _ in $(seq 20); do [ "$(pgrep -u nobody -xc sleep || true)" -le 1 ] && { echo True; exit; }; sleep 0.1; done' 

echo "== sorry server"
check "both real servers of port 83 are down" wait_state tcp-10.0.0.1-83 192.168.1.20-80 DOWN 5
expect "the sorry server answers for them" "rs4:3" tally_port c1 83 3

echo "== a real server that answers RST, one that blackholes"
# up_metric SERVER: sluice_real_server_up of SERVER's check in the port 80 service.
up_metric() {
  curl -s --max-time 5 --unix-socket "$sock" http://sluice/metrics |
    sed -n "s/^sluice_real_server_up{.*service=\"tcp-10.0.0.1-80\".*real_server=\"$1\".*} //p"
}
# ctl_state SERVER: its state in `sluicectl health`.
ctl_state() {
  in_ns lb1 timeout 10 "$sluicectl" health | awk -v s="$1" '$1 == "tcp-10.0.0.1-80" && $2 == s {print $4}'
}
"$lab" server stop rs2 >/dev/null
check "rs2 refuses (RST): down" wait_state tcp-10.0.0.1-80 192.168.1.21-80 DOWN 3
contains "its error says the connection was refused" "Connection refused" error_of tcp-10.0.0.1-80 192.168.1.21-80
expect "/metrics shows it down" "0" up_metric 192.168.1.21-80
expect "sluicectl health shows it down" "DOWN" ctl_state 192.168.1.21-80
"$lab" server start rs2 >/dev/null
# rs3 drops every segment to its port 80: the check's connect times out.
in_ns rs3 nft -f - <<'EOF_NFT'
table inet blackhole {
  chain in {
    type filter hook input priority 0;
    tcp dport 80 drop
  }
}
EOF_NFT
check "rs3 blackholes: its check times out and marks it down within 6 s" \
  wait_state tcp-10.0.0.1-80 192.168.1.22-80 DOWN 6
contains "its error says it timed out" "timed out" error_of tcp-10.0.0.1-80 192.168.1.22-80
expect "/metrics shows it down" "0" up_metric 192.168.1.22-80
expect "sluicectl health shows it down" "DOWN" ctl_state 192.168.1.22-80
in_ns rs3 nft delete table inet blackhole
check "rs3 answers again: up" wait_state tcp-10.0.0.1-80 192.168.1.22-80 UP 4
expect "/metrics shows it up" "1" up_metric 192.168.1.22-80

stop_sluiced
expect "the router's addresses are taken off the kernel interface at stop" "" \
  bash -c "ip -n lb1 -4 -br addr show dev eth1 | awk '{print \$3}'"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
