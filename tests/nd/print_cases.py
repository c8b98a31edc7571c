"""Writes the cases of test_print_numpy.c: random arrays with NumPy's
repr() and str() of each.

usage: print_cases.py OUTDIR

OUTDIR/cases.txt has one line per case:
    NAME DTYPE VIEW NDIM DIM0 DIM1 ...
and OUTDIR/NAME.bin holds the base array's elements in C order, native
endian (bool as one byte, bfloat16 as its 16-bit pattern). The C side
builds the base with nd_from_data, applies VIEW and prints:
    none  the base itself
    T     nd_transpose(a, NULL)              a.T
    rev   nd_slice(a, 0, None, None, -1)     a[::-1]
    step  nd_slice(a, ndim-1, None, None, 2) a[..., ::2]
NAME.repr and NAME.str are repr() and str() of that view, byte for byte.

bfloat16: NumPy has none. Its expected text is NumPy's for float32 values
chosen to print exactly as libnd prints the bfloat16 ones (bf16_strict,
bf16_general), with the dtype name placed by NumPy's own rule (repr_named).
"""
import math
import os
import sys
from decimal import Decimal
from fractions import Fraction

import numpy as np

# ND_PRINT_SEED / ND_PRINT_CASES override these for longer local runs.
SEED = int(os.environ.get('ND_PRINT_SEED', 20240601))
CASES = int(os.environ.get('ND_PRINT_CASES', 700))
DTYPES = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32',
          'uint64', 'float16', 'bfloat16', 'float32', 'float64']
FLOATS = ('float16', 'bfloat16', 'float32', 'float64')


# ---- shapes ----------------------------------------------------------------

def random_shape(rng):
    r = rng.random()
    if r < 0.08:
        return ()
    if r < 0.14:   # summarized: more than 1000 elements
        return [(int(rng.integers(1001, 2500)),), (40, 30), (11, 10, 10),
                (2, 3, 13, 15), (1001, 1), (7, 200)][int(rng.integers(0, 6))]
    ndim = int(rng.integers(1, 5))
    high = 4 if ndim >= 3 else (8 if ndim == 2 else 25)
    shape = [int(rng.integers(1, high + 1)) for _ in range(ndim)]
    if rng.random() < 0.08:
        shape[int(rng.integers(0, ndim))] = 0
    return tuple(shape)


# ---- values ----------------------------------------------------------------

def random_bits(rng, dtype, size):
    """Uniform bit patterns: every exponent, subnormals, nan, inf."""
    width = {'float16': np.uint16, 'float32': np.uint32, 'float64': np.uint64}[dtype]
    info = np.iinfo(width)
    return rng.integers(0, info.max, size, dtype=width, endpoint=True).view(dtype)


def random_floats(rng, dtype, size):
    kind = int(rng.integers(0, 12))
    if kind == 0 and dtype != 'bfloat16':
        return random_bits(rng, dtype, size).astype(np.float64)
    if kind == 1:    # small integers, printed "3."
        values = rng.integers(-20, 21, size).astype(np.float64)
    elif kind == 2:  # quarters: "2.25", "-0.75"
        values = rng.integers(-80, 81, size) / 4.0
    elif kind == 3:  # integers mixed with fractions
        values = np.where(rng.random(size) < 0.5, rng.integers(-9, 10, size),
                          rng.normal(0, 5, size))
    elif kind == 4:  # one wide magnitude: scientific or wide positional
        scale = [1e-6, 1e-3, 0.01, 1, 1e3, 1e5, 1e7, 1e9, 1e20, 1e-30, 1e200, 1e-200][
            int(rng.integers(0, 12))]
        values = rng.normal(0, 1, size) * scale
    elif kind == 5:  # mixed magnitudes: ratio > 1000
        values = rng.normal(0, 1, size) * 10.0 ** rng.integers(-6, 10, size)
    elif kind == 6:  # near the switch points 1e-4, 1e8 and ratio 1000
        picks = np.array([1e-4, 0.99e-4, 1.0001e-4, 1e8, 0.99999999e8, 99999999.5,
                          1000.0, 1000.5, 1.0, 0.5, 999.9, 1e3 + 1e-3, 2.0 ** -14])
        values = rng.choice(picks, size)
    elif kind == 7:  # short decimals: 0.1, 0.25, 123.456
        values = rng.integers(-99999, 100000, size) / 10.0 ** rng.integers(0, 6, size)
    elif kind == 8:  # values with many digits, cut at 8 after the point
        values = rng.random(size) * 10.0 ** rng.integers(-3, 4)
    elif kind == 9:  # powers of two (unequal Dragon4 margins)
        values = np.ldexp(1.0, rng.integers(-24, 40, size)) * rng.choice([1, -1], size)
    elif kind == 10:  # large integers: exact digits to the units
        values = rng.integers(0, 2 ** 24, size).astype(np.float64) * rng.choice([1, 64], size)
    else:
        values = rng.uniform(-1, 1, size) * 10.0 ** int(rng.integers(-2, 6))
    values = np.asarray(values, dtype=np.float64)
    if size and rng.random() < 0.3:
        for _ in range(int(rng.integers(1, 4))):
            values[rng.integers(0, size)] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0])
    return values


def random_ints(rng, dtype, size):
    info = np.iinfo(dtype)
    kind = int(rng.integers(0, 4))
    if kind == 0:
        low, high = max(info.min, -100), min(info.max, 100)
    elif kind == 1:
        low, high = max(info.min, -10 ** 6), min(info.max, 10 ** 6)
    else:
        low, high = info.min, info.max
    values = rng.integers(low, high, size, dtype=dtype, endpoint=True)
    if size and kind == 3:
        values[rng.integers(0, size)] = info.min if rng.random() < 0.5 else info.max
    return values


# ---- bfloat16 ----------------------------------------------------------------

def to_bf16(values):
    """float32 rounded to bfloat16 (nearest, ties to even), as float32."""
    with np.errstate(over='ignore'):
        f = np.asarray(values, dtype=np.float32)
    bits = f.view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    rounded = np.where(np.isnan(f), bits | 0x400000, rounded)
    return rounded.astype(np.uint32).view(np.float32)


def bf16_shortest(v):
    """Dragon4's shortest digits for the finite nonzero bfloat16 value v:
    the fewest significant digits whose decimal lies between the midpoints
    to v's neighbours (ends included when the mantissa is even), the nearer
    one when both roundings qualify (ties to the even digit). Returns the
    decimal as a Fraction (of |v|)."""
    x = Fraction(abs(float(v)))
    m, e = math.frexp(abs(float(v)))   # |v| = m * 2^e, 0.5 <= m < 1
    mantissa, exponent = int(m * 256), e - 8
    if exponent < -133:                # subnormal: fixed exponent
        mantissa, exponent = int(x * 2 ** 133), -133
    gap_high = Fraction(2) ** exponent
    gap_low = gap_high / 2 if mantissa == 128 and exponent > -133 else gap_high
    low, high = x - gap_low / 2, x + gap_high / 2
    if mantissa % 2 == 0:
        inside = lambda c: low <= c <= high
    else:
        inside = lambda c: low < c < high
    top = math.floor(math.log10(abs(float(v))))
    while Fraction(10) ** top > x:
        top -= 1
    while Fraction(10) ** (top + 1) <= x:
        top += 1
    for digits in range(1, 12):
        unit = Fraction(10) ** (top - digits + 1)
        down = (x // unit) * unit
        up = down + unit
        ok = [c for c in (down, up) if inside(c)]
        if len(ok) == 1:
            return ok[0]
        if ok:
            if x - down != up - x:
                return down if x - down < up - x else up
            return down if (down / unit) % 2 == 0 else up
    raise AssertionError(v)


def f32_digits(v):
    """float32 v's shortest digits (NumPy's) as a Fraction of |v|, and how
    many significant digits that is."""
    s = np.format_float_scientific(np.float32(v), unique=True)
    mantissa = s.split('e')[0].lstrip('-').replace('.', '')
    return abs(Fraction(Decimal(s))), len(mantissa)


_strict_cache = {}


def bf16_prints_as_float32(v):
    """True if the bfloat16 value v (held in a float32) has the same
    shortest digits at float32 and bfloat16 precision and they are its
    nearest decimal of that length: then NumPy's float32 text is libnd's
    bfloat16 text in every layout, extra exact digits included."""
    key = float(v)
    if key not in _strict_cache:
        ok = True
        if math.isfinite(key) and key != 0:
            digits, count = f32_digits(v)
            nearest = abs(Fraction(Decimal('%.*e' % (count - 1, key))))
            ok = bf16_shortest(v) == digits and nearest == digits
        _strict_cache[key] = ok
    return _strict_cache[key]


NICE_POOL = None


def nice_pool():
    global NICE_POOL
    if NICE_POOL is None:
        powers = np.ldexp(1.0, np.arange(-20, 30))
        candidates = np.concatenate([np.arange(-300, 301), np.arange(-64, 65) / 8.0, powers,
                                     -powers, [1e-5, 3e-6, 1e10, 2.5e12, 1e-30, 1e30]])
        values = to_bf16(candidates)
        NICE_POOL = np.array([v for v in values if bf16_prints_as_float32(v)], dtype=np.float32)
    return NICE_POOL


def bf16_strict(rng, values):
    """bfloat16 values that every layout prints alike at both precisions."""
    out = to_bf16(values)
    pool = nice_pool()
    for i in range(out.size):
        if not bf16_prints_as_float32(out.flat[i]):
            out.flat[i] = rng.choice(pool)
    return out


def exp_format(values):
    """FloatingFormat's choice of scientific notation for float32 values."""
    finite = values[np.isfinite(values)]
    nonzero = np.abs(finite[finite != 0])
    if nonzero.size == 0:
        return False
    high, low = np.max(nonzero), np.min(nonzero)
    return bool(high >= 1e8 or low < 0.0001 or high / low > 1000.)


def scalar_positional(values):
    """str() of a scalar: positional for 0 and 1e-4 <= |x| < 1e16."""
    with np.errstate(invalid='ignore'):
        a = np.abs(values.astype(np.float64))
        return list((a == 0) | ((a >= 1e-4) & (a < 1e16)))


def bf16_general(rng, shape):
    """Arbitrary bfloat16 values, each shown to NumPy as the float32 nearest
    to its bfloat16 shortest digits (whose float32 shortest digits are the
    same). Valid only where no digits beyond the shortest are printed:
    positional with |v| < 256 (the shortest digits reach the units), or a
    lone element. Returns (bfloat16 values, float32 stand-ins) or None."""
    size = int(np.prod(shape, dtype=np.int64))
    if size == 1:
        values = to_bf16(rng.normal(0, 1, 1) * 10.0 ** rng.integers(-40, 39))
    else:
        values = to_bf16(rng.uniform(-1, 1, size) * [0.5, 4, 40, 250][int(rng.integers(0, 4))])
        if size and rng.random() < 0.3:
            values[rng.integers(0, size)] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0])
    stand_in = values.copy()
    for i in range(size):
        v = values[i]
        if math.isfinite(v) and v != 0:
            s = bf16_shortest(v)
            stand_in[i] = np.float32(math.copysign(float(s), float(v)))
            if f32_digits(stand_in[i])[0] != s:
                return None
    exp = exp_format(values)
    if exp != exp_format(stand_in) or (exp and size > 1):
        return None
    finite = np.abs(values[np.isfinite(values)])
    if not exp and finite.size and finite.max() >= 256:
        return None
    if scalar_positional(values) != scalar_positional(stand_in):
        return None
    return values.reshape(shape), stand_in.reshape(shape)


# ---- cases -------------------------------------------------------------------

def apply_view(a, view):
    if view == 'T':
        return a.T
    if view == 'rev':
        return a[::-1]
    if view == 'step':
        return a[..., ::2]
    return a


def make_case(rng, dtype):
    """Returns (the array libnd gets, the array NumPy prints): the same
    array except for bfloat16, whose stand-in NumPy prints as float32."""
    shape = random_shape(rng)
    size = int(np.prod(shape, dtype=np.int64))
    if dtype == 'bool':
        base = rng.random(size) < 0.5
    elif dtype.startswith(('int', 'uint')):
        base = random_ints(rng, dtype, size)
    elif dtype == 'bfloat16':
        if rng.random() < 0.5:
            pair = bf16_general(rng, shape)
            if pair is not None:
                return pair
        return (bf16_strict(rng, random_floats(rng, dtype, size)).reshape(shape),) * 2
    else:
        with np.errstate(all='ignore'):
            base = random_floats(rng, dtype, size).astype(dtype)
    base = np.asarray(base, dtype=dtype).reshape(shape)
    return base, base


def repr_named(a, dtype_name):
    """repr(a) for a float32 array a, as NumPy's _array_repr_implementation
    writes it for a dtype called dtype_name: array2string with the prefix
    and suffix, then " dtype=...)" on the last line or, if it would pass 75
    characters, on a new line (the name's length matters)."""
    if a.size > 0 or a.shape == (0,):
        body = np.array2string(a, separator=', ', prefix='array(', suffix=',')
    else:
        body = '[], shape=%r' % (a.shape,)
    text = 'array(' + body + ','
    dtype = 'dtype=%s)' % dtype_name
    last_line = len(text) - (text.rfind('\n') + 1)
    return text + ('\n      ' if last_line + len(dtype) + 1 > 75 else ' ') + dtype


def write_case(outdir, name, dtype, view, base, shown):
    if dtype == 'bfloat16':
        raw = (np.ascontiguousarray(base, dtype=np.float32).view(np.uint32) >> 16).astype(np.uint16)
    else:
        raw = np.ascontiguousarray(base)
    with open(os.path.join(outdir, name + '.bin'), 'wb') as f:
        f.write(raw.tobytes())
    shown = apply_view(shown, view)
    text = {'repr': repr(shown), 'str': str(shown)}
    if dtype == 'bfloat16':
        assert repr_named(shown, 'float32') == text['repr']
        text['repr'] = repr_named(shown, 'bfloat16')
    for kind, value in text.items():
        with open(os.path.join(outdir, name + '.' + kind), 'w') as f:
            f.write(value)
    dims = ' '.join(str(d) for d in base.shape)
    return f'{name} {dtype} {view} {base.ndim} {dims}'.rstrip()


def main(outdir):
    rng = np.random.default_rng(SEED)
    lines = []
    for index in range(CASES):
        if index < 4 * len(DTYPES):
            dtype = DTYPES[index % len(DTYPES)]
        elif rng.random() < 0.6:   # floats are where printing is hard
            dtype = FLOATS[int(rng.integers(0, len(FLOATS)))]
        else:
            dtype = DTYPES[int(rng.integers(0, len(DTYPES)))]
        base, shown = make_case(rng, dtype)
        view = 'none'
        if base.ndim >= 1 and rng.random() < 0.3:
            view = ['T', 'rev', 'step'][int(rng.integers(0, 3))]
        lines.append(write_case(outdir, f'case{index:04d}', dtype, view, base, shown))
    with open(os.path.join(outdir, 'cases.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
