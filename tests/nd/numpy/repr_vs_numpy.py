"""Differential test: nd_repr and nd_str against repr() and str() of 3,000
random arrays: every NumPy dtype, 0-d to 3-d, size-0 dims, more than 1000
elements (summarized), integer extremes, tiny/huge/mixed float magnitudes,
quarter-integers, nan, inf, -0.0. Byte for byte."""
import sys

import libnd
import numpy as np


def main(lib_path):
    lib = libnd.load(lib_path)
    rng = np.random.default_rng(5)
    failures = cases = 0
    names = [n for n in libnd.DTYPES if n != 'bfloat16']
    for _ in range(3000):
        dtype = rng.choice(names)
        shape = tuple(int(x) for x in rng.integers(0, 6 if rng.random() < 0.8 else 30,
                                                   int(rng.integers(0, 4))))
        if rng.random() < 0.03:
            shape = (int(rng.integers(1001, 3000)),)
        if rng.random() < 0.03:
            shape = (40, 30)
        size = int(np.prod(shape))
        kind = int(rng.integers(0, 6))
        if dtype == 'bool':
            values = rng.random(size) < 0.5
        elif dtype.startswith(('int', 'uint')):
            info = np.iinfo(dtype)
            low, high = (info.min, info.max) if kind else (max(info.min, -100), min(info.max, 100))
            values = rng.integers(low, high, size, dtype=dtype, endpoint=True)
        else:
            values = rng.normal(0, 1, size) * [1, 1e-6, 1e9, 1000, 0.01, 1][kind]
            if kind == 5:
                values = np.round(values * 4) / 4
            if rng.random() < 0.2 and size:
                values[rng.integers(0, size)] = rng.choice([np.nan, np.inf, -np.inf, 0.0, -0.0])
            with np.errstate(all='ignore'):
                values = values.astype(dtype)
        a = np.asarray(values, dtype=dtype).reshape(shape)
        handle = libnd.from_numpy(lib, a)
        for function, expected in [(lib.nd_repr, repr(a)), (lib.nd_str, str(a))]:
            got = libnd.take_string(function(handle))
            cases += 1
            if got != expected:
                failures += 1
                if failures <= 5:
                    print(f'MISMATCH {dtype} {shape}\n--- numpy\n{expected}\n--- libnd\n{got}')
        lib.nd_free(handle)
    print(f'repr/str vs numpy: {failures} mismatches in {cases} cases')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
