#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a copy of its seed corpus
# (the repository's corpus is only read), keeping what it finds apart.
#
# Usage: run_fuzzer.sh FUZZER CORPUS_DIR OUT_DIR [SECONDS | --share N]
#   SECONDS: this target's time. --share N: this target is one of N that
#   share $SLUICE_FUZZ_TOTAL seconds (default 100) equally, so the suite's
#   time stays fixed however many targets there are.
# New inputs go to OUT_DIR/corpus, a crash to OUT_DIR/crash-*; exit 0 when
# the time ran out without a finding, non-zero with the finding named.
set -euo pipefail
fuzzer=$1 seeds=$2 out=$3
if [ "${4:-}" = --share ]; then
  seconds=$(( ${SLUICE_FUZZ_TOTAL:-100} / $5 ))
  [ "$seconds" -ge 1 ] || seconds=1
else
  seconds=${4:-50}
fi
mkdir -p "$out/corpus"
# UBSan findings stop the run; ASan's leak check stays on.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
status=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
  -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" "$seeds" || status=$?
if [ "$status" -ne 0 ]; then
  echo "FUZZ FINDING in $(basename "$fuzzer"): $(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* 2>/dev/null | tr '\n' ' ')"
  echo "Reproduce: $fuzzer FILE; keep the file in $seeds with a unit test of the fix."
fi
exit "$status"
