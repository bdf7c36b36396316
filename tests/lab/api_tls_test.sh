#!/usr/bin/env bash
# The API's TLS listener on a forwarding sluiced (docs/api.md, "Remote
# access"), with curl and sluicectl --connect as the clients:
#
#   - the token: none, a wrong one (on writes too): 401; the right one: 200
#   - a client that trusts another CA refuses the server (curl exit 60),
#     plain HTTP to the TLS port is answered 400
#   - each refusal raises sluice_api_auth_failures_total{reason=...}, and
#     the services and configuration read afterwards are unchanged
#   - the token is in no log line
#   - sluicectl --connect https:// lists with --cacert, refuses a wrong CA
#   - mutual TLS (tls_client_ca): no client certificate, an expired one and
#     one another CA signed are refused and counted; the right one with the
#     token reads and writes, alone it reads only
#
# Usage: tests/lab/api_tls_test.sh [REPO_ROOT [BUILD_DIR]]   (root; 77 = skipped)
#
# Clients run in lb1 against its loopback; every call is bounded; sluiced
# and the lab are stopped whatever happens.
set -euo pipefail

# shellcheck source=tests/lab/lib.sh
source "$(dirname "$0")/lib.sh" "$@"
preflight "$sluiced" "$sluicectl"

work=$(mktemp -d)
pidfile=/run/sluice/lab-tls-lb1.pid
cleanup() {
  stop_sluiced
  "$lab" down >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tls_api 9443
token=$api_token c=$certs url=$api_url port=$api_port

# config [LINES]: the NAT lab's config with the TLS api block.
config() {
  cat "$configs/nat.conf"
  tls_api_block "${1:-}"
}
# https [CURL-ARGS...] PATH: prints the HTTP status, or curl's exit status
# as "curl N" when there was no answer (60: the server's certificate did not
# verify; 56, 35 and others: the server ended the handshake).
https() {
  local path=${*: -1} rc=0 status
  status=$(in_ns lb1 curl -s --max-time 5 -o /dev/null -w '%{http_code}' "${@:1:$#-1}" "$url$path") || rc=$?
  if [ "$rc" -ne 0 ]; then echo "curl $rc"; else echo "$status"; fi
}
# refused: the handshake was ended by the server, whatever curl calls it.
refused() {
  local out
  out=$("$@")
  [[ "$out" == "curl "* && "$out" != "curl 60" ]]
}
auth=(-H "Authorization: Bearer $token")
# read_json PATH [CURL-ARGS...]
read_json() { in_ns lb1 curl -s --max-time 5 --cacert "$c/ca.crt" "${auth[@]}" "${@:2}" "$url$1"; }
# auth_failures REASON [CURL-ARGS...]: sluice_api_auth_failures_total{reason=REASON}.
auth_failures() {
  read_json /metrics "${@:2}" |
    awk -v r="reason=\"$1\"" 'index($0, "sluice_api_auth_failures_total{") == 1 && index($0, r) { print $2 }'
}
ctl() { in_ns lb1 timeout 20 "$sluicectl" --connect "$url" "$@"; }

echo "== TLS with the token"
"$lab" up nat >/dev/null
config >"$work/tls.conf"
start_sluiced "$work/tls.conf"
contains "sluiced says where the TLS listener is" "https://127.0.0.1:$port" cat "$work/sluiced.log"
before=$(read_json /v1/services)$(read_json /v1/config)
check "the services read over TLS" test -n "$before"

expect "no token: 401" "401" https --cacert "$c/ca.crt" /v1/status
expect "a wrong token: 401" "401" https --cacert "$c/ca.crt" -H "Authorization: Bearer x$token" /v1/status
expect "a DELETE with a wrong token: 401" "401" \
  https --cacert "$c/ca.crt" -X DELETE -H "Authorization: Bearer x$token" /v1/services/tcp-10.0.0.1-80
expect "a reload without a token: 401" "401" https --cacert "$c/ca.crt" -X POST -d '' /v1/config/reload
expect "the token: 200" "200" https --cacert "$c/ca.crt" "${auth[@]}" /v1/status
expect "a client trusting another CA refuses the server (curl 60)" "curl 60" \
  https --cacert "$c/other-ca.crt" "${auth[@]}" /v1/status
plain=$(in_ns lb1 curl -s --max-time 5 -w ' %{http_code}' "${auth[@]}" "http://127.0.0.1:$port/v1/status" || true)
contains "plain HTTP to the TLS port: 400" " 400" echo "$plain"
contains "and the answer says why" "speaks HTTPS" echo "$plain"

expect "missing_token failures counted" "2" auth_failures missing_token
expect "wrong_token failures counted" "2" auth_failures wrong_token
expect "the refused handshake counted" "1" auth_failures tls_handshake
expect "plain HTTP counted" "1" auth_failures plain_http
expect "the services and the configuration are unchanged" "same" \
  bash -c "[ '$(echo "$before" | md5sum)' = '$(echo "$(read_json /v1/services)$(read_json /v1/config)" | md5sum)' ] && echo same"
check "the token is in no log line" bash -c "! grep -q -- '$token' '$work/sluiced.log'"

echo "== sluicectl --connect"
contains "sluicectl lists over TLS" "TCP  10.0.0.1:80 rr" ctl --cacert "$c/ca.crt" --token-file "$work/token"
wrong_ca=$(ctl --cacert "$c/other-ca.crt" --token-file "$work/token" 2>&1; echo "exit $?")
contains "sluicectl refuses a server its CA did not sign" "does not verify" echo "$wrong_ca"
contains "and exits 3" "exit 3" echo "$wrong_ca"
wrong_token=$(SLUICE_API_TOKEN=wrong-token-0123456789 ctl --cacert "$c/ca.crt" status 2>&1; echo "exit $?")
contains "sluicectl with a wrong token: refused" "needs 'Authorization: Bearer TOKEN'" echo "$wrong_token"
contains "and exits 1" "exit 1" echo "$wrong_token"
stop_sluiced

echo "== mutual TLS"
config "    tls_client_ca $c/ca.crt
" >"$work/mtls.conf"
start_sluiced "$work/mtls.conf"
check "no client certificate: refused" refused https --cacert "$c/ca.crt" "${auth[@]}" /v1/status
check "an expired client certificate: refused" refused \
  https --cacert "$c/ca.crt" --cert "$c/expired-client.crt" --key "$c/expired-client.key" "${auth[@]}" /v1/status
check "a client certificate another CA signed: refused" refused \
  https --cacert "$c/ca.crt" --cert "$c/other-client.crt" --key "$c/other-client.key" "${auth[@]}" /v1/status
mine=(--cacert "$c/ca.crt" --cert "$c/client.crt" --key "$c/client.key")
expect "the client certificate and the token: a write goes through" "200" \
  https "${mine[@]}" "${auth[@]}" -X POST -d '' /v1/config/reload
expect "the client certificate alone reads" "200" https "${mine[@]}" /v1/status
expect "the client certificate alone does not write" "401" https "${mine[@]}" -X POST -d '' /v1/config/reload
expect "the refused certificates counted" "3" auth_failures client_certificate --cert "$c/client.crt" --key "$c/client.key"
contains "sluicectl with a client certificate" "TCP  10.0.0.1:80 rr" \
  ctl --cacert "$c/ca.crt" --cert "$c/client.crt" --key "$c/client.key" --token-file "$work/token"
stop_sluiced

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
