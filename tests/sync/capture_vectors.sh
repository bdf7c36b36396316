#!/usr/bin/env bash
# Captures known-answer vectors of the IPVS sync protocol from the real
# kernel (docs/reference-kernel.md, docs/sync.md): the reference VM is a
# NAT router set up with ipvsadm and runs the kernel's master sync daemon;
# c1 makes connections through it and listens on the sync group
# 224.0.0.81:8848. Each datagram is written down as hex together with its
# fields as an independent decoder (Python's struct, in this script) reads
# them, and the VM's `ipvsadm -Lnc` is recorded after the traffic.
#
# Two phases, one vector file each:
#   tests/sync/vectors/kernel_v1.json   sync_version 1 (the default): TCP
#       connections held ESTABLISHED, HTTP connections that end (FIN_WAIT,
#       TIME_WAIT, ...), one reset (CLOSE), UDP flows, the templates of a
#       persistent service (ipvsadm -p) and IPv6 HTTP connections
#   tests/sync/vectors/kernel_v0.json   sync_version 0 (the legacy format,
#       IPv4 only): HTTP, persistent TCP and UDP connections
#
# SYN_RECV is never in a datagram: the kernel syncs a TCP connection only in
# ESTABLISHED, FIN_WAIT, TIME_WAIT, CLOSE and CLOSE_WAIT.
#
# Usage: tests/sync/capture_vectors.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Every wait is bounded (about a minute in all); the VM, the clients and the
# lab are stopped whatever happens. The vector files are rewritten only
# when the whole capture succeeded.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/../lab/lib.sh" "$@"
# shellcheck source=scripts/lib/reference-kernel.sh
source "$top/scripts/lib/reference-kernel.sh"

preflight

vectors=$top/tests/sync/vectors
work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  refkernel_stop
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_refkernel
syncid=7
# A small maxlen makes the kernel split the first phase into several full
# datagrams: where it splits is a known answer for the message builder.
maxlen=500
vm0_6=fd00:10::4
vm1_6=fd00:192:168:1::4

"$lab" up nat >/dev/null
{
  echo "vm0=$LAB_VM_ETH0_IP4/$LAB_PREFIX4 vm1=$LAB_VM_ETH1_IP4/$LAB_PREFIX4"
  echo "vm0_6=$vm0_6/$LAB_PREFIX6 vm1_6=$vm1_6/$LAB_PREFIX6 vip6=$LAB_VIP6 gateway6=$LAB_INT_VIP6"
  echo "vip=$LAB_VIP4 gateway=$LAB_INT_VIP4 servers='${LAB_SERVER_IP4S[*]}' servers6='${LAB_SERVER_IP6S[*]}'"
  echo "http=$LAB_HTTP_PORT echo=$LAB_ECHO_PORT syncid=$syncid maxlen=$maxlen"
  cat <<'JOB'
load ip_vs ip_vs_rr
ip link set eth0 up
ip addr add "$vm0" dev eth0
ip addr add "$vip/32" dev eth0
ip -6 addr add "$vm0_6" dev eth0 nodad
ip -6 addr add "$vip6/128" dev eth0 nodad
ip link set eth1 up
ip addr add "$vm1" dev eth1
ip addr add "$gateway/32" dev eth1
ip -6 addr add "$vm1_6" dev eth1 nodad
ip -6 addr add "$gateway6/128" dev eth1 nodad
sysctl -qw net.ipv4.ip_forward=1
sysctl -qw net.ipv6.conf.all.forwarding=1
# HTTP (TCP), a persistent TCP echo service (its templates are synced) and
# a UDP echo service over IPv4; HTTP over IPv6.
ipvsadm -A -t "$vip:$http" -s rr
ipvsadm -A -t "$vip:$echo" -s rr -p 60
ipvsadm -A -u "$vip:$echo" -s rr
ipvsadm -A -t "[$vip6]:$http" -s rr
for rs in $servers; do
  ipvsadm -a -t "$vip:$http" -r "$rs:$http" -m
  ipvsadm -a -t "$vip:$echo" -r "$rs:$echo" -m
  ipvsadm -a -u "$vip:$echo" -r "$rs:$echo" -m
done
for rs in $servers6; do ipvsadm -a -t "[$vip6]:$http" -r "[$rs]:$http" -m; done
ipvsadm --start-daemon master --mcast-interface eth0 --syncid "$syncid" --sync-maxlen "$maxlen"
section daemon ipvsadm -L --daemon
section kernel uname -r
mark ready
wait_host 9000 120
section conns_v1 ipvsadm -Lnc
wait_host 9001 120
sysctl -qw net.ipv4.vs.sync_version=0
mark v0
wait_host 9002 120
section conns_v0 ipvsadm -Lnc
wait_host 9003 120
JOB
} >"$work/job.sh"

start=$SECONDS
if ! refkernel_start "$work" 300 "$work/job.sh" --netns "$LAB_SWITCH" \
  --nic "$LAB_VM_TAP0,$LAB_VM_ETH0_MAC,$LAB_BR_EXT" --nic "$LAB_VM_TAP1,$LAB_VM_ETH1_MAC,$LAB_BR_INT"; then
  fail "the reference VM starts"
  exit 1
fi
if ! refkernel_wait ready 90; then
  fail "the VM's sync daemon runs"
  exit 1
fi
pass "the VM's sync daemon runs ($((SECONDS - start)) s after qemu started)"

# listen OUT STOPFILE: in c1, joins the group and writes one hex line per
# datagram to OUT until STOPFILE exists and nothing came for 4 s (the
# kernel flushes a partly filled message after 2 s), or for 60 s at most.
listen() {
  in_ns c1 timeout 70 "$LAB_PYTHON" -c '
import os, socket, sys, time
out, stop, local = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("224.0.0.81", 8848))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("224.0.0.81") + socket.inet_aton(local))
s.settimeout(0.2)
end = time.monotonic() + 60
last = time.monotonic()
with open(out, "w") as f:
    while time.monotonic() < end:
        try:
            data, peer = s.recvfrom(65535)
        except socket.timeout:
            if os.path.exists(stop) and time.monotonic() - last > 4:
                break
            continue
        last = time.monotonic()
        f.write(peer[0] + " " + data.hex() + "\n")
        f.flush()
' "$1" "$2" "$LAB_C1_IP4" &
  pids+=($!)
}

# Clients in c1, each bounded.
# hold_echo: a TCP connection to the persistent echo service that stays
# ESTABLISHED (three packets in: synced) until the capture ends.
hold_echo() {
  in_ns c1 timeout 120 "$LAB_PYTHON" -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
s.sendall(b"held\n")
s.recv(100)
time.sleep(110)
' "$LAB_VIP4" "$LAB_ECHO_PORT" &
  pids+=($!)
}
# reset_http: connects to the HTTP service and resets the connection
# (SYN, ACK, RST: CLOSE, synced at once).
reset_http() {
  in_ns c1 timeout 5 "$LAB_PYTHON" -c '
import socket, struct, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
time.sleep(0.2)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
' "$LAB_VIP4" "$LAB_HTTP_PORT"
}
# udp_flow N: one UDP socket, N echoed datagrams (the third is synced).
udp_flow() {
  in_ns c1 timeout 10 "$LAB_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[1], int(sys.argv[2])))
got = 0
for i in range(int(sys.argv[3])):
    s.send(b"datagram %d" % i)
    try:
        s.recv(100)
        got += 1
    except socket.timeout:
        pass
print(got)
' "$LAB_VIP4" "$LAB_ECHO_PORT" "$1"
}
# served_once TALLY: how many real servers answered once in a tally.
served_once() { tr ' ' '\n' <<<"$1" | grep -c '^rs[0-9]*:1$'; }
# echo_once: one line through the persistent echo service, then a normal close.
echo_once() { tcp_echo c1 "$LAB_VIP4" "once"; }

# --- Phase 1: sync_version 1 ------------------------------------------------
listen "$work/v1.hex" "$work/v1.stop"
sleep 1
served=$(tally c1 "$LAB_VIP4" 4)
expect "4 HTTP requests through the VM (IPv4)" "rs1:1 rs2:1 rs3:1 rs4:1" echo "$served"
hold_echo
hold_echo
sleep 1
check "a connection reset after its handshake" reset_http
expect "a UDP flow of 3 datagrams, echoed" 3 udp_flow 3
expect "a UDP flow of 4 datagrams, echoed" 4 udp_flow 4
expect "2 HTTP requests through the VM (IPv6), to two real servers" 2 served_once "$(tally c1 "[$LAB_VIP6]" 2)"
sleep 1
check "the VM lists its connections (v1)" refkernel_poke c1 "$LAB_VM_ETH0_IP4" 9000
touch "$work/v1.stop"
wait "${pids[0]}" || true

# --- Phase 2: sync_version 0 ------------------------------------------------
check "the VM switches to sync_version 0" refkernel_poke c1 "$LAB_VM_ETH0_IP4" 9001
if ! refkernel_wait v0 30; then
  fail "the VM runs sync_version 0"
  exit 1
fi
listen "$work/v0.hex" "$work/v0.stop"
v0_listener=${pids[-1]}
sleep 1
expect "2 HTTP requests through the VM (v0 phase), to two real servers" 2 served_once "$(tally c1 "$LAB_VIP4" 2)"
check "a line through the persistent echo service" echo_once
expect "a UDP flow of 3 datagrams, echoed (v0 phase)" 3 udp_flow 3
sleep 1
check "the VM lists its connections (v0)" refkernel_poke c1 "$LAB_VM_ETH0_IP4" 9002
touch "$work/v0.stop"
wait "$v0_listener" || true

check "the VM's job is told to finish" refkernel_poke c1 "$LAB_VM_ETH0_IP4" 9003
if refkernel_finish 30; then pass "the VM's job ends"; else fail "the VM's job ends"; fi
contains "ipvsadm -L --daemon: the master on eth0, sync id $syncid, maxlen $maxlen" \
  "master sync daemon (mcast=eth0, syncid=$syncid, maxlen=$maxlen" refkernel_section daemon

refkernel_section kernel >"$work/kernel.txt"
refkernel_section conns_v1 >"$work/conns_v1.txt"
refkernel_section conns_v0 >"$work/conns_v0.txt"
echo "v1 datagrams: $(wc -l <"$work/v1.hex"), v0 datagrams: $(wc -l <"$work/v0.hex")"

# The independent decoder and the vector files. It checks what every
# datagram must be (from the VM, our sync id, the header's version) and
# writes the files only when all holds.
if "$LAB_PYTHON" - "$work" "$vectors" "$syncid" "$maxlen" "$LAB_VM_ETH0_IP4" <<'PY'; then pass "vectors written to tests/sync/vectors"; else fail "vectors written"; fi
import ipaddress, json, os, struct, sys

work, vectors, syncid, maxlen, vm = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]


def addr(raw):
    return str(ipaddress.ip_address(raw))


def options(raw):
    out, at = [], 0
    while at < len(raw):
        kind, length = raw[at], raw[at + 1]
        out.append({"type": kind, "data": raw[at + 2:at + 2 + length].hex()})
        at += 2 + length
    return out


def v1(data):
    reserved, sid, size, count, version, spare = struct.unpack("!BBHBbH", data[:8])
    assert (reserved, sid, size, version, spare) == (0, syncid, len(data), 1, 0), (reserved, sid, size, version, spare)
    entries, at, end = [], 8, 8
    for _ in range(count):
        kind, proto, ver_size, flags, state, cport, vport, dport, fwmark, timeout = \
            struct.unpack("!BBHIHHHHII", data[at:at + 24])
        length = ver_size & 0x0FFF
        assert ver_size >> 12 == 0 and kind in (0, 1), (kind, ver_size)
        n = 16 if kind & 1 else 4
        a = at + 24
        e = {"family": 6 if kind & 1 else 4, "protocol": proto, "size": length, "flags": flags, "state": state,
             "cport": cport, "vport": vport, "dport": dport, "fwmark": fwmark, "timeout": timeout,
             "caddr": addr(data[a:a + n]), "vaddr": addr(data[a + n:a + 2 * n]), "daddr": addr(data[a + 2 * n:a + 3 * n]),
             "options": options(data[a + 3 * n:at + length])}
        entries.append(e)
        end = at + length
        at += (length + 3) & ~3
    assert end == len(data), (end, len(data))
    return {"version": 1, "syncid": sid, "entries": entries}


def v0(data):
    count, sid, size = struct.unpack("!BBH", data[:4])
    assert (sid, size) == (syncid, len(data)) and count > 0, (sid, size, count)
    entries, at = [], 4
    for _ in range(count):
        _, proto, cport, vport, dport = struct.unpack("!BBHHH", data[at:at + 8])
        caddr, vaddr, daddr = (addr(data[at + 8 + 4 * i:at + 12 + 4 * i]) for i in range(3))
        flags, state = struct.unpack("!HH", data[at + 20:at + 24])
        e = {"family": 4, "protocol": proto, "flags": flags, "state": state, "cport": cport, "vport": vport,
             "dport": dport, "caddr": caddr, "vaddr": vaddr, "daddr": daddr}
        at += 24
        if flags & 0x0600:
            e["seq"] = data[at:at + 24].hex()
            at += 24
        entries.append(e)
    assert at == len(data), (at, len(data))
    return {"version": 0, "syncid": sid, "entries": entries}


def listing(path):
    # "TCP 14:59  ESTABLISHED 10.0.0.101:40000 10.0.0.1:7 192.168.1.20:7"
    rows = []
    for line in open(path):
        f = line.split()
        if len(f) == 6 and f[0] in ("TCP", "UDP", "SCTP", "IP"):
            rows.append(line.rstrip("\n"))
    return rows


def render(name, phase, decode, description):
    datagrams = []
    for line in open(os.path.join(work, phase + ".hex")):
        peer, hexdata = line.split()
        assert peer == vm, peer
        d = decode(bytes.fromhex(hexdata))
        assert len(hexdata) // 2 <= maxlen, len(hexdata)
        d["hex"] = hexdata
        datagrams.append(d)
    assert datagrams, "no datagrams in " + phase
    conns = listing(os.path.join(work, "conns_" + phase + ".txt"))
    assert conns, "no ipvsadm -Lnc listing for " + phase
    kernel = open(os.path.join(work, "kernel.txt")).read().strip()
    # One line per datagram and per entry keeps the files small and diffable.
    lines = ["{", '  "description": %s,' % json.dumps(description), '  "kernel": %s,' % json.dumps(kernel),
             '  "syncid": %d,' % syncid, '  "maxlen": %d,' % maxlen, '  "datagrams": [']
    for i, d in enumerate(datagrams):
        lines.append('    {"version": %d, "syncid": %d, "hex": "%s",' % (d["version"], d["syncid"], d["hex"]))
        lines.append('     "entries": [')
        lines.append(",\n".join("       " + json.dumps(e) for e in d["entries"]))
        lines.append("     ]}" + ("," if i + 1 < len(datagrams) else ""))
    lines.append("  ],")
    lines.append('  "ipvsadm_lnc": [')
    lines.append(",\n".join("    " + json.dumps(c) for c in conns))
    lines.append("  ]")
    lines.append("}")
    print("%s: %d datagrams, %d entries, %d listed connections" %
          (name, len(datagrams), sum(len(d["entries"]) for d in datagrams), len(conns)))
    return name, "\n".join(lines) + "\n"


files = [
    render("kernel_v1.json", "v1", v1,
           "Linux's IPVS master sync daemon, sync_version 1: TCP (HTTP, held ESTABLISHED, reset), UDP, "
           "persistence templates, IPv6 HTTP; written by tests/sync/capture_vectors.sh"),
    render("kernel_v0.json", "v0", v0,
           "Linux's IPVS master sync daemon, sync_version 0: TCP (HTTP, persistent echo), UDP, templates; "
           "written by tests/sync/capture_vectors.sh"),
]
# Only now that both phases decoded: the files.
os.makedirs(vectors, exist_ok=True)
for name, text in files:
    with open(os.path.join(vectors, name), "w") as f:
        f.write(text)
PY
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
