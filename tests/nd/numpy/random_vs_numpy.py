"""Differential test: libnd's nd_rng_* against numpy.random.default_rng.

Bit-identity is the bar. Each case seeds both generators alike, runs the
same chain of 1-5 calls on both (so the buffered 32-bit half and every
method's way of consuming the stream are checked in combination), and
compares every result bitwise (values, dtype, shape) and the final PCG64
state. Cases cover seeds 0 and 2^64-1, every integer dtype and bool with
and without endpoint (full-width, size-1 and random ranges), random and
standard_normal in float32 and float64, normal, uniform, permutation,
shuffle of strided views of every dtype, choice in all four modes (and
NumPy's large-population path), 0-size shapes, and error messages. A few
million normal draws visit every ziggurat layer, tail included."""
import ctypes
import random
import sys

import libnd
import numpy as np
from libnd import I64, INT, NONE, P

D, BOOL = ctypes.c_double, ctypes.c_bool
INT_DTYPES = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']
BOUNDS = {'bool': (0, 1)}
for name in INT_DTYPES[1:]:
    info = np.iinfo(name)
    BOUNDS[name] = (int(info.min), int(info.max))


class State(ctypes.Structure):
    _fields_ = [('state_high', ctypes.c_uint64), ('state_low', ctypes.c_uint64),
                ('inc_high', ctypes.c_uint64), ('inc_low', ctypes.c_uint64),
                ('has_uint32', INT), ('uinteger', ctypes.c_uint32)]


def bind(lib):
    sigs = {
        'nd_rng_new': (P, [ctypes.c_uint64]), 'nd_rng_free': (None, [P]),
        'nd_rng_get_state': (INT, [P, ctypes.POINTER(State)]),
        'nd_rng_set_state': (INT, [P, ctypes.POINTER(State)]),
        'nd_rng_random': (P, [P, INT, INT, P]),
        'nd_rng_integers': (P, [P, I64, I64, BOOL, INT, INT, P]),
        'nd_rng_standard_normal': (P, [P, INT, INT, P]),
        'nd_rng_normal': (P, [P, D, D, INT, INT, P]),
        'nd_rng_uniform': (P, [P, D, D, INT, INT, P]),
        'nd_rng_permutation': (P, [P, I64]), 'nd_rng_shuffle': (INT, [P, P]),
        'nd_rng_choice': (P, [P, I64, INT, P, BOOL, P]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes


def cshape(shape):
    return (I64 * max(len(shape), 1))(*shape)


def bits(a):
    """Bit patterns of an array, so that floats compare bitwise (NaN too)."""
    a = np.ascontiguousarray(a)
    return a.view(f'u{a.dtype.itemsize}') if a.dtype.kind == 'f' else a


class Runner:
    def __init__(self, lib):
        self.lib, self.failures, self.cases = lib, 0, 0
        self.calls = {}

    def fail(self, *what):
        self.failures += 1
        if self.failures <= 25:
            print('MISMATCH', *what)

    def result(self, handle, dtype):
        if not handle:
            return None
        values, _, _ = libnd.to_numpy(self.lib, handle, dtype)
        self.lib.nd_free(handle)
        return values

    def compare_array(self, what, ref, got):
        if got is None:
            self.fail(what, 'NULL:', self.lib.nd_last_error())
        elif ref.shape != got.shape or ref.dtype != got.dtype or \
                not np.array_equal(bits(ref), bits(got)):
            self.fail(what, 'values', ref.ravel()[:6], got.ravel()[:6])

    def compare_state(self, what, gen, handle):
        st = State()
        self.lib.nd_rng_get_state(handle, ctypes.byref(st))
        ref = gen.bit_generator.state
        mine = ((st.state_high << 64) | st.state_low, (st.inc_high << 64) | st.inc_low,
                st.has_uint32, st.uinteger)
        want = (ref['state']['state'], ref['state']['inc'], ref['has_uint32'], ref['uinteger'])
        if mine != want:
            self.fail(what, 'state', want, mine)

    def compare_error(self, what, ref_call, failed):
        try:
            ref_call()
            if failed:
                self.fail(what, 'libnd failed where numpy did not:', self.lib.nd_last_error())
            return
        except (ValueError, TypeError, OverflowError) as e:
            message = str(e)
        got = self.lib.nd_last_error().decode()
        if not failed:
            self.fail(what, 'libnd did not fail; numpy:', repr(message))
        elif got != message:
            self.fail(what, 'error', repr(message), repr(got))


def random_shape(rng):
    kind = rng.random()
    if kind < 0.1:
        return ()
    if kind < 0.2:
        return tuple(rng.choice([0, 3]) for _ in range(rng.randint(1, 3)))
    return tuple(rng.randint(1, 6) for _ in range(rng.randint(1, 3)))


def integer_params(rng, dtype):
    """(low, high, endpoint) inside int64 and the dtype's bounds."""
    lo, hi = BOUNDS[dtype]
    hi = min(hi, 2**63 - 1)
    endpoint = rng.random() < 0.5
    kind = rng.randrange(6)
    if kind == 0:                       # the full width of the dtype
        low, top = lo, hi
    elif kind == 1:                     # a single value
        low = rng.randint(lo, hi)
        top = low
    elif kind == 2:                     # small ranges
        low = rng.randint(max(lo, -50), min(hi, 50))
        top = min(hi, low + rng.randint(0, 20))
    elif kind == 3:                     # just below / at a power of two
        width = rng.randint(1, max(1, (hi - lo).bit_length()))
        low = lo
        top = min(hi, lo + 2**width - rng.choice([1, 2]))
    else:
        a, b = rng.randint(lo, hi), rng.randint(lo, hi)
        low, top = min(a, b), max(a, b)
    top = max(top, low)
    if endpoint:
        return low, top, True
    if top + 1 > 2**63 - 1:   # high is an int64 in libnd
        return low, top, True
    return low, top + 1, False


def one_call(run, rng, gen, handle, what):
    lib = run.lib
    method = rng.choice(['random', 'integers', 'integers', 'integers', 'standard_normal',
                         'normal', 'uniform', 'permutation', 'shuffle', 'choice', 'choice'])
    shape = random_shape(rng)
    cs = cshape(shape)
    what = what + (method, shape)
    run.calls[method] = run.calls.get(method, 0) + 1
    if method in ('random', 'standard_normal'):
        dtype = rng.choice(['float32', 'float64'])
        ref = getattr(gen, method)(shape, dtype=dtype)
        got = run.result(getattr(lib, 'nd_rng_' + method)(handle, libnd.CODE[dtype], len(shape), cs), dtype)
        run.compare_array(what + (dtype,), np.asarray(ref), got)
    elif method == 'integers':
        dtype = rng.choice(INT_DTYPES)
        low, high, endpoint = integer_params(rng, dtype)
        ref = gen.integers(low, high, shape, dtype=dtype, endpoint=endpoint)
        got = run.result(lib.nd_rng_integers(handle, low, high, endpoint, libnd.CODE[dtype],
                                             len(shape), cs), dtype)
        run.compare_array(what + (dtype, low, high, endpoint), np.asarray(ref), got)
    elif method in ('normal', 'uniform'):
        a = rng.choice([0.0, -3.5, 1e10, rng.uniform(-5, 5)])
        b = a + rng.choice([0.0, 1.0, 1e-3, rng.uniform(0, 10)]) if method == 'uniform' \
            else rng.choice([0.0, 1.0, 0.02, rng.uniform(0, 10)])
        dtype = rng.choice(['float32', 'float64'])
        ref = getattr(gen, method)(a, b, shape).astype(dtype)
        got = run.result(getattr(lib, 'nd_rng_' + method)(handle, a, b, libnd.CODE[dtype],
                                                          len(shape), cs), dtype)
        run.compare_array(what + (a, b, dtype), np.asarray(ref), got)
    elif method == 'permutation':
        n = rng.choice([-2, 0, 1, 2, rng.randint(3, 40), rng.randint(100, 5000), 70000])
        ref = gen.permutation(n)
        run.compare_array(what + (n,), ref, run.result(lib.nd_rng_permutation(handle, n), 'int64'))
    elif method == 'shuffle':
        dtype = rng.choice(libnd.DTYPES[:9] + ['float16', 'float32', 'float64'])
        base_shape = [rng.randint(0, 7) for _ in range(rng.randint(1, 3))]
        ref = (np.arange(int(np.prod(base_shape))) * 7 % 251).astype(dtype).reshape(base_shape)
        h = libnd.from_numpy(lib, ref)
        view, view_ref = lib.nd_view(h), ref
        if rng.random() < 0.5 and ref.ndim >= 1:       # a strided, reversed view
            step = rng.choice([-1, 2, -2])
            view_ref = ref[::step]
            lib.nd_free(view)
            view = lib.nd_slice(h, 0, NONE, NONE, step)
        if rng.random() < 0.3 and view_ref.ndim >= 2:  # a transposed view
            view_ref = view_ref.T
            old = view
            view = lib.nd_transpose(old, None)
            lib.nd_free(old)
        gen.shuffle(view_ref)
        status = lib.nd_rng_shuffle(handle, view)
        got, _, _ = libnd.to_numpy(lib, h, dtype)
        if status != 0:
            run.fail(what, 'shuffle failed', lib.nd_last_error())
        run.compare_array(what + (dtype, base_shape), ref, got)
        lib.nd_free(view)
        lib.nd_free(h)
    else:
        n = rng.choice([1, 2, 5, rng.randint(1, 50), rng.randint(50, 20000), 30000])
        replace = rng.random() < 0.5
        size = int(np.prod(shape))
        if not replace and size > n:
            shape = (rng.randint(0, n),)
        if not replace and n >= 20000 and rng.random() < 0.5:
            shape = (rng.randint(n // 50, n),)          # NumPy's tail-shuffle path
        cs = cshape(shape)
        p = None
        if rng.random() < 0.5:
            pdtype = rng.choice(['float64', 'float64', 'float32', 'int64'])
            w = np.array([rng.random() for _ in range(n)])
            w[[rng.randrange(n) for _ in range(n // 4)]] = 0
            if w.sum() == 0:
                w[0] = 1
            if not replace and np.count_nonzero(w) < int(np.prod(shape)):
                shape = (np.count_nonzero(w),)
                cs = cshape(shape)
            if pdtype == 'int64':             # one certain entry
                w = np.zeros(n)
                w[rng.randrange(n)] = 1
                if not replace:
                    shape = (rng.randint(0, 1),)
                    cs = cshape(shape)
            p = (w / w.sum()).astype(pdtype)
        ref = gen.choice(n, shape, replace=replace, p=p)
        ph = None
        if p is not None:                          # p as a strided view
            spread = libnd.from_numpy(lib, np.repeat(p, 2))
            ph = lib.nd_slice(spread, 0, 0, NONE, 2)
            lib.nd_free(spread)
        got = run.result(lib.nd_rng_choice(handle, n, len(shape), cs, replace, ph), 'int64')
        if ph:
            lib.nd_free(ph)
        run.compare_array(what + ('choice', n, replace, p is not None), np.asarray(ref), got)


def chains(run, rng):
    seeds = [0, 1, 42, 2**32 - 1, 2**32, 2**63, 2**64 - 1]
    for case in range(3000):
        seed = seeds[case % len(seeds)] if case < 70 else rng.getrandbits(rng.choice([8, 32, 64]))
        gen = np.random.default_rng(seed)
        handle = run.lib.nd_rng_new(seed)
        run.compare_state(('seed', seed), gen, handle)
        for step in range(rng.randint(1, 5)):
            one_call(run, rng, gen, handle, ('seed', seed, 'step', step))
        run.compare_state(('seed', seed, 'end'), gen, handle)
        run.lib.nd_rng_free(handle)
        run.cases += 1


def bulk(run):
    """Many draws per method, so that rare branches (ziggurat tails, Lemire
    rejections, every table entry) are exercised."""
    lib = run.lib
    for seed, dtype, n in [(7, 'float64', 2_000_000), (8, 'float32', 2_000_000)]:
        gen, handle = np.random.default_rng(seed), lib.nd_rng_new(seed)
        ref = gen.standard_normal(n, dtype=dtype)
        got = run.result(lib.nd_rng_standard_normal(handle, libnd.CODE[dtype], 1, cshape((n,))), dtype)
        run.compare_array(('bulk standard_normal', dtype), ref, got)
        run.compare_state(('bulk standard_normal', dtype), gen, handle)
        lib.nd_rng_free(handle)
    gen, handle = np.random.default_rng(9), lib.nd_rng_new(9)
    for dtype in INT_DTYPES:
        lo, hi = BOUNDS[dtype]
        hi = min(hi, 2**63 - 2)
        for low, high in [(lo, lo + (hi - lo) // 2 + 1), (lo, lo + max(1, (hi - lo) // 3 * 2))]:
            ref = gen.integers(low, high, 100_000, dtype=dtype)
            got = run.result(lib.nd_rng_integers(handle, low, high, False, libnd.CODE[dtype], 1,
                                                 cshape((100_000,))), dtype)
            run.compare_array(('bulk integers', dtype, low, high), ref, got)
    run.compare_state(('bulk integers',), gen, handle)
    lib.nd_rng_free(handle)


def state_roundtrip(run):
    """A state taken from NumPy mid-stream, set in libnd, continues as NumPy."""
    lib = run.lib
    gen = np.random.default_rng(123)
    gen.random(3, dtype=np.float32)          # leaves a buffered half
    s = gen.bit_generator.state
    st = State(s['state']['state'] >> 64, s['state']['state'] & (2**64 - 1),
               s['state']['inc'] >> 64, s['state']['inc'] & (2**64 - 1),
               s['has_uint32'], s['uinteger'])
    handle = lib.nd_rng_new(0)
    lib.nd_rng_set_state(handle, ctypes.byref(st))
    ref = gen.integers(0, 1000, 7, dtype=np.uint32)
    got = run.result(lib.nd_rng_integers(handle, 0, 1000, False, libnd.CODE['uint32'], 1, cshape((7,))), 'uint32')
    run.compare_array(('state from numpy',), ref, got)
    run.compare_state(('state from numpy',), gen, handle)
    lib.nd_rng_free(handle)


def errors(run):
    lib = run.lib
    gen = np.random.default_rng(0)
    handle = lib.nd_rng_new(0)
    one = cshape((3,))
    cases = []
    for dtype in INT_DTYPES:
        lo, hi = BOUNDS[dtype]
        hi = min(hi, 2**63 - 1)
        for low, high, endpoint in [(5, 5, False), (0, 0, False), (5, 4, True), (0, -1, True),
                                    (lo - 1, lo + 1, False), (lo, hi + 1, True), (-1, 0, False),
                                    (lo, hi + 1, False), (3, 1, False)]:
            if not (-2**63 <= low < 2**63 and -2**63 <= high < 2**63):
                continue
            cases.append((('integers', dtype, low, high, endpoint),
                          lambda low=low, high=high, endpoint=endpoint, dtype=dtype:
                              gen.integers(low, high, 3, dtype=dtype, endpoint=endpoint),
                          lambda low=low, high=high, endpoint=endpoint, dtype=dtype:
                              lib.nd_rng_integers(handle, low, high, endpoint, libnd.CODE[dtype], 1, one)))
    for dtype in ['float16', 'float32', 'float64']:
        cases.append((('integers', dtype), lambda dtype=dtype: gen.integers(0, 5, 3, dtype=dtype),
                      lambda dtype=dtype: lib.nd_rng_integers(handle, 0, 5, False, libnd.CODE[dtype], 1, one)))
    for method in ['random', 'standard_normal']:
        for dtype in ['float16', 'int32', 'bool']:
            cases.append(((method, dtype), lambda m=method, d=dtype: getattr(gen, m)(3, dtype=d),
                          lambda m=method, d=dtype: getattr(lib, 'nd_rng_' + m)(handle, libnd.CODE[d], 1, one)))
    for loc, scale in [(0, -1), (0, -0.0)]:
        cases.append((('normal', scale), lambda s=scale: gen.normal(0, s, 3),
                      lambda s=scale: lib.nd_rng_normal(handle, 0, s, libnd.CODE['float64'], 1, one)))
    for low, high in [(0, np.inf), (np.nan, 1), (1, 0), (0, -np.inf), (0, -0.0), (-1e308, 1e308)]:
        cases.append((('uniform', low, high), lambda a=low, b=high: gen.uniform(a, b, 3),
                      lambda a=low, b=high: lib.nd_rng_uniform(handle, a, b, libnd.CODE['float64'], 1, one)))
    for n, shape, replace, p in [(0, (3,), True, None), (-1, (2,), False, None),
                                 (3, (4,), False, None), (3, (2,), True, [0.5, 0.5]),
                                 (2, (2,), True, [[0.5, 0.5]]), (2, (2,), True, [0.5, np.nan]),
                                 (2, (2,), True, [1.5, -0.5]), (2, (2,), True, [0.5, 0.6]),
                                 (3, (2,), False, [1.0, 0, 0]), (3, (-1,), False, None),
                                 (3, (2, -1), True, None), (0, (0,), False, []),
                                 (3, (5,), False, [0.5, 0.5, 0]),
                                 (3, (2,), True, np.array([0.5, 0.5, 0.0002])),
                                 (2, (2,), True, np.array([0.5, 0.55], dtype=np.float32))]:
        def ref_call(n=n, shape=shape, replace=replace, p=p):
            return gen.choice(n, shape, replace=replace, p=p)

        def mine(n=n, shape=shape, replace=replace, p=p):
            ph = libnd.from_numpy(lib, np.asarray(p, dtype=np.asarray(p).dtype if p is not None
                                                  and np.asarray(p).size else np.float64)) \
                if p is not None else None
            r = lib.nd_rng_choice(handle, n, len(shape), cshape(shape), replace, ph)
            if ph:
                lib.nd_free(ph)
            return r
        cases.append((('choice', n, shape, replace, p), ref_call, mine))
    ro = libnd.from_numpy(lib, np.arange(3))
    ro_view = lib.nd_broadcast_to(ro, 1, cshape((3,)))
    ro_ref = np.arange(3)
    ro_ref.flags.writeable = False
    cases.append((('shuffle read-only',), lambda: gen.shuffle(ro_ref),
                  lambda: lib.nd_rng_shuffle(handle, ro_view)))
    zd = libnd.from_numpy(lib, np.array(5))
    cases.append((('shuffle 0-d',), lambda: gen.shuffle(np.array(5)),
                  lambda: lib.nd_rng_shuffle(handle, zd)))
    for what, ref_call, mine in cases:
        got = mine()               # a pointer, None (NULL) or a status
        if got is not None and got > 0:
            lib.nd_free(got)
        run.compare_error(what, ref_call, got is None or got < 0)
        run.cases += 1
    for h in (ro, ro_view, zd):
        lib.nd_free(h)
    lib.nd_rng_free(handle)


def main(lib_path):
    lib = libnd.load(lib_path)
    bind(lib)
    lib.nd_broadcast_to.restype, lib.nd_broadcast_to.argtypes = P, [P, INT, P]
    lib.nd_view.restype, lib.nd_view.argtypes = P, [P]
    run = Runner(lib)
    rng = random.Random(2024)
    chains(run, rng)
    bulk(run)
    state_roundtrip(run)
    errors(run)
    print('calls per method in the chains:', dict(sorted(run.calls.items())))
    print(f'random vs numpy: {run.cases} cases, {run.failures} mismatches')
    return 1 if run.failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
