#!/usr/bin/env bash
# The reference kernel boots (scripts/lib/reference-kernel.sh): Debian's
# kernel under qemu loads IPVS, takes a service from ipvsadm, lists it with
# -Ln and saves it with -S as a real LVS router does, and powers off.
#
# Usage: tests/lab/refkernel_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# meson runs it through `reference-kernel.sh prepare`, which downloads the
# kernel package the first time. The VM is bounded by `timeout` and killed
# whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"
# shellcheck source=scripts/lib/reference-kernel.sh
source "$top/scripts/lib/reference-kernel.sh"

preflight
work=$(mktemp -d)
cleanup() {
  refkernel_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_refkernel
kver=$(basename "$(dirname "$REFKERNEL_KERNEL")")

cat >"$work/job.sh" <<'JOB'
load ip_vs
mark ip_vs loaded
ipvsadm -A -t 10.0.0.1:80 -s wrr
ipvsadm -a -t 10.0.0.1:80 -r 192.168.1.20:80 -m -w 3
ipvsadm -a -t 10.0.0.1:80 -r 192.168.1.21:80 -g -w 1
ipvsadm -A -u 10.0.0.1:53 -s rr -p 60
ipvsadm -a -u 10.0.0.1:53 -r 192.168.1.22:53 -i
section list ipvsadm -Ln
section save ipvsadm -S -n
# The rr scheduler came through the kernel's own module request.
section modules cat /proc/modules
JOB

start=$SECONDS
check "qemu starts" refkernel_start "$work" 90 "$work/job.sh"
check "the VM boots $kver" refkernel_wait "boot $kver" 60
boot_s=$((SECONDS - start))
check "ip_vs loads" refkernel_wait "ip_vs loaded" 30
if refkernel_finish 30; then pass "the job ends and the VM powers off"; else fail "the job ends and the VM powers off"; fi
echo "boot: ${boot_s} s, boot to power-off: $((SECONDS - start)) s"

# One line per listing, blanks squeezed: "a|b|c".
flat() { tr -s ' ' | sed 's/^ //; s/ $//' | paste -sd'|'; }
list=$(refkernel_section list)
contains "ipvsadm -Ln: IPVS is there" "IP Virtual Server version" echo "$list"
expect "ipvsadm -Ln: the TCP service and its real servers" \
  "TCP 10.0.0.1:80 wrr|-> 192.168.1.20:80 Masq 3 0 0|-> 192.168.1.21:80 Route 1 0 0" \
  echo "$(grep -A2 '^TCP' <<<"$list" | flat)"
expect "ipvsadm -Ln: the persistent UDP service" \
  "UDP 10.0.0.1:53 rr persistent 60|-> 192.168.1.22:53 Tunnel 1 0 0" \
  echo "$(grep -A1 '^UDP' <<<"$list" | flat)"
expect "ipvsadm -S: the rules as given (a tunnel server with its --tun-type)" \
  "-A -t 10.0.0.1:80 -s wrr|-a -t 10.0.0.1:80 -r 192.168.1.20:80 -m -w 3|-a -t 10.0.0.1:80 -r 192.168.1.21:80 -g -w 1|-A -u 10.0.0.1:53 -s rr -p 60|-a -u 10.0.0.1:53 -r 192.168.1.22:53 -i -w 1 --tun-type ipip" \
  echo "$(refkernel_section save | flat)"

contains "the kernel loaded ip_vs_rr itself (modprobe)" "ip_vs_rr " refkernel_section modules

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
