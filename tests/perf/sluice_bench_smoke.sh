#!/usr/bin/env bash
# sluice-bench end to end, without hugepages or namespaces:
#  1. one net_ring port that loops back to itself (in-process);
#  2. two memif links through dpdk-testpmd in io mode, when it is installed.
# Checks the JSON summary: frames came back, counts add up, latency is there.
# Usage: sluice_bench_smoke.sh BUILD_DIR
set -euo pipefail
bench="$1/perf/sluice-bench"
dir=$(mktemp -d /tmp/sluice-bench-smoke.XXXXXX)
dut=""
# The test's result is its checks': testpmd (DPDK 22.11) now and then
# crashes as it stops after memif traffic, and that exit status must not
# become the test's.
cleanup() {
  local status=$?
  if [ -n "$dut" ]; then
    kill "$dut" 2>/dev/null || true
    wait "$dut" 2>/dev/null || true
  fi
  rm -rf "$dir"
  rm -rf "/var/run/dpdk/sbsmoke-$$-"*
  exit "$status"
}
trap cleanup EXIT

check() {  # check NAME JSON_FILE EXACT(1: no loss allowed)
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
name, path, exact = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
r = json.load(open(path))
tx, rx = r["tx"]["packets"], r["rx"]["packets"]
assert tx > 1000, f"{name}: only {tx} sent"
assert rx > 0, f"{name}: nothing received"
assert rx <= tx, f"{name}: received {rx} > sent {tx}"
if exact:
    assert rx == tx and r["loss_percent"] == 0, f"{name}: sent {tx} received {rx}"
lat = r["latency_us"]
assert lat["samples"] == rx, f"{name}: {lat['samples']} latency samples for {rx} frames"
assert 0 < lat["p50"] <= lat["p99"] <= lat["max"], f"{name}: latency {lat}"
assert r["rx"]["mpps"] > 0 and r["tx"]["gbps"] > 0
print(f"{name}: ok: sent {tx} received {rx} ({r['rx']['mpps']:.2f} Mpps), p50 {lat['p50']:.1f} us")
PY
}

eal=(--no-huge -m 256 --no-pci --log-level '*:error')

# 1. Loopback ring: every frame must come back, in every mode.
for mode in udp established syn; do
  timeout 15 "$bench" -l 0 "${eal[@]}" --file-prefix "sbsmoke-$$-ring" --vdev net_ring0 -- \
    --tx-port 0 --rx-port 0 --mode "$mode" --flows 5000 --duration 0.5 --rate 2 --json --quiet \
    > "$dir/ring-$mode.json"
  check "ring $mode" "$dir/ring-$mode.json" 1
done

# 2. Two memif links through testpmd (io forwarding), the lab's shape.
if command -v dpdk-testpmd >/dev/null; then
  memif="socket-abstract=no,id=0"
  timeout 15 dpdk-testpmd -l 0,1 --main-lcore 0 --no-huge -m 512 --no-pci --file-prefix "sbsmoke-$$-dut" \
    --log-level '*:error' \
    --vdev "net_memif0,role=server,socket=$dir/a.sock,$memif" --vdev "net_memif1,role=server,socket=$dir/b.sock,$memif" \
    -- --forward-mode=io --total-num-mbufs=8192 --stats-period 10 > "$dir/testpmd.log" 2>&1 &
  dut=$!
  # memif clients do not retry: start once testpmd forwards.
  for _ in $(seq 100); do grep -q "packet forwarding - ports" "$dir/testpmd.log" && break; sleep 0.1; done
  timeout 15 "$bench" -l 0 "${eal[@]}" --file-prefix "sbsmoke-$$-gen" \
    --vdev "net_memif0,role=client,socket=$dir/a.sock,$memif" --vdev "net_memif1,role=client,socket=$dir/b.sock,$memif" \
    -- --tx-port 0 --rx-port 1 --mode udp --flows 1000 --duration 1 --rate 0.5 --wait 5 --json --quiet \
    > "$dir/memif.json"
  check "memif testpmd" "$dir/memif.json" 0
fi
