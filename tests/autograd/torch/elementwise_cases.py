"""Cases for unary math, elementwise selection and the reductions beyond
sum/mean (var, amax/amin, logsumexp) against PyTorch: both float dtypes,
broadcasting shapes, and the edge values where torch picks a gradient (zeros
for relu/abs/pow, ties for maximum/minimum/amax/amin, exact bounds for
clamp, NaN and infinities)."""
import sys

import numpy as np
import torch
import torch.nn.functional as F

from torchcases import Cases

cases = Cases(sys.argv[1])
rng = np.random.default_rng(2)
nan, inf = float('nan'), float('inf')


def r(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def ties(*shape, dtype=np.float64):
    """Small integers: many exact ties."""
    return rng.integers(-2, 3, shape).astype(dtype)


def dims_params(axes, keep, **extra):
    text = 'axes=%s keepdims=%d' % (','.join(map(str, axes)) or '-', keep)
    return ' '.join([text] + ['%s=%s' % kv for kv in extra.items()])


SHAPES = [(3, 4), (2, 1, 5), (), (0, 3)]
PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (5,)), ((0, 3), (3,))]

for dt in (np.float32, np.float64):
    f32 = dt == np.float32
    for shape in SHAPES:
        x = r(*shape, dtype=dt)
        pos = np.abs(x) + dt(0.25)
        cases.add('exp', [x], lambda t: torch.exp(t[0]))
        cases.add('log', [pos], lambda t: torch.log(t[0]))
        cases.add('sqrt', [pos], lambda t: torch.sqrt(t[0]))
        cases.add('rsqrt', [pos], lambda t: torch.rsqrt(t[0]))
        cases.add('tanh', [x * 2], lambda t: torch.tanh(t[0]))
        cases.add('sigmoid', [x * 3], lambda t: torch.sigmoid(t[0]))
        cases.add('relu', [x], lambda t: torch.relu(t[0]))
        for beta, threshold in ((1.0, 20.0), (2.0, 3.0), (0.5, 20.0)):
            cases.add('softplus', [x * 4], lambda t: F.softplus(t[0], beta, threshold),
                      params='beta=%r threshold=%r' % (beta, threshold))
        cases.add('abs', [x], lambda t: torch.abs(t[0]))
        cases.add('square', [x], lambda t: torch.square(t[0]))
        for p in (2.0, 3.0, 0.5, -1.5, 0.0, 1.0, -1.0):
            base = pos if p != int(p) else x
            cases.add('pow_scalar', [base], lambda t: torch.pow(t[0], p), params='p=%r' % p,
                      rtol=2e-5 if f32 else None)
    # edge values: zeros, signed zeros, NaN, infinities, extremes
    edge = np.array([0.0, -0.0, 1.0, -1.0, nan, inf, -inf, 30.0, -30.0, 100.0, -100.0], dtype=dt)
    for name, fn in [('exp', torch.exp), ('tanh', torch.tanh), ('sigmoid', torch.sigmoid),
                     ('relu', torch.relu), ('abs', torch.abs), ('square', torch.square)]:
        cases.add(name, [edge], lambda t, fn=fn: fn(t[0]))
    cases.add('softplus', [edge], lambda t: F.softplus(t[0]), params='beta=1 threshold=20')
    nonneg = np.array([0.0, 1e-3, 1.0, 4.0, inf, nan, -1.0], dtype=dt)
    for name, fn in [('log', torch.log), ('sqrt', torch.sqrt), ('rsqrt', torch.rsqrt)]:
        cases.add(name, [nonneg], lambda t, fn=fn: fn(t[0]))
    zeros = np.array([0.0, 0.0, 2.0, -2.0], dtype=dt)
    for p in (2.0, 0.0, 0.5, 1.0):
        cases.add('pow_scalar', [zeros], lambda t: torch.pow(t[0], p), params='p=%r' % p)

    for sa, sb in PAIRS:
        a, b = r(*sa, dtype=dt), r(*sb, dtype=dt)
        cases.add('pow', [np.abs(a) + dt(0.25), b], lambda t: torch.pow(t[0], t[1]),
                  rtol=2e-5 if f32 else None)
        cases.add('maximum', [a, b], lambda t: torch.maximum(t[0], t[1]))
        cases.add('minimum', [a, b], lambda t: torch.minimum(t[0], t[1]))
        ta, tb = ties(*sa, dtype=dt), ties(*sb, dtype=dt)
        cases.add('maximum', [ta, tb], lambda t: torch.maximum(t[0], t[1]))
        cases.add('minimum', [ta, tb], lambda t: torch.minimum(t[0], t[1]))
        cond = rng.random(np.broadcast_shapes(sa, sb)[-1:] or ()) < 0.5
        cases.add('where', [cond, a, b], lambda t: torch.where(t[0], t[1], t[2]))
        cond_full = rng.random(np.broadcast_shapes(sa, sb)) < 0.5
        cases.add('where', [cond_full, a, b], lambda t: torch.where(t[0], t[1], t[2]))
        mask = rng.random(sb) < 0.5
        for value in (0.0, -1e9, -inf):
            cases.add('masked_fill', [a, mask], lambda t: t[0].masked_fill(t[1], value),
                      params='value=%r' % value)
    # pow at zeros, negative bases with integer exponents, NaN
    base = np.array([0.0, 0.0, 0.0, 0.0, -2.0, -2.0, 2.0, nan, 1.0], dtype=dt)
    expo = np.array([0.0, 1.0, 2.0, 0.5, 2.0, 3.0, 0.0, 1.0, nan], dtype=dt)
    cases.add('pow', [base, expo], lambda t: torch.pow(t[0], t[1]))
    # maximum/minimum with NaN and infinities
    a = np.array([1.0, nan, 2.0, nan, inf, -inf, 0.0], dtype=dt)
    b = np.array([nan, 1.0, 2.0, nan, inf, 5.0, -0.0], dtype=dt)
    cases.add('maximum', [a, b], lambda t: torch.maximum(t[0], t[1]))
    cases.add('minimum', [a, b], lambda t: torch.minimum(t[0], t[1]))
    # mixed dtypes promote (float32 with float64)
    other = np.float64 if f32 else np.float32
    cases.add('maximum', [ties(3, 4, dtype=dt), ties(4, dtype=other)],
              lambda t: torch.maximum(t[0], t[1]))
    cases.add('where', [rng.random((3, 4)) < 0.5, r(3, 4, dtype=dt), r(4, dtype=other)],
              lambda t: torch.where(t[0], t[1], t[2]))
    # masked_fill broadcasting the mask over a and a over the mask
    cases.add('masked_fill', [r(4, dtype=dt), rng.random((3, 4)) < 0.5],
              lambda t: t[0].masked_fill(t[1], 2.5), params='value=2.5')

    # clamp: values exactly at the bounds, NaN, one-sided, crossed bounds
    at = np.array([-2.0, -0.5, -0.25, 0.0, 0.75, 1.0, nan, inf, -inf], dtype=dt)
    for lo, hi in [(-0.5, 0.75), (-0.5, nan), (nan, 0.75), (0.75, -0.5), (-inf, 0.75), (0.0, 0.0)]:
        kw = {}
        if lo == lo:
            kw['min'] = lo
        if hi == hi:
            kw['max'] = hi
        for x in (at, r(3, 4, dtype=dt), r(0, 2, dtype=dt)):
            cases.add('clamp', [x], lambda t: torch.clamp(t[0], **kw),
                      params='lo=%r hi=%r' % (lo, hi))

    # reductions
    x = r(2, 3, 4, dtype=dt)
    tx = ties(2, 3, 4, dtype=dt)
    for axes, keep in [((), False), ((0,), False), ((1, 2), True), ((-1,), False), ((0, 2), False),
                       ((2, 0), True)]:
        dims = axes if axes else tuple(range(x.ndim))
        for corr in (0, 1, 2):
            cases.add('var', [x],
                      lambda t: torch.var(t[0], dim=dims, correction=corr, keepdim=keep),
                      params=dims_params(axes, keep, correction=corr), rtol=3e-5 if f32 else None)
        for v in (x, tx):
            cases.add('max', [v], lambda t: torch.amax(t[0], dim=dims, keepdim=keep),
                      params=dims_params(axes, keep))
            cases.add('min', [v], lambda t: torch.amin(t[0], dim=dims, keepdim=keep),
                      params=dims_params(axes, keep))
        cases.add('logsumexp', [x * 3], lambda t: torch.logsumexp(t[0], dim=dims, keepdim=keep),
                  params=dims_params(axes, keep))
    # one row of all-equal values, a row with a NaN, a large row, -inf rows
    special = np.array([[2.0, 2.0, 2.0, 2.0], [1.0, nan, 3.0, 0.0], [1000.0, 999.0, 1000.0, -5.0],
                        [-inf, -inf, -inf, -inf], [-inf, 0.0, 1.0, -inf]], dtype=dt)
    for axis in (0, 1):
        for name, fn in [('max', torch.amax), ('min', torch.amin), ('logsumexp', torch.logsumexp)]:
            cases.add(name, [special], lambda t, fn=fn: fn(t[0], dim=(axis,)),
                      params=dims_params((axis,), False))
    cases.add('var', [special[:3]], lambda t: torch.var(t[0], dim=(1,), correction=1),
              params=dims_params((1,), False, correction=1), rtol=3e-5 if f32 else None)
    # 0-d inputs and empty outputs
    s = r(dtype=dt)
    for name, fn in [('max', torch.amax), ('min', torch.amin), ('logsumexp', torch.logsumexp)]:
        cases.add(name, [s], lambda t, fn=fn: fn(t[0], dim=(0,)), params='axes=0 keepdims=0')
        cases.add(name, [r(0, 3, dtype=dt)], lambda t, fn=fn: fn(t[0], dim=(1,)),
                  params='axes=1 keepdims=0')
    cases.add('var', [s], lambda t: torch.var(t[0], dim=(-1,), correction=0, keepdim=True),
              params='axes=-1 keepdims=1 correction=0')
cases.save()
