#!/bin/sh
# --precision bf16|float32 end to end: train and finetune record it in
# config.json (a config written before the key existed loads as float32),
# sample and eval run in the model's precision or the one --precision asks
# for, a bf16 run's losses track float32's, the MFU fields end train's last
# line, and a bad value is one line naming the valid choices.
#
# usage: precision_test.sh path/to/shannon
set -u
SHANNON=$1
. "$(dirname "$0")/cli_common.sh"

field() { tail -n 1 "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# close A B TOL: |A - B| <= TOL
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

# ---- training in both precisions, same seed ---------------------------------------
for p in float32 bf16; do
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/$p" $TINY --iters 40 --precision $p \
    > "$WORK/$p.out" 2> "$WORK/$p.err"
  [ $? -eq 0 ] && pass || { fail "train --precision $p exited non-zero"; cat "$WORK/$p.err"; }
  grep -q "\"precision\": \"$p\"" "$WORK/$p/config.json" && pass || fail "config.json of a $p run"
  tail -n 1 "$WORK/$p.out" | grep -Eq '^train_loss=[0-9.]+ val_loss=[0-9.]+ tokens_per_s=[0-9.]+ mfu=[0-9.]+ peak_gflops=[0-9.]+$' \
    && pass || fail "train's last line ($p): $(tail -n 1 "$WORK/$p.out")"
  grep -q "model flops per token (6N + 12LTC) .*peak .*($p, 1 thread, measured by .*): MFU [0-9.]*%" "$WORK/$p.err" \
    && pass || fail "the MFU line ($p): $(grep MFU "$WORK/$p.err")"
done
# 40 iterations of a tiny model: the losses fall from about 3.3 to about 2;
# bf16's rounding (2^-9 relative per operand) moves them by a few 1e-3.
for k in train_loss val_loss; do
  close "$(field "$WORK/bf16.out" $k)" "$(field "$WORK/float32.out" $k)" 0.05 && pass \
    || fail "bf16 $k $(field "$WORK/bf16.out" $k) is not within 0.05 of float32's $(field "$WORK/float32.out" $k)"
done
close "$(field "$WORK/bf16.out" peak_gflops)" 0 0 && fail "a zero bf16 peak" || pass

# ---- eval and sample honor config.json, --precision overrides it -----------------------
ev() { "$SHANNON" eval --model "$WORK/$1" --data "$WORK/corpus.txt" --threads 1 ${2:+--precision $2} | tail -n 1; }
own=$(ev bf16); as_bf16=$(ev bf16 bf16); as_f32=$(ev bf16 float32)
[ -n "$own" ] && [ "$own" = "$as_bf16" ] && pass || fail "eval of a bf16 model ($own) is not its --precision bf16 eval ($as_bf16)"
[ "$own" != "$as_f32" ] && pass || fail "eval --precision float32 gave the bf16 numbers ($own)"
close "$(echo "$own" | field /dev/stdin loss)" "$(echo "$as_f32" | field /dev/stdin loss)" 0.02 && pass \
  || fail "bf16 and float32 evals of one model differ by more than 0.02: $own / $as_f32"
smp() { "$SHANNON" sample --model "$WORK/$1" --tokens 40 --seed 3 --threads 1 ${2:+--precision $2}; }
[ "$(smp bf16)" = "$(smp bf16 bf16)" ] && pass || fail "sample of a bf16 model is not its --precision bf16 sample"
smp bf16 float32 > "$WORK/s.txt" && [ -s "$WORK/s.txt" ] && pass || fail "sample --precision float32 of a bf16 model"
# A config.json from before the key: float32, exactly as --precision float32.
cp -r "$WORK/bf16" "$WORK/old"
grep -v '"precision"' "$WORK/bf16/config.json" | sed 's/"seed": \([-0-9]*\),/"seed": \1/' > "$WORK/old/config.json"
grep -q precision "$WORK/old/config.json" && fail "the old config still names a precision" || pass
[ "$(ev old)" = "$as_f32" ] && pass || fail "a config without precision did not evaluate as float32: $(ev old) / $as_f32"
sed 's/"precision": "bf16"/"precision": "fp16"/' "$WORK/bf16/config.json" > "$WORK/old/config.json"
expect_error "config: bad precision" 'precision must be "float32" or "bf16" (got fp16)' \
  "$SHANNON" eval --model "$WORK/old" --data "$WORK/corpus.txt"

# ---- finetune: --from's precision, or --precision ------------------------------------
"$SHANNON" finetune --from "$WORK/bf16" --out "$WORK/ft" --data "$WORK/corpus.txt" --iters 5 --threads 1 \
  > /dev/null 2> "$WORK/ft.err" && pass || { fail "finetune --from a bf16 model"; cat "$WORK/ft.err"; }
grep -q '"precision": "bf16"' "$WORK/ft/config.json" && pass || fail "finetune did not keep --from's bf16"
"$SHANNON" finetune --from "$WORK/bf16" --out "$WORK/ft32" --data "$WORK/corpus.txt" --iters 5 --threads 1 \
  --precision float32 > /dev/null 2> "$WORK/ft.err" && pass || { fail "finetune --precision float32"; cat "$WORK/ft.err"; }
grep -q '"precision": "float32"' "$WORK/ft32/config.json" && pass || fail "finetune --precision float32 not recorded"
"$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/float32" --resume --iters 45 --precision bf16 \
  > /dev/null 2> "$WORK/r.err" && pass || { fail "resume in another precision"; cat "$WORK/r.err"; }
grep -q '"precision": "bf16"' "$WORK/float32/config.json" && pass || fail "a resume's --precision not recorded"

# ---- bad values and --help ----------------------------------------------------------------
for cmd in train finetune sample eval; do
  case $cmd in
    train) args="--data $WORK/corpus.txt --out $WORK/nope" ;;
    finetune) args="--from $WORK/bf16 --data $WORK/corpus.txt --out $WORK/nope" ;;
    sample) args="--model $WORK/bf16" ;;
    eval) args="--model $WORK/bf16 --data $WORK/corpus.txt" ;;
  esac
  expect_error "$cmd --precision fp16" "shannon $cmd: --precision must be 'float32' (or 'fp32') or 'bf16', not 'fp16'" \
    "$SHANNON" $cmd $args --precision fp16
  "$SHANNON" $cmd --help | grep -q -- '--precision float32|bf16' && pass || fail "$cmd --help has no --precision"
done
[ ! -e "$WORK/nope" ] && pass || fail "a refused --precision created its --out folder"
"$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/fp32" $TINY --iters 2 --precision fp32 > /dev/null 2>&1 \
  && grep -q '"precision": "float32"' "$WORK/fp32/config.json" && pass || fail "--precision fp32 (API.md's name)"

finish
