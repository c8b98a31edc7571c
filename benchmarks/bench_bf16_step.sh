#!/bin/sh
# bf16 mixed precision against float32 on whole GPT training steps, one
# table, both precisions in the same run: bench_gpt_step (forward,
# backward, clipping, AdamW; bench_gpt.py's shapes) on the baby config
# (65 x 4 layers x 128 wide, block 64, batch 12) and GPT-2 small (50257 x
# 12 layers x 768 wide, block 64, batch 4), at 1 and 2 threads. For each
# case float32 and bf16 alternate REPEAT times and each keeps its best
# tok_s_mean, so a burst of load on a shared machine hits both alike.
# Issue 14's targets: GPT-2 small bf16 >= 1.6x float32 at one thread, baby
# >= 1.3x.
#
#   benchmarks/bench_bf16_step.sh [BUILD_DIR] [REPEAT] [SHAPES]
#
# SHAPES: "baby gpt2-small" by default.
set -u
BUILD=${1:-build}
REPEAT=${2:-3}
SHAPES=${3:-baby gpt2-small}
BENCH="$BUILD/benchmarks/bench_gpt_step"
[ -x "$BENCH" ] || { echo "no $BENCH: build first" >&2; exit 2; }

args_of() {
    case $1 in
        baby) echo "--vocab 65 --layers 4 --heads 4 --embd 128 --block 64 --batch 12 --steps 20" ;;
        gpt2-small) echo "--vocab 50257 --layers 12 --heads 12 --embd 768 --block 64 --batch 4 --steps 3" ;;
        *) echo "unknown shape $1" >&2; exit 2 ;;
    esac
}

# run SHAPE THREADS PRECISION: tok_s_mean of one child
run() {
    "$BENCH" $(args_of "$1") --threads "$2" --precision "$3" --positions learned 2>/dev/null |
        sed -n 's/.* tok_s_mean=\([0-9.]*\) .*/\1/p'
}

max() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { print (a > b ? a : b) }'; }

echo "bench_bf16_step: $(nproc) CPUs, best of $REPEAT, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-11s %7s %14s %14s %7s\n' shape threads "float32 tok/s" "bf16 tok/s" "bf16/f32"
for shape in $SHAPES; do
    for threads in 1 2; do
        f32=0 b16=0 i=0
        while [ $i -lt "$REPEAT" ]; do
            f32=$(max "$f32" "$(run "$shape" "$threads" float32)")
            b16=$(max "$b16" "$(run "$shape" "$threads" bf16)")
            i=$((i + 1))
        done
        printf '%-11s %7d %14.1f %14.1f %7.2f\n' "$shape" "$threads" "$f32" "$b16" \
            "$(awk -v a="$b16" -v b="$f32" 'BEGIN { print (b > 0 ? a / b : 0) }')"
    done
done
