#!/bin/sh
# `shannon tokenize` end to end: --help, encoding and decoding with a
# tokenizer folder and with GPT-2's (`--tokenizer gpt2`, skipped with a
# message when `make gpt2-tokenizer` has not fetched its files), and bad
# input (unknown id, not a number, missing file, missing tokenizer) as one
# line on stderr with a non-zero exit.
#
# usage: tokenize_test.sh path/to/shannon
set -u
SHANNON=$1
. "$(dirname "$0")/cli_common.sh"   # WORK, pass/fail/finish, expect_error

# expect NAME EXPECTED command...: exit 0 and exactly EXPECTED on stdout.
expect() {
  name=$1; want=$2; shift 2
  got=$("$@" 2> "$WORK/err.txt")
  status=$?
  if [ $status -ne 0 ]; then fail "$name: exit $status: $(cat "$WORK/err.txt")"; return; fi
  if [ "$got" != "$want" ]; then fail "$name: got '$got', expected '$want'"; return; fi
  pass
}

# ---- --help ------------------------------------------------------------------------
"$SHANNON" tokenize --help > "$WORK/help.txt" 2>&1
if [ $? -eq 0 ] && grep -q "usage: shannon tokenize --tokenizer DIR|gpt2" "$WORK/help.txt"; then pass
else fail "--help: $(cat "$WORK/help.txt")"; fi

# ---- a character tokenizer in a model folder ----------------------------------------------
mkdir -p "$WORK/model"
printf '{"format": "shannon-tokenizer", "version": 1, "kind": "char", "vocab_size": 4, "unk_id": 3, "chars": [97, 98, 99]}\n' \
  > "$WORK/model/tokenizer.json"
printf 'abcab' > "$WORK/abc.txt"
expect "char encode" "0 1 2 0 1" "$SHANNON" tokenize --tokenizer "$WORK/model" --input "$WORK/abc.txt"
expect "char encode from stdin" "2 2 3" sh -c "printf 'ccz' | '$SHANNON' tokenize --tokenizer '$WORK/model'"
expect "char decode" "cab" sh -c "echo '2 0 1' | '$SHANNON' tokenize --tokenizer '$WORK/model/tokenizer.json' --decode"
expect "empty input" "" "$SHANNON" tokenize --tokenizer "$WORK/model" --input /dev/null

# ---- bad input ----------------------------------------------------------------------------
printf '0 1 7\n' > "$WORK/bad_id.txt"
expect_error "unknown id" "token id 7 out of range for a vocabulary of 4" \
  "$SHANNON" tokenize --tokenizer "$WORK/model" --decode --input "$WORK/bad_id.txt"
printf '0 x1 2\n' > "$WORK/nan.txt"
expect_error "not a number" "'x1' is not a token id" \
  "$SHANNON" tokenize --tokenizer "$WORK/model" --decode --input "$WORK/nan.txt"
printf -- '-1\n' > "$WORK/neg.txt"
expect_error "negative id" "'-1' is not a token id" \
  "$SHANNON" tokenize --tokenizer "$WORK/model" --decode --input "$WORK/neg.txt"
expect_error "missing input" "cannot read '$WORK/none.txt': No such file or directory" \
  "$SHANNON" tokenize --tokenizer "$WORK/model" --input "$WORK/none.txt"
expect_error "missing tokenizer" "cannot open tokenizer '$WORK/nowhere'" \
  "$SHANNON" tokenize --tokenizer "$WORK/nowhere" --input "$WORK/abc.txt"
expect_error "no --tokenizer" "--tokenizer is required" "$SHANNON" tokenize --input "$WORK/abc.txt"
expect_error "unknown option" "unknown option '--bogus'" "$SHANNON" tokenize --tokenizer gpt2 --bogus
expect_error "gpt2 files missing" "run 'make gpt2-tokenizer' or set SHANNON_GPT2_DIR" \
  env SHANNON_GPT2_DIR="$WORK/nowhere" "$SHANNON" tokenize --tokenizer gpt2 --input "$WORK/abc.txt"

# ---- GPT-2's tokenizer ------------------------------------------------------------------------
if "$SHANNON" tokenize --tokenizer gpt2 --input /dev/null > /dev/null 2> "$WORK/gpt2.txt"; then
  expect "gpt2 hello world" "31373 995" sh -c "printf 'hello world' | '$SHANNON' tokenize --tokenizer gpt2"
  expect "gpt2 Hello, world!" "15496 11 995 0" sh -c "printf 'Hello, world!' | '$SHANNON' tokenize --tokenizer gpt2"
  expect "gpt2 decode" "Hello, world!" sh -c "echo '15496 11 995 0' | '$SHANNON' tokenize --tokenizer gpt2 --decode"
  expect "gpt2 <|endoftext|>" "a<|endoftext|>" sh -c "echo 64 50256 | '$SHANNON' tokenize --tokenizer gpt2 --decode"
  expect_error "gpt2 id 50257" "token id 50257 out of range for a vocabulary of 50257" \
    sh -c "echo 50257 | '$SHANNON' tokenize --tokenizer gpt2 --decode"
  # Any bytes round-trip (invalid UTF-8, NULs).
  head -c 20000 /dev/urandom > "$WORK/random.bin"
  "$SHANNON" tokenize --tokenizer gpt2 --input "$WORK/random.bin" > "$WORK/random.ids" &&
    "$SHANNON" tokenize --tokenizer gpt2 --decode --input "$WORK/random.ids" > "$WORK/random.back"
  if cmp -s "$WORK/random.bin" "$WORK/random.back"; then pass; else fail "gpt2 random bytes do not round-trip"; fi
  # A folder holding GPT-2's files (no tokenizer.json) is GPT-2's tokenizer too.
  dir=${SHANNON_GPT2_DIR:-}
  [ -n "$dir" ] || dir=$(dirname "$0")/../../third_party/gpt2
  if [ -f "$dir/encoder.json" ]; then
    expect "gpt2 from its folder" "262" sh -c "printf ' the' | '$SHANNON' tokenize --tokenizer '$dir'"
  fi
else
  echo "GPT-2's tokenizer is not available, its cases are skipped: $(cat "$WORK/gpt2.txt")"
fi

finish
