#!/bin/sh
# Seeing inside the model (docs/tutorial/07-seeing-inside.md):
# `shannon train --print-tape` lists block 0's ops, forward then the same in
# reverse, with docs/gpt.md's shapes for the tiny model.
SHANNON=$1
. "$(dirname "$0")/cli_common.sh"

# TINY: 1 layer, 2 heads, C = 16, T = 16, B = 4, so B*T = 64, D = 8.
$SHANNON train --data "$WORK/corpus.txt" --out "$WORK/tape" $TINY --print-tape \
  > "$WORK/tape.txt" 2> "$WORK/tape.err"
if [ $? -eq 0 ]; then pass; else fail "train --print-tape: exit status"; cat "$WORK/tape.err"; fi
if [ -e "$WORK/tape" ]; then fail "--print-tape wrote the model folder"; else pass; fi

# The op names of the forward part and of the backward part, one per line.
sed -n '/^forward:/,/^held in all/p' "$WORK/tape.txt" | awk '/^  #/ {print $1, $2}' > "$WORK/fwd.txt"
sed -n '/^backward:/,$p' "$WORK/tape.txt" | awk '/^  #/ {print $1, $2}' > "$WORK/bwd.txt"
expected="layer_norm linear reshape slice reshape permute slice reshape permute slice reshape permute attention permute reshape linear add layer_norm linear gelu linear add"
got=$(awk '{printf "%s%s", sep, $2; sep=" "}' "$WORK/fwd.txt")
if [ "$got" = "$expected" ]; then pass; else fail "forward ops: $got"; fi
# The backward visits the same nodes (same indices) in reverse.
reversed=$(awk '{a[NR]=$0} END {for (i = NR; i > 0; i--) print a[i]}' "$WORK/fwd.txt")
if [ "$reversed" = "$(cat "$WORK/bwd.txt")" ] && [ -s "$WORK/bwd.txt" ]; then pass
else fail "the backward is not the forward reversed"; cat "$WORK/tape.txt"; fi

# Shapes, as docs/gpt.md's table: (B*T, C) around the block, (B*T, 3C) from
# c_attn, (B, H, T, D) into and out of attention, (B*T, 4C) in the MLP.
has() {
  if grep -qF -- "$1" "$WORK/tape.txt"; then pass; else fail "no line with '$1'"; fi
}
has "layer_norm (64,16) (16) (16) -> (64,16)"
has "linear (64,16) (48,16) (48) -> (64,48)"
has "attention (4,2,16,8) (4,2,16,8) (4,2,16,8) -> (4,2,16,8)  saved: (4,2,16,16) float32"
has "linear (64,16) (64,16) (64) -> (64,64)"
has "gelu (64,64) -> (64,64)  saved: (64,64) float32  held 32768 B"
has "add (64,16) (64,16) -> (64,16)  held 4096 B"
has "attention d(4,2,16,8) -> d(4,2,16,8) d(4,2,16,8) d(4,2,16,8)  uses saved: (4,2,16,16) float32"
# The bytes of every line add up to the total.
sum=$(awk '/^  #.* held [0-9]+ B$/ {s += $(NF-1)} END {print s}' "$WORK/tape.txt")
total=$(awk '/^held in all:/ {print $4}' "$WORK/tape.txt")
if [ -n "$total" ] && [ "$sum" = "$total" ]; then pass; else fail "held: $sum vs $total"; fi

finish
