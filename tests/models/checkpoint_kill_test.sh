#!/bin/sh
# Checkpoints survive SIGKILL at any instant (models/cli/checkpoint.c).
#
# 1. Deterministic: SHANNON_CHECKPOINT_KILL_AT=k makes `shannon train`
#    SIGKILL itself at the k-th step of its checkpoint code (each file
#    write, fsync, link, rename and removal, and the start's clean-up of
#    what the previous kill left). Runs with k = 1, 2, 3, ... each resume
#    what the last one left, so every step of a checkpoint is hit.
# 2. Random: 10 runs killed with `kill -9` after pseudo-random short delays
#    (checkpoints every iteration, so most kills land inside one).
#
# After each kill the next `--resume` must continue (exit 0 or the next
# kill; never "damaged"), and the run must end with loss.csv and
# model.safetensors byte-identical to a run that was never interrupted,
# and with no litter left in the folder. Bounded: at most 60 + 10 kills.
#
# usage: checkpoint_kill_test.sh path/to/shannon
set -u
SHANNON=$1
. "$(dirname "$0")/cli_common.sh"
ARGS="--data $WORK/corpus.txt $TINY --dropout 0.1"

# same_as_straight NAME DIR STRAIGHT: the final files are byte-identical and
# the folder holds only the published checkpoint and its links.
same_as_straight() {
  for f in loss.csv model.safetensors; do
    cmp -s "$2/$f" "$3/$f" && pass || fail "$1: $f differs from the uninterrupted run"
  done
  left=$(cd "$2" && ls -A | grep -v -x -e current -e 'checkpoint-[0-9]*' -e config.json \
    -e tokenizer.json -e model.safetensors -e loss.csv -e loss.svg)
  [ -z "$left" ] && pass || fail "$1: litter left in the folder: $left"
  [ "$(cd "$2" && ls -d checkpoint-* | wc -l)" -eq 1 ] && pass || fail "$1: old generations left"
}

# ---- 1. a kill at every step ---------------------------------------------------------
"$SHANNON" train $ARGS --out "$WORK/straight1" --iters 40 --eval-interval 2 --stop-at 40 > /dev/null 2>&1
k=1
kills=0
while :; do
  if [ $k -le 60 ]; then
    SHANNON_CHECKPOINT_KILL_AT=$k "$SHANNON" train $ARGS --out "$WORK/k1" --iters 40 \
      --eval-interval 2 --stop-at 40 --resume > /dev/null 2> "$WORK/err.txt"
  else
    "$SHANNON" train $ARGS --out "$WORK/k1" --iters 40 --eval-interval 2 --stop-at 40 --resume \
      > /dev/null 2> "$WORK/err.txt"
  fi
  status=$?
  [ $status -eq 0 ] && break
  if [ $status -ne 137 ] || [ $k -gt 60 ]; then
    fail "kill point $k: exit status $status:"; cat "$WORK/err.txt"; break
  fi
  kills=$((kills + 1))
  k=$((k + 1))
done
echo "kill points: $kills runs killed inside checkpoint code"
[ $kills -ge 20 ] && pass || fail "only $kills runs were killed"
same_as_straight "kill points" "$WORK/k1" "$WORK/straight1"

# ---- 2. kills after random delays ---------------------------------------------------------
"$SHANNON" train $ARGS --out "$WORK/straight2" --iters 30 --eval-interval 1 --stop-at 30 > /dev/null 2>&1
delays=$(awk 'BEGIN { srand(7); for (i = 0; i < 10; i++) printf "%.3f ", 0.03 + rand() * 0.25 }')
kills=0
for d in $delays; do
  "$SHANNON" train $ARGS --out "$WORK/k2" --iters 30 --eval-interval 1 --stop-at 30 --resume \
    > /dev/null 2> "$WORK/err.txt" &
  pid=$!
  sleep "$d"
  kill -9 $pid 2> /dev/null
  { wait $pid; } 2> /dev/null
  status=$?
  if [ $status -eq 137 ]; then kills=$((kills + 1))
  elif [ $status -ne 0 ]; then fail "random kill after ${d}s: exit status $status:"; cat "$WORK/err.txt"; fi
done
"$SHANNON" train $ARGS --out "$WORK/k2" --iters 30 --eval-interval 1 --stop-at 30 --resume > /dev/null 2> "$WORK/err.txt" \
  && pass || { fail "the last resume failed:"; cat "$WORK/err.txt"; }
echo "random kills: $kills runs killed"
same_as_straight "random kills" "$WORK/k2" "$WORK/straight2"

finish
