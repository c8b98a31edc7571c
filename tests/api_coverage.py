"""Checks that the NULL-argument walk covers a whole public header.

Usage: api_coverage.py HEADER[,HEADER...] MACRO TEST_C [SHARED_LIB]

Every function declared with MACRO (ND_API, AG_API) in HEADER must have at
least one row `KIND(function, ...)` in the table of TEST_C (see
tests/common/null_args.h), so a new public function cannot skip the walk.
MACRO "-" means the header marks its functions with no macro (the models'
transformer.h and tok.h): every function declared at file scope counts.
Several headers (comma-separated) make one API, walked by one TEST_C.
With SHARED_LIB, the library must also export no function that the headers
do not declare (`nm -D --defined-only`): nothing leaks out of the API.
Exit 0 when complete, 1 with the list of what is missing.
"""
import re
import shutil
import subprocess
import sys


def declared(header, macro):
    text = re.sub(r'/\*.*?\*/', '', open(header).read(), flags=re.S)
    text = re.sub(r'^\s*#.*$', '', text, flags=re.M)   # the macro's own #define
    if macro != '-':
        return set(re.findall(macro + r'\s[^;(]*?\b(\w+)\s*\(', text))
    # No macro: a declaration starts a line at file scope (struct members and
    # enumerators are indented), is no typedef, and ends with ");".
    return {m.group(2) for m in re.finditer(r'^(?!typedef\b)(\w[^;{}()=]*?)\b(\w+)\s*\([^;{}]*\)\s*;',
                                             text, flags=re.M)}


def covered(test_c):
    return set(re.findall(r'^\s*[PIBDLZFVN]\((\w+),', open(test_c).read(), flags=re.M))


def exported(lib):
    nm = shutil.which('nm')
    if nm is None:
        return None
    out = subprocess.run([nm, '-D', '--defined-only', lib], capture_output=True, text=True,
                         check=True).stdout
    return {f[2] for f in (l.split() for l in out.splitlines()) if len(f) == 3 and f[1] in 'TtWi'}


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__)
        return 2
    header, macro, test_c = argv[1:4]
    names = set().union(*(declared(h, macro) for h in header.split(',')))
    if not names:
        print('no %s declarations found in %s' % (macro, header))
        return 1
    status = 0
    missing = sorted(names - covered(test_c))
    if missing:
        print('%d public function(s) of %s have no row in %s:' % (len(missing), header, test_c))
        for name in missing:
            print('   ', name)
        status = 1
    stale = sorted(covered(test_c) - names)
    if stale:
        print('rows of %s name functions %s does not declare: %s' % (test_c, header, ', '.join(stale)))
        status = 1
    if len(argv) == 5:
        symbols = exported(argv[4])
        if symbols is None:
            print('nm not found: export check skipped')
        else:
            extra = sorted(s for s in symbols - names if not s.startswith('_'))
            if extra:
                print('%s exports functions %s does not declare: %s' % (argv[4], header, ', '.join(extra)))
                status = 1
    if status == 0:
        print('%d public functions of %s, all walked' % (len(names), header))
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv))
