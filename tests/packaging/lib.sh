# shellcheck shell=bash
# Shared by the package tests (tests/packaging/*_package_test.sh): the lab
# test library, a bounded step, and a throwaway root made ready for dpkg.
# Sourced with the test's arguments.

# shellcheck source=tests/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lab/lib.sh" "$@"

step_s=60  # one dpkg call, or building a package

# step DESCRIPTION COMMAND...: a bounded command that passes if it succeeds;
# its output is shown only when it fails.
step() {
  local what=$1 out
  shift
  if out=$(timeout "$step_s" "$@" 2>&1); then pass "$what"; else fail "$what"; printf '%s\n' "$out" | sed 's/^/     /'; fi
}

# prepare_throwaway_root: refuses to go on outside a throwaway root
# (scripts/lib/throwaway-root), then makes dpkg quick and harmless there:
# no man-db index rebuilt at each install, no service started by a
# maintainer script (the kernel is this machine's).
prepare_throwaway_root() {
  if [ ! -e /.throwaway-root ]; then
    echo "FAIL: not in a throwaway root: nothing is installed here"
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  rm -f /var/lib/man-db/auto-update
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
}
