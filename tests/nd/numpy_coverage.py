"""Checks that every public libnd op has a NumPy differential case.

Usage: numpy_coverage.py ND_H NUMPY_DIR ELEMENTWISE_DEF

The ops are the functions ND_API declares in nd.h from its section
"Elementwise operations" to the end (reductions, linear algebra, joins,
indexing, sorting, random); the sections before it (errors, dtypes, the
array object, creation, views, copies, printing, files, threads) are the
data structure and I/O, checked by their own suites.

An op has a case when
  - it is a row of ELEMENTWISE_DEF (libnd/src/ops/elementwise.def), which
    gen_op_cases.py turns into NumPy cases and test_ops_vs_numpy.c runs; the
    row's nd_<name>_out is covered with it, as test_elementwise.c checks
    that every _out gives the bytes of its nd_<name>;
  - or a script NUMPY_DIR/*_vs_numpy.py or gen_op_cases.py names it: the
    word nd_<name>, a string 'name' that nd_<name> is, a prefix string such
    as 'nd_rng_' followed by a string naming the rest, or a string 'name'
    and a suffix string such as '_out'.
Ops without a NumPy twin are listed in NO_TWIN with the reason.
Exit 0 when every op has a case, 1 with the list of those without.
"""
import glob
import os
import re
import sys

# libnd functions that NumPy has no function for; each says where it is tested.
NO_TWIN = {
    'nd_scalar': 'a 0-d nd_full (numpy.array(x, dtype)), tests/nd/test_elementwise.c',
    'nd_result_type_arrays': 'numpy.result_type over arrays; nd_result_type has the NumPy cases, '
                             'tests/nd/test_elementwise.c checks the arrays form against it',
    'nd_sum_out': 'numpy.sum(..., out=) for the float sums of libautograd, tests/nd/test_reduce.c',
    'nd_matmul_dtype': 'matmul into a chosen result dtype (bf16 mixed precision), tests/nd/test_matmul.c',
    'nd_matmul_bias': 'numpy.matmul(a, b, dtype=dt) + bias in one call (a Linear\'s bias); '
                      'tests/nd/test_bf16_gemm.c holds it to nd_matmul_dtype then nd_add_out, '
                      'bit for bit (a bf16 result: that float32 result rounded once)',
    'nd_free_arrays': 'frees the list nd_split returns; no computation',
    'nd_rng_new': 'creates the generator the nd_rng_* cases draw from',
    'nd_rng_free': 'frees a generator; no computation',
}


def declared_ops(nd_h):
    text = open(nd_h).read()
    start = text.index('Elementwise operations')
    text = re.sub(r'/\*.*?\*/', '', text[start:], flags=re.S)
    return set(re.findall(r'ND_API\s[^;(]*?\b(nd_\w+)\s*\(', text))


def def_rows(def_file):
    rows = re.findall(r'^ND_\w+\((\w+), \w+, \w+\)', open(def_file).read(), flags=re.M)
    return {'nd_' + name for name in rows} | {'nd_' + name + '_out' for name in rows}


def named_in(script, ops):
    text = open(script).read()
    words = set(re.findall(r'\bnd_\w+', text))
    strings = set(re.findall(r"'(\w+)'", text))
    prefixes = {s for s in strings if s.startswith('nd_') and s.endswith('_')}
    suffixes = {s for s in strings if s.startswith('_')}
    named = {w for w in words if w in ops}
    named |= {'nd_' + s for s in strings if 'nd_' + s in ops}
    named |= {p + s for p in prefixes for s in strings if p + s in ops}
    named |= {'nd_' + s + x for s in strings for x in suffixes if 'nd_' + s + x in ops}
    return named


def main(argv):
    if len(argv) != 4:
        print(__doc__)
        return 2
    nd_h, numpy_dir, def_file = argv[1:]
    ops = declared_ops(nd_h)
    covered = def_rows(def_file) & ops
    for script in sorted(glob.glob(os.path.join(numpy_dir, '*.py'))):
        if os.path.basename(script) != 'libnd.py':   # the ctypes wrapper names everything
            covered |= named_in(script, ops)
    stale = sorted(set(NO_TWIN) - ops)
    missing = sorted(ops - covered - set(NO_TWIN))
    if stale:
        print('NO_TWIN names functions nd.h does not declare: ' + ', '.join(stale))
    if missing:
        print('%d public op(s) of %s have no NumPy differential case:' % (len(missing), nd_h))
        for name in missing:
            print('   ', name)
    if stale or missing:
        return 1
    print('%d ops, each with a NumPy case (%d without a NumPy twin)' % (len(ops), len(NO_TWIN)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
