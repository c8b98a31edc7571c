#!/usr/bin/env python3
"""Writes the seeds of fuzz_model_dir: tiny model folders packed as one
input (config.json, tokenizer.json, model.safetensors, labels.txt,
encoder.json, vocab.bpe, separated by SEPARATOR; absent files are left off
the end), in the files' real formats (models/cli/config.c's save_run_config,
models/include/tok.h's tokenizer file, safetensors).

usage: make_model_dir_seeds.py OUT_DIR
Each folder can also be unpacked for a check with `shannon sample`:
make_model_dir_seeds.py OUT_DIR --unpacked writes the folders as folders.
"""
import json
import os
import struct
import sys

import numpy as np

SEPARATOR = b"\n--shannon-file--\n"
FILES = ["config.json", "tokenizer.json", "model.safetensors", "labels.txt", "encoder.json",
         "vocab.bpe"]


def config(vocab, block, layers, heads, embd, learned=False, post_ln=False, tokenizer="char",
           objective="causal", bidirectional=False, classes=0, pooling="last"):
    # The keys and order of save_run_config.
    return ('{\n  "vocab_size": %d,\n  "block_size": %d,\n  "n_layer": %d,\n  "n_head": %d,\n'
            '  "n_embd": %d,\n  "dropout": 0,\n  "learned_positions": %s,\n  "post_ln": %s,\n'
            '  "objective": "%s",\n  "bidirectional": %s,\n  "mask_rate": 0.14999999999999999,\n'
            '  "num_classes": %d,\n  "pooling": "%s",\n  "tokenizer": "%s",\n  "batch": 2,\n'
            '  "iters": 1,\n  "lr": 0.001,\n  "seed": 1\n}\n'
            % (vocab, block, layers, heads, embd, str(learned).lower(), str(post_ln).lower(),
               objective, str(bidirectional).lower(), classes, pooling, tokenizer)).encode()


def weights(vocab, block, layers, embd, learned=False, classes=0, extra=()):
    """The parameters of transformer_new, in its order, small random values
    (then the extra (name, shape) pairs)."""
    rng = np.random.default_rng(0)
    C = embd
    shapes = [("transformer.wte.weight", (vocab, C))]
    if learned:
        shapes.append(("transformer.wpe.weight", (block, C)))
    for l in range(layers):
        p = "transformer.h.%d." % l
        shapes += [(p + "ln_1.weight", (C,)), (p + "ln_1.bias", (C,)),
                   (p + "attn.c_attn.weight", (3 * C, C)), (p + "attn.c_attn.bias", (3 * C,)),
                   (p + "attn.c_proj.weight", (C, C)), (p + "attn.c_proj.bias", (C,)),
                   (p + "ln_2.weight", (C,)), (p + "ln_2.bias", (C,)),
                   (p + "mlp.c_fc.weight", (4 * C, C)), (p + "mlp.c_fc.bias", (4 * C,)),
                   (p + "mlp.c_proj.weight", (C, 4 * C)), (p + "mlp.c_proj.bias", (C,))]
    shapes += [("transformer.ln_f.weight", (C,)), ("transformer.ln_f.bias", (C,))]
    if classes:
        shapes += [("classifier.weight", (classes, C)), ("classifier.bias", (classes,))]
    shapes += list(extra)
    header, data = {}, b""
    for name, shape in shapes:
        raw = (rng.standard_normal(shape) * 0.02).astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def char_tokenizer(chars, special=False):
    t = {"format": "shannon-tokenizer", "version": 1, "kind": "char",
         "vocab_size": len(chars) + 1 + (4 if special else 0)}
    if special:
        t["special_tokens"] = ["[MASK]", "[CLS]", "[SEP]", "[PAD]"]
    t["unk_id"] = len(chars)
    t["chars"] = [ord(c) for c in sorted(chars)]
    return json.dumps(t).encode(), t["vocab_size"]


def bpe_tokenizer(merges):
    t = {"format": "shannon-tokenizer", "version": 1, "kind": "bpe",
         "vocab_size": 256 + len(merges), "pretokenizer": "gpt2-ascii", "merges": merges}
    return json.dumps(t).encode(), t["vocab_size"]


def bytes_to_unicode():
    """GPT-2's printable stand-ins for the 256 bytes (encoder.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + \
        list(range(0xAE, 0xFF + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def gpt2_files():
    """A miniature GPT-2 tokenizer: the 256 byte tokens, one merge ("a" "b")
    and <|endoftext|>."""
    enc = {ch: b for b, ch in sorted(bytes_to_unicode().items())}
    enc["ab"] = 256
    enc["<|endoftext|>"] = 257
    tok = json.dumps({"format": "shannon-tokenizer", "version": 1, "kind": "gpt2",
                      "vocab_size": 258}).encode()
    return tok, json.dumps(enc).encode(), b"#version: 0.2\na b\n", 258


def seeds():
    tok, V = char_tokenizer("\nab")
    yield "causal_char", [config(V, 4, 1, 1, 4), tok, weights(V, 4, 1, 4)]
    yield "learned_post_ln", [config(V, 4, 2, 2, 4, learned=True, post_ln=True), tok,
                              weights(V, 4, 2, 4, learned=True)]
    stok, SV = char_tokenizer("\nab", special=True)
    yield "mlm_encoder", [config(SV, 4, 1, 2, 4, objective="mlm", bidirectional=True,
                                 pooling="first"), stok, weights(SV, 4, 1, 4)]
    yield "classifier", [config(SV, 4, 1, 1, 4, objective="classify", bidirectional=True,
                                classes=2, pooling="first"), stok,
                         weights(SV, 4, 1, 4, classes=2), b"neg\npos\n"]
    yield "classifier_mean", [config(V, 4, 1, 1, 4, objective="classify", classes=3,
                                     pooling="mean"), tok, weights(V, 4, 1, 4, classes=3),
                              b"a\nb\nc\n"]
    btok, BV = bpe_tokenizer([[97, 98]])
    yield "bpe", [config(BV, 4, 1, 1, 2, tokenizer="bpe"), btok, weights(BV, 4, 1, 2)]
    gtok, genc, gbpe, GV = gpt2_files()
    yield "gpt2", [config(GV, 4, 1, 1, 2, tokenizer="gpt2"), gtok, weights(GV, 4, 1, 2), b"",
                   genc, gbpe]
    # A config whose blocks need far more than the file holds (vocab_size 1,
    # n_embd 1024, 64 layers: 806 M parameters, 3.2 GB, against 4096
    # values): refused before anything is allocated.
    one, _ = char_tokenizer("")
    big = config(1, 4, 64, 1, 1024)
    w = weights(1, 4, 0, 1024, extra=[("transformer.h.63.ln_1.weight", (1024,))])
    yield "regression-blocks-beyond-file", [big, one, w]


def main(argv):
    out = argv[1]
    unpacked = "--unpacked" in argv
    os.makedirs(out, exist_ok=True)
    for name, parts in seeds():
        if unpacked:
            os.makedirs(os.path.join(out, name), exist_ok=True)
            for f, data in zip(FILES, parts):
                with open(os.path.join(out, name, f), "wb") as fh:
                    fh.write(data)
        else:
            with open(os.path.join(out, name), "wb") as fh:
                fh.write(SEPARATOR.join(parts))


if __name__ == "__main__":
    main(sys.argv)
