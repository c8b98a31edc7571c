"""Cases for the core ops (arithmetic, matmul, sum, mean) against PyTorch."""
import sys

import numpy as np
import torch

from torchcases import Cases

cases = Cases(sys.argv[1])
rng = np.random.default_rng(1)


def r(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


for dt in (np.float32, np.float64):
    for sa, sb in [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (5,)), ((0, 3), (3,))]:
        a, b = r(*sa, dtype=dt), r(*sb, dtype=dt)
        cases.add('add', [a, b], lambda t: t[0] + t[1])
        cases.add('sub', [a, b], lambda t: t[0] - t[1])
        cases.add('mul', [a, b], lambda t: t[0] * t[1])
        cases.add('div', [a, np.abs(b) + 0.5], lambda t: t[0] / t[1])
        cases.add('neg', [a], lambda t: -t[0])
        cases.add('add_scalar', [a], lambda t: t[0] + 2.5, params='s=2.5')
        cases.add('mul_scalar', [a], lambda t: t[0] * -1.5, params='s=-1.5')
    for sa, sb in [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((4,), (4,)),
                   ((2, 1, 3, 4), (5, 4, 2)), ((0, 4), (4, 3))]:
        cases.add('matmul', [r(*sa, dtype=dt), r(*sb, dtype=dt)], lambda t: t[0] @ t[1],
                  rtol=1e-4 if dt == np.float32 else 1e-10, atol=1e-5 if dt == np.float32 else 1e-12)
    for sx in [(5, 4), (2, 3, 4), (4,)]:
        w, b = r(6, 4, dtype=dt), r(6, dtype=dt)
        tol = dict(rtol=1e-4 if dt == np.float32 else 1e-10, atol=1e-5 if dt == np.float32 else 1e-12)
        cases.add('linear', [r(*sx, dtype=dt), w, b], lambda t: torch.nn.functional.linear(t[0], t[1], t[2]), **tol)
        cases.add('linear', [r(*sx, dtype=dt), w], lambda t: torch.nn.functional.linear(t[0], t[1]), **tol)
    x = r(2, 3, 4, dtype=dt)
    for axes, keep in [((), False), ((0,), False), ((1, 2), True), ((-1,), False)]:
        params = 'axes=%s keepdims=%d' % (','.join(map(str, axes)) or '-', keep)
        dims = axes if axes else tuple(range(x.ndim))
        cases.add('sum', [x], lambda t: t[0].sum(dim=dims, keepdim=keep), params=params)
        cases.add('mean', [x], lambda t: t[0].mean(dim=dims, keepdim=keep), params=params)
cases.save()
