# shellcheck shell=bash disable=SC2034
# The preamble of every lab test and the helpers they share: pass/fail
# bookkeeping, bounded clients that run inside a lab namespace, sluiced in
# lb1. A test begins with
#
#   source "$(dirname "$0")/lib.sh" "$@"      # its [REPO_ROOT [BUILD_DIR]]
#   preflight BINARY...
#
# and has the lab's constants (scripts/lab-env) and these paths:
top=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/../..}" && pwd)
build=${2:-$top/build}
lab=$top/scripts/lab
configs=$top/tests/lab/configs
sluiced=$build/controlplane/sluiced/sluiced
sluicectl=$build/controlplane/sluicectl/sluicectl
bench=$build/perf/sluice-bench
# shellcheck source=scripts/lab-env
source "$top/scripts/lab-env"

failures=0
checks=0

# preflight BINARY...: skips the test (exit 77) without root, fails it when
# a binary it drives is not built.
preflight() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: the lab needs root"
    exit 77
  fi
  local b
  for b in "$@"; do [ -x "$b" ] || { echo "FAIL: no $b (build first)"; exit 1; }; done
}
pass() { checks=$((checks + 1)); echo "ok   $*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL $*"; }

# check DESCRIPTION COMMAND...: passes if COMMAND succeeds.
check() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}

# expect DESCRIPTION WANTED COMMAND...: passes if COMMAND prints exactly WANTED.
expect() {
  local what=$1 want=$2 got
  shift 2
  got=$("$@" 2>/dev/null) || true
  if [ "$got" = "$want" ]; then pass "$what"; else fail "$what: got '$got', want '$want'"; fi
}

# contains DESCRIPTION NEEDLE COMMAND...: passes if COMMAND's output holds NEEDLE.
contains() {
  local what=$1 needle=$2 got
  shift 2
  got=$("$@" 2>/dev/null) || true
  if [[ "$got" == *"$needle"* ]]; then pass "$what"; else fail "$what: '$needle' not in '$got'"; fi
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Bounded clients, run inside namespace $1.
http_get() { in_ns "$1" curl -s -g --max-time 3 "http://$2:$LAB_HTTP_PORT${3:-/}"; }
url_host() { if [[ "$1" == *:* ]]; then echo "[$1]"; else echo "$1"; fi; }
tcp_echo() { printf '%s' "$3" | in_ns "$1" timeout 5 socat -t2 - "TCP:$(url_host "$2"):$LAB_ECHO_PORT"; }
# One datagram, one answer (socat would wait out its timeout on UDP).
udp_echo() {
  in_ns "$1" timeout 5 "$LAB_PYTHON" -c '
import socket, sys
host, port, msg = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
family = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(family, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((host, port))  # a connected socket takes answers from host only
for _ in range(2):  # one retry: the first datagram may wait for ARP/ND
    s.send(msg)
    try:
        sys.stdout.write(s.recv(65535).decode())
        break
    except socket.timeout:
        pass
' "$2" "$LAB_ECHO_PORT" "$3"
}
# ICMP echo (no ping(8) on a minimal Debian): exit 0 on an answer.
ping_ok() {
  in_ns "$1" timeout 5 "$LAB_PYTHON" -c '
import os, select, socket, struct, sys, time
host = sys.argv[1]
v6 = ":" in host
if v6:  # the kernel fills in ICMPv6 checksums on raw sockets
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    kind, answer = 128, 129
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    kind, answer = 8, 0
ident = os.getpid() & 0xFFFF
def packet(seq):
    body = struct.pack("!BBHHH", kind, 0, 0, ident, seq) + b"sluice-lab"
    if v6:
        return body
    total = sum(struct.unpack("!%dH" % (len(body) // 2), body))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return body[:2] + struct.pack("!H", ~total & 0xFFFF) + body[4:]
for seq in range(3):
    s.sendto(packet(seq), (host, 0))
    deadline = time.monotonic() + 1
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([s], [], [], left)[0]:
            break
        data, peer = s.recvfrom(2048)
        icmp = data if v6 else data[(data[0] & 15) * 4:]
        if peer[0] == host and icmp[0] == answer and struct.unpack("!H", icmp[4:6])[0] == ident:
            sys.exit(0)
sys.exit(1)
' "$2"
}
sysctl_of() { in_ns "$1" sysctl -n "$2"; }
mac_of() { ip -n "$1" -br link show dev "$2" | awk '{print $3}'; }


# Running sluiced in lb1. Callers set $pidfile and $work (a scratch
# directory for the log) first.
SLUICED=$sluiced
# shellcheck source=scripts/lib/sluiced.sh
source "$top/scripts/lib/sluiced.sh"
sluiced_pid=
stop_sluiced() {
  sluiced_stop "$sluiced_pid"
  sluiced_pid=
}
# start_sluiced CONFIG: runs sluiced in lb1 and waits (bounded) until it
# forwards: the real servers resolved, or with VRRP, lb1 master.
start_sluiced() {
  if ! sluiced_start sluiced_pid lb1 "$work/sluiced.log" -f "$1" --pidfile "$pidfile"; then
    fail "sluiced starts with $(basename "$1")"
    cat "$work/sluiced.log"
    return 1
  fi
  pass "sluiced starts with $(basename "$1")"
  # Real servers are resolved in the first second; with VRRP, the VIPs are
  # served once this router is master (Master_Down_Interval, about 3.6 s).
  if grep -q '^vrrp_instance' "$1"; then
    check "sluiced in lb1 becomes VRRP master" sluiced_wait_states lb1 MASTER
  else
    sleep 1.5
  fi
}

# counters: asks the sluiced of start_sluiced for its counters (SIGUSR2)
# and prints the JSON it writes to $stats (its pid file's .stats.json).
counters() {
  rm -f "$stats"
  kill -USR2 "$sluiced_pid"
  for _ in $(seq 30); do [ -s "$stats" ] && break; sleep 0.1; done
  cat "$stats"
}

# jq-free reads of the counters JSON with Debian's python.
json_get() { "$LAB_PYTHON" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# Reading one checker from a sluiced's API socket. checker_of SOCK FIELD
# SERVICE SERVER: FIELD (state: UP, DOWN; last_error) of SERVER's checkers
# in SERVICE, space-separated.
checker_of() {
  curl -s --max-time 5 --unix-socket "$1" http://sluice/v1/health |
    json_get "' '.join(c['$2'] or '' for c in d['checkers'] if c['service']=='$3' and c['real_server']=='$4')"
}
# wait_checker SOCK SERVICE SERVER STATE SECONDS [INTERVAL]: polls (every
# INTERVAL, 0.2 s by default) until the state of the checkers is STATE.
wait_checker() {
  local end=$((SECONDS + $5))
  while [ $SECONDS -le $end ]; do [ "$(checker_of "$1" state "$2" "$3")" = "$4" ] && return 0; sleep "${6:-0.2}"; done
  return 1
}

# wait_until SECONDS COMMAND...: polls COMMAND every 50 ms; prints the ms it
# took, or "timeout" and fails.
wait_until() {
  local limit=$1 start
  shift
  start=$(date +%s%N)
  for _ in $(seq $((limit * 20))); do
    if "$@" >/dev/null 2>&1; then
      echo $((($(date +%s%N) - start) / 1000000))
      return 0
    fi
    sleep 0.05
  done
  echo timeout
  return 1
}
# within MS LIMIT: a time wait_until printed is at most LIMIT ms.
within() { [ "$1" != timeout ] && [ "$1" -le "$2" ]; }
# states_are NS STATES: the VRRP states of the sluiced in NS are STATES.
states_are() { [ "$(sluiced_vrrp_states "$1")" = "$2" ]; }

# Two sluiced as VRRP routers. Callers declare -A router_pid and set $work
# and $router_tag (names the pidfiles). start_router NS CONFIG: sluiced in
# namespace NS (lb1 or lb2).
start_router() {
  sluiced_start "router_pid[$1]" "$1" "$work/$1.log" -f "$2" --pidfile "/run/sluice/$router_tag-$1.pid" && return 0
  echo "sluiced in $1 did not start:"
  cat "$work/$1.log"
  return 1
}
# stop_router NS [SIGNAL]
stop_router() {
  sluiced_stop "${router_pid[$1]:-}" "${2:-TERM}"
  router_pid[$1]=
}

# tally NS TARGET N: N HTTP requests, printed as "rs1:N rs2:N ..." sorted.
tally() {
  local i
  for i in $(seq "$3"); do http_get "$1" "$2" || echo "failed"; echo; done | grep -v '^$' | sort | uniq -c |
    awk '{printf "%s%s:%s", sep, $2, $1; sep=" "} END {print ""}'
}

# Reading sluiced's health checks and lb1's kernel (tests of the exception
# path). check_state SERVER: the state of the check of SERVER's port 80 (one
# service checks it), read from $sock.
check_state() {
  curl -s --max-time 5 --unix-socket "$sock" http://sluice/v1/health |
    json_get "' '.join(c['state'] for c in d['checkers'] if c['real_server']=='$1-80')"
}
# wait_check SERVER STATE SECONDS: polls until the check is in STATE.
wait_check() {
  local end=$((SECONDS + $3))
  while [ $SECONDS -le $end ]; do [ "$(check_state "$1")" = "$2" ] && return 0; sleep 0.2; done
  return 1
}
# xdp_prog IF: the name of the XDP program attached (native mode) to lb1's
# interface IF, empty if none.
xdp_prog() { ip -n lb1 -d link show dev "$1" | sed -n 's/.*prog\/xdp id [0-9]* name \([^ ]*\).*/\1/p'; }
# kernel_echoes: the echo replies lb1's kernel has sent (Icmp OutEchoReps).
kernel_echoes() {
  in_ns lb1 awk '/^Icmp:/ { if (!c) { for (i = 2; i <= NF; i++) if ($i == "OutEchoReps") c = i } else print $c }' \
    /proc/net/snmp
}

# require_refkernel: prepares the reference kernel (scripts/lib/reference-
# kernel.sh, sourced by the caller) or fails the test.
require_refkernel() {
  if ! refkernel_prepare "$build"; then
    fail "the reference kernel is prepared"
    exit 1
  fi
}

# The API's TLS listener for a test (docs/api.md, "Remote access"):
# tls_api PORT makes certificates (scripts/lib/test-certs.sh) in
# $work/certs and the token file $work/token, and sets $api_token, $certs
# and $api_url (lb1's loopback); tls_api_block [LINES] prints the api block
# for them, LINES added inside it.
tls_api() {
  # shellcheck source=scripts/lib/test-certs.sh
  source "$top/scripts/lib/test-certs.sh"
  certs=$work/certs
  test_certs "$certs"
  api_token=lab-api-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s\n' "$api_token" >"$work/token"
  chmod 600 "$work/token"
  api_port=$1
  api_url=https://127.0.0.1:$api_port
}
tls_api_block() {
  printf 'api {\n    listen 127.0.0.1 %s\n    token_file %s\n    tls_certificate %s\n    tls_key %s\n%s}\n' \
    "$api_port" "$work/token" "$certs/server.crt" "$certs/server.key" "${1:-}"
}
