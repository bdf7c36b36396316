#!/usr/bin/env bash
# The sluice Debian package (scripts/package, docs/packaging.md) installed
# and removed for real, with dpkg, in a throwaway copy of this machine
# (scripts/lib/throwaway-root): systemd is not PID 1 there (nor, often, on
# the machines that run the tests), so the unit is checked for what it
# promises, not started:
#
#   - the package's Depends come from dpkg-shlibdeps (libc6, versioned)
#   - dpkg -i: sluiced, sluicectl, the XDP program where sluiced looks for
#     it (relative to /usr/sbin), the manual pages, bash completion, the
#     example configuration, the units, /etc/default/sluice (a conffile)
#   - the installed sluiced -t accepts the example configuration; sluicectl
#     and the completions answer
#   - systemd-analyze verify on both units (skipped, and said so, where
#     systemd-analyze is not installed: Debian's package systemd has it)
#   - dpkg -r: no file of the package left but its conffile; dpkg -P: none
#
# The real / never changes: the package database is compared before and
# after.
#
# Usage: tests/packaging/sluice_package_test.sh [REPO_ROOT [BUILD_DIR]]
#   (root; 77 = skipped). Needs sluiced, sluicectl and the XDP program
#   built in BUILD_DIR.
set -euo pipefail

# shellcheck source=tests/packaging/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

pkg=sluice
deadline_s=120  # the whole run in the throwaway root
xdp_obj=$build/dataplane/xdp/sluice_steer.bpf.o

# -- inside the throwaway root ------------------------------------------
if [ "${3:-}" = --in-throwaway-root ]; then
  prepare_throwaway_root
  work=$(mktemp -d)
  multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)

  deb=$(timeout "$step_s" "$top/scripts/package" "$build" "$pkg") || true
  if [ -z "$deb" ] || [ ! -f "$deb" ]; then
    fail "scripts/package builds $pkg"
    echo "$checks checks, $failures failed"
    exit 1
  fi
  pass "scripts/package builds $(basename "$deb")"
  depends=$(dpkg-deb -f "$deb" Depends)
  echo "     Depends: $depends"
  contains "Depends names libc6, versioned (dpkg-shlibdeps)" "libc6 (>= " echo "$depends"
  contains "Depends names libstdc++6" "libstdc++6" echo "$depends"
  contains "Depends names DPDK's af_packet driver (a plugin, from control)" "librte-net-af-packet23, " echo "$depends"

  step "dpkg -i $pkg" dpkg -i "$deb"
  dpkg -L "$pkg" >"$work/files"
  for f in /usr/sbin/sluiced /usr/bin/sluicectl "/usr/lib/$multiarch/sluice/sluice_steer.bpf.o" \
    /usr/share/man/man8/sluiced.8.gz /usr/share/man/man8/sluicectl.8.gz \
    /usr/share/bash-completion/completions/sluicectl /usr/share/bash-completion/completions/sluiced \
    /usr/share/doc/sluice/examples/keepalived.conf /usr/share/doc/sluice/copyright \
    /lib/systemd/system/sluiced.service /lib/systemd/system/sluice-hugepages.service /etc/default/sluice; do
    expect "$f is the package's" "$pkg: $f" dpkg -S "$f"
  done
  expect "/etc/default/sluice is a conffile" "/etc/default/sluice" \
    bash -c "dpkg-query -W -f='\${Conffiles}\n' $pkg | awk 'NF { print \$1 }'"
  expect "the XDP program is the build's" "$(sha256sum <"$xdp_obj")" bash -c "sha256sum </usr/lib/$multiarch/sluice/sluice_steer.bpf.o"
  # sluiced looks for it relative to its own directory, and names no
  # build prefix.
  # (the literal is stored without its last byte next to another: no ".o")
  check "sluiced looks for the XDP program relative to /usr/sbin" \
    grep -qaF "../lib/$multiarch/sluice/sluice_steer.bpf" /usr/sbin/sluiced
  check "that path from /usr/sbin is the installed program" test -f "/usr/sbin/../lib/$multiarch/sluice/sluice_steer.bpf.o"
  check "sluiced names no /usr/local path" bash -c '! grep -qaF /usr/local/ /usr/sbin/sluiced'
  step "the installed sluiced -t accepts the example configuration" \
    /usr/sbin/sluiced -t -f /usr/share/doc/sluice/examples/keepalived.conf
  contains "sluicectl --help answers" "Usage: sluicectl" /usr/bin/sluicectl --help
  contains "sluiced --help answers" "Usage: sluiced" /usr/sbin/sluiced --help
  # shellcheck disable=SC2016  # expanded by the bash that sources the completion
  contains "bash completes sluicectl's commands" "add-server" bash -c \
    'source /usr/share/bash-completion/completions/sluicectl; COMP_WORDS=(sluicectl add-s); COMP_CWORD=1; _sluicectl; echo "${COMPREPLY[*]}"'
  # shellcheck disable=SC2016
  contains "bash completes sluiced's options" "--config-test" bash -c \
    'source /usr/share/bash-completion/completions/sluiced; COMP_WORDS=(sluiced --con); COMP_CWORD=1; _sluiced; echo "${COMPREPLY[*]}"'
  contains "the unit is Type=notify" "Type=notify" cat /lib/systemd/system/sluiced.service
  contains "the unit reads /etc/default/sluice" "EnvironmentFile=-/etc/default/sluice" cat /lib/systemd/system/sluiced.service
  contains "/etc/default/sluice names keepalived.conf" "SLUICED_CONFIG=/etc/keepalived/keepalived.conf" cat /etc/default/sluice
  if command -v systemd-analyze >/dev/null; then
    step "systemd-analyze verify sluiced.service sluice-hugepages.service" \
      systemd-analyze verify /lib/systemd/system/sluiced.service /lib/systemd/system/sluice-hugepages.service
  else
    echo "-- SKIP systemd-analyze verify: no systemd-analyze here (Debian's package systemd has it)"
  fi

  step "dpkg -r $pkg" dpkg -r "$pkg"
  # shellcheck disable=SC2317  # called through expect
  left() {
    local p
    while read -r p; do
      [ "$p" != /. ] || continue
      [ -e "$p" ] || [ -L "$p" ] || continue
      # a directory (or the /lib alias of a merged /usr) another package
      # owns or that holds other files
      [ -d "$p" ] && { dpkg -S "$p" >/dev/null 2>&1 || [ -n "$(ls -A "$p")" ]; } && continue
      echo "$p"
    done <"$work/files"
  }
  expect "after dpkg -r only the conffile is left" /etc/default/sluice left
  step "dpkg -P $pkg" dpkg -P "$pkg"
  expect "after dpkg -P no file of the package is left" "" left
  expect "dpkg no longer knows $pkg" "" bash -c "dpkg-query -W -f='\${db:Status-Status}' $pkg 2>/dev/null | grep -v not-installed || true"

  echo "$checks checks, $failures failed"
  [ "$failures" -eq 0 ]
  exit
fi

# -- on this machine ----------------------------------------------------
preflight "$sluiced" "$sluicectl"
[ -f "$xdp_obj" ] || { echo "FAIL: no $xdp_obj (build first)"; exit 1; }
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || { echo "SKIP: no overlayfs"; exit 77; }

host_state() {
  { dpkg-query -W -f='${Package} ${Status}\n' "$pkg" 2>&1 || true; ls /lib/systemd/system/sluiced.service /etc/default/sluice 2>&1 || true; } | sha256sum
}
before=$(host_state)

run_in_throwaway_root "$top/tests/packaging/sluice_package_test.sh" "$deadline_s"

echo "-- this machine"
expect "the package $pkg and its files here are as they were" "$before" host_state

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
