#!/usr/bin/env bash
# Test of the lab itself (scripts/lab): builds the NAT variant, then the DR
# variant, checks the topology, addresses, MACs, sysctls and services, then
# checks that `down` removes everything, also from a half-made lab.
#
# Usage: tests/lab/lab_test.sh [REPO_ROOT]   (as root; exit 77 = skipped)
#
# Traffic stays inside the lab namespaces; every client call is bounded by a
# timeout, and the lab is brought down whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight

# Processes started here (a stray process for the half-made lab); killed by
# id on exit if `down` missed them.
stray_pids=()
cleanup() {
  "$lab" down >/dev/null 2>&1 || "$lab" down || true
  local pid
  for pid in "${stray_pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_namespaces_left() {
  local ns present
  present=" $(ip netns list | awk '{print $1}' | xargs) "
  for ns in "${LAB_NAMESPACES[@]}"; do
    [[ "$present" == *" $ns "* ]] && echo "$ns"
  done
  return 0
}

server_pids() { cat "$LAB_STATE_DIR"/*.pid 2>/dev/null || true; }

# A process is gone if /proc no longer has it (or it is a zombie).
all_dead() {
  local pid
  for pid in "$@"; do
    if [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
      return 1
    fi
  done
  return 0
}

# Every lab veth end, as "namespace interface".
veth_ends() {
  local ns
  for ns in "${LAB_CLIENTS[@]}" "${LAB_SERVERS[@]}"; do echo "$ns eth0"; done
  for ns in "${LAB_ROUTERS[@]}" "$LAB_GW"; do echo "$ns eth0"; echo "$ns eth1"; done
  ip -n "$LAB_SWITCH" -o link show type veth | awk -F': ' -v sw="$LAB_SWITCH" '{sub(/@.*/, "", $2); print sw, $2}'
}

offloads_off() {
  local features
  features=$(in_ns "$1" ethtool -k "$2") || return 1
  local f
  for f in tx-checksumming tcp-segmentation-offload generic-segmentation-offload generic-receive-offload; do
    grep -q "^$f: off" <<<"$features" || return 1
  done
}

echo "# up (nat)"
if ! "$lab" up; then
  fail "scripts/lab up"
  exit 1
fi
pass "scripts/lab up"
check "status says the lab is up" "$lab" status
nat_pids=$(server_pids)

echo "# switch"
for br in "$LAB_BR_EXT" "$LAB_BR_INT"; do
  details=$(ip -n "$LAB_SWITCH" -d link show dev "$br")
  contains "bridge $br: STP off" "stp_state 0" echo "$details"
  contains "bridge $br: multicast snooping off" "mcast_snooping 0" echo "$details"
done
expect "ext has 5 ports (c1 c2 lb1 lb2 gw)" 5 \
  bash -c "ip -n $LAB_SWITCH -o link show master $LAB_BR_EXT | wc -l"
expect "int has 7 ports (lb1 lb2 gw rs1-rs4)" 7 \
  bash -c "ip -n $LAB_SWITCH -o link show master $LAB_BR_INT | wc -l"

echo "# offloads off on every veth end"
bad=()
while read -r ns ifname; do
  offloads_off "$ns" "$ifname" || bad+=("$ns/$ifname")
done < <(veth_ends)
if [ ${#bad[@]} -eq 0 ]; then pass "tx/tso/gso/gro off on all veth ends"; else fail "offloads still on: ${bad[*]}"; fi

echo "# routers: fixed MACs, link up, no kernel addresses"
for ns in "${LAB_ROUTERS[@]}"; do
  for ifname in eth0 eth1; do
    expect "$ns $ifname MAC" "$(lab_addr "$ns" MAC "$ifname")" mac_of "$ns" "$ifname"
    contains "$ns $ifname is up" ",UP" ip -n "$ns" link show dev "$ifname"
    expect "$ns $ifname has no IPv4 address" "" ip -n "$ns" -4 -o addr show dev "$ifname"
    expect "$ns $ifname has no IPv6 address" "" ip -n "$ns" -6 -o addr show dev "$ifname"
    expect "$ns $ifname rp_filter off" 0 sysctl_of "$ns" "net.ipv4.conf.$ifname.rp_filter"
  done
  expect "$ns rp_filter off (all)" 0 sysctl_of "$ns" net.ipv4.conf.all.rp_filter
  expect "$ns ipv6 disabled" 1 sysctl_of "$ns" net.ipv6.conf.all.disable_ipv6
done

echo "# hosts: fixed MACs"
for ns in "${LAB_CLIENTS[@]}" "${LAB_SERVERS[@]}"; do
  expect "$ns eth0 MAC" "$(lab_addr "$ns" MAC)" mac_of "$ns" eth0
done
for ifname in eth0 eth1; do
  expect "gw $ifname MAC" "$(lab_addr gw MAC "$ifname")" mac_of "$LAB_GW" "$ifname"
done
expect "gw forwards IPv4" 1 sysctl_of "$LAB_GW" net.ipv4.ip_forward
expect "gw forwards IPv6" 1 sysctl_of "$LAB_GW" net.ipv6.conf.all.forwarding

echo "# clients reach the gateway"
for ns in "${LAB_CLIENTS[@]}"; do
  check "$ns pings gw $LAB_GW_ETH0_IP4" ping_ok "$ns" "$LAB_GW_ETH0_IP4"
  check "$ns pings gw $LAB_GW_ETH0_IP6" ping_ok "$ns" "$LAB_GW_ETH0_IP6"
done

echo "# real servers answer (from gw)"
for i in "${!LAB_SERVERS[@]}"; do
  ns=${LAB_SERVERS[$i]}
  for ip in "${LAB_SERVER_IP4S[$i]}" "${LAB_SERVER_IP6S[$i]}"; do
    host=$(url_host "$ip")
    expect "$ns HTTP GET / on $ip" "$ns" http_get "$LAB_GW" "$host"
    expect "$ns TCP echo on $ip" "ping-$ns" tcp_echo "$LAB_GW" "$ip" "ping-$ns"
    expect "$ns UDP echo on $ip" "dgram-$ns" udp_echo "$LAB_GW" "$ip" "dgram-$ns"
  done
done

echo "# HTTP details (rs1)"
rs1=$LAB_RS1_IP4
contains "HEAD answers 200 with Content-Length" "Content-Length: 4" \
  in_ns "$LAB_GW" curl -s -I --max-time 3 "http://$rs1/"
keepalive=$(in_ns "$LAB_GW" curl -s -v --max-time 3 "http://$rs1/" "http://$rs1/" 2>&1 || true)
contains "HTTP/1.1 keep-alive reuses the connection" "Re-using existing connection" echo "$keepalive"
expect "keep-alive: both answers" 2 echo "$(grep -cx rs1 <<<"$keepalive" || true)"
expect "Connection: close is honoured" "rs1" \
  in_ns "$LAB_GW" curl -s --max-time 3 -H "Connection: close" "http://$rs1/"
expect "/client shows the client address" "$LAB_GW_ETH1_IP4" \
  bash -c "ip netns exec $LAB_GW curl -s --max-time 3 http://$rs1/client | cut -d' ' -f1"
start=$(date +%s%N)
expect "/slow?s=1 answers the name" "rs1" http_get "$LAB_GW" "$rs1" "/slow?s=1"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
if [ "$elapsed_ms" -ge 900 ]; then pass "/slow?s=1 waits (${elapsed_ms} ms)"; else fail "/slow?s=1 answered after ${elapsed_ms} ms"; fi
expect "/bytes?n=100000 sends 100000 bytes" 100000 \
  bash -c "ip netns exec $LAB_GW curl -s --max-time 5 'http://$rs1/bytes?n=100000' | wc -c"
expect "unknown path answers 404" 404 \
  in_ns "$LAB_GW" curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$rs1/nope"
# Concurrency: a slow request must not hold up another one.
in_ns "$LAB_GW" curl -s --max-time 5 "http://$rs1/slow?s=2" >/dev/null 2>&1 &
slow_pid=$!
sleep 0.2
start=$(date +%s%N)
expect "a second client is served while one waits" "rs1" http_get "$LAB_GW" "$rs1"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
if [ "$elapsed_ms" -lt 1000 ]; then pass "concurrent answer in ${elapsed_ms} ms"; else fail "concurrent answer took ${elapsed_ms} ms"; fi
wait "$slow_pid" || true

echo "# real servers reach each other"
expect "rs1 -> rs2 HTTP (v4)" rs2 http_get rs1 "$LAB_RS2_IP4"
expect "rs1 -> rs2 HTTP (v6)" rs2 http_get rs1 "[$LAB_RS2_IP6]"
check "rs1 pings rs2 (v4)" ping_ok rs1 "$LAB_RS2_IP4"
check "rs1 pings rs2 (v6)" ping_ok rs1 "$LAB_RS2_IP6"

echo "# NAT routing on the real servers (LBA guide 3.1.2)"
for ns in "${LAB_SERVERS[@]}"; do
  contains "$ns default route via $LAB_INT_VIP4" "default via $LAB_INT_VIP4 " ip -n "$ns" -4 route show default
  contains "$ns default route via $LAB_INT_VIP6" "default via $LAB_INT_VIP6 " ip -n "$ns" -6 route show default
  contains "$ns reaches clients via $LAB_INT_VIP4" "via $LAB_INT_VIP4 " ip -n "$ns" route get "$LAB_C1_IP4"
  expect "$ns has no VIP on lo" "" bash -c "ip -n $ns -o addr show dev lo | grep -e ' $LAB_VIP4/' -e ' $LAB_VIP6/'"
done

echo "# up dr (replaces the running lab)"
if ! "$lab" up dr; then
  fail "scripts/lab up dr"
  exit 1
fi
pass "scripts/lab up dr"
check "status says the lab is up" "$lab" status
contains "status shows the dr variant" "variant: dr" "$lab" status
# shellcheck disable=SC2086
if all_dead $nat_pids; then pass "the nat lab's servers are gone"; else fail "nat servers still alive: $nat_pids"; fi

echo "# DR real servers (LBA guide 3.2.4)"
for i in "${!LAB_SERVERS[@]}"; do
  ns=${LAB_SERVERS[$i]}
  lo=$(ip -n "$ns" -o addr show dev lo)
  contains "$ns has $LAB_VIP4/32 on lo" " $LAB_VIP4/32 " echo "$lo"
  contains "$ns has $LAB_VIP6/128 on lo" " $LAB_VIP6/128 " echo "$lo"
  for conf in all eth0; do
    expect "$ns $conf.arp_ignore=1" 1 sysctl_of "$ns" "net.ipv4.conf.$conf.arp_ignore"
    expect "$ns $conf.arp_announce=2" 2 sysctl_of "$ns" "net.ipv4.conf.$conf.arp_announce"
  done
  contains "$ns default route via gw" "default via $LAB_GW_ETH1_IP4 " ip -n "$ns" -4 route show default
  contains "$ns v6 default route via gw" "default via $LAB_GW_ETH1_IP6 " ip -n "$ns" -6 route show default
  expect "$ns HTTP from gw" "$ns" http_get "$LAB_GW" "${LAB_SERVER_IP4S[$i]}"
done

echo "# DR: nobody on the internal segment answers ARP for the VIP"
arp=$(in_ns "$LAB_GW" timeout 30 "$LAB_PYTHON" - "$LAB_GW_ETH1_MAC" "$LAB_GW_ETH1_IP4" "$LAB_VIP4" "$LAB_RS1_IP4" <<'PY' 2>/dev/null || true
import sys
from scapy.all import ARP, Ether, conf, srp
conf.verb = 0
mac, ip, vip, rs1 = sys.argv[1:]
def who_has(target):
    ans, _ = srp(Ether(dst="ff:ff:ff:ff:ff:ff", src=mac) / ARP(op=1, hwsrc=mac, psrc=ip, pdst=target),
                 iface="eth1", timeout=1, retry=1)
    return ",".join(sorted({r[ARP].hwsrc for _, r in ans})) or "none"
print(who_has(vip), who_has(rs1))
PY
)
expect "ARP who-has VIP: no answer; who-has rs1: rs1 answers" "none $LAB_RS1_MAC" echo "$arp"

echo "# DR end to end, with gw standing in for the director"
# gw routes the VIP to one real server at a time (dst MAC = the server's,
# dst IP = the VIP, as in DR); the server answers from the VIP on lo straight
# back through gw. c1 sends VIP traffic to gw's MAC.
in_ns c1 ip neigh replace "$LAB_VIP4" lladdr "$LAB_GW_ETH0_MAC" dev eth0
in_ns c1 ip -6 neigh replace "$LAB_VIP6" lladdr "$LAB_GW_ETH0_MAC" dev eth0
for i in "${!LAB_SERVERS[@]}"; do
  ns=${LAB_SERVERS[$i]}
  in_ns "$LAB_GW" ip route replace "$LAB_VIP4/32" via "${LAB_SERVER_IP4S[$i]}" dev eth1
  in_ns "$LAB_GW" ip -6 route replace "$LAB_VIP6/128" via "${LAB_SERVER_IP6S[$i]}" dev eth1
  expect "c1 -> VIP $LAB_VIP4 served by $ns" "$ns" http_get c1 "$LAB_VIP4"
  expect "c1 -> VIP $LAB_VIP6 served by $ns" "$ns" http_get c1 "[$LAB_VIP6]"
  expect "$ns sees the client's own address" "$LAB_C1_IP4" \
    bash -c "ip netns exec c1 curl -s --max-time 3 http://$LAB_VIP4/client | cut -d' ' -f1"
  expect "UDP echo from the VIP via $ns (v4)" "dr-$ns" udp_echo c1 "$LAB_VIP4" "dr-$ns"
  expect "UDP echo from the VIP via $ns (v6)" "dr-$ns" udp_echo c1 "$LAB_VIP6" "dr-$ns"
done

echo "# down"
dr_pids=$(server_pids)
check "scripts/lab down" "$lab" down
expect "no lab namespace remains" "" lab_namespaces_left
# shellcheck disable=SC2086
if all_dead $dr_pids; then pass "the servers are gone"; else fail "servers still alive: $dr_pids"; fi
expect "no lab-server process remains" "" pgrep -f "$LAB_SERVER_PY"
check "scripts/lab down again" "$lab" down
if "$lab" status >/dev/null 2>&1; then fail "status on no lab exits 1"; else pass "status on no lab exits 1"; fi

echo "# down after a half-made lab"
ip netns add "$LAB_SWITCH"
ip netns add c1
ip netns add rs2
ip -n "$LAB_SWITCH" link add ext type bridge
ip -n "$LAB_SWITCH" link add c1-eth0 type veth peer name eth0 netns c1
# A process inside a lab namespace, and a stale pid file.
ip netns exec rs2 sleep 60 </dev/null >/dev/null 2>&1 &
stray_pids+=($!)
mkdir -p "$LAB_STATE_DIR"
echo 999999999 >"$LAB_STATE_DIR/rs3.pid"
if "$lab" status >/dev/null 2>&1; then fail "status on a half-made lab exits 1"; else pass "status on a half-made lab exits 1"; fi
check "scripts/lab down on a half-made lab" "$lab" down
expect "no lab namespace remains" "" lab_namespaces_left
sleep 0.2
if all_dead "${stray_pids[@]}"; then pass "processes in lab namespaces are killed"; else fail "process ${stray_pids[*]} survived"; fi
check "scripts/lab down again" "$lab" down

echo "# up over a half-made lab"
ip netns add "$LAB_SWITCH"
ip netns add lb1
check "scripts/lab up over leftovers" "$lab" up
check "status says the lab is up" "$lab" status
check "scripts/lab down" "$lab" down
expect "no lab namespace remains" "" lab_namespaces_left

echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
