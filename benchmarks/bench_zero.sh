#!/bin/sh
# ZeRO-1 against plain data parallelism at 2 ranks x 1 thread, baby config
# (4 layers, 4 heads, 128 embd, block 64, batch 12 per rank):
#
#   benchmarks/bench_zero.sh [TEXT] [ITERS]
#
# For --zero 0 and --zero 1, through the shared-memory window (one node)
# and through MPI (SHANNON_REDUCE=mpi: MPI_Iallreduce buckets against
# MPI_Reduce_scatter + MPI_Allgatherv): tokens/s, the mean step time and
# the part of it waited on the reduction (SHANNON_STEP_TIMING), and the
# bytes of optimizer state (AdamW moments) each rank holds at the end.
# TEXT defaults to /work/shared/data/tinyshakespeare.txt. Needs an MPI
# build (build/).
set -eu
cd "$(dirname "$0")/.."
TEXT=${1:-/work/shared/data/tinyshakespeare.txt}
ITERS=${2:-60}
S=build/models/shannon
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-zero-XXXXXX")
trap 'rm -rf "$W"' EXIT
BABY="--data $TEXT --layers 4 --heads 4 --embd 128 --block 64 --batch 12 --iters $ITERS --eval-interval 100000"

echo "== baby config, 2 ranks x 1 thread, global batch 24 x 64 tokens, $ITERS steps"
for reduce in window mpi; do
  for zero in 0 1; do
    SHANNON_STEP_TIMING=1 SHANNON_REDUCE=$reduce mpirun -np 2 --bind-to core --oversubscribe \
      -x SHANNON_STEP_TIMING -x SHANNON_REDUCE "$S" train $BABY --threads 1 --zero $zero \
      --out "$W/$reduce$zero" > "$W/out" 2> "$W/err"
    echo "--zero $zero ($reduce): $(sed -n 's/.*tokens_per_s=\([0-9.]*\).*/\1/p' "$W/out") tokens/s"
    sed -n 's/^shannon train: \(step timing.*\)/  \1/p; s/^shannon train: \(optimizer state.*\)/  \1/p' "$W/err"
  done
done
