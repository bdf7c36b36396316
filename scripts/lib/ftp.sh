# shellcheck shell=bash
# vsftpd (Debian's) as a lab real server's FTP service, for the FTP lab test
# and the demo. Needs in_ns-free plain `ip netns exec`; sourced.

# ftp_serve NS ROOT DIR: starts vsftpd in namespace NS in the background:
# anonymous, read-only, serving ROOT; passive ports 10000-20000 as the
# guide's FTP section configures them (no pasv_address: sluice writes the
# VIP into the replies); active connections from port 20. No seccomp
# sandbox or network isolation (a lab namespace is confinement enough, and
# the sandbox may not load there). Its config and log go to DIR; its pid
# to $ftp_pid.
ftp_serve() {
  local ns=$1 root=$2 dir=$3
  mkdir -p "$dir/empty"
  chmod 755 "$dir/empty"
  cat >"$dir/vsftpd-$ns.conf" <<CONF
listen=YES
listen_ipv6=NO
background=NO
anonymous_enable=YES
no_anon_password=YES
local_enable=NO
write_enable=NO
anon_root=$root
secure_chroot_dir=$dir/empty
pasv_enable=YES
pasv_min_port=10000
pasv_max_port=20000
port_enable=YES
connect_from_port_20=YES
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
xferlog_enable=NO
dirmessage_enable=NO
CONF
  ip netns exec "$ns" vsftpd "$dir/vsftpd-$ns.conf" </dev/null >"$dir/vsftpd-$ns.log" 2>&1 &
  ftp_pid=$!
}
