#!/usr/bin/env bash
# Prints the instructions the forwarder executes per packet (callgrind's Ir)
# in bench_forwarder's per-packet benchmarks. An instruction count, unlike a
# time, is the same from one run to the next on a busy shared machine, so two
# builds can be compared by it.
#
# Usage: perf/callgrind_forwarder.sh [BUILD_DIR [BENCHMARK...]]
#   BUILD_DIR defaults to build/; BENCHMARKs are exact names, by default
#   BM_ParseOnly (the reference), BM_NatEstablished64k, BM_DrEstablished64k
#   and BM_NatNewFlow. Names of bench_table_scale (BM_Scale...) run that
#   binary instead, e.g. BM_ScaleReply/services:1/routes:100/active:1.
#   Needs valgrind; about 20 s of CPU per benchmark.
#
# Why two runs are subtracted: Google Benchmark 1.7.1 (Debian 12) has no
# fixed iteration count (`--benchmark_min_time=Nx` came later). It calls a
# benchmark function with 1, 10, 100, ... iterations, ten times more while a
# run takes under a tenth of --benchmark_min_time, and each call builds its
# table and warms it up again. Callgrind dumps its counters as each call
# returns (--dump-after), so the 10,000-iteration call minus the
# 1,000-iteration call is the cost of 9,000 packets, set-up cancelled out.
# 10,000 stays below the 65,536 frames after which the established and
# new-flow benchmarks refill their frames.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
shift || true
benchmarks=("$@")
[ ${#benchmarks[@]} -gt 0 ] || benchmarks=(BM_ParseOnly BM_NatEstablished64k BM_DrEstablished64k BM_NatNewFlow)
bench=$build/perf/bench_forwarder
case "${benchmarks[0]}" in BM_Scale*) bench=$build/perf/bench_table_scale ;; esac
[ -x "$bench" ] || { echo "no $bench: build it first (scripts/build perf/bench_forwarder)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
filter="^($(IFS='|'; echo "${benchmarks[*]}"))\$"
# min_time 1 s: a 1,000-iteration call under callgrind takes well under
# 0.1 s, so the 10,000-iteration call always follows it.
valgrind --tool=callgrind --log-file="$work/valgrind.log" \
  --callgrind-out-file="$work/cg.out" --dump-after='*::BM_*' \
  "$bench" --benchmark_filter="$filter" --benchmark_min_time=1 --v=2 \
  >"$work/bench.out" 2>"$work/bench.log" ||
  { cat "$work/bench.log" "$work/valgrind.log" >&2; exit 1; }

# Dump k (cg.out.k) is the k-th benchmark call, announced by the k-th
# "Running NAME for N" line of the benchmark's log.
k=0
while read -r name iters; do
  k=$((k + 1))
  ir=$(awk '/^totals:/ { print $2 }' "$work/cg.out.$k")
  echo "$name $iters $ir"
done < <(sed -n 's/^-- LOG(2): Running \(.*\) for \([0-9]*\)$/\1 \2/p' "$work/bench.log") >"$work/calls"

printf '%-24s %14s %14s\n' benchmark Ir/packet "Ir(10k)-Ir(1k)"
for b in "${benchmarks[@]}"; do
  awk -v b="$b" '
    $1 == b && $2 == 1000 { lo = $3 }
    $1 == b && $2 == 10000 { hi = $3 }
    END {
      if (lo == "" || hi == "") { printf "%-24s %14s\n", b, "no 1k/10k calls"; exit 1 }
      printf "%-24s %14.1f %14d\n", b, (hi - lo) / 9000, hi - lo
    }' "$work/calls"
done
