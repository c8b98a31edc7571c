#define _GNU_SOURCE
#include "test_util.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void test_skip(const char *why)
{
    printf("SKIP: %s\n", why);
    fflush(stdout);
    exit(77);
}

const char *test_srcdir(void)
{
    const char *dir = getenv("ND_TEST_SRCDIR");
    return dir ? dir : ".";
}

const char *test_python(void)
{
    const char *python = getenv("ND_TEST_PYTHON");
    return python ? python : "/usr/bin/python3";
}

/* Runs argv with fork/exec (no shell, so paths need no quoting). */
static int run_argv(char *const argv[])
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool test_python_has(const char *module)
{
    char code[256];
    snprintf(code, sizeof code, "import %s", module);
    char *argv[] = {(char *)test_python(), "-c", code, NULL};
    return access(test_python(), X_OK) == 0 && run_argv(argv) == 0;
}

int test_run_python(const char *script, ...)
{
    char *argv[64];
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", test_srcdir(), script);
    int argc = 0;
    argv[argc++] = (char *)test_python();
    argv[argc++] = path;
    va_list ap;
    va_start(ap, script);
    const char *arg;
    while ((arg = va_arg(ap, const char *)) != NULL && argc < 63)
        argv[argc++] = (char *)arg;
    va_end(ap);
    argv[argc] = NULL;
    return run_argv(argv);
}

char *test_make_tmpdir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    char *path;
    if (asprintf(&path, "%s/nd-test-%s-XXXXXX", base ? base : "/tmp", tag) < 0)
        return NULL;
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void test_remove_tree(const char *path)
{
    if (path)
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void test_assert_shape(const nd_array *a, nd_dtype dt, int ndim, const int64_t *shape,
                       const char *file, int line)
{
    ck_assert_msg(a != NULL, "%s:%d: array is NULL (%s)", file, line, nd_last_error());
    ck_assert_msg(nd_dtype_of(a) == dt, "%s:%d: dtype %s, expected %s", file, line,
                  nd_dtype_name(nd_dtype_of(a)), nd_dtype_name(dt));
    ck_assert_msg(nd_ndim(a) == ndim, "%s:%d: ndim %d, expected %d", file, line, nd_ndim(a), ndim);
    for (int i = 0; i < ndim; i++)
        ck_assert_msg(nd_shape(a)[i] == shape[i], "%s:%d: shape[%d] = %lld, expected %lld", file,
                      line, i, (long long)nd_shape(a)[i], (long long)shape[i]);
}

void test_assert_values(const nd_array *a, const double *expected, int64_t n, const char *file,
                        int line)
{
    ck_assert_msg(a != NULL, "%s:%d: array is NULL (%s)", file, line, nd_last_error());
    ck_assert_msg(nd_size(a) == n, "%s:%d: size %lld, expected %lld", file, line,
                  (long long)nd_size(a), (long long)n);
    int ndim = nd_ndim(a);
    int64_t index[ND_MAXDIMS] = {0};
    for (int64_t k = 0; k < n; k++) {
        double v;
        ck_assert_int_eq(nd_get(a, index, &v), 0);
        bool same = (v == expected[k]) || (v != v && expected[k] != expected[k]);
        ck_assert_msg(same, "%s:%d: element %lld is %.17g, expected %.17g", file, line,
                      (long long)k, v, expected[k]);
        for (int d = ndim - 1; d >= 0; d--) { /* next index in C order */
            if (++index[d] < nd_shape(a)[d])
                break;
            index[d] = 0;
        }
    }
}

const char *test_path(const char *dir, const char *file)
{
    static char path[4][1024];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", dir, file);
    return p;
}
