#!/usr/bin/env bash
# Runs every libFuzzer harness of tests/fuzz for SECONDS each and prints one
# line per harness: executions, executions/s, coverage (libFuzzer's cov:,
# edges reached) and features (ft:). Exits non-zero on the first finding,
# whose input is kept as BUILD/crash-<harness>-<hash> (replay it with
# BUILD/tests/fuzz/fuzz_<harness> FILE).
#
# usage: tests/fuzz/run.sh BUILD SECONDS [HARNESS...]
set -uo pipefail
build=$1; seconds=$2; shift 2
src=$(cd "$(dirname "$0")" && pwd)
# name:max_len — inputs a little larger than the biggest realistic seed.
all="npy:4096 npz:8192 safetensors:4096 json:4096 tokenizer:8192 config:1024 train_state:1024
     model_dir:24576"
[ $# -gt 0 ] && all=$(for h in "$@"; do for s in $all; do [ "${s%%:*}" = "$h" ] && echo "$s"; done; done)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
printf '%-12s %12s %10s %8s %8s  %s\n' harness executions exec/s cov ft result
for spec in $all; do
  name=${spec%%:*}; len=${spec##*:}
  corpus=$build/fuzz-corpus/$name
  mkdir -p "$corpus"
  log=$build/fuzz-$name.log
  dict=()
  [ -f "$src/$name.dict" ] && dict=(-dict="$src/$name.dict")
  "$build/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len="$len" -print_final_stats=1 -artifact_prefix="$build/crash-$name-" "${dict[@]}" \
    "$corpus" "$src/corpus/$name" > "$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
  result=ok
  if [ $rc -ne 0 ]; then
    result="FINDING (see $log)"
    status=1
  fi
  printf '%-12s %12s %10s %8s %8s  %s\n' "$name" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result"
  [ $rc -ne 0 ] && grep -E 'ERROR|SUMMARY|invariant' "$log" | head -5
done
exit $status
