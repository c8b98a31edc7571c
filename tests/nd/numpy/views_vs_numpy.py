"""Differential test: 4,000 random chains of views (slice with any
start/stop/step, transpose, reshape incl. -1, diagonal, squeeze,
expand_dims) on int64 arrays with 0-size and size-1 dims, compared with
NumPy: values, shapes, strides in bytes (of axes longer than 1), C/F flags,
view-versus-copy, and reshape's error text."""
import random
import sys

import libnd
import numpy as np
from libnd import I64, NONE


def main(lib_path):
    lib = libnd.load(lib_path)
    rng = random.Random(1)
    failures = 0

    def fail(*what):
        nonlocal failures
        failures += 1
        if failures <= 20:
            print('MISMATCH', *what)

    for _ in range(4000):
        shape = [rng.randint(0, 5) for _ in range(rng.randint(1, 4))]
        ref = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
        handle = libnd.from_numpy(lib, ref)
        for _ in range(rng.randint(1, 4)):
            op = rng.choice(['slice', 'transpose', 'reshape', 'diagonal', 'squeeze', 'expand_dims'])
            if op == 'slice' and ref.ndim:
                axis = rng.randrange(ref.ndim)
                start = rng.choice([None, rng.randint(-8, 8)])
                stop = rng.choice([None, rng.randint(-8, 8)])
                step = rng.choice([None, 1, -1, 2, -2, 3, -3, 7])
                index = [slice(None)] * ref.ndim
                index[axis] = slice(start, stop, step)
                new_ref = ref[tuple(index)]
                new = lib.nd_slice(handle, axis, NONE if start is None else start,
                                   NONE if stop is None else stop, NONE if step is None else step)
                what = (op, ref.shape, axis, start, stop, step)
            elif op == 'transpose':
                perm = list(range(ref.ndim))
                rng.shuffle(perm)
                new_ref = ref.transpose(perm)
                new = lib.nd_transpose(handle, (libnd.INT * max(len(perm), 1))(*perm))
                what = (op, ref.shape, perm)
            elif op == 'reshape':
                n, dims = ref.size, []
                while n > 1 and len(dims) < 3:
                    d = rng.choice([x for x in range(1, n + 1) if n % x == 0])
                    dims.append(d)
                    n //= d
                if n != 1 or not dims:
                    dims.append(n)
                if rng.random() < 0.3:
                    dims.insert(rng.randint(0, len(dims)), 1)
                if ref.size == 0:
                    dims = [0, rng.randint(1, 3)]
                if rng.random() < 0.3:
                    dims[rng.randrange(len(dims))] = -1
                if rng.random() < 0.1:
                    dims[0] += 1   # usually impossible: compare the error
                try:
                    new_ref, error = ref.reshape(dims), None
                except ValueError as e:
                    new_ref, error = None, str(e)
                new = lib.nd_reshape(handle, len(dims), (I64 * len(dims))(*dims))
                what = (op, ref.shape, ref.strides, dims)
                if error is not None:
                    message = lib.nd_last_error().decode()
                    if new or message != error:
                        fail(*what, 'error', repr(error), repr(message))
                    lib.nd_free(new)
                    break
                if ref.size and np.shares_memory(new_ref, ref) != lib.nd_may_share_memory(new, handle):
                    fail(*what, 'view/copy differs')
            elif op == 'diagonal' and ref.ndim >= 2:
                axis1, axis2 = rng.sample(range(ref.ndim), 2)
                k = rng.randint(-4, 4)
                new_ref = np.diagonal(ref, k, axis1, axis2)
                new = lib.nd_diagonal(handle, k, axis1, axis2)
                what = (op, ref.shape, k, axis1, axis2)
            elif op == 'squeeze':
                new_ref = np.squeeze(ref)
                new = lib.nd_squeeze(handle, 0, None)
                what = (op, ref.shape)
            elif op == 'expand_dims':
                axis = rng.randint(-ref.ndim - 1, ref.ndim)
                new_ref = np.expand_dims(ref, axis)
                new = lib.nd_expand_dims(handle, axis)
                what = (op, ref.shape, axis)
            else:
                continue
            if not new:
                fail(*what, 'NULL:', lib.nd_last_error())
                break
            values, shape, strides = libnd.to_numpy(lib, new, 'int64')
            if list(new_ref.shape) != shape or not np.array_equal(values, new_ref):
                fail(*what, 'values/shape', new_ref.shape, shape)
            long_axes = lambda st, sh: [s for s, d in zip(st, sh) if d > 1]
            if new_ref.size > 1 and long_axes(new_ref.strides, new_ref.shape) != long_axes(strides, shape):
                fail(*what, 'strides', new_ref.strides, strides)
            if (new_ref.flags.c_contiguous != lib.nd_is_c_contiguous(new) or
                    new_ref.flags.f_contiguous != lib.nd_is_f_contiguous(new)):
                fail(*what, 'flags')
            lib.nd_free(handle)
            handle, ref = new, new_ref
        lib.nd_free(handle)
    print(f'views vs numpy: {failures} mismatches')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
