/* The runner behind torch_cases.h. */
#include "torch_cases.h"

#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *find_param(const char *params, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = params; p && *p;) {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, klen) == 0 && p[klen] == '=')
            return p + klen + 1;
        p += strcspn(p, " ");
    }
    return NULL;
}

long torch_param_int(const char *params, const char *key, long fallback)
{
    const char *v = find_param(params, key);
    return v ? strtol(v, NULL, 10) : fallback;
}

double torch_param_double(const char *params, const char *key, double fallback)
{
    const char *v = find_param(params, key);
    return v ? strtod(v, NULL) : fallback;
}

int torch_param_ints(const char *params, const char *key, int *out, int max)
{
    const char *v = find_param(params, key);
    int n = 0;
    if (v && v[0] == '-' && !(v[1] >= '0' && v[1] <= '9'))
        return 0; /* "-": no list */
    while (v && *v && *v != ' ' && n < max) {
        char *end;
        out[n++] = (int)strtol(v, &end, 10);
        v = *end == ',' ? end + 1 : NULL;
    }
    return n;
}

static nd_array *load(const char *dir, const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    nd_array *a = nd_load_npy(path);
    ck_assert_msg(a != NULL, "cannot load %s: %s", path, nd_last_error());
    return a;
}

/* NULL if equal within tolerance, else what differs. */
static const char *differs(const nd_array *got, const nd_array *want, double rtol, double atol)
{
    static char why[256];
    if (!got)
        return "missing (NULL)";
    if (nd_ndim(got) != nd_ndim(want) || nd_size(got) != nd_size(want)) {
        snprintf(why, sizeof why, "shape differs (ndim %d size %lld, torch ndim %d size %lld)",
                 nd_ndim(got), (long long)nd_size(got), nd_ndim(want), (long long)nd_size(want));
        return why;
    }
    for (int d = 0; d < nd_ndim(got); d++)
        if (nd_shape(got)[d] != nd_shape(want)[d])
            return "shape differs";
    nd_array *g = nd_astype(got, ND_FLOAT64), *w = nd_astype(want, ND_FLOAT64);
    const double *x = nd_data(g), *y = nd_data(w);
    const char *result = NULL;
    for (int64_t i = 0; i < nd_size(g) && !result; i++) {
        bool ok = (isnan(x[i]) && isnan(y[i])) || x[i] == y[i] ||
                  fabs(x[i] - y[i]) <= atol + rtol * fabs(y[i]);
        if (!ok) {
            snprintf(why, sizeof why, "element %lld: %.9g, torch %.9g", (long long)i, x[i], y[i]);
            result = why;
        }
    }
    nd_free(g);
    nd_free(w);
    return result;
}

static bool run_line(const char *dir, char *line, const torch_case_entry *table, int ntable)
{
    char *copy = strdup(line), *p = line;
    char *field[8];
    for (int k = 0; k < 8; k++)
        field[k] = strsep(&p, "\t");
    ck_assert_msg(field[7] != NULL, "bad case line: %s", copy);
    torch_case_fn fn = NULL;
    for (int i = 0; i < ntable; i++)
        if (strcmp(table[i].name, field[0]) == 0)
            fn = table[i].fn;
    if (!fn) {
        fprintf(stderr, "FAIL (no function for this case): %s\n", copy);
        free(copy);
        return false;
    }
    ag_tensor *inputs[16];
    int n = 0;
    for (char *f = strtok(field[2], " "); f && n < 16; f = strtok(NULL, " ")) {
        nd_array *a = load(dir, f);
        nd_dtype dt = nd_dtype_of(a);
        inputs[n++] = dt == ND_FLOAT32 || dt == ND_FLOAT64 ? ag_param(a) : ag_const(a);
        nd_free(a);
    }
    double rtol = atof(field[6]), atol = atof(field[7]);
    nd_array *v = load(dir, field[3]), *want = load(dir, field[4]);
    bool ok = true;
    ag_tensor *y = fn(inputs, n, field[1]);
    const char *why = y ? differs(ag_value(y), want, rtol, atol) : nd_last_error();
    if (why) {
        fprintf(stderr, "FAIL %s\n  output: %s\n", copy, why);
        ok = false;
    }
    if (ok && strcmp(field[5], "-") != 0 && ag_backward_ex(y, v, false) < 0) {
        fprintf(stderr, "FAIL %s\n  backward: %s\n", copy, nd_last_error());
        ok = false;
    }
    int k = 0;
    for (char *f = strtok(field[5], " "); f && ok && k < n; f = strtok(NULL, " "), k++) {
        if (strcmp(f, "-") == 0)
            continue;
        nd_array *g = load(dir, f);
        why = differs(ag_grad(inputs[k]), g, rtol, atol);
        if (why) {
            fprintf(stderr, "FAIL %s\n  grad of input %d: %s\n", copy, k, why);
            ok = false;
        }
        nd_free(g);
    }
    ag_tape_reset();
    for (int i = 0; i < n; i++)
        ag_tensor_free(inputs[i]);
    nd_free(v);
    nd_free(want);
    free(copy);
    return ok;
}

int torch_run_cases(const char *script, const torch_case_entry *table, int ntable, int *total)
{
    if (!test_python_has("torch"))
        test_skip("torch cannot be imported");
    char *dir = test_make_tmpdir("torch");
    ck_assert_int_eq(test_run_python(script, dir, NULL), 0);
    char manifest[1024];
    snprintf(manifest, sizeof manifest, "%s/cases.txt", dir);
    FILE *f = fopen(manifest, "r");
    ck_assert_ptr_nonnull(f);
    static char line[1 << 16];
    int failed = 0;
    *total = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0])
            continue;
        (*total)++;
        if (!run_line(dir, line, table, ntable))
            failed++;
    }
    fclose(f);
    test_remove_tree(dir);
    free(dir);
    fprintf(stderr, "%d cases, %d failed\n", *total, failed);
    return failed;
}
