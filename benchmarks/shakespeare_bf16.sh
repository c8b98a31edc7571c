#!/bin/sh
# The tinyshakespeare baby recipe (shannon train's defaults: 4 layers, 4
# heads, 128 wide, block 64, batch 12, 2000 iterations, lr 1e-3) in bf16
# against float32 over several seeds: the whole-split validation loss of
# each run (train's last line: the validation text, every token once) and
# the wall time of the whole command. Issue 14's targets: bf16's val loss
# within 0.02 of float32's (per seed and on the mean), bf16 wall time
# <= 45 s at one thread (float32: 72.6 s on the idle machine).
#
#   benchmarks/shakespeare_bf16.sh [BUILD_DIR] [TEXT_FILE] [SEEDS] [THREADS] [ITERS]
#
# SEEDS: "1 2 3" by default; THREADS 1; ITERS 2000.
set -u
BUILD=${1:-build}
DATA=${2:-/work/shared/data/tinyshakespeare.txt}
SEEDS=${3:-1 2 3}
THREADS=${4:-1}
ITERS=${5:-2000}
SHANNON="$BUILD/models/shannon"
[ -x "$SHANNON" ] || { echo "no $SHANNON: build first" >&2; exit 2; }
[ -r "$DATA" ] || { echo "cannot read $DATA" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

now() { date +%s.%N; }
field() { tr ' ' '\n' < "$1" | sed -n "s/^$2=//p"; }

echo "shakespeare_bf16: $ITERS iterations, --threads $THREADS, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %-8s %9s %9s %10s %7s\n' seed precision val_loss wall_s tokens/s mfu
for seed in $SEEDS; do
    for p in float32 bf16; do
        rm -rf "$WORK/m"
        start=$(now)
        "$SHANNON" train --data "$DATA" --out "$WORK/m" --iters "$ITERS" --seed "$seed" \
            --threads "$THREADS" --precision "$p" 2>/dev/null | tail -n 1 > "$WORK/$p.$seed"
        wall=$(echo "$(now) - $start" | bc)
        echo "$wall" > "$WORK/$p.$seed.wall"
        printf '%-5s %-8s %9s %9.1f %10s %7s\n' "$seed" "$p" "$(field "$WORK/$p.$seed" val_loss)" \
            "$wall" "$(field "$WORK/$p.$seed" tokens_per_s)" "$(field "$WORK/$p.$seed" mfu)"
    done
done
# The means and the largest per-seed difference.
for seed in $SEEDS; do
    echo "$(field "$WORK/float32.$seed" val_loss) $(field "$WORK/bf16.$seed" val_loss) $(cat "$WORK/float32.$seed.wall") $(cat "$WORK/bf16.$seed.wall")"
done | awk '{ f += $1; b += $2; tf += $3; tb += $4; n++; d = $2 - $1; if (d < 0) d = -d; if (d > m) m = d }
    END { printf "mean val_loss float32 %.4f bf16 %.4f (|diff| of the means %.4f, largest per seed %.4f); mean wall float32 %.1f s, bf16 %.1f s (%.2fx)\n",
          f / n, b / n, (b > f ? b - f : f - b) / n, m, tf / n, tb / n, tf / tb }'
