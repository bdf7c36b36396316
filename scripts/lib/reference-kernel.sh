#!/usr/bin/env bash
# The reference kernel: Debian's own kernel, with the real IPVS, booted
# under qemu as one more host of the lab (docs/reference-kernel.md). The
# machines that run the lab have no IPVS and no tunnel modules in their own
# kernel; this one has both, so the lab gets a real LVS router to compare
# sluice with, a real decapsulator for IPIP/GRE and a real sync daemon.
#
# Sourced by the tests (tests/lab/refkernel_*.sh). Run, it prepares the
# cache and then runs a command (how meson starts these tests: the download
# needs the network, which scripts/lib/isolated takes away):
#
#   scripts/lib/reference-kernel.sh prepare BUILD_DIR [-- COMMAND ARG...]
#
# The cache (BUILD_DIR/reference-kernel/, never in git) holds the kernel
# package (`apt-get download` of the image that linux-image-amd64 depends
# on), its vmlinuz and an initramfs made of this machine's own Debian
# binaries: busybox-static, ipvsadm, keepalived and iproute2's ip with the
# shared libraries ldd names, the modules below with their dependencies
# (soft ones too) and depmod's tables. Each is made only when missing; the
# initramfs is named after a hash of this file and of those binaries, so a
# change to either makes a new one.
#
# A boot: refkernel_start runs qemu (TCG; KVM where /dev/kvm works) under
# `timeout`, in a lab namespace when the VM has NICs (TAPs made there,
# optionally put on a bridge), with the job script (and files) appended to
# the initramfs as a second cpio archive. The VM's /init loads the boot
# modules, runs the job, prints "@@ exit N" and powers off. The console
# (serial on stdio) goes to a log; the job talks to the host with markers
# there (refkernel_wait, refkernel_section) and the host to the job over
# the network (refkernel_poke). Every wait is bounded; refkernel_stop ends
# qemu and removes the TAPs whatever state they are in.

# Modules the initramfs holds (each with what it needs, in load order).
REFKERNEL_MODULES=(
  virtio_pci virtio_net
  ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sh ip_vs_dh ip_vs_mh ip_vs_sed ip_vs_nq
  ip_vs_lblc ip_vs_lblcr ip_vs_fo ip_vs_ovf
  ipip ip_gre fou
)
# Loaded by /init before the job.
REFKERNEL_BOOT_MODULES=(virtio_pci virtio_net)
# Host binaries copied in, with their libraries.
REFKERNEL_BINARIES=(/usr/sbin/ipvsadm /usr/sbin/keepalived /usr/bin/ip)
REFKERNEL_MEMORY=${REFKERNEL_MEMORY:-384}   # MiB

# State of the one VM a shell runs at a time.
REFKERNEL_DIR=
REFKERNEL_KERNEL=
REFKERNEL_INITRD=
REFKERNEL_PID=
REFKERNEL_LOG=
REFKERNEL_NETNS=
REFKERNEL_TAPS=()

_refkernel_say() { echo "reference-kernel: $*" >&2; }

# refkernel_package: the versioned image package linux-image-amd64 depends
# on (REFKERNEL_PACKAGE overrides).
refkernel_package() {
  if [ -n "${REFKERNEL_PACKAGE:-}" ]; then echo "$REFKERNEL_PACKAGE"; return 0; fi
  apt-cache depends linux-image-amd64 2>/dev/null |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ {print $2; exit}' | grep .
}

# The stamp of what goes into the initramfs: this file and the binaries.
_refkernel_stamp() {
  cat "${BASH_SOURCE[0]}" /usr/bin/busybox "${REFKERNEL_BINARIES[@]}" | md5sum | cut -c1-12
}

# _refkernel_copy_binary STAGING BINARY: BINARY and every library ldd
# names, at their own paths (the dynamic loader included).
_refkernel_copy_binary() {
  local staging=$1 bin=$2 lib
  mkdir -p "$staging$(dirname "$bin")"
  cp -L "$bin" "$staging$bin"
  while read -r lib; do
    [ -e "$staging$lib" ] && continue
    mkdir -p "$staging$(dirname "$lib")"
    cp -L "$lib" "$staging$lib"
  done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}')
}

# _refkernel_build_initramfs ROOT KVER OUT: the initramfs from the unpacked
# package ROOT.
_refkernel_build_initramfs() {
  local root=$1 kver=$2 out=$3 staging mod line ko applet
  staging=$(mktemp -d "$REFKERNEL_DIR/staging.XXXXXX")
  mkdir -p "$staging"/{bin,sbin,etc/keepalived,proc,sys,dev,tmp,run,var,root,lib/modules/"$kver"/load}
  ln -s ../run "$staging/var/run"
  cp /usr/bin/busybox "$staging/bin/busybox"
  for applet in $(/usr/bin/busybox --list); do
    [ -e "$staging/bin/$applet" ] || ln -s busybox "$staging/bin/$applet"
  done
  for b in "${REFKERNEL_BINARIES[@]}"; do _refkernel_copy_binary "$staging" "$b"; done
  # iproute2's ip, not busybox's (tunnels, fou); /lib/refkernel.sh makes
  # the shell take it.
  rm -f "$staging/bin/ip"
  # The kernel's own module requests (IPVS asks for ip_vs_<scheduler>) run
  # /sbin/modprobe: busybox's, with depmod's tables.
  ln -s ../bin/busybox "$staging/sbin/modprobe"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$staging/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$staging/etc/group"

  # Modules: the load order of each (softdeps included), from kmod's view of
  # the whole package, then depmod's tables for what was copied.
  depmod -b "$root" "$kver"
  for mod in "${REFKERNEL_MODULES[@]}"; do
    modprobe -d "$root" -S "$kver" --show-depends "$mod" >"$staging/lib/modules/$kver/load/$mod.tmp"
    while read -r line; do
      [[ "$line" == insmod\ * ]] || continue
      ko=${line#insmod }
      ko=${ko%% *}
      ko=${ko#"$root"}
      mkdir -p "$staging$(dirname "$ko")"
      cp "$root$ko" "$staging$ko"
      echo "$ko"
    done <"$staging/lib/modules/$kver/load/$mod.tmp" >"$staging/lib/modules/$kver/load/$mod"
    rm "$staging/lib/modules/$kver/load/$mod.tmp"
    [ -s "$staging/lib/modules/$kver/load/$mod" ] || { _refkernel_say "no module $mod in $kver"; rm -rf "$staging"; return 1; }
  done
  cp "$root/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$staging/lib/modules/$kver/" 2>/dev/null || true
  depmod -b "$staging" "$kver"

  # The VM's side of the markers, for jobs: sourced before the job.
  cat >"$staging/lib/refkernel.sh" <<'EOF'
# Sourced by /init before the job.
KVER=$(uname -r)
# busybox's shell runs its own applets before PATH: iproute2's ip by name.
ip() { /usr/bin/ip "$@"; }
# mark WORD...: a line the host waits for (refkernel_wait).
mark() { echo "@@ $*"; }
# section NAME COMMAND...: COMMAND's output between markers (refkernel_section).
section() {
  _n=$1; shift
  echo "@@ begin $_n"; _rc=0; "$@" 2>&1 || _rc=$?; echo "@@ end $_n"; return $_rc
}
# load MODULE...: loads each with what it needs, in kmod's order; fails if
# one is not loaded after (a soft dependency that does not fit is skipped).
load() {
  for _m in "$@"; do
    while read -r _ko; do
      _name=$(basename "$_ko" .ko | tr - _)
      [ -d "/sys/module/$_name" ] || insmod "$_ko" 2>/dev/null || true
    done <"/lib/modules/$KVER/load/$_m"
    [ -d "/sys/module/$_m" ] || { echo "load: $_m did not load"; return 1; }
  done
}
# wait_host PORT [SECONDS]: until the host connects to PORT (refkernel_poke).
wait_host() { timeout "${2:-60}" nc -l -p "$1" >/dev/null; }
EOF
  cat >"$staging/init" <<EOF
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
ip link set lo up
. /lib/refkernel.sh
load ${REFKERNEL_BOOT_MODULES[*]}
mark boot \$(uname -r)
rc=0
if [ -f /job.sh ]; then (set -e; . /job.sh) || rc=\$?; fi
mark exit \$rc
poweroff -f
EOF
  chmod 0755 "$staging/init"
  (cd "$staging" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
  mv "$out.tmp" "$out"
  rm -rf "$staging"
}

# refkernel_prepare BUILD_DIR: the kernel and the initramfs in the cache,
# fetched and made where missing; sets REFKERNEL_KERNEL and REFKERNEL_INITRD.
refkernel_prepare() {
  REFKERNEL_DIR=$1/reference-kernel
  mkdir -p "$REFKERNEL_DIR/debs"
  local pkg last kver stamp unpack rc=0
  exec {_refkernel_lock}>"$REFKERNEL_DIR/.lock"
  flock "$_refkernel_lock"
  pkg=$(refkernel_package) || pkg=
  if [ -n "$pkg" ] && [ -z "$(_refkernel_deb "$pkg")" ]; then
    _refkernel_say "downloading $pkg"
    (cd "$REFKERNEL_DIR/debs" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed') || true
  fi
  if [ -z "$pkg" ] || [ -z "$(_refkernel_deb "$pkg")" ]; then
    # No package index or no mirror: the last kernel prepared, if cached.
    last=$(cat "$REFKERNEL_DIR/current" 2>/dev/null) || last=
    if [ -n "$last" ] && [ -n "$(_refkernel_deb "$last")" ]; then
      _refkernel_say "could not fetch ${pkg:-the package linux-image-amd64 depends on}; using the cached $last"
      pkg=$last
    else
      _refkernel_say "could not fetch ${pkg:-the package linux-image-amd64 depends on}, and none is cached"
      exec {_refkernel_lock}>&-
      return 1
    fi
  fi
  kver=${pkg#linux-image-}
  stamp=$(_refkernel_stamp)
  REFKERNEL_KERNEL=$REFKERNEL_DIR/$kver/vmlinuz
  REFKERNEL_INITRD=$REFKERNEL_DIR/$kver/initramfs-$stamp.cpio.gz
  if [ ! -s "$REFKERNEL_KERNEL" ] || [ ! -s "$REFKERNEL_INITRD" ]; then
    unpack=$(mktemp -d "$REFKERNEL_DIR/unpack.XXXXXX")
    if ! dpkg-deb -x "$(_refkernel_deb "$pkg")" "$unpack"; then
      rc=1
    else
      mkdir -p "$REFKERNEL_DIR/$kver"
      rm -f "$REFKERNEL_DIR/$kver"/initramfs-*.cpio.gz
      cp "$unpack/boot/vmlinuz-$kver" "$REFKERNEL_KERNEL" &&
        _refkernel_build_initramfs "$unpack" "$kver" "$REFKERNEL_INITRD" || rc=1
    fi
    rm -rf "$unpack"
  fi
  [ $rc -ne 0 ] || echo "$pkg" >"$REFKERNEL_DIR/current"
  exec {_refkernel_lock}>&-
  return $rc
}

# _refkernel_deb PACKAGE: the cached .deb of PACKAGE, empty if none.
_refkernel_deb() { compgen -G "$REFKERNEL_DIR/debs/${1}_*.deb" | tail -n1; }

# refkernel_start WORKDIR SECONDS JOB [OPTION...]: boots the VM in the
# background, its console in WORKDIR/console.log; qemu is killed after
# SECONDS. JOB is a shell script the VM runs (`set -e`) once booted. Options:
#   --files DIR        DIR's contents added at / (e.g. etc/keepalived/...)
#   --netns NS         run qemu in network namespace NS (needed for NICs)
#   --nic TAP,MAC[,BRIDGE]   a virtio NIC (eth0, eth1, ... in this order),
#                      its TAP made in NS and put on BRIDGE there
# Returns 1 (the console's last lines printed) if qemu cannot be started.
refkernel_start() {
  local work=$1 seconds=$2 job=$3 files='' nics=() spec tap mac bridge jobdir i=0
  shift 3
  while [ $# -gt 0 ]; do
    case $1 in
      --files) files=$2; shift 2 ;;
      --netns) REFKERNEL_NETNS=$2; shift 2 ;;
      --nic) nics+=("$2"); shift 2 ;;
      *) _refkernel_say "unknown option $1"; return 2 ;;
    esac
  done
  if [ ! -s "$REFKERNEL_KERNEL" ] || [ ! -s "$REFKERNEL_INITRD" ]; then
    _refkernel_say "not prepared (refkernel_prepare)"
    return 1
  fi
  REFKERNEL_LOG=$work/console.log
  jobdir=$(mktemp -d "$work/job.XXXXXX")
  [ -z "$files" ] || cp -a "$files/." "$jobdir/"
  cp "$job" "$jobdir/job.sh"
  (cd "$jobdir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$work/job.cpio.gz"
  cat "$REFKERNEL_INITRD" "$work/job.cpio.gz" >"$work/initrd.cpio.gz"
  rm -rf "$jobdir"

  local qemu=(qemu-system-x86_64 -nodefaults -nographic -no-reboot -serial stdio -monitor none
    -m "$REFKERNEL_MEMORY" -smp 1 -kernel "$REFKERNEL_KERNEL" -initrd "$work/initrd.cpio.gz"
    -append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init")
  # KVM where the machine offers it, else TCG (REFKERNEL_ACCEL overrides).
  local accel=${REFKERNEL_ACCEL:-}
  if [ -z "$accel" ]; then
    accel=tcg
    if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qE '\b(vmx|svm)\b' /proc/cpuinfo; then accel=kvm; fi
  fi
  qemu+=(-accel "$accel")
  REFKERNEL_TAPS=()
  for spec in "${nics[@]}"; do
    IFS=, read -r tap mac bridge <<<"$spec"
    [ -n "$REFKERNEL_NETNS" ] || { _refkernel_say "--nic needs --netns"; return 2; }
    ip -n "$REFKERNEL_NETNS" tuntap add dev "$tap" mode tap || return 1
    REFKERNEL_TAPS+=("$tap")
    # The host's side gets complete checksums and MTU-sized frames, as the
    # lab's veths do.
    [ -z "$bridge" ] || ip -n "$REFKERNEL_NETNS" link set "$tap" master "$bridge"
    ip -n "$REFKERNEL_NETNS" link set "$tap" up
    qemu+=(-netdev "tap,id=n$i,ifname=$tap,script=no,downscript=no"
      -device "virtio-net-pci,netdev=n$i,mac=$mac,csum=off,guest_csum=off,romfile=")
    i=$((i + 1))
  done
  local run=(timeout -k 5 "$seconds")
  [ -z "$REFKERNEL_NETNS" ] || run+=(ip netns exec "$REFKERNEL_NETNS")
  "${run[@]}" "${qemu[@]}" </dev/null >"$REFKERNEL_LOG" 2>&1 &
  REFKERNEL_PID=$!
  sleep 0.2
  if ! kill -0 "$REFKERNEL_PID" 2>/dev/null; then
    _refkernel_say "qemu did not start"
    refkernel_tail
    return 1
  fi
}

# The console without carriage returns, each marker from its "@@" on (the
# firmware's terminal codes may precede the first).
refkernel_console() { tr -d '\r' <"$REFKERNEL_LOG" 2>/dev/null | sed 's/^.*\(@@ \)/\1/'; }
refkernel_tail() {
  echo "--- last lines of the VM's console ($REFKERNEL_LOG):"
  refkernel_console | tail -n 25
  echo "---"
}
refkernel_running() { [ -n "$REFKERNEL_PID" ] && kill -0 "$REFKERNEL_PID" 2>/dev/null; }

# refkernel_wait WORDS SECONDS: until the job prints `mark WORDS` (0); 1 if
# it does not in time, or the VM ends first (the console's tail printed).
refkernel_wait() {
  local want="@@ $1" end=$((SECONDS + $2))
  while [ $SECONDS -le "$end" ]; do
    refkernel_console | grep -qxF "$want" && return 0
    refkernel_running || break
    sleep 0.2
  done
  refkernel_console | grep -qxF "$want" && return 0
  _refkernel_say "no '$1' from the VM within $2 s"
  refkernel_tail
  return 1
}

# refkernel_section NAME: what the job's `section NAME ...` printed.
refkernel_section() {
  refkernel_console | awk -v b="@@ begin $1" -v e="@@ end $1" '$0 == e {on = 0} on {print} $0 == b {on = 1}'
}

# refkernel_finish SECONDS: waits for the VM to power off; returns the
# job's exit status (1 if it did not end in time or said none).
refkernel_finish() {
  local end=$((SECONDS + $1)) rc
  while refkernel_running && [ $SECONDS -le "$end" ]; do sleep 0.2; done
  if refkernel_running; then
    _refkernel_say "the VM did not power off within $1 s"
    refkernel_tail
    refkernel_stop
    return 1
  fi
  wait "$REFKERNEL_PID" 2>/dev/null || true
  REFKERNEL_PID=
  rc=$(refkernel_console | sed -n 's/^@@ exit \([0-9]*\)$/\1/p' | tail -n1)
  if [ -z "$rc" ]; then
    _refkernel_say "the VM's job did not finish"
    refkernel_tail
    return 1
  fi
  [ "$rc" -eq 0 ] || refkernel_tail
  return "$rc"
}

# refkernel_poke NS ADDRESS PORT: connects from namespace NS to the job's
# wait_host, retrying for up to 10 s (the job may not listen yet).
refkernel_poke() {
  local _
  for _ in $(seq 20); do
    ip netns exec "$1" timeout 2 socat -u /dev/null "TCP:$2:$3,connect-timeout=1" 2>/dev/null && return 0
    sleep 0.5
  done
  _refkernel_say "could not reach the VM at $2:$3"
  return 1
}

# refkernel_stop: ends qemu (TERM, then KILL after 5 s) and removes the
# TAPs. Safe in any state, any number of times.
refkernel_stop() {
  local pid=$REFKERNEL_PID _ tap
  if [ -n "$pid" ]; then
    # timeout passes TERM on to qemu.
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    pkill -KILL -P "$pid" 2>/dev/null || true
    { wait "$pid"; } 2>/dev/null || true
  fi
  REFKERNEL_PID=
  for tap in "${REFKERNEL_TAPS[@]}"; do
    ip -n "$REFKERNEL_NETNS" link del "$tap" 2>/dev/null || true
  done
  REFKERNEL_TAPS=()
}

# Run as a program: prepare, then run the command.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  if [ "${1:-}" != prepare ] || [ $# -lt 2 ]; then
    echo "usage: $0 prepare BUILD_DIR [-- COMMAND ARG...]" >&2
    exit 2
  fi
  build_dir=$2
  shift 2
  # Without root the tests skip themselves; nothing to fetch for them.
  if [ "$(id -u)" -eq 0 ]; then
    start=$SECONDS
    if ! refkernel_prepare "$build_dir"; then
      echo "FAIL: the reference kernel could not be prepared"
      exit 1
    fi
    echo "reference kernel: $REFKERNEL_KERNEL, $(basename "$REFKERNEL_INITRD") ($((SECONDS - start)) s to prepare)"
  fi
  if [ "${1:-}" = -- ]; then
    shift
    [ $# -eq 0 ] || exec "$@"
  fi
fi
