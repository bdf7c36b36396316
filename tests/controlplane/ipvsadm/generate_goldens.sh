#!/usr/bin/env bash
# Writes tests/controlplane/ipvsadm/golden.txt: what the real ipvsadm
# (this machine's Debian package, 1.31) prints, on the real kernel IPVS
# (Debian's kernel booted under qemu, scripts/lib/reference-kernel.sh), for
# every case of tests/controlplane/ipvsadm/cases.txt. sluice-ipvsadm's
# conformance test compares itself with that file; it needs no VM. Run
# this after changing cases.txt (or a file a case restores), look at the
# difference and commit golden.txt with it.
#
# Usage (root: qemu, the kernel cache):
#   tests/controlplane/ipvsadm/generate_goldens.sh [BUILD_DIR [OUTPUT]]
# BUILD_DIR holds the kernel cache (default build/; the kernel package is
# downloaded there the first time), OUTPUT defaults to golden.txt here.
#
# cases.txt: one ipvsadm invocation a line, its arguments only. Words are
# split on spaces; a single-quoted part of a word is taken as it is
# (spaces in it too); there is no other quoting or shell syntax. Lines
# starting with `#` and blank lines are skipped. `ARGS < FILE` gives the
# case the file FILE (in this directory) as its standard input; any other
# case reads an empty one (/dev/null). The line `@none` runs ipvsadm with no
# argument at all. The cases run in order on one IPVS, from an empty table
# and the kernel's default timeouts: each sees what the ones before it left.
#
# The VM: no NIC; this machine's /etc/services and /etc/protocols (port
# names for listings without -n, as a router has them), an /etc/hosts with
# localhost only and no resolver (hosts come from files alone), so that a
# listing without -n shows the lab's addresses as numbers. ipvsadm is run
# by name (its argv[0], which the help text prints, is `ipvsadm`). Each
# case's standard output, standard error and exit status go into files in
# the VM; these come back as one base64-encoded tar archive between markers
# on the console, its md5 sum checked, with the kernel's console messages
# silenced (loglevel 1) so that nothing comes between the lines.
#
# golden.txt: `#` lines (the ipvsadm and kernel versions), then one block a
# case, in the order of cases.txt:
#   === THE CASE'S LINE, AS WRITTEN IN cases.txt
#   1|a line of standard output
#   2|a line of standard error
#   exit N
# every line of standard output first, then every line of standard error,
# each byte as ipvsadm wrote it (tabs and trailing spaces kept). An output
# that does not end with a newline has the line `1\` (or `2\`) after its
# last line. Two runs give the same file (the listings hold no counters
# that move: nothing goes through the VM's IPVS).
#
# The VM is bounded (timeout) and stopped on every way out of this script.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
build=${1:-$top/build}
output=${2:-$here/golden.txt}
cases=$here/cases.txt

if [ "$(id -u)" -ne 0 ]; then
  echo "$0: needs root (qemu, the kernel cache)" >&2
  exit 1
fi
# shellcheck source=scripts/lib/reference-kernel.sh
source "$top/scripts/lib/reference-kernel.sh"

work=$(mktemp -d)
cleanup() {
  refkernel_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "$0: $*" >&2; exit 1; }

# split_words LINE: the words of LINE into the array `words` (see above).
split_words() {
  local line=$1 i c word='' inword=0 quoted=0
  words=()
  for ((i = 0; i < ${#line}; i++)); do
    c=${line:i:1}
    if [ $quoted -eq 1 ]; then
      if [ "$c" = "'" ]; then quoted=0; else word+=$c; fi
    elif [ "$c" = "'" ]; then
      quoted=1
      inword=1
    elif [ "$c" = ' ' ]; then
      [ $inword -eq 0 ] || words+=("$word")
      word=''
      inword=0
    else
      word+=$c
      inword=1
    fi
  done
  [ $quoted -eq 0 ] || return 1
  [ $inword -eq 0 ] || words+=("$word")
}

# ash_quote WORD: WORD single-quoted for the VM's shell.
ash_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# The job: one `run` line a case.
files=$work/files
mkdir -p "$files/etc" "$files/cases"
cp /etc/services /etc/protocols "$files/etc/"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$files/etc/hosts"
printf 'hosts: files\nnetworks: files\nprotocols: files\nservices: files\n' >"$files/etc/nsswitch.conf"

lines=()
{
  cat <<'EOF'
dmesg -n 1
load ip_vs
mkdir -p /tmp/r
# run N STDIN ARG...: case N, its outputs and exit status in /tmp/r.
run() {
  _n=$1 _in=$2
  shift 2
  _rc=0
  timeout 30 ipvsadm "$@" <"$_in" >"/tmp/r/$_n.out" 2>"/tmp/r/$_n.err" || _rc=$?
  echo "$_rc" >"/tmp/r/$_n.rc"
}
ipvsadm --version >/tmp/r/version 2>&1 || true
uname -r >/tmp/r/kernel
uname -v >/tmp/r/build
mark cases
EOF
  n=0
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in '#'* | '') continue ;; esac
    [[ "$line" =~ ^\ *$ ]] && continue
    stdin=/dev/null
    args=$line
    if [[ "$line" =~ ^(.*[^ ])\ +\<\ +([A-Za-z0-9._-]+)\ *$ ]]; then
      args=${BASH_REMATCH[1]}
      [ -f "$here/${BASH_REMATCH[2]}" ] || die "no file ${BASH_REMATCH[2]} for the case '$line'"
      cp "$here/${BASH_REMATCH[2]}" "$files/cases/"
      stdin=/cases/${BASH_REMATCH[2]}
    fi
    if [ "$args" = @none ]; then
      words=()
    else
      split_words "$args" || die "unbalanced quote in the case '$line'"
    fi
    n=$((n + 1))
    lines+=("$line")
    printf 'run %d %s' "$n" "$stdin"
    for w in "${words[@]}"; do printf ' %s' "$(ash_quote "$w")"; done
    printf '\n'
  done <"$cases"
  cat <<'EOF'
mark ran
cd /tmp/r
tar cf /tmp/results.tar .
gzip -9 /tmp/results.tar
mark md5 $(md5sum /tmp/results.tar.gz | cut -d' ' -f1)
echo "@@ begin results"
base64 /tmp/results.tar.gz
echo "@@ end results"
EOF
} >"$work/job.sh"
[ ${#lines[@]} -gt 0 ] || die "no case in $cases"

refkernel_prepare "$build" || die "the reference kernel could not be prepared"
start=$SECONDS
refkernel_start "$work" 600 "$work/job.sh" --files "$files" || die "qemu did not start"
refkernel_wait "boot $(basename "$(dirname "$REFKERNEL_KERNEL")")" 90 || die "the VM did not boot"
refkernel_wait cases 60 || die "the job did not start"
refkernel_wait ran 500 || die "the cases did not finish"
refkernel_finish 120 || die "the job failed"
echo "${#lines[@]} cases in $((SECONDS - start)) s" >&2

md5=$(refkernel_console | sed -n 's/^@@ md5 \([0-9a-f]*\)$/\1/p' | tail -n1)
refkernel_section results | base64 -d >"$work/results.tar.gz" || die "the results do not decode"
if [ -z "$md5" ] || [ "$(md5sum <"$work/results.tar.gz" | cut -d' ' -f1)" != "$md5" ]; then
  die "the results came back damaged (md5 sum)"
fi
mkdir "$work/r"
tar -xzf "$work/results.tar.gz" -C "$work/r"

# emit PREFIX FILE: FILE's lines, each after PREFIX and `|`; `PREFIX\` after
# a last line without its newline.
emit() {
  [ -s "$2" ] || return 0
  sed "s/^/$1|/" "$2"
  [ -z "$(tail -c1 "$2")" ] || printf '\n%s\\\n' "$1"
}

{
  printf '# %s, Linux %s\n' "$(head -n1 "$work/r/version")" "$(cat "$work/r/kernel")"
  printf '# Linux %s %s; written by generate_goldens.sh from cases.txt, not by hand.\n' \
    "$(cat "$work/r/kernel")" "$(cat "$work/r/build")"
  for ((i = 1; i <= ${#lines[@]}; i++)); do
    [ -f "$work/r/$i.rc" ] || die "case $i (${lines[i - 1]}) left no exit status"
    rc=$(cat "$work/r/$i.rc")
    case $rc in 124 | 143) die "case $i (${lines[i - 1]}) timed out" ;; esac
    printf '=== %s\n' "${lines[i - 1]}"
    emit 1 "$work/r/$i.out"
    emit 2 "$work/r/$i.err"
    printf 'exit %s\n' "$rc"
  done
} >"$work/golden.txt"
mv "$work/golden.txt" "$output"
echo "wrote $output" >&2
