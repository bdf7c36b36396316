#!/usr/bin/env bash
# keepalived's log lines from sluiced, as syslog receives them. sluiced runs
# in lb1 with -l --log-ident keepalived; the test is syslog: /dev is a tmpfs
# of the test's own (the host's device nodes bound back in) whose /dev/log is
# a receiver's socket (tests/lab/syslog_sink.py). keepalived (Debian's, in
# lb2) is the VRRP peer, and its own datagrams reach the same socket to be
# compared with sluiced's.
#   1. a real server stops: its TCP_CHECK fails, it is removed, the quorum
#      is lost and the sorry server takes over; it starts again: all back,
#      each line in keepalived's words and order;
#   2. VRRP: sluice is MASTER, keepalived (priority 150) takes over, sluice
#      is BACKUP, keepalived is killed, sluice is MASTER again; sluiced's
#      "(VI_1) Entering MASTER STATE" reads as keepalived's own;
#   3. the real server's check changes are mailed (smtp_alert, a real
#      server's default) to a sink in lb1 (tests/lab/smtp_sink.py), and at
#      the stop VI_1's notify_stop runs.
#
# Usage: tests/lab/log_lines_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Every wait is bounded; sluiced, keepalived, the receiver and the lab are
# stopped whatever happens, and the mounts go with the test's mount
# namespace (scripts/lib/isolated, which the test enters itself when run
# alone).
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"
command -v keepalived >/dev/null || { echo "FAIL: keepalived is not installed (scripts/setup)"; exit 1; }
# /dev is mounted over: only ever in a mount namespace of the test's own.
[ -n "${SLUICE_ISOLATED:-}" ] || exec "$top/scripts/lib/isolated" "$0" "$top" "$build"

work=$(mktemp -d)
pidfile=/run/sluice/log-lines-lb1.pid
syslog=$work/syslog.out
sink_pid=
mail_pid=
keepalived_pid=
stop_keepalived() {
  [ -n "$keepalived_pid" ] || return 0
  # Its VRRP child first: killed so, it does not resign.
  [ ! -s "$work/keepalived-vrrp.pid" ] || kill -KILL "$(cat "$work/keepalived-vrrp.pid")" 2>/dev/null || true
  kill -KILL "$keepalived_pid" 2>/dev/null || true
  { wait "$keepalived_pid"; } 2>/dev/null || true
  keepalived_pid=
  ip -n lb2 addr flush dev eth0 scope global 2>/dev/null || true
}
cleanup() {
  stop_sluiced
  stop_keepalived
  [ -z "$sink_pid" ] || kill "$sink_pid" 2>/dev/null || true
  [ -z "$mail_pid" ] || kill "$mail_pid" 2>/dev/null || true
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A /dev without the host's /dev/log: a tmpfs holding every other entry of
# the host's /dev again (bind mounts, symbolic links copied).
own_dev() {
  local e name
  mkdir -p /run/host-dev
  mount --rbind /dev /run/host-dev
  mount -t tmpfs -o mode=0755 log-lines-dev /dev
  for e in /run/host-dev/*; do
    name=${e##*/}
    if [ "$name" = log ]; then continue; fi
    if [ -L "$e" ]; then
      cp -P "$e" "/dev/$name"
    elif [ -d "$e" ]; then
      mkdir "/dev/$name" && mount --rbind "$e" "/dev/$name"
    else
      touch "/dev/$name" && mount --bind "$e" "/dev/$name"
    fi
  done
}

# The lines of IDENT[PID], their messages only, in the order received.
lines_of() { grep -F " $1[$2]: " "$syslog" | sed 's/^[^]]*\]: //'; }
# logged IDENT PID MESSAGE SECONDS [TIMES]: waits until IDENT[PID] has sent
# MESSAGE (TIMES times, 1 by default).
logged() {
  local end=$((SECONDS + $4))
  while [ $SECONDS -le $end ]; do
    [ "$(lines_of "$1" "$2" | grep -cxF -- "$3")" -ge "${5:-1}" ] && return 0
    sleep 0.1
  done
  return 1
}
# A datagram without its time and pid: "<30> Keepalived_vrrp: (VI_1) ...".
normalized() { sed -E 's/^<([0-9]+)>[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} ([^[]+)\[[0-9]+\]: /<\1> \2: /'; }

printf '#!/bin/sh\necho "stopped $*" >>%s\n' "$work/notify_stop.out" >"$work/notify_stop.sh"
chmod 755 "$work/notify_stop.sh"
cat >"$work/lb1.conf" <<EOF_CONF
global_defs {
    router_id LB1
    notification_email {
        ops@lab.example
    }
    notification_email_from lb1@lab.example
    smtp_server 127.0.0.1 2525
    smtp_connect_timeout 5
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 60
    priority 100
    version 3
    advert_int 0.5
    virtual_ipaddress {
        $LAB_VIP4
    }
    notify_stop $work/notify_stop.sh
}
! Two real servers, quorum 2: one down loses it and rs4 takes over.
virtual_server $LAB_VIP4 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    delay_loop 1
    quorum 2
    sorry_server 192.168.1.23 80
    real_server 192.168.1.20 80 {
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 192.168.1.21 80 {
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}
$(sed -n '/^dataplane {/,$p' "$top/docs/examples/lb1_nat.conf")
EOF_CONF
cat >"$work/lb2.conf" <<EOF_CONF
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 60
    priority 150
    version 3
    advert_int 0.5
    virtual_ipaddress {
        $LAB_VIP4
    }
}
EOF_CONF

own_dev
check "/dev/log is not there before the receiver binds it" test ! -e /dev/log
"$LAB_PYTHON" "$top/tests/lab/syslog_sink.py" /dev/log "$syslog" 120 &
sink_pid=$!
for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
check "the test's receiver is /dev/log" test -S /dev/log

"$lab" up nat >/dev/null
ip netns exec lb1 timeout 90 "$LAB_PYTHON" "$top/tests/lab/smtp_sink.py" 127.0.0.1 2525 "$work/mail.out" &
mail_pid=$!
if ! sluiced_start sluiced_pid lb1 "$work/sluiced.log" -f "$work/lb1.conf" --pidfile "$pidfile" \
  -l --log-ident keepalived; then
  fail "sluiced starts with -l --log-ident keepalived"
  cat "$work/sluiced.log"
  exit 1
fi
pass "sluiced starts with -l --log-ident keepalived"
pid=$sluiced_pid
check "its start is logged as Keepalived[$pid]" logged Keepalived "$pid" \
  "$(sed -n 's/^sluiced: \(running: .*\)/\1/p' "$work/sluiced.log")" 2
check "VI_1: (init) then MASTER, as Keepalived_vrrp[$pid]" \
  logged Keepalived_vrrp "$pid" "(VI_1) Entering MASTER STATE" 5

echo "== rs2 stops and starts again"
vs="[$LAB_VIP4]:tcp:80"
"$lab" server stop rs2 >/dev/null
check "its check fails, it is removed, the quorum is lost, the sorry server is in" \
  logged Keepalived_healthcheckers "$pid" "Removing alive servers from the pool for VS $vs" 8
"$lab" server start rs2 >/dev/null
check "its check succeeds, it is back, the quorum is gained, the sorry server is out" \
  logged Keepalived_healthcheckers "$pid" "Adding alive servers to the pool for VS $vs" 8
expect "the health lines, in keepalived's words and order" "$(cat <<EOF_LINES
TCP_CHECK on service [192.168.1.21]:tcp:80 failed after 1 retries.
Removing service [192.168.1.21]:tcp:80 from VS $vs
Lost quorum 2-0=2 > 1 for VS $vs
Adding sorry server [192.168.1.23]:tcp:80 to VS $vs
Removing alive servers from the pool for VS $vs
TCP connection to [192.168.1.21]:tcp:80 success.
Adding service [192.168.1.21]:tcp:80 to VS $vs
Gained quorum 2+0=2 <= 2 for VS $vs
Removing sorry server [192.168.1.23]:tcp:80 from VS $vs
Adding alive servers to the pool for VS $vs
EOF_LINES
)" lines_of Keepalived_healthcheckers "$pid"
# mailed: grep SUBJECT-OR-BODY-LINE: the sink heard it (at most 5 s).
mailed() {
  for _ in $(seq 50); do grep -qxF "$1" "$work/mail.out" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
check "rs2 down is mailed in keepalived's words" mailed \
  "Subject: [LB1] Realserver [192.168.1.21]:tcp:80 of virtual server $vs - DOWN"
check "with keepalived's body" mailed "=> TCP CHECK failed on service <="
check "rs2 up again is mailed" mailed \
  "Subject: [LB1] Realserver [192.168.1.21]:tcp:80 of virtual server $vs - UP"
check "no quorum mail (a virtual server's smtp_alert is off by default)" \
  bash -c "! grep -q 'Virtualserver' '$work/mail.out'"

echo "== keepalived (priority 150) takes VI_1 over, then is killed"
ip -n lb2 addr replace "$LAB_LB2_ETH0_IP4/$LAB_PREFIX4" dev eth0
ip netns exec lb2 keepalived --vrrp --dont-fork --use-file "$work/lb2.conf" \
  --pid "$work/keepalived.pid" --vrrp_pid "$work/keepalived-vrrp.pid" >"$work/keepalived.log" 2>&1 &
keepalived_pid=$!
check "sluice goes BACKUP" logged Keepalived_vrrp "$pid" "(VI_1) Entering BACKUP STATE" 8
check "keepalived logs its own MASTER to the same socket" \
  bash -c "grep -qE 'Keepalived_vrrp\[[0-9]+\]: \(VI_1\) Entering MASTER STATE$' '$syslog'"
stop_keepalived
check "sluice is MASTER again" logged Keepalived_vrrp "$pid" "(VI_1) Entering MASTER STATE" 5 2
expect "sluiced's VRRP lines: init, MASTER, keepalived's takeover, MASTER again" "$(cat <<'EOF_LINES'
(VI_1) Entering BACKUP STATE (init)
(VI_1) Entering MASTER STATE
(VI_1) Entering BACKUP STATE
(VI_1) Entering MASTER STATE
EOF_LINES
)" lines_of Keepalived_vrrp "$pid"
theirs=$(grep -v -F "[$pid]: " "$syslog" | grep -F ': (VI_1) Entering MASTER STATE' | head -1 | normalized)
ours=$(grep -F "Keepalived_vrrp[$pid]: (VI_1) Entering MASTER STATE" "$syslog" | head -1 | normalized)
expect "sluiced's datagram reads as keepalived's own (but for time and pid)" "$theirs" echo "$ours"
contains "with facility daemon, severity info, as keepalived's" "<30> Keepalived_vrrp: " echo "$ours"

check "notify_stop has not run before the stop" test ! -e "$work/notify_stop.out"
stop_sluiced
expect "notify_stop ran at the stop (SIGTERM)" "stopped " cat "$work/notify_stop.out"
check "its stop is logged as Keepalived[$pid]" logged Keepalived "$pid" "stopped" 2
check "syslog took every line (none dropped)" bash -c "! grep -q 'syslog' '$work/sluiced.log'"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
