/*
 * The differential test of libnd's compute functions against NumPy.
 *
 * numpy/gen_op_cases.py (run with Debian's numpy) writes a few thousand
 * cases as .npy inputs and expected outputs or error messages; this runner
 * computes each with libnd and compares: dtype and shape exactly, integers
 * and bools exactly, floats within the case's rtol/atol with NaN where
 * NumPy has NaN. Each failure prints the case line, so it can be replayed.
 */
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUTS 4

typedef struct op_case {
    char *line; /* the manifest line (for messages) */
    const char *id, *op, *expect;
    char *inputs[MAX_INPUTS];
    int ninputs;
    char *params;
} op_case;

static const char *case_dir;

/* ---- parsing ------------------------------------------------------------------ */

static const char *param(const op_case *c, const char *key)
{
    static char value[256];
    size_t klen = strlen(key);
    for (const char *p = c->params; p && *p;) {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t n = strcspn(v, " ");
            snprintf(value, sizeof value, "%.*s", (int)n, v);
            return value;
        }
        p += strcspn(p, " ");
    }
    return NULL;
}

static int int_param(const op_case *c, const char *key, int fallback)
{
    const char *v = param(c, key);
    return v ? atoi(v) : fallback;
}

static int axes_param(const op_case *c, int *axes)
{
    const char *v = param(c, "axes");
    if (!v || strcmp(v, "-") == 0)
        return 0;
    int n = 0;
    for (const char *p = v; *p && n < ND_MAXDIMS; p++) {
        axes[n++] = (int)strtol(p, (char **)&p, 10);
        if (*p != ',')
            break;
    }
    return n;
}

/* Loads `file.npy|VIEW` and applies the view steps (see gen_op_cases.py). */
static nd_array *load_operand(const char *spec)
{
    if (strcmp(spec, "-") == 0)
        return NULL;
    char file[512], view[256] = "";
    const char *bar = strchr(spec, '|');
    size_t n = bar ? (size_t)(bar - spec) : strlen(spec);
    snprintf(file, sizeof file, "%s/%.*s", case_dir, (int)n, spec);
    if (bar)
        snprintf(view, sizeof view, "%s", bar + 1);
    nd_array *a = nd_load_npy(file);
    ck_assert_msg(a != NULL, "cannot load %s: %s", file, nd_last_error());
    for (char *step = strtok(view, ","); step; step = strtok(NULL, ",")) {
        nd_array *next = NULL;
        if (step[0] == 'T') {
            next = nd_transpose(a, NULL);
        } else if (step[0] == 'r') {
            next = nd_slice(a, atoi(step + 1), ND_NONE, ND_NONE, -1);
        } else if (step[0] == 's') {
            /* s<axis>:<start>:<stop>:<step>, empty fields meaning None */
            char *p = step + 1;
            int axis = (int)strtol(p, &p, 10);
            int64_t field[3] = {ND_NONE, ND_NONE, 1};
            for (int k = 0; k < 3 && *p == ':'; k++) {
                p++;
                if (*p && *p != ':')
                    field[k] = strtoll(p, &p, 10);
            }
            next = nd_slice(a, axis, field[0], field[1], field[2]);
        }
        ck_assert_msg(next != NULL, "bad view step %s", step);
        nd_free(a);
        a = next;
    }
    return a;
}

/* ---- calling libnd ------------------------------------------------------------ */

typedef nd_array *(*binary_fn)(const nd_array *, const nd_array *);
typedef int (*binary_out_fn)(const nd_array *, const nd_array *, nd_array *);
typedef nd_array *(*unary_fn)(const nd_array *);
typedef nd_array *(*reduce_fn)(const nd_array *, int, const int *, bool);
typedef nd_array *(*ddof_fn)(const nd_array *, int, const int *, int, bool);
typedef nd_array *(*axis_fn)(const nd_array *, int);

/* Every op of libnd's list (libnd/src/ops/elementwise.def), by its libnd
 * name; gen_op_cases.py writes cases for the same rows. */
// clang-format off
static const struct { const char *name; binary_fn fn; binary_out_fn out; } binary_ops[] = {
#define ND_BINARY(name, numpy_name, ufunc) {#name, nd_##name, nd_##name##_out},
#define ND_UNARY(name, numpy_name, ufunc)
#include "elementwise.def"
};
static const struct { const char *name; unary_fn fn; } unary_ops[] = {
#define ND_BINARY(name, numpy_name, ufunc)
#define ND_UNARY(name, numpy_name, ufunc) {#name, nd_##name},
#include "elementwise.def"
};
#define REDUCE(name) {#name, nd_##name}
static const struct { const char *name; reduce_fn fn; } reduce_ops[] = {
    REDUCE(sum), REDUCE(prod), REDUCE(mean), REDUCE(max), REDUCE(min), REDUCE(any), REDUCE(all),
    REDUCE(count_nonzero), REDUCE(logsumexp),
};
// clang-format on

/* Runs the case; returns the result (NULL on a libnd error). For _out and
 * _inplace forms the result is the array written into. */
static nd_array *compute(const op_case *c, bool *known)
{
    nd_array *in[MAX_INPUTS] = {0};
    for (int i = 0; i < c->ninputs; i++)
        in[i] = load_operand(c->inputs[i]);
    nd_array *result = NULL;
    *known = true;
    char op[64];
    snprintf(op, sizeof op, "%s", c->op);
    char *suffix = strrchr(op, '_');
    const char *forms[] = {"_out", "_inplace", "_overlap"};
    int form = -1;
    for (int k = 0; k < 3 && suffix; k++)
        if (strcmp(suffix, forms[k]) == 0) {
            form = k;
            *suffix = '\0';
        }
    int axes[ND_MAXDIMS], naxes = axes_param(c, axes);
    bool keepdims = int_param(c, "keepdims", 0) != 0;

    for (size_t k = 0; k < sizeof binary_ops / sizeof binary_ops[0]; k++) {
        if (strcmp(op, binary_ops[k].name) != 0)
            continue;
        if (form == 0) { /* op(a, b, out=c) */
            result = nd_copy(in[2]);
            if (binary_ops[k].out(in[0], in[1], result) < 0) {
                nd_free(result);
                result = NULL;
            }
        } else if (form == 1) { /* a = copy; op(a, b, out=a) */
            result = nd_copy(in[0]);
            if (binary_ops[k].out(result, in[1], result) < 0) {
                nd_free(result);
                result = NULL;
            }
        } else if (form == 2) { /* x[1:] = x[1:] op x[:-1] */
            result = nd_copy(in[0]);
            nd_array *tail = nd_slice(result, 0, 1, ND_NONE, 1);
            nd_array *head = nd_slice(result, 0, 0, -1, 1);
            if (binary_ops[k].out(tail, head, tail) < 0) {
                nd_free(result);
                result = NULL;
            }
            nd_free(tail);
            nd_free(head);
        } else {
            result = binary_ops[k].fn(in[0], in[1]);
        }
        goto done;
    }
    for (size_t k = 0; k < sizeof unary_ops / sizeof unary_ops[0]; k++)
        if (strcmp(op, unary_ops[k].name) == 0) {
            result = unary_ops[k].fn(in[0]);
            goto done;
        }
    for (size_t k = 0; k < sizeof reduce_ops / sizeof reduce_ops[0]; k++)
        if (strcmp(op, reduce_ops[k].name) == 0) {
            result = reduce_ops[k].fn(in[0], naxes, axes, keepdims);
            goto done;
        }
    if (strcmp(op, "var") == 0 || strcmp(op, "std") == 0) {
        ddof_fn fn = op[0] == 'v' ? nd_var : nd_std;
        result = fn(in[0], naxes, axes, int_param(c, "ddof", 0), keepdims);
    } else if (strcmp(op, "argmax") == 0 || strcmp(op, "argmin") == 0 ||
               strcmp(op, "cumsum") == 0 || strcmp(op, "cumprod") == 0) {
        axis_fn fn = strcmp(op, "argmax") == 0   ? nd_argmax
                     : strcmp(op, "argmin") == 0 ? nd_argmin
                     : strcmp(op, "cumsum") == 0 ? nd_cumsum
                                                 : nd_cumprod;
        result = fn(in[0], int_param(c, "axis", 0));
    } else if ((strcmp(op, "where") == 0 || strcmp(op, "clip") == 0) && form == 0) {
        result = nd_copy(in[3]); /* op(x, y, z, out=w) */
        int status = op[0] == 'w' ? nd_where_out(in[0], in[1], in[2], result)
                                  : nd_clip_out(in[0], in[1], in[2], result);
        if (status < 0) {
            nd_free(result);
            result = NULL;
        }
    } else if (strcmp(op, "where") == 0) {
        result = nd_where(in[0], in[1], in[2]);
    } else if (strcmp(op, "clip") == 0) {
        result = nd_clip(in[0], in[1], in[2]);
    } else {
        *known = false;
    }
done:
    for (int i = 0; i < c->ninputs; i++)
        nd_free(in[i]);
    return result;
}

/* ---- comparing ------------------------------------------------------------------ */

/* NULL if they match, else a description of the first difference. */
static const char *compare(const op_case *c, const nd_array *got, const nd_array *want)
{
    static char why[512];
    if (nd_dtype_of(got) != nd_dtype_of(want)) {
        snprintf(why, sizeof why, "dtype %s, NumPy %s", nd_dtype_name(nd_dtype_of(got)),
                 nd_dtype_name(nd_dtype_of(want)));
        return why;
    }
    bool same_shape = nd_ndim(got) == nd_ndim(want);
    for (int d = 0; d < nd_ndim(got) && same_shape; d++)
        same_shape = nd_shape(got)[d] == nd_shape(want)[d];
    if (!same_shape) {
        snprintf(why, sizeof why, "shape differs (ndim %d vs %d)", nd_ndim(got), nd_ndim(want));
        return why;
    }
    const char *r = param(c, "rtol");
    double rtol = r ? atof(r) : 0;
    const char *a = param(c, "atol");
    double atol = a ? atof(a) : 0;
    bool is_float = nd_dtype_is_float(nd_dtype_of(want));
    nd_array *g = nd_ascontiguousarray(got), *w = nd_ascontiguousarray(want);
    int64_t n = nd_size(w), ndim = nd_ndim(w);
    const char *result = NULL;
    int64_t index[ND_MAXDIMS] = {0};
    for (int64_t i = 0; i < n && !result; i++) {
        int64_t rest = i;
        for (int64_t d = ndim - 1; d >= 0; d--) {
            index[d] = rest % nd_shape(w)[d];
            rest /= nd_shape(w)[d];
        }
        if (!is_float) {
            int64_t x, y;
            nd_get_int64(g, index, &x);
            nd_get_int64(w, index, &y);
            if (x != y) {
                snprintf(why, sizeof why, "element %lld: %lld, NumPy %lld", (long long)i,
                         (long long)x, (long long)y);
                result = why;
            }
            continue;
        }
        double x, y;
        nd_get(g, index, &x);
        nd_get(w, index, &y);
        bool ok = (isnan(x) && isnan(y)) || x == y ||
                  (isfinite(x) && isfinite(y) && fabs(x - y) <= atol + rtol * fabs(y));
        if (!ok) {
            snprintf(why, sizeof why, "element %lld: %.17g, NumPy %.17g", (long long)i, x, y);
            result = why;
        }
    }
    nd_free(g);
    nd_free(w);
    return result;
}

static bool run_case(const op_case *c)
{
    bool known;
    nd_clear_error();
    nd_array *got = compute(c, &known);
    if (!known) {
        fprintf(stderr, "FAIL (no such op in the runner): %s\n", c->line);
        nd_free(got);
        return false;
    }
    if (c->expect[0] == '!') {
        bool ok = !got && strcmp(nd_last_error(), c->expect + 1) == 0;
        if (!ok)
            fprintf(stderr, "FAIL %s\n  expected error: %s\n  got: %s\n", c->line, c->expect + 1,
                    got ? "a result" : nd_last_error());
        nd_free(got);
        return ok;
    }
    if (!got) {
        fprintf(stderr, "FAIL %s\n  libnd error: %s\n", c->line, nd_last_error());
        return false;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/%s", case_dir, c->expect);
    nd_array *want = nd_load_npy(path);
    ck_assert_msg(want != NULL, "cannot load %s", path);
    const char *why = compare(c, got, want);
    if (why)
        fprintf(stderr, "FAIL %s\n  %s\n", c->line, why);
    nd_free(got);
    nd_free(want);
    return why == NULL;
}

START_TEST(test_all_cases_match_numpy)
{
    if (!test_python_has("numpy"))
        test_skip("numpy cannot be imported");
    char *dir = test_make_tmpdir("ops");
    case_dir = dir;
    /* $ND_OPS_SEED replays another random set of cases. */
    const char *seed = getenv("ND_OPS_SEED");
    ck_assert_int_eq(test_run_python("numpy/gen_op_cases.py", dir, seed, NULL), 0);
    char manifest[512];
    snprintf(manifest, sizeof manifest, "%s/cases.txt", dir);
    FILE *f = fopen(manifest, "r");
    ck_assert_ptr_nonnull(f);
    char buffer[8192];
    int total = 0, failed = 0;
    while (fgets(buffer, sizeof buffer, f)) {
        buffer[strcspn(buffer, "\n")] = '\0';
        op_case c = {.line = strdup(buffer)};
        char *fields[5] = {0};
        char *save = NULL, *p = buffer;
        for (int k = 0; k < 5; k++) {
            fields[k] = strsep(&p, "\t");
            if (!fields[k])
                fields[k] = "";
        }
        (void)save;
        c.id = fields[0];
        c.op = fields[1];
        c.params = fields[3];
        c.expect = fields[4];
        for (char *in = strtok(fields[2], " "); in && c.ninputs < MAX_INPUTS; in = strtok(NULL, " "))
            c.inputs[c.ninputs++] = in;
        total++;
        if (!run_case(&c))
            failed++;
        free(c.line);
    }
    fclose(f);
    test_remove_tree(dir);
    free(dir);
    fprintf(stderr, "%d cases, %d failed\n", total, failed);
    ck_assert_int_ge(total, 2000);
    ck_assert_int_eq(failed, 0);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("ops_vs_numpy");
    TCase *tc = tcase_create("cases");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_all_cases_match_numpy);
    suite_add_tcase(s, tc);
    return s;
}
