#!/usr/bin/env bash
# FTP through a NAT service: Debian's vsftpd on rs1 and rs2 behind
# 10.0.0.1:21, curl in c1 downloading through the VIP in every mode:
# extended passive (EPSV), passive (PASV, whose reply names the real
# server's address until sluice writes the VIP over it), active (PORT and
# EPRT: the real server connects from its port 20), and three passive
# transfers on one control connection, whose replies each shrink by four
# bytes (the control connection's seq/ack shifts grow with each); then the
# guide's FTP service (firewall mark 21, persistence). Two workers. Every
# file's MD5 is checked.
#
# Usage: tests/lab/ftp_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"

preflight "$sluiced"
command -v vsftpd >/dev/null || { echo "SKIP: no vsftpd (scripts/setup installs it)"; exit 77; }

work=$(mktemp -d)
chmod 755 "$work"
pidfile=/run/sluice/lab-ftp-lb1.pid
stats=/run/sluice/lab-ftp-lb1.stats.json
declare -A ftpd_pid=()
cleanup() {
  local ns
  for ns in "${!ftpd_pid[@]}"; do kill "${ftpd_pid[$ns]}" 2>/dev/null || true; done
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The files both servers serve (the same bytes: a data connection that
# reached the other server would find no passive listener there anyway).
root=$work/ftp
mkdir -p "$root"
chmod 755 "$root"
for f in a b c; do head -c 300000 /dev/urandom >"$root/$f.bin"; done
head -c $((4 << 20)) /dev/urandom >"$root/big.bin"
chmod 644 "$root"/*.bin
md5() { md5sum "$root/$1" | cut -d' ' -f1; }

# shellcheck source=scripts/lib/ftp.sh
source "$top/scripts/lib/ftp.sh"
start_ftpd() {
  ftp_serve "$1" "$root" "$work"
  ftpd_pid[$1]=$ftp_pid
}

# fetch ARGS... URL-PATH: curl in c1 from the VIP, bounded; prints the
# downloaded file's MD5.
fetch() {
  local path=${*: -1}
  in_ns c1 curl -s --max-time 20 "${@:1:$#-1}" "ftp://$LAB_VIP4/$path" -o - | md5sum | cut -d' ' -f1
}

"$lab" up nat >/dev/null
start_ftpd rs1
start_ftpd rs2
start_sluiced "$configs/ftp.conf"
check "vsftpd answers on rs1 and rs2" bash -c "$(declare -f in_ns); for n in rs1 rs2; do
  in_ns \$n timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/21; head -c 4 <&3' | grep -q 220 || exit 1; done"

expect "EPSV: the big file through the VIP" "$(md5 big.bin)" fetch big.bin
expect "EPSV again (the other real server)" "$(md5 big.bin)" fetch big.bin
expect "PASV: the reply's address is the VIP's" "$(md5 a.bin)" fetch --disable-epsv --no-ftp-skip-pasv-ip a.bin
expect "PASV on the other real server" "$(md5 a.bin)" fetch --disable-epsv --no-ftp-skip-pasv-ip a.bin
expect "active (PORT): the real server connects from port 20" "$(md5 b.bin)" \
  fetch --disable-eprt -P "$LAB_C1_IP4" b.bin
expect "active (EPRT)" "$(md5 c.bin)" fetch -P "$LAB_C1_IP4" c.bin

# Three passive transfers on one control connection (curl reuses it): the
# second and third replies travel at shifted sequence numbers, and the
# client's acknowledgements are shifted back.
service_conns() { counters | json_get 'sum(s["conns"] for s in d["services"] if s.get("port") == 21)'; }
before=$(service_conns)
in_ns c1 curl -s --max-time 30 --disable-epsv --no-ftp-skip-pasv-ip \
  "ftp://$LAB_VIP4/a.bin" -o "$work/1" "ftp://$LAB_VIP4/b.bin" -o "$work/2" \
  "ftp://$LAB_VIP4/c.bin" -o "$work/3" || true
expect "three PASV transfers on one control connection: all three files" "$(md5 a.bin) $(md5 b.bin) $(md5 c.bin)" \
  bash -c "md5sum '$work/1' '$work/2' '$work/3' 2>/dev/null | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ \$//'"
# Data entries count for the service as connections do: one control
# connection and three data connections.
expect "... over one control connection (4 connections for the service)" "4" echo "$(($(service_conns) - before))"

c=$(counters)
rewrites=$(echo "$c" | json_get 'sum(w["ftp_rewrites"] for w in d["workers"])')
entries=$(echo "$c" | json_get 'sum(w["ftp_data_entries"] for w in d["workers"])')
check "ftp_rewrites counts the 5 PASV replies (got $rewrites)" test "$rewrites" -ge 5
check "ftp_data_entries counts every data connection (got $entries)" test "$entries" -ge 9
expect "no drops for FTP" "0 0" echo "$(echo "$c" | json_get '"%d %d" % (d["drops"].get("ftp_no_tailroom", 0), d["drops"].get("ftp_table_full", 0))')"

echo "== the guide's FTP service: firewall mark 21 over 21 and 10000-20000, persistent (docs/examples/ftp_nat.conf)"
stop_sluiced
start_sluiced "$top/docs/examples/ftp_nat.conf"
expect "PASV through the fwmark service" "$(md5 a.bin)" fetch --disable-epsv --no-ftp-skip-pasv-ip a.bin
expect "EPSV through the fwmark service" "$(md5 b.bin)" fetch b.bin
expect "active (PORT) through the fwmark service" "$(md5 c.bin)" fetch --disable-eprt -P "$LAB_C1_IP4" c.bin
servers=$(counters | json_get 'sum(1 for s in d["services"] if s.get("fwmark") == 21 for r in s["real_servers"] if r["conns"])')
expect "persistence: every connection of the client on one real server" "1" echo "$servers"

echo "$((checks - failures))/$checks passed"
[ "$failures" -eq 0 ]
