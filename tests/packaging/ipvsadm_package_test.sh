#!/usr/bin/env bash
# The sluice-ipvsadm Debian package (scripts/package, docs/packaging.md)
# installed and removed for real, with dpkg, in a throwaway copy of this
# machine (scripts/lib/throwaway-root: an overlay of / on a tmpfs in a mount
# namespace of its own, chrooted into):
#
#   1. with Debian's ipvsadm as this machine has it: an install refused
#      while /sbin/ipvsadm.distrib is another file (nothing overwritten);
#      then installed: ipvsadm on PATH, /sbin/ipvsadm and /usr/sbin/ipvsadm
#      are sluice-ipvsadm, Debian's binary is /sbin/ipvsadm.distrib (same
#      checksum), dpkg-divert lists both diversions; installed again (the
#      upgrade path) the same; removed: Debian's binary back with its
#      checksum, no diversion, no file of the package left; purged
#   2. installed, then Debian's ipvsadm removed under it: the name stays
#      sluice-ipvsadm; Debian's ipvsadm installed again under it (from
#      apt's cache, when it holds that version's .deb): its binary goes to
#      /sbin/ipvsadm.distrib; then removed
#   3. without Debian's ipvsadm: installed (the diversion reserves the
#      name) and removed
#
# The real / never changes: /sbin/ipvsadm's checksum, the diversions and
# the package database are compared before and after.
#
# Usage: tests/packaging/ipvsadm_package_test.sh [REPO_ROOT [BUILD_DIR]]
#   (root; 77 = skipped). Needs sluice-ipvsadm built in BUILD_DIR.
set -euo pipefail

# shellcheck source=tests/packaging/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

exe=$build/controlplane/ipvsadm/sluice-ipvsadm
pkg=sluice-ipvsadm
deadline_s=150  # the whole run in the throwaway root

sha() { sha256sum "$1" | cut -d' ' -f1; }
resolved() { readlink -f "$1"; }
on_path() { readlink -f "$(command -v ipvsadm)"; }
# sluice-ipvsadm answers --version as ipvsadm does, without a daemon
# (Debian's ipvsadm needs the kernel's IPVS for it, which this kernel lacks).
executes() {
  [ "$(timeout 5 ipvsadm --version 2>&1)" = "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)" ]
}
debian_ipvsadm_installed() { [ "$(dpkg-query -W -f='${Status}' ipvsadm 2>/dev/null)" = "install ok installed" ]; }

# -- inside the throwaway root ------------------------------------------
if [ "${3:-}" = --in-throwaway-root ]; then
  prepare_throwaway_root
  work=$(mktemp -d)

  # the files of the package that are still there, but for directories
  # another package owns too and Debian's ipvsadm's files (/usr/sbin/ipvsadm
  # is /sbin/ipvsadm on a merged-/usr system)
  # shellcheck disable=SC2317  # called through expect
  leftovers() {
    local p q debian=()
    if debian_ipvsadm_installed; then mapfile -t debian < <(dpkg -L ipvsadm); fi
    while read -r p; do
      [ "$p" != /. ] || continue
      [ -e "$p" ] || [ -L "$p" ] || continue
      [ -d "$p" ] && [ ! -L "$p" ] && dpkg -S "$p" >/dev/null 2>&1 && continue
      for q in "${debian[@]}"; do
        [ ! -d "$q" ] && [ "$p" -ef "$q" ] && continue 2
      done
      echo "$p"
    done <"$work/files"
  }

  installed_checks() {  # $1: Debian's ipvsadm is there
    expect "ipvsadm on PATH is sluice-ipvsadm" /usr/sbin/sluice-ipvsadm on_path
    expect "/sbin/ipvsadm is sluice-ipvsadm" /usr/sbin/sluice-ipvsadm resolved /sbin/ipvsadm
    expect "/usr/sbin/ipvsadm is sluice-ipvsadm" /usr/sbin/sluice-ipvsadm resolved /usr/sbin/ipvsadm
    expect "sluice-ipvsadm is the package's" "$pkg: /usr/sbin/sluice-ipvsadm" dpkg -S /usr/sbin/sluice-ipvsadm
    check "ipvsadm executes" executes
    local p
    for p in /sbin/ipvsadm /usr/sbin/ipvsadm; do
      expect "$p is diverted by $pkg" "$pkg" dpkg-divert --listpackage "$p"
      expect "$p is diverted to $p.distrib" "$p.distrib" dpkg-divert --truename "$p"
    done
    contains "dpkg-divert --list shows the diversion" \
      "diversion of /sbin/ipvsadm to /sbin/ipvsadm.distrib by $pkg" dpkg-divert --list
    if [ "$1" = yes ]; then
      expect "/sbin/ipvsadm.distrib is Debian's binary" "$orig" sha /sbin/ipvsadm.distrib
    else
      check "no /sbin/ipvsadm.distrib" test ! -e /sbin/ipvsadm.distrib -a ! -L /sbin/ipvsadm.distrib
    fi
  }

  # install_package: dpkg -i, then the list of its files for removed_checks
  install_package() {
    step "dpkg -i $pkg" dpkg -i "$deb"
    dpkg -L "$pkg" >"$work/files"
  }

  removed_checks() {  # $1: Debian's ipvsadm is there
    step "dpkg -r $pkg" dpkg -r "$pkg"
    if [ "$1" = yes ]; then
      expect "/sbin/ipvsadm is Debian's binary again" "$orig" sha /sbin/ipvsadm
      check "/sbin/ipvsadm is a file, not a link" test -f /sbin/ipvsadm -a ! -L /sbin/ipvsadm
      expect "ipvsadm on PATH is Debian's" "$(resolved /sbin/ipvsadm)" on_path
    else
      check "no /sbin/ipvsadm" test ! -e /sbin/ipvsadm -a ! -L /sbin/ipvsadm
      check "no ipvsadm on PATH" bash -c '! command -v ipvsadm'
    fi
    check "no /sbin/ipvsadm.distrib" test ! -e /sbin/ipvsadm.distrib -a ! -L /sbin/ipvsadm.distrib
    expect "no diversion by $pkg" "" bash -c "dpkg-divert --list | grep -F 'by $pkg' || true"
    expect "no file of the package is left" "" leftovers
    step "dpkg -P $pkg" dpkg -P "$pkg"
    expect "dpkg no longer knows $pkg" "" bash -c "dpkg-query -W -f='\${db:Status-Status}' $pkg 2>/dev/null | grep -v not-installed || true"
  }

  deb=$(timeout "$step_s" "$top/scripts/package" "$build" "$pkg") || true
  if [ -z "$deb" ] || [ ! -f "$deb" ]; then
    fail "scripts/package builds $pkg"
    echo "$checks checks, $failures failed"
    exit 1
  fi
  pass "scripts/package builds $(basename "$deb")"

  if debian_ipvsadm_installed; then
    echo "-- with Debian's ipvsadm ($(dpkg-query -W -f='${Version}' ipvsadm))"
    orig=$(sha /sbin/ipvsadm)
    # Never overwriting: a stray /sbin/ipvsadm.distrib stops the install.
    echo stray >/sbin/ipvsadm.distrib
    check "dpkg -i refuses while /sbin/ipvsadm.distrib is another file" bash -c "! timeout $step_s dpkg -i '$deb'"
    expect "the stray /sbin/ipvsadm.distrib is untouched" stray cat /sbin/ipvsadm.distrib
    expect "/sbin/ipvsadm is still Debian's binary" "$orig" sha /sbin/ipvsadm
    expect "no diversion by $pkg after the refusal" "" bash -c "dpkg-divert --list | grep -F 'by $pkg' || true"
    timeout "$step_s" dpkg -P "$pkg" >/dev/null 2>&1 || true
    rm /sbin/ipvsadm.distrib

    install_package
    installed_checks yes
    step "dpkg -i $pkg again (an upgrade)" dpkg -i "$deb"
    installed_checks yes
    removed_checks yes

    echo "-- Debian's ipvsadm removed, then installed again, under $pkg"
    version=$(dpkg-query -W -f='${Version}' ipvsadm)
    debian_deb=
    for d in /var/cache/apt/archives/ipvsadm_*.deb; do
      [ -f "$d" ] && [ "$(dpkg-deb -f "$d" Version)" = "$version" ] && debian_deb=$d
    done
    install_package
    step "dpkg -r ipvsadm" dpkg -r --force-depends ipvsadm
    expect "ipvsadm on PATH is still sluice-ipvsadm" /usr/sbin/sluice-ipvsadm on_path
    check "Debian's binary went with its package" test ! -e /sbin/ipvsadm.distrib
    if [ -n "$debian_deb" ]; then
      step "dpkg -i $(basename "$debian_deb")" dpkg -i "$debian_deb"
      expect "ipvsadm on PATH is still sluice-ipvsadm" /usr/sbin/sluice-ipvsadm on_path
      expect "Debian's binary went to /sbin/ipvsadm.distrib" "$orig" sha /sbin/ipvsadm.distrib
      removed_checks yes
      step "dpkg -r ipvsadm" dpkg -r --force-depends ipvsadm
    else
      echo "-- (no ipvsadm $version .deb in apt's cache: not installed again)"
      removed_checks no
    fi
  else
    echo "-- Debian's ipvsadm is not installed here: the cases with it are left out"
  fi

  echo "-- without Debian's ipvsadm"
  install_package
  installed_checks no
  removed_checks no

  echo "$checks checks, $failures failed"
  [ "$failures" -eq 0 ]
  exit
fi

# -- on this machine ----------------------------------------------------
preflight "$exe"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || { echo "SKIP: no overlayfs"; exit 77; }

# what the test must not change here
host_state() {
  { sha256sum /sbin/ipvsadm 2>&1 || true; dpkg-divert --list | sort; dpkg-query -W -f='${Package} ${Status}\n' ipvsadm "$pkg" 2>&1 || true; } |
    sha256sum
}
before=$(host_state)
ipvsadm_before=$(sha256sum /sbin/ipvsadm 2>&1 || true)

run_in_throwaway_root "$top/tests/packaging/ipvsadm_package_test.sh" "$deadline_s"

echo "-- this machine"
expect "/sbin/ipvsadm is as it was" "$ipvsadm_before" bash -c 'sha256sum /sbin/ipvsadm 2>&1 || true'
expect "no diversion by $pkg here" "" bash -c "dpkg-divert --list | grep -F '$pkg' || true"
expect "diversions, /sbin/ipvsadm and the packages ipvsadm and $pkg are as they were" "$before" host_state

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
