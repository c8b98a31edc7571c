"""Reference tokenizers for test_tokenizer.c, written the slow, obvious way.

  tokenizer_ref.py char TEXT OUT        nanoGPT's char vocabulary of TEXT
      OUT line 1: the code points of sorted(set(data)); line 2: stoi(TEXT)
  tokenizer_ref.py bpe TEXT VOCAB OUT   byte-level BPE trained on TEXT
      OUT line 1: the bytes (hex) of ids 256..; line 2: the ids of TEXT
  tokenizer_ref.py split TEXT OUT       the pre-tokens of TEXT, hex, one a line
  tokenizer_ref.py json FILE            checks FILE with Python's json module
                                        and rebuilds its vocabulary (exit 0)

TEXT is read as bytes; for char it is decoded as UTF-8 with surrogateescape,
which is how tok.h defines a character.
"""
import json
import re
import sys

SPLIT = re.compile(rb"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z\x80-\xff]+| ?[0-9]+"
                   rb"| ?[^\sA-Za-z0-9\x80-\xff]+|\s+(?!\S)|\s+")


def char_ref(data, out):
    text = data.decode("utf-8", "surrogateescape")
    chars = sorted(list(set(text)))             # nanoGPT's shakespeare_char/prepare.py
    stoi = {ch: i for i, ch in enumerate(chars)}
    out.write(" ".join(str(ord(c)) for c in chars) + "\n")
    out.write(" ".join(str(stoi[c]) for c in text) + "\n")


def bpe_train(data, vocab_size):
    """Greedy merges: the most frequent adjacent pair (counted at every
    position, as minbpe's get_stats does), ties to the lowest (left, right)."""
    words = {}
    for w in SPLIT.findall(data):
        words[tuple(w)] = words.get(tuple(w), 0) + 1
    merges = []
    for new_id in range(256, vocab_size):
        stats = {}
        for w, c in words.items():
            for pair in zip(w, w[1:]):
                stats[pair] = stats.get(pair, 0) + c
        if not stats:
            break
        best = min(stats, key=lambda p: (-stats[p], p))
        merges.append(best)
        words = {tuple(merge(list(w), best, new_id)): c for w, c in words.items()}
    return merges


def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def bpe_encode(data, merges):
    """GPT-2's loop: merge the lowest-ranked pair everywhere, repeat."""
    ranks = {p: i for i, p in enumerate(merges)}
    ids = []
    for w in SPLIT.findall(data):
        sym = list(w)
        while len(sym) >= 2:
            pair = min(zip(sym, sym[1:]), key=lambda p: ranks.get(p, float("inf")))
            if pair not in ranks:
                break
            sym = merge(sym, pair, 256 + ranks[pair])
        ids.extend(sym)
    return ids


def vocab_bytes(merges):
    vocab = [bytes([i]) for i in range(256)]
    for a, b in merges:
        vocab.append(vocab[a] + vocab[b])
    return vocab


def main():
    mode = sys.argv[1]
    if mode == "json":
        with open(sys.argv[2]) as f:
            d = json.load(f)
        assert d["format"] == "shannon-tokenizer" and d["version"] == 1
        if d["kind"] == "char":
            itos = [chr(c) for c in d["chars"]]
            assert d["vocab_size"] == len(itos) + 1 and d["unk_id"] == len(itos)
        else:
            vocab = vocab_bytes(d["merges"])
            assert d["vocab_size"] == len(vocab)
        return
    with open(sys.argv[2], "rb") as f:
        data = f.read()
    with open(sys.argv[-1], "w") as out:
        if mode == "char":
            char_ref(data, out)
        elif mode == "split":
            for w in SPLIT.findall(data):
                out.write(w.hex() + "\n")
        else:
            merges = bpe_train(data, int(sys.argv[3]))
            out.write(" ".join(v.hex() for v in vocab_bytes(merges)[256:]) + "\n")
            out.write(" ".join(map(str, bpe_encode(data, merges))) + "\n")


if __name__ == "__main__":
    main()
