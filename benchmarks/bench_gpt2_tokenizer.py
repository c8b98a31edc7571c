#!/usr/bin/python3
"""GPT-2 encoding speed: Shannon (C, one thread) against the JavaScript
reference (gpt-3-encoder@1.1.4's Encoder.js on node), on the same 50 KB
pieces in the same run, with the ratio.

The text is what gpt2_reference_test.py compares on: Debian's documentation
(--hard 0, the default: ordinary English-heavy text) plus, with --hard F, a
fraction F of generated hard cases (many scripts, emoji, whitespace runs).
Pieces are cut as the test cuts them (after a newline with a non-space
before it and a letter after it), at the first such point past 50,000
characters. Node's time is that of its encode() calls only (no start-up,
no file loading); Shannon's that of its tok_encode calls (each piece a
fresh call; the best of 3 runs), from build/benchmarks/bench_gpt2_tokenizer.
Both read GPT-2's files from third_party/gpt2 (`make gpt2-tokenizer`).

usage: /usr/bin/python3 benchmarks/bench_gpt2_tokenizer.py [--pieces N] [--hard F] [--build DIR]
"""
import argparse
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location(
    "gpt2_reference_test", os.path.join(ROOT, "tests", "models", "gpt2_reference_test.py"))
corpus = importlib.util.module_from_spec(spec)
spec.loader.exec_module(corpus)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pieces", type=int, default=20, help="how many 50 KB pieces (default 20)")
    ap.add_argument("--hard", type=float, default=0.0, help="fraction of generated hard cases")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = ap.parse_args()
    gpt2_dir = os.environ.get("SHANNON_GPT2_DIR") or os.path.join(ROOT, "third_party", "gpt2")
    bench = os.path.join(args.build, "benchmarks", "bench_gpt2_tokenizer")
    for need in (os.path.join(gpt2_dir, "Encoder.js"), bench):
        if not os.path.exists(need):
            sys.exit(f"missing {need} (make gpt2-tokenizer; ninja -C build)")

    size = 50_000
    target = int(args.pieces * size * 1.05)
    docs = corpus.debian_documentation(int(target * (1 - args.hard)))
    hard = corpus.hard_cases(random.Random(1), int(target * args.hard)) if args.hard > 0 else []
    blocks = docs + hard
    random.Random(2).shuffle(blocks)
    text = "".join("Text " + b.rstrip("\n") + ".\n" for b in blocks)
    pieces = corpus.cut_pieces(text, size)[:args.pieces]
    data = [p.encode("utf-8") for p in pieces]
    nbytes = sum(map(len, data))

    with tempfile.TemporaryDirectory(prefix="bench-gpt2-") as tmp:
        driver, src, dst = (os.path.join(tmp, n) for n in ("driver.js", "in.json", "out.txt"))
        with open(driver, "w") as f:
            f.write(corpus.NODE_DRIVER)
        with open(src, "w") as f:
            json.dump(pieces, f)
        r = subprocess.run(["node", driver, os.path.join(gpt2_dir, "Encoder.js"), src, dst],
                           capture_output=True, text=True, check=True)
        node_s = float(r.stdout.strip())
        with open(dst) as f:
            node_tokens = sum(len(line.split()) for line in f.read().split("\n")[:len(pieces)])
        whole = os.path.join(tmp, "text.bin")
        with open(whole, "wb") as f:
            f.write(b"".join(data))
        env = dict(os.environ, SHANNON_GPT2_DIR=gpt2_dir)
        r = subprocess.run([bench, whole] + [str(len(d)) for d in data], capture_output=True, text=True,
                           env=env, check=True)
        fields = dict(kv.split("=") for kv in r.stdout.split())
    c_mbs = float(fields["mb_per_s"])
    node_mbs = nbytes / 1e6 / node_s
    same = "same" if int(fields["tokens"]) == node_tokens else f"DIFFERENT (node {node_tokens})"
    print(f"text: {len(pieces)} pieces, {nbytes / 1e6:.2f} MB, {fields['tokens']} tokens ({same}); "
          f"hard-case fraction {args.hard}")
    print(f"node  Encoder.js : {node_s:8.3f} s  {node_mbs:8.3f} MB/s")
    print(f"shannon (1 thread): {float(fields['seconds']):8.3f} s  {c_mbs:8.3f} MB/s per piece "
          f"({float(fields['whole_mb_per_s']):.2f} MB/s as one text)")
    print(f"ratio shannon/node: {c_mbs / node_mbs:.0f}x")


if __name__ == "__main__":
    main()
