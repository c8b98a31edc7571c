#!/usr/bin/python3
"""GPT-2 in PyTorch written against Hugging Face's layout, for interop_test.sh.

usage: hf_gpt2_torch.py HF_DIR ID...   prints the mean next-token loss (%.9g)

Reads HF_DIR/config.json (GPT2Config keys) and HF_DIR/model.safetensors with
json + struct + numpy only (no transformers package). Conv1D convention:
y = x @ W + b with W stored (in, out); no attn.bias buffer (the causal mask
is built here); GELU "gelu_new" (tanh); LayerNorm eps layer_norm_epsilon;
the LM head tied to wte.
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    assert header.pop("__metadata__", {}).get("format") == "pt", "metadata format must be pt"
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        a = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=DTYPES[info["dtype"]])
        out[name] = torch.from_numpy(a.reshape(info["shape"]).astype(np.float32))
    return out


def conv1d(x, w, b):
    return x @ w + b            # HF's Conv1D: W is (in, out)


def gpt2_loss(config, p, ids):
    C, H, eps = config["n_embd"], config["n_head"], config["layer_norm_epsilon"]
    assert config["activation_function"] == "gelu_new" and config.get("n_inner") is None
    idx = torch.tensor(ids[:-1]).unsqueeze(0)
    targets = torch.tensor(ids[1:]).unsqueeze(0)
    T = idx.shape[1]
    x = p["wte.weight"][idx] + p["wpe.weight"][:T]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(config["n_layer"]):
        h = lambda n: p[f"h.{i}.{n}"]
        a = F.layer_norm(x, (C,), h("ln_1.weight"), h("ln_1.bias"), eps)
        q, k, v = conv1d(a, h("attn.c_attn.weight"), h("attn.c_attn.bias")).split(C, dim=2)
        q, k, v = (t.view(1, T, H, C // H).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / (C // H) ** 0.5
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(1, T, C)
        x = x + conv1d(y, h("attn.c_proj.weight"), h("attn.c_proj.bias"))
        m = F.layer_norm(x, (C,), h("ln_2.weight"), h("ln_2.bias"), eps)
        m = F.gelu(conv1d(m, h("mlp.c_fc.weight"), h("mlp.c_fc.bias")), approximate="tanh")
        x = x + conv1d(m, h("mlp.c_proj.weight"), h("mlp.c_proj.bias"))
    x = F.layer_norm(x, (C,), p["ln_f.weight"], p["ln_f.bias"], eps)
    logits = x @ p["wte.weight"].T            # tied head
    return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1)).item()


def main():
    folder, ids = sys.argv[1], [int(t) for t in sys.argv[2:]]
    with open(folder + "/config.json") as f:
        config = json.load(f)
    p = load_safetensors(folder + "/model.safetensors")
    expected = {"wte.weight", "wpe.weight", "ln_f.weight", "ln_f.bias"}
    for i in range(config["n_layer"]):
        for n in ("ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj"):
            expected |= {f"h.{i}.{n}.weight", f"h.{i}.{n}.bias"}
    assert set(p) == expected, f"names differ: {sorted(set(p) ^ expected)}"
    assert tuple(p["h.0.attn.c_attn.weight"].shape) == (config["n_embd"], 3 * config["n_embd"])
    with torch.no_grad():
        print("%.9g" % gpt2_loss(config, p, ids))


if __name__ == "__main__":
    main()
