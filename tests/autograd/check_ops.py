"""Keeps libautograd's op list in one place: autograd.h's "Ops:" sections.

Usage: check_ops.py catalog     SRCROOT   (docs/autograd.md's op catalog)
       check_ops.py torch-cases SRCROOT   (every op has a PyTorch case)

The ops are the AG_API functions declared under autograd.h's banners whose
title starts with "Ops:". Each mode prints what disagrees and exits 1, or
prints a one-line summary and exits 0.

catalog: the table under "## The op catalog" in docs/autograd.md lists
every op exactly once and nothing else (a row's first column names ops in
backticks; "(+ `_composed`)" adds each name's _composed twin), and a row's
"defined in" column is the file under libautograd/src/ that defines each of
its ops. This is the catalog's drift test, as docs_libnd_reference_up_to_date
is the libnd reference's.

torch-cases: every op is called by a case function of a
tests/autograd/test_*_vs_torch.c table, that entry's name is added by the
PyTorch script the test runs (torch/*_cases.py: `cases.add('name', ...)`,
or `both('name', ...)` for a fused op and its _composed twin),
and no table entry lacks its PyTorch case. Ops that cannot have one are in
EXEMPT below, each with the reason.
"""
import os
import re
import sys

# Ops without a PyTorch differential case, and why. Each is still checked:
# the test named says where.
EXEMPT = {
    'ag_dropout': 'torch draws its mask from another generator, so the outputs cannot agree '
                  'element for element; test_layers.c checks the mask statistics, the 1/(1-p) '
                  'scale and that the backward reuses the forward mask',
}


def public_ops(header_text):
    """The ag_ functions declared under the "Ops:" banners, in header order."""
    ops, in_ops = [], False
    lines = header_text.split('\n')
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith('/* ----') and i + 2 < len(lines) and lines[i + 2].strip().startswith('/* ----'):
            in_ops = lines[i + 1].strip().strip('/*').strip().startswith('Ops:')
            continue
        m = re.match(r'AG_API\s+[^(]*?\b(ag_\w+)\s*\(', s)
        if in_ops and m:
            ops.append(m.group(1))
    return ops


def defining_files(src_dir):
    """ag_name -> path (relative to src_dir) of the file that defines it."""
    where = {}
    for root, _, files in os.walk(src_dir):
        for f in files:
            if not f.endswith('.c'):
                continue
            path = os.path.join(root, f)
            with open(path) as fh:
                for m in re.finditer(r'^[a-z_ ]+\*?\s*(ag_\w+)\s*\([^;]*?\)\s*\{', fh.read(), re.M):
                    where[m.group(1)] = os.path.relpath(path, src_dir)
    return where


def catalog_rows(doc_text):
    """[(ops in the row, 'defined in' text)] of the op catalog table."""
    part = doc_text.split('## The op catalog', 1)
    if len(part) < 2:
        return None
    rows = []
    for line in part[1].split('\n## ', 1)[0].split('\n'):
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) < 3 or not cells[0].startswith('`'):
            continue
        first = cells[0]
        names = re.findall(r'`(ag_\w+)`', first)
        if '`_composed`' in first:
            names += [n + '_composed' for n in names]
        rows.append((names, cells[-1]))
    return rows


def check_catalog(root, ops):
    with open(os.path.join(root, 'docs/autograd.md')) as f:
        rows = catalog_rows(f.read())
    if rows is None:
        print('docs/autograd.md has no "## The op catalog" section')
        return 1
    where = defining_files(os.path.join(root, 'libautograd/src'))
    errors, seen = [], {}
    for names, file in rows:
        for n in names:
            if n in seen:
                errors.append('%s is listed twice in the catalog' % n)
            seen[n] = file
            if n not in ops:
                errors.append('%s is in the catalog but not declared under an "Ops:" banner of '
                              'autograd.h' % n)
            elif where.get(n) != file:
                errors.append('%s: the catalog says %s, it is defined in %s' % (n, file, where.get(n)))
    for n in ops:
        if n not in seen:
            errors.append('%s is declared in autograd.h but missing from the op catalog' % n)
    for e in errors:
        print(e)
    if not errors:
        print('op catalog: %d ops, each listed once with its file' % len(ops))
    return 1 if errors else 0


def check_torch_cases(root, ops):
    tests = os.path.join(root, 'tests/autograd')
    covered, entries = set(), {}
    for f in sorted(os.listdir(tests)):
        if not (f.startswith('test_') and f.endswith('_vs_torch.c')):
            continue
        with open(os.path.join(tests, f)) as fh:
            text = fh.read()
        table = re.search(r'torch_case_entry\s+\w+\[\]\s*=\s*\{(.*?)\}\s*;', text, re.S)
        script = re.search(r'torch_run_cases\(\s*"([^"]+)"', text)
        if not table or not script:
            continue
        with open(os.path.join(tests, script.group(1))) as fh:
            script_text = fh.read()
        added = set(re.findall(r"cases\.add\(\s*'(\w+)'", script_text))
        # layers_cases.py's both('name', ...) adds name and name_composed
        for n in re.findall(r"\bboth\(\s*'(\w+)'", script_text):
            added |= {n, n + '_composed'}
        for name, fn in re.findall(r'\{\s*"(\w+)"\s*,\s*(\w+)\s*\}', table.group(1)):
            entries[(f, name)] = name in added
            body = re.search(r'\b%s\s*\([^)]*\)\s*\{(.*?)\n\}' % re.escape(fn), text, re.S)
            one_line = re.search(r'\b%s\s*\([^)]*\)\s*\{([^\n]*)\}' % re.escape(fn), text)
            code = (body.group(1) if body else '') + (one_line.group(1) if one_line else '')
            # a case function may pass an op to a helper (reduce_case(ag_max, ...))
            for call in re.findall(r'\b(ag_\w+)\b', code):
                if name in added:
                    covered.add(call)
    errors = ['%s: table entry "%s" has no cases.add(\'%s\', ...) in its PyTorch script'
              % (f, n, n) for (f, n), ok in sorted(entries.items()) if not ok]
    for n in ops:
        if n not in covered and n not in EXEMPT:
            errors.append('%s has no PyTorch differential case (add one to a test_*_vs_torch.c '
                          'table and its torch/*_cases.py, or exempt it here with the reason)' % n)
    for n in EXEMPT:
        if n not in ops:
            errors.append('%s is exempt but is no op of autograd.h' % n)
        elif n in covered:
            errors.append('%s is exempt but has a PyTorch case: drop the exemption' % n)
    for e in errors:
        print(e)
    if not errors:
        print('PyTorch cases: %d of %d ops, %d exempt (%s)'
              % (len(ops) - len(EXEMPT), len(ops), len(EXEMPT), ', '.join(sorted(EXEMPT))))
    return 1 if errors else 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('catalog', 'torch-cases'):
        print(__doc__)
        return 2
    root = sys.argv[2]
    with open(os.path.join(root, 'libautograd/include/autograd.h')) as f:
        ops = public_ops(f.read())
    if not ops:
        print('no ops found under the "Ops:" banners of autograd.h')
        return 1
    if sys.argv[1] == 'catalog':
        return check_catalog(root, ops)
    return check_torch_cases(root, ops)


if __name__ == '__main__':
    sys.exit(main())
