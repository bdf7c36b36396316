#!/usr/bin/env bash
# The reference LVS router comparison (docs/reference-kernel.md): the same
# keepalived.conf virtual servers (tests/lab/configs/refkernel.conf), first
# run by real keepalived on the kernel's IPVS in the reference VM, the VM
# being lb1 (the LVS NAT router between the lab's clients and real
# servers), then by sluiced in lb1. The same client requests go to both;
# the real servers each chose must be the same, request by request, and so
# must the per-real-server connection counts of `ipvsadm -Ln --stats` and
# `sluicectl --stats`. rr, wrr and sh here; with SLUICE_LONG=1 (suite
# 'long') also lc, wlc, mh, sed, dh, persistence (whole and by /24) and sh
# with a quiesced real server.
#
# Usage: tests/lab/refkernel_compare_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab; every request, wait and the VM are bounded,
# and the VM, sluiced and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"
# shellcheck source=scripts/lib/reference-kernel.sh
source "$top/scripts/lib/reference-kernel.sh"

preflight "$sluiced" "$sluicectl"

work=$(mktemp -d)
pidfile=/run/sluice/refkernel-lb1.pid
cleanup() {
  refkernel_stop
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_refkernel
long=${SLUICE_LONG:-}
config=$configs/refkernel.conf

# Clients: c1's own address, and 16 more addresses of c1 for the hashing
# schedulers and persistence (one source each).
sources=()
for i in $(seq 201 216); do sources+=("10.0.0.$i"); done
# picks VIP SOURCE...: one HTTP request from each SOURCE, in order, one
# after the other; prints the real servers that answered ("none" for a
# request that failed), space-separated.
picks() {
  local vip=$1 src
  shift
  for src in "$@"; do
    in_ns c1 curl -s --max-time 3 --interface "$src" "http://$vip:$LAB_HTTP_PORT/" || echo none
  done | paste -sd' '
}
rep() { local i; for i in $(seq "$1"); do echo "$2"; done; }

# The sequences, the same for both routers; results in $work/TAG.NAME.
schedulers=(rr wrr sh)
[ -z "$long" ] || schedulers+=(lc wlc mh sed dh persistent persistent24 sh-quiesced)
run_all() {
  local tag=$1
  # shellcheck disable=SC2046
  {
    picks 10.0.0.1 $(rep 8 "$LAB_C1_IP4") >"$work/$tag.rr"
    picks 10.0.0.10 $(rep 16 "$LAB_C1_IP4") >"$work/$tag.wrr"
    picks 10.0.0.11 "${sources[@]}" "${sources[@]}" >"$work/$tag.sh"
    [ -n "$long" ] || return 0
    picks 10.0.0.12 $(rep 8 "$LAB_C1_IP4") >"$work/$tag.lc"
    picks 10.0.0.13 $(rep 14 "$LAB_C1_IP4") >"$work/$tag.wlc"
    picks 10.0.0.14 "${sources[@]}" "${sources[@]}" >"$work/$tag.mh"
    picks 10.0.0.15 $(rep 10 "$LAB_C1_IP4") >"$work/$tag.sed"
    picks 10.0.0.16 "${sources[@]:0:4}" >"$work/$tag.dh"
    picks 10.0.0.17 "${sources[@]}" "${sources[@]}" >"$work/$tag.persistent"
    picks 10.0.0.18 "${sources[@]}" >"$work/$tag.persistent24"
    picks 10.0.0.19 "${sources[@]}" >"$work/$tag.sh-quiesced"
  }
}
# conns_of: "SERVICE REAL_SERVER CONNS" lines from an ipvsadm -Ln --stats
# layout (sluicectl --stats prints the same), sorted.
conns_of() {
  awk '$1 ~ /^(TCP|UDP|SCTP|FWM)$/ {svc = $2} $1 == "->" && $2 ~ /:/ && svc != "" {print svc, $2, $3}' | sort
}

# same_cycle A B PERIOD: "yes" if the pick sequences A and B both repeat
# with PERIOD from their start and B's period is a rotation of A's.
same_cycle() {
  "$LAB_PYTHON" -c '
import sys
a, b, p = sys.argv[1].split(), sys.argv[2].split(), int(sys.argv[3])
periodic = lambda s: len(s) >= 2 * p and all(s[i] == s[i % p] for i in range(len(s)))
rotations = [a[i:p] + a[:i] for i in range(p)]
print("yes" if periodic(a) and periodic(b) and b[:p] in rotations else "no")
' "$@"
}

echo "== the lab"
"$lab" up nat >/dev/null
for src in "${sources[@]}"; do in_ns c1 ip addr add "$src/$LAB_PREFIX4" dev eth0; done

echo "== keepalived and IPVS in the reference VM, as lb1"
mkdir -p "$work/files/etc/keepalived"
sed '/^dataplane {/,/^}/d' "$config" >"$work/files/etc/keepalived/keepalived.conf"
{
  echo "vm0=$LAB_VM_ETH0_IP4/$LAB_PREFIX4 vm1=$LAB_VM_ETH1_IP4/$LAB_PREFIX4"
  echo "services=$(grep -c '^virtual_server' "$config") servers=$(grep -c '^ *real_server' "$config")"
  cat <<'JOB'
load ip_vs ip_vs_rr ip_vs_wrr ip_vs_sh ip_vs_lc ip_vs_wlc ip_vs_mh ip_vs_sed ip_vs_dh
ip link set eth0 up
ip addr add "$vm0" dev eth0
ip link set eth1 up
ip addr add "$vm1" dev eth1
sysctl -qw net.ipv4.ip_forward=1
keepalived -n -l -D -f /etc/keepalived/keepalived.conf >/tmp/keepalived.log 2>&1 &
# Master with every VIP, IPVS holding every service: at most 30 s.
i=0
until ip -4 addr show dev eth1 | grep -q ' 192.168.1.1/32' &&
  ip -4 addr show dev eth0 | grep -q ' 10.0.0.19/32' &&
  [ "$(ipvsadm -Ln | grep -c '^TCP')" -eq "$services" ] &&
  [ "$(ipvsadm -Ln | grep -c -- '-> [0-9]')" -eq "$servers" ]; do
  i=$((i + 1))
  if [ $i -gt 150 ]; then
    section keepalived cat /tmp/keepalived.log
    ip -4 addr
    ipvsadm -Ln
    exit 1
  fi
  sleep 0.2
done
section table ipvsadm -Ln
mark ready
wait_host 9000 400
# IPVS counts per CPU and folds the counts into what ipvsadm lists every
# 2 s (its rate estimator): wait for the last requests to show.
sleep 4
section stats ipvsadm -Ln --stats
section keepalived cat /tmp/keepalived.log
JOB
} >"$work/job.sh"

start=$SECONDS
if ! refkernel_start "$work" 480 "$work/job.sh" --files "$work/files" --netns "$LAB_SWITCH" \
  --nic "$LAB_VM_TAP0,$LAB_VM_ETH0_MAC,$LAB_BR_EXT" --nic "$LAB_VM_TAP1,$LAB_VM_ETH1_MAC,$LAB_BR_INT"; then
  fail "the reference VM starts"
  exit 1
fi
if ! refkernel_wait ready 90; then
  fail "keepalived in the VM is master with every service in IPVS"
  exit 1
fi
pass "keepalived in the VM is master with every service in IPVS ($((SECONDS - start)) s after qemu started)"
start=$SECONDS
run_all ipvs
echo "requests through IPVS: $((SECONDS - start)) s"
check "the VM's job is told to finish" refkernel_poke c1 "$LAB_VM_ETH0_IP4" 9000
if refkernel_finish 60; then pass "the VM's job ends"; else fail "the VM's job ends"; fi
refkernel_section stats >"$work/ipvs.stats"
refkernel_stop

echo "== sluiced in lb1"
for ns in c1 "${LAB_SERVERS[@]}"; do ip -n "$ns" neigh flush all; done
start_sluiced "$config" || exit 1
start=$SECONDS
run_all sluice
echo "requests through sluiced: $((SECONDS - start)) s"
in_ns lb1 timeout 20 "$sluicectl" --stats >"$work/sluice.stats" || true
stop_sluiced

echo "== the comparison"
for s in "${schedulers[@]}"; do
  ipvs=$(cat "$work/ipvs.$s")
  echo "$s: IPVS   $ipvs"
  echo "$s: sluice $(cat "$work/sluice.$s")"
  if [ "$s" = sh-quiesced ]; then
    # Refused: the clients hashed to the quiesced server's buckets.
    if [[ "$ipvs" == *rs[1-4]* && "$ipvs" == *none* ]]; then
      pass "$s: IPVS answered some requests and refused others"
    else
      fail "$s: IPVS answered some requests and refused others ('$ipvs')"
    fi
  elif [ -z "$ipvs" ] || [[ "$ipvs" == *none* ]]; then
    fail "$s: IPVS answered every request ('$ipvs')"
  else
    pass "$s: IPVS answered every request"
  fi
  if [ "$s" = wrr ]; then
    # Linux 6.1 starts a wrr service that keepalived filled one server at a
    # time with a pass that takes every server once (its current weight is
    # 0); sluice starts the cycle at the highest weight, as later kernels
    # do (docs/reference-kernel.md). The cycle is the same.
    expect "wrr: sluice's cycle is IPVS's (from another starting point)" yes \
      same_cycle "$ipvs" "$(cat "$work/sluice.$s")" 8
  else
    expect "$s: sluice chose the real servers IPVS chose" "$ipvs" cat "$work/sluice.$s"
  fi
done
echo "ipvsadm -Ln --stats:"; cat "$work/ipvs.stats"
echo "sluicectl --stats:"; cat "$work/sluice.stats"
ipvs_conns=$(conns_of <"$work/ipvs.stats")
expect "ipvsadm -Ln --stats lists every real server of every service" \
  "$(grep -c '^ *real_server' "$config")" echo "$(grep -c . <<<"$ipvs_conns")"
expect "per-real-server connection counts: sluicectl --stats as ipvsadm -Ln --stats" \
  "$ipvs_conns" echo "$(conns_of <"$work/sluice.stats")"
# service_conns: "SERVICE CONNS" lines of the services themselves.
service_conns() { awk '$1 ~ /^(TCP|UDP|SCTP|FWM)$/ {print $2, $3}' | sort; }
expect "per-service connection counts: sluicectl --stats as ipvsadm -Ln --stats" \
  "$(service_conns <"$work/ipvs.stats")" echo "$(service_conns <"$work/sluice.stats")"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
