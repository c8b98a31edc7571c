"""Cases for the network layers (softmax, losses, norms, activations,
attention) against PyTorch. Every case is written twice, for the fused op
and for its composed twin ('<name>_composed'), with the same torch
reference."""
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F

from torchcases import Cases

cases = Cases(sys.argv[1])
rng = np.random.default_rng(7)


def r(*shape, dtype=np.float64, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def both(name, inputs, fn, params='', composed=True, **kw):
    cases.add(name, inputs, fn, params=params, **kw)
    if composed:
        cases.add(name + '_composed', inputs, fn, params=params, **kw)


def rms_norm(x, w, eps):
    y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return y * w if w is not None else y


def attention(q, k, v, causal, pad):
    s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    tq, tk = s.shape[-2:]
    mask = torch.zeros(tq, tk, dtype=torch.bool)
    if causal:
        mask = torch.ones(tq, tk).triu(diagonal=tk - tq + 1).bool()
    if pad is not None:
        mask = mask | pad.reshape(pad.shape[0], *([1] * (s.dim() - 2)), tk)
    return torch.softmax(s.masked_fill(mask, float('-inf')), -1) @ v


def attention_packed(qkv, heads, causal, pad):
    b, t, c = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
    q, k, v = (qkv[..., i * c:(i + 1) * c].reshape(b, t, heads, c // heads).transpose(1, 2)
               for i in range(3))
    return attention(q, k, v, causal, pad).transpose(1, 2).reshape(b, t, c)


for dt in (np.float32, np.float64):
    loose = dict(rtol=1e-4, atol=1e-5) if dt == np.float32 else {}
    # softmax / log_softmax along any axis, large logits too
    for shape, axis, scale in [((3, 5), -1, 1), ((2, 3, 4), 1, 1), ((2, 3, 4), 0, 1), ((6,), 0, 1),
                               ((4, 9), -1, 40), ((3, 17), 1, 1), ((), 0, 1)]:
        x = r(*shape, dtype=dt, scale=scale)
        both('softmax', [x], lambda t: F.softmax(t[0], axis), params='axis=%d' % axis)
        both('log_softmax', [x], lambda t: F.log_softmax(t[0], axis), params='axis=%d' % axis)
    # cross-entropy: plain, ignored rows, label smoothing, both, a custom ignore_index
    for n, c, ignore, smooth in [(6, 5, -100, 0.0), (7, 11, -100, 0.1), (8, 4, 2, 0.0),
                                 (9, 6, -100, 0.25), (1, 3, -100, 0.0), (33, 10, -1, 0.05)]:
        x = r(n, c, dtype=dt, scale=2)
        t = rng.integers(0, c, size=n)
        if ignore != 2 and n > 2:
            t[1] = ignore
        params = 'ignore=%d smooth=%r' % (ignore, smooth)
        both('cross_entropy', [x, t],
             lambda ts: F.cross_entropy(ts[0], ts[1], ignore_index=ignore, label_smoothing=smooth),
             params=params)
        cases.add('nll_loss', [x, t], lambda ts: F.nll_loss(ts[0], ts[1], ignore_index=ignore),
                  params=params)
        if ignore == -100:   # the short form: torch's defaults (-100 ignored, no smoothing)
            cases.add('cross_entropy_default', [x, t], lambda ts: F.cross_entropy(ts[0], ts[1]))
    for sa, sb in [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 1), (3, 5))]:
        cases.add('mse_loss', [r(*sa, dtype=dt), r(*sb, dtype=dt)],
                  lambda t: F.mse_loss(*torch.broadcast_tensors(t[0], t[1])))
    # layer norm with and without the affine parameters; rms norm
    # (C = 1 normalizes to exactly 0; torch's float32 leaves rounding noise there)
    for shape in [(2, 3, 8), (5, 16)] + ([(4, 1)] if dt == np.float64 else []):
        c = shape[-1]
        x = r(*shape, dtype=dt, scale=3) + 1.5
        w, b = r(c, dtype=dt) + 1, r(c, dtype=dt)
        both('layer_norm', [x, w, b], lambda t: F.layer_norm(t[0], (c,), t[1], t[2], 1e-5),
             params='eps=1e-5 w=1 b=1', **loose)
        both('layer_norm', [x], lambda t: F.layer_norm(t[0], (c,), None, None, 1e-3),
             params='eps=1e-3 w=0 b=0', **loose)
        both('layer_norm', [x, w], lambda t: F.layer_norm(t[0], (c,), t[1], None, 1e-5),
             params='eps=1e-5 w=1 b=0', **loose)
        both('rms_norm', [x, w], lambda t: rms_norm(t[0], t[1], 1e-6), params='eps=1e-6 w=1', **loose)
        both('rms_norm', [x], lambda t: rms_norm(t[0], None, 1e-5), params='eps=1e-5 w=0', **loose)
    # activations over a wide range
    for shape, scale in [((3, 7), 1), ((4, 5), 4), ((2, 3, 4), 0.3)]:
        x = r(*shape, dtype=dt, scale=scale)
        # float32 tanh near +-1 is within an ulp, not correctly rounded: at x = -10
        # the derivative is 1e-20, ours can be 3e-6 (1 - t^2 of one ulp, times 10)
        tol = dict(atol=1e-5) if dt == np.float32 else {}
        both('gelu', [x], lambda t: F.gelu(t[0], approximate='tanh'), **tol)
        both('gelu_erf', [x], lambda t: F.gelu(t[0]), **tol)
        both('silu', [x], lambda t: F.silu(t[0]), **tol)
    # attention: causal or not, padding, Tq != Tk, no head axis, broadcast k/v heads
    for qs, ks, vs, causal, padded in [
            ((2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 4), False, False),
            ((2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 6), True, False),
            ((2, 2, 6, 8), (2, 2, 6, 8), (2, 2, 6, 8), True, True),
            ((2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3), True, False),
            ((3, 4, 4), (3, 4, 4), (3, 4, 4), False, True),
            ((2, 2, 4, 4), (2, 1, 4, 4), (2, 1, 4, 4), True, False),
            ((1, 3, 4), (1, 3, 4), (1, 3, 4), True, False)]:
        ins = [r(*qs, dtype=dt), r(*ks, dtype=dt), r(*vs, dtype=dt)]
        if padded:
            pad = np.zeros((qs[0], ks[-2]), dtype=bool)
            pad[0, -1] = pad[-1, 1] = True   # never a whole row with causal
            ins.append(pad)
        both('attention', ins,
             lambda t: attention(t[0], t[1], t[2], causal, t[3] if padded else None),
             params='causal=%d' % causal, **loose)
    # the packed form: (B, T, 3C) -> (B, T, C), heads split inside the op
    for shape, heads, causal, padded in [((2, 5, 24), 2, True, False), ((3, 4, 18), 3, False, True),
                                         ((1, 6, 12), 1, True, True), ((2, 3, 48), 4, True, False)]:
        ins = [r(*shape, dtype=dt)]
        if padded:
            pad = np.zeros((shape[0], shape[1]), dtype=bool)
            pad[0, -1] = True   # never a whole row with causal
            ins.append(pad)
        cases.add('attention_packed', ins,
                  lambda t: attention_packed(t[0], heads, causal, t[1] if padded else None),
                  params='heads=%d causal=%d' % (heads, causal), **loose)
cases.save()
