#!/usr/bin/env bash
# The reference VM as a tunnelling real server (docs/reference-kernel.md):
# Linux with an ipip and a gre interface holding VIPs, as LVS-TUN real
# servers have, and GUE (fou) on port 6080. The lab's own kernel has no
# tunnel modules: this is its real decapsulator.
#   1. From c1 go IPIP and GRE packets (scapy) carrying an ICMP echo and a
#      TCP SYN to the VIPs; the VM decapsulates them and answers natively,
#      from the VIP straight to the client.
#   2. sluiced in lb1 forwards to the VM with lvs_method TUN (configs/
#      tun.conf): curl from c1 to an ipip, a GRE and a GUE VIP is answered
#      by the VM's httpd, and the TUN real server's TCP_CHECK is UP.
#
# Usage: tests/lab/refkernel_tunnel_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab; every wait and the VM are bounded, and the
# VM and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"
# shellcheck source=scripts/lib/reference-kernel.sh
source "$top/scripts/lib/reference-kernel.sh"

preflight

work=$(mktemp -d)
cleanup() {
  stop_sluiced
  refkernel_stop
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_refkernel
ipip_vip=$LAB_VIP4      # lb1 holds it in part 2 only
gre_vip=10.0.0.20
gue_vip=10.0.0.21
pidfile=/run/sluice/refkernel-tunnel.pid
sock=/run/sluice/sluice-lb1.sock

"$lab" up nat >/dev/null
{
  echo "vm=$LAB_VM_ETH0_IP4 prefix=$LAB_PREFIX4 ipip_vip=$ipip_vip gre_vip=$gre_vip gue_vip=$gue_vip"
  cat <<'JOB'
load ipip ip_gre fou
ip link set eth0 up
# An LVS-TUN real server answers ARP for its own address only: the VIPs
# are the router's on this segment.
sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=1
sysctl -qw net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_announce=2
ip addr add "$vm/$prefix" dev eth0
# The modules' fallback devices take tunnel packets from anyone (the
# LVS-TUN real server's tunl0).
for dev in tunl0 gre0; do
  ip link set "$dev" up
  sysctl -qw "net.ipv4.conf.$dev.rp_filter=0"
done
ip addr add "$ipip_vip/32" dev tunl0
ip addr add "$gre_vip/32" dev gre0
# GUE on 6080: the inner IPv4 packet goes on to tunl0.
ip fou add port 6080 gue
ip addr add "$gue_vip/32" dev tunl0
sysctl -qw net.ipv4.conf.all.rp_filter=0
mkdir -p /tmp/www
echo vm >/tmp/www/index.html
httpd -p 80 -h /tmp/www
section links ip -d link show type ipip
mark ready
wait_host 9000 120
section tunl0 ip -s -o link show dev tunl0
section gre0 ip -s -o link show dev gre0
JOB
} >"$work/job.sh"

start=$SECONDS
if ! refkernel_start "$work" 240 "$work/job.sh" --netns "$LAB_SWITCH" \
  --nic "$LAB_VM_TAP0,$LAB_VM_ETH0_MAC,$LAB_BR_EXT"; then
  fail "the reference VM starts"
  exit 1
fi
if ! refkernel_wait ready 60; then
  fail "the VM has its tunnels up"
  exit 1
fi
pass "the VM has its tunnels up ($((SECONDS - start)) s after qemu started)"
contains "the VM's tunl0 is an ipip tunnel" "ipip" refkernel_section links

# probe KIND: KIND (ipip-icmp, ipip-syn, gre-icmp, gre-syn) sent from c1
# three times; prints what came back, natively from the VIP to c1:
# "echo-reply", "syn-ack" or "none".
probe() {
  in_ns c1 timeout 20 "$LAB_PYTHON" -c '
import sys, time
from scapy.all import AsyncSniffer, GRE, ICMP, IP, TCP, conf, send
conf.verb = 0
kind, vm, client, ipip_vip, gre_vip = sys.argv[1:6]
tunnel, what = kind.split("-")
vip = ipip_vip if tunnel == "ipip" else gre_vip
outer = IP(src=client, dst=vm, proto=4) if tunnel == "ipip" else IP(src=client, dst=vm) / GRE(proto=0x0800)
inner = IP(src=client, dst=vip) / (ICMP(id=0x51c, seq=1) if what == "icmp" else TCP(sport=40123, dport=80, flags="S", seq=1000))
# A native answer: plain IP from the VIP to the client, not a tunnel packet.
def native(p):
    return IP in p and p[IP].src == vip and p[IP].dst == client and p[IP].proto in (1, 6)
sniffer = AsyncSniffer(iface="eth0", lfilter=native, store=True)
sniffer.start()
time.sleep(0.5)
for _ in range(3):
    send(outer / inner)
    time.sleep(0.5)
time.sleep(1)
sniffer.stop()
got = "none"
for p in sniffer.results:
    if ICMP in p and p[ICMP].type == 0 and p[ICMP].id == 0x51c:
        got = "echo-reply"
    if TCP in p and p[TCP].dport == 40123 and p[TCP].flags == "SA":
        got = "syn-ack"
print(got)
' "$1" "$LAB_VM_ETH0_IP4" "$LAB_C1_IP4" "$ipip_vip" "$gre_vip" 2>/dev/null || echo error
}
expect "IPIP: an encapsulated ICMP echo to $ipip_vip is answered natively" echo-reply probe ipip-icmp
expect "IPIP: an encapsulated TCP SYN to $ipip_vip:80 is answered natively" syn-ack probe ipip-syn
expect "GRE: an encapsulated ICMP echo to $gre_vip is answered natively" echo-reply probe gre-icmp
expect "GRE: an encapsulated TCP SYN to $gre_vip:80 is answered natively" syn-ack probe gre-syn

echo "== sluiced in lb1 forwards to the VM through the tunnels (lvs_method TUN)"
if start_sluiced "$configs/tun.conf"; then
  for vip in "$ipip_vip" "$gre_vip" "$gue_vip"; do
    expect "curl http://$vip/ through sluiced is answered by the VM" vm http_get c1 "$vip"
  done
  check "the TUN real server's TCP_CHECK reaches it (UP)" wait_check 10.0.0.4 UP 10
  stats=$(curl -s --max-time 3 --unix-socket "$sock" http://sluice/v1/stats)
  check "sluiced dropped nothing as no_headroom or mtu_exceeded" test \
    "$(echo "$stats" | json_get "d['drops'].get('no_headroom', 0) + d['drops'].get('mtu_exceeded', 0)")" -eq 0
  stop_sluiced
fi

check "the VM's job is told to finish" refkernel_poke c1 "$LAB_VM_ETH0_IP4" 9000
if refkernel_finish 30; then pass "the VM's job ends"; else fail "the VM's job ends"; fi
# "N: tun0@NONE: ... RX: bytes packets ..." on one line: the packets field.
rx_packets() { refkernel_section "$1" | sed -n 's/.*RX: *bytes *packets[^\\]*\\ *[0-9]* *\([0-9]*\).*/\1/p'; }
for dev in tunl0 gre0; do
  n=$(rx_packets "$dev")
  expect "the VM's $dev took the packets sent to it" True \
    "$LAB_PYTHON" -c "print(${n:-0} >= 6)"
done
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
