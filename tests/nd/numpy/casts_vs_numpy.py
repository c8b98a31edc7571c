"""Differential test: astype between every pair of NumPy's dtypes on values
where NumPy defines the result (float -> int in range), the full
promote_types and can_cast tables, and float16 conversions (all 65,536
half patterns, and ~150,000 doubles on and next to rounding ties)."""
import sys

import libnd
import numpy as np

CASTINGS = ['no', 'equiv', 'safe', 'same_kind', 'unsafe']


def main(lib_path):
    lib = libnd.load(lib_path)
    rng = np.random.default_rng(0)
    failures = 0
    names = [n for n in libnd.DTYPES if n != 'bfloat16']
    values = np.concatenate([rng.integers(-300, 300, 200).astype(np.float64),
                             rng.normal(0, 50, 200),
                             [0., -0., 0.5, -0.5, 1.5, 2.5, -2.5, 127., 128., -128., 255.,
                              256., 65504., 65519.9, 65520., 1e-8, 6e-8, 3e-8]])
    for source_name in names:
        with np.errstate(all='ignore'):
            source = values.astype(source_name)
        handle = libnd.from_numpy(lib, source)
        for target_name in names:
            with np.errstate(all='ignore'):
                expected = source.astype(target_name)
            defined = np.ones(len(source), bool)
            if np.dtype(source_name).kind == 'f' and np.dtype(target_name).kind in 'iu':
                info = np.iinfo(target_name)
                t = np.trunc(source.astype(np.float64))
                defined = np.isfinite(t) & (t >= info.min) & (t <= info.max)
            result = lib.nd_astype(handle, libnd.CODE[target_name])
            got, _, _ = libnd.to_numpy(lib, result, target_name)
            lib.nd_free(result)
            same = (got == expected) | ((got != got) & (expected != expected))
            if not same[defined].all():
                failures += 1
                i = np.where(~same & defined)[0][0]
                print('MISMATCH astype', source_name, '->', target_name, source[i], expected[i], got[i])
        lib.nd_free(handle)

    for a in names:
        for b in names:
            got = libnd.DTYPES[lib.nd_result_type(libnd.CODE[a], libnd.CODE[b])]
            if got != str(np.promote_types(a, b)):
                failures += 1
                print('MISMATCH promote_types', a, b, got, np.promote_types(a, b))
            for c, casting in enumerate(CASTINGS):
                if lib.nd_can_cast(libnd.CODE[a], libnd.CODE[b], c) != np.can_cast(a, b, casting):
                    failures += 1
                    print('MISMATCH can_cast', a, b, casting)

    halves = np.arange(65536, dtype=np.uint16).view(np.float16)
    floats = np.array([lib.nd_half_to_float(i) for i in range(65536)], dtype=np.float32)
    same = (floats == halves.astype(np.float32)) | (np.isnan(floats) & np.isnan(halves))
    if not same.all():
        failures += 1
        print('MISMATCH half -> float at', np.where(~same)[0][:5])
    finite = halves[np.isfinite(halves)].astype(np.float64)
    doubles = np.concatenate([rng.normal(0, 1000, 20000), rng.normal(0, 1e-5, 5000),
                              np.nextafter(finite, np.inf), np.nextafter(finite, -np.inf),
                              (finite[1:] + finite[:-1]) / 2])
    doubles = doubles[np.isfinite(doubles)]
    got = np.array([lib.nd_double_to_half(x) for x in doubles], dtype=np.uint16)
    with np.errstate(all='ignore'):
        expected = doubles.astype(np.float16).view(np.uint16)
    if (got != expected).any():
        failures += 1
        print('MISMATCH double -> half:', int((got != expected).sum()), 'of', len(doubles))
    print(f'casts vs numpy: {failures} mismatches')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
