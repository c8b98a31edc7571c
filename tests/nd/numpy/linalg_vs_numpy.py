"""Differential test of nd_linalg_* against numpy.linalg (NumPy 1.24).

Random stacks of matrices (0-size and size-1 dims included) in several
dtypes, passed as contiguous arrays and as transposed, stepped and reversed
views, go through solve, inv, det, slogdet, cholesky, qr, svd, eigh,
eigvalsh, lstsq and norm. Compared with NumPy: result dtypes and shapes
exactly, error messages exactly, values with tolerances. Both compute in
float64 and round to float32 when every operand is float32, so float32
results must equal NumPy's to 1 ulp of float32; float64 ones to a relative
tolerance. The factors (q, r, u, vh, eigenvectors) are compared with
NumPy's directly, since libnd runs LAPACK on the same column-major buffers
with the same arguments (so their signs agree too), and also checked
through their defining properties (reconstruction, orthonormality)."""
import ctypes
import random
import sys
import warnings

import libnd
import numpy as np
from libnd import I64, INT, NONE, P

warnings.simplefilter('ignore')
LA = np.linalg
PP = ctypes.POINTER(P)


def bind(lib):
    sigs = {
        'nd_linalg_solve': (P, [P, P]), 'nd_linalg_inv': (P, [P]), 'nd_linalg_det': (P, [P]),
        'nd_linalg_slogdet': (INT, [P, PP, PP]), 'nd_linalg_cholesky': (P, [P]),
        'nd_linalg_qr': (INT, [P, PP, PP]), 'nd_linalg_svd': (INT, [P, ctypes.c_bool, PP, PP, PP]),
        'nd_linalg_eigh': (INT, [P, PP, PP]),
        'nd_linalg_lstsq': (INT, [P, P, ctypes.c_double, PP, PP, ctypes.POINTER(I64), PP]),
        'nd_linalg_norm': (P, [P, ctypes.c_char_p, INT, ctypes.POINTER(INT), ctypes.c_bool]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes


class Harness:
    def __init__(self, lib, seed):
        self.lib = lib
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.failures = 0
        self.cases = 0
        self.handles = []

    def fail(self, *what):
        self.failures += 1
        if self.failures <= 30:
            print('MISMATCH', *what)

    def release(self):
        for h in self.handles:
            self.lib.nd_free(h)
        self.handles = []

    def handle(self, ref):
        """A libnd view holding ref's values: contiguous, or a transposed,
        stepped or reversed view of a differently laid out buffer."""
        lib, kind = self.lib, self.rng.choice(['c', 'T', 'step', 'rev'])
        if ref.ndim < 2 and kind in ('T', 'rev'):
            kind = 'c'
        if ref.ndim == 0:
            kind = 'c'
        if kind == 'c':
            h = libnd.from_numpy(lib, ref)
        elif kind == 'T':
            base = libnd.from_numpy(lib, np.swapaxes(ref, -1, -2))
            self.handles.append(base)
            perm = list(range(ref.ndim))
            perm[-1], perm[-2] = perm[-2], perm[-1]
            h = lib.nd_transpose(base, (INT * ref.ndim)(*perm))
        elif kind == 'step':
            wide = np.zeros(ref.shape[:-1] + (2 * ref.shape[-1],), ref.dtype)
            wide[..., ::2] = ref
            base = libnd.from_numpy(lib, wide)
            self.handles.append(base)
            h = lib.nd_slice(base, ref.ndim - 1, NONE, NONE, 2)
        else:
            base = libnd.from_numpy(lib, ref[..., ::-1, :])
            self.handles.append(base)
            h = lib.nd_slice(base, ref.ndim - 2, NONE, NONE, -1)
        assert h
        self.handles.append(h)
        return h

    def out(self, h):
        """A returned handle as a numpy array of its own dtype (handle freed)."""
        lib = self.lib
        dt = libnd.DTYPES[lib.nd_dtype_of(h)]
        arr, _, _ = libnd.to_numpy(lib, h, dt)
        lib.nd_free(h)
        return arr.copy()

    def error(self):
        return self.lib.nd_last_error().decode()

    def same_meta(self, what, got, want):
        if got.dtype != want.dtype or got.shape != want.shape:
            self.fail(what, 'dtype/shape', got.dtype, got.shape, 'numpy', want.dtype, want.shape)
            return False
        return True

    def close(self, what, got, want, rtol, atol=None):
        self.cases += 1
        if not self.same_meta(what, got, want):
            return
        scale = np.max(np.abs(want)) if want.size else 1.0
        atol = rtol * max(scale, 1.0) if atol is None else atol
        if not np.allclose(got.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=atol,
                           equal_nan=True):
            self.fail(what, 'values', got.ravel()[:6], 'numpy', want.ravel()[:6])

    def check(self, what, got, want, rtol, atol=None, ulps=1):
        """float32 results within `ulps` ulps of float32 of NumPy's (NaN ==
        NaN, infinities equal); others as close() with rtol, atol."""
        if np.asarray(want).dtype != np.float32:
            self.close(what, got, want, rtol, atol)
            return
        self.cases += 1
        if not self.same_meta(what, got, want):
            return
        g, w = got.astype(np.float64), want.astype(np.float64)
        ulp = np.spacing(np.abs(want)).astype(np.float64)
        ok = (g == w) | (np.isnan(g) & np.isnan(w)) | (np.abs(g - w) <= ulps * ulp)
        if not ok.all():
            bad = np.flatnonzero(~ok)[:6]
            self.fail(what, 'float32 ulps', g.ravel()[bad], 'numpy', w.ravel()[bad])

    def expect_error(self, what, message, numpy_call):
        """numpy_call must raise exactly `message` too."""
        self.cases += 1
        try:
            numpy_call()
            self.fail(what, 'numpy did not fail; we said', message)
        except Exception as e:  # noqa: BLE001 (LinAlgError, ValueError, TypeError)
            if str(e) != message:
                self.fail(what, 'error', repr(message), 'numpy', repr(str(e)))


DTYPES = ['float64', 'float32', 'int32', 'int64', 'int8', 'uint8', 'bool']


# The relative tolerance of float64 results (float32 ones: 1 ulp, check()).
TOL = 1e-8


def property_tol(dtype):
    """The tolerance of identities (a == q @ r, u^T u == I) on results of
    dtype, rounded to its precision."""
    return 1e-4 if np.dtype(dtype) == np.float32 else TOL * 10


def random_matrix(h, shape, dtype, kind='general'):
    """Values in dtype; 'spd' symmetric positive definite, 'wellcond'
    diagonally dominant, 'general' anything (maybe singular for ints)."""
    rng = h.np_rng
    if dtype == 'bool':
        a = rng.random(shape) < 0.5
    elif np.dtype(dtype).kind in 'iu':
        a = rng.integers(0, 4, size=shape)
    else:
        a = rng.standard_normal(shape)
    a = a.astype(np.float64)
    if kind in ('spd', 'wellcond') and len(shape) >= 2 and shape[-1] == shape[-2]:
        n = shape[-1]
        if kind == 'spd':
            a = a @ np.swapaxes(a, -1, -2) + n * np.eye(n)
            if np.dtype(dtype).kind != 'f':
                a = np.round(a)
        else:
            a = a + (2 * n + 1) * np.eye(n)
    if dtype == 'bool':
        return a != 0
    return a.astype(dtype)


def random_stack(h, min_dims=0, max_dims=2):
    return tuple(h.rng.choice([0, 1, 2, 3]) for _ in range(h.rng.randint(min_dims, max_dims)))


def test_det_inv_solve(h):
    lib = h.lib
    for _ in range(300):
        n = h.rng.choice([0, 1, 2, 3, 4, 7, 40])
        dtype = h.rng.choice(DTYPES)
        stack = random_stack(h)
        kind = h.rng.choice(['general', 'wellcond', 'wellcond'])
        a = random_matrix(h, stack + (n, n), dtype, kind)
        what = ('det', a.shape, dtype, kind)
        r = lib.nd_linalg_det(h.handle(a))
        want = LA.det(a)
        want = np.asarray(want)
        h.check(what, h.out(r), want, TOL * max(n, 1) ** 2)

        sign, logdet = P(), P()
        assert lib.nd_linalg_slogdet(h.handle(a), ctypes.byref(sign), ctypes.byref(logdet)) == 0
        ws, wl = LA.slogdet(a)
        got_s, got_l = h.out(sign.value), h.out(logdet.value)
        h.close(what + ('sign',), got_s, np.asarray(ws), 0, 0)
        finite = np.isfinite(wl)
        h.check(what + ('logdet',), np.where(finite, got_l, 0).astype(got_l.dtype),
                np.asarray(np.where(finite, wl, 0)).astype(np.asarray(wl).dtype), TOL * 10)
        if not np.array_equal(np.isfinite(got_l), np.isfinite(wl)):
            h.fail(what, 'singularity', got_l, wl)

        # inv, on well-conditioned or singular ones; float32 results of
        # any matrix (the same float64 computation as NumPy's, rounded)
        r = lib.nd_linalg_inv(h.handle(a))
        try:
            want = LA.inv(a)
        except LA.LinAlgError as e:
            if r:
                h.fail(what, 'inv should fail', str(e))
                lib.nd_free(r)
            elif h.error() != str(e):
                h.fail(what, 'inv error', h.error(), str(e))
            want = None
        if want is not None:
            if not r:
                h.fail(what, 'inv failed', h.error())
            elif kind == 'wellcond' or want.dtype == np.float32:
                h.check(('inv',) + what[1:], h.out(r), want, TOL * 10)
            else:
                lib.nd_free(r)

        # solve with b of several shapes (broadcast stacks, vector and matrix b)
        bdtype = h.rng.choice(DTYPES)
        choice = h.rng.randrange(4)
        if choice == 0:
            bshape = stack + (n,)
        elif choice == 1:
            bshape = (n, h.rng.choice([0, 1, 3]))
        elif choice == 2:
            bshape = (h.rng.choice([1, 2]),) + stack + (n, 2)
        else:
            bshape = tuple(h.rng.choice([1, d]) for d in stack) + (n, 1)
        b = random_matrix(h, bshape, bdtype)
        r = lib.nd_linalg_solve(h.handle(a), h.handle(b))
        what = ('solve', a.shape, dtype, b.shape, bdtype, kind)
        try:
            want = LA.solve(a, b)
        except (LA.LinAlgError, ValueError) as e:
            if r:
                h.fail(what, 'solve should fail', str(e))
                lib.nd_free(r)
            elif h.error() != str(e):
                h.fail(what, 'solve error', h.error(), str(e))
            continue
        if not r:
            h.fail(what, 'solve failed', h.error())
        elif kind == 'wellcond' or want.dtype == np.float32:
            h.check(what, h.out(r), want, TOL * 10)
        else:
            lib.nd_free(r)
        h.release()


def test_solve_errors(h):
    lib = h.lib
    cases = [((3, 3), (2,)), ((3, 3), (2, 3)), ((3, 3), ()), ((2, 3, 3), (4, 3, 1)),
             ((2, 3, 3), (4, 3)), ((5, 2, 3, 3), (4, 1, 3)), ((2, 3, 3), (3,)), ((4, 3), (3,)),
             ((4,), (4,)), ((), ()), ((2, 2, 3, 3), (5, 2, 3, 3)), ((3, 3, 3), (2, 1, 3, 2)),
             ((1, 1), (1,))]
    for ashape, bshape in cases:
        a, b = np.ones(ashape), np.ones(bshape)
        r = lib.nd_linalg_solve(h.handle(a), h.handle(b))
        if r:
            lib.nd_free(r)
            continue
        h.expect_error(('solve', ashape, bshape), h.error(), lambda: LA.solve(a, b))
    for dt in ['float16']:
        for f, args in [(lib.nd_linalg_inv, 1), (lib.nd_linalg_det, 1), (lib.nd_linalg_cholesky, 1),
                        (lib.nd_linalg_solve, 2)]:
            a = np.eye(2, dtype=dt)
            r = f(*[h.handle(a)] * args)
            assert not r
            h.expect_error(('float16', f.__name__), h.error(), lambda: LA.inv(a))
    for shape in [(3,), (), (2, 3), (4, 2, 3)]:
        a = np.ones(shape)
        for f, npf in [(lib.nd_linalg_inv, LA.inv), (lib.nd_linalg_det, LA.det),
                       (lib.nd_linalg_cholesky, LA.cholesky)]:
            assert not f(h.handle(a))
            h.expect_error((f.__name__, shape), h.error(), lambda: npf(a))
    h.release()


def test_cholesky(h):
    lib = h.lib
    for _ in range(200):
        n = h.rng.choice([0, 1, 2, 3, 5, 8, 40])
        dtype = h.rng.choice(DTYPES[:5])
        stack = random_stack(h)
        spd = h.rng.random() < 0.8
        a = random_matrix(h, stack + (n, n), dtype, 'spd' if spd else 'general')
        if h.rng.random() < 0.5 and a.size:   # garbage above the diagonal is ignored
            a = a.copy()
            iu = np.triu_indices(n, 1)
            a[(..., *iu)] = 99
        r = lib.nd_linalg_cholesky(h.handle(a))
        what = ('cholesky', a.shape, dtype, spd)
        try:
            want = LA.cholesky(a)
        except LA.LinAlgError as e:
            if r:
                h.fail(what, 'should fail', str(e))
                lib.nd_free(r)
            elif h.error() != str(e):
                h.fail(what, 'error', h.error(), str(e))
            continue
        if not r:
            h.fail(what, 'failed', h.error())
            continue
        h.check(what, h.out(r), want, TOL * 10)
        h.release()


def test_qr_svd(h):
    lib = h.lib
    for _ in range(300):
        m, n = h.rng.choice([0, 1, 2, 3, 5, 7, 50]), h.rng.choice([0, 1, 2, 4, 6, 30])
        dtype = h.rng.choice(DTYPES)
        stack = random_stack(h)
        a = random_matrix(h, stack + (m, n), dtype)
        af = a.astype(np.float64)
        t = property_tol(dtype)
        what = ('qr', a.shape, dtype)
        q, r = P(), P()
        assert lib.nd_linalg_qr(h.handle(a), ctypes.byref(q), ctypes.byref(r)) == 0, h.error()
        wq, wr = LA.qr(a)
        q, r = h.out(q.value), h.out(r.value)
        h.check(what + ('q',), q, wq, TOL * 10)
        h.check(what + ('r',), r, wr, TOL * 10)
        if h.same_meta(what + ('q',), q, wq) and h.same_meta(what + ('r',), r, wr):
            h.close(what + ('q@r',), (q.astype(np.float64) @ r).astype(q.dtype), af.astype(q.dtype), t)
            k = min(m, n)
            h.close(what + ('qTq',), np.swapaxes(q, -1, -2).astype(np.float64) @ q,
                    np.broadcast_to(np.eye(k), stack + (k, k)), t)
            h.close(what + ('triu',), r, np.triu(r), 0, 0)

        full = h.rng.random() < 0.5
        what = ('svd', a.shape, dtype, full)
        u, s, vh = P(), P(), P()
        assert lib.nd_linalg_svd(h.handle(a), full, ctypes.byref(u), ctypes.byref(s),
                                 ctypes.byref(vh)) == 0, h.error()
        wu, ws, wvh = LA.svd(a, full_matrices=full)
        u, s, vh = h.out(u.value), h.out(s.value), h.out(vh.value)
        h.check(what + ('s',), s, ws, TOL * 10)
        h.check(what + ('u',), u, wu, TOL * 10)
        h.check(what + ('vh',), vh, wvh, TOL * 10)
        if h.same_meta(what + ('u',), u, wu) and h.same_meta(what + ('vh',), vh, wvh):
            k = min(m, n)
            rec = (u[..., :, :k].astype(np.float64) * s[..., None, :]) @ vh[..., :k, :]
            h.close(what + ('usv',), rec.astype(u.dtype), af.astype(u.dtype), t)
            for name, x, side in [('u', u, -1), ('vh', vh, -2)]:
                g = np.swapaxes(x, -1, -2).astype(np.float64) @ x if side == -1 else \
                    x.astype(np.float64) @ np.swapaxes(x, -1, -2)
                d = g.shape[-1]
                h.close(what + (name + ' orthonormal',), g, np.broadcast_to(np.eye(d), g.shape), t)
        s2 = P()
        assert lib.nd_linalg_svd(h.handle(a), full, None, ctypes.byref(s2), None) == 0
        h.check(what + ('s only',), h.out(s2.value), LA.svd(a, compute_uv=False), TOL * 10)
        h.release()


def test_eigh(h):
    lib = h.lib
    for _ in range(200):
        n = h.rng.choice([0, 1, 2, 3, 5, 8, 40])
        dtype = h.rng.choice(DTYPES)
        stack = random_stack(h)
        a = random_matrix(h, stack + (n, n), dtype)
        sym = np.tril(a.astype(np.float64)) + np.swapaxes(np.tril(a.astype(np.float64), -1), -1, -2)
        t = property_tol(dtype)
        what = ('eigh', a.shape, dtype)
        w, v = P(), P()
        assert lib.nd_linalg_eigh(h.handle(a), ctypes.byref(w), ctypes.byref(v)) == 0, h.error()
        ww, wv = LA.eigh(a)
        w, v = h.out(w.value), h.out(v.value)
        h.check(what + ('w',), w, ww, TOL * 10)
        h.check(what + ('v',), v, wv, TOL * 10)
        if h.same_meta(what + ('v',), v, wv):
            h.close(what + ('av=vw',), sym @ v, v.astype(np.float64) * w[..., None, :], t * max(n, 1))
            h.close(what + ('vTv',), np.swapaxes(v, -1, -2).astype(np.float64) @ v,
                    np.broadcast_to(np.eye(n), stack + (n, n)), t)
        w2 = P()
        assert lib.nd_linalg_eigh(h.handle(a), ctypes.byref(w2), None) == 0
        h.check(what + ('eigvalsh',), h.out(w2.value), LA.eigvalsh(a), TOL * 10)
        h.release()


def test_lstsq(h):
    lib = h.lib
    for _ in range(300):
        m, n = h.rng.choice([0, 1, 2, 3, 5, 8]), h.rng.choice([0, 1, 2, 3, 5])
        dtype, bdtype = h.rng.choice(DTYPES), h.rng.choice(DTYPES)
        a = random_matrix(h, (m, n), dtype)
        if h.rng.random() < 0.3 and n >= 2:   # exactly rank-deficient: a repeated column
            a = a.copy()
            a[:, 1] = a[:, 0]
        b = random_matrix(h, (m,) if h.rng.random() < 0.5 else (m, h.rng.choice([0, 1, 3])), bdtype)
        rcond = h.rng.choice([-1.0, -1.0, 1e-3, 0.0])
        what = ('lstsq', a.shape, dtype, b.shape, bdtype, rcond)
        x, res, s, rank = P(), P(), P(), I64()
        assert lib.nd_linalg_lstsq(h.handle(a), h.handle(b), rcond, ctypes.byref(x),
                                   ctypes.byref(res), ctypes.byref(rank), ctypes.byref(s)) == 0, \
            (what, h.error())
        x, res, s = h.out(x.value), h.out(res.value), h.out(s.value)
        # rcond < 0 is NumPy's None: float64's eps * max(m, n), float32 too.
        wx, wres, wrank, ws = LA.lstsq(a, b, rcond=None if rcond < 0 else rcond)
        h.check(what + ('s',), s, ws, TOL * 100)
        h.cases += 1
        if rank.value != wrank:
            h.fail(what, 'rank', rank.value, wrank, ws)
            continue
        h.check(what + ('x',), x, wx, TOL * 100)
        h.check(what + ('residuals',), res, wres, TOL * 100)
    for ashape, bshape in [((3, 2), (2,)), ((3, 2, 2), (2,)), ((3, 2), ()), ((3,), (3,)),
                           ((3, 2), (3, 1, 1))]:
        a, b = np.ones(ashape), np.ones(bshape)
        x = P()
        assert lib.nd_linalg_lstsq(h.handle(a), h.handle(b), -1, ctypes.byref(x), None, None,
                                   None) < 0
        h.expect_error(('lstsq', ashape, bshape), h.error(), lambda: LA.lstsq(a, b, rcond=None))
    h.release()


NORM_ORDS = [None, 'fro', 'nuc', 'inf', '-inf', '0', '1', '-1', '2', '-2', '3.5', '0.5', 'abc']


def np_ord(o):
    if o is None or o in ('fro', 'nuc', 'abc'):
        return o
    return float(o)


def test_norm(h):
    lib = h.lib
    for _ in range(1500):
        shape = tuple(h.rng.choice([0, 1, 2, 3, 5]) for _ in range(h.rng.randint(0, 3)))
        dtype = h.rng.choice(DTYPES + ['float16'])
        x = random_matrix(h, shape, dtype)
        if dtype in ('float64', 'float32', 'float16') and h.rng.random() < 0.3 and x.size:
            x = x.copy()
            x.ravel()[0] = 0
        o = h.rng.choice(NORM_ORDS)
        naxes = h.rng.choice([0, 0, 1, 2, 2, 3]) if x.ndim else 0
        axes = [h.rng.randint(-x.ndim - 1, x.ndim) for _ in range(naxes)]
        if naxes and h.rng.random() < 0.8:   # mostly valid, distinct axes
            axes = h.rng.sample(range(-x.ndim, x.ndim), min(naxes, 2 * x.ndim))[:naxes]
            naxes = len(axes)
        keep = h.rng.random() < 0.3
        axis = None if naxes == 0 else axes[0] if naxes == 1 else tuple(axes)
        what = ('norm', x.shape, dtype, o, axis, keep)
        r = lib.nd_linalg_norm(h.handle(x), None if o is None else o.encode(), naxes,
                               (INT * max(naxes, 1))(*axes), keep)
        try:
            want = np.asarray(LA.norm(x, np_ord(o), axis, keep))
        except Exception as e:  # noqa: BLE001
            h.cases += 1
            if r:
                h.fail(what, 'should fail', str(e))
                lib.nd_free(r)
            elif h.error() != str(e):
                h.fail(what, 'error', h.error(), str(e))
            continue
        if not r:
            h.fail(what, 'failed', h.error())
            continue
        t = {np.dtype('float16'): 2e-2}.get(want.dtype, 1e-10)
        h.check(what, h.out(r), want, t)
        h.release()


def test_norm_svd(h):
    """ord 2, -2 and nuc on larger stacks, over either axis order: NumPy
    rounds the float64 singular values to float32 for float32 x, then takes
    their max, min or (pairwise, in float32) sum. Exactly: a sum in another
    order would be off by an ulp in most cases."""
    lib = h.lib
    for _ in range(100):
        dtype = h.rng.choice(['float32', 'float32', 'float64', 'int64'])
        shape = (h.rng.choice([1, 3]), h.rng.choice([1, 9, 20, 40]), h.rng.choice([2, 17, 40]))
        x = random_matrix(h, shape, dtype)
        o = h.rng.choice(['2', '-2', 'nuc'])
        axes = h.rng.choice([(1, 2), (2, 1), (0, 2), (-1, 0)])
        r = lib.nd_linalg_norm(h.handle(x), o.encode(), 2, (INT * 2)(*axes), False)
        want = np.asarray(LA.norm(x, np_ord(o), axes))
        h.check(('norm svd', shape, dtype, o, axes), h.out(r), want, 1e-10, ulps=0)
        h.release()


def main(lib_path):
    lib = libnd.load(lib_path)
    lib.nd_dtype_of.restype, lib.nd_dtype_of.argtypes = INT, [P]
    bind(lib)
    h = Harness(lib, 7)
    for test in [test_det_inv_solve, test_solve_errors, test_cholesky, test_qr_svd, test_eigh,
                 test_lstsq, test_norm, test_norm_svd]:
        test(h)
        h.release()
    print(f'{h.cases} comparisons, {h.failures} mismatches')
    return 1 if h.failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
