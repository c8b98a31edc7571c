#!/bin/sh
# Does a second thread still pay when another process holds a core? Times
# the baby GPT (shannon train's defaults: 4 layers, 4 heads, 128 wide,
# block 64, batch 12) for 50 training iterations and `shannon sample` of
# 1,000 tokens at --threads 1 and 2, first on the machine as it is
# ("idle"), then next to one CPU-bound process at the same priority
# ("busy": a shell loop), best of REPEAT runs each. Issue 14's goal: 2
# threads never slower than 1, busy or not.
#
#   benchmarks/bench_busy_core.sh [BUILD_DIR] [TEXT_FILE] [REPEAT]
#
# TEXT_FILE defaults to /work/shared/data/tinyshakespeare.txt. Prints one
# line per case: seconds at 1 and 2 threads and their ratio (t1 / t2 above
# 1: two threads faster).
set -u
BUILD=${1:-build}
DATA=${2:-/work/shared/data/tinyshakespeare.txt}
REPEAT=${3:-3}
SHANNON="$BUILD/models/shannon"
[ -x "$SHANNON" ] || { echo "no $SHANNON: build first" >&2; exit 2; }
[ -r "$DATA" ] || { echo "cannot read $DATA" >&2; exit 2; }
WORK=$(mktemp -d)
BUSY=
cleanup() { [ -n "$BUSY" ] && kill "$BUSY" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

now() { date +%s.%N; }

# best_of COMMAND...: the shortest wall time of REPEAT runs, in seconds.
best_of() {
    best=
    i=0
    while [ $i -lt "$REPEAT" ]; do
        start=$(now)
        "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; echo nan; return; }
        t=$(echo "$(now) - $start" | bc)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
        i=$((i + 1))
    done
    echo "$best"
}

train() {
    rm -rf "$WORK/m$1"   # train refuses a used folder without --resume
    "$SHANNON" train --data "$DATA" --out "$WORK/m$1" --iters 50 --threads "$1"
}

train 1 > /dev/null 2>&1 || { echo "training failed" >&2; exit 1; }   # the model sample reads
cp -r "$WORK/m1" "$WORK/model"
sample() { "$SHANNON" sample --model "$WORK/model" --tokens 1000 --seed 1 --threads "$1"; }

report() {
    t1=$(best_of "$2" 1)
    t2=$(best_of "$2" 2)
    printf '%-5s %-22s threads=1 %7.2f s   threads=2 %7.2f s   t1/t2 %5.2f\n' "$1" "$3" "$t1" "$t2" \
        "$(echo "$t1 / $t2" | bc -l)"
}

echo "bench_busy_core: $(nproc) CPUs, best of $REPEAT, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in idle busy; do
    if [ "$mode" = busy ]; then
        sh -c 'while :; do :; done' &
        BUSY=$!
        sleep 0.5
    fi
    report "$mode" train "train --iters 50"
    report "$mode" sample "sample --tokens 1000"
    if [ -n "$BUSY" ]; then
        kill "$BUSY"
        wait "$BUSY" 2>/dev/null
        BUSY=
    fi
done
