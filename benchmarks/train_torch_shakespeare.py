"""PyTorch's side of the tinyshakespeare result in RESULTS.md: the recipe of
`shannon train --learned-positions` (nanoGPT's CPU "baby" config) written
with torch.nn, so the validation loss Shannon reaches can be set against
what PyTorch reaches with the same recipe, seed by seed.

Usage: /usr/bin/python3 benchmarks/train_torch_shakespeare.py TEXT SEED [SEED ...]
                 [--shannon-init build/benchmarks/bench_gpt_step]
                 [--compare RUN_DIR]   (with one seed: Shannon's output folder)

The same as Shannon: character vocabulary of the whole file, first 90% to
train, last 10% to validate; 4 layers, 4 heads, 128 embd, block 64, batch
12, learned positions, pre-LN, biases, GELU (tanh form), LM head tied to
the token embedding, GPT-2 init (N(0, 0.02), residual projections
N(0, 0.02 / sqrt(2 n_layer))), dropout 0; AdamW betas (0.9, 0.99), weight
decay 0.1 on matrices (embeddings included) and 0 on vectors, gradient
clip 1.0, nanoGPT's get_lr with 100 warmup iterations and a cosine from
1e-3 to 1e-4 at 2000 iterations. Training batches are drawn as Shannon
draws them (numpy.random.default_rng(seed).integers), so with the same seed
both see the same batches. The initial weights are torch's own draws, or,
with --shannon-init, the very weights `shannon train --learned-positions
--seed SEED` starts from (written by bench_gpt_step --save-weights), so
the two runs differ only in floating-point rounding along the way.
The vocabulary has Shannon's extra <unk> token (66 entries for the 65
characters of the file), never seen in the data but part of the softmax,
so the two models have the same shapes.

Prints, per seed, the validation loss as `shannon train` prints it at the
end: the mean over the whole validation split, cut into consecutive windows
of 65 tokens (every token predicted once). With --compare, also the largest
difference between PyTorch's per-iteration training losses and those in
RUN_DIR/loss.csv. One thread per run.
"""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
LAYERS, HEADS, C, T, B = 4, 4, 128, 64, 12
ITERS, WARMUP, LR, MIN_LR = 2000, 100, 1e-3, 1e-4


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.c_attn, self.attn_proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.c_fc, self.mlp_proj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)

    def forward(self, x):
        Bx, Tx, _ = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(Bx, Tx, HEADS, C // HEADS).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // HEADS)
        mask = torch.triu(torch.ones(Tx, Tx, dtype=torch.bool), 1)
        att = F.softmax(att.masked_fill(mask, float('-inf')), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(Bx, Tx, C)
        x = x + self.attn_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate='tanh'))


class GPT(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, C), nn.Embedding(T, C)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f = nn.LayerNorm(C)
        for name, p in self.named_parameters():
            if p.dim() == 1:
                continue   # biases 0, LayerNorm gains 1: torch's defaults
            std = 0.02 / math.sqrt(2 * LAYERS) if name.endswith('proj.weight') else 0.02
            nn.init.normal_(p, 0.0, std)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.blocks:
            x = block(x)
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def load_shannon_weights(model, path):
    """Copies a safetensors file of nanoGPT-named float32 tensors into model."""
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    rename = {'attn.c_attn': 'c_attn', 'attn.c_proj': 'attn_proj', 'mlp.c_fc': 'c_fc',
              'mlp.c_proj': 'mlp_proj'}
    params = dict(model.named_parameters())
    for name, info in header.items():
        if name == '__metadata__':
            continue
        ours = name[len('transformer.'):].replace('h.', 'blocks.', 1)
        for old, new in rename.items():
            ours = ours.replace(old, new)
        a, b = info['data_offsets']
        value = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=np.float32).reshape(info['shape'])
        with torch.no_grad():
            params.pop(ours).copy_(torch.from_numpy(value.copy()))
    assert not params, 'not in the file: %s' % sorted(params)


def text_loss(model, ids):
    """Mean loss over consecutive windows of T+1 tokens (the last shorter),
    B windows at a time: Shannon's text_loss."""
    total, counted, start = 0.0, 0, 0
    with torch.no_grad():
        while start + 1 < len(ids):
            full = (len(ids) - 1 - start) // T
            nb, t = (min(full, B), T) if full else (1, len(ids) - 1 - start)
            x = np.stack([ids[start + b * T:start + b * T + t] for b in range(nb)])
            y = np.stack([ids[start + b * T + 1:start + b * T + t + 1] for b in range(nb)])
            total += model(torch.from_numpy(x), torch.from_numpy(y)).item() * nb * t
            counted += nb * t
            start += nb * t
    return total / counted


def get_lr(it):
    if it < WARMUP:
        return LR * (it + 1) / (WARMUP + 1)
    ratio = (it - WARMUP) / (ITERS - WARMUP)
    return MIN_LR + 0.5 * (1 + math.cos(math.pi * ratio)) * (LR - MIN_LR)


def batch(rng, data):
    starts = rng.integers(0, len(data) - T, B)
    x = np.stack([data[s:s + T] for s in starts])
    y = np.stack([data[s + 1:s + 1 + T] for s in starts])
    return torch.from_numpy(x), torch.from_numpy(y)


def main():
    args = sys.argv[1:]
    init_exe = compare = None
    if '--shannon-init' in args:
        k = args.index('--shannon-init')
        init_exe = args[k + 1]
        del args[k:k + 2]
    if '--compare' in args:
        k = args.index('--compare')
        compare = args[k + 1]
        del args[k:k + 2]
    text = open(args[0], encoding='utf-8').read()
    chars = sorted(set(text))
    vocab = len(chars) + 1   # Shannon's <unk> last
    index = {c: i for i, c in enumerate(chars)}
    ids = np.array([index[c] for c in text], dtype=np.int64)
    cut = int(len(ids) * 0.9)
    train, val = ids[:cut], ids[cut:]
    for seed in (int(s) for s in args[1:]):
        torch.manual_seed(seed)
        model = GPT(vocab)
        if init_exe:
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, 'init.safetensors')
                subprocess.run([init_exe, '--vocab', str(vocab), '--layers', str(LAYERS),
                                '--heads', str(HEADS), '--embd', str(C), '--block', str(T),
                                '--batch', str(B), '--steps', '1', '--threads', '1',
                                '--seed', str(seed), '--positions', 'learned',
                                '--save-weights', path], check=True)
                load_shannon_weights(model, path)
        decay = [p for p in model.parameters() if p.dim() >= 2]
        no_decay = [p for p in model.parameters() if p.dim() < 2]
        opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1},
                                 {'params': no_decay, 'weight_decay': 0.0}],
                                lr=LR, betas=(0.9, 0.99), eps=1e-8)
        rng = np.random.default_rng(seed)
        start = time.time()
        losses = []
        for it in range(ITERS):
            for g in opt.param_groups:
                g['lr'] = get_lr(it)
            loss = model(*batch(rng, train))
            losses.append(loss.item())
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
        seconds = time.time() - start
        val_loss = text_loss(model, val)
        print('seed %d%s: val_loss=%.4f train_seconds=%.0f' % (
            seed, ' (Shannon\'s initial weights)' if init_exe else '', val_loss, seconds), flush=True)
        if compare:
            theirs = np.loadtxt(os.path.join(compare, 'loss.csv'), delimiter=',', skiprows=1,
                                usecols=1, ndmin=1)
            diff = np.abs(np.array(losses) - theirs[:len(losses)])
            print('  per-iteration training loss vs %s: max |difference| %.2e (iteration %d), '
                  'mean %.2e' % (compare, diff.max(), diff.argmax(), diff.mean()), flush=True)


if __name__ == '__main__':
    main()
