#!/usr/bin/env bash
# sluice as the connection-sync master of a kernel IPVS backup
# (docs/sync.md, docs/reference-kernel.md): sluiced in lb1 runs the guide's
# NAT router (TCP 10.0.0.1:80 rr over rs1-rs4) with the TCP and UDP echo
# services and `lvs_sync_daemon eth1 id 7`; the reference VM, a host of
# the internal segment, runs the kernel's backup sync daemon
# (`ipvsadm --start-daemon backup --mcast-interface eth1 --syncid 7`) with
# the same virtual services set with ipvsadm, so that it binds what it
# receives to its real servers (without them Linux 6.1 lists the same
# connections, unbound: ipvsadm -Ln then counts none). The VM forwards
# nothing: it holds no VIP and no gateway address, and does not route; it
# only listens to the sync group.
#
# From c1 through sluiced: HTTP requests that finish, TCP echo
# connections held open (3 lines each: sluice's default sync_threshold
# 3 50 sends a connection at its third packet) and UDP flows (3 datagrams
# each). Then the VM's `ipvsadm -Lnc` must list every connection
# sluiced's table holds, with its state, client, VIP and real server and
# the time it had left, `ipvsadm -Ln` must count the held ones as active
# on their real servers and the rest inactive, and the VM's IPVS must have
# forwarded nothing itself.
#
# Usage: tests/lab/refkernel_sync_interop_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab; every wait and the VM are bounded, and the
# VM, sluiced, the clients and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"
# shellcheck source=scripts/lib/reference-kernel.sh
source "$top/scripts/lib/reference-kernel.sh"

preflight "$sluiced"

work=$(mktemp -d)
pidfile=/run/sluice/refkernel-sync-lb1.pid
sock=/run/sluice/sluice-lb1.sock
flows_pid=
stop_flows() {
  [ -n "$flows_pid" ] || return 0
  touch "$work/stop"
  for _ in $(seq 50); do kill -0 "$flows_pid" 2>/dev/null || break; sleep 0.1; done
  kill "$flows_pid" 2>/dev/null || true
  wait "$flows_pid" 2>/dev/null || true
  flows_pid=
}
cleanup() {
  stop_flows
  refkernel_stop
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_refkernel
syncid=7
begin=$SECONDS

# sluiced's configuration: the guide's lb1 (VRRP, NAT, rr) with the echo
# services and the sync daemon on the internal port, sending all the time.
config=$work/lb1.conf
sed "s/^global_defs {/global_defs {\n   lvs_sync_daemon eth1 id $syncid/" "$top/docs/examples/lb1_nat.conf" >"$config"
for proto in TCP UDP; do
  {
    echo "virtual_server $LAB_VIP4 $LAB_ECHO_PORT {"
    echo "    lb_algo rr"
    echo "    lb_kind NAT"
    echo "    protocol $proto"
    for rs in "${LAB_SERVER_IP4S[@]}"; do echo "    real_server $rs $LAB_ECHO_PORT { }"; done
    echo "}"
  } >>"$config"
done

"$lab" up nat >/dev/null

echo "== the reference VM: a kernel IPVS sync backup on the internal segment"
{
  echo "vm0=$LAB_VM_ETH0_IP4/$LAB_PREFIX4 vm1=$LAB_VM_ETH1_IP4/$LAB_PREFIX4"
  echo "vip=$LAB_VIP4 servers='${LAB_SERVER_IP4S[*]}' http=$LAB_HTTP_PORT echo=$LAB_ECHO_PORT syncid=$syncid"
  cat <<'JOB'
load ip_vs ip_vs_rr
ip link set eth0 up
ip addr add "$vm0" dev eth0
ip link set eth1 up
ip addr add "$vm1" dev eth1
# No VIP, no gateway address, no forwarding: the VM only listens.
sysctl -qw net.ipv4.ip_forward=0
for svc in "-t $vip:$http" "-t $vip:$echo" "-u $vip:$echo"; do
  ipvsadm -A $svc -s rr
  for rs in $servers; do ipvsadm -a $svc -r "$rs:${svc##*:}" -m; done
done
ipvsadm --start-daemon backup --mcast-interface eth1 --syncid "$syncid"
section daemon ipvsadm -L --daemon
mark ready
wait_host 9000 120
section conns ipvsadm -Lnc
section table ipvsadm -Ln
section stats ipvsadm -Ln --stats
JOB
} >"$work/job.sh"

start=$SECONDS
if ! refkernel_start "$work" 240 "$work/job.sh" --netns "$LAB_SWITCH" \
  --nic "$LAB_VM_TAP0,$LAB_VM_ETH0_MAC,$LAB_BR_EXT" --nic "$LAB_VM_TAP1,$LAB_VM_ETH1_MAC,$LAB_BR_INT"; then
  fail "the reference VM starts"
  exit 1
fi

echo "== sluiced in lb1: the sync master"
start_sluiced "$config" || exit 1
api() { curl -s --max-time 3 --unix-socket "$sock" "http://sluice$1"; }
expect "sluiced's sync daemon: eth1, sync id $syncid, master (and backup: no instance)" \
  "eth1 $syncid master+backup" json_get "d['interface'], d['syncid'], d['role'], sep=' '" <<<"$(api /v1/sync)"

if ! refkernel_wait ready 60; then
  fail "the VM's backup sync daemon runs"
  exit 1
fi
pass "the VM's backup sync daemon runs ($((SECONDS - start)) s after qemu started)"
contains "ipvsadm -L --daemon: the backup on eth1, sync id $syncid, group 224.0.0.81:8848, TTL 1" \
  "backup sync daemon (mcast=eth1, syncid=$syncid, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)" \
  refkernel_section daemon

# The flows, from c1: HTTP requests that finish (both sides close), HTTP
# requests the server closes while c1 holds its side open, TCP echo
# connections and UDP flows held until $work/stop exists, then TCP echo
# connections c1 resets. Writes one JSON object, {"http": [port...],
# "halfclosed": [...], "reset": [...], "tcp": [...], "udp": [[port,
# server]...]}, once all are up.
echo "== connections from c1 through sluiced"
in_ns c1 timeout 90 "$LAB_PYTHON" -c '
import json, os, socket, struct, sys, time
vip, http_port, echo_port, out, stop = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
result = {"http": [], "halfclosed": [], "reset": [], "tcp": [], "udp": []}
held = []
def echo(lines):  # a TCP echo connection, each line read back
    s = socket.create_connection((vip, echo_port), timeout=3)
    for i in range(lines):
        line = b"line %d\n" % i
        s.sendall(line)
        got = b""
        while len(got) < len(line):
            got += s.recv(64)
    return s
for _ in range(4):  # finished: closed on both sides
    s = socket.create_connection((vip, http_port), timeout=3)
    result["http"].append(s.getsockname()[1])
    s.sendall(b"GET / HTTP/1.1\r\nHost: sluice\r\nConnection: close\r\n\r\n")
    while s.recv(4096):
        pass
    s.close()
for _ in range(2):  # closed by the server only: c1 holds its side open
    s = socket.create_connection((vip, http_port), timeout=3)
    result["halfclosed"].append(s.getsockname()[1])
    s.sendall(b"GET / HTTP/1.1\r\nHost: sluice\r\nConnection: close\r\n\r\n")
    while s.recv(4096):
        pass
    held.append(s)
for _ in range(4):  # held open after three lines
    s = echo(3)
    held.append(s)
    result["tcp"].append(s.getsockname()[1])
for _ in range(4):  # three datagrams each, every answer read
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    u.connect((vip, echo_port))
    names = set()
    for i in range(3):
        for _try in range(3):
            u.send(b"name?")
            try:
                names.add(u.recv(64).decode().strip())
                break
            except socket.timeout:
                pass
    held.append(u)
    result["udp"].append([u.getsockname()[1], " ".join(sorted(names))])
for _ in range(2):  # reset by c1 after three lines (last: CLOSE lasts 10 s)
    s = echo(3)
    result["reset"].append(s.getsockname()[1])
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
with open(out + ".tmp", "w") as f:
    json.dump(result, f)
os.rename(out + ".tmp", out)
end = time.monotonic() + 80
while not os.path.exists(stop) and time.monotonic() < end:
    time.sleep(0.1)
' "$LAB_VIP4" "$LAB_HTTP_PORT" "$LAB_ECHO_PORT" "$work/flows.json" "$work/stop" 2>"$work/flows.err" &
flows_pid=$!
for _ in $(seq 150); do [ -s "$work/flows.json" ] && break; kill -0 "$flows_pid" 2>/dev/null || break; sleep 0.1; done
if [ ! -s "$work/flows.json" ]; then
  fail "c1's connections are up"
  cat "$work/flows.err"
  exit 1
fi
flows=$(cat "$work/flows.json")
echo "   c1's client ports: $flows"
pass "c1's connections are up: 4 HTTP requests finished, 2 closed by the server only, 2 echo connections reset, 4 held, 4 UDP flows"
expect "each UDP flow was answered by one real server" 4 json_get \
  "sum(1 for p, names in d['udp'] if names in ('rs1', 'rs2', 'rs3', 'rs4'))" <<<"$flows"
# Let the last state changes go out (sluiced sends a message within 50 ms).
sleep 1

# sluiced's table as "PROTO STATE CLIENT VIP SERVER" lines, sorted.
sluice_conns() {
  api "/v1/connections?limit=1000" | json_get "'\n'.join(sorted('%s %s %s:%d %s:%d %s:%d' % (
    c['protocol'], c['state'], c['client_address'], c['client_port'], c['virtual_address'], c['virtual_port'],
    c['server_address'], c['server_port']) for c in d['connections'] if not c['template']))"
}
sluice_conns >"$work/sluice.conns"
# ... and "PROTO CLIENT SECONDS_LEFT" lines.
api "/v1/connections?limit=1000" | json_get "'\n'.join('%s %s:%d %d' % (c['protocol'], c['client_address'],
  c['client_port'], c['expires_ms'] // 1000) for c in d['connections'] if not c['template'])" >"$work/sluice.expires"
echo "   sluiced's connections (GET /v1/connections):"
sed 's/^/     /' "$work/sluice.conns"
sync_state=$(api /v1/sync)
echo "   sluiced's sync: sent $(json_get "d['sent']" <<<"$sync_state"), dropped $(json_get \
  "{k: v for k, v in d['dropped'].items() if v and k != 'refused'}" <<<"$sync_state")"

check "the VM's job is told to list" refkernel_poke c1 "$LAB_VM_ETH0_IP4" 9000
if refkernel_finish 30; then pass "the VM's job ends"; else fail "the VM's job ends"; fi
stop_flows
echo "   the VM's ipvsadm -Lnc:"
refkernel_section conns | sed 's/^/     /'
echo "   the VM's ipvsadm -Ln:"
refkernel_section table | sed 's/^/     /'
# ipvsadm -Lnc's lines as "PROTO STATE CLIENT VIP SERVER", sorted.
refkernel_section conns | awk '$1 ~ /^(TCP|UDP)$/ {print $1, $3, $4, $5, $6}' | sort >"$work/vm.conns"

# What each list should hold, from c1's own ports.
# shellcheck disable=SC2016
want_of() {  # want_of KIND: c1's connections of that kind as "PROTO CLIENT VIP" lines, sorted
  json_get "'\n'.join(sorted('$2 $LAB_C1_IP4:%d $LAB_VIP4:%d' % ((p[0] if isinstance(p, list) else p), $3) for p in d['$1']))" <<<"$flows"
}
# proto_client_vip FILE PROTO: FILE's PROTO lines as "PROTO CLIENT VIP".
proto_client_vip() { awk -v p="$2" '$1 == p {print $1, $3, $4}' "$1" | sort; }
http_want=$(want_of http TCP "$LAB_HTTP_PORT")
halfclosed_want=$(want_of halfclosed TCP "$LAB_HTTP_PORT")
reset_want=$(want_of reset TCP "$LAB_ECHO_PORT")
tcp_want=$(want_of tcp TCP "$LAB_ECHO_PORT")
udp_want=$(want_of udp UDP "$LAB_ECHO_PORT")
held=$({ proto_client_vip "$work/sluice.conns" TCP; proto_client_vip "$work/sluice.conns" UDP; } | sort)
expect "sluiced's table holds c1's 16 connections, none else" \
  "$(printf '%s\n' "$http_want" "$halfclosed_want" "$reset_want" "$tcp_want" "$udp_want" | sort)" echo "$held"

# lines_for FILE LINES: FILE's lines whose protocol, client and VIP are
# one of LINES ("PROTO CLIENT VIP").
lines_for() {
  awk 'NR == FNR {want[$1 " " $2 " " $3] = 1; next} ($1 " " $3 " " $4) in want' <(echo "$2") "$1" | sort
}
# states FILE LINES: the states of FILE's lines for LINES, counted ("ESTABLISHED:4").
states() { lines_for "$1" "$2" | awk '{print $2}' | sort | uniq -c | awk '{printf "%s%s:%s", s, $2, $1; s=" "} END {print ""}'; }
expect "sluiced: the HTTP connections closed (TIME_WAIT)" "TIME_WAIT:4" states "$work/sluice.conns" "$http_want"
expect "sluiced: the HTTP connections the server closed (FIN_WAIT)" "FIN_WAIT:2" states "$work/sluice.conns" "$halfclosed_want"
expect "sluiced: the echo connections reset (CLOSE)" "CLOSE:2" states "$work/sluice.conns" "$reset_want"
expect "sluiced: the echo connections held (ESTABLISHED)" "ESTABLISHED:4" states "$work/sluice.conns" "$tcp_want"
expect "sluiced: the UDP flows" "UDP:4" states "$work/sluice.conns" "$udp_want"
expect "the VM lists the HTTP connections, closed (TIME_WAIT)" "TIME_WAIT:4" states "$work/vm.conns" "$http_want"
expect "the VM lists the HTTP connections the server closed (FIN_WAIT)" "FIN_WAIT:2" states "$work/vm.conns" "$halfclosed_want"
expect "the VM lists the echo connections reset (CLOSE)" "CLOSE:2" states "$work/vm.conns" "$reset_want"
expect "the VM lists the echo connections, held (ESTABLISHED)" "ESTABLISHED:4" states "$work/vm.conns" "$tcp_want"
expect "the VM lists the UDP flows" "UDP:4" states "$work/vm.conns" "$udp_want"
expect "the VM's ipvsadm -Lnc is sluiced's table: protocol, state, client, VIP and real server of each" \
  "$(cat "$work/sluice.conns")" cat "$work/vm.conns"
expect "each UDP flow's real server in the VM is the one that answered it" "$(json_get \
  "'\n'.join(sorted('$LAB_C1_IP4:%d %s' % (p, n) for p, n in d['udp']))" <<<"$flows")" \
  bash -c "awk '\$1 == \"UDP\" {split(\$5, a, \":\"); print \$3, a[1]}' '$work/vm.conns' |
    sed 's/ $LAB_RS1_IP4\$/ rs1/; s/ $LAB_RS2_IP4\$/ rs2/; s/ $LAB_RS3_IP4\$/ rs3/; s/ $LAB_RS4_IP4\$/ rs4/' | sort"
# Bound to the VM's real servers: ipvsadm -Ln counts the established
# connections as active, the rest as inactive.
counts=$(refkernel_section table | awk '$1 ~ /^(TCP|UDP)$/ {svc = $1 " " $2} $1 == "->" && $2 ~ /:/ && svc != "" {a[svc] += $5; i[svc] += $6}
  END {for (s in a) print s, a[s], i[s]}' | sort)
expect "the VM bound them to its real servers (ipvsadm -Ln: active, inactive per service)" \
  "TCP $LAB_VIP4:$LAB_ECHO_PORT 4 2
TCP $LAB_VIP4:$LAB_HTTP_PORT 0 6
UDP $LAB_VIP4:$LAB_ECHO_PORT 0 4" echo "$counts"
# The VM's timers: each connection's expire as sluiced gave it (the
# seconds it had left when sent), within the few seconds between the reads.
expires=$(refkernel_section conns | awk '$1 ~ /^(TCP|UDP)$/ {split($2, t, ":"); print $1, $4, t[1] * 60 + t[2]}' |
  awk 'NR == FNR {left[$1 " " $2] = $3; next} {d = left[$1 " " $2] - $3; if (d < 0) d = -d; if (d > 5) bad++; n++}
    END {print n + 0, bad + 0}' "$work/sluice.expires" -)
expect "the VM's expire of each connection is sluiced's time left (within 5 s)" "16 0" echo "$expires"
# ... and forwarded nothing itself: IPVS scheduled no connection and saw no packet.
forwarded=$(refkernel_section stats | awk '$1 ~ /^(TCP|UDP)$/ {n += $3 + $4 + $5} END {print n + 0}')
expect "the VM's IPVS forwarded nothing (ipvsadm -Ln --stats: 0 connections, 0 packets)" 0 echo "$forwarded"

echo "the test took $((SECONDS - begin)) s"
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
