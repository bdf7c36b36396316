#!/usr/bin/env bash
# VRRP between real routers in the lab:
#   1. sluice with sluice: the guide's lb1/lb2 NAT configs (sync group VG1,
#      PASS): lb1 is master of both instances, exactly one router answers
#      ARP for the VIP, a client's requests keep succeeding when lb1 is
#      killed (lb2 takes over within 3 x advert_int + skew), lb1 preempts on
#      its return.
#   2. sluice with keepalived (Debian's, in lb2 on the kernel's interfaces):
#      VRRPv2 with PASS and with AH, VRRPv3 over IPv4 with a fractional
#      advert_int and over IPv6; elections both ways, takeover when the
#      master is killed, preemption on its return; a wrong password is
#      counted and changes nothing.
#
# Usage: tests/lab/vrrp_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab namespaces; every wait is bounded, and the
# routers, keepalived and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

examples=$top/docs/examples

preflight "$sluiced"
command -v keepalived >/dev/null || { echo "FAIL: keepalived is not installed (scripts/setup)"; exit 1; }

work=$(mktemp -d)
declare -A router_pid=()

router_tag=vrrp-test

keepalived_pid=
# start_keepalived CONFIG: keepalived's VRRP process in lb2, on the kernel's
# eth0/eth1, which get lb2's addresses for it.
start_keepalived() {
  # The lab keeps the kernel's IPv6 off on router ports (sluice owns them);
  # keepalived's VRRPv3 over IPv6 sends from eth0's link-local address.
  in_ns lb2 sysctl -qw net.ipv6.conf.eth0.accept_dad=0
  in_ns lb2 sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
  ip -n lb2 addr replace "$LAB_LB2_ETH0_IP4/$LAB_PREFIX4" dev eth0
  ip -n lb2 addr replace "$LAB_LB2_ETH1_IP4/$LAB_PREFIX4" dev eth1
  ip netns exec lb2 keepalived --vrrp --dont-fork --log-console --use-file "$1" \
    --pid "$work/keepalived.pid" --vrrp_pid "$work/keepalived-vrrp.pid" >"$work/keepalived.log" 2>&1 &
  keepalived_pid=$!
}
stop_keepalived() {
  [ -n "$keepalived_pid" ] || return 0
  # keepalived's VRRP work is done by a child process: killed first, it dies
  # without resigning (a parent stopped first would have it resign).
  if [ "${1:-TERM}" = KILL ] && [ -s "$work/keepalived-vrrp.pid" ]; then
    kill -KILL "$(cat "$work/keepalived-vrrp.pid")" 2>/dev/null || true
  fi
  kill "-${1:-TERM}" "$keepalived_pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$keepalived_pid" 2>/dev/null || break; sleep 0.1; done
  { wait "$keepalived_pid"; } 2>/dev/null || true
  keepalived_pid=
  rm -f "$work"/keepalived*.pid
  ip -n lb2 addr flush dev eth0 scope global 2>/dev/null || true
  ip -n lb2 addr flush dev eth1 scope global 2>/dev/null || true
  in_ns lb2 sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 2>/dev/null || true
}

cleanup() {
  stop_router lb1
  stop_router lb2
  stop_keepalived KILL
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# vip_macs ADDR: the MAC addresses that answer ARP for ADDR on the external
# segment, as c1 sees them (sorted, one per line).
vip_macs() {
  in_ns c1 arping -b -c 3 -w 4 -I eth0 "$1" 2>/dev/null | grep -oiE '([0-9a-f]{2}:){5}[0-9a-f]{2}' |
    tr 'A-F' 'a-f' | grep -v "^$(mac_of c1 eth0)\$" | sort -u || true
}


counter_of() {  # counter_of NS NAME: the first instance's keepalived counter
  curl -s --max-time 3 --unix-socket "/run/sluice/sluice-$1.sock" http://sluice/v1/vrrp |
    json_get "d['instances'][0]['counters']['$2']"
}
# refused_total NS: the first instance's adverts refused for any reason.
refused_total() {
  curl -s --max-time 3 --unix-socket "/run/sluice/sluice-$1.sock" http://sluice/v1/vrrp |
    json_get "sum(d['instances'][0]['counters']['refused'].values())"
}

# A client that keeps asking, one request every 100 ms, and writes each
# result (a server name or "failed") to a file.
client_pid=
start_client() {
  ( for _ in $(seq 300); do
      http_get c1 "$LAB_VIP4" || echo failed
      echo
      sleep 0.1
    done ) >"$work/client.out" 2>/dev/null &
  client_pid=$!
}
stop_client() {
  [ -n "$client_pid" ] || return 0
  kill "$client_pid" 2>/dev/null || true
  wait "$client_pid" 2>/dev/null || true
  client_pid=
}

"$lab" up nat >/dev/null

echo "== sluice with sluice: the guide's lb1 (priority 100) and lb2 (99), sync group VG1"
start_router lb1 "$examples/lb1_nat.conf"
start_router lb2 "$examples/lb2_nat.conf"
check "lb1 becomes master of RH_EXT and RH_INT" sluiced_wait_states lb1 MASTER
check "lb2 stays backup of both" states_are lb2 "BACKUP BACKUP"
expect "exactly one router answers ARP for the VIP: lb1" "$LAB_LB1_ETH0_MAC" vip_macs "$LAB_VIP4"
check "a client reaches the service through lb1" http_get c1 "$LAB_VIP4"

start_client
sleep 1
stop_router lb1 KILL
took=$(wait_until 8 states_are lb2 "MASTER MASTER") || true
echo "   lb2 master ${took} ms after lb1 was killed"
check "lb2 takes both instances over within 3 x advert_int + skew (3.61 s, +0.4 s for polling)" within "$took" 4000
sleep 2
stop_client
answered=$(grep -cvE '^(failed)?$' "$work/client.out" || true)
failed=$(grep -c '^failed$' "$work/client.out" || true)
echo "   client: $answered answered, $failed failed across the takeover"
check "new client connections succeed after the takeover" test "$(tail -n 5 "$work/client.out" | grep -c '^failed$')" -eq 0
expect "exactly one router answers ARP for the VIP: lb2" "$LAB_LB2_ETH0_MAC" vip_macs "$LAB_VIP4"
check "requests are answered through lb2" http_get c1 "$LAB_VIP4"

start_router lb1 "$examples/lb1_nat.conf"
took=$(wait_until 10 states_are lb1 "MASTER MASTER") || true
echo "   lb1 master again ${took} ms after its restart"
check "lb1 preempts on its return (higher priority)" within "$took" 6000
check "lb2 goes back to backup" sluiced_wait_states lb2 BACKUP
expect "exactly one router answers ARP for the VIP: lb1 again" "$LAB_LB1_ETH0_MAC" vip_macs "$LAB_VIP4"
check "requests are answered through lb1 again" http_get c1 "$LAB_VIP4"
check "lb2 counted lb1's adverts" test "$(counter_of lb2 advert_rcvd)" -gt 0
check "lb2 refused none" test "$(counter_of lb2 auth_failure)" -eq 0

echo "== lb1's external link goes down: FAULT, the whole sync group follows, lb2 takes over"
ip -n "$LAB_SWITCH" link set lb1-eth0 down
check "lb1's instances go to FAULT together" sluiced_wait_states lb1 FAULT
took=$(wait_until 8 states_are lb2 "MASTER MASTER") || true
echo "   lb2 master ${took} ms after lb1's link went down"
check "lb2 takes both over (RH_INT's priority 0 from lb1: skew only)" within "$took" 4000
check "requests are answered through lb2" http_get c1 "$LAB_VIP4"
ip -n "$LAB_SWITCH" link set lb1-eth0 up
took=$(wait_until 10 states_are lb1 "MASTER MASTER") || true
check "lb1 preempts again when its link is back" within "$took" 6000
check "requests are answered through lb1 again" http_get c1 "$LAB_VIP4"
stop_router lb1
stop_router lb2

# --- sluice with keepalived ---------------------------------------------------

# The dataplane block of lb1 (the guide's config's).
dataplane_lb1=$(sed -n '/^dataplane {/,$p' "$examples/lb1_nat.conf")

# sluice_conf FILE VERSION AUTH(none|PASS|AH) PRIORITY ADVERT_INT FAMILY(4|6) [PASSWORD]
# keepalived_conf FILE ... the same instance for keepalived (no dataplane).
instance_conf() {
  local version=$1 auth=$2 prio=$3 advert=$4 family=$5 pass=${6:-passw123} vip=$LAB_VIP4
  [ "$family" = 6 ] && vip=$LAB_VIP6
  cat <<EOF
global_defs {
    vrrp_garp_master_delay 1
}
vrrp_instance VI_$family {
    state BACKUP
    interface eth0
    virtual_router_id 60
    priority $prio
    advert_int $advert
    version $version
EOF
  if [ "$auth" != none ]; then
    printf '    authentication {\n        auth_type %s\n        auth_pass %s\n    }\n' "$auth" "$pass"
  fi
  printf '    virtual_ipaddress {\n        %s\n    }\n}\n' "$vip"
}
sluice_conf() { { instance_conf "${@:2}"; echo "$dataplane_lb1"; } >"$1"; }
keepalived_conf() { instance_conf "${@:2}" >"$1"; }

# keepalived_case NAME VERSION AUTH ADVERT FAMILY: keepalived at priority
# 150 against sluice at 100 and back.
keepalived_case() {
  local name=$1 version=$2 auth=$3 advert=$4 family=$5 vip=$LAB_VIP4 took
  [ "$family" = 6 ] && vip=$LAB_VIP6
  echo "== sluice with keepalived: $name"
  sluice_conf "$work/s.conf" "$version" "$auth" 100 "$advert" "$family"
  keepalived_conf "$work/k.conf" "$version" "$auth" 150 "$advert" "$family"
  if ! in_ns lb2 keepalived -t -f "$work/k.conf" >"$work/kcheck.log" 2>&1; then
    fail "$name: keepalived accepts its config"; cat "$work/kcheck.log"; return
  fi
  start_router lb1 "$work/s.conf"
  check "$name: sluice alone becomes master" sluiced_wait_states lb1 MASTER
  start_keepalived "$work/k.conf"
  took=$(wait_until 10 states_are lb1 BACKUP) || true
  echo "   keepalived (150) took over ${took} ms after its start"
  check "$name: keepalived (150) preempts sluice (100); sluice goes backup" within "$took" 8000
  if [ "$family" = 4 ]; then
    expect "$name: exactly one router answers ARP for the VIP: keepalived's lb2" "$LAB_LB2_ETH0_MAC" vip_macs "$vip"
  fi
  check "$name: sluice hears keepalived's adverts" test "$(counter_of lb1 advert_rcvd)" -gt 0
  expect "$name: sluice refused none of them" "0" refused_total lb1
  stop_keepalived KILL
  took=$(wait_until 10 states_are lb1 MASTER) || true
  echo "   sluice master ${took} ms after keepalived was killed"
  check "$name: sluice takes over within Master_Down_Interval when keepalived is killed" within "$took" 5000
  if [ "$family" = 4 ]; then
    expect "$name: exactly one router answers ARP for the VIP: sluice's lb1" "$LAB_LB1_ETH0_MAC" vip_macs "$vip"
  fi
  start_keepalived "$work/k.conf"
  took=$(wait_until 10 states_are lb1 BACKUP) || true
  check "$name: keepalived preempts again on its return" within "$took" 8000
  stop_keepalived
  stop_router lb1
}

keepalived_case "VRRPv2 PASS" 2 PASS 1 4
keepalived_case "VRRPv2 AH" 2 AH 1 4
keepalived_case "VRRPv3 IPv4, advert_int 0.5" 3 none 0.5 4
keepalived_case "VRRPv3 IPv6" 3 none 1 6

echo "== sluice master, keepalived backup (priority 50): keepalived takes over when sluice is killed"
sluice_conf "$work/s.conf" 2 PASS 100 1 4
keepalived_conf "$work/k.conf" 2 PASS 50 1 4
start_router lb1 "$work/s.conf"
check "sluice becomes master" sluiced_wait_states lb1 MASTER
start_keepalived "$work/k.conf"
sleep 4
check "sluice stays master against a lower keepalived" states_are lb1 MASTER
expect "exactly one router answers ARP for the VIP: sluice's lb1" "$LAB_LB1_ETH0_MAC" vip_macs "$LAB_VIP4"
stop_router lb1 KILL
sleep 4.5
expect "keepalived answers ARP for the VIP after sluice was killed" "$LAB_LB2_ETH0_MAC" vip_macs "$LAB_VIP4"
stop_keepalived

echo "== a wrong password is counted and changes nothing"
sluice_conf "$work/s.conf" 2 PASS 100 1 4 right
keepalived_conf "$work/k.conf" 2 PASS 150 1 4 wrong
start_router lb1 "$work/s.conf"
check "sluice becomes master" sluiced_wait_states lb1 MASTER
start_keepalived "$work/k.conf"
sleep 5
check "sluice stays master: the higher-priority adverts do not authenticate" states_are lb1 MASTER
check "sluice counted auth_failure" test "$(counter_of lb1 auth_failure)" -gt 0
check "sluice accepted none of them" test "$(counter_of lb1 advert_rcvd)" -eq 0
stop_keepalived
stop_router lb1

echo "== track_script in the guide's A.3 style: a failing check hands the VIP to the peer"
# Both routers add 2 while their check passes (lb1 101+2, lb2 100+2); lb1's
# check looks for a file, so removing it leaves lb1 at 101, below lb2's 102.
touch "$work/service-up"
for r in 1 2; do
  prio=$((102 - r))
  check_cmd="/usr/bin/test -e $work/service-up"
  [ "$r" = 2 ] && check_cmd=/bin/true
  {
    printf 'vrrp_script chk_service {\n    script "%s"\n    interval 0.2\n    weight 2\n}\n' "$check_cmd"
    printf 'vrrp_instance VI_1 {\n    interface eth0\n    state BACKUP\n    virtual_router_id 51\n'
    printf '    priority %s\n    advert_int 1\n    virtual_ipaddress {\n        %s\n    }\n' "$prio" "$LAB_VIP4"
    printf '    track_script {\n        chk_service\n    }\n}\n'
    sed -n '/^dataplane {/,$p' "$examples/lb${r}_nat.conf"
  } >"$work/track$r.conf"
done
start_router lb1 "$work/track1.conf"
start_router lb2 "$work/track2.conf"
check "lb1 (101 + 2) becomes master" sluiced_wait_states lb1 MASTER
expect "lb1's effective priority counts its passing check" "103" \
  bash -c "curl -s --unix-socket /run/sluice/sluice-lb1.sock http://sluice/v1/vrrp | $LAB_PYTHON -c 'import json,sys; print(json.load(sys.stdin)[\"instances\"][0][\"effective_priority\"])'"
rm -f "$work/service-up"
took=$(wait_until 8 states_are lb2 MASTER) || true
echo "   lb2 master ${took} ms after lb1's check began to fail"
check "lb2 (100 + 2) preempts lb1 (101) once lb1's check fails" within "$took" 6000
check "lb1 is backup" sluiced_wait_states lb1 BACKUP
touch "$work/service-up"
check "lb1 takes the VIP back when its check passes again" sluiced_wait_states lb1 MASTER
stop_router lb1
stop_router lb2

echo "== notify scripts and SMTP alerts (a mail sink on lb1's loopback)"
printf '#!/bin/sh\necho "$*" >>"%s/notify.out"\n' "$work" >"$work/notify.sh"
chmod 755 "$work/notify.sh"
sluice_conf "$work/s.conf" 2 PASS 100 1 4
sed -i -e "s|^global_defs {|global_defs {\n    router_id LB1\n    notification_email {\n        ops@lab.example\n    }\n    notification_email_from lb1@lab.example\n    smtp_server 127.0.0.1 2525\n    smtp_connect_timeout 5\n    smtp_alert|" \
  -e "s|^    version 2|    version 2\n    notify \"$work/notify.sh\"\n    notify_master \"$work/notify.sh master\"|" "$work/s.conf"
ip netns exec lb1 timeout 30 "$LAB_PYTHON" "$top/tests/lab/smtp_sink.py" 127.0.0.1 2525 "$work/mail.out" &
sink_pid=$!
sleep 0.5
start_router lb1 "$work/s.conf"
check "sluice becomes master" sluiced_wait_states lb1 MASTER
for _ in $(seq 30); do grep -q "^Subject: .*MASTER" "$work/mail.out" 2>/dev/null && break; sleep 0.1; done
contains "notify gets keepalived's arguments for BACKUP" "INSTANCE VI_4 BACKUP 100" cat "$work/notify.out"
contains "notify gets keepalived's arguments for MASTER" "INSTANCE VI_4 MASTER 100" cat "$work/notify.out"
contains "notify_master runs" "master" cat "$work/notify.out"
contains "the mail goes to notification_email" "RCPT TO:<ops@lab.example>" cat "$work/mail.out"
contains "the mail says the instance entered MASTER" "Subject: [LB1] VRRP Instance VI_4 - Entering MASTER state" \
  cat "$work/mail.out"
stop_router lb1
kill "$sink_pid" 2>/dev/null || true
{ wait "$sink_pid"; } 2>/dev/null || true

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
