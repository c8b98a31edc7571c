#!/usr/bin/env python3
"""Draws one loss-curve picture per lesson from what benchmarks/lessons.c
wrote, as plain SVG written by hand (no plotting library).

Usage: lessons_svg.py RESULTS_DIR IMAGES_DIR

Each picture: the training loss of each run (a moving mean over 25
iterations, thin line) and its validation loss every 50 iterations (the
same colour, thick line with dots), iterations on x, nats per character on
y. The residual lesson gets a second picture: the gradient norm of each
block at initialization, with and without the residual connections.
"""
import csv
import math
import os
import sys

W, H = 830, 400
LEFT, RIGHT, TOP, BOTTOM = 60, 300, 40, 50
COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b']

LESSONS = [
    ('lesson_ln.svg', 'Pre-LN vs post-LN at 2 and 6 layers',
     ['pre_L2', 'post_L2', 'pre_L6', 'post_L6']),
    ('lesson_warmup.svg', 'Post-LN with and without warmup (lr 2e-3)',
     ['post_L2', 'post_L2_nowarmup', 'post_L6', 'post_L6_nowarmup']),
    ('lesson_warmup_lr1e-2.svg', 'Warmup at lr 1e-2 (6 layers)',
     ['post_L6_lr1e-2', 'post_L6_lr1e-2_nowarmup', 'pre_L6_lr1e-2_nowarmup']),
    ('lesson_scale.svg', 'Attention with and without 1/sqrt(d_k) (6 layers)',
     ['pre_L6', 'pre_L6_noscale']),
    ('lesson_residual.svg', 'With and without residual connections (6 layers)',
     ['pre_L6', 'pre_L6_noresidual']),
    ('lesson_positions.svg', 'Sinusoidal vs learned positions (6 layers)',
     ['pre_L6', 'pre_L6_learned']),
]


def esc(s):
    return s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def read_curve(path):
    it, train, val = [], [], []
    with open(path) as f:
        for row in csv.DictReader(f):
            i = int(row['iter'])
            it.append(i)
            train.append(float(row['train_loss']))
            if row['val_loss']:
                val.append((i, float(row['val_loss'])))
    return it, train, val


def smooth(values, n=25):
    out, acc = [], 0.0
    for i, v in enumerate(values):
        acc += v
        if i >= n:
            acc -= values[i - n]
        out.append(acc / min(i + 1, n))
    return out


def axes(title, xmax, ymin, ymax, xlabel, ylabel, xticks=None):
    """xticks: [(x, label)]; None: six evenly spaced numbers."""
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
             'font-family="sans-serif" font-size="12">' % (W, H),
             '<rect width="100%" height="100%" fill="white"/>',
             '<text x="%d" y="22" font-size="14" font-weight="bold">%s</text>' % (LEFT, esc(title)),
             '<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>'
             % (LEFT, TOP, pw, ph)]

    def sx(x):
        return LEFT + pw * x / xmax

    def sy(y):
        return TOP + ph * (ymax - y) / (ymax - ymin)

    for x, label in xticks or [(xmax * k / 5, '%g' % round(xmax * k / 5)) for k in range(6)]:
        parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>'
                     % (sx(x), TOP, sx(x), TOP + ph))
        parts.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                     % (sx(x), TOP + ph + 16, label))
    for k in range(6):
        y = ymin + (ymax - ymin) * k / 5
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>'
                     % (LEFT, sy(y), LEFT + pw, sy(y)))
        parts.append('<text x="%d" y="%.1f" text-anchor="end">%.2f</text>' % (LEFT - 4, sy(y) + 4, y))
    parts.append('<text x="%d" y="%d" text-anchor="middle">%s</text>'
                 % (LEFT + pw // 2, H - 12, esc(xlabel)))
    parts.append('<text transform="translate(16,%d) rotate(-90)" text-anchor="middle">%s</text>'
                 % (TOP + ph // 2, esc(ylabel)))
    return parts, sx, sy


def polyline(points, sx, sy, colour, width, ymin, ymax):
    pts = ' '.join('%.1f,%.1f' % (sx(x), sy(min(max(y, ymin), ymax))) for x, y in points
                   if math.isfinite(y))
    return '<polyline points="%s" fill="none" stroke="%s" stroke-width="%g"/>' % (pts, colour, width)


def legend(parts, i, colour, label):
    x, y = W - RIGHT + 12, TOP + 10 + 18 * i
    parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/>'
                 % (x, y, x + 18, y, colour))
    parts.append('<text x="%d" y="%d">%s</text>' % (x + 24, y + 4, esc(label)))


def final_losses(results):
    """name -> the final validation loss of summary.csv (40 batches)."""
    with open(os.path.join(results, 'summary.csv')) as f:
        return {row['name']: float(row['val_loss']) for row in csv.DictReader(f)}


def loss_picture(results, out, title, names):
    curves = {n: read_curve(os.path.join(results, 'curve_%s.csv' % n)) for n in names
              if os.path.exists(os.path.join(results, 'curve_%s.csv' % n))}
    if not curves:
        return False
    xmax = max(max(c[0]) for c in curves.values() if c[0]) + 1
    # y from a little under the best loss to the first smoothed loss (the
    # first iterations, at ln(vocab), would flatten everything else)
    lows = [min(smooth(c[1])) for c in curves.values() if c[1]]
    highs = [smooth(c[1])[min(40, len(c[1]) - 1)] for c in curves.values() if c[1]]
    ymin = math.floor(min(lows) * 10 - 1) / 10
    ymax = math.ceil(max(highs) * 10) / 10
    parts, sx, sy = axes(title, xmax, ymin, ymax, 'iteration', 'loss (nats per character)')
    for i, (n, (it, train, val)) in enumerate(curves.items()):
        colour = COLOURS[i % len(COLOURS)]
        parts.append(polyline(list(zip(it, smooth(train))), sx, sy, colour, 1, ymin, ymax))
        parts.append(polyline(val, sx, sy, colour, 2.5, ymin, ymax))
        for x, y in val:
            if ymin <= y <= ymax:
                parts.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>' % (sx(x), sy(y), colour))
        final = final_losses(results).get(n, float('nan'))
        legend(parts, i, colour, '%s (val %.3f)' % (n, final))
    legend_y = TOP + 10 + 18 * (len(curves) + 1)
    parts.append('<text x="%d" y="%d" fill="#555">thin: train (mean of 25 iterations)</text>'
                 % (W - RIGHT + 12, legend_y))
    parts.append('<text x="%d" y="%d" fill="#555">thick: validation (8 batches)</text>'
                 % (W - RIGHT + 12, legend_y + 16))
    parts.append('<text x="%d" y="%d" fill="#555">legend: final validation loss</text>'
                 % (W - RIGHT + 12, legend_y + 32))
    parts.append('<text x="%d" y="%d" fill="#555">(40 batches)</text>'
                 % (W - RIGHT + 12, legend_y + 48))
    parts.append('</svg>')
    with open(out, 'w') as f:
        f.write('\n'.join(parts) + '\n')
    return True


def gradnorm_picture(results, out, names):
    norms = {}
    with open(os.path.join(results, 'gradnorms.csv')) as f:
        for row in csv.DictReader(f):
            if row['name'] in names and row['layer'] != 'wte':
                norms.setdefault(row['name'], []).append((int(row['layer']), float(row['grad_norm'])))
    if not norms:
        return False
    layers = max(len(v) for v in norms.values())
    logs = [math.log10(v) for vals in norms.values() for _, v in vals if v > 0]
    ymin, ymax = math.floor(min(logs)), math.ceil(max(logs))
    if ymax == ymin:
        ymax += 1
    parts, sx, sy = axes('Gradient norm per block at initialization', layers, ymin, ymax,
                         'block (0 = nearest the input)', 'log10 of the gradient norm',
                         [(l + 0.5, str(l)) for l in range(layers)])
    bar = (W - LEFT - RIGHT) / layers / (len(norms) + 1)
    for i, (n, vals) in enumerate(norms.items()):
        colour = COLOURS[i % len(COLOURS)]
        for l, v in vals:
            y = math.log10(v) if v > 0 else ymin
            x0 = sx(l) + bar * (i + 0.5)
            parts.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                         % (x0, sy(y), bar, sy(ymin) - sy(y), colour))
        legend(parts, i, colour, n)
    parts.append('</svg>')
    with open(out, 'w') as f:
        f.write('\n'.join(parts) + '\n')
    return True


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: lessons_svg.py RESULTS_DIR IMAGES_DIR')
    results, images = sys.argv[1], sys.argv[2]
    os.makedirs(images, exist_ok=True)
    for file, title, names in LESSONS:
        if loss_picture(results, os.path.join(images, file), title, names):
            print('wrote', os.path.join(images, file))
    names = ['pre_L6', 'pre_L6_noresidual', 'post_L6']
    if gradnorm_picture(results, os.path.join(images, 'lesson_gradnorms.svg'), names):
        print('wrote', os.path.join(images, 'lesson_gradnorms.svg'))


if __name__ == '__main__':
    main()
