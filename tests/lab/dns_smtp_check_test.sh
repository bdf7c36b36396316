#!/usr/bin/env bash
# DNS_CHECK and SMTP_CHECK against real servers in the lab: dnsmasq on rs1
# and rs2, an SMTP server (smtp_sink.py) on rs3 and rs4. rs2's dnsmasq
# answering NXDOMAIN for the checked name and rs4 greeting with 554 mark
# them down: no new client reaches them, and sluiced logs keepalived's
# lines; fixed, they come back. A name without a record of the asked type
# (NOERROR, no answer) stays up, as keepalived reads only the RCODE.
#
# Usage: tests/lab/dns_smtp_check_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab; every wait is bounded; sluiced, dnsmasq,
# the SMTP servers and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"
dnsmasq=$(command -v dnsmasq || true)
[ -x "$dnsmasq" ] || dnsmasq=/usr/sbin/dnsmasq
if [ ! -x "$dnsmasq" ]; then
  echo "SKIP: no dnsmasq (Debian package dnsmasq-base, see scripts/setup)"
  exit 77
fi

work=$(mktemp -d)
chmod 755 "$work"
pidfile=/run/sluice/lab-dns-smtp-lb1.pid
sock=/run/sluice/sluice-lb1.sock
declare -A smtp_pid=()
cleanup() {
  local f
  for f in "$work"/dnsmasq-*.pid; do [ ! -e "$f" ] || kill "$(cat "$f")" 2>/dev/null || true; done
  for f in "${smtp_pid[@]}"; do kill "$f" 2>/dev/null || true; done
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# dns_query NS SERVER NAME: the address in the A answer for NAME, asked of
# SERVER:53 from NS; "rcode N" without one, "failed" without a reply.
dns_query() {
  in_ns "$1" timeout 5 "$LAB_PYTHON" -c '
import random, socket, struct, sys
server, name = sys.argv[1], sys.argv[2]
ident = random.randrange(65536)
q = struct.pack("!6H", ident, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack("!2H", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
s.connect((server, 53))
for _ in range(2):  # one retry: the first datagram may wait for ARP
    s.send(q)
    try:
        r = s.recv(512)
    except OSError:
        continue
    rid, flags, _, answers = struct.unpack("!4H", r[:8])
    if rid == ident:
        print(socket.inet_ntoa(r[-4:]) if flags & 15 == 0 and answers else "rcode %d" % (flags & 15))
        sys.exit(0)
print("failed")
' "$2" "$3"
}
# smtp_greeting NS SERVER: the second word of SERVER:25's greeting (who greets).
smtp_greeting() {
  in_ns "$1" timeout 3 bash -c "exec 3<>/dev/tcp/$2/25 && head -1 <&3" 2>/dev/null | awk '{print $2}' || true
}
# tally_of N COMMAND...: COMMAND's answers over N runs, "a:N b:N" sorted.
tally_of() {
  local n=$1 _
  shift
  for _ in $(seq "$n"); do "$@" || echo failed; done | grep -v '^$' | sort | uniq -c |
    awk '{printf "%s%s:%s", sep, $2, $1; sep=" "} END {print ""}'
}

# dns_start RS ADDRESS HOST_RECORD...: (re)starts dnsmasq in RS, answering
# for lab.test only from the given records (any other name: NXDOMAIN).
dns_start() {
  local rs=$1 address=$2 pid_file=$work/dnsmasq-$1.pid _
  shift 2
  if [ -e "$pid_file" ]; then
    local old
    old=$(cat "$pid_file")
    kill "$old" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
    rm -f "$pid_file"
  fi
  local records=() r
  for r in "$@"; do records+=("--host-record=$r"); done
  in_ns "$rs" timeout 60 "$dnsmasq" -k --no-resolv --no-hosts --conf-file=/dev/null --user=root \
    --pid-file="$pid_file" --listen-address="$address" --bind-interfaces --local=/lab.test/ \
    --log-facility="$work/dnsmasq-$rs.log" "${records[@]}" >/dev/null 2>&1 &
  for _ in $(seq 30); do
    [ "$(dns_query "$rs" "$address" who.lab.test)" != failed ] && return 0
    sleep 0.1
  done
  return 1
}
# smtp_start RS ADDRESS GREETING: (re)starts the SMTP server of RS.
smtp_start() {
  local _
  [ -z "${smtp_pid[$1]:-}" ] || { kill "${smtp_pid[$1]}" 2>/dev/null || true; wait "${smtp_pid[$1]}" 2>/dev/null || true; }
  # Not through in_ns: a backgrounded function is a subshell, and $! would
  # be that shell rather than the server's timeout.
  ip netns exec "$1" timeout 60 "$LAB_PYTHON" "$top/tests/lab/smtp_sink.py" "$2" 25 "$work/$1.mail" "$3" &
  smtp_pid[$1]=$!
  for _ in $(seq 30); do
    in_ns "$1" bash -c "exec 3<>/dev/tcp/$2/25" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# state SERVICE SERVER: the states of SERVER's checkers in SERVICE.
state() { checker_of "$sock" state "$1" "$2"; }
error_of() { checker_of "$sock" last_error "$1" "$2"; }
# wait_state SERVICE SERVER STATE SECONDS: polls until the states are STATE.
wait_state() { wait_checker "$sock" "$@"; }
logged() { grep -qF "sluiced: $1" "$work/sluiced.log"; }

dns=udp-10.0.0.1-53
smtp=tcp-10.0.0.1-25

"$lab" up nat >/dev/null
check "dnsmasq answers on rs1" dns_start rs1 "$LAB_RS1_IP4" www.lab.test,10.9.0.1 who.lab.test,10.9.0.1
check "dnsmasq answers on rs2" dns_start rs2 "$LAB_RS2_IP4" www.lab.test,10.9.0.2 who.lab.test,10.9.0.2
check "an SMTP server listens on rs3" smtp_start rs3 "$LAB_RS3_IP4" "220 rs3 ESMTP"
check "an SMTP server listens on rs4" smtp_start rs4 "$LAB_RS4_IP4" "220 rs4 ESMTP"
start_sluiced "$configs/dns_smtp.conf"

echo "== every server answers its check"
check "DNS_CHECK of rs2 is up" wait_state "$dns" 192.168.1.21-53 UP 4
check "both DNS_CHECKs of rs1 are up, MX of a name without one included" wait_state "$dns" 192.168.1.20-53 "UP UP" 2
check "SMTP_CHECK of rs3 is up" wait_state "$smtp" 192.168.1.22-25 UP 2
check "SMTP_CHECK of rs4 is up" wait_state "$smtp" 192.168.1.23-25 UP 2
expect "DNS clients reach rs1 and rs2 in turn" "10.9.0.1:2 10.9.0.2:2" tally_of 4 dns_query c1 "$LAB_VIP4" who.lab.test
expect "SMTP clients reach rs3 and rs4 in turn" "rs3:2 rs4:2" tally_of 4 smtp_greeting c1 "$LAB_VIP4"
contains "the check said HELO with its helo_name" "HELO lb1.lab.test" cat "$work/rs3.mail"
contains "and the default one elsewhere" "HELO smtpchecker.keepalived.org" cat "$work/rs4.mail"

echo "== rs2 answers NXDOMAIN for the checked name, rs4 greets with 554"
dns_start rs2 "$LAB_RS2_IP4" who.lab.test,10.9.0.2
expect "rs2's dnsmasq says NXDOMAIN (rcode 3) for www.lab.test" "rcode 3" dns_query rs2 "$LAB_RS2_IP4" www.lab.test
smtp_start rs4 "$LAB_RS4_IP4" "554 rs4 no service"
check "rs2 is marked down within delay_loop x (retry + 1) + 1 = 3 s" wait_state "$dns" 192.168.1.21-53 DOWN 3
contains "its last error is the RCODE" "read error occurred. (rcode = 3)" error_of "$dns" 192.168.1.21-53
check "rs4 is marked down within delay_loop + 1 = 2 s" wait_state "$smtp" 192.168.1.23-25 DOWN 2
contains "its last error is the greeting" "Bad greeting banner from server [192.168.1.23]:25" \
  error_of "$smtp" 192.168.1.23-25
expect "no new DNS client reaches rs2 (it still answers who.lab.test)" "10.9.0.1:4" \
  tally_of 4 dns_query c1 "$LAB_VIP4" who.lab.test
expect "no new SMTP client reaches rs4" "rs3:4" tally_of 4 smtp_greeting c1 "$LAB_VIP4"
check "rs1's MX check is still up" wait_state "$dns" 192.168.1.20-53 "UP UP" 0
check "keepalived's DNS_CHECK line" logged \
  "DNS_CHECK ([192.168.1.21]:udp:53) read error occurred. (rcode = 3) after 1 retries"
check "keepalived's SMTP_CHECK line" logged "SMTP_CHECK Bad greeting banner from server [192.168.1.23]:25"
check "and rs2 leaves its service" logged "Removing service [192.168.1.21]:udp:53 from VS [10.0.0.1]:udp:53"
check "and rs4 its own" logged "Removing service [192.168.1.23]:tcp:25 from VS [10.0.0.1]:tcp:25"

echo "== fixed, both come back"
dns_start rs2 "$LAB_RS2_IP4" www.lab.test,10.9.0.2 who.lab.test,10.9.0.2
smtp_start rs4 "$LAB_RS4_IP4" "220 rs4 ESMTP"
check "rs2 is up again within delay_loop + 1 s" wait_state "$dns" 192.168.1.21-53 UP 2
check "rs4 is up again within delay_loop + 1 s" wait_state "$smtp" 192.168.1.23-25 UP 2
expect "DNS clients reach rs2 again" "10.9.0.1:2 10.9.0.2:2" tally_of 4 dns_query c1 "$LAB_VIP4" who.lab.test
expect "SMTP clients reach rs4 again" "rs3:2 rs4:2" tally_of 4 smtp_greeting c1 "$LAB_VIP4"
check "keepalived's SMTP_CHECK success line" logged "Remote SMTP server [192.168.1.23]:tcp:25 succeed on service."
check "rs2 joins its service again" logged "Adding service [192.168.1.21]:udp:53 to VS [10.0.0.1]:udp:53"

stop_sluiced
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
