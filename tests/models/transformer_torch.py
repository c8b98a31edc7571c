"""The same Transformer in PyTorch, on the weights Shannon's model wrote:
a GPT (causal LM), a BERT-style encoder with its MLM head, or a classifier.

Usage: transformer_torch.py DIR

DIR holds (written by test_transformer.c): model.safetensors (every
parameter, with nanoGPT's names, and classifier.weight/bias), config.txt
(vocab block layers heads embd bidirectional head pooling, then optionally
post_ln no_attention_scale no_residual as 0/1; head is lm, mlm or classify,
pooling first, last or mean), x.npy (10 batches of (B, T)
token ids), y.npy (the targets: (10, B, T) next tokens for lm, (10, B, T)
with -100 at the unmasked positions for mlm, (10, B) labels for classify)
and, for classify, padding.npy ((10, B, T) bool, true at padding).
Writes into DIR:
  loss0.npy          the loss of batch 0
  grads.safetensors  d loss0 / d every parameter
  losses.npy         the losses of 10 AdamW steps (lr 1e-3, betas (0.9,
                     0.99), weight decay 0.1 on matrices only, as nanoGPT)
The model is written out op by op (no nn.Module), as the C one is.
"""
import json
import math
import os
import struct
import sys

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print('SKIP: torch cannot be imported')
    sys.exit(77)

torch.set_num_threads(1)
DIR = sys.argv[1]
DTYPES = {'F32': np.float32, 'F64': np.float64, 'I64': np.int64}


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        a, b = info['data_offsets']
        out[name] = np.frombuffer(data[a:b], dtype=DTYPES[info['dtype']]).reshape(info['shape']).copy()
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype=np.float32).tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


fields = open(os.path.join(DIR, 'config.txt')).read().split()
V, block, L, H, C, BIDIRECTIONAL = (int(v) for v in fields[:6])
HEAD, POOLING = fields[6], fields[7]
# the block's variants: post-LN and the experiment switches (0 when absent)
POST_LN, NO_SCALE, NO_RESIDUAL = (int(v) for v in (fields[8:11] + ['0', '0', '0'])[:3])
weights = read_safetensors(os.path.join(DIR, 'model.safetensors'))
params = {k: torch.tensor(v, requires_grad=True) for k, v in weights.items()}
X = np.load(os.path.join(DIR, 'x.npy'))
Y = np.load(os.path.join(DIR, 'y.npy'))
PAD = np.load(os.path.join(DIR, 'padding.npy')) if HEAD == 'classify' else np.zeros(X.shape, bool)

# The sinusoidal table, computed as the C code does (double, then float32).
pe = np.zeros((block, C), np.float32)
for t in range(block):
    for i in range(C):
        angle = t / math.pow(10000.0, (i - i % 2) / C)
        pe[t, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
pe = torch.tensor(pe)


def p(name):
    return params['transformer.' + name]


def loss_of(x, y, pad):
    B, T = x.shape
    D = C // H
    h = p('wte.weight')[torch.tensor(x)] * math.sqrt(C) + pe[:T]   # the paper's sqrt(d_model)
    pad = torch.tensor(pad)
    # masked[b, 0, i, j]: query i may not see key j (the future, or padding)
    mask = pad[:, None, None, :].expand(B, 1, T, T)
    if not BIDIRECTIONAL:
        mask = mask | torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    def ln(n, a):
        return F.layer_norm(a, (C,), p(b + n + '.weight'), p(b + n + '.bias'), 1e-5)

    def attn(a):
        qkv = a @ p(b + 'attn.c_attn.weight').T + p(b + 'attn.c_attn.bias')
        q, k, v = (t.reshape(B, T, H, D).transpose(1, 2) for t in qkv.split(C, dim=2))
        att = q @ k.transpose(-2, -1)
        if not NO_SCALE:
            att = att / math.sqrt(D)
        att = att.masked_fill(mask, float('-inf')).softmax(-1)
        y_ = (att @ v).transpose(1, 2).reshape(B, T, C)
        return y_ @ p(b + 'attn.c_proj.weight').T + p(b + 'attn.c_proj.bias')

    def mlp(a):
        up = F.gelu(a @ p(b + 'mlp.c_fc.weight').T + p(b + 'mlp.c_fc.bias'), approximate='tanh')
        return up @ p(b + 'mlp.c_proj.weight').T + p(b + 'mlp.c_proj.bias')

    def res(x, f):   # the skip connection, or the sublayer alone
        return f if NO_RESIDUAL else x + f

    for l in range(L):
        b = 'h.%d.' % l
        if POST_LN:
            h = ln('ln_1', res(h, attn(h)))
            h = ln('ln_2', res(h, mlp(h)))
        else:
            h = res(h, attn(ln('ln_1', h)))
            h = res(h, mlp(ln('ln_2', h)))
    h = F.layer_norm(h, (C,), p('ln_f.weight'), p('ln_f.bias'), 1e-5)
    y = torch.tensor(y)
    if HEAD == 'lm':
        logits = h @ p('wte.weight').T
        return F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
    if HEAD == 'mlm':   # the head on the masked rows only
        rows = (y.reshape(-1) != -100).nonzero().squeeze(1)
        logits = h.reshape(-1, C)[rows] @ p('wte.weight').T
        return F.cross_entropy(logits, y.reshape(-1)[rows])
    real = (~pad).float()
    if POOLING == 'first':
        pooled = h[:, 0]
    elif POOLING == 'last':
        last = (real * torch.arange(T)).argmax(1)   # the last real position
        pooled = h[torch.arange(B), last]
    else:
        pooled = (h * real[:, :, None]).sum(1) / real.sum(1, keepdim=True)
    logits = pooled @ params['classifier.weight'].T + params['classifier.bias']
    return F.cross_entropy(logits, y)


loss = loss_of(X[0], Y[0], PAD[0])
loss.backward()
np.save(os.path.join(DIR, 'loss0.npy'), np.array(loss.item(), np.float64))
write_safetensors(os.path.join(DIR, 'grads.safetensors'), {k: v.grad.numpy() for k, v in params.items()})

for v in params.values():
    v.grad = None
decay = [v for v in params.values() if v.dim() >= 2]
no_decay = [v for v in params.values() if v.dim() < 2]
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': no_decay, 'weight_decay': 0.0}],
                        lr=1e-3, betas=(0.9, 0.99), eps=1e-8)
losses = []
for step in range(X.shape[0]):
    loss = loss_of(X[step], Y[step], PAD[step])
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    losses.append(loss.item())
np.save(os.path.join(DIR, 'losses.npy'), np.array(losses, np.float64))
