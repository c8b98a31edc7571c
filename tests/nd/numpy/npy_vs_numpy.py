"""Interop with real NumPy, both directions: NumPy writes .npy (versions
1.0, 2.0, 3.0; C and Fortran order; little- and big-endian) and .npz
(stored and deflated) files of every dtype, libnd loads them and every
element must match bit for bit; then libnd saves (.npy from C-ordered,
Fortran-ordered and strided arrays; .npz stored and compressed) and NumPy
loads them. bfloat16 travels as '<V2' bit patterns."""
import ctypes
import os
import sys
import tempfile

import libnd
import numpy as np

P = ctypes.c_void_p


def bind(lib):
    for name, restype, argtypes in [
            ('nd_load_npy', P, [ctypes.c_char_p]), ('nd_save_npy', ctypes.c_int, [ctypes.c_char_p, P]),
            ('nd_load_npz', P, [ctypes.c_char_p]), ('nd_npz_count', ctypes.c_int, [P]),
            ('nd_npz_name', ctypes.c_char_p, [P, ctypes.c_int]), ('nd_npz_get', P, [P, ctypes.c_char_p]),
            ('nd_npz_free', None, [P]), ('nd_dtype_of', ctypes.c_int, [P]),
            ('nd_savez', ctypes.c_int, [ctypes.c_char_p, ctypes.c_int, P, P]),
            ('nd_savez_compressed', ctypes.c_int, [ctypes.c_char_p, ctypes.c_int, P, P])]:
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes


def sample(rng, dtype, shape):
    size = int(np.prod(shape))
    if dtype == 'bool':
        return (rng.random(size) < 0.5).reshape(shape)
    if dtype[0] in 'iu':
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size, dtype=dtype, endpoint=True).reshape(shape)
    v = rng.normal(0, 100, size)
    if size >= 3:
        v[:3] = [np.nan, np.inf, -0.0]
    return v.astype(dtype).reshape(shape)


def bits(a):
    """Bit patterns, so NaNs and -0.0 compare exactly."""
    a = np.ascontiguousarray(a)
    return a.view(f'u{a.dtype.itemsize}') if a.dtype.kind in 'fV' else a


def handle_values(lib, handle):
    dtype = libnd.DTYPES[lib.nd_dtype_of(handle)]
    view_as = 'uint16' if dtype == 'bfloat16' else dtype
    values, shape, _ = libnd.to_numpy(lib, handle, view_as)
    return dtype, values


def main(lib_path):
    lib = libnd.load(lib_path)
    bind(lib)
    rng = np.random.default_rng(3)
    failures = checked = 0
    shapes = [(), (0,), (5,), (3, 4), (2, 0, 3), (2, 3, 4)]
    names = [n for n in libnd.DTYPES if n != 'bfloat16']
    tmp = tempfile.mkdtemp(prefix='nd-npy-')

    def check(what, ok):
        nonlocal failures, checked
        checked += 1
        if not ok:
            failures += 1
            print('MISMATCH', what, lib.nd_last_error())

    # NumPy writes, libnd reads.
    for dtype in names + ['bfloat16']:
        for shape in shapes:
            if dtype == 'bfloat16':
                a = rng.integers(0, 65536, int(np.prod(shape)), dtype=np.uint16).reshape(shape)
                a[...] = a & 0xff7f   # avoid signalling-NaN patterns changing
                written = a.view('V2')
            else:
                a = written = sample(rng, dtype, shape)
            for order in 'CF':
                for endian in '<>':
                    for version in [(1, 0), (2, 0), (3, 0)]:
                        arr = np.asarray(written, order=order)
                        if dtype not in ('bfloat16',) and arr.dtype.itemsize > 1:
                            arr = arr.astype(arr.dtype.newbyteorder(endian))
                        path = os.path.join(tmp, 'a.npy')
                        with open(path, 'wb') as f:
                            np.lib.format.write_array(f, arr, version=version)
                        h = lib.nd_load_npy(path.encode())
                        what = (dtype, shape, order, endian, version)
                        if not h:
                            check(what, False)
                            continue
                        got_dtype, got = handle_values(lib, h)
                        expected = a if dtype == 'bfloat16' else np.asarray(a)
                        fortran_ok = (lib.nd_is_f_contiguous(h) if order == 'F' and len(shape) > 1
                                      and 0 not in shape else True)
                        check(what, got_dtype == dtype and got.shape == expected.shape and
                              np.array_equal(bits(got), bits(expected)) and fortran_ok)
                        lib.nd_free(h)
    # npz, stored and deflated.
    arrays = {n: sample(rng, n, (3, 5)) for n in names}
    for compress in [False, True]:
        path = os.path.join(tmp, 'a.npz')
        (np.savez_compressed if compress else np.savez)(path, **arrays)
        z = lib.nd_load_npz(path.encode())
        check(('npz', compress, 'load'), bool(z) and lib.nd_npz_count(z) == len(arrays))
        for name, expected in arrays.items():
            h = lib.nd_npz_get(z, name.encode()) if z else None
            got = handle_values(lib, h)[1] if h else None
            check(('npz', compress, name), h is not None and np.array_equal(bits(got), bits(expected)))
            lib.nd_free(h)
        missing = lib.nd_npz_get(z, b'nope') if z else None
        check(('npz', 'missing key'), not missing and lib.nd_last_error() == b'nope is not a file in the archive')
        lib.nd_npz_free(z)

    # libnd writes, NumPy reads.
    for dtype in names:
        for shape in shapes:
            a = sample(rng, dtype, shape)
            h = libnd.from_numpy(lib, a)
            variants = [('C', h, a)]
            if a.ndim >= 2:
                variants.append(('F', lib.nd_transpose(h, None), a.T))
                step = lib.nd_slice(h, 1, libnd.NONE, libnd.NONE, -2)
                variants.append(('strided', step, a[:, ::-2]))
            for label, handle, expected in variants:
                path = os.path.join(tmp, 'b.npy')
                status = lib.nd_save_npy(path.encode(), handle)
                loaded = np.load(path) if status == 0 else None
                check((dtype, shape, label, 'save'), status == 0 and loaded.dtype == expected.dtype and
                      np.array_equal(bits(loaded), bits(expected)) and
                      (label != 'F' or 0 in shape or loaded.flags.f_contiguous))
                if handle != h:
                    lib.nd_free(handle)
            lib.nd_free(h)
    bf = rng.integers(0, 65536, 7, dtype=np.uint16) & 0xff7f
    h = lib.nd_astype(libnd.from_numpy(lib, np.zeros(7, np.uint16)), libnd.CODE['bfloat16'])
    lib.nd_free(h)
    handles = [libnd.from_numpy(lib, arrays[n]) for n in names]
    array_list = (P * len(handles))(*handles)
    name_list = (ctypes.c_char_p * len(names))(*[n.encode() for n in names])
    for save, label in [(lib.nd_savez, 'savez'), (lib.nd_savez_compressed, 'savez_compressed')]:
        path = os.path.join(tmp, 'c.npz')
        status = save(path.encode(), len(names), ctypes.cast(name_list, P), ctypes.cast(array_list, P))
        ok = status == 0
        if ok:
            with np.load(path) as loaded:
                ok = sorted(loaded.files) == sorted(names) and all(
                    np.array_equal(bits(loaded[n]), bits(arrays[n])) for n in names)
        check((label,), ok)
    for handle in handles:
        lib.nd_free(handle)
    # bfloat16 saved by libnd reads back in NumPy as '<V2' bit patterns.
    h16 = libnd.from_numpy(lib, np.array([1.0, -2.5, 3.0], np.float32))
    bf16 = lib.nd_astype(h16, libnd.CODE['bfloat16'])
    path = os.path.join(tmp, 'bf.npy')
    ok = lib.nd_save_npy(path.encode(), bf16) == 0
    if ok:
        loaded = np.load(path)
        values = (loaded.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
        ok = loaded.dtype.str == '|V2' and values.tolist() == [1.0, -2.5, 3.0]
    check(('bfloat16 save',), ok)
    lib.nd_free(bf16)
    lib.nd_free(h16)
    for f in os.listdir(tmp):
        os.remove(os.path.join(tmp, f))
    os.rmdir(tmp)
    print(f'npy/npz vs numpy: {failures} failures in {checked} checks')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
