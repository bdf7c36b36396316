# shellcheck shell=bash
# Certificates for the tests of the API's TLS listener, made with openssl:
#
#   test_certs DIR   writes into DIR (PEM, keys unencrypted, mode 0600):
#     ca.crt ca.key                       the test CA
#     server.crt server.key               signed by it; SAN IP:127.0.0.1, DNS:localhost
#     client.crt client.key               a client certificate signed by it (mutual TLS)
#     expired-server.crt expired-server.key, expired-client.crt expired-client.key
#                                         signed by it, valid only in 2020
#     other-ca.crt other-ca.key           an unrelated CA, and other-client.crt
#     other-client.key                    a client certificate it signed
#
# Sourced. EC P-256 keys: quick to make. Nothing here is secret: the keys
# live and die with the test's temporary directory.

# _tc_sign DIR NAME CA SUBJECT EXT [START END]: NAME.key and NAME.crt,
# signed by CA; with START and END (openssl ca's YYYYMMDDHHMMSSZ) the
# validity is that window instead of a day from now.
_tc_sign() {
  local dir=$1 name=$2 ca=$3 subject=$4 ext=$5 start=${6:-} end=${7:-}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr" 2>/dev/null
  if [ -z "$start" ]; then
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" \
      -CAcreateserial -days 2 -extfile "$dir/ext.cnf" -extensions "$ext" -out "$dir/$name.crt" 2>/dev/null
  else
    # x509 -req cannot backdate; `openssl ca` takes explicit dates.
    local db=$dir/ca-db
    mkdir -p "$db"
    : >"$db/index.txt"
    [ -f "$db/serial" ] || echo 1000 >"$db/serial"
    cat >"$db/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
database = $db/index.txt
serial = $db/serial
new_certs_dir = $db
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
EOF
    openssl ca -batch -config "$db/ca.cnf" -cert "$dir/$ca.crt" -keyfile "$dir/$ca.key" \
      -startdate "$start" -enddate "$end" -extfile "$dir/ext.cnf" -extensions "$ext" \
      -in "$dir/$name.csr" -out "$dir/$name.crt" -notext 2>/dev/null
  fi
  rm -f "$dir/$name.csr"
}

_tc_ca() {
  local dir=$1 name=$2
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -keyout "$dir/$name.key" -subj "/CN=sluice test $name" -out "$dir/$name.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

test_certs() {
  local dir=$1
  mkdir -p "$dir"
  cat >"$dir/ext.cnf" <<'EOF'
[server]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
[client]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
EOF
  _tc_ca "$dir" ca
  _tc_ca "$dir" other-ca
  _tc_sign "$dir" server ca /CN=localhost server
  _tc_sign "$dir" client ca "/CN=sluice test client" client
  _tc_sign "$dir" other-client other-ca "/CN=sluice test other client" client
  _tc_sign "$dir" expired-server ca /CN=localhost server 20200101000000Z 20200102000000Z
  _tc_sign "$dir" expired-client ca "/CN=sluice test expired client" client 20200101000000Z 20200102000000Z
  chmod 600 "$dir"/*.key
  local f
  for f in ca server client other-ca other-client expired-server expired-client; do
    [ -s "$dir/$f.crt" ] && [ -s "$dir/$f.key" ] || { echo "test_certs: could not make $f" >&2; return 1; }
  done
}
