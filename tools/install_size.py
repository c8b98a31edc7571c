#!/usr/bin/python3
"""Debian packages (and MB) that installing PACKAGES adds to a machine image.

usage: tools/install_size.py [--recommends] IMAGE_LIST PACKAGE...
  IMAGE_LIST: the installed packages of a fresh image, one per line as
  "apt<TAB>name<TAB>version" (the workplace's environment notes have one).
Walks Depends/Pre-Depends (and Recommends with --recommends) with apt-cache:
the first alternative of each "|", a virtual package to its first provider;
sums the Installed-Size of every package the image lacks. Used for the
install table in benchmarks/RESULTS.md.
"""
import re
import subprocess
import sys

recommends = '--recommends' in sys.argv
args = [a for a in sys.argv[1:] if not a.startswith('--')]
if len(args) < 2:
    sys.exit(__doc__)
image, wanted = args[0], args[1:]
fresh = {l.split('\t')[1].split(':')[0] for l in open(image) if l.startswith('apt\t')}
cache = {}


def info(name):
    """The package's fields, or {'virtual': first provider} for a virtual one."""
    if name not in cache:
        out = subprocess.run(['apt-cache', 'show', '--no-all-versions', name],
                             capture_output=True, text=True).stdout
        fields = dict(re.findall(r'^(Depends|Pre-Depends|Recommends|Installed-Size): (.*)$',
                                 out, re.M))
        if not out:
            out = subprocess.run(['apt-cache', 'showpkg', name], capture_output=True,
                                 text=True).stdout
            providers = out.split('Reverse Provides:')[-1].split()
            fields = {'virtual': providers[0] if providers else None}
        cache[name] = fields
    return cache[name]


seen, size_kb, stack = set(), 0, list(wanted)
while stack:
    name = stack.pop().split(':')[0]
    if name in seen or name in fresh:
        continue
    seen.add(name)
    fields = info(name)
    if 'virtual' in fields:
        if fields['virtual']:
            stack.append(fields['virtual'])
        continue
    size_kb += int(fields.get('Installed-Size', 0))
    for key in ['Depends', 'Pre-Depends'] + (['Recommends'] if recommends else []):
        for dep in filter(None, (d.strip() for d in fields.get(key, '').split(','))):
            alternatives = [a.strip().split(' ')[0].split(':')[0] for a in dep.split('|')]
            if not any(a in fresh or a in seen for a in alternatives):
                stack.append(alternatives[0])
packages = [p for p in seen if 'virtual' not in cache[p]]
print(f'{len(packages)} packages, {size_kb / 1024:.0f} MB')
