#!/bin/sh
# Data-parallel `shannon train` / `finetune` under Open MPI (models/cli/
# step.c, distributed.c), against one process with gradient accumulation:
#
#  - mpirun -np 2 --batch B       == --batch B --grad-accum 2, bit for bit
#    (loss.csv and model.safetensors), dropout on;
#  - mpirun -np 4                 == --grad-accum 4 through the shared-memory
#    window (rank-order sums), ~= through MPI_Iallreduce (relative 1e-5);
#  - --zero 1                     == --zero 0 (optimizer files included), on
#    both reduction paths and 3 ranks; its moments take 1/P per rank; a
#    --zero 1 checkpoint resumes under -np 1 and the other way round;
#  - a run stopped (--stop-at) under -np 2 resumes under -np 1 --grad-accum 2
#    and ends byte-identical to the uninterrupted run;
#  - finetune -np 2               == finetune --grad-accum 2;
#  - one rank given a bad flag, a missing file or another model: every rank
#    ends, non-zero, with the failing rank's message, never a hang.
# A build without MPI, run by mpirun, must say so and fail.
#
# usage: mpi_test.sh path/to/shannon mpi|nompi
# Exit 77 (skipped) without mpirun.
set -u
SHANNON=$1
BUILT=$2
command -v mpirun > /dev/null 2>&1 || { echo "mpirun not found: skipped"; exit 77; }
. "$(dirname "$0")/cli_common.sh"
PY=/usr/bin/python3

# Root in a container needs Open MPI's consent; a sandbox without CMA
# needs the shared-memory transport's plain copies.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_mpi_yield_when_idle=1
# Under AddressSanitizer: Open MPI's own leaks at MPI_Finalize are
# suppressed by library (lsan_mpi.supp), which needs whole stacks (the
# fast unwinder stops in MPI's frames) and its components kept loaded.
export OMPI_MCA_mca_base_component_disable_dlclose=1
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$(cd "$(dirname "$0")" && pwd)/lsan_mpi.supp"
MPIRUN="timeout 120 mpirun --oversubscribe"
BASE="--layers 1 --heads 2 --block 16 --threads 1 --iters 12 --eval-interval 4"
ARGS="--data $WORK/corpus.txt --embd 16 $BASE"

if [ "$BUILT" = nompi ]; then
  $MPIRUN -np 2 "$SHANNON" train $ARGS --out "$WORK/m" > /dev/null 2> "$WORK/err.txt"
  status=$?
  [ $status -ne 0 ] && [ $status -ne 124 ] && pass || fail "no-MPI build under mpirun: exit $status"
  grep -q "this build has no MPI" "$WORK/err.txt" && pass || fail "no-MPI build: $(cat "$WORK/err.txt")"
  finish
  exit $?
fi

# same NAME A B: the run folders' loss.csv and model.safetensors are identical.
same() {
  for f in loss.csv model.safetensors; do
    cmp -s "$2/$f" "$3/$f" && pass || fail "$1: $f differs"
  done
}

# close NAME A B TOL: weights (norm of the difference over the norm of the
# weights, whole model) and every loss.csv value within TOL, relative.
close() {
  $PY - "$2" "$3" "$4" << 'EOF' && pass || fail "$1: not within $4"
import json, struct, sys
import numpy as np
def tensors(path):
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    head = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    return {k: np.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], np.float32)
            for k, v in head.items() if k != '__metadata__'}
a, b, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
ta, tb = tensors(a + '/model.safetensors'), tensors(b + '/model.safetensors')
diff = sum(float(np.sum((ta[k].astype(np.float64) - tb[k]) ** 2)) for k in ta) ** 0.5
norm = sum(float(np.sum(ta[k].astype(np.float64) ** 2)) for k in ta) ** 0.5
ok = diff <= tol * norm
la = [l.split(',') for l in open(a + '/loss.csv').read().split()[1:]]
lb = [l.split(',') for l in open(b + '/loss.csv').read().split()[1:]]
ok = ok and len(la) == len(lb)
for ra, rb in zip(la, lb):
    for x, y in zip(ra[1:3], rb[1:3]):
        ok = ok and (x == y or abs(float(x) - float(y)) <= tol * abs(float(x)))
print('weights: relative difference %.3g' % (diff / norm))
sys.exit(0 if ok else 1)
EOF
}

# 1. Two ranks are one rank accumulating two micro-batches, bit for bit.
"$SHANNON" train $ARGS --batch 6 --grad-accum 2 --dropout 0.1 --out "$WORK/ga2" > /dev/null 2>&1
$MPIRUN -np 2 "$SHANNON" train $ARGS --batch 6 --dropout 0.1 --out "$WORK/np2" > "$WORK/np2.out" 2> "$WORK/np2.err"
[ $? -eq 0 ] && pass || { fail "-np 2 train failed"; cat "$WORK/np2.err"; }
same "-np 2 vs --grad-accum 2" "$WORK/ga2" "$WORK/np2"
[ "$(grep -c '^train_loss=' "$WORK/np2.out")" -eq 1 ] && pass || fail "-np 2: not one result line (rank 0 alone prints)"

# ... also through MPI_Iallreduce buckets (the several-node path).
SHANNON_REDUCE=mpi $MPIRUN -x SHANNON_REDUCE -np 2 "$SHANNON" train $ARGS --batch 6 --dropout 0.1 \
  --out "$WORK/np2m" > /dev/null 2> "$WORK/np2m.err"
[ $? -eq 0 ] && pass || { fail "-np 2 train (MPI_Iallreduce) failed"; cat "$WORK/np2m.err"; }
same "-np 2 (MPI_Iallreduce) vs --grad-accum 2" "$WORK/ga2" "$WORK/np2m"

# 2. Four ranks on one node add in rank order through the shared window:
# bit for bit again; MPI's reduction tree reassociates (last bits move).
"$SHANNON" train $ARGS --batch 3 --grad-accum 4 --out "$WORK/ga4" > /dev/null 2>&1
$MPIRUN -np 4 "$SHANNON" train $ARGS --batch 3 --out "$WORK/np4" > /dev/null 2> "$WORK/np4.err"
[ $? -eq 0 ] && pass || { fail "-np 4 train failed"; cat "$WORK/np4.err"; }
same "-np 4 vs --grad-accum 4" "$WORK/ga4" "$WORK/np4"
SHANNON_REDUCE=mpi $MPIRUN -x SHANNON_REDUCE -np 4 "$SHANNON" train $ARGS --batch 3 --out "$WORK/np4m" \
  > /dev/null 2> "$WORK/np4m.err"
[ $? -eq 0 ] && pass || { fail "-np 4 train (MPI_Iallreduce) failed"; cat "$WORK/np4m.err"; }
close "-np 4 (MPI_Iallreduce) vs --grad-accum 4" "$WORK/ga4" "$WORK/np4m" 1e-5

# 3. ZeRO-1 shards the optimizer and changes no bit. --lr 0.3 takes the
# gradient norm past 1 in some steps, so clipping (the norm put together
# from every rank's chunks) is exercised too.
if "$SHANNON" train --help | grep -q -- --zero; then
  ZARGS="$ARGS --batch 4 --lr 0.3"
  # same_opt NAME A B: same, and the optimizer files of the last checkpoint.
  same_opt() {
    same "$@"
    for f in optimizer_decay.safetensors optimizer_no_decay.safetensors; do
      cmp -s "$2/current/$f" "$3/current/$f" && pass || fail "$1: $f differs"
    done
  }
  $MPIRUN -np 2 "$SHANNON" train $ZARGS --zero 1 --out "$WORK/z1" > /dev/null 2> "$WORK/z1.err"
  [ $? -eq 0 ] && pass || { fail "--zero 1 failed"; cat "$WORK/z1.err"; }
  $MPIRUN -np 2 "$SHANNON" train $ZARGS --zero 0 --out "$WORK/z0" > /dev/null 2> "$WORK/z0.err"
  same_opt "--zero 1 vs --zero 0" "$WORK/z0" "$WORK/z1"
  # Optimizer memory: the ranks' moments add up to one --zero 0 rank's,
  # and none holds more than 3/4 of it (the cuts fall on 8192-element
  # chunks or tensor starts, so the halves of a tiny model are uneven).
  $PY - "$WORK/z0.err" "$WORK/z1.err" << 'EOF' && pass || fail "--zero 1: optimizer bytes per rank"
import re, sys
def ranks(path):
    line = [l for l in open(path) if 'optimizer state per rank' in l][-1]
    return [int(x) for x in re.search(r'\): ([0-9 ]+) bytes', line).group(1).split()]
z0, z1 = ranks(sys.argv[1]), ranks(sys.argv[2])
print('--zero 0:', z0, '--zero 1:', z1)
sys.exit(0 if len(z1) == 2 and z0[0] == z0[1] == sum(z1) and max(z1) <= 0.75 * z0[0] else 1)
EOF
  # ... through MPI_Reduce_scatter and MPI_Allgatherv (two ranks: a + b).
  SHANNON_REDUCE=mpi $MPIRUN -x SHANNON_REDUCE -np 2 "$SHANNON" train $ZARGS --zero 1 \
    --out "$WORK/z1m" > /dev/null 2> "$WORK/z1m.err"
  [ $? -eq 0 ] && pass || { fail "--zero 1 (MPI_Reduce_scatter) failed"; cat "$WORK/z1m.err"; }
  same_opt "--zero 1 (MPI_Reduce_scatter) vs --zero 0" "$WORK/z0" "$WORK/z1m"
  # ... with three ranks (uneven slices; rank-order sums in the window).
  $MPIRUN -np 3 "$SHANNON" train $ZARGS --zero 1 --out "$WORK/z31" > /dev/null 2> "$WORK/z31.err"
  [ $? -eq 0 ] && pass || { fail "-np 3 --zero 1 failed"; cat "$WORK/z31.err"; }
  $MPIRUN -np 3 "$SHANNON" train $ZARGS --out "$WORK/z30" > /dev/null 2>&1
  same_opt "-np 3: --zero 1 vs --zero 0" "$WORK/z30" "$WORK/z31"
  # One process: allowed, nothing to shard.
  "$SHANNON" train $ZARGS --grad-accum 2 --zero 1 --out "$WORK/z1s" > /dev/null 2>&1
  same_opt "-np 1 --zero 1 --grad-accum 2 vs -np 2 --zero 0" "$WORK/z0" "$WORK/z1s"
  # Checkpoints hold the whole state: a --zero 1 run resumes under -np 1,
  # and a -np 1 run resumes under --zero 1, ending where z0 ends.
  $MPIRUN -np 2 "$SHANNON" train $ZARGS --zero 1 --stop-at 4 --out "$WORK/zr1" > /dev/null 2>&1
  "$SHANNON" train $ZARGS --grad-accum 2 --resume --out "$WORK/zr1" > /dev/null 2> "$WORK/zr1.err"
  [ $? -eq 0 ] && pass || { fail "--zero 1 resumed under -np 1"; cat "$WORK/zr1.err"; }
  same_opt "--zero 1 -np 2 stopped, resumed on -np 1" "$WORK/z0" "$WORK/zr1"
  "$SHANNON" train $ZARGS --grad-accum 2 --stop-at 4 --out "$WORK/zr2" > /dev/null 2>&1
  $MPIRUN -np 2 "$SHANNON" train $ZARGS --zero 1 --resume --out "$WORK/zr2" > /dev/null 2> "$WORK/zr2.err"
  [ $? -eq 0 ] && pass || { fail "-np 1 resumed under --zero 1"; cat "$WORK/zr2.err"; }
  same_opt "-np 1 stopped, resumed on -np 2 --zero 1" "$WORK/z0" "$WORK/zr2"
  expect_error "--zero 2" "option '--zero' must be between 0 and 1, got 2" \
    "$SHANNON" train $ZARGS --zero 2 --out "$WORK/z2"
  # finetune shards the same way.
  $MPIRUN -np 2 "$SHANNON" finetune --from "$WORK/z0" --data "$WORK/corpus.txt" --iters 4 --batch 4 \
    --lr 0.3 --threads 1 --zero 1 --out "$WORK/fz1" > /dev/null 2> "$WORK/fz1.err"
  [ $? -eq 0 ] && pass || { fail "finetune --zero 1 failed"; cat "$WORK/fz1.err"; }
  $MPIRUN -np 2 "$SHANNON" finetune --from "$WORK/z0" --data "$WORK/corpus.txt" --iters 4 --batch 4 \
    --lr 0.3 --threads 1 --out "$WORK/fz0" > /dev/null 2>&1
  same "finetune --zero 1 vs --zero 0" "$WORK/fz0" "$WORK/fz1"
fi

# 4. Stopped under two ranks, resumed on one with the same global batch.
$MPIRUN -np 2 "$SHANNON" train $ARGS --batch 6 --dropout 0.1 --stop-at 8 --out "$WORK/rs" > /dev/null 2>&1
"$SHANNON" train $ARGS --batch 6 --dropout 0.1 --grad-accum 2 --resume --out "$WORK/rs" > /dev/null 2> "$WORK/rs.err"
[ $? -eq 0 ] && pass || { fail "resume under -np 1"; cat "$WORK/rs.err"; }
same "-np 2 stopped, resumed on -np 1 --grad-accum 2" "$WORK/ga2" "$WORK/rs"
# ... and a global batch that does not fit is refused with the fix.
expect_error "resume, other global batch" "give --grad-accum 2" \
  "$SHANNON" train $ARGS --batch 6 --grad-accum 3 --resume --out "$WORK/rs"

# 5. finetune: the same equivalence.
"$SHANNON" finetune --from "$WORK/ga2" --data "$WORK/corpus.txt" --iters 4 --batch 4 --threads 1 \
  --grad-accum 2 --out "$WORK/fg" > /dev/null 2>&1
$MPIRUN -np 2 "$SHANNON" finetune --from "$WORK/ga2" --data "$WORK/corpus.txt" --iters 4 --batch 4 \
  --threads 1 --out "$WORK/fn" > /dev/null 2> "$WORK/fn.err"
[ $? -eq 0 ] && pass || { fail "-np 2 finetune failed"; cat "$WORK/fn.err"; }
same "finetune -np 2 vs --grad-accum 2" "$WORK/fg" "$WORK/fn"

# 6. One rank fails at startup: all end, non-zero, with its message.
# (mpirun's MPMD form gives rank 1 its own command line.)
one_rank_fails() {
  name=$1; pattern=$2; shift 2
  $MPIRUN -np 1 "$SHANNON" train $ARGS --batch 4 --out "$WORK/f-$name" : \
          -np 1 "$SHANNON" train $BASE --batch 4 --out "$WORK/f-$name" "$@" \
          > /dev/null 2> "$WORK/f.err"
  status=$?
  if [ $status -eq 0 ] || [ $status -eq 124 ]; then
    fail "$name: exit status $status (124: a hang)"; cat "$WORK/f.err"; return
  fi
  grep -q -- "$pattern" "$WORK/f.err" && pass || { fail "$name: no message"; cat "$WORK/f.err"; }
  [ ! -e "$WORK/f-$name/model.safetensors" ] && pass || fail "$name: rank 0 wrote a model"
}
D="--data $WORK/corpus.txt"
one_rank_fails "bad flag" "--lr must be positive" $D --embd 16 --lr -1
one_rank_fails "missing file" "nope.txt" --data "$WORK/nope.txt" --embd 16
one_rank_fails "other model" "rank 1 was given another model" $D --embd 32
if "$SHANNON" train --help | grep -q -- --zero; then
  one_rank_fails "other --zero" "different --zero values" $D --embd 16 --zero 1
fi
finish
