#!/bin/sh
# Data-parallel training throughput and the cost of its gradient reduction.
#
#   benchmarks/bench_mpi.sh [TEXT] [ITERS]
#
# 1. `shannon train` on the baby config (4 layers, 4 heads, 128 embd,
#    block 64, batch 12 per micro-batch) at the same global batch of 24
#    sequences per step, so the three runs do the same work:
#      1 rank  x 1 thread  --grad-accum 2
#      1 rank  x 2 threads --grad-accum 2
#      2 ranks x 1 thread  (mpirun -np 2, --bind-to core)
#    tokens/s from each run's last line, and the ratio the issue asks for:
#    (2 ranks x 1 thread) / (1 rank x 2 threads), target >= 0.9.
# 2. bench_allreduce on the baby arena (~0.8M floats) and GPT-2 small's
#    (124M): median time, bytes and effective GB/s of one reduction for
#    MPI_Allreduce, bucketed MPI_Iallreduce and the shared-memory window
#    shannon uses on one node (target >= 3 GB/s).
# 3. How much of the reduction the run sees: SHANNON_STEP_TIMING=1 makes
#    rank 0 print, at the end, the mean seconds per step waited on the
#    reduction after the backward (exposed) and the mean step time.
#
# TEXT defaults to /work/shared/data/tinyshakespeare.txt (any text works;
# the vocabulary is its characters). Needs an MPI build (build/).
set -eu
cd "$(dirname "$0")/.."
TEXT=${1:-/work/shared/data/tinyshakespeare.txt}
ITERS=${2:-60}
S=build/models/shannon
B=build/benchmarks/bench_allreduce
[ -x "$B" ] || { echo "bench_mpi.sh: needs a build with MPI (-Dmpi=enabled)"; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-mpi-XXXXXX")
trap 'rm -rf "$W"' EXIT
BABY="--data $TEXT --layers 4 --heads 4 --embd 128 --block 64 --batch 12 --iters $ITERS --eval-interval 100000"

tps() { sed -n 's/.*tokens_per_s=\([0-9.]*\).*/\1/p' "$1"; }

echo "== baby config, global batch 24 x 64 tokens, $ITERS steps (tokens/s of training steps)"
$S train $BABY --threads 1 --grad-accum 2 --out "$W/a" > "$W/a.out" 2> "$W/a.err"
a=$(tps "$W/a.out")
$S train $BABY --threads 2 --grad-accum 2 --out "$W/b" > "$W/b.out" 2> "$W/b.err"
b=$(tps "$W/b.out")
SHANNON_STEP_TIMING=1 mpirun -np 2 --bind-to core -x SHANNON_STEP_TIMING "$S" train $BABY \
  --threads 1 --out "$W/c" > "$W/c.out" 2> "$W/c.err"
c=$(tps "$W/c.out")
SHANNON_STEP_TIMING=1 SHANNON_REDUCE=mpi mpirun -np 2 --bind-to core -x SHANNON_STEP_TIMING \
  -x SHANNON_REDUCE "$S" train $BABY --threads 1 --out "$W/d" > "$W/d.out" 2> "$W/d.err"
d=$(tps "$W/d.out")
echo "1 rank  x 1 thread : $a tokens/s"
echo "1 rank  x 2 threads: $b tokens/s"
echo "2 ranks x 1 thread : $c tokens/s (shared-memory window)"
grep "step timing" "$W/c.err" || true
echo "2 ranks x 1 thread : $d tokens/s (bucketed MPI_Iallreduce, overlapped with the backward)"
grep "step timing" "$W/d.err" || true
echo "ratio (2 ranks x 1 thread) / (1 rank x 2 threads): $(echo "$c $b" | awk '{printf "%.2f", $1 / $2}')"

echo "== gradient reduction alone, 2 ranks"
mpirun -np 2 --oversubscribe "$B" --floats 800000 --repeat 21
mpirun -np 2 --oversubscribe "$B" --floats 124439808 --repeat 5
