#!/usr/bin/python3
"""Checks models/src/tokenizer/gpt2_unicode.c (made from node's regex engine
by tools/gen_gpt2_unicode.js) against Python's unicodedata.

The two agree except where they must not:
  - whitespace: JavaScript's \\s includes U+FEFF and excludes U+001C..U+001F
    and U+0085, which Python's str.isspace counts;
  - letters and numbers that Python's older Unicode database does not know
    (category Cn, unassigned, in Python's version).
Anything else is printed and makes the exit status 1.

usage: /usr/bin/python3 tools/check_gpt2_unicode.py [path/to/gpt2_unicode.c]
"""
import collections
import re
import sys
import unicodedata

JS_ONLY_SPACE = {0xFEFF}
PY_ONLY_SPACE = {0x1C, 0x1D, 0x1E, 0x1F, 0x85}


def load_table(path):
    classes = {}
    for lo, hi, k in re.findall(r"\{(0x[0-9A-F]+), (0x[0-9A-F]+), GPT2_([LNS])\}", open(path).read()):
        for cp in range(int(lo, 16), int(hi, 16) + 1):
            classes[cp] = k
    return classes


def python_class(cp):
    c = chr(cp)
    cat = unicodedata.category(c)
    if cat[0] in "LN":
        return cat[0]
    return "S" if c.isspace() else "O"


def main(path):
    table = load_table(path)
    explained = collections.Counter()
    unexplained = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        js, py = table.get(cp, "O"), python_class(cp)
        if js == py:
            continue
        if (js, py) == ("S", "O") and cp in JS_ONLY_SPACE:
            explained["U+FEFF is \\s in JavaScript only"] += 1
        elif (js, py) == ("O", "S") and cp in PY_ONLY_SPACE:
            explained["U+001C..U+001F, U+0085 are isspace() in Python only"] += 1
        elif py == "O" and unicodedata.category(chr(cp)) == "Cn":
            explained[f"{js}: assigned after Unicode {unicodedata.unidata_version}"] += 1
        else:
            unexplained.append(f"U+{cp:04X}: table {js}, Python {py} ({unicodedata.category(chr(cp))})")
    print(f"Python's Unicode {unicodedata.unidata_version} against {path}:")
    for what, n in sorted(explained.items()):
        print(f"  {n:6d} code points differ as expected: {what}")
    for line in unexplained[:50]:
        print("  UNEXPLAINED " + line)
    print(f"  {len(unexplained)} unexplained differences")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "models/src/tokenizer/gpt2_unicode.c"))
