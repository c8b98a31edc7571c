"""Writes differential cases for libautograd from real PyTorch.

A generator script builds a Cases object, adds cases, and saves them:

    cases = Cases(outdir)
    cases.add('tanh', [x], lambda t: torch.tanh(t[0]))
    cases.add('sum', [x], lambda t: t[0].sum(dim=(0,), keepdim=True), params='axes=0 keepdims=1')
    cases.save()

For every case, float inputs become leaves that require grad, the output y
is computed, and the backward of L = sum(v * y) is run with a fixed random v
(saved too), so the C side can call ag_backward_ex(y, v) and compare the
output and every input's gradient. Integer inputs (indices, targets) are
passed through as they are. The manifest line is tab-separated:

    name  params  input files  v file  expected output  expected grads (or -)  rtol  atol

Run by the C runner (tests/autograd/torch_cases.c) with /usr/bin/python3,
which has Debian's torch. Exits 77 (skip) if torch is missing.
"""
import os
import sys

import numpy as np

try:
    import torch
except ImportError:
    print('SKIP: torch cannot be imported')
    sys.exit(77)

torch.set_num_threads(1)


class Cases:
    def __init__(self, outdir, seed=0):
        self.outdir = outdir
        self.lines = []
        self.count = 0
        self.rng = np.random.default_rng(seed)

    def _save(self, array):
        self.count += 1
        name = 'c%d.npy' % self.count
        # np.array, not np.ascontiguousarray, which turns 0-d into 1-d.
        np.save(os.path.join(self.outdir, name), np.array(array, order='C'))
        return name

    def add(self, name, inputs, fn, params='', rtol=None, atol=None, grad=True):
        """inputs: numpy arrays; fn: list of torch tensors -> torch tensor."""
        tensors = []
        for a in inputs:
            t = torch.from_numpy(np.array(a, copy=True))
            if t.is_floating_point() and grad:
                t.requires_grad_(True)
            tensors.append(t)
        y = fn(tensors)
        out = y.detach().numpy()
        v = self.rng.standard_normal(out.shape).astype(out.dtype)
        grads = ['-'] * len(inputs)
        if grad and y.requires_grad:
            (y * torch.from_numpy(v)).sum().backward()
            grads = [self._save(t.grad.numpy()) if t.grad is not None else '-' for t in tensors]
        dtype = out.dtype
        if rtol is None:
            rtol = 1e-5 if dtype == np.float32 else 1e-10
        if atol is None:
            atol = 1e-6 if dtype == np.float32 else 1e-12
        files = ' '.join(self._save(a) for a in inputs)
        self.lines.append('\t'.join([name, params or '-', files, self._save(v), self._save(out),
                                     ' '.join(grads), repr(rtol), repr(atol)]))

    def save(self):
        with open(os.path.join(self.outdir, 'cases.txt'), 'w') as f:
            f.write('\n'.join(self.lines) + '\n')
        print('%d cases' % len(self.lines))
