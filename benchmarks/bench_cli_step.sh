#!/bin/sh
# What users get against what the benchmark shows (issue 14, item 4): the
# tokens/s `shannon train` reports on tinyshakespeare (the baby config with
# learned positions: 4 layers, 4 heads, 128 wide, block 64, batch 12)
# beside bench_gpt_step's isolated step of the same model and batch, in one
# run, at 1 and 2 threads, in float32 and bf16. The CLI's figure is its own
# last line (the steps' time: batch drawing, the step, logging; the
# periodic evaluations and checkpoints are not in it). Goal: CLI within 5%
# of the step (ratio >= 0.95).
#
#   benchmarks/bench_cli_step.sh [BUILD_DIR] [TEXT_FILE] [ITERS] [PRECISIONS]
#
# ITERS: shannon train's iterations (default 300); PRECISIONS: "float32
# bf16" by default. Each side runs twice, alternating, the best kept.
set -u
BUILD=${1:-build}
DATA=${2:-/work/shared/data/tinyshakespeare.txt}
ITERS=${3:-300}
PRECISIONS=${4:-float32 bf16}
SHANNON="$BUILD/models/shannon"
BENCH="$BUILD/benchmarks/bench_gpt_step"
[ -x "$SHANNON" ] && [ -x "$BENCH" ] || { echo "build first ($SHANNON, $BENCH)" >&2; exit 2; }
[ -r "$DATA" ] || { echo "cannot read $DATA" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

max() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { print (a > b ? a : b) }'; }

cli() {   # THREADS PRECISION -> tokens_per_s
    rm -rf "$WORK/m"
    "$SHANNON" train --data "$DATA" --out "$WORK/m" --learned-positions --iters "$ITERS" \
        --threads "$1" --precision "$2" 2>/dev/null | tail -n 1 |
        sed -n 's/.*tokens_per_s=\([0-9.]*\).*/\1/p'
}
step() {  # THREADS PRECISION -> tok_s_mean (vocab 65: tinyshakespeare's characters)
    "$BENCH" --vocab 65 --layers 4 --heads 4 --embd 128 --block 64 --batch 12 --steps 100 \
        --threads "$1" --precision "$2" --positions learned 2>/dev/null |
        sed -n 's/.* tok_s_mean=\([0-9.]*\) .*/\1/p'
}

echo "bench_cli_step: $(nproc) CPUs, $ITERS CLI iterations, best of 2, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-9s %7s %12s %12s %9s\n' precision threads "CLI tok/s" "step tok/s" "CLI/step"
for p in $PRECISIONS; do
    for t in 1 2; do
        c=0 s=0
        for i in 1 2; do
            c=$(max "$c" "$(cli "$t" "$p")")
            s=$(max "$s" "$(step "$t" "$p")")
        done
        printf '%-9s %7d %12.1f %12.1f %9.3f\n' "$p" "$t" "$c" "$s" \
            "$(awk -v a="$c" -v b="$s" 'BEGIN { print (b > 0 ? a / b : 0) }')"
    done
done
