"""Generates the differential cases for libnd's compute functions.

Usage: gen_op_cases.py OUTDIR [SEED]

Writes OUTDIR/cases.txt and the .npy files it names. Each line of
cases.txt is one case, tab-separated:

    id  op  inputs  params  expect

  inputs  space-separated `file.npy` or `file.npy|VIEW`, VIEW a
          comma-separated list of steps the C runner applies in order:
          `T` (reverse the axes), `r<axis>` (reverse an axis, [::-1]),
          `s<axis>:<start>:<stop>:<step>` (slice); `-` is a NULL argument.
  params  space-separated key=value: axes=0,2 keepdims=1 ddof=1 axis=-1
          and the tolerance rtol=... atol=... for float results.
  expect  `file.npy` (dtype, shape and values must match) or `!message`
          (the call must fail with exactly that message).

The C runner (tests/nd/test_ops_vs_numpy.c) computes each case with libnd
and compares. Run with /usr/bin/python3 (Debian's numpy 1.24).
"""
import math
import os
import re
import sys
import warnings

import numpy as np

warnings.simplefilter('ignore')   # NumPy's RuntimeWarnings are expected here
OUT = sys.argv[1]
rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 20261125)
lines = []
counter = [0]

INTS = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']
FLOATS = ['float16', 'float32', 'float64']
ALL = ['bool'] + INTS + FLOATS

EPS = {'float16': 2.0 ** -10, 'float32': 2.0 ** -23, 'float64': 2.0 ** -52}


def save(a):
    counter[0] += 1
    name = 'a%d.npy' % counter[0]
    np.save(os.path.join(OUT, name), a)
    return name


def values(dtype, shape, kind='normal'):
    """Random values of a dtype; `kind` picks ranges that keep an op's
    interesting region (small ints for shifts and powers, positive for
    logs) while still including NaN/inf/0 for floats sometimes."""
    if dtype == 'bool':
        return rng.integers(0, 2, shape).astype(bool)
    if dtype in INTS:
        info = np.iinfo(dtype)
        if kind == 'small':
            lo, hi = max(info.min, -3), min(info.max, 6)
        elif kind == 'wide':
            lo, hi = info.min, info.max
        else:
            lo, hi = max(info.min, -120), min(info.max, 120)
        return rng.integers(lo, hi, shape, endpoint=True, dtype=np.int64 if dtype != 'uint64' else np.uint64).astype(dtype)
    scale = {'small': 2.0, 'positive': 3.0, 'unit': 0.9}.get(kind, 10.0)
    a = rng.standard_normal(shape) * scale
    if kind == 'positive':
        a = np.abs(a) + 0.01
    if kind == 'unit':
        a = np.clip(a, -0.99, 0.99)
    a = a.astype(dtype)
    if a.size and kind == 'normal' and rng.random() < 0.3:
        flat = a.reshape(-1)
        for special in (np.nan, np.inf, -np.inf, 0.0, -0.0):
            if rng.random() < 0.5:
                flat[rng.integers(0, flat.size)] = special
    return a


SHAPES_1 = [(), (1,), (5,), (0,), (3, 4), (2, 3, 4), (4, 1, 3), (1, 0), (7, 13), (2, 1, 3, 2)]
# pairs that broadcast
SHAPE_PAIRS = [((), ()), ((5,), ()), ((), (5,)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)),
               ((0,), (1,)), ((2, 0, 3), (3,)), ((1,), (6,)), ((4, 5), (4, 5)), ((3, 1, 5), (1, 2, 1)),
               ((64, 33), (33,))]


def with_view(a):
    """Sometimes a non-contiguous view: returns (base array to save, view
    spec, the numpy view)."""
    choice = rng.random()
    if a.ndim >= 2 and choice < 0.2:
        base = np.ascontiguousarray(a.T)        # a == base.T
        return base, 'T', base.T
    if a.ndim >= 1 and choice < 0.35:
        base = np.ascontiguousarray(a[::-1])    # a == base[::-1]
        return base, 'r0', base[::-1]
    if a.ndim >= 1 and choice < 0.45:
        # a == base[::2] along the last axis
        shape = a.shape[:-1] + (a.shape[-1] * 2,)
        base = np.zeros(shape, a.dtype)
        base[..., ::2] = a
        return base, 's%d::%s:2' % (a.ndim - 1, ''), base[..., ::2]
    return a, '', a


def operand(a):
    base, view, v = with_view(a)
    name = save(base)
    spec = name + ('|' + view if view else '')
    return spec, v


def tolerance(op, dtypes, result):
    if result.dtype.kind not in 'f':
        return ''
    eps = EPS[str(result.dtype)]
    rtol = {'float16': 2e-3, 'float32': 4e-6, 'float64': 1e-13}[str(result.dtype)]
    transcendental = op in ('exp', 'exp2', 'expm1', 'log', 'log2', 'log10', 'log1p', 'sin', 'cos', 'tan',
                            'arcsin', 'arccos', 'arctan', 'sinh', 'cosh', 'tanh', 'arcsinh', 'arccosh',
                            'arctanh', 'cbrt', 'power', 'arctan2', 'hypot', 'logsumexp', 'erf')
    if transcendental:
        rtol *= 4
    return 'rtol=%g atol=%g' % (rtol, eps * 4 if op not in ('power',) else eps * 16)


def add_case(op, inputs, params, expected, tol=''):
    ident = len(lines)
    if isinstance(expected, Exception):
        expect = '!' + str(expected)
    else:
        expect = save(np.asarray(expected))
    p = ' '.join(x for x in (params, tol) if x)
    lines.append('%d\t%s\t%s\t%s\t%s' % (ident, op, ' '.join(inputs), p, expect))


def run(fn):
    try:
        with np.errstate(all='ignore'):
            return fn()
    except Exception as e:  # noqa: BLE001 - the message is the expectation
        return e


# ---- the op list ---------------------------------------------------------------
# libnd's elementwise ops are the rows of libnd/src/ops/elementwise.def, the
# list elementwise.c and the C tests include: a case for every row.
DEF = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'libnd', 'src', 'ops',
                   'elementwise.def')


def erf(a):
    """numpy.erf does not exist (it is scipy.special.erf): math.erf of each
    element, in the dtype NumPy's float functions give (int8 -> float16)."""
    a = np.asarray(a)
    dtype = np.sqrt(np.zeros(1, a.dtype)).dtype
    flat = [math.erf(float(x)) for x in a.astype(np.float64).reshape(-1)]
    return np.array(flat, np.float64).reshape(a.shape).astype(dtype)


def numpy_function(name):
    return erf if name == 'erf' else getattr(np, name)


ROWS = re.findall(r'^ND_(BINARY|UNARY)\w*\((\w+), (\w+), \w+\)', open(DEF).read(), flags=re.M)
assert ROWS, 'no rows in ' + DEF
BINARY = {name: numpy_function(numpy_name) for kind, name, numpy_name in ROWS if kind == 'BINARY'}
UNARY = {name: numpy_function(numpy_name) for kind, name, numpy_name in ROWS if kind == 'UNARY'}

# ---- binary ufuncs --------------------------------------------------------------
for op, fn in BINARY.items():
    for _ in range(40):
        da, db = rng.choice(ALL), rng.choice(ALL)
        if rng.random() < 0.5:
            db = da
        sa, sb = SHAPE_PAIRS[rng.integers(len(SHAPE_PAIRS))]
        kind = 'small' if op in ('power', 'left_shift', 'right_shift') else 'normal'
        a, b = values(da, sa, kind), values(db, sb, kind)
        if op == 'power' and db in INTS and rng.random() < 0.8:
            b = np.abs(b).astype(db)
        ia, va = operand(a)
        ib, vb = operand(b)
        r = run(lambda: fn(va, vb))
        add_case(op, [ia, ib], '', r, '' if isinstance(r, Exception) else tolerance(op, (da, db), np.asarray(r)))

# mismatched shapes: NumPy's message
for op in ('add', 'multiply', 'less'):
    for sa, sb in [((2, 3), (4,)), ((3,), (4,)), ((2, 1, 5), (3, 4))]:
        ia, va = operand(values('float32', sa))
        ib, vb = operand(values('float32', sb))
        add_case(op, [ia, ib], '', run(lambda: BINARY[op](va, vb)))

# _out forms, including out aliasing an input (a += b) and casting into out
for op in ('add', 'subtract', 'multiply', 'divide', 'maximum', 'power', 'mod'):
    for _ in range(12):
        dt = rng.choice(['int32', 'int64', 'float32', 'float64', 'int8', 'float16'])
        shape = [(3, 4), (5,), (2, 3, 4), (0, 3), (64, 33)][rng.integers(5)]
        a = values(dt, shape, 'small')
        b = values(dt, shape[-1:] if rng.random() < 0.5 else shape, 'small')
        if op == 'power':
            b = np.abs(b).astype(dt)
        ia, va = operand(a)
        ib, vb = operand(b)
        alias = rng.random() < 0.5
        if alias:
            def compute(va=va, vb=vb):
                x = va.copy()
                BINARY[op](x, vb, out=x)
                return x
            add_case(op + '_inplace', [ia, ib], '', run(compute),
                     tolerance(op, (dt,), np.asarray(va)))
        else:
            out_dt = rng.choice(['float64', 'int64', 'float32', 'int8'])
            out = np.zeros(np.broadcast_shapes(a.shape, b.shape), out_dt)
            io = save(out)

            def compute(va=va, vb=vb, out=out):
                o = out.copy()
                BINARY[op](va, vb, out=o)
                return o
            r = run(compute)
            # The tolerance of the coarser of the compute dtype and out's: a
            # float32 power written into a float64 out has float32's error.
            computed = run(lambda: BINARY[op](va, vb))
            tol_of = np.asarray(r)
            if not isinstance(r, Exception) and not isinstance(computed, Exception) and \
                    computed.dtype.kind == tol_of.dtype.kind == 'f' and \
                    np.finfo(computed.dtype).eps > np.finfo(tol_of.dtype).eps:
                tol_of = computed
            add_case(op + '_out', [ia, ib, io], '', r,
                     '' if isinstance(r, Exception) else tolerance(op, (dt,), tol_of))

# overlapping in-place: a[1:] + a[:-1] into a[1:] (NumPy copies the input first)
for _ in range(10):
    dt = rng.choice(['int32', 'float64', 'float32'])
    n = int(rng.integers(2, 50))
    a = values(dt, (n,), 'small')
    ia = save(a)
    x = a.copy()
    np.add(x[1:], x[:-1], out=x[1:])
    add_case('add_overlap', [ia], '', x, tolerance('add', (dt,), x))

# ---- unary ufuncs ---------------------------------------------------------------
for op, fn in UNARY.items():
    for _ in range(24):
        dt = rng.choice(ALL)
        shape = SHAPES_1[rng.integers(len(SHAPES_1))]
        kind = {'log': 'positive', 'log2': 'positive', 'log10': 'positive', 'sqrt': 'positive',
                'arcsin': 'unit', 'arccos': 'unit', 'arctanh': 'unit', 'exp': 'small',
                'exp2': 'small', 'expm1': 'small', 'sinh': 'small', 'cosh': 'small'}.get(op, 'normal')
        if rng.random() < 0.2:
            kind = 'normal'     # domain errors give NaN: compared too
        a = values(dt, shape, kind)
        if op == 'reciprocal' and dt in INTS + ['bool']:
            a[a == 0] = 1       # integer 1/0 is platform-defined in NumPy
        ia, va = operand(a)
        r = run(lambda: fn(va))
        add_case(op, [ia], '', r, '' if isinstance(r, Exception) else tolerance(op, (dt,), np.asarray(r)))

# ---- where and clip -------------------------------------------------------------
for _ in range(60):
    dc, da, db = rng.choice(['bool', 'int8', 'float32']), rng.choice(ALL), rng.choice(ALL)
    sc, sa, sb = [[(3, 4), (4,), (3, 4)], [(5,), (), (5,)], [(2, 1, 3), (4, 3), (1,)], [(0,), (0,), ()]][rng.integers(4)]
    c, a, b = values(dc, sc, 'small'), values(da, sa), values(db, sb)
    ic, vc = operand(c)
    ia, va = operand(a)
    ib, vb = operand(b)
    add_case('where', [ic, ia, ib], '', run(lambda: np.where(vc, va, vb)))
for _ in range(60):
    dt = rng.choice(INTS + FLOATS)
    shape = [(3, 4), (7,), (2, 3, 4), (0,)][rng.integers(4)]
    a = values(dt, shape)
    lo = values(dt, (), 'small')
    hi = (lo + values(dt, shape[-1:], 'small') % 5).astype(dt) if rng.random() < 0.5 else values(dt, (), 'small')
    ia, va = operand(a)
    choice = rng.integers(3)
    ilo = save(lo) if choice != 1 else '-'
    ihi = save(np.asarray(hi)) if choice != 2 else '-'
    r = run(lambda: np.clip(va, lo if choice != 1 else None, hi if choice != 2 else None))
    add_case('clip', [ia, ilo, ihi], '', r)

# where and clip into an out of another dtype: the ufuncs' out= rule (the
# result casts into out by 'same_kind', else NumPy's error)
for op in ('where', 'clip'):
    for _ in range(12):
        dt = rng.choice(['int32', 'float32', 'float64', 'int8'])
        shape = [(3, 4), (7,), (2, 3, 4)][rng.integers(3)]
        a, b = values(dt, shape, 'small'), values(dt, shape[-1:], 'small')
        ia, va = operand(a)
        ib, vb = operand(b)
        out = np.zeros(shape, rng.choice(['float64', 'int64', 'float32']))
        io = save(out)
        if op == 'where':
            ic, vc = operand(values('bool', shape))
            inputs, r = [ic, ia, ib], run(lambda: np.where(vc, va, vb))
        else:
            inputs, r = [ia, ib, '-'], run(lambda: np.clip(va, vb, None))
        if op == 'clip':
            def compute(out=out):
                o = out.copy()
                np.clip(va, vb, None, out=o)
                return o
            r = run(compute)
        elif not np.can_cast(r.dtype, out.dtype, 'same_kind'):
            # numpy.where has no out=; libnd's follows the ufuncs' rule
            r = TypeError("Cannot cast ufunc 'where' output from dtype('%s') to dtype('%s') with "
                          "casting rule 'same_kind'" % (r.dtype, out.dtype))
        else:
            o = out.copy()
            o[...] = r
            r = o
        add_case(op + '_out', inputs + [io], '', r)

# ---- reductions -----------------------------------------------------------------
REDUCE = {'sum': np.sum, 'prod': np.prod, 'mean': np.mean, 'max': np.max, 'min': np.min,
          'any': np.any, 'all': np.all, 'count_nonzero': None, 'var': np.var, 'std': np.std,
          'logsumexp': None}


def logsumexp(a, axis, keepdims):
    a = a.astype(np.float64) if a.dtype.kind != 'f' else a
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, np.zeros((), m.dtype))
    r = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)


RED_SHAPES = [(5,), (3, 4), (2, 3, 4), (4, 1, 5), (0, 3), (3, 0), (1,), (), (33, 65), (6, 2, 3, 2)]
for op, fn in REDUCE.items():
    for _ in range(45):
        dt = rng.choice(ALL)
        shape = RED_SHAPES[rng.integers(len(RED_SHAPES))]
        kind = 'unit' if op == 'prod' and dt in FLOATS else ('small' if op in ('prod',) else 'normal')
        if op in ('var', 'std', 'mean', 'logsumexp') and dt in FLOATS and rng.random() < 0.7:
            kind = 'small'
        a = values(dt, shape, kind)
        nd = a.ndim
        if nd == 0 or rng.random() < 0.25:
            axes = ()
        else:
            k = int(rng.integers(1, nd + 1))
            axes = tuple(int(x) for x in rng.choice(nd, k, replace=False))
            axes = tuple(x - nd if rng.random() < 0.3 else x for x in axes)
        keep = bool(rng.random() < 0.4)
        ddof = int(rng.integers(0, 2)) if op in ('var', 'std') else 0
        ia, va = operand(a)
        ax = None if not axes else axes

        def compute():
            if op == 'count_nonzero':
                return np.asarray(np.count_nonzero(va, axis=ax, keepdims=keep), dtype=np.int64)
            if op == 'logsumexp':
                return logsumexp(va, ax, keep)
            if op in ('var', 'std'):
                return fn(va, axis=ax, ddof=ddof, keepdims=keep)
            return fn(va, axis=ax, keepdims=keep)
        r = run(compute)
        params = 'axes=%s keepdims=%d ddof=%d' % (','.join(map(str, axes)) or '-', keep, ddof)
        tol = ''
        if not isinstance(r, Exception):
            r = np.asarray(r)
            if r.dtype.kind == 'f':
                # NumPy's own summation error: eps * sum|x| per output, more
                # for float16, which NumPy accumulates in float16 across rows.
                n = max(1, a.size // max(1, r.size))
                scale = float(np.nanmax(np.abs(va[np.isfinite(va)]))) if va.size and np.isfinite(va).any() and va.dtype.kind == 'f' else 1.0
                eps = EPS[str(r.dtype)]
                atol = eps * n * scale * (4 if dt == 'float16' else 2) + eps
                if op in ('var', 'std'):
                    atol *= scale + 1
                tol = 'rtol=%g atol=%g' % (EPS[str(r.dtype)] * 64, atol)
        add_case(op, [ia], params, r, tol)

# duplicate and out-of-range axes
for axes in [(0, 0), (2,), (-3,)]:
    ia, va = operand(values('float32', (3, 4)))
    add_case('sum', [ia], 'axes=%s keepdims=0 ddof=0' % ','.join(map(str, axes)),
             run(lambda: np.sum(va, axis=axes)))
# max of an empty selection
ia, va = operand(values('float32', (0, 3)))
add_case('max', [ia], 'axes=0 keepdims=0 ddof=0', run(lambda: np.max(va, axis=0)))

for op in ('argmax', 'argmin'):
    fn = getattr(np, op)
    for _ in range(60):
        dt = rng.choice(ALL)
        shape = [(5,), (3, 4), (2, 3, 4), (4, 1, 5), (33, 65), (1,), (7, 0), (0, 3)][rng.integers(8)]
        a = values(dt, shape, 'small' if rng.random() < 0.5 else 'normal')
        axis = int(rng.integers(-a.ndim, a.ndim))
        ia, va = operand(a)
        add_case(op, [ia], 'axis=%d' % axis, run(lambda: fn(va, axis=axis)))

for op in ('cumsum', 'cumprod'):
    fn = getattr(np, op)
    for _ in range(40):
        dt = rng.choice(ALL)
        shape = [(5,), (3, 4), (2, 3, 4), (0, 3), (17, 5)][rng.integers(5)]
        a = values(dt, shape, 'unit' if op == 'cumprod' and dt in FLOATS else 'small')
        axis = int(rng.integers(-a.ndim, a.ndim))
        ia, va = operand(a)
        r = run(lambda: fn(va, axis=axis))
        tol = ''
        if not isinstance(r, Exception) and r.dtype.kind == 'f':
            tol = 'rtol=%g atol=%g' % (EPS[str(r.dtype)] * 32, EPS[str(r.dtype)] * 32 * (1 + shape[axis]))
        add_case(op, [ia], 'axis=%d' % axis, r, tol)

with open(os.path.join(OUT, 'cases.txt'), 'w') as f:
    f.write('\n'.join(lines) + '\n')
print('%d cases' % len(lines))
