#!/bin/sh
# The `shannon` command line end to end: train, resume bit-identically,
# sample, eval, and every kind of bad input giving one line on stderr, a
# non-zero exit, and nothing overwritten.
#
# usage: cli_test.sh path/to/shannon
set -u
SHANNON=$1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/shannon-cli-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0
checks=0

pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*"; }

# A small corpus: the repeated alphabet of a few sentences is enough to
# train a tiny model for a few iterations.
i=0
while [ $i -lt 60 ]; do
  echo "The quick brown fox jumps over the lazy dog $i times."
  echo "Pack my box with five dozen liquor jugs, said the cook."
  i=$((i + 1))
done > "$WORK/corpus.txt"
TINY="--layers 1 --heads 2 --embd 16 --block 16 --batch 4 --threads 1"

# expect_error NAME PATTERN command...: non-zero exit, exactly one stderr
# line, matching PATTERN.
expect_error() {
  name=$1; pattern=$2; shift 2
  "$@" > "$WORK/out.txt" 2> "$WORK/err.txt"
  status=$?
  lines=$(wc -l < "$WORK/err.txt")
  if [ $status -eq 0 ]; then fail "$name: exit status 0"; return; fi
  if [ "$lines" -ne 1 ]; then fail "$name: $lines lines on stderr:"; cat "$WORK/err.txt"; return; fi
  if ! grep -q -- "$pattern" "$WORK/err.txt"; then fail "$name: unexpected message: $(cat "$WORK/err.txt")"; return; fi
  pass
}

# ---- training, output files, the last line ------------------------------------------
"$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/m" $TINY --iters 30 > "$WORK/train.out" 2> "$WORK/train.err"
[ $? -eq 0 ] && pass || { fail "train exited non-zero"; cat "$WORK/train.err"; }
tail -n 1 "$WORK/train.out" | grep -Eq '^train_loss=[0-9.]+ val_loss=[0-9.]+ tokens_per_s=[0-9.]+$' \
  && pass || fail "train's last line: $(tail -n 1 "$WORK/train.out")"
for f in model.safetensors tokenizer.json config.json loss.csv loss.svg; do
  [ -s "$WORK/m/$f" ] && pass || fail "train did not write $f"
done
[ "$(head -n 1 "$WORK/m/loss.csv")" = "iter,train_loss,val_loss,lr" ] && pass || fail "loss.csv header"
[ "$(($(wc -l < "$WORK/m/loss.csv") - 1))" -eq 30 ] && pass || fail "loss.csv has not 30 rows"
grep -q '<svg' "$WORK/m/loss.svg" && pass || fail "loss.svg is not an SVG"
# Not a terminal: plain progress lines, no carriage returns.
grep -q "$(printf '\r')" "$WORK/train.err" && fail "progress used \\r without a terminal" || pass

# The final val_loss is the whole validation text, every token once: what
# `shannon eval` reports on the last 10% of the file (the first
# floor(0.9 n) bytes train; the corpus is ASCII).
n=$(wc -c < "$WORK/corpus.txt")
cut=$((n / 10 * 9 + n % 10 * 9 / 10))
tail -c +$((cut + 1)) "$WORK/corpus.txt" > "$WORK/val.txt"
train_val=$(tail -n 1 "$WORK/train.out" | sed -n 's/.*val_loss=\([0-9.]*\).*/\1/p')
eval_val=$("$SHANNON" eval --model "$WORK/m" --data "$WORK/val.txt" 2>/dev/null | sed -n 's/^loss=\([0-9.]*\).*/\1/p')
awk -v a="$train_val" -v b="$eval_val" 'BEGIN { d = a - b; exit !(a != "" && b != "" && d < 2e-4 && d > -2e-4) }' \
  && pass || fail "train's final val_loss $train_val is not eval's loss on the validation text $eval_val"

# ---- resume continues bit-identically ------------------------------------------------
# 20 iterations straight vs stopped after 10 (--stop-at, as an interrupted
# run) and resumed: the same schedule, batches and losses.
"$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/straight" $TINY --iters 20 --dropout 0.1 > /dev/null 2>&1
"$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/split" $TINY --iters 20 --dropout 0.1 --stop-at 10 > /dev/null 2>&1
"$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/split" --resume > /dev/null 2> "$WORK/resume.err"
[ $? -eq 0 ] && pass || { fail "resume exited non-zero"; cat "$WORK/resume.err"; }
# The losses of iterations 10..19 (the resumed ones) must be identical.
cut -d, -f1,2 "$WORK/straight/loss.csv" | sed -n '12,21p' > "$WORK/a.txt"
cut -d, -f1,2 "$WORK/split/loss.csv" | sed -n '12,21p' > "$WORK/b.txt"
if [ -s "$WORK/a.txt" ] && cmp -s "$WORK/a.txt" "$WORK/b.txt"; then pass; else
  fail "resumed losses differ:"; paste "$WORK/a.txt" "$WORK/b.txt" | head -5; fi
cmp -s "$WORK/straight/model.safetensors" "$WORK/split/model.safetensors" \
  && pass || fail "resumed weights differ from the straight run"

# ---- sample and eval -------------------------------------------------------------------
"$SHANNON" sample --model "$WORK/m" --prompt "The " --tokens 40 --seed 3 > "$WORK/s1.txt" 2> "$WORK/s.err"
[ $? -eq 0 ] && [ -s "$WORK/s1.txt" ] && pass || { fail "sample failed"; cat "$WORK/s.err"; }
[ ! -s "$WORK/s.err" ] && pass || fail "sample wrote to stderr: $(cat "$WORK/s.err")"
"$SHANNON" sample --model "$WORK/m" --prompt "The " --tokens 40 --seed 3 > "$WORK/s2.txt" 2>&1
cmp -s "$WORK/s1.txt" "$WORK/s2.txt" && pass || fail "sample with the same seed differs"
"$SHANNON" sample --model "$WORK/m" --tokens 60 --top-k 5 --top-p 0.9 --temperature 1.2 > /dev/null 2>&1 \
  && pass || fail "sample with top-k/top-p failed"
"$SHANNON" eval --model "$WORK/m" --data "$WORK/corpus.txt" > "$WORK/eval.out" 2>&1
tail -n 1 "$WORK/eval.out" | grep -Eq '^loss=[0-9.]+ ppl=[0-9.]+ tokens=[0-9]+$' \
  && pass || fail "eval's last line: $(tail -n 1 "$WORK/eval.out")"

# ---- bad input: one line, non-zero, nothing overwritten -----------------------------------
: > "$WORK/empty.txt"
printf 'abc\000def' > "$WORK/binary.txt"
printf 'short text' > "$WORK/short.txt"
expect_error "missing data" "cannot open" "$SHANNON" train --data "$WORK/nope.txt" --out "$WORK/x"
expect_error "empty data" "is empty" "$SHANNON" train --data "$WORK/empty.txt" --out "$WORK/x"
expect_error "binary data" "looks binary" "$SHANNON" train --data "$WORK/binary.txt" --out "$WORK/x"
expect_error "block > text" "too few for --block" "$SHANNON" train --data "$WORK/short.txt" --out "$WORK/x" --block 64
[ ! -e "$WORK/x" ] && pass || fail "a failed train created its --out folder"
expect_error "unknown flag" "unknown option '--bogus'" "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/x" --bogus
expect_error "bad number" "expects an integer" "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/x" --iters ten
expect_error "missing value" "needs a value" "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/x" --iters
expect_error "missing --data" "--data is required" "$SHANNON" train --out "$WORK/x"
expect_error "unknown command" "unknown command" "$SHANNON" fly
expect_error "bad tokenizer" "must be 'char' or 'bpe'" "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/x" --tokenizer word
cp "$WORK/m/model.safetensors" "$WORK/model.before"
expect_error "existing model without --resume" "already holds a model" \
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/m" $TINY --iters 5
expect_error "other config" "holds a model with --layers 1, not 2" \
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/m" --resume --layers 2
cmp -s "$WORK/m/model.safetensors" "$WORK/model.before" && pass || fail "a refused train changed the model"
# A truncated checkpoint: resume, sample and eval all refuse it in one line.
cp -r "$WORK/m" "$WORK/t"
head -c 100 "$WORK/m/model.safetensors" > "$WORK/t/model.safetensors"
cp "$WORK/t/model.safetensors" "$WORK/t.before"
expect_error "truncated checkpoint (resume)" "checkpoint" "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/t" --resume
expect_error "truncated checkpoint (sample)" "cannot load" "$SHANNON" sample --model "$WORK/t"
expect_error "truncated checkpoint (eval)" "cannot load" "$SHANNON" eval --model "$WORK/t" --data "$WORK/corpus.txt"
cmp -s "$WORK/t/model.safetensors" "$WORK/t.before" && pass || fail "a refused resume touched the checkpoint"
expect_error "sample without a model" "no model in" "$SHANNON" sample --model "$WORK/nowhere"
expect_error "bad top-p" "top-p" "$SHANNON" sample --model "$WORK/m" --top-p 2
# config.json and train_state.json through the bounded JSON reader: duplicate
# and unknown keys, out-of-range values and damaged states are one line each.
cp -r "$WORK/m" "$WORK/c"
sed 's/"n_embd": 16,/"n_embd": 16, "n_embd": 32,/' "$WORK/m/config.json" > "$WORK/c/config.json"
expect_error "config: duplicate key" 'duplicate key "n_embd" at byte' "$SHANNON" sample --model "$WORK/c"
sed 's/"seed"/"colour": 1, "seed"/' "$WORK/m/config.json" > "$WORK/c/config.json"
expect_error "config: unknown key" 'unknown key "colour"' "$SHANNON" sample --model "$WORK/c"
sed 's/"n_embd": 16,/"n_embd": 10000000,/' "$WORK/m/config.json" > "$WORK/c/config.json"
expect_error "config: out of range" 'n_embd must be an integer in \[1, 65536\] (got 10000000)' "$SHANNON" sample --model "$WORK/c"
cp "$WORK/m/config.json" "$WORK/c/config.json"
sed 's/"iter": \([0-9]*\)/"iter": -\1/' "$WORK/m/train_state.json" > "$WORK/c/train_state.json"
expect_error "train_state: negative iter" "iter must be an integer in \[0," "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/c" --resume
[ "$(stat -c %a "$WORK/m/tokenizer.json")" = "$(stat -c %a "$WORK/m/config.json")" ] && pass || fail "tokenizer.json's mode differs from config.json's"

echo "$checks checks, $failures failed"
[ $failures -eq 0 ]
