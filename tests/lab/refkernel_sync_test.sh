#!/usr/bin/env bash
# The reference VM as an IPVS sync peer (docs/reference-kernel.md): the
# kernel's IPVS as lb1 (a NAT service set with ipvsadm) runs its master
# sync daemon on eth0; c1 makes connections through it and listens on the
# sync group 224.0.0.81:8848. The datagrams must carry the version-1
# header of net/netfilter/ipvs/ip_vs_sync.c (a zero byte, the sync id, the
# size, the connection count, version 1, a zero spare) and IPv4 connection
# entries naming c1, the VIP and a real server: the peer sluice's own sync
# will be tested against.
#
# Usage: tests/lab/refkernel_sync_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
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
listener=
cleanup() {
  [ -z "$listener" ] || kill "$listener" 2>/dev/null || true
  refkernel_stop
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_refkernel
syncid=7

"$lab" up nat >/dev/null
{
  echo "vm0=$LAB_VM_ETH0_IP4/$LAB_PREFIX4 vm1=$LAB_VM_ETH1_IP4/$LAB_PREFIX4"
  echo "vip=$LAB_VIP4 gateway=$LAB_INT_VIP4 servers='${LAB_SERVER_IP4S[*]}' port=$LAB_HTTP_PORT syncid=$syncid"
  cat <<'JOB'
load ip_vs ip_vs_rr
ip link set eth0 up
ip addr add "$vm0" dev eth0
ip addr add "$vip/32" dev eth0
ip link set eth1 up
ip addr add "$vm1" dev eth1
ip addr add "$gateway/32" dev eth1
sysctl -qw net.ipv4.ip_forward=1
ipvsadm -A -t "$vip:$port" -s rr
for rs in $servers; do ipvsadm -a -t "$vip:$port" -r "$rs:$port" -m; done
ipvsadm --start-daemon master --mcast-interface eth0 --syncid "$syncid"
section daemon ipvsadm -L --daemon
mark ready
wait_host 9000 120
section conns ipvsadm -Lnc
JOB
} >"$work/job.sh"

start=$SECONDS
if ! refkernel_start "$work" 240 "$work/job.sh" --netns "$LAB_SWITCH" \
  --nic "$LAB_VM_TAP0,$LAB_VM_ETH0_MAC,$LAB_BR_EXT" --nic "$LAB_VM_TAP1,$LAB_VM_ETH1_MAC,$LAB_BR_INT"; then
  fail "the reference VM starts"
  exit 1
fi
if ! refkernel_wait ready 60; then
  fail "the VM's sync daemon runs"
  exit 1
fi
pass "the VM's sync daemon runs ($((SECONDS - start)) s after qemu started)"
contains "ipvsadm -L --daemon: the master on eth0, our sync id, group 224.0.0.81:8848, TTL 1" \
  "master sync daemon (mcast=eth0, syncid=$syncid, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)" \
  refkernel_section daemon

# The listener: joins the group on c1's eth0, takes datagrams for up to
# 20 s (3 s after the first), and prints one JSON summary.
in_ns c1 timeout 30 "$LAB_PYTHON" -c '
import json, socket, struct, sys, time
group, port, local = "224.0.0.81", 8848, sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", port))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + socket.inet_aton(local))
end = time.monotonic() + 20
out = {"datagrams": 0, "headers": [], "conns": []}
while (left := end - time.monotonic()) > 0:
    s.settimeout(left)
    try:
        data, peer = s.recvfrom(65535)
    except socket.timeout:
        break
    if out["datagrams"] == 0:
        end = min(end, time.monotonic() + 3)
    out["datagrams"] += 1
    out["peer"] = peer[0]
    reserved, syncid, size, count, version, spare = struct.unpack("!BBHBbH", data[:8])
    out["headers"].append([reserved, syncid, size, len(data), count, version, spare])
    at, n = 8, 0
    while n < count and at + 4 <= len(data):
        kind, proto, ver_size = struct.unpack("!BBH", data[at:at + 4])
        length = ver_size & 0x0FFF
        if kind & 1 == 0 and length >= 36:  # IPv4 entry
            flags, state, cport, vport, dport, fwmark, timeout = struct.unpack("!IHHHHII", data[at + 4:at + 24])
            caddr, vaddr, daddr = (socket.inet_ntoa(data[at + 24 + 4 * i:at + 28 + 4 * i]) for i in range(3))
            out["conns"].append([proto, ver_size >> 12, caddr, vaddr, vport, daddr, dport])
        at += (length + 3) & ~3 if length else len(data)
        n += 1
print(json.dumps(out))
' "$LAB_C1_IP4" >"$work/sync.json" 2>"$work/sync.err" &
listener=$!
sleep 1
served=$(tally c1 "$LAB_VIP4" 4)
expect "4 requests through the VM, round robin" "rs1:1 rs2:1 rs3:1 rs4:1" echo "$served"
wait "$listener" || true
listener=
sync=$(cat "$work/sync.json" 2>/dev/null || true)
echo "sync datagrams: $sync"
[ -s "$work/sync.err" ] && cat "$work/sync.err"
if [ -z "$sync" ]; then
  fail "c1 received sync datagrams"
else
  expect "sync datagrams came from the VM" "$LAB_VM_ETH0_IP4" json_get 'd.get("peer")' <<<"$sync"
  expect "every header: zero, sync id $syncid, its size, version 1, zero spare" True json_get \
    "d['datagrams'] > 0 and all(r == 0 and i == $syncid and size == n and v == 1 and sp == 0 and c > 0 for r, i, size, n, c, v, sp in d['headers'])" \
    <<<"$sync"
  expect "the entries are IPv4 TCP connections of c1 to the VIP, entry version 0" True json_get \
    "len(d['conns']) > 0 and all(p == 6 and ver == 0 and c == '$LAB_C1_IP4' and v == '$LAB_VIP4' and vp == $LAB_HTTP_PORT and dp == $LAB_HTTP_PORT for p, ver, c, v, vp, dst, dp in d['conns'])" \
    <<<"$sync"
  expect "the entries name the four real servers" "${LAB_SERVER_IP4S[*]}" json_get \
    "' '.join(sorted(set(c[5] for c in d['conns'])))" <<<"$sync"
fi

check "the VM's job is told to finish" refkernel_poke c1 "$LAB_VM_ETH0_IP4" 9000
if refkernel_finish 30; then pass "the VM's job ends"; else fail "the VM's job ends"; fi
contains "ipvsadm -Lnc lists c1's connections" "$LAB_C1_IP4" refkernel_section conns
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
