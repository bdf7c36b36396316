#!/usr/bin/env bash
# use_vmac between two sluice routers in the lab: the guide's lb1/lb2 NAT
# configs with `use_vmac` in both instances. A capture on the client's
# segment shows the adverts and gratuitous ARPs coming from the virtual MAC
# 00:00:5e:00:01:VRID and never from a router's own MAC; the client's
# neighbour entry for the VIP is that MAC and stays the same when lb1 is
# killed and lb2 takes over, while the client's requests go on being served
# (the real servers' replies to their gateway's virtual MAC, 192.168.1.1 of
# RH_INT, reach lb2 too).
#
# Usage: tests/lab/vmac_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab namespaces; every wait is bounded, and the
# routers, the capture and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump is not installed (scripts/setup)"; exit 77; }

work=$(mktemp -d)
declare -A router_pid=()
capture_pid=
client_pid=
vmac_ext=$(printf '00:00:5e:00:01:%02x' "$LAB_VRID_EXT")
vmac_int=$(printf '00:00:5e:00:01:%02x' "$LAB_VRID_INT")

router_tag=vmac-test

stop_capture() {
  [ -n "$capture_pid" ] || return 0
  kill "$capture_pid" 2>/dev/null || true
  wait "$capture_pid" 2>/dev/null || true
  capture_pid=
}
cleanup() {
  [ -z "$client_pid" ] || kill "$client_pid" 2>/dev/null || true
  stop_capture
  stop_router lb1
  stop_router lb2
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# with_vmac SRC DST: the guide's config with use_vmac in every instance.
with_vmac() { sed 's/^\( *\)virtual_router_id .*/&\n\1use_vmac/' "$1" >"$2"; }
with_vmac "$top/docs/examples/lb1_nat.conf" "$work/lb1.conf"
with_vmac "$top/docs/examples/lb2_nat.conf" "$work/lb2.conf"

# neigh_mac NS ADDR: the MAC of NS's neighbour entry for ADDR.
neigh_mac() { ip -n "$1" neigh show "$2" | grep -oE '([0-9a-f]{2}:){5}[0-9a-f]{2}' | head -n 1; }
# gateway_macs: the MACs the real servers that served have for their gateway.
gateway_macs() {
  local ns
  for ns in "${LAB_SERVERS[@]}"; do neigh_mac "$ns" "$LAB_INT_VIP4"; done | sort -u
}
# captured FILTER: lines of the capture matching an extended regex;
# captured_after FILTER: the same among those after lb1 was killed.
captured() { grep -cE "$1" "$work/capture.txt" || true; }
captured_after() { tail -n +"$((killed_at + 1))" "$work/capture.txt" | grep -cE "$1" || true; }

"$lab" up nat >/dev/null

# The capture runs from before the first router starts to after the
# takeover, bounded in time and packets.
in_ns c1 timeout 30 tcpdump -e -n -l -i eth0 -c 2000 'vrrp or arp' >"$work/capture.txt" 2>/dev/null &
capture_pid=$!
sleep 0.5

start_router lb1 "$work/lb1.conf"
start_router lb2 "$work/lb2.conf"
check "lb1 becomes master of RH_EXT and RH_INT" sluiced_wait_states lb1 MASTER
check "a client reaches the service through lb1" http_get c1 "$LAB_VIP4"
expect "the client's neighbour entry for the VIP is RH_EXT's virtual MAC" "$vmac_ext" neigh_mac c1 "$LAB_VIP4"
expect "the real servers' neighbour entry for their gateway is RH_INT's virtual MAC" "$vmac_int" gateway_macs
contains "lb1's port takes the virtual MAC (net_af_packet: promiscuous mode)" \
  "virtual MAC $vmac_ext accepted in promiscuous mode" cat "$work/lb1.log"

# A client that keeps asking, one request every 100 ms, across the takeover.
( for _ in $(seq 60); do http_get c1 "$LAB_VIP4" || echo failed; echo; sleep 0.1; done ) \
  >"$work/client.out" 2>/dev/null &
client_pid=$!
sleep 1
stop_router lb1 KILL
killed_at=$(wc -l <"$work/capture.txt")  # what the capture holds from here on is lb2's
check "lb2 takes both instances over" sluiced_wait_states lb2 MASTER
wait "$client_pid" || true
client_pid=
stop_capture

failed=$(grep -c '^failed$' "$work/client.out" || true)
echo "   client: $(grep -cvE '^(failed)?$' "$work/client.out" || true) answered, $failed failed across the takeover"
check "requests are answered after the takeover" test "$(tail -n 5 "$work/client.out" | grep -c '^failed$')" -eq 0
check "requests are answered through lb2" http_get c1 "$LAB_VIP4"
expect "the client's neighbour entry is still the virtual MAC" "$vmac_ext" neigh_mac c1 "$LAB_VIP4"
expect "the real servers' entry for their gateway is still RH_INT's virtual MAC" "$vmac_int" gateway_macs

advert="$vmac_ext > 01:00:5e:00:00:12, .*vrid $LAB_VRID_EXT,"
adverts_vmac=$(captured "^[0-9:.]+ $advert")
adverts_lb2=$(captured_after "^[0-9:.]+ $advert")
adverts_own=$(captured "^[0-9:.]+ ($LAB_LB1_ETH0_MAC|$LAB_LB2_ETH0_MAC) > .*VRRP")
# Gratuitous ARPs: broadcast ARP requests for the VIP from the VIP (tcpdump
# names the target's hardware address in brackets, or says Announcement).
garp="ff:ff:ff:ff:ff:ff, ethertype ARP .*(who-has $LAB_VIP4 (\\([0-9a-f:]+\\) )?tell $LAB_VIP4,|Announcement,? $LAB_VIP4,)"
garps=$(captured "^[0-9:.]+ $vmac_ext > $garp")
garps_lb2=$(captured_after "^[0-9:.]+ $vmac_ext > $garp")
garps_own=$(captured "^[0-9:.]+ ($LAB_LB1_ETH0_MAC|$LAB_LB2_ETH0_MAC) > $garp")
grep -m 1 -E "^[0-9:.]+ [0-9a-f:]+ > $garp" "$work/capture.txt" | sed 's/^/   e.g. /' || true
echo "   captured on c1: $adverts_vmac adverts and $garps gratuitous ARPs from $vmac_ext," \
  "$adverts_lb2 and $garps_lb2 of them after the takeover"
check "the adverts come from the virtual MAC" test "$adverts_vmac" -ge 3
check "lb2's adverts come from the same virtual MAC" test "$adverts_lb2" -ge 2
check "no advert comes from a router's own MAC" test "$adverts_own" -eq 0
check "gratuitous ARPs come from the virtual MAC" test "$garps" -gt "$garps_lb2"
check "lb2's gratuitous ARPs on its takeover too" test "$garps_lb2" -ge 1
check "no gratuitous ARP for the VIP from a router's own MAC" test "$garps_own" -eq 0
check "ARP answers for the VIP carry the virtual MAC" \
  grep -qE "$vmac_ext > .*Reply $LAB_VIP4 is-at $vmac_ext" "$work/capture.txt"
stop_router lb2

echo "vmac_test: $((checks - failures))/$checks checks passed"
[ "$failures" -eq 0 ]
