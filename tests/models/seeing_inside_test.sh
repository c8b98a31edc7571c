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
expected="layer_norm linear reshape attention_packed reshape linear add layer_norm linear gelu linear add"
got=$(awk '{printf "%s%s", sep, $2; sep=" "}' "$WORK/fwd.txt")
if [ "$got" = "$expected" ]; then pass; else fail "forward ops: $got"; fi
# The backward visits the same nodes (same indices) in reverse.
reversed=$(awk '{a[NR]=$0} END {for (i = NR; i > 0; i--) print a[i]}' "$WORK/fwd.txt")
if [ "$reversed" = "$(cat "$WORK/bwd.txt")" ] && [ -s "$WORK/bwd.txt" ]; then pass
else fail "the backward is not the forward reversed"; cat "$WORK/tape.txt"; fi

# Shapes, as docs/gpt.md's table: (B*T, C) around the block, (B*T, 3C) from
# c_attn, (B, T, 3C) into the packed attention and (B, T, C) out of it, its
# q, k, v views of the input and P (B, H, T, T) saved, (B*T, 4C) in the MLP.
has() {
  if grep -qF -- "$1" "$WORK/tape.txt"; then pass; else fail "no line with '$1'"; fi
}
has "layer_norm (64,16) (16) (16) -> (64,16)"
has "linear (64,16) (48,16) (48) -> (64,48)"
has "attention_packed (4,16,48) -> (4,16,16)  saved: input 0, input 0, input 0, (4,2,16,16) float32"
has "linear (64,16) (64,16) (64) -> (64,64)"
has "gelu (64,64) -> (64,64)  saved: (64,64) float32  held 32768 B"
has "add (64,16) (64,16) -> (64,16)  held 4096 B"
has "attention_packed d(4,16,16) -> d(4,16,48)  uses saved: input 0, input 0, input 0, (4,2,16,16) float32"
# --reference records the composed form: the heads split by ops of their own.
$SHANNON train --data "$WORK/corpus.txt" --out "$WORK/tape" $TINY --print-tape --reference \
  > "$WORK/tape_ref.txt" 2>&1
if grep -q "slice (4,16,48) -> (4,16,16)" "$WORK/tape_ref.txt" && grep -q "softmax\|exp (4,2,16,16)" "$WORK/tape_ref.txt"
then pass; else fail "--reference --print-tape: no composed attention"; fi
# The bytes of every line add up to the total.
sum=$(awk '/^  #.* held [0-9]+ B$/ {s += $(NF-1)} END {print s}' "$WORK/tape.txt")
total=$(awk '/^held in all:/ {print $4}' "$WORK/tape.txt")
if [ -n "$total" ] && [ "$sum" = "$total" ]; then pass; else fail "held: $sum vs $total"; fi

# `sample --attention`: a tiny trained model, a prompt of 11 characters (all
# in the corpus, so 11 char tokens): L*H = 2
# maps of 11 x 11 cells, each row's weights (the cells' titles) summing to
# 1 and 0 above the diagonal. The corpus has XML's specials for the labels.
{ cat "$WORK/corpus.txt"; echo "if a<b & b>c then \"a\" isn't c"; } > "$WORK/corpus2.txt"
$SHANNON train --data "$WORK/corpus2.txt" --out "$WORK/m" $TINY --iters 20 > /dev/null 2>&1 \
  || fail "train for the attention map"
$SHANNON sample --model "$WORK/m" --prompt "The quick b" --tokens 3 --attention "$WORK/att.svg" \
  > "$WORK/sample.txt" 2> "$WORK/sample.err"
if [ $? -eq 0 ] && [ -s "$WORK/sample.txt" ]; then pass; else fail "sample --attention"; cat "$WORK/sample.err"; fi
maps=$(grep -c 'class="map"' "$WORK/att.svg")
cells=$(grep -c 'class="cell"' "$WORK/att.svg")
if [ "$maps" = 2 ] && [ "$cells" = $((2 * 11 * 11)) ]; then pass; else fail "maps $maps, cells $cells"; fi
if python3 - "$WORK/att.svg" 11 <<'PY'
import sys, xml.etree.ElementTree as ET
ns = "{http://www.w3.org/2000/svg}"
T = int(sys.argv[2])
for g in ET.parse(sys.argv[1]).getroot().iter(ns + "g"):
    w = [float(r.find(ns + "title").text) for r in g.iter(ns + "rect") if r.get("class") == "cell"]
    assert len(w) == T * T, len(w)
    for t in range(T):
        row = w[t * T:(t + 1) * T]
        assert abs(sum(row) - 1) < 2e-3 * T, (t, row)
        assert all(x == 0 for x in row[t + 1:]), (t, row)
PY
then pass; else fail "the SVG's rows are not causal distributions"; fi
# Token labels are escaped for XML (the file parsed above) and shown.
$SHANNON sample --model "$WORK/m" --prompt "a<b & \"c'" --tokens 0 --attention "$WORK/esc.svg" \
  > /dev/null 2>&1
for label in '&lt;' '&amp;' '&quot;' '&apos;' '␣'; do
  if grep -q ">$label</text>" "$WORK/esc.svg"; then pass; else fail "label $label missing"; fi
done
if python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$WORK/esc.svg"; then pass
else fail "esc.svg is not well-formed XML"; fi
expect_error "attention into a missing folder" "att.svg" \
  $SHANNON sample --model "$WORK/m" --prompt "The" --attention "$WORK/no/such/att.svg"

finish
