"""Writes a Markdown reference of a public header from its comments.

Usage: gen_reference.py HEADER TITLE > OUT.md
       gen_reference.py --check HEADER TITLE OUT.md   (exit 1 if OUT.md is stale)

Each banner comment (/* ---- */ + title) becomes a section; each API
declaration is listed with the comment block just above it (its contract)
and any comment that trails on the same line. The header stays the one
source of truth; this only reformats it.
"""
import re
import sys


def parse(text):
    lines = text.split('\n')
    sections = []            # (title, intro, [(signature, doc)])
    current = None
    pending = []             # comment lines waiting for a declaration
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        # banner:  /* ----- */ \n /* Title */ \n /* ----- */
        if stripped.startswith('/* ----') and i + 2 < len(lines) and lines[i + 2].strip().startswith('/* ----'):
            title = lines[i + 1].strip().strip('/*').strip()
            current = [title, [], []]
            sections.append(current)
            pending = []
            i += 3
            continue
        if stripped.startswith('/*'):
            block = [line]
            while '*/' not in block[-1] and i + 1 < len(lines):
                i += 1
                block.append(lines[i])
            text_block = '\n'.join(block)
            body = re.sub(r'^\s*/\*+\s?|\s*\*+/\s*$', '', text_block)
            body = '\n'.join(re.sub(r'^\s*\* ?', '', l) for l in body.split('\n'))
            pending.append(body.strip())
            i += 1
            continue
        if re.match(r'\s*(ND_API|AG_API)\b', line) or (stripped.startswith('typedef') and current):
            decl = [line]
            while not re.search(r'[;{]\s*(/\*.*\*/)?\s*$', decl[-1]) and i + 1 < len(lines):
                i += 1
                decl.append(lines[i])
            if decl[-1].rstrip().endswith('{'):      # a struct/enum: take it whole
                depth = 1
                while depth > 0 and i + 1 < len(lines):
                    i += 1
                    decl.append(lines[i])
                    depth += lines[i].count('{') - lines[i].count('}')
            sig = '\n'.join(decl)
            sig = re.sub(r'\b(ND_API|AG_API)\s+', '', sig)
            trailing = re.search(r'/\*(.*?)\*/\s*$', decl[0]) if len(decl) == 1 else None
            if current is not None and not current[2] and len(pending) > 1:
                current[1].extend(pending[:-1])   # the section's introduction
                pending = pending[-1:]
            doc = '\n\n'.join(pending)
            if trailing:
                sig = sig[:sig.rfind('/*')].rstrip()
                doc = (doc + '\n\n' if doc else '') + trailing.group(1).strip()
            if current is None:
                current = ['Basics', [], []]
                sections.append(current)
            current[2].append((sig.strip(), doc))
            pending = []
            i += 1
            continue
        if stripped == '':
            if pending and current is not None and not current[2]:
                current[1].extend(pending)
            pending = [] if stripped == '' and pending and current is not None and not current[2] else pending
        i += 1
    return sections


def render(sections, title):
    out = ['# %s' % title, '',
           'Generated from the header comments by `tools/gen_reference.py`; the header is',
           'the source of truth. Each entry is the declaration and its contract.', '']
    out.append('## Contents')
    out.append('')
    for t, _, entries in sections:
        if entries:
            anchor = re.sub(r'[^a-z0-9 -]', '', t.lower()).replace(' ', '-')
            out.append('- [%s](#%s)' % (t, anchor))
    out.append('')
    for t, intro, entries in sections:
        if not entries:
            continue
        out.append('## %s' % t)
        out.append('')
        for p in intro:
            out.append(p)
            out.append('')
        for sig, doc in entries:
            out.append('```c')
            out.append(sig)
            out.append('```')
            if doc:
                out.append(doc)
            out.append('')
    return '\n'.join(out).rstrip() + '\n'


def main():
    args = sys.argv[1:]
    check = args and args[0] == '--check'
    if check:
        args = args[1:]
    header, title = args[0], args[1]
    with open(header) as f:
        text = render(parse(f.read()), title)
    if check:
        with open(args[2]) as f:
            if f.read() != text:
                print('%s is stale: run tools/gen_reference.py %s "%s" > %s' % (args[2], header, title, args[2]))
                sys.exit(1)
        return
    sys.stdout.write(text)


main()
