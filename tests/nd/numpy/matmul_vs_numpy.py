"""Differential test of the products (matmul, matmul_out, dot, vdot, outer,
inner, tensordot, einsum) against NumPy 1.24: thousands of random cases
over every dtype pair family, operands that are C-contiguous, transposed,
strided, reversed (negative strides) or broadcast views, 0-size and size-1
axes, batch broadcasting, and the error texts of shape mismatches.

Integers and bool must match NumPy exactly (wrap-around included). Floats
are compared with the float64 product of the same (already cast) inputs,
within a tolerance relative to the float64 product of the absolute values
(the natural scale of a rounding error in a sum of products). bfloat16 has
no NumPy dtype: its values travel as bit patterns and are checked the
same way against float64."""
import ctypes
import random
import sys

import libnd
import numpy as np
from libnd import I64, INT, NONE, P

FLOATS = ['float16', 'bfloat16', 'float32', 'float64']
INTS = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']
ALL = ['bool'] + INTS + FLOATS
# Relative tolerance per result dtype: a few units of the result's rounding
# plus the accumulation error of sums of up to a few hundred terms.
TOLERANCE = {'float16': 2e-3, 'bfloat16': 1.6e-2, 'float32': 2e-5, 'float64': 1e-12}
# float16 results below 2^-14 are subnormal: their rounding error is absolute.
ABSOLUTE = {'float16': 2.0**-24, 'bfloat16': 0, 'float32': 0, 'float64': 0}


def to_bfloat16(x):
    """float values -> (bfloat16 bit patterns, the values they hold), round to nearest even."""
    x = np.asarray(x, dtype=np.float32)
    bits = x.reshape(-1).view(np.uint32).astype(np.uint64)
    half, one = np.uint64(16), np.uint64(1)
    rounded = ((bits + np.uint64(0x7FFF) + ((bits >> half) & one)) >> half).astype(np.uint16)
    rounded = rounded.reshape(x.shape)
    wide = (rounded.astype(np.uint32).reshape(-1) << np.uint32(16))
    return rounded, wide.view(np.float32).astype(np.float64).reshape(rounded.shape)


class Harness:
    def __init__(self, lib_path, seed):
        self.lib = lib = libnd.load(lib_path)
        for name, restype, argtypes in [
                ('nd_matmul', P, [P, P]), ('nd_matmul_out', INT, [P, P, P]),
                ('nd_dot', P, [P, P]), ('nd_vdot', P, [P, P]), ('nd_outer', P, [P, P]),
                ('nd_inner', P, [P, P]), ('nd_tensordot', P, [P, P, INT, P, P]),
                ('nd_einsum', P, [ctypes.c_char_p, INT, P]), ('nd_dtype_of', INT, [P]),
                ('nd_broadcast_to', P, [P, INT, P]), ('nd_zeros', P, [INT, INT, P])]:
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = restype, argtypes
        self.rng = random.Random(seed)
        self.nprng = np.random.default_rng(seed)
        self.failures = 0
        self.cases = 0

    def fail(self, *what):
        self.failures += 1
        if self.failures <= 30:
            print('MISMATCH', *what)

    # ---- operands ----------------------------------------------------------------

    def values(self, dtype, shape):
        """(typed values for NumPy or bf16 bits, float64/int reference of them)."""
        r = self.nprng
        if dtype == 'bool':
            v = np.asarray(r.random(shape) < 0.5)
            return v, v
        if dtype in INTS:
            info = np.iinfo(dtype)
            small = self.rng.random() < 0.5
            lo, hi = (-5 if info.min < 0 else 0, 6) if small else (info.min, info.max)
            v = np.asarray(r.integers(lo, hi, size=shape, dtype=dtype, endpoint=True))
            return v, v
        if dtype == 'bfloat16':
            return to_bfloat16(np.asarray(r.standard_normal(shape)))
        v = np.asarray(r.standard_normal(shape)).astype(dtype)
        return v, v

    def handle(self, typed, dtype):
        """A new libnd array holding `typed` (C order)."""
        a = np.ascontiguousarray(typed) if typed.ndim else np.array(typed)
        shape = (I64 * max(a.ndim, 1))(*a.shape)
        return self.lib.nd_from_data(libnd.CODE[dtype], a.ndim, shape, a.ctypes.data)

    def operand(self, dtype, shape, plain=False):
        """A random view of the given shape: (handle, reference values, typed values).
        The view is built the same way in NumPy and libnd: a transpose of a
        bigger base, then slices with steps 2, -1 or -2 on some axes, or a
        broadcast of a smaller array."""
        lib, rng = self.lib, self.rng
        nd = len(shape)
        kind = 'plain' if plain or nd == 0 else rng.choice(['plain', 'plain', 'view', 'view',
                                                            'broadcast'])
        if kind == 'broadcast':
            small = [1 if rng.random() < 0.4 else s for s in shape]
            drop = rng.randint(0, nd)
            small = small[drop:]
            typed, ref = self.values(dtype, small)
            h0 = self.handle(typed, dtype)
            h = lib.nd_broadcast_to(h0, nd, (I64 * nd)(*shape))
            lib.nd_free(h0)
            return h, np.broadcast_to(ref, shape), np.broadcast_to(typed, shape)
        perm = list(range(nd))
        steps = [1] * nd
        if kind == 'view':
            rng.shuffle(perm)
            steps = [rng.choice([1, 1, 2, -1, -2]) for _ in range(nd)]
        sliced_shape = [s * abs(st) for s, st in zip(shape, steps)]
        base_shape = [0] * nd
        for i, p in enumerate(perm):
            base_shape[p] = sliced_shape[i]
        typed, ref = self.values(dtype, base_shape)
        h = self.handle(typed, dtype)
        if perm != list(range(nd)):
            t = lib.nd_transpose(h, (INT * nd)(*perm))
            lib.nd_free(h)
            h = t
            typed, ref = typed.transpose(perm), ref.transpose(perm)
        for axis, st in enumerate(steps):
            if st != 1:
                s = lib.nd_slice(h, axis, NONE, NONE, st)
                lib.nd_free(h)
                h = s
                index = [slice(None)] * nd
                index[axis] = slice(None, None, st)
                typed, ref = typed[tuple(index)], ref[tuple(index)]
        assert list(typed.shape) == list(shape), (typed.shape, shape)
        return h, ref, typed

    def result(self, h, dtype):
        """Values of a result handle as float64 (bf16 decoded) or exact ints."""
        if dtype == 'bfloat16':
            bits, shape, _ = libnd.to_numpy(self.lib, h, 'uint16')
            wide = (bits.astype(np.uint32).reshape(-1) << np.uint32(16))
            return wide.view(np.float32).astype(np.float64).reshape(bits.shape)
        return libnd.to_numpy(self.lib, h, dtype)[0]

    # ---- checking ----------------------------------------------------------------

    def expected_dtype(self, numpy_fn, dtypes, typed, plain):
        if 'bfloat16' in dtypes or plain:
            code = libnd.CODE[dtypes[0]]
            for d in dtypes[1:]:
                code = self.lib.nd_result_type(code, libnd.CODE[d])
            return libnd.DTYPES[code]
        return str(numpy_fn(*typed).dtype)

    @staticmethod
    def cast_reference(ref, typed, dtype, result_dtype):
        """The input as the product sees it: cast to the result dtype, in float64."""
        if result_dtype in INTS or result_dtype == 'bool':
            return typed.astype(result_dtype)
        if result_dtype == 'bfloat16':
            return to_bfloat16(ref.astype(np.float64))[1] if dtype != 'bfloat16' else ref
        if dtype == 'bfloat16':
            return ref.astype(result_dtype).astype(np.float64)
        return typed.astype(result_dtype).astype(np.float64)

    def check(self, what, numpy_fn, nd_fn, dtypes, handles, refs, typed, plain=False):
        """Calls both; compares errors, dtype, shape and values. plain: the
        result dtype is the plain result_type table of the operands' dtypes
        (libnd's einsum, until it takes NumPy's value-based rule for 0-d
        operands), not what NumPy returns."""
        self.cases += 1
        lib = self.lib
        error = None
        try:
            if 'bfloat16' in dtypes:   # NumPy's shape checks on float stand-ins
                numpy_fn(*[np.asarray(r, dtype=np.float32) for r in refs])
            else:
                numpy_fn(*typed)
        except (ValueError, IndexError) as e:
            error = str(e)
        h = nd_fn(*handles)
        if error is not None:
            message = lib.nd_last_error().decode()
            if h or message != error:
                self.fail(what, 'error', repr(error), repr(message))
            lib.nd_free(h)
            return
        if not h:
            self.fail(what, 'NULL:', lib.nd_last_error().decode())
            return
        rdt = self.expected_dtype(numpy_fn, dtypes, typed, plain)
        got_dt = libnd.DTYPES[lib.nd_dtype_of(h)]
        if got_dt != rdt:
            self.fail(what, 'dtype', rdt, got_dt)
            lib.nd_free(h)
            return
        got = self.result(h, rdt)
        lib.nd_free(h)
        cast = [self.cast_reference(r, t, d, rdt) for r, t, d in zip(refs, typed, dtypes)]
        if rdt in FLOATS:
            exact = np.asarray(numpy_fn(*cast), dtype=np.float64)
            scale = np.asarray(numpy_fn(*[np.abs(c) for c in cast]), dtype=np.float64)
            if got.shape != exact.shape:
                self.fail(what, 'shape', exact.shape, got.shape)
            elif not np.all(np.abs(got - exact) <= TOLERANCE[rdt] * scale + ABSOLUTE[rdt] + 1e-30):
                worst = np.max(np.abs(got - exact) / (scale + 1e-30))
                self.fail(what, rdt, 'relative error', worst)
        else:
            exact = np.asarray(numpy_fn(*cast))
            if got.shape != exact.shape or not np.array_equal(got, exact.astype(rdt)):
                self.fail(what, rdt, 'values differ', got.shape, exact.shape)

    def run(self, what, numpy_fn, nd_fn, dtypes, shapes, plain_dtype=False):
        ops = [self.operand(d, s) for d, s in zip(dtypes, shapes)]
        handles = [o[0] for o in ops]
        self.check(what + (dtypes, shapes), numpy_fn, nd_fn, dtypes, handles,
                   [o[1] for o in ops], [o[2] for o in ops], plain_dtype)
        for h in handles:
            self.lib.nd_free(h)

    # ---- random shapes -------------------------------------------------------------

    def dim(self):
        return self.rng.choice([0, 1, 1, 2, 3, 3, 4, 5, 7, 16, 33])

    def dtypes2(self):
        rng = self.rng
        a = rng.choice(ALL)
        b = a if rng.random() < 0.6 else rng.choice(ALL)
        return [a, b]

    def batch(self, n):
        return [self.rng.choice([1, 2, 3]) for _ in range(n)]


def test_matmul(t):
    rng = t.rng
    for _ in range(900):
        m, n, k = t.dim(), t.dim(), t.dim()
        if rng.random() < 0.05:
            m, n, k = rng.choice([(64, 65, 130), (1, 300, 257), (200, 1, 100), (129, 127, 1)])
        da, db = rng.randint(1, 4), rng.randint(1, 4)
        batch = t.batch(max(da, db) - 2)
        sa = (batch[len(batch) - (da - 2):] if da > 2 else []) + ([m, k] if da >= 2 else [k])
        sb = (batch[len(batch) - (db - 2):] if db > 2 else []) + ([k, n] if db >= 2 else [k])
        sa = [1 if (i < da - 2 and rng.random() < 0.3) else s for i, s in enumerate(sa)]
        if rng.random() < 0.06:   # a mismatch: k, or a batch axis
            if rng.random() < 0.5 or db < 3:
                sb[-2 if db >= 2 else 0] += 1
            else:
                sb[0] = 4
        if rng.random() < 0.01:
            sa = []
        t.run(('matmul',), np.matmul, t.lib.nd_matmul, t.dtypes2(), [sa, sb])


def test_matmul_out(t):
    """out of the exact shape (any view of it, any same_kind dtype), and out
    aliasing an input."""
    lib, rng = t.lib, t.rng
    for _ in range(200):
        m, n, k, bt = t.dim(), t.dim(), t.dim(), rng.choice([[], [2], [3, 1]])
        dt = rng.choice(['int16', 'int64', 'float32', 'float64', 'float16'])
        out_dt = rng.choice([dt, 'float64', 'float32'])
        ha, ra, ta = t.operand(dt, bt + [m, k])
        hb, rb, tb = t.operand(dt, [k, n])
        shape = bt + [m, n]
        ho, _, _ = t.operand(out_dt, shape, plain=rng.random() < 0.5)
        # broadcast views are read-only: use a fresh zeros array then
        if lib.nd_matmul_out(ha, hb, ho) != 0:
            error = lib.nd_last_error().decode()
            if 'read-only' not in error:
                t.fail('matmul_out', error)
            lib.nd_free(ho)
            ho = lib.nd_zeros(libnd.CODE[out_dt], len(shape), (I64 * max(len(shape), 1))(*shape))
            if lib.nd_matmul_out(ha, hb, ho) != 0:
                t.fail('matmul_out', lib.nd_last_error().decode())
        t.cases += 1
        want = np.matmul(ta, tb)
        try:
            want = want.astype(out_dt)
        except TypeError:
            pass
        got = libnd.to_numpy(lib, ho, out_dt)[0]
        if not np.allclose(got.astype(np.float64), want.astype(np.float64), rtol=2e-3, atol=2e-2):
            t.fail('matmul_out values', dt, out_dt, shape)
        for h in (ha, hb, ho):
            lib.nd_free(h)
    # out aliasing an input: x = x @ y for square y
    for n in (1, 3, 40):
        x = t.nprng.standard_normal((n, n))
        hx = t.handle(x, 'float64')
        want = x @ x
        t.cases += 1
        if lib.nd_matmul_out(hx, hx, hx) != 0 or not np.allclose(libnd.to_numpy(lib, hx, 'float64')[0], want):
            t.fail('matmul_out aliasing', n)
        lib.nd_free(hx)
    # error texts of out
    for out_shape, a_shape, b_shape, out_dt in [([3, 2], [2, 3], [3, 2], 'float64'),
                                                ([2, 3], [2, 3], [3, 2], 'float64'),
                                                ([2, 2], [2, 3], [3, 2], 'int64'),
                                                ([3, 2, 2], [2, 3], [3, 2], 'float64')]:
        ha, hb = t.handle(np.ones(a_shape), 'float64'), t.handle(np.ones(b_shape), 'float64')
        ho = lib.nd_zeros(libnd.CODE[out_dt], len(out_shape), (I64 * len(out_shape))(*out_shape))
        try:
            np.matmul(np.ones(a_shape), np.ones(b_shape), out=np.zeros(out_shape, out_dt))
            error = None
        except (ValueError, TypeError) as e:
            error = str(e)
        t.cases += 1
        status = lib.nd_matmul_out(ha, hb, ho)
        message = lib.nd_last_error().decode()
        if out_shape == [3, 2, 2]:   # NumPy broadcasts into a bigger out; libnd wants it exact
            error = ("non-broadcastable output operand with shape (3,2,2) doesn't match the "
                     "broadcast shape (2,2)")
        if status == 0 or message != error:
            t.fail('matmul_out error', repr(error), repr(message))
        for h in (ha, hb, ho):
            lib.nd_free(h)


def test_dot_family(t):
    rng = t.rng
    for _ in range(500):
        k = t.dim()
        da, db = rng.randint(0, 3), rng.randint(0, 3)
        sa = [t.dim() for _ in range(max(da - 1, 0))] + ([k] if da else [])
        sb = ([t.dim() for _ in range(max(db - 2, 0))] + ([k, t.dim()] if db >= 2 else [k] * db))
        if rng.random() < 0.05 and sb:
            sb[-2 if db >= 2 else 0] += 1
        t.run(('dot',), np.dot, t.lib.nd_dot, t.dtypes2(), [sa, sb])
        sb = [t.dim() for _ in range(max(db - 1, 0))] + ([k] if db else [])
        if rng.random() < 0.05 and sb:
            sb[-1] += 1
        t.run(('inner',), np.inner, t.lib.nd_inner, t.dtypes2(), [sa, sb])
    for _ in range(200):
        sa = [t.dim() for _ in range(rng.randint(0, 3))]
        size = int(np.prod(sa))
        sb = [size] if rng.random() < 0.5 else [1, size]
        if rng.random() < 0.1:
            sb = [size + 1]
        t.run(('vdot',), np.vdot, t.lib.nd_vdot, t.dtypes2(), [sa, sb])
        sb = [t.dim() for _ in range(rng.randint(0, 3))]
        t.run(('outer',), np.outer, t.lib.nd_outer, t.dtypes2(), [sa, sb])


def test_tensordot(t):
    rng, lib = t.rng, t.lib
    for _ in range(300):
        na, nb = rng.randint(0, 4), rng.randint(0, 4)
        sa = [t.dim() % 6 for _ in range(na)]
        sb = [t.dim() % 6 for _ in range(nb)]
        npair = rng.randint(0, min(na, nb))
        ax_a = rng.sample(range(na), npair)
        ax_b = rng.sample(range(nb), npair)
        for x, y in zip(ax_a, ax_b):
            sb[y] = sa[x]
        ax_a = [x - na if rng.random() < 0.3 else x for x in ax_a]
        ax_b = [y - nb if rng.random() < 0.3 else y for y in ax_b]
        if rng.random() < 0.1 and npair:
            choice = rng.randint(0, 2)
            if choice == 0:
                ax_a[0] = na + 1
            elif choice == 1 and sb[ax_b[0]] >= 0:
                sb[ax_b[0]] += 1
            else:
                ax_b[-1] = ax_b[0]
        axes = (list(ax_a), list(ax_b))
        nd_fn = (lambda a, b, x=ax_a, y=ax_b: lib.nd_tensordot(
            a, b, len(x), (INT * max(len(x), 1))(*x), (INT * max(len(y), 1))(*y)))
        t.run(('tensordot', axes), lambda a, b: np.tensordot(a, b, axes=axes), nd_fn,
              t.dtypes2(), [sa, sb])


EINSUM_CASES = [
    ('bij,bjk->bik', [[3, 4, 5], [3, 5, 2]]), ('ii->i', [[4, 4]]), ('ij->', [[3, 5]]),
    ('i,i->', [[7], [7]]), ('ij,jk,kl->il', [[2, 3], [3, 4], [4, 5]]),
    ('bhtd,bhsd->bhts', [[2, 3, 5, 4], [2, 3, 6, 4]]), ('bhts,bhsd->bhtd', [[2, 3, 5, 6], [2, 3, 6, 4]]),
    ('ij->ji', [[3, 4]]), ('ii', [[3, 3]]), ('ii->', [[3, 3]]), ('ij,ij->ij', [[2, 3], [2, 3]]),
    ('ij,ij->', [[2, 3], [2, 3]]), ('i,j->ij', [[3], [4]]), ('ij,j->i', [[3, 4], [4]]),
    ('ij,jk', [[2, 3], [3, 4]]), ('ba', [[2, 3]]), ('Ba,aB->', [[2, 3], [3, 2]]),
    ('iij->ji', [[3, 3, 2]]), ('ijk->kji', [[2, 3, 4]]), ('ijk,ikl->jl', [[2, 3, 4], [2, 4, 5]]),
    ('...ij->...', [[4, 2, 3]]), ('...ij,...jk->...ik', [[2, 3, 4], [4, 5]]),
    ('i...,i...->...', [[3, 2, 4], [3, 1, 4]]), ('...i,...i->...', [[2, 3], [5, 1, 3]]),
    ('i,->i', [[3], []]), (',->', [[], []]), ('->', [[]]), ('ab,ab,ab->', [[3, 2], [3, 2], [3, 2]]),
    ('ij,ik->ik', [[2, 3], [2, 1]]), ('ij,ij->ij', [[2, 3], [1, 3]]), ('i,i', [[0], [0]]),
    ('ij->i', [[2, 0]]), ('ij,jk->ik', [[2, 0], [0, 4]]), ('ij,jk->ik', [[0, 3], [3, 4]]),
    ('abc,cd,de->abe', [[2, 3, 4], [4, 5], [5, 2]]), ('ij,jk,kl,lm->im', [[2, 3], [3, 4], [4, 2], [2, 5]]),
    ('i,j,k->ijk', [[2], [3], [4]]), ('ijij->ij', [[2, 3, 2, 3]]), ('ij,kl->ijkl', [[2, 2], [3, 1]]),
    ('a,b,ab->', [[3], [4], [3, 4]]), ('ii,i->i', [[3, 3], [3]]), ('ij,ji->', [[3, 4], [4, 3]]),
    ('bsd,hd->bsh', [[2, 5, 4], [3, 4]]), ('i j -> j', [[2, 3]]), ('i...i', [[3, 2, 3]]),
    # errors
    ('ijk,jk->ik', [[2, 3], [3, 4]]), ('i,jk->ik', [[2, 3], [3, 4]]), ('ij,jk->ik', [[2, 3]]),
    ('ij->ik', [[2, 3]]), ('ij->ii', [[2, 3]]), ('ij,jk->ik', [[2, 3], [3, 4], [2, 3]]),
    ('ij,jk->ik', [[2, 3], [2, 3]]), ('ij,ij->ij', [[2, 3], [2, 4]]), ('ii->i', [[2, 3]]),
    ('i1->i', [[2, 3]]), ('...ij->ij', [[4, 2, 3]]), ('ij->', [[4, 2, 3]]), ('..i->i', [[2, 3]]),
    ('ij->ij->k', [[2, 3]]), ('ij-k', [[2, 3]]), ('ij>k', [[2, 3]]), ('ij,->k', [[2, 3]]),
    ('jii->i', [[2, 3, 4]]), ('iij->i', [[3, 4, 2]]), ('ij,jk,kl->il', [[2, 3], [3, 3], [4, 2]]),
    ('...i,...i->...', [[2, 3], [5, 4, 3]]), ('i,i,i', [[3], [3]]), ('i->....', [[3]]),
]


def test_einsum(t):
    lib, rng = t.lib, t.rng

    def call(subscripts, n):
        return lambda *hs: lib.nd_einsum(subscripts.encode(), n, (P * n)(*hs))

    for repeat in range(6):
        for subscripts, shapes in EINSUM_CASES:
            n = len(shapes)
            dts = [rng.choice(ALL if repeat else ['float64'])] * n
            if rng.random() < 0.3:
                dts = [rng.choice(ALL) for _ in range(n)]
            t.run(('einsum', subscripts), lambda *ops, s=subscripts: np.einsum(s, *ops),
                  call(subscripts, n), dts, shapes)
    # random contractions of 2-3 operands over a pool of labels
    for _ in range(400):
        labels = 'abcdef'
        sizes = {c: rng.choice([1, 2, 3, 4]) for c in labels}
        n = rng.randint(1, 3)
        terms = [''.join(rng.sample(labels, rng.randint(0, 4))) for _ in range(n)]
        if rng.random() < 0.2 and terms[0]:
            terms[0] += terms[0][0]   # a repeated label: a diagonal
        seen = sorted(set(''.join(terms)))
        out = ''.join(rng.sample(seen, rng.randint(0, len(seen))))
        subscripts = ','.join(terms) + '->' + out
        shapes = [[sizes[c] for c in term] for term in terms]
        dts = [rng.choice(['float64', 'float32', 'int32', 'int8', 'bool', 'float16'])] * n
        t.run(('einsum', subscripts), lambda *ops, s=subscripts: np.einsum(s, *ops),
              call(subscripts, n), dts, shapes)


def main(lib_path):
    t = Harness(lib_path, 7)
    for test in (test_matmul, test_matmul_out, test_dot_family, test_tensordot, test_einsum):
        before = t.failures
        test(t)
        print(f'{test.__name__}: {t.failures - before} mismatches')
    print(f'products vs numpy: {t.cases} cases, {t.failures} mismatches')
    return 1 if t.failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
