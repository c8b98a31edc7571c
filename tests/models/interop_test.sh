#!/bin/sh
# shannon export / import (docs/interop.md): a model written in Hugging
# Face's GPT-2 layout or llm.c's files and read back is the same model, bit
# for bit (parameters, tokenizer, logits), at GPT-2 small's shape (124M) too;
# a PyTorch GPT-2 written against HF's layout gives the exported model's
# loss to 1e-5; bad input is one line and a non-zero exit.
#
# usage: interop_test.sh SHANNON INTEROP_CHECK
SHANNON=$1; CHECK=$2
. "$(dirname "$0")/cli_common.sh"
TORCH_GPT2="$(dirname "$0")/hf_gpt2_torch.py"

# roundtrip NAME A: A exported to both formats and imported back equals A.
roundtrip() {
  name=$1; a=$2
  if "$SHANNON" export --format hf-gpt2 --model "$a" --out "$a.hf" &&
     "$SHANNON" import --format hf-gpt2 --from "$a.hf" --out "$a.from-hf" &&
     "$CHECK" compare "$a" "$a.from-hf"; then pass; else fail "$name: hf-gpt2 round trip"; fi
  if "$SHANNON" export --format llmc --model "$a" --out "$a.bin" &&
     [ -f "$a""_tokenizer.bin" ] &&
     "$SHANNON" import --format llmc --from "$a.bin" --out "$a.from-llmc" &&
     "$CHECK" compare "$a" "$a.from-llmc"; then pass; else fail "$name: llmc round trip"; fi
}

# 1. A small trained model (char tokenizer) both ways.
M="$WORK/small"
"$SHANNON" train --data "$WORK/corpus.txt" --out "$M" --layers 2 --heads 4 --embd 64 --block 32 \
  --batch 4 --iters 3 --learned-positions --threads 1 > /dev/null 2>&1 || fail "train small"
roundtrip small "$M"
# The exported folder: HF's names, Conv1D transposed, metadata "pt", GPT2Config.
grep -q '"model_type": "gpt2"' "$M.hf/config.json" && grep -q '"activation_function": "gelu_new"' \
  "$M.hf/config.json" && [ -f "$M.hf/shannon-tokenizer.json" ] && pass || fail "hf config.json"
# The imported folder opens in sample and eval.
"$SHANNON" sample --model "$M.from-llmc" --tokens 5 --seed 1 > /dev/null 2>&1 && pass || fail "sample after import"

# 2. PyTorch against HF's layout: the loss of one window, to 1e-5.
printf 'The quick brown fox jumps over' > "$WORK/short.txt"
ids=$("$SHANNON" tokenize --tokenizer "$M" --input "$WORK/short.txt")
c_loss=$("$CHECK" loss "$M" $ids)
torch_loss=$(/usr/bin/python3 "$TORCH_GPT2" "$M.hf" $ids)
eval_loss=$("$SHANNON" eval --model "$M.from-hf" --data "$WORK/short.txt" | sed -n 's/^loss=\([0-9.]*\).*/\1/p')
echo "loss: shannon $c_loss, PyTorch (HF layout) $torch_loss, shannon eval $eval_loss"
/usr/bin/python3 -c "import sys; c, t, e = map(float, sys.argv[1:]); sys.exit(not (abs(c - t) <= 1e-5 and abs(e - c) <= 5.1e-5))" \
  "$c_loss" "$torch_loss" "$eval_loss" && pass || fail "losses differ: $c_loss $torch_loss $eval_loss"

# 3. GPT-2 small's shape: 12 layers, 12 heads, 768 wide, 1024 positions,
# 50257 tokens (a character vocabulary of that size: no download needed).
# (Not in the sanitizer build: four 500 MB files take minutes there, and the
# small models above run the same code under ASan.)
if [ -z "${SHANNON_SKIP_LARGE:-}" ]; then
  B="$WORK/gpt2-124M"
  "$CHECK" make "$B" char50257 12 12 768 1024 || fail "make 124M"
  roundtrip 124M "$B"
  rm -rf "$B" "$B".*
else
  echo "skipped: the 124M round trip (SHANNON_SKIP_LARGE)"
fi

# 4. GPT-2's tokenizer: exported as vocab.json + merges.txt, recognized in llm.c's file.
if "$SHANNON" tokenize --tokenizer gpt2 < /dev/null > /dev/null 2>&1; then
  G="$WORK/gpt2tok"
  "$CHECK" make "$G" gpt2 2 2 32 64 || fail "make gpt2-tokenizer model"
  roundtrip gpt2-tokenizer "$G"
  cmp -s "$G.hf/vocab.json" "$G/encoder.json" && cmp -s "$G.hf/merges.txt" "$G/vocab.bpe" &&
    pass || fail "vocab.json / merges.txt are not GPT-2's files"
  "$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/t2" --tokenizer gpt2 $TINY --iters 1 \
    > /dev/null 2>&1 && grep -q '"tokenizer": "gpt2"' "$WORK/t2/config.json" &&
    grep -q '"vocab_size": 50257' "$WORK/t2/config.json" && pass || fail "train --tokenizer gpt2"
else
  echo "skipped: GPT-2's tokenizer files are absent (make gpt2-tokenizer)"
fi

# 5. Bad input: one line each, non-zero exit.
cp "$M.bin" "$WORK/bad.bin"; cp "$M""_tokenizer.bin" "$WORK/bad_tokenizer.bin"
head -c 5000 "$M.bin" > "$WORK/trunc.bin"; cp "$M""_tokenizer.bin" "$WORK/trunc_tokenizer.bin"
expect_error "truncated .bin" "is truncated" "$SHANNON" import --format llmc --from "$WORK/trunc.bin" --out "$WORK/x"
head -c 100 "$M.bin" > "$WORK/tiny.bin"
expect_error "shorter than the header" "1024-byte header" "$SHANNON" import --format llmc --from "$WORK/tiny.bin" --out "$WORK/x"
patch_int() {   # patch_int FILE INDEX VALUE: the int32 at INDEX of the header
  /usr/bin/python3 -c "import struct,sys; f=open(sys.argv[1],'r+b'); f.seek(4*int(sys.argv[2])); f.write(struct.pack('<i', int(sys.argv[3])))" "$@"
}
patch_int "$WORK/bad.bin" 1 5
expect_error "version 5" "version 5.*5 is bfloat16" "$SHANNON" import --format llmc --from "$WORK/bad.bin" --out "$WORK/x"
patch_int "$WORK/bad.bin" 1 3; patch_int "$WORK/bad.bin" 0 20240327
expect_error "other magic" "not a float32 llm.c model: magic 20240327" "$SHANNON" import --format llmc --from "$WORK/bad.bin" --out "$WORK/x"
patch_int "$WORK/bad.bin" 0 20240326; patch_int "$WORK/bad_tokenizer.bin" 0 7
expect_error "tokenizer magic" "not llm.c's tokenizer file" "$SHANNON" import --format llmc --from "$WORK/bad.bin" --out "$WORK/x"
head -c 1100 "$M""_tokenizer.bin" > "$WORK/bad_tokenizer.bin"
expect_error "truncated tokenizer" "is truncated: token" "$SHANNON" import --format llmc --from "$WORK/bad.bin" --out "$WORK/x"
cp -r "$M.hf" "$WORK/badhf"
sed -i 's/"n_embd": 64/"n_embd": 32/' "$WORK/badhf/config.json"
expect_error "shapes against config.json" "does not match.*config.json" "$SHANNON" import --format hf-gpt2 --from "$WORK/badhf" --out "$WORK/x"
sed -i 's/"n_embd": 32/"n_embd": 64/; s/"n_layer": 2/"n_layer": 3/' "$WORK/badhf/config.json"
expect_error "fewer layers than config.json" "has no tensor 'h.2.ln_1.weight'" "$SHANNON" import --format hf-gpt2 --from "$WORK/badhf" --out "$WORK/x"
sed -i 's/"n_layer": 3/"n_layer": 1/' "$WORK/badhf/config.json"
expect_error "more layers than config.json" "has a tensor 'h.1" "$SHANNON" import --format hf-gpt2 --from "$WORK/badhf" --out "$WORK/x"
sed -i 's/"n_layer": 1/"n_layer": 2/; s/"gelu_new"/"relu"/' "$WORK/badhf/config.json"
expect_error "another activation" "not GPT-2's tanh GELU" "$SHANNON" import --format hf-gpt2 --from "$WORK/badhf" --out "$WORK/x"
"$CHECK" make "$WORK/postln" char100 1 2 16 16 post-ln || fail "make post-ln"
expect_error "post-LN export" "cannot carry.*post-LN" "$SHANNON" export --format llmc --model "$WORK/postln" --out "$WORK/x.bin"
"$SHANNON" train --data "$WORK/corpus.txt" --out "$WORK/sin" $TINY --iters 1 > /dev/null 2>&1 || fail "train sinusoidal"
expect_error "sinusoidal export" "cannot carry.*sinusoidal" "$SHANNON" export --format hf-gpt2 --model "$WORK/sin" --out "$WORK/x"
expect_error "bad format" "must be hf-gpt2 or llmc" "$SHANNON" export --format onnx --model "$M" --out "$WORK/x"
[ ! -e "$WORK/x" ] && pass || fail "a failed import or export left '$WORK/x'"
finish
