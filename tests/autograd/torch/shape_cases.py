"""Cases for the shape and indexing ops against PyTorch.

Where torch has no direct equivalent the reference is built from torch ops
with the same gradient: a slice with any step is index_select of the
positions Python's slice picks, NumPy's take is advanced indexing, and a
squeeze of several dims is one squeeze per dim.
"""
import sys

import numpy as np
import torch

from torchcases import Cases

cases = Cases(sys.argv[1])
rng = np.random.default_rng(2)


def r(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def ints(values):
    return ','.join(map(str, values)) if len(values) else '-'


def slice_ref(t, axis, start, stop, step):
    picked = list(range(*slice(start, stop, step).indices(t.shape[axis])))
    return t.index_select(axis, torch.tensor(picked, dtype=torch.int64))


def squeeze_ref(t, dims):
    if not dims:
        return t.squeeze()
    for d in sorted((d % t.dim() for d in dims), reverse=True):
        t = t.squeeze(d)
    return t


def take_ref(t, idx, axis):
    axis %= t.dim()
    return t[(slice(None),) * axis + (idx,)]


for dt in (np.float32, np.float64):
    x = r(2, 3, 4, dtype=dt)
    for shape in [(6, 4), (-1,), (4, -1, 2), (1, 24, 1), (2, 3, 4)]:
        cases.add('reshape', [x], lambda t: t[0].reshape(shape), params='shape=' + ints(shape))
        # reshape of a non-contiguous value (the transposed x)
        cases.add('reshape_T', [x], lambda t: t[0].permute(2, 1, 0).reshape(shape),
                  params='shape=' + ints(shape))
    cases.add('reshape', [r(0, 3, dtype=dt)], lambda t: t[0].reshape(3, 0), params='shape=3,0')
    cases.add('reshape', [r(dtype=dt)], lambda t: t[0].reshape(1, 1), params='shape=1,1')

    for axes in [(2, 0, 1), (0, 1, 2), (-1, -3, 1), (1, 2, 0)]:
        cases.add('permute', [x], lambda t: t[0].permute(*axes), params='axes=' + ints(axes))
    cases.add('transpose', [x], lambda t: t[0].permute(2, 1, 0))
    cases.add('transpose', [r(5, dtype=dt)], lambda t: t[0])
    for d1, d2 in [(0, 2), (-1, 1), (1, 1)]:
        cases.add('swapaxes', [x], lambda t: t[0].transpose(d1, d2), params='d1=%d d2=%d' % (d1, d2))

    y = r(5, 7, dtype=dt)
    for axis, start, stop, step in [(0, 1, 4, 1), (1, None, None, 2), (1, None, None, -1),
                                    (-1, 5, 1, -2), (0, -2, None, 1), (1, 10, -20, -3),
                                    (0, 3, 3, 1), (1, -100, 100, 4)]:
        params = 'axis=%d step=%d' % (axis, step)
        params += '' if start is None else ' start=%d' % start
        params += '' if stop is None else ' stop=%d' % stop
        cases.add('slice', [y], lambda t: slice_ref(t[0], axis, start, stop, step), params=params)
        cases.add('slice_T', [y], lambda t: slice_ref(t[0].T, axis, start, stop, step),
                  params=params)

    parts = [r(3, 2, dtype=dt), r(3, 0, dtype=dt), r(3, 4, dtype=dt), r(3, 1, dtype=dt)]
    cases.add('concat', parts, lambda t: torch.cat(t, 1), params='axis=1')
    cases.add('concat', parts[:1] + parts[2:], lambda t: torch.cat(t, -1), params='axis=-1')
    rows = [r(k, 3, dtype=dt) for k in (1, 2, 0, 3)]
    cases.add('concat', rows, lambda t: torch.cat(t, 0), params='axis=0')
    many = [r(2, k % 3 + 1, dtype=dt) for k in range(11)]
    cases.add('concat', many, lambda t: torch.cat(t, 1), params='axis=1')
    same = [r(2, 3, dtype=dt) for _ in range(3)]
    for axis in (0, 1, 2, -1, -3):
        cases.add('stack', same, lambda t: torch.stack(t, axis), params='axis=%d' % axis)
    ten = [r(4, dtype=dt) for _ in range(10)]
    cases.add('stack', ten, lambda t: torch.stack(t, 1), params='axis=1')

    z = r(4, 6, dtype=dt)
    for sizes, axis in [((1, 3, 2), 1), ((4,), 0), ((2, 0, 2), -2), ((6,), -1)]:
        cases.add('split', [z], lambda t: torch.cat(
            [p * (i + 1) for i, p in reversed(list(enumerate(t[0].split(list(sizes), axis))))], axis),
            params='sizes=%s axis=%d' % (ints(sizes), axis))
    for n, axis in [(2, 0), (3, 1), (1, 1)]:
        cases.add('split', [z], lambda t: torch.cat(
            [p * (i + 1) for i, p in reversed(list(enumerate(t[0].split(t[0].shape[axis] // n, axis))))],
            axis), params='n=%d axis=%d' % (n, axis))

    c = r(3, 1, dtype=dt)
    for shape in [(2, 3, 4), (3, 5), (2, -1, 1), (3, 1), (0, 3, 2)]:
        cases.add('broadcast_to', [c], lambda t: t[0].expand(*shape), params='shape=' + ints(shape))
    cases.add('broadcast_to', [r(dtype=dt)], lambda t: t[0].expand(2, 2), params='shape=2,2')

    for axis in (0, 1, 2, -1, -3):
        cases.add('expand_dims', [r(2, 3, dtype=dt)], lambda t: t[0].unsqueeze(axis),
                  params='axis=%d' % axis)
    s = r(1, 3, 1, 2, 1, dtype=dt)
    for dims in [(), (0,), (-1, 2), (1,), (0, 1, 4)]:
        cases.add('squeeze', [s], lambda t: squeeze_ref(t[0], dims), params='axes=' + ints(dims))

    w = r(6, 4, dtype=dt)
    for idx in [np.array([0, 5, 5, 2]), np.array([[1, 1, 1], [0, 3, 5]]), np.array(3),
                np.zeros((2, 0), dtype=np.int64), rng.integers(0, 6, size=(3, 4, 5))]:
        cases.add('embedding', [w, idx], lambda t: torch.nn.functional.embedding(t[1], t[0]))
    cases.add('embedding', [w, np.array([[4, 0], [4, 4]], dtype=np.int32)],
              lambda t: torch.nn.functional.embedding(t[1], t[0]))

    a = r(3, 4, 5, dtype=dt)
    for axis, idx in [(0, np.array([2, 0, 2, -1])), (1, np.array([[3, -4], [1, 1]])), (2, np.array(-2)),
                      (-1, np.array([[0], [2], [0]])), (1, np.zeros(0, dtype=np.int64))]:
        cases.add('take', [a, idx], lambda t: take_ref(t[0], t[1], axis), params='axis=%d' % axis)
        cases.add('take_T', [a, idx], lambda t: take_ref(t[0].transpose(0, 2), t[1], axis),
                  params='axis=%d' % axis)

    g = r(3, 4, dtype=dt)
    for axis, idx, src in [(1, rng.integers(0, 4, size=(3, 6)), g),
                           (0, rng.integers(0, 3, size=(5, 4)), g),
                           (1, np.array([[3, 3]]), g),
                           (1, rng.integers(0, 4, size=(3, 2)), r(1, 4, dtype=dt)),
                           (-1, np.zeros((3, 0), dtype=np.int64), g)]:
        cases.add('take_along_axis', [src, idx], lambda t: torch.take_along_dim(t[0], t[1], axis),
                  params='axis=%d' % axis)
cases.save()
