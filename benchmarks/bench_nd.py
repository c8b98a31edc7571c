"""libnd against NumPy, in one process, on the same arrays.

Usage: /usr/bin/python3 benchmarks/bench_nd.py [path/to/libnd.so] [--quick] [--only=TEXT]

--only=TEXT keeps the rows whose name contains TEXT.

Every row runs the NumPy expression and the libnd call on the very same
memory (libnd wraps NumPy's buffers with nd_from_buffer, no copies) and
reports the best of several repetitions of each (at least 0.25 s of them).
The ratio is NumPy time / libnd time: above 1.0 libnd is faster. Rows are
measured with 1 and with 2 threads: nd_set_num_threads sets libnd's pool
and OpenBLAS's thread count, and NumPy here calls the same OpenBLAS library
(Debian's libblas.so.3 is OpenBLAS's). libnd's float32 matmul runs its own
AVX-512 kernel where the CPU has one, NumPy's runs OpenBLAS's; NumPy's
elementwise code is single-threaded either way.
"""
import ctypes
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
args = [a for a in sys.argv[1:] if not a.startswith('--')]
QUICK = '--quick' in sys.argv
LIB = args[0] if args else os.path.join(HERE, '..', 'build', 'libnd', 'libnd.so')
lib = ctypes.CDLL(LIB)
P, I64, INT, BOOL = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int, ctypes.c_bool
CODE = {'bool': 0, 'int8': 1, 'int16': 2, 'int32': 3, 'int64': 4, 'uint8': 5, 'uint16': 6,
        'uint32': 7, 'uint64': 8, 'float16': 9, 'float32': 11, 'float64': 12}


def sig(name, restype, argtypes):
    fn = getattr(lib, name)
    fn.restype, fn.argtypes = restype, argtypes
    return fn


from_buffer = sig('nd_from_buffer', P, [INT, INT, P, P, P, BOOL])
free = sig('nd_free', None, [P])
set_threads = sig('nd_set_num_threads', INT, [INT])
transpose = sig('nd_transpose', P, [P, P])
last_error = sig('nd_last_error', ctypes.c_char_p, [])
binary = {n: sig('nd_' + n, P, [P, P]) for n in ('add', 'subtract', 'divide')}
matmul = sig('nd_matmul', P, [P, P]) if hasattr(lib, 'nd_matmul') else None
binary_out = {n: sig('nd_' + n + '_out', INT, [P, P, P]) for n in ('subtract', 'divide')}
unary = {n: sig('nd_' + n, P, [P]) for n in ('exp',)}
unary_out = {n: sig('nd_' + n + '_out', INT, [P, P]) for n in ('exp',)}
reduce = {n: sig('nd_' + n, P, [P, INT, P, BOOL]) for n in ('sum', 'max')}
argmax = sig('nd_argmax', P, [P, INT])
take = sig('nd_take', P, [P, P, INT]) if hasattr(lib, 'nd_take') else None
einsum = sig('nd_einsum', P, [ctypes.c_char_p, INT, P]) if hasattr(lib, 'nd_einsum') else None


def wrap(a):
    """A libnd handle on NumPy's memory (a view, no copy)."""
    shape = (I64 * max(a.ndim, 1))(*a.shape)
    strides = (I64 * max(a.ndim, 1))(*a.strides)
    h = from_buffer(CODE[str(a.dtype)], a.ndim, shape, strides, a.ctypes.data, True)
    assert h, last_error()
    return h


def checked(h):
    if not h:
        raise RuntimeError(last_error().decode())
    return h


# Both sides share one process, so each would run against the other's idle
# threads: OpenBLAS's workers spin (sched_yield) for about 2^28 cycles after
# every call NumPy makes into it, libnd's for 0.1 ms. Each side is timed
# after a pause long enough for the other's threads to be asleep, as they
# would be in a program that uses only one of the two.
SETTLE = 0.3


MIN_SECONDS = 0.25


def best_time(fn, repeat):
    """The best of at least `repeat` calls and of at least MIN_SECONDS of
    them: a 2 ms row gets ~100 tries, so a slow spell of the (shared,
    virtual) machine does not decide its number."""
    fn()   # warm up (page faults, thread start)
    best, spent, calls = float('inf'), 0.0, 0
    while calls < repeat or spent < MIN_SECONDS:
        t = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - t
        best, spent, calls = min(best, elapsed), spent + elapsed, calls + 1
    return best


def axes(*a):
    return (INT * len(a))(*a), len(a)


rng = np.random.default_rng(0)
f32 = np.float32
N = 10_000_000
x1 = rng.standard_normal(N).astype(f32)
y1 = rng.standard_normal(N).astype(f32)
m1000 = rng.standard_normal((1000, 1000)).astype(f32)
v1000 = rng.standard_normal(1000).astype(f32)
sq = rng.standard_normal((3000, 3000)).astype(f32)
sq2 = rng.standard_normal((3000, 3000)).astype(f32)
big = rng.standard_normal((4096, 4096)).astype(f32)
bat_a = rng.standard_normal((64, 128, 64)).astype(f32)
bat_b = rng.standard_normal((64, 64, 128)).astype(f32)
table = rng.standard_normal((50257, 768)).astype(f32)
rows = rng.integers(0, 50257, 4096).astype(np.int64)
logits = rng.standard_normal((4096, 1024)).astype(f32)
mats = {n: (rng.standard_normal((n, n)).astype(f32), rng.standard_normal((n, n)).astype(f32))
        for n in (512, 1024, 2048)}

H = {}  # libnd handles on the arrays above, made once
for name, arr in list(globals().items()):
    if isinstance(arr, np.ndarray):
        H[name] = wrap(arr)
for n, (a, b) in mats.items():
    H['mat%d_a' % n], H['mat%d_b' % n] = wrap(a), wrap(b)
sq_t = checked(transpose(H['sq'], None))


def nd(fn):
    """Times a libnd call that returns a new array (freed, as NumPy frees
    its temporaries)."""
    return lambda: free(checked(fn()))


def nd_softmax():
    # The same five steps as the NumPy row: max, subtract, exp, sum, divide.
    ax, n = axes(-1)
    m = checked(reduce['max'](H['logits'], n, ax, True))
    z = checked(binary['subtract'](H['logits'], m))
    unary_out['exp'](z, z)
    s = checked(reduce['sum'](z, n, ax, True))
    binary_out['divide'](z, s, z)
    for h in (m, s, z):
        free(h)


def np_softmax():
    z = logits - logits.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)


ROWS = [
    ('add 1e7 float32', lambda: x1 + y1, nd(lambda: binary['add'](H['x1'], H['y1'])), 10),
    ('add broadcast 1000x1000 + 1000', lambda: m1000 + v1000,
     nd(lambda: binary['add'](H['m1000'], H['v1000'])), 20),
    ('add transposed view 3000x3000', lambda: sq.T + sq2,
     nd(lambda: binary['add'](sq_t, H['sq2'])), 10),
    ('exp 1e7 float32', lambda: np.exp(x1), nd(lambda: unary['exp'](H['x1'])), 10),
    ('sum all 1e7 float32', lambda: x1.sum(), nd(lambda: reduce['sum'](H['x1'], 0, None, False)), 10),
    ('sum axis 0 4096x4096', lambda: big.sum(axis=0),
     nd(lambda: reduce['sum'](H['big'], 1, axes(0)[0], False)), 10),
    ('sum axis 1 4096x4096', lambda: big.sum(axis=1),
     nd(lambda: reduce['sum'](H['big'], 1, axes(1)[0], False)), 10),
    ('argmax last axis 4096x4096', lambda: big.argmax(axis=-1), nd(lambda: argmax(H['big'], -1)), 10),
    ('softmax 4096x1024 (5 ops)', np_softmax, nd_softmax, 10),
]
for n in (512, 1024, 2048) if matmul else ():
    a, b = mats[n]
    ha, hb = H['mat%d_a' % n], H['mat%d_b' % n]
    ROWS.append(('matmul %d float32' % n, lambda a=a, b=b: a @ b,
                 nd(lambda ha=ha, hb=hb: matmul(ha, hb)), 10 if n < 2048 else 4))
if matmul:
    ROWS.append(('batched matmul 64x128x64 @ 64x64x128', lambda: bat_a @ bat_b,
                 nd(lambda: matmul(H['bat_a'], H['bat_b'])), 20))
if take:
    ROWS.append(('take 4096 rows of 50257x768', lambda: table.take(rows, axis=0),
                 nd(lambda: take(H['table'], H['rows'], 0)), 20))
if einsum:
    ops2 = (P * 2)(H['bat_a'], H['bat_b'])
    ROWS.append(("einsum 'bij,bjk->bik'", lambda: np.einsum('bij,bjk->bik', bat_a, bat_b),
                 nd(lambda: einsum(b'bij,bjk->bik', 2, ops2)), 20))

ONLY = [a[len('--only='):] for a in sys.argv[1:] if a.startswith('--only=')]
if ONLY:
    ROWS = [row for row in ROWS if any(text in row[0] for text in ONLY)]
if QUICK:
    ROWS = [(n, f, g, max(2, r // 4)) for n, f, g, r in ROWS]

print('%-40s %10s %10s %7s %10s %10s %7s' % ('operation', 'numpy 1T', 'libnd 1T', 'ratio',
                                              'numpy 2T', 'libnd 2T', 'ratio'))
print('-' * 100)
for name, np_fn, nd_fn, repeat in ROWS:
    times = []
    for threads in (1, 2):
        set_threads(threads)   # libnd's pool and the shared OpenBLAS
        time.sleep(SETTLE)
        t_np = best_time(np_fn, repeat)
        time.sleep(SETTLE)
        t_nd = best_time(nd_fn, repeat)
        times += [t_np, t_nd]
    print('%-40s %8.3fms %8.3fms %6.2fx %8.3fms %8.3fms %6.2fx' % (
        name, times[0] * 1e3, times[1] * 1e3, times[0] / times[1],
        times[2] * 1e3, times[3] * 1e3, times[2] / times[3]))
