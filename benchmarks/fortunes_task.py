#!/usr/bin/env python3
"""Builds the fortunes classification task: each category file of Debian's
fortunes-min/fortunes (/usr/share/games/fortunes/) is a label, each fortune
(the text between two '%' lines, its lines joined by spaces) one example.

Usage: fortunes_task.py OUTDIR [CATEGORY ...]

Writes OUTDIR/train.tsv, valid.tsv, test.tsv (label<TAB>text, a
deterministic 80/10/10 split: examples ordered by the SHA-1 of their text,
so the split does not depend on file order or on the Python version) and
OUTDIR/corpus.txt (the training texts, one per line: the unlabeled text for
pre-training, so that no valid/test text is seen in pre-training) and
OUTDIR/corpus_pretrain.txt: those texts followed by the fortunes of every
other category file (the ones that are not labels), less any text that is
a valid or test example - about three times the text for pre-training.
"""
import hashlib
import os
import sys

FORTUNES = '/usr/share/games/fortunes'
DEFAULT = ['computers', 'definitions', 'people', 'politics', 'science', 'songs-poems']


def fortunes(category):
    with open(os.path.join(FORTUNES, category), encoding='utf-8', errors='replace') as f:
        text = f.read()
    for chunk in text.split('\n%\n'):
        one = ' '.join(chunk.replace('\t', ' ').split())
        if one and one != '%':
            yield one


def main():
    out = sys.argv[1]
    categories = sys.argv[2:] or DEFAULT
    if len(categories) < 2:
        sys.exit('need at least two categories')
    seen, examples = set(), []
    for c in categories:
        for text in fortunes(c):
            if text not in seen:        # a fortune listed twice counts once
                seen.add(text)
                examples.append((hashlib.sha1(text.encode()).hexdigest(), c, text))
    examples.sort()
    n = len(examples)
    cut1, cut2 = n * 8 // 10, n * 9 // 10
    os.makedirs(out, exist_ok=True)
    for name, part in (('train', examples[:cut1]), ('valid', examples[cut1:cut2]),
                       ('test', examples[cut2:])):
        with open(os.path.join(out, name + '.tsv'), 'w', encoding='utf-8') as f:
            for _, label, text in part:
                f.write('%s\t%s\n' % (label, text))
    with open(os.path.join(out, 'corpus.txt'), 'w', encoding='utf-8') as f:
        for _, _, text in examples[:cut1]:
            f.write(text + '\n')
    held_out = {text for _, _, text in examples[cut1:]}
    others = sorted(c for c in os.listdir(FORTUNES)
                    if '.' not in c and c not in categories
                    and os.path.isfile(os.path.join(FORTUNES, c)))
    extra = 0
    with open(os.path.join(out, 'corpus_pretrain.txt'), 'w', encoding='utf-8') as f:
        for _, _, text in examples[:cut1]:
            f.write(text + '\n')
        for c in others:
            for text in fortunes(c):
                if text not in held_out and text not in seen:
                    seen.add(text)
                    f.write(text + '\n')
                    extra += 1
    print('%d examples, %d categories: %d train, %d valid, %d test; %d more texts from %d '
          'other categories in corpus_pretrain.txt' % (n, len(categories), cut1, cut2 - cut1,
                                                       n - cut2, extra, len(others)))


if __name__ == '__main__':
    main()
