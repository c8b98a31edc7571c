"""Times libnd's products against NumPy's in the same process (same OpenBLAS
on Debian) and prints the ratio libnd / NumPy (below 1: libnd is faster).

    /usr/bin/python3 benchmarks/bench_matmul.py build/libnd/libnd.so
"""
import ctypes
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'tests', 'nd', 'numpy'))
import libnd  # noqa: E402
import numpy as np  # noqa: E402
from libnd import INT, P  # noqa: E402


def best_time(fn, repeat):
    fn()
    best = float('inf')
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(path):
    lib = libnd.load(path)
    for name, argtypes in [('nd_matmul', [P, P]), ('nd_einsum', [ctypes.c_char_p, INT, P])]:
        getattr(lib, name).restype, getattr(lib, name).argtypes = P, argtypes
    rng = np.random.default_rng(0)

    def case(title, shape_a, shape_b, dtype='float32', transpose_b=False, repeat=10, einsum=None):
        a = rng.standard_normal(shape_a).astype(dtype)
        b = rng.standard_normal(shape_b).astype(dtype)
        ha, hb = libnd.from_numpy(lib, a), libnd.from_numpy(lib, b)
        if transpose_b:   # b given as (.., n, k) and used as its transpose, a view in both
            axes = list(range(b.ndim))
            axes[-1], axes[-2] = axes[-2], axes[-1]
            hb_t = lib.nd_transpose(hb, (INT * b.ndim)(*axes))
            lib.nd_free(hb)
            hb, b = hb_t, b.swapaxes(-1, -2)
        if einsum:
            nd_fn = lambda: lib.nd_free(lib.nd_einsum(einsum.encode(), 2, (P * 2)(ha, hb)))
            np_fn = lambda: np.einsum(einsum, a, b)
        else:
            nd_fn = lambda: lib.nd_free(lib.nd_matmul(ha, hb))
            np_fn = lambda: np.matmul(a, b)
        t_nd, t_np = best_time(nd_fn, repeat), best_time(np_fn, repeat)
        print(f'{title:44s} libnd {t_nd * 1e3:9.3f} ms   numpy {t_np * 1e3:9.3f} ms   '
              f'ratio {t_nd / t_np:5.2f}')
        lib.nd_free(ha)
        lib.nd_free(hb)

    case('matmul (1024,1024)@(1024,1024) f32', (1024, 1024), (1024, 1024))
    case('matmul (1024,1024)@(1024,1024)^T f32', (1024, 1024), (1024, 1024), transpose_b=True)
    case('matmul (1024,1024)@(1024,1024) f64', (1024, 1024), (1024, 1024), 'float64', repeat=5)
    case('batched (64,128,64)@(64,64,128) f32', (64, 128, 64), (64, 64, 128), repeat=20)
    case('linear (32,256,512)@(512,512) f32', (32, 256, 512), (512, 512), repeat=10)
    case('attention (8,8,128,64)@(..,128,64)^T f32', (8, 8, 128, 64), (8, 8, 128, 64),
         transpose_b=True, repeat=20)
    case('vector (4096,)@(4096,4096) f32', (4096,), (4096, 4096), repeat=10)
    case('int32 (256,256)@(256,256)', (256, 256), (256, 256), 'int32', repeat=3)
    case('float16 (256,256)@(256,256)', (256, 256), (256, 256), 'float16', repeat=3)
    case("einsum 'bhtd,bhsd->bhts' f32", (8, 8, 128, 64), (8, 8, 128, 64), repeat=10,
         einsum='bhtd,bhsd->bhts')


if __name__ == '__main__':
    main(sys.argv[1])
