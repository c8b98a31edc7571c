"""A GPT training step in PyTorch and in Shannon, in one run, on the same
model, weights and batches.

Usage: /usr/bin/python3 benchmarks/bench_gpt.py [BUILD_DIR] [--quick] [--repeats R]
                       [--shapes baby,gpt2-small] [--env KEY=VALUE ...]

BUILD_DIR (default: build) holds benchmarks/bench_gpt_step, the Shannon
half. For each shape and each thread count K in {1, 2}, a fresh child
process runs each side (PyTorch: this file with --child; Shannon:
bench_gpt_step), so that each one's peak memory (getrusage's ru_maxrss, in
the child) is its own. Each child runs 2 warm-up steps, then N timed steps;
each pair of children is run R times, alternating, and the best is kept
(the machine may be shared: the best is the least disturbed).

One step, the same on both sides (nanoGPT's):
    loss = gpt(x, y); loss.backward(); clip_grad_norm_(params, 1.0);
    AdamW (lr 1e-3, betas (0.9, 0.99), weight decay 0.1 on matrices, 0 on
    vectors: two groups); zero_grad(set_to_none=True); loss.item()
PyTorch runs the model of tests/models/transformer_torch.py op for op (functional:
embedding + sinusoidal positions, pre-LN blocks, masked softmax attention,
tanh GELU, tied LM head, cross-entropy), starting from the weights Shannon
initialized (bench_gpt_step --save-weights), on the batches written here.
The losses of the first and last step of both sides are compared, so the
two time the same computation.

Threads: the PyTorch child calls torch.set_num_threads(K) and is started
with OMP_NUM_THREADS=K and OPENBLAS_NUM_THREADS=K (Debian's torch calls
the system OpenBLAS, whose own pool would otherwise take every core);
Shannon calls nd_set_num_threads(K), which sets libnd's pool and OpenBLAS.
With K > 1 PyTorch is run twice, with OpenMP's default waiting (spin, then
sleep) and with OMP_WAIT_POLICY=passive, and the faster is kept: on a
shared machine a spinning OpenMP barrier waits for a descheduled thread and
PyTorch can run several times slower with 2 threads than with 1.

Columns: tok/s = B*T tokens over the fastest step (best of all repeats);
mean = B*T over the mean step of the best child (the best of the repeats);
ratio = Shannon / PyTorch (above 1: Shannon is faster); peak MB = ru_maxrss
of the child; "torch base" = PyTorch's resident memory after `import
torch`, before the model; "omp wait" = the policy of PyTorch's fastest step;
"loss diff" = the largest relative difference of the first and last losses.

OpenBLAS 0.3.21 (Debian 12) takes the Zen 5 CPU of our machine for a
Haswell and runs its AVX2 kernels; `--env OPENBLAS_CORETYPE=SKYLAKEX` gives
both sides the AVX-512 ones (see RESULTS.md).
"""
import json
import math
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# (name, vocab, layers, heads, embd, block, batch, timed steps, quick steps)
SHAPES = [
    ('baby', 65, 4, 4, 128, 64, 12, 20, 5),
    ('gpt2-small', 50257, 12, 12, 768, 64, 4, 3, 1),
]
THREADS = (1, 2)
WARMUP = 2
NBATCHES = 4


# ---- the PyTorch child -----------------------------------------------------

def rss_mb():
    """The resident set now (not the peak), in MB."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def load_safetensors(path, torch):
    """Each tensor read straight into its own buffer (no whole-file copy, so
    loading does not raise the peak memory we measure)."""
    dtypes = {'F32': np.float32, 'F64': np.float64}
    out = {}
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        for name, info in header.items():
            if name == '__metadata__':
                continue
            a, b = info['data_offsets']
            f.seek(8 + n + a)
            dtype = dtypes[info['dtype']]
            arr = np.fromfile(f, dtype=dtype, count=(b - a) // np.dtype(dtype).itemsize)
            out[name] = torch.from_numpy(arr.reshape(info['shape'])).requires_grad_()
    return out


def torch_child(argv):
    weights, batches_path = argv[0], argv[1]
    V, L, H, C, block, B, steps, threads = (int(v) for v in argv[2:])
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    base_mb = rss_mb()
    params = load_safetensors(weights, torch)
    data = torch.from_numpy(np.load(batches_path))           # (nb, 2, B, T) int64
    T = data.shape[3]
    D = C // H
    # The sinusoidal table, as the C code computes it (double, then float32).
    pe = np.zeros((block, C), np.float32)
    for t in range(block):
        for i in range(C):
            angle = t / math.pow(10000.0, (i - i % 2) / C)
            pe[t, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
    pe = torch.from_numpy(pe)[:T]
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)

    def p(name):
        return params['transformer.' + name]

    def loss_of(x, y):   # tests/models/transformer_torch.py, op for op
        h = p('wte.weight')[x] * math.sqrt(C) + pe   # token embeddings scaled by sqrt(C), as model.c
        for l in range(L):
            b = 'h.%d.' % l
            a = F.layer_norm(h, (C,), p(b + 'ln_1.weight'), p(b + 'ln_1.bias'), 1e-5)
            qkv = a @ p(b + 'attn.c_attn.weight').T + p(b + 'attn.c_attn.bias')
            q, k, v = (t.reshape(B, T, H, D).transpose(1, 2) for t in qkv.split(C, dim=2))
            att = (q @ k.transpose(-2, -1)) / math.sqrt(D)
            att = att.masked_fill(mask, float('-inf')).softmax(-1)
            y_ = (att @ v).transpose(1, 2).reshape(B, T, C)
            h = h + y_ @ p(b + 'attn.c_proj.weight').T + p(b + 'attn.c_proj.bias')
            a = F.layer_norm(h, (C,), p(b + 'ln_2.weight'), p(b + 'ln_2.bias'), 1e-5)
            up = F.gelu(a @ p(b + 'mlp.c_fc.weight').T + p(b + 'mlp.c_fc.bias'), approximate='tanh')
            h = h + up @ p(b + 'mlp.c_proj.weight').T + p(b + 'mlp.c_proj.bias')
        h = F.layer_norm(h, (C,), p('ln_f.weight'), p('ln_f.bias'), 1e-5)
        logits = h @ p('wte.weight').T
        return F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))

    plist = list(params.values())
    decay = [v for v in plist if v.dim() >= 2]
    no_decay = [v for v in plist if v.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1},
                             {'params': no_decay, 'weight_decay': 0.0}],
                            lr=1e-3, betas=(0.9, 0.99), eps=1e-8)
    t_fwd = t_bwd = t_opt = 0.0
    best = float('inf')
    losses = []
    for s in range(WARMUP + steps):
        x, y = data[s % data.shape[0], 0], data[s % data.shape[0], 1]
        t0 = time.perf_counter()
        loss = loss_of(x, y)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(plist, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())
        del loss
        t3 = time.perf_counter()
        if s >= WARMUP:
            t_fwd, t_bwd, t_opt = t_fwd + t1 - t0, t_bwd + t2 - t1, t_opt + t3 - t2
            best = min(best, t3 - t0)
    mean = (t_fwd + t_bwd + t_opt) / steps
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print('RESULT impl=torch threads=%d steps=%d params=%d tok_s_mean=%.1f tok_s_best=%.1f '
          'step_ms_mean=%.2f step_ms_best=%.2f fwd_ms=%.2f bwd_ms=%.2f opt_ms=%.2f '
          'peak_rss_mb=%.1f base_rss_mb=%.1f loss_first=%.6f loss_last=%.6f' % (
              threads, steps, sum(v.numel() for v in plist), B * T / mean, B * T / best,
              1e3 * mean, 1e3 * best, 1e3 * t_fwd / steps, 1e3 * t_bwd / steps,
              1e3 * t_opt / steps, peak, base_mb, losses[0], losses[-1]))


# ---- the driver ------------------------------------------------------------

def parse_result(out):
    for line in out.splitlines():
        if line.startswith('RESULT '):
            fields = dict(kv.split('=', 1) for kv in line.split()[1:])
            return {k: (v if k == 'impl' else float(v)) for k, v in fields.items()}
    raise RuntimeError('no RESULT line in:\n' + out)


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError('%s failed (%d):\n%s%s' % (' '.join(cmd), p.returncode, p.stdout, p.stderr))
    return parse_result(p.stdout)


def best_of(results):
    """The run with the fastest step; peak memory: the smallest seen (the
    same program on the same data, so they differ only by noise)."""
    r = dict(max(results, key=lambda r: r['tok_s_best']))
    r['tok_s_mean'] = max(x['tok_s_mean'] for x in results)
    r['peak_rss_mb'] = min(x['peak_rss_mb'] for x in results)
    return r


def main():
    import argparse
    ap = argparse.ArgumentParser(description='GPT training step: PyTorch vs Shannon')
    ap.add_argument('build', nargs='?', default=os.path.join(HERE, '..', 'build'))
    ap.add_argument('--quick', action='store_true', help='fewer steps and repeats')
    ap.add_argument('--repeats', type=int, default=None, help='children per side (default 3)')
    ap.add_argument('--shapes', default='baby,gpt2-small')
    ap.add_argument('--env', action='append', default=[], metavar='KEY=VALUE',
                    help='set in both children, e.g. OPENBLAS_CORETYPE=SKYLAKEX')
    a = ap.parse_args()
    quick, build = a.quick, a.build
    repeats = a.repeats or (2 if quick else 3)
    wanted = a.shapes.split(',')
    common_env = dict(os.environ, **dict(kv.split('=', 1) for kv in a.env))
    if a.env:
        print('both children run with ' + ' '.join(a.env))
    exe = os.path.join(build, 'benchmarks', 'bench_gpt_step')
    rows = []
    with tempfile.TemporaryDirectory(prefix='bench_gpt_') as tmp:
        for name, V, L, H, C, T, B, steps, quick_steps in SHAPES:
            if name not in wanted:
                continue
            steps = quick_steps if quick else steps
            shape = ['--vocab', V, '--layers', L, '--heads', H, '--embd', C, '--block', T,
                     '--batch', B]
            shape = [str(v) for v in shape]
            weights = os.path.join(tmp, name + '.safetensors')
            batches = os.path.join(tmp, name + '.npy')
            rng = np.random.default_rng(0)
            np.save(batches, rng.integers(0, V, (NBATCHES, 2, B, T), dtype=np.int64))
            subprocess.run([exe] + shape + ['--save-weights', weights], check=True, env=common_env)
            for K in THREADS:
                # K > 1: OpenMP's default (spin, then sleep) and passive waiting;
                # the faster of the two is PyTorch's number.
                policies = ['default'] + (['passive'] if K > 1 else [])
                torch_cmd = [sys.executable, os.path.abspath(__file__), '--child', weights, batches,
                             str(V), str(L), str(H), str(C), str(T), str(B), str(steps), str(K)]
                nd_cmd = [exe] + shape + ['--steps', str(steps), '--threads', str(K),
                                          '--warmup', str(WARMUP), '--batches', batches]
                tr, sr = {w: [] for w in policies}, []
                for _ in range(repeats):
                    for w in policies:
                        env = dict(common_env, OMP_NUM_THREADS=str(K), OPENBLAS_NUM_THREADS=str(K))
                        if w != 'default':
                            env['OMP_WAIT_POLICY'] = w
                        tr[w].append(dict(run(torch_cmd, env), wait=w))
                    sr.append(run(nd_cmd, common_env))
                t, s = best_of(sum(tr.values(), [])), best_of(sr)
                t['policies'] = {w: best_of(r) for w, r in tr.items()}
                diff = max(abs(t['loss_first'] - s['loss_first']) / abs(t['loss_first']),
                           abs(t['loss_last'] - s['loss_last']) / abs(t['loss_last']))
                rows.append((name, K, t, s, diff))
                print_row(*rows[-1], header=len(rows) == 1)
    print()
    print('Time per step (ms, mean of the best child): forward / backward / clip+AdamW+zero+reset')
    for name, K, t, s, _ in rows:
        print('  %-11s %dT  torch %8.1f / %8.1f / %7.1f   shannon %8.1f / %8.1f / %7.1f' % (
            name, K, t['fwd_ms'], t['bwd_ms'], t['opt_ms'], s['fwd_ms'], s['bwd_ms'], s['opt_ms']))
    print()
    print('PyTorch by OMP_WAIT_POLICY (tok/s best step / mean):')
    for name, K, t, s, _ in rows:
        print('  %-11s %dT  ' % (name, K) + '   '.join(
            '%s %.0f / %.0f' % (w, r['tok_s_best'], r['tok_s_mean']) for w, r in t['policies'].items()))
    print('best of %d runs each; %s timed steps after %d warm-up' % (
        repeats, ', '.join('%s %d' % (n, q if quick else st) for n, *_, st, q in SHAPES), WARMUP))


def print_row(name, K, t, s, diff, header):
    if header:
        print('%-11s %3s %11s %10s %6s %10s %10s %6s %8s %8s %10s %8s %9s' % (
            'shape', 'thr', 'torch tok/s', 'shan tok/s', 'ratio', 'torch mean', 'shan mean',
            'ratio', 'torch MB', 'shan MB', 'torch base', 'omp wait', 'loss diff'))
        print('-' * 126)
    print('%-11s %3d %11.0f %10.0f %5.2fx %10.0f %10.0f %5.2fx %8.0f %8.0f %10.0f %8s %9.1e' % (
        name, K, t['tok_s_best'], s['tok_s_best'], s['tok_s_best'] / t['tok_s_best'],
        t['tok_s_mean'], s['tok_s_mean'], s['tok_s_mean'] / t['tok_s_mean'],
        t['peak_rss_mb'], s['peak_rss_mb'], t['base_rss_mb'], t['wait'], diff), flush=True)


if __name__ == '__main__':
    if len(sys.argv) > 1 and sys.argv[1] == '--child':
        torch_child(sys.argv[2:])
    else:
        main()
