"""Differential test of join.c, indexing.c and sort.c against NumPy 1.24.

Thousands of random cases: every dtype (bfloat16 travels as its uint16 bit
patterns and is sorted by its float32 value), shapes with 0-size and size-1
axes, 0-d arrays where NumPy allows them, and non-contiguous inputs
(transposed, stepped and reversed views). Results are compared exactly:
dtype, shape and bytes (NaN included), and error texts where NumPy raises.
top-k is checked against a NumPy emulation of torch.topk (stable order by
value, ties by lower index); partition against the partition property and
NumPy's value at kth."""
import ctypes
import sys

import libnd
import numpy as np
from libnd import I64, INT, P

PP = ctypes.POINTER(P)
NAMES = libnd.DTYPES   # includes bfloat16
SIGNATURES = {
    'nd_concatenate': (P, [INT, P, INT]), 'nd_concatenate_flat': (P, [INT, P]),
    'nd_stack': (P, [INT, P, INT]),
    'nd_array_split': (PP, [P, I64, INT, ctypes.POINTER(INT)]),
    'nd_split': (PP, [P, I64, INT, ctypes.POINTER(INT)]),
    'nd_split_indices': (PP, [P, INT, P, INT, ctypes.POINTER(INT)]),
    'nd_free_arrays': (None, [PP, INT]),
    'nd_pad': (P, [P, P, INT, ctypes.c_double]), 'nd_tile': (P, [P, INT, P]),
    'nd_repeat': (P, [P, I64, INT]), 'nd_repeat_each': (P, [P, I64, P, INT]),
    'nd_flip': (P, [P, INT, P]), 'nd_roll': (P, [P, I64, INT]), 'nd_roll_flat': (P, [P, I64]),
    'nd_take': (P, [P, P, INT]), 'nd_take_flat': (P, [P, P]),
    'nd_take_along_axis': (P, [P, P, INT]), 'nd_put_along_axis': (INT, [P, P, P, INT]),
    'nd_put': (INT, [P, P, P]), 'nd_add_at': (INT, [P, P, P]),
    'nd_mask_select': (P, [P, P]), 'nd_mask_assign': (INT, [P, P, P]),
    'nd_nonzero': (PP, [P, ctypes.POINTER(INT)]), 'nd_argwhere': (P, [P]),
    'nd_bincount': (P, [P, P, I64]), 'nd_one_hot': (P, [P, I64, INT]),
    'nd_sort': (P, [P, INT]), 'nd_argsort': (P, [P, INT]),
    'nd_partition': (P, [P, INT, P, INT]), 'nd_argpartition': (P, [P, INT, P, INT]),
    'nd_topk': (INT, [P, I64, INT, ctypes.c_bool, PP, PP]),
    'nd_unique': (INT, [P, PP, PP, PP]), 'nd_searchsorted': (P, [P, P, INT]),
    'nd_dtype_of': (INT, [P]),
}


class Case:
    """One random case: creates handles, frees them all at the end."""

    def __init__(self, lib, rng):
        self.lib, self.rng, self.handles = lib, rng, []

    def keep(self, h):
        if h:
            self.handles.append(h)
        return h

    def free(self):
        for h in self.handles:
            self.lib.nd_free(h)
        self.handles = []

    def nd(self, a, name=None):
        """A libnd copy of numpy array a (uint16 bits when name is bfloat16)."""
        a = np.asarray(a)
        name = name or str(a.dtype)
        c = a.copy(order='C')
        shape = (I64 * max(c.ndim, 1))(*c.shape)
        return self.keep(self.lib.nd_from_data(libnd.CODE[name], c.ndim, shape, c.ctypes.data))

    def view(self, a, name=None, keep_shape=False):
        """(numpy view, libnd view) of a's values, non-contiguous at random:
        transposed, stepped or reversed. keep_shape gives a's own shape (a
        transposed copy transposed back, a reversed copy reversed back)."""
        rng = self.rng
        lib = self.lib
        if keep_shape:
            if a.ndim >= 2 and rng.random() < 0.4:
                perm = [int(x) for x in rng.permutation(a.ndim)]
                inverse = [int(x) for x in np.argsort(perm)]
                h = self.keep(lib.nd_transpose(self.nd(a.transpose(perm), name),
                                               (INT * a.ndim)(*inverse)))
            elif a.ndim >= 1 and rng.random() < 0.5:
                axis = int(rng.integers(a.ndim))
                h = self.keep(lib.nd_flip(self.nd(np.flip(a, axis), name), 1, (INT * 1)(axis)))
            else:
                h = self.nd(a, name)
            return a, h
        h = self.nd(a, name)
        if a.ndim >= 2 and rng.random() < 0.4:
            perm = [int(x) for x in rng.permutation(a.ndim)]
            a = a.transpose(perm)
            h = self.keep(lib.nd_transpose(h, (INT * a.ndim)(*perm)))
        if a.ndim >= 1 and rng.random() < 0.5:
            axis = int(rng.integers(a.ndim))
            step = int(rng.choice([-1, -2, 2]))
            index = [slice(None)] * a.ndim
            index[axis] = slice(None, None, step)
            a = a[tuple(index)]
            h = self.keep(lib.nd_slice(h, axis, libnd.NONE, libnd.NONE, step))
        return a, h

    def get(self, h, name):
        """The values of handle h as numpy (uint16 for bfloat16)."""
        values, _, _ = libnd.to_numpy(self.lib, h, 'uint16' if name == 'bfloat16' else name)
        return values


def random_values(rng, name, shape):
    """Small values with many ties; floats get NaN, inf and -0.0 too."""
    n = int(np.prod(shape))
    if name == 'bool':
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    if name.startswith('uint'):
        return rng.integers(0, 9, n).astype(name).reshape(shape)
    if name.startswith('int'):
        return rng.integers(-5, 6, n).astype(name).reshape(shape)
    v = rng.integers(-6, 7, n) / 2.0
    special = rng.random(n)
    v[special < 0.06] = np.nan
    v[(special >= 0.06) & (special < 0.09)] = np.inf
    v[(special >= 0.09) & (special < 0.11)] = -np.inf
    v[(special >= 0.11) & (special < 0.15)] = -0.0
    if name == 'bfloat16':   # as bit patterns; the values are exact in bfloat16
        return (v.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16).reshape(shape)
    return v.astype(name).reshape(shape)


def as_float(bits):
    """bfloat16 bit patterns -> float32 values."""
    wide = np.asarray(np.asarray(bits).astype(np.uint32) << np.uint32(16), np.uint32)
    return wide.reshape(-1).view(np.float32).reshape(wide.shape)


def random_shape(rng, ndim=None, low=0, high=5):
    ndim = int(rng.integers(1, 4)) if ndim is None else ndim
    return tuple(int(rng.integers(low, high)) for _ in range(ndim))


def main(lib_path):
    lib = libnd.load(lib_path)
    for name, (restype, argtypes) in SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    rng = np.random.default_rng(7)
    failures = 0
    counts = {}

    def fail(*what):
        nonlocal failures
        failures += 1
        if failures <= 30:
            print('MISMATCH', *what)

    def check(what, case, h, expected, name):
        """h must hold exactly `expected` (dtype name, shape, bytes)."""
        counts[what[0]] = counts.get(what[0], 0) + 1
        if not h:
            fail(*what, 'NULL:', lib.nd_last_error())
            return
        got_name = NAMES[lib.nd_dtype_of(h)]
        got = case.get(h, got_name)
        if got_name != name or got.shape != expected.shape or got.tobytes() != \
                np.ascontiguousarray(expected).tobytes():
            fail(*what, 'got', got_name, got.shape, got.ravel()[:12], 'expected', name,
                 expected.shape, expected.ravel()[:12])

    def check_error(what, succeeded, message):
        """The libnd call must have failed with NumPy's message."""
        counts[what[0]] = counts.get(what[0], 0) + 1
        got = lib.nd_last_error().decode()
        if succeeded:
            fail(*what, 'no error, expected', repr(message))
        elif got != message:
            fail(*what, 'error', repr(got), 'expected', repr(message))

    def numpy_error(f):
        try:
            f()
        except Exception as e:   # noqa: BLE001 (NumPy raises several kinds)
            return str(e)
        return None

    def pointer_list(handles):
        return (P * len(handles))(*handles)

    # ---- join: concatenate, stack, split --------------------------------------
    for _ in range(600):
        case = Case(lib, rng)
        ndim = int(rng.integers(1, 4))
        axis = int(rng.integers(-ndim, ndim))
        base = list(random_shape(rng, ndim))
        n = int(rng.integers(1, 4))
        same = rng.random() < 0.5
        names = [str(rng.choice(NAMES[:-4] + ['float16', 'float32', 'float64']))]
        names += [names[0] if same else str(rng.choice(NAMES[:-4] + ['float16', 'float32', 'float64']))
                  for _ in range(n - 1)]
        arrays, handles = [], []
        for k in range(n):
            shape = list(base)
            shape[axis] = int(rng.integers(0, 4))
            a, h = case.view(random_values(rng, names[k], shape), keep_shape=True)
            arrays.append(a)
            handles.append(h)
        expected = np.concatenate(arrays, axis)
        check(('concatenate', names, [a.shape for a in arrays], axis), case,
              case.keep(lib.nd_concatenate(n, pointer_list(handles), axis)), expected,
              str(expected.dtype))
        expected = np.concatenate(arrays, axis=None)
        check(('concatenate_flat', names), case,
              case.keep(lib.nd_concatenate_flat(n, pointer_list(handles))), expected,
              str(expected.dtype))
        # stack: equal shapes; bfloat16 moves as bits
        name = str(rng.choice(NAMES))
        stack_axis = int(rng.integers(-ndim - 1, ndim + 1))
        pairs = [case.view(random_values(rng, name, base), name, keep_shape=True) for _ in range(n)]
        expected = np.stack([p[0] for p in pairs], stack_axis)
        check(('stack', name, base, stack_axis), case,
              case.keep(lib.nd_stack(n, pointer_list([p[1] for p in pairs]), stack_axis)),
              expected, name if name == 'bfloat16' else str(expected.dtype))
        # mismatched shapes give NumPy's message
        if n >= 2 and any(s > 0 for s in base):
            bad = list(base)
            bad[(axis + 1) % ndim if ndim > 1 else 0] += 1
            a2 = random_values(rng, names[0], bad)
            h2 = case.nd(a2)
            message = numpy_error(lambda: np.concatenate([arrays[0], a2], axis))
            if message is not None:
                r = lib.nd_concatenate(2, pointer_list([handles[0], h2]), axis)
                case.keep(r)
                check_error(('concatenate error', base, bad, axis), bool(r), message)
        # split / array_split / split at indices: views of the input
        a, h = arrays[0], handles[0]
        length = a.shape[axis]
        sections = int(rng.integers(1, 5))
        count = INT(0)
        for fn, ref in (('nd_array_split', np.array_split), ('nd_split', np.split)):
            message = numpy_error(lambda: ref(a, sections, axis))
            pieces = getattr(lib, fn)(h, sections, axis, ctypes.byref(count))
            if message is not None:
                check_error((fn, a.shape, sections, axis), bool(pieces), message)
                if pieces:
                    lib.nd_free_arrays(pieces, count.value)
                continue
            expected = ref(a, sections, axis)
            counts[fn] = counts.get(fn, 0) + 1
            if not pieces or count.value != len(expected):
                fail(fn, a.shape, sections, axis, 'count', count.value, len(expected))
            else:
                for k, e in enumerate(expected):
                    check((fn, a.shape, sections, axis, k), case,
                          case.keep(lib.nd_copy(pieces[k])), e, names[0])
            if pieces:
                lib.nd_free_arrays(pieces, count.value)
        indices = sorted(int(i) for i in rng.integers(-length - 2, length + 3, int(rng.integers(0, 4))))
        if rng.random() < 0.3:
            rng.shuffle(indices)
        expected = np.split(a, indices, axis)
        pieces = lib.nd_split_indices(h, len(indices), (I64 * max(1, len(indices)))(*indices),
                                      axis, ctypes.byref(count))
        if not pieces or count.value != len(expected):
            fail('split_indices', a.shape, indices, axis)
        else:
            for k, e in enumerate(expected):
                check(('split_indices', a.shape, indices, axis, k), case,
                      case.keep(lib.nd_copy(pieces[k])), e, names[0])
        if pieces:
            lib.nd_free_arrays(pieces, count.value)
        case.free()

    # ---- pad, tile, repeat, flip, roll ----------------------------------------
    modes = ['constant', 'edge', 'reflect']
    for _ in range(1500):
        case = Case(lib, rng)
        name = str(rng.choice(NAMES))
        ndim = int(rng.integers(0, 4))
        raw = random_values(rng, name, random_shape(rng, ndim))
        a, h = case.view(raw, name)
        # pad
        mode = int(rng.integers(0, 3))
        widths = [(int(rng.integers(0, 7)), int(rng.integers(0, 7))) for _ in range(a.ndim)]
        if a.ndim and rng.random() < 0.05:
            widths[0] = (-1, 2)
        value = float(rng.choice([0, 1, 2.5] if name.startswith('uint') else [0, 1, 2.5, -3]))
        flat_widths = (I64 * max(1, 2 * a.ndim))(*[w for pair in widths for w in pair] or [0])
        kwargs = {'constant_values': value} if mode == 0 else {}
        if name == 'bfloat16' and mode == 0:
            kwargs = {'constant_values': int(np.float32(value).view(np.uint32) >> 16)}
        widths = widths or 0   # a 0-d array: any pad width gives a copy
        message = numpy_error(lambda: np.pad(a, widths, modes[mode], **kwargs))
        r = case.keep(lib.nd_pad(h, flat_widths, mode, value))
        if message is not None:
            check_error(('pad error', a.shape, widths, modes[mode]), bool(r), message)
        else:
            with np.errstate(all='ignore'):
                expected = np.pad(a, widths, modes[mode], **kwargs)
            check(('pad', name, a.shape, a.strides, widths, modes[mode]), case, r, expected, name)
        # tile
        reps = [int(rng.integers(0, 4)) for _ in range(int(rng.integers(0, 4)))]
        check(('tile', name, a.shape, reps), case,
              case.keep(lib.nd_tile(h, len(reps), (I64 * max(1, len(reps)))(*reps))),
              np.tile(a, reps), name)
        # repeat, scalar and per element
        if a.ndim:
            axis = int(rng.integers(-a.ndim, a.ndim))
            count = int(rng.integers(0, 4))
            check(('repeat', name, a.shape, count, axis), case,
                  case.keep(lib.nd_repeat(h, count, axis)), np.repeat(a, count, axis), name)
            each = [int(rng.integers(0, 4)) for _ in range(a.shape[axis])]
            if rng.random() < 0.1:
                each.append(1)
            message = numpy_error(lambda: np.repeat(a, each, axis))
            r = case.keep(lib.nd_repeat_each(h, len(each), (I64 * max(1, len(each)))(*each), axis))
            if message is not None:
                check_error(('repeat_each error', a.shape, each), bool(r), message)
            else:
                check(('repeat_each', name, a.shape, each, axis), case, r,
                      np.repeat(a, each, axis), name)
        # flip: a view
        axes = [] if rng.random() < 0.3 or not a.ndim else \
            list(rng.choice(a.ndim, int(rng.integers(1, a.ndim + 1)), replace=False))
        r = case.keep(lib.nd_flip(h, len(axes), (INT * max(1, len(axes)))(*axes)))
        expected = np.flip(a, None if not axes else tuple(int(x) for x in axes))
        check(('flip', name, a.shape, axes), case, r, expected, name)
        if r and expected.size > 1:
            strides = [lib.nd_strides(r)[d] for d in range(expected.ndim)]
            long = lambda st, sh: [s for s, d in zip(st, sh) if d > 1]
            if long(strides, expected.shape) != long(expected.strides, expected.shape):
                fail('flip strides', a.shape, a.strides, axes, strides, expected.strides)
        # roll
        shift = int(rng.integers(-9, 10))
        if a.ndim:
            axis = int(rng.integers(-a.ndim, a.ndim))
            check(('roll', name, a.shape, shift, axis), case, case.keep(lib.nd_roll(h, shift, axis)),
                  np.roll(a, shift, axis), name)
        check(('roll_flat', name, a.shape, shift), case, case.keep(lib.nd_roll_flat(h, shift)),
              np.roll(a, shift), name)
        case.free()

    # ---- take, take_along_axis, put, put_along_axis ---------------------------
    index_names = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32']
    for _ in range(1500):
        case = Case(lib, rng)
        name = str(rng.choice(NAMES))
        ndim = int(rng.integers(0, 4))
        a, h = case.view(random_values(rng, name, random_shape(rng, ndim)), name)
        idx_name = str(rng.choice(index_names))
        # take along an axis (0-d counts as 1-d) or flat
        axis = int(rng.integers(-max(a.ndim, 1), max(a.ndim, 1)))
        n = a.shape[axis] if a.ndim else 1
        low = -n if idx_name[0] == 'i' else 0
        high = n + (1 if rng.random() < 0.1 else 0)
        ishape = random_shape(rng, int(rng.integers(0, 3)), 0, 4)
        idx = rng.integers(low, max(high, low + 1), ishape).astype(idx_name)
        hi = case.nd(idx)
        message = numpy_error(lambda: np.take(a, idx, axis))
        r = case.keep(lib.nd_take(h, hi, axis))
        if message is not None:
            check_error(('take error', a.shape, idx, axis), bool(r), message)
        else:
            check(('take', name, a.shape, a.strides, idx.shape, axis), case, r,
                  np.take(a, idx, axis), name)
        size = a.size
        fidx = rng.integers(-size, size + (1 if rng.random() < 0.1 else 0), ishape) if size else \
            np.zeros(ishape, np.int64)
        hf = case.nd(fidx)
        message = numpy_error(lambda: np.take(a, fidx))
        r = case.keep(lib.nd_take_flat(h, hf))
        if message is not None:
            check_error(('take_flat error', a.shape, fidx), bool(r), message)
        else:
            check(('take_flat', name, a.shape, fidx.shape), case, r, np.take(a, fidx), name)
        if a.ndim == 0:
            case.free()
            continue
        # take_along_axis / put_along_axis: indices broadcast on other axes
        ishape = [int(rng.choice([1, s])) for s in a.shape]
        ishape[axis] = int(rng.integers(0, 4))
        if rng.random() < 0.05:
            ishape[-1] += 2
        n = a.shape[axis]
        idx = rng.integers(-n, n + (1 if rng.random() < 0.05 else 0), ishape) if n else \
            np.zeros(ishape, np.int64)
        idx = idx.astype(str(rng.choice(['int64', 'int32', 'uint64' if idx.size and idx.min() >= 0 else 'int16'])))
        hi = case.nd(idx)
        message = numpy_error(lambda: np.take_along_axis(a, idx, axis))
        r = case.keep(lib.nd_take_along_axis(h, hi, axis))
        if message is not None:
            check_error(('take_along_axis error', a.shape, idx.shape, axis), bool(r), message)
            case.free()
            continue
        expected = np.take_along_axis(a, idx, axis)
        check(('take_along_axis', name, a.shape, idx.shape, axis), case, r, expected, name)
        # put_along_axis into a writeable copy of the view (a view too: write
        # through the libnd view and compare the whole base)
        target = a.copy()
        ht = case.nd(target, name)
        vshape = expected.shape if rng.random() < 0.7 else expected.shape[-1:]
        values = random_values(rng, name, vshape)
        hv = case.nd(values, name)
        # NumPy: last write wins on duplicates
        np.put_along_axis(target, idx, values, axis)
        status = lib.nd_put_along_axis(ht, hi, hv, axis)
        if status < 0:
            fail('put_along_axis', a.shape, idx.shape, vshape, lib.nd_last_error())
        else:
            check(('put_along_axis', name, a.shape, idx.shape, axis), case, ht, target, name)
        # put: flat, values cycle; write through a strided libnd view
        base = random_values(rng, name, (a.size * 2,))
        ref = base.copy()
        hb = case.nd(base, name)
        hview = case.keep(lib.nd_slice(hb, 0, libnd.NONE, libnd.NONE, -2))
        view = ref[::-2]
        pidx = rng.integers(-view.size, view.size, int(rng.integers(0, 6))) if view.size else []
        pidx = np.asarray(pidx, np.int64)
        pvalues = random_values(rng, name, (int(rng.integers(0, 4)),))
        np.put(view, pidx, pvalues)
        status = lib.nd_put(hview, case.nd(pidx), case.nd(pvalues, name))
        if status < 0:
            fail('put', view.shape, pidx, lib.nd_last_error())
        else:
            check(('put', name, view.shape, pidx, pvalues), case, hb, ref, name)
        case.free()

    # ---- add.at ----------------------------------------------------------------
    add_names = [n for n in NAMES if n != 'bfloat16']
    for _ in range(1500):
        case = Case(lib, rng)
        name = str(rng.choice(add_names))
        vname = name if rng.random() < 0.6 else str(rng.choice(add_names))
        shape = random_shape(rng, int(rng.integers(1, 4)), 0, 5)
        base = random_values(rng, name, shape)
        a, h = case.view(base)
        ref = a.copy()
        rows = a.shape[0]
        ishape = random_shape(rng, int(rng.integers(0, 3)), 0, 5)
        idx = (rng.integers(-rows, rows, ishape) if rows else np.zeros((0,), np.int64))
        idx = idx.astype(str(rng.choice(['int64', 'int32', 'int8'])))
        full = idx.shape + a.shape[1:]
        vshape = full[int(rng.integers(0, len(full) + 1)):] if full else ()
        values = random_values(rng, vname, vshape)
        if vname.startswith(('int', 'uint')) and name.startswith(('int', 'uint', 'bool')):
            values = values.astype(vname)
        # NumPy's add.at on the copy; libnd's on the (strided) view, then read back
        with np.errstate(all='ignore'):
            message = numpy_error(lambda: np.add.at(ref, idx, values))
        if message is not None:
            continue
        compute = np.result_type(a.dtype, values.dtype)
        if name.startswith(('int', 'uint')) and compute.kind == 'f' and \
                (name.startswith('uint') or not np.isfinite(ref).all()):
            continue   # NaN, inf and negatives -> unsigned are platform-dependent in NumPy
        hv = case.nd(values)
        status = lib.nd_add_at(h, case.nd(idx), hv)
        if status < 0:
            fail('add_at', name, vname, a.shape, idx, vshape, lib.nd_last_error())
        else:
            check(('add_at', name, vname, a.shape, a.strides, idx.shape, vshape), case,
                  case.keep(lib.nd_copy(h)), ref, name)
        case.free()
    # float32 embedding rows (the fast path) with many duplicates, and 0-d values
    for _ in range(100):
        case = Case(lib, rng)
        table = rng.standard_normal((int(rng.integers(1, 20)), int(rng.integers(1, 70)))).astype(np.float32)
        idx = rng.integers(0, table.shape[0], (int(rng.integers(0, 6)), int(rng.integers(0, 9))))
        grads = rng.standard_normal(idx.shape + table.shape[1:]).astype(np.float32)
        h = case.nd(table)
        ref = table.copy()
        np.add.at(ref, idx, grads)
        lib.nd_add_at(h, case.nd(idx), case.nd(grads))
        check(('add_at rows', table.shape, idx.shape), case, h, ref, 'float32')
        for dname in ('float16', 'float32', 'int16', 'uint8', 'bool'):
            t = random_values(rng, dname, (4, 3))
            s = float(rng.choice([0.1, 3, 1e10, -2])) if dname.startswith('float') else int(rng.choice([1, 300, -1]))
            ref = t.copy()
            with np.errstate(all='ignore'):
                np.add.at(ref, [1, 1, 3], s)
            ht = case.nd(t)
            hs = case.nd(np.array(s, np.float64 if isinstance(s, float) else np.int64))
            lib.nd_add_at(ht, case.nd(np.array([1, 1, 3])), hs)
            check(('add_at 0-d', dname, s), case, ht, ref, dname)
        case.free()

    # ---- masks, nonzero, argwhere, bincount, one_hot --------------------------
    for _ in range(1200):
        case = Case(lib, rng)
        name = str(rng.choice(NAMES))
        ndim = int(rng.integers(0, 4))
        a, h = case.view(random_values(rng, name, random_shape(rng, ndim)), name)
        k = int(rng.integers(0, a.ndim + 1))
        mshape = list(a.shape[:k])
        if k and rng.random() < 0.05:
            mshape[-1] += 1
        mask, hm = case.view(rng.random(mshape) < 0.5, keep_shape=True)
        message = numpy_error(lambda: a[mask])
        r = case.keep(lib.nd_mask_select(h, hm))
        if message is not None:
            check_error(('mask_select error', a.shape, mask.shape), bool(r), message)
            case.free()
            continue
        check(('mask_select', name, a.shape, mask.shape), case, r, a[mask], name)
        # a[mask] = values
        count = int(mask.sum())
        rest = a.shape[k:]
        vshape = [(), (1,), (count,), (count,) + rest, rest, (2,)][int(rng.integers(0, 6))]
        values = random_values(rng, name, vshape)
        ref = a.copy()
        message = numpy_error(lambda: ref.__setitem__(mask, values))
        ht = case.nd(a.copy(), name)
        status = lib.nd_mask_assign(ht, hm, case.nd(values, name))
        if message is not None:
            check_error(('mask_assign error', a.shape, mask.shape, vshape), status >= 0, message)
        else:
            check(('mask_assign', name, a.shape, mask.shape, vshape), case, ht, ref, name)
        # nonzero / argwhere (bfloat16 by value)
        ref_a = as_float(a) if name == 'bfloat16' else a
        expected = np.nonzero(np.atleast_1d(ref_a))
        n = INT(0)
        lists = lib.nd_nonzero(h, ctypes.byref(n))
        if not lists or n.value != len(expected):
            fail('nonzero', name, a.shape, n.value)
        else:
            for d, e in enumerate(expected):
                check(('nonzero', name, a.shape, d), case, case.keep(lib.nd_copy(lists[d])), e, 'int64')
        if lists:
            lib.nd_free_arrays(lists, n.value)
        check(('argwhere', name, a.shape), case, case.keep(lib.nd_argwhere(h)), np.argwhere(ref_a), 'int64')
        case.free()
    for _ in range(400):
        case = Case(lib, rng)
        xname = str(rng.choice(['bool', 'int8', 'uint8', 'int32', 'int64', 'uint32', 'uint64', 'float64']))
        n = int(rng.integers(0, 12))
        signed = xname.startswith(('int', 'float'))
        x = rng.integers(-1 if signed and rng.random() < 0.1 else 0, 8, n).astype(xname)
        if xname == 'bool':
            x = x.astype(bool)
        minlength = int(rng.integers(-1 if rng.random() < 0.05 else 0, 12))
        weights = None
        if rng.random() < 0.5:
            weights = random_values(rng, str(rng.choice(['float32', 'int16', 'float64'])),
                                    (n if rng.random() < 0.95 else n + 1,))
            weights = np.nan_to_num(weights, nan=1.5, posinf=2, neginf=-3)
        message = numpy_error(lambda: np.bincount(x, weights, minlength))
        r = case.keep(lib.nd_bincount(case.nd(x), case.nd(weights) if weights is not None else None,
                                      minlength))
        if message is not None:
            check_error(('bincount error', x, weights, minlength), bool(r), message)
        else:
            expected = np.bincount(x, weights, minlength)
            check(('bincount', x, weights, minlength), case, r, expected, str(expected.dtype))
        # one_hot
        idx = rng.integers(0, 5, random_shape(rng, int(rng.integers(0, 3)), 0, 4))
        classes = int(rng.choice([-1, 5, 6]))
        dname = str(rng.choice(add_names))
        r = case.keep(lib.nd_one_hot(case.nd(idx), classes, libnd.CODE[dname]))
        c = classes if classes >= 0 else (int(idx.max()) + 1 if idx.size else None)
        if c is None:
            check_error(('one_hot error',), bool(r),
                        'Can not infer total number of classes from empty tensor.')
        else:
            expected = (idx[..., None] == np.arange(c)).astype(dname)
            check(('one_hot', idx.shape, classes, dname), case, r, expected, dname)
        case.free()

    # ---- sort, argsort, partition, top-k, unique, searchsorted -----------------
    for _ in range(1500):
        case = Case(lib, rng)
        name = str(rng.choice(NAMES))
        ndim = int(rng.integers(0, 4))
        high = int(rng.choice([5, 5, 40]))
        raw = random_values(rng, name, random_shape(rng, ndim, 0, high))
        a, h = case.view(raw, name)
        key = as_float(a) if name == 'bfloat16' else a   # what NumPy sorts
        axis = int(rng.integers(-max(a.ndim, 1), max(a.ndim, 1)))
        if a.ndim:
            order = np.argsort(key, axis, kind='stable')
            check(('sort', name, a.shape, a.strides, axis), case, case.keep(lib.nd_sort(h, axis)),
                  np.take_along_axis(a, order, axis), name)
        check(('argsort', name, a.shape, axis), case, case.keep(lib.nd_argsort(h, axis)),
              np.argsort(key, axis, kind='stable'), 'int64')
        # unique over everything
        uv, uc, ui = P(), P(), P()
        status = lib.nd_unique(h, ctypes.byref(uv), ctypes.byref(uc), ctypes.byref(ui))
        ev, ei, ec = np.unique(key, return_inverse=True, return_counts=True)
        if status < 0:
            fail('unique', name, a.shape, lib.nd_last_error())
        else:
            for x in (uv, uc, ui):
                case.keep(x.value)
            got = case.get(uv.value, name)
            got = as_float(got) if name == 'bfloat16' else got
            counts['unique'] = counts.get('unique', 0) + 1
            if got.shape != ev.shape or not np.array_equal(got, ev, equal_nan=got.dtype.kind == 'f'):
                fail('unique values', name, a.ravel(), got, ev)
            check(('unique counts', name, a.shape), case, uc.value, ec, 'int64')
            check(('unique inverse', name, a.shape), case, ui.value, ei.ravel(), 'int64')
        if a.ndim == 0:
            case.free()
            continue
        n = a.shape[axis]
        # partition: the value at kth is NumPy's; the partition property holds
        nk = int(rng.integers(1, 3))
        kth = [int(rng.integers(-n, n)) for _ in range(nk)] if n else [0]
        if rng.random() < 0.03:
            kth = [n]
        message = numpy_error(lambda: np.partition(key, kth, axis))
        for fn in ('nd_partition', 'nd_argpartition'):
            r = case.keep(getattr(lib, fn)(h, nk if len(kth) == nk else 1, (I64 * len(kth))(*kth), axis))
            if message is not None:
                check_error((fn + ' error', a.shape, kth), bool(r), message)
                continue
            counts[fn] = counts.get(fn, 0) + 1
            if not r:
                fail(fn, a.shape, kth, lib.nd_last_error())
                continue
            if fn == 'nd_partition':
                got = case.get(r, name)
            else:
                got_idx = case.get(r, 'int64')
                if not (np.sort(got_idx, axis) == np.arange(n).reshape(
                        [-1 if d == axis % a.ndim else 1 for d in range(a.ndim)])).all():
                    fail('argpartition not a permutation', a.shape, kth)
                    continue
                got = np.take_along_axis(a, got_idx, axis)
            gotk = np.moveaxis(as_float(got) if name == 'bfloat16' else got, axis, -1).reshape(-1, n) \
                if n else None
            ref = np.moveaxis(np.sort(key, axis), axis, -1).reshape(-1, n) if n else None
            # rank of every value, with NaN largest and -0.0 == 0.0
            for lane in range(gotk.shape[0] if n else 0):
                g, e = gotk[lane], ref[lane]
                _, rank_g = np.unique(np.concatenate([g, e]), return_inverse=True)
                rg, re = rank_g[:n], rank_g[n:]
                for k in kth:
                    k %= n
                    if rg[k] != re[k] or rg[:k].max(initial=-1) > rg[k] or rg[k + 1:].min(initial=rg[k]) < rg[k]:
                        fail(fn, name, a.shape, kth, g, e)
                        break
        # top-k: emulate torch.topk (NaN largest, ties by lower index)
        k = int(rng.integers(0, n + 1)) if rng.random() < 0.95 else n + 1
        largest = bool(rng.random() < 0.5)
        tv, ti = P(), P()
        status = lib.nd_topk(h, k, axis, largest, ctypes.byref(tv), ctypes.byref(ti))
        if k > n:
            check_error(('topk error', a.shape, k), status >= 0, 'selected index k out of range')
        elif status < 0:
            fail('topk', a.shape, k, lib.nd_last_error())
        else:
            case.keep(tv.value)
            case.keep(ti.value)
            moved = np.moveaxis(key, axis, -1)
            lanes = moved.reshape(-1, n) if moved.size else np.zeros((0, n), moved.dtype)
            exp_idx = np.zeros((lanes.shape[0], k), np.int64)
            for lane in range(lanes.shape[0]):
                _, rank = np.unique(lanes[lane], return_inverse=True)
                positions = np.arange(n)
                exp_idx[lane] = np.lexsort((positions, -rank if largest else rank))[:k]
            exp_idx = np.moveaxis(exp_idx.reshape(moved.shape[:-1] + (k,)), -1, axis)
            check(('topk indices', name, a.shape, k, axis, largest), case, ti.value, exp_idx, 'int64')
            check(('topk values', name, a.shape, k, axis, largest), case, tv.value,
                  np.take_along_axis(a, exp_idx, axis), name)
        case.free()
    # searchsorted across dtype pairs
    plain = [n for n in NAMES if n != 'bfloat16']
    for _ in range(600):
        case = Case(lib, rng)
        an, vn = str(rng.choice(plain)), str(rng.choice(plain))
        sorted_a = np.sort(random_values(rng, an, (int(rng.integers(0, 12)),)), kind='stable')
        v = random_values(rng, vn, random_shape(rng, int(rng.integers(0, 3)), 0, 5))
        side = int(rng.integers(0, 2))
        ha = case.nd(sorted_a)
        if rng.random() < 0.3 and sorted_a.size:   # a reversed view of reversed data
            ha = case.keep(lib.nd_slice(case.nd(sorted_a[::-1]), 0, libnd.NONE, libnd.NONE, -1))
        expected = np.asarray(np.searchsorted(sorted_a, v, ['left', 'right'][side]), np.int64)
        check(('searchsorted', an, vn, sorted_a, v, side), case,
              case.keep(lib.nd_searchsorted(ha, case.nd(v), side)), expected, 'int64')
        case.free()

    print('cases:', ', '.join(f'{k} {v}' for k, v in sorted(counts.items())))
    print(f'join/indexing/sort vs numpy: {failures} mismatches')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
