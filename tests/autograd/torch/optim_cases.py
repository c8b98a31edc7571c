"""Writes reference runs of torch.optim for test_optim_vs_torch.c.

Usage: optim_cases.py OUTDIR

Four parameters (float32 and float64, several shapes) start from the same
values for every optimizer configuration and receive the same 20 sets of
gradients (numpy default_rng; parameter 1 has no gradient on steps 3 and 7,
so it must be skipped there). After every step the parameters are saved:

  grads.txt     step param file|-           (the gradient, or none)
  init_<i>.npy  the initial parameters
  configs.txt   name kind lr momentum dampening weight_decay nesterov
                beta1 beta2 eps schedule      (tab-separated)
  <name>_<step>_<i>.npy   parameter i after step `step` (1-based)

Also the references of gradient clipping (clip.txt: name max_norm n total
then the input and expected files), fans and gains of torch.nn.init
(fans.txt, gains.txt) and StepLR's rates (steplr.txt).
Exits 77 (skip) if torch is missing.
"""
import math
import os
import sys

import numpy as np

try:
    import torch
except ImportError:
    print('SKIP: torch cannot be imported')
    sys.exit(77)

torch.set_num_threads(1)
out = sys.argv[1]
rng = np.random.default_rng(1234)


def save(name, a):
    np.save(os.path.join(out, name), np.array(a, order='C'))
    return name


SHAPES = [((4, 3), np.float32), ((5,), np.float32), ((3, 2, 2), np.float64), ((7,), np.float64)]
STEPS = 20
init = [rng.standard_normal(s).astype(dt) for s, dt in SHAPES]
for i, a in enumerate(init):
    save('init_%d.npy' % i, a)

grads = []
with open(os.path.join(out, 'grads.txt'), 'w') as f:
    for s in range(STEPS):
        row = []
        for i, (shape, dt) in enumerate(SHAPES):
            if i == 1 and s in (3, 7):
                row.append(None)
                f.write('%d %d -\n' % (s, i))
                continue
            g = (rng.standard_normal(shape) * (1 + s % 3)).astype(dt)
            row.append(g)
            f.write('%d %d %s\n' % (s, i, save('g_%d_%d.npy' % (s, i), g)))
        grads.append(row)


def nanogpt_lr(it, lr, warmup, decay, min_lr):
    """nanoGPT's get_lr (current form: warmup reaches lr at warmup_iters)."""
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    if it > decay:
        return min_lr
    ratio = (it - warmup) / (decay - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)


# name, kind, lr, momentum, dampening, weight_decay, nesterov, beta1, beta2, eps, schedule
CONFIGS = [
    ('sgd_plain', 'sgd', 0.1, 0, 0, 0, 0, 0, 0, 0, '-'),
    ('sgd_momentum', 'sgd', 0.05, 0.9, 0, 0, 0, 0, 0, 0, '-'),
    ('sgd_dampening', 'sgd', 0.05, 0.9, 0.3, 0, 0, 0, 0, 0, '-'),
    ('sgd_nesterov', 'sgd', 0.05, 0.9, 0, 0, 1, 0, 0, 0, '-'),
    ('sgd_wd', 'sgd', 0.05, 0.9, 0, 0.01, 0, 0, 0, 0, '-'),
    ('sgd_wd_plain', 'sgd', 0.1, 0, 0, 0.05, 0, 0, 0, 0, '-'),
    ('adam', 'adam', 1e-2, 0, 0, 0, 0, 0.9, 0.999, 1e-8, '-'),
    ('adam_wd', 'adam', 1e-2, 0, 0, 0.1, 0, 0.8, 0.95, 1e-6, '-'),
    ('adamw', 'adamw', 1e-2, 0, 0, 0.1, 0, 0.9, 0.999, 1e-8, '-'),
    ('adamw_default', 'adamw', 1e-3, 0, 0, 1e-2, 0, 0.9, 0.999, 1e-8, '-'),
    ('adamw_cosine', 'adamw', 1e-2, 0, 0, 0.1, 0, 0.9, 0.95, 1e-8, 'cosine'),
]

with open(os.path.join(out, 'configs.txt'), 'w') as f:
    for c in CONFIGS:
        name, kind, lr, mom, damp, wd, nest, b1, b2, eps, sched = c
        f.write('\t'.join([name, kind] + [repr(float(x)) for x in (lr, mom, damp, wd)] +
                          [str(nest)] + [repr(float(x)) for x in (b1, b2, eps)] + [sched]) + '\n')
        params = [torch.tensor(a.copy(), requires_grad=True) for a in init]
        if kind == 'sgd':
            opt = torch.optim.SGD(params, lr=lr, momentum=mom, dampening=damp, weight_decay=wd,
                                  nesterov=bool(nest))
        elif kind == 'adam':
            opt = torch.optim.Adam(params, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
        else:
            opt = torch.optim.AdamW(params, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
        for s in range(STEPS):
            if sched == 'cosine':
                for group in opt.param_groups:
                    group['lr'] = nanogpt_lr(s, lr, 5, 15, lr / 10)
            for p, g in zip(params, grads[s]):
                p.grad = None if g is None else torch.from_numpy(g.copy())
            opt.step()
            for i, p in enumerate(params):
                save('%s_%d_%d.npy' % (name, s + 1, i), p.detach().numpy())

# clip_grad_norm_: (name, max_norm, shapes and dtypes, scale)
CLIPS = [
    ('f32_clipped', 1.0, [((4, 3), np.float32), ((5,), np.float32), ((2, 2, 2), np.float32)], 1),
    ('f32_unclipped', 100.0, [((4, 3), np.float32), ((5,), np.float32)], 1),
    ('f64_clipped', 0.5, [((3, 3), np.float64), ((6,), np.float64)], 3),
    ('mixed', 2.0, [((4,), np.float32), ((3, 2), np.float64)], 2),
    ('big_f32', 1.0, [((300, 200), np.float32), ((1000,), np.float32)], 1),
]
with open(os.path.join(out, 'clip.txt'), 'w') as f:
    for name, max_norm, specs, scale in CLIPS:
        gs = [(rng.standard_normal(s) * scale).astype(dt) for s, dt in specs]
        ins = [save('clip_%s_in_%d.npy' % (name, i), g) for i, g in enumerate(gs)]
        ps = [torch.zeros(g.shape, dtype=torch.from_numpy(g).dtype, requires_grad=True)
              for g in gs]
        for p, g in zip(ps, gs):
            p.grad = torch.from_numpy(g.copy())
        total = torch.nn.utils.clip_grad_norm_(ps, max_norm)
        outs = [save('clip_%s_out_%d.npy' % (name, i), p.grad.numpy()) for i, p in enumerate(ps)]
        f.write('%s %r %d %r %s %s\n' % (name, max_norm, len(gs), float(total), ' '.join(ins),
                                         ' '.join(outs)))

with open(os.path.join(out, 'fans.txt'), 'w') as f:
    for shape in [(3, 4), (10, 1), (1, 10), (8, 3, 5), (16, 4, 3, 3), (2, 3, 1, 4, 5), (0, 3)]:
        fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
        f.write('%d %s %d %d\n' % (len(shape), ' '.join(map(str, shape)), fan_in, fan_out))

with open(os.path.join(out, 'gains.txt'), 'w') as f:
    for name, param in [('linear', None), ('sigmoid', None), ('tanh', None), ('relu', None),
                        ('leaky_relu', 0.2), ('leaky_relu', 0.01), ('leaky_relu', 0.0)]:
        f.write('%s %r %r\n' % (name, param if param is not None else 0.0,
                                torch.nn.init.calculate_gain(name, param)))

with open(os.path.join(out, 'steplr.txt'), 'w') as f:
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    for epoch in range(12):
        f.write('%d %r\n' % (epoch, sched.get_last_lr()[0]))
        opt.step()
        sched.step()
print('%d configurations, %d steps' % (len(CONFIGS), STEPS))
