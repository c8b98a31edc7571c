# Shared by the `shannon` command-line tests (sourced, not run): a work
# folder removed on exit, pass/fail counting, a small corpus, a tiny model's
# flags, and expect_error.
#
# usage (in a test): SHANNON=$1; . "$(dirname "$0")/cli_common.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/shannon-cli-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0
checks=0

pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*"; }
# The last line of a test: the counts, and its exit status.
finish() { echo "$checks checks, $failures failed"; [ $failures -eq 0 ]; }

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
# line, matching PATTERN (standard input: $STDIN, or /dev/null).
expect_error() {
  name=$1; pattern=$2; shift 2
  "$@" > "$WORK/out.txt" 2> "$WORK/err.txt" < "${STDIN:-/dev/null}"
  status=$?
  lines=$(wc -l < "$WORK/err.txt")
  if [ $status -eq 0 ]; then fail "$name: exit status 0"; return; fi
  if [ "$lines" -ne 1 ]; then fail "$name: $lines lines on stderr:"; cat "$WORK/err.txt"; return; fi
  if ! grep -q -- "$pattern" "$WORK/err.txt"; then fail "$name: unexpected message: $(cat "$WORK/err.txt")"; return; fi
  pass
}
