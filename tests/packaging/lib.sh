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

# run_in_throwaway_root SCRIPT SECONDS: runs the test SCRIPT again inside a
# throwaway root (scripts/lib/throwaway-root) with --in-throwaway-root,
# within SECONDS, and counts the checks it made there as this run's.
run_in_throwaway_root() {
  local script=$1 deadline_s=$2 log status=0 start=$SECONDS
  log=$(mktemp)
  timeout --kill-after=10 "$deadline_s" "$top/scripts/lib/throwaway-root" --with "$top" --with "$build" \
    "$script" "$top" "$build" --in-throwaway-root | tee "$log" || status=$?
  echo "-- the throwaway root: $((SECONDS - start)) s"
  if [[ "$(tail -n 1 "$log")" =~ ^([0-9]+)\ checks,\ ([0-9]+)\ failed$ ]]; then
    checks=$((checks + BASH_REMATCH[1]))
    failures=$((failures + BASH_REMATCH[2]))
    [ "$status" -eq 0 ] || [ "${BASH_REMATCH[2]}" -gt 0 ] || fail "the throwaway root exited with status $status"
  else
    fail "the checks in the throwaway root ran to their end (status $status)"
  fi
  rm -f "$log"
}
