#!/usr/bin/env bash
# The status page in a browser: headless Chromium, driven by Selenium
# (status_page_browser.py) inside lb1, opens https://127.0.0.1:PORT/ on
# sluiced's TLS listener with the test CA trusted (an NSS db, as a desktop
# would have it; no certificate error is ignored): the login form; a wrong
# token refused; the right one giving the status page, which fills itself
# with the lab's services, real servers, counters, VRRP, sync and drops;
# the session cookie's flags; no token in a URL; an error banner once the
# session is gone. The whole page is saved as a screenshot (1280 wide), into
# $SLUICE_SCREENSHOT too when set (docs/status-page.png is made so).
#
# Usage: tests/lab/status_page_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Traffic stays inside the lab namespaces; Chromium talks to lb1's
# loopback only. Every wait is bounded; Chromium, chromedriver, sluiced and
# the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"
preflight "$sluiced"
for tool in /usr/bin/chromium /usr/bin/chromedriver certutil; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup)"; exit 1; }
done
"$LAB_PYTHON" -c 'import selenium' 2>/dev/null || { echo "FAIL: python3-selenium is not installed (scripts/setup)"; exit 1; }

work=$(mktemp -d)
chmod 755 "$work"
pidfile=/run/sluice/lab-page-lb1.pid
port=9443
browser_pgid=
traffic_pid=
cleanup() {
  # The driver runs in a session of its own: its process group holds
  # chromedriver and every Chromium process.
  [ -z "$browser_pgid" ] || kill -TERM -- "-$browser_pgid" 2>/dev/null || true
  [ -z "$traffic_pid" ] || kill "$traffic_pid" 2>/dev/null || true
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tls_api "$port"
# Chromium reads its trust store from $HOME/.pki/nssdb: a fresh HOME holding
# only the test CA.
home=$work/home
mkdir -p "$home/.pki/nssdb"
certutil -d "sql:$home/.pki/nssdb" -N --empty-password
certutil -d "sql:$home/.pki/nssdb" -A -t "C,," -n sluice-test-ca -i "$certs/ca.crt"

"$lab" up nat >/dev/null
{
  cat "$configs/nat.conf"
  tls_api_block
} >"$work/live.conf"
start_sluiced "$work/live.conf"

# Traffic for the counters and rates: bounded, 40 s at most, stopped at exit.
for _ in $(seq 12); do http_get c1 10.0.0.1 >/dev/null || true; done
in_ns c1 curl -s --connect-timeout 1 -o /dev/null "http://10.0.0.1:7/" || true  # dropped: no_service
( for _ in $(seq 200); do http_get c1 10.0.0.1 >/dev/null 2>&1 || true; sleep 0.2; done ) &
traffic_pid=$!
conns=$(curl -s --max-time 5 --unix-socket /run/sluice/sluice-lb1.sock http://sluice/v1/stats |
  json_get '[s["conns"] for s in d["services"] if s["id"] == "tcp-10.0.0.1-80"][0]')
check "traffic went through 10.0.0.1:80 before the browser starts" test "$conns" -ge 12

shot=$work/status-page.png
set +e
in_ns lb1 setsid env HOME="$home" timeout -k 5 60 "$LAB_PYTHON" "$top/tests/lab/status_page_browser.py" \
  "https://127.0.0.1:$port/" "$work/token" "$shot" "$conns" \
  "TCP 10.0.0.1:80" "192.168.1.20:80" "192.168.1.23:80" "fwmark 5" "RH_EXT" "MASTER" "Connection sync" \
  "no_service" >"$work/browser.log" 2>&1 &
browser_pgid=$!
wait "$browser_pgid"
browser_rc=$?
set -e
browser_pgid=
cat "$work/browser.log"
browser_checks=$(grep -c '^\(ok  \|FAIL\) ' "$work/browser.log" || true)
browser_failures=$(grep -c '^FAIL ' "$work/browser.log" || true)
checks=$((checks + browser_checks))
failures=$((failures + browser_failures))
# A driver that stopped early (an exception, the timeout) exits non-zero.
check "the browser run went to its end (rc $browser_rc)" test "$browser_rc" -eq 0 -a "$browser_checks" -gt 0
check "the screenshot is a PNG 1280 wide, 800 to 2400 high" "$LAB_PYTHON" -c '
import struct, sys
head = open(sys.argv[1], "rb").read(24)
width, height = struct.unpack(">II", head[16:24])
sys.exit(not (head[:8] == b"\x89PNG\r\n\x1a\n" and width == 1280 and 800 <= height <= 2400))' "$shot"
if [ -n "${SLUICE_SCREENSHOT:-}" ] && [ -f "$shot" ]; then
  case $SLUICE_SCREENSHOT in /*) dest=$SLUICE_SCREENSHOT ;; *) dest=$top/$SLUICE_SCREENSHOT ;; esac
  cp "$shot" "$dest" && echo "screenshot: $dest"
fi

echo "$checks checks, $failures failed, ${SECONDS} s"
[ "$failures" -eq 0 ]
