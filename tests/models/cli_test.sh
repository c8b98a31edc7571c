#!/bin/sh
# The `shannon` command line end to end: train, resume bit-identically,
# sample, eval, and every kind of bad input giving one line on stderr, a
# non-zero exit, and nothing overwritten.
#
# usage: cli_test.sh path/to/shannon
set -u
SHANNON=$1
. "$(dirname "$0")/cli_common.sh"

# ---- training, output files, the last line ------------------------------------------
"$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/m" $TINY --iters 30 > "$WORK/train.out" 2> "$WORK/train.err"
[ $? -eq 0 ] && pass || { fail "train exited non-zero"; cat "$WORK/train.err"; }
tail -n 1 "$WORK/train.out" | grep -Eq '^train_loss=[0-9.]+ val_loss=[0-9.]+ tokens_per_s=[0-9.]+ mfu=[0-9.]+ peak_gflops=[0-9.]+$' \
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
expect_error "missing data" "cannot read .*No such file" "$SHANNON" train --data "$WORK/nope.txt" --out "$WORK/x"
expect_error "empty data" "is empty" "$SHANNON" train --data "$WORK/empty.txt" --out "$WORK/x"
expect_error "binary data" "looks binary" "$SHANNON" train --data "$WORK/binary.txt" --out "$WORK/x"
expect_error "block > text" "too few for --block" "$SHANNON" train --data "$WORK/short.txt" --out "$WORK/x" --block 64
[ ! -e "$WORK/x" ] && pass || fail "a failed train created its --out folder"
expect_error "unknown flag" "unknown option '--bogus'" "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/x" --bogus
expect_error "bad number" "expects an integer" "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/x" --iters ten
expect_error "missing value" "needs a value" "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/x" --iters
expect_error "missing --data" "--data is required" "$SHANNON" train --out "$WORK/x"
expect_error "unknown command" "unknown command" "$SHANNON" fly
expect_error "bad tokenizer" "must be 'char', 'bpe' or 'gpt2'" "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/x" --tokenizer word
cp "$WORK/m/model.safetensors" "$WORK/model.before"
expect_error "existing model without --resume" "already holds a model" \
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/m" $TINY --iters 5
expect_error "other config" "holds a model with --layers 1, not 2" \
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/m" --resume --layers 2
# Each kind of flag train reads back by name on a resume, and a flag of the
# table's first and last architecture rows that finetune --from refuses.
expect_error "other dropout" "holds a model with --dropout 0, not 0.5" \
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/m" --resume --dropout 0.5
expect_error "other tokenizer" "holds a char-tokenizer model, not bpe" \
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/m" --resume --tokenizer bpe
expect_error "other objective" "holds a causal model, not mlm" \
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/m" --resume --objective mlm
expect_error "post-ln on resume" "trained without --post-ln" \
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/m" --resume --post-ln
expect_error "finetune --from --tokenizer" "--tokenizer describes a model from random init" \
  "$SHANNON" finetune --from "$WORK/m" --data "$WORK/corpus.txt" --out "$WORK/x" --tokenizer bpe
expect_error "finetune --from --post-ln" "--post-ln describes a model from random init" \
  "$SHANNON" finetune --from "$WORK/m" --data "$WORK/corpus.txt" --out "$WORK/x" --post-ln
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
cp -r "$WORK/m" "$WORK/cfg"
sed 's/"n_embd": 16,/"n_embd": 16, "n_embd": 32,/' "$WORK/m/config.json" > "$WORK/cfg/config.json"
expect_error "config: duplicate key" 'duplicate key "n_embd" at byte' "$SHANNON" sample --model "$WORK/cfg"
sed 's/"seed"/"colour": 1, "seed"/' "$WORK/m/config.json" > "$WORK/cfg/config.json"
expect_error "config: unknown key" 'unknown key "colour"' "$SHANNON" sample --model "$WORK/cfg"
sed 's/"n_embd": 16,/"n_embd": 10000000,/' "$WORK/m/config.json" > "$WORK/cfg/config.json"
expect_error "config: out of range" 'n_embd must be an integer in \[1, 65536\] (got 10000000)' "$SHANNON" sample --model "$WORK/cfg"
cp "$WORK/m/config.json" "$WORK/cfg/config.json"
rm -rf "$WORK/c2"; cp -a "$WORK/m" "$WORK/c2"    # a checkpoint's train_state is current/'s
sed -i 's/"iter": \([0-9]*\)/"iter": -\1/' "$WORK/c2/current/train_state.json"
expect_error "train_state: negative iter" "iter must be an integer in \[0," "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/c2" --resume
[ "$(stat -L -c %a "$WORK/m/tokenizer.json")" = "$(stat -L -c %a "$WORK/m/config.json")" ] && pass || fail "tokenizer.json's mode differs from config.json's"

# ---- masked-LM pre-training, fine-tuning, classification ------------------------------
"$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/e" $TINY --iters 20 --objective mlm \
  --mask-rate 0.2 > "$WORK/mlm.out" 2> "$WORK/mlm.err"
[ $? -eq 0 ] && pass || { fail "train --objective mlm exited non-zero"; cat "$WORK/mlm.err"; }
tail -n 1 "$WORK/mlm.out" | grep -Eq '^train_loss=[0-9.]+ val_loss=[0-9.]+ val_accuracy=[0-9.]+ tokens_per_s=[0-9.]+ mfu=[0-9.]+ peak_gflops=[0-9.]+$' \
  && pass || fail "train mlm's last line: $(tail -n 1 "$WORK/mlm.out")"
grep -q '"special_tokens": \["\[MASK\]", "\[CLS\]", "\[SEP\]", "\[PAD\]"\]' "$WORK/e/tokenizer.json" \
  && pass || fail "the mlm tokenizer lacks the special tokens"
grep -q '"objective": "mlm"' "$WORK/e/config.json" && grep -q '"bidirectional": true' "$WORK/e/config.json" \
  && pass || fail "config.json of an mlm model"
# eval: masks from a fixed seed, so two evals agree to the last digit.
"$SHANNON" eval --model "$WORK/e" --data "$WORK/val.txt" > "$WORK/eval1.out" 2>&1
"$SHANNON" eval --model "$WORK/e" --data "$WORK/val.txt" > "$WORK/eval2.out" 2>&1
grep -Eq '^loss=[0-9.]+ ppl=[0-9.]+ accuracy=[0-9.]+ masked=[0-9]+$' "$WORK/eval1.out" \
  && pass || fail "eval mlm: $(cat "$WORK/eval1.out")"
cmp -s "$WORK/eval1.out" "$WORK/eval2.out" && pass || fail "two evals of an mlm model differ"
# The final val_loss of train is eval's on the validation split.
mlm_val=$(tail -n 1 "$WORK/mlm.out" | sed -n 's/.*val_loss=\([0-9.]*\) .*/\1/p')
grep -q "^loss=$mlm_val " "$WORK/eval1.out" && pass || fail "train mlm val_loss $mlm_val, eval $(cat "$WORK/eval1.out")"
expect_error "sample from an encoder" "KV cache needs a causal model" "$SHANNON" sample --model "$WORK/e"

# finetune --data: more LM training on new text, the loss before and after.
i=0
while [ $i -lt 40 ]; do echo "The lazy dog sleeps; the quick fox jumps over it again."; i=$((i + 1)); done > "$WORK/more.txt"
for src in m e; do
  "$SHANNON" finetune --from "$WORK/$src" --data "$WORK/more.txt" --out "$WORK/f$src" --iters 10 \
    > "$WORK/ft.out" 2> "$WORK/ft.err"
  [ $? -eq 0 ] && pass || { fail "finetune --data from $src"; cat "$WORK/ft.err"; }
  tail -n 1 "$WORK/ft.out" | grep -Eq '^before_val_loss=[0-9.]+ val_loss=[0-9.]+ tokens_per_s=[0-9.]+$' \
    && pass || fail "finetune --data's last line: $(tail -n 1 "$WORK/ft.out")"
  b=$(tail -n 1 "$WORK/ft.out" | sed -n 's/^before_val_loss=\([0-9.]*\) val_loss=\([0-9.]*\) .*/\1 \2/p')
  awk -v b="$b" 'BEGIN { split(b, v, " "); exit !(v[2] < v[1]) }' && pass || fail "finetune --data did not lower the loss: $b"
done

# A labeled task: lines about the fox or about jugs, told apart by their
# words (the numbers are shared), held-out numbers in valid.
: > "$WORK/train.tsv"
i=0
while [ $i -lt 30 ]; do
  printf 'fox\tthe quick brown fox %d\njugs\tfive dozen liquor jugs %d\n' $i $i >> "$WORK/train.tsv"
  i=$((i + 1))
done
printf 'fox\tthe quick brown fox 77\njugs\tfive dozen liquor jugs 78\nfox\tthe quick brown fox 79\n' > "$WORK/valid.tsv"
for src in e m ""; do
  from=""; [ -n "$src" ] && from="--from $WORK/$src"
  out="$WORK/c$src"
  # shellcheck disable=SC2086
  "$SHANNON" finetune $from --out "$out" --task classify --train "$WORK/train.tsv" \
    --valid "$WORK/valid.tsv" --iters 150 --lr 2e-3 --batch 8 --threads 1 \
    $( [ -z "$src" ] && echo "$TINY" | sed 's/--batch 4//; s/--threads 1//' ) > "$WORK/cl.out" 2> "$WORK/cl.err"
  [ $? -eq 0 ] && pass || { fail "finetune --task classify (from '$src')"; cat "$WORK/cl.err"; }
  tail -n 1 "$WORK/cl.out" | grep -Eq '^train_loss=[0-9.]+ val_accuracy=1.0000 majority=0.6667 examples_per_s=[0-9.]+$' \
    && pass || fail "finetune classify (from '$src'): $(tail -n 1 "$WORK/cl.out")"
  [ "$(cat "$out/labels.txt")" = "$(printf 'fox\njugs')" ] && pass || fail "labels.txt: $(cat "$out/labels.txt")"
done
grep -q '"pooling": "first"' "$WORK/ce/config.json" && grep -q '"pooling": "last"' "$WORK/cm/config.json" \
  && pass || fail "an encoder pools its first token, a decoder its last"
"$SHANNON" eval --model "$WORK/ce" --data "$WORK/valid.tsv" > "$WORK/ev.out" 2>&1
[ "$(cat "$WORK/ev.out")" = "accuracy=1.0000 examples=3" ] && pass || fail "eval classifier: $(cat "$WORK/ev.out")"
printf 'the quick brown fox 90\nfive dozen liquor jugs 91\n' | "$SHANNON" classify --model "$WORK/ce" > "$WORK/cls.out" 2>&1
awk -F '\t' 'NR == 1 && $1 == "fox" && $2 > 0.5 { a = 1 } NR == 2 && $1 == "jugs" && $2 > 0.5 { b = 1 }
  END { exit !(a && b && NR == 2) }' "$WORK/cls.out" && pass || fail "classify: $(cat "$WORK/cls.out")"

# Bad input: one line, non-zero exit, nothing written.
printf 'fox the quick fox\n' > "$WORK/notab.tsv"
printf 'fox\tthe quick fox\n\tno label\n' > "$WORK/nolabel.tsv"
printf 'fox\tthe quick fox\ncat\ta cat\n' > "$WORK/unseen.tsv"
CL="--out $WORK/y --task classify --iters 1"
expect_error "tsv without a tab" "line 1 of '$WORK/notab.tsv' has no tab" \
  "$SHANNON" finetune $CL --train "$WORK/notab.tsv" --valid "$WORK/valid.tsv"
expect_error "tsv with an empty label" "line 2 of '$WORK/nolabel.tsv' has an empty label" \
  "$SHANNON" finetune $CL --train "$WORK/nolabel.tsv" --valid "$WORK/valid.tsv"
expect_error "label unseen in training" "label 'cat' on line 2 of '$WORK/unseen.tsv' does not occur in the training file" \
  "$SHANNON" finetune $CL --train "$WORK/train.tsv" --valid "$WORK/unseen.tsv"
expect_error "classify on a non-classifier" "is not a classifier" "$SHANNON" classify --model "$WORK/e" --input "$WORK/val.txt"
expect_error "--from a missing dir" "no model in" "$SHANNON" finetune --from "$WORK/nowhere" $CL --train "$WORK/train.tsv" --valid "$WORK/valid.tsv"
expect_error "--from a corrupt dir" "cannot load" "$SHANNON" finetune --from "$WORK/t" --out "$WORK/y" --data "$WORK/more.txt"
expect_error "unknown objective" "--objective must be causal or mlm, not 'clm'" \
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/y" --objective clm
expect_error "mask rate 0" "--mask-rate must be in (0, 1), not 0" \
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/y" --objective mlm --mask-rate 0
expect_error "mask rate 1.5" "--mask-rate must be in (0, 1), not 1.5" \
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/y" --objective mlm --mask-rate 1.5
expect_error "eval classifier on an unseen label" "does not occur in the training file" \
  "$SHANNON" eval --model "$WORK/ce" --data "$WORK/unseen.tsv"
[ ! -e "$WORK/y" ] && pass || fail "a refused finetune or train created its --out folder"
cp "$WORK/ce/model.safetensors" "$WORK/ce.before"
expect_error "finetune into an existing model" "already holds a model" \
  "$SHANNON" finetune --from "$WORK/e" --out "$WORK/ce" --task classify --train "$WORK/train.tsv" --valid "$WORK/valid.tsv"
cmp -s "$WORK/ce/model.safetensors" "$WORK/ce.before" && pass || fail "a refused finetune changed the model"

# ---- the experiment switches: in config.json, read back, kept on resume ---------------------
"$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/sw" $TINY --iters 6 --no-attention-scale \
  --no-residual --learned-positions > "$WORK/sw.out" 2> "$WORK/sw.err"
[ $? -eq 0 ] && pass || { fail "train --no-attention-scale --no-residual exited non-zero"; cat "$WORK/sw.err"; }
grep -q '"attention_scale": false' "$WORK/sw/config.json" && grep -q '"residual": false' "$WORK/sw/config.json" \
  && pass || fail "config.json does not record the experiment switches"
grep -q -e attention_scale -e '"residual"' "$WORK/m/config.json" && fail "a standard config.json names the switches" || pass
# eval rebuilds the model from config.json: the same loss as the training
# run's only if both switches came back (either one changes the forward).
train_val=$(tail -n 1 "$WORK/sw.out" | sed -n 's/.*val_loss=\([0-9.]*\).*/\1/p')
eval_val=$("$SHANNON" eval --model "$WORK/sw" --data "$WORK/val.txt" 2>/dev/null | sed -n 's/^loss=\([0-9.]*\).*/\1/p')
awk -v a="$train_val" -v b="$eval_val" 'BEGIN { d = a - b; exit !(a != "" && b != "" && d < 2e-4 && d > -2e-4) }' \
  && pass || fail "switched model: train's val_loss $train_val, eval's $eval_val"
for flag in --no-attention-scale --no-residual; do
  expect_error "resume a standard model with $flag" "trained without $flag" \
    "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/m" --resume $flag
done
"$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/sw" --resume --iters 8 --no-residual > /dev/null 2>&1 \
  && pass || fail "resume with the switch the model has"
cp -r "$WORK/sw" "$WORK/sw2"
sed -i 's/"residual": false/"residual": "no"/' "$WORK/sw2/config.json"
expect_error "config: a switch not a bool" 'residual must be true or false (got a string)' "$SHANNON" sample --model "$WORK/sw2"
expect_error "export of an experiment" "without the attention scale or the residual" \
  "$SHANNON" export --format hf-gpt2 --model "$WORK/sw" --out "$WORK/sw.safetensors"

finish
