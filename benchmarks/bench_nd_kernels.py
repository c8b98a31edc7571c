"""libnd's elementwise and reduction loops, one row per loop kind, and the
typed loops of casts (astype), add.at, integer matmul and arange, timed for
two builds of libnd.so in turn: the check that moving the kernels (out of
macros, into functions and .inc files) cost nothing.

Usage: /usr/bin/python3 benchmarks/bench_nd_kernels.py BEFORE.so AFTER.so [ROUNDS]

Each round runs every row once per library, in alternating order, in a
child process per library (the two libraries share a soname); a row's
number for a library is the median over ROUNDS (default 5) of its best time
within a round. The ratio is before / after: above 1.0 the new build is
faster. One thread (nd_set_num_threads(1)), so the loops alone are timed.
"""
import ctypes
import json
import statistics
import subprocess
import sys
import time

import numpy as np

N = 1 << 22   # 4M elements: 16 MB of float32, past the caches as real work is
KEEP = []


def rows(lib):
    P, I64, INT, BOOL = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int, ctypes.c_bool
    code = {'bool': 0, 'int8': 1, 'int16': 2, 'int32': 3, 'int64': 4, 'uint16': 6, 'float32': 11,
            'float64': 12}

    def sig(name, restype, argtypes):
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
        return fn

    from_buffer = sig('nd_from_buffer', P, [INT, INT, P, P, P, BOOL])
    free = sig('nd_free', None, [P])
    sig('nd_set_num_threads', INT, [INT])(1)
    keep = KEEP   # the arrays must outlive the handles that wrap them

    def wrap(a):
        keep.append(a)
        shape = (I64 * max(a.ndim, 1))(*a.shape)
        strides = (I64 * max(a.ndim, 1))(*a.strides)
        return from_buffer(code[str(a.dtype)], a.ndim, shape, strides, a.ctypes.data, True)

    rng = np.random.default_rng(0)
    f32 = wrap(rng.standard_normal(N).astype(np.float32))
    g32 = wrap(rng.standard_normal(N).astype(np.float32))
    f64 = wrap(rng.standard_normal(N).astype(np.float64))
    pos32 = wrap(np.abs(rng.standard_normal(N)).astype(np.float32) + 0.1)
    i32 = wrap(rng.integers(-1000, 1000, N).astype(np.int32))
    j32 = wrap(rng.integers(1, 1000, N).astype(np.int32))
    i8 = wrap(rng.integers(-100, 100, N).astype(np.int8))
    i16 = wrap(rng.integers(-100, 100, N).astype(np.int16))
    b8 = wrap(rng.integers(0, 2, N).astype(bool))
    s32 = wrap(np.array(0.5, np.float32))
    strided = wrap(rng.standard_normal(2 * N).astype(np.float32)[::2])
    mat = wrap(rng.standard_normal((2048, 2048)).astype(np.float32))

    def binary(name, a, b):
        fn = sig('nd_' + name, P, [P, P])
        return lambda: free(fn(a, b))

    def unary(name, a):
        fn = sig('nd_' + name, P, [P])
        return lambda: free(fn(a))

    def reduce(name, a):
        fn = sig('nd_' + name, P, [P, INT, P, BOOL])
        return lambda: free(fn(a, 0, None, False))

    def axis_op(name, a, axis):
        fn = sig('nd_' + name, P, [P, INT])
        return lambda: free(fn(a, axis))

    where = sig('nd_where', P, [P, P, P])
    clip = sig('nd_clip', P, [P, P, P])
    sum_axes = sig('nd_sum', P, [P, INT, P, BOOL])
    axis0 = (INT * 1)(0)
    astype = sig('nd_astype', P, [P, INT])
    add_at = sig('nd_add_at', INT, [P, P, P])
    matmul = sig('nd_matmul', P, [P, P])
    arange = sig('nd_arange', P, [INT, ctypes.c_double, ctypes.c_double, ctypes.c_double])
    bf16 = 10
    h16 = astype(f32, bf16)   # a bfloat16 array (NumPy has no bfloat16 to wrap)
    big32 = wrap((rng.standard_normal(N) * 1e10).astype(np.float32))   # saturates as int32
    target32 = wrap(np.zeros(N // 4, np.float32))
    target_i32 = wrap(np.zeros(N // 4, np.int32))
    at = wrap(rng.integers(0, N // 4, N).astype(np.int64))
    imat = wrap(rng.integers(-100, 100, (256, 256)).astype(np.int32))

    def cast(a, to):
        return lambda: free(astype(a, to))

    casts = [
        ('astype float32 -> bfloat16', cast(f32, bf16)),
        ('astype bfloat16 -> float32', cast(h16, code['float32'])),
        ('astype float32 -> int32 sat', cast(big32, code['int32'])),
        ('astype float64 -> float32', cast(f64, code['float32'])),
        ('astype int8 -> float32', cast(i8, code['float32'])),
        ('astype int32 -> int16', cast(i32, code['int16'])),
        ('astype float32 -> bool', cast(f32, code['bool'])),
        ('astype float32 strided->f64', cast(strided, code['float64'])),
        ('add.at float32 (4M into 1M)', lambda: add_at(target32, at, f32)),
        ('add.at int32 (4M into 1M)', lambda: add_at(target_i32, at, i32)),
        ('matmul int32 256x256', lambda: free(matmul(imat, imat))),
        ('arange float32 4M', lambda: free(arange(code['float32'], 0.0, float(N), 1.0))),
    ]
    return casts + [
        ('add float32', binary('add', f32, g32)),
        ('add float32 + 0-d scalar', binary('add', f32, s32)),
        ('add float32 strided', binary('add', strided, g32)),
        ('multiply float64', binary('multiply', f64, f64)),
        ('divide float32', binary('divide', f32, g32)),
        ('maximum float32', binary('maximum', f32, g32)),
        ('fmin float32', binary('fmin', f32, g32)),
        ('add int32', binary('add', i32, j32)),
        ('multiply int8', binary('multiply', i8, i8)),
        ('floor_divide int32', binary('floor_divide', i32, j32)),
        ('left_shift int32', binary('left_shift', j32, i8)),
        ('less float32', binary('less', f32, g32)),
        ('equal int32', binary('equal', i32, j32)),
        ('logical_and bool', binary('logical_and', b8, b8)),
        ('hypot float32', binary('hypot', f32, g32)),
        ('exp float32', unary('exp', f32)),
        ('log float32', unary('log', pos32)),
        ('tanh float32', unary('tanh', f32)),
        ('sqrt float64', unary('sqrt', f64)),
        ('absolute int16', unary('absolute', i16)),
        ('negative float32', unary('negative', f32)),
        ('isnan float32', unary('isnan', f32)),
        ('where float32', lambda: free(where(b8, f32, g32))),
        ('clip float32', lambda: free(clip(f32, s32, g32))),
        ('sum float32', reduce('sum', f32)),
        ('sum int32', reduce('sum', i32)),
        ('max float32', reduce('max', f32)),
        ('min int16', reduce('min', i16)),
        ('prod float64', reduce('prod', f64)),
        ('any bool', reduce('any', b8)),
        ('sum axis 0 2048x2048', lambda: free(sum_axes(mat, 1, axis0, False))),
        ('argmax float32', axis_op('argmax', f32, 0)),
        ('argmin float32 strided', axis_op('argmin', strided, 0)),
        ('argmax int32', axis_op('argmax', i32, 0)),
        ('cumsum float32', axis_op('cumsum', f32, 0)),
    ]


def child(path):
    """Times every row with one library; prints {row: best seconds}."""
    table = {}
    for name, fn in rows(ctypes.CDLL(path)):
        fn()
        best = float('inf')
        for _ in range(7):
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        table[name] = best
    print(json.dumps(table))


def main(argv):
    if len(argv) >= 3 and argv[1] == '--child':
        child(argv[2])
        return 0
    if len(argv) not in (3, 4):
        print(__doc__)
        return 2
    before, after = argv[1], argv[2]
    rounds = int(argv[3]) if len(argv) == 4 else 5
    times = {before: [], after: []}
    for r in range(rounds):
        for path in ((before, after) if r % 2 == 0 else (after, before)):
            out = subprocess.run([sys.executable, __file__, '--child', path], capture_output=True,
                                 text=True, check=True).stdout
            times[path].append(json.loads(out))
    print('%-28s %12s %12s %7s' % ('loop (4M elements, 1 thread)', 'before', 'after', 'ratio'))
    ratios = []
    for name in times[before][0]:
        b = statistics.median(t[name] for t in times[before])
        a = statistics.median(t[name] for t in times[after])
        ratios.append(b / a)
        print('%-28s %10.3fms %10.3fms %6.2fx' % (name, b * 1e3, a * 1e3, b / a))
    print('geometric mean of the ratios: %.3f (%d rounds)' % (statistics.geometric_mean(ratios), rounds))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
