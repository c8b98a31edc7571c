/* libnd's I/O layer: the atomic writer (content, mode, errors with their
 * reason, no temporary file left on any failure) and the bounded JSON
 * reader (valid documents, every limit, duplicates, malformed inputs with
 * their byte offsets, int64/uint64/double numbers and their overflows). */
#define _GNU_SOURCE
#include "test_util.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir;

static void make_dir(void)
{
    dir = test_make_tmpdir("io");
    ck_assert_ptr_nonnull(dir);
}

static void remove_dir(void)
{
    chmod(dir, 0755);
    test_remove_tree(dir);
    free(dir);
    dir = NULL;
}

static const char *path_of(const char *file) { return test_path(dir, file); }

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* Files in dir whose name contains ".tmp". */
static int count_temp_files(const char *folder)
{
    DIR *d = opendir(folder);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".tmp") != NULL;
    closedir(d);
    return n;
}

/* ---- the atomic writer ---------------------------------------------------------- */

START_TEST(test_write_atomic_content_and_mode)
{
    const char *path = path_of("a.txt");
    ck_assert_int_eq(nd_write_atomic(path, "hello\n", 6), 0);
    size_t len;
    char *got = slurp(path, &len);
    ck_assert_int_eq(len, 6);
    ck_assert(memcmp(got, "hello\n", 6) == 0);
    free(got);
    /* 0644 minus the umask, as open(2) would make it (not mkstemp's 0600). */
    mode_t old = umask(022);
    ck_assert_int_eq(nd_write_atomic(path, "x", 1), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    umask(077);
    ck_assert_int_eq(nd_write_atomic(path, "y", 1), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    umask(old);
    /* Replacing keeps only the new content; an empty file is a file. */
    ck_assert_int_eq(nd_write_atomic(path, "", 0), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    /* Chunks are concatenated. */
    const void *chunks[3] = {"ab", "", "cde"};
    size_t lens[3] = {2, 0, 3};
    ck_assert_int_eq(nd_write_atomic_chunks(path, 3, chunks, lens), 0);
    got = slurp(path, &len);
    ck_assert_int_eq(len, 5);
    ck_assert(memcmp(got, "abcde", 5) == 0);
    free(got);
    ck_assert_int_eq(count_temp_files(dir), 0);
}
END_TEST

static int write_numbers(FILE *out, void *ctx)
{
    int n = *(int *)ctx;
    for (int i = 0; i < n; i++)
        if (fprintf(out, "%d\n", i) < 0)
            return ND_ERR_IO;
    return 0;
}

static int write_then_fail(FILE *out, void *ctx)
{
    (void)ctx;
    fputs("partial", out);
    return nd_set_last_error(ND_ERR_VALUE, "the writer gave up");
}

START_TEST(test_write_atomic_with_a_writer)
{
    const char *path = path_of("numbers.txt");
    int n = 20000;
    ck_assert_int_eq(nd_write_atomic_with(path, write_numbers, &n), 0);
    size_t len;
    char *got = slurp(path, &len);
    ck_assert(strncmp(got, "0\n1\n2\n", 6) == 0);
    ck_assert(memcmp(got + len - 6, "19999\n", 6) == 0);
    free(got);
    /* A writer that fails: its message, the old file untouched, no temp. */
    ck_assert_int_eq(nd_write_atomic_with(path, write_then_fail, NULL), ND_ERR_VALUE);
    ck_assert_error("the writer gave up");
    got = slurp(path, &len);
    ck_assert(strncmp(got, "0\n1\n2\n", 6) == 0);
    free(got);
    ck_assert_int_eq(count_temp_files(dir), 0);
    ck_assert_int_eq(nd_write_atomic_with(path, NULL, NULL), ND_ERR_VALUE);
    ck_assert_int_eq(nd_write_atomic_with(NULL, write_numbers, &n), ND_ERR_VALUE);
    ck_assert_int_eq(nd_write_atomic(NULL, "x", 1), ND_ERR_VALUE);
    ck_assert_int_eq(nd_write_atomic_chunks(path, -1, NULL, NULL), ND_ERR_VALUE);
    ck_assert_int_eq(nd_write_atomic(path, NULL, 3), ND_ERR_VALUE);
}
END_TEST

START_TEST(test_write_atomic_failures_leave_nothing)
{
    /* A missing folder: the reason, named. */
    char *want;
    ck_assert_int_gt(asprintf(&want, "cannot write '%s/missing/x': No such file or directory", dir),
                     0);
    ck_assert_int_eq(nd_write_atomic(path_of("missing/x"), "x", 1), ND_ERR_IO);
    ck_assert_error(want);
    free(want);
    /* A read-only folder (root ignores permissions: skip that part). */
    if (geteuid() != 0) {
        char *ro = strdup(path_of("ro"));
        ck_assert_int_eq(mkdir(ro, 0755), 0);
        char target[1100];
        snprintf(target, sizeof target, "%s/f", ro);
        ck_assert_int_eq(nd_write_atomic(target, "old", 3), 0);
        ck_assert_int_eq(chmod(ro, 0555), 0);
        ck_assert_int_eq(nd_write_atomic(target, "new", 3), ND_ERR_IO);
        ck_assert_ptr_nonnull(strstr(nd_last_error(), "Permission denied"));
        size_t len;
        char *got = slurp(target, &len);
        ck_assert(len == 3 && memcmp(got, "old", 3) == 0);
        free(got);
        ck_assert_int_eq(count_temp_files(ro), 0);
        chmod(ro, 0755);
        free(ro);
    }
    /* A disk that fills up mid-write: RLIMIT_FSIZE makes write(2) fail the
     * way a full disk does (EFBIG instead of ENOSPC; /dev/full cannot be a
     * rename target). The reason is in the message; the old file and no
     * temporary file remain. */
    const char *path = path_of("big.txt");
    ck_assert_int_eq(nd_write_atomic(path, "old", 3), 0);
    struct rlimit old_limit, small;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
    small = old_limit;
    small.rlim_cur = 4096;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    size_t n = 1 << 20;
    char *big = calloc(n, 1);
    int status = nd_write_atomic(path, big, n);
    setrlimit(RLIMIT_FSIZE, &old_limit);
    signal(SIGXFSZ, old_handler);
    free(big);
    ck_assert_int_eq(status, ND_ERR_IO);
    char *want_full;
    ck_assert_int_gt(asprintf(&want_full, "cannot write '%s': File too large", path), 0);
    ck_assert_error(want_full);
    free(want_full);
    size_t len;
    char *got = slurp(path, &len);
    ck_assert(len == 3 && memcmp(got, "old", 3) == 0);
    free(got);
    ck_assert_int_eq(count_temp_files(dir), 0);
}
END_TEST

/* ---- JSON: documents ------------------------------------------------------------- */

START_TEST(test_json_valid_document)
{
    const char *text = " {\"a\": [1, -2, 3.5, true, false, null, \"s\\u00e9\\n\"],\n"
                       "  \"b\": {\"c\": {}, \"d\": []}, \"\\ud83d\\ude00\": \"\xf0\x9f\x98\x80\"} ";
    nd_json *doc = nd_json_parse(text, strlen(text), NULL, "doc");
    ck_assert_msg(doc != NULL, "%s", nd_last_error());
    const nd_json_value *root = nd_json_root(doc);
    ck_assert_int_eq(nd_json_type_of(root), ND_JSON_OBJECT);
    ck_assert_int_eq(nd_json_count(root), 3);
    ck_assert_str_eq(nd_json_key(root, 0), "a");
    ck_assert_str_eq(nd_json_key(root, 2), "\xf0\x9f\x98\x80");
    ck_assert_str_eq(nd_json_string(nd_json_item(root, 2), NULL), "\xf0\x9f\x98\x80");
    const nd_json_value *a = nd_json_member(root, "a");
    ck_assert_int_eq(nd_json_count(a), 7);
    int64_t i;
    double d;
    bool b;
    ck_assert_int_eq(nd_json_int(nd_json_item(a, 0), &i), 0);
    ck_assert_int_eq(i, 1);
    ck_assert_int_eq(nd_json_int(nd_json_item(a, 1), &i), 0);
    ck_assert_int_eq(i, -2);
    ck_assert_int_eq(nd_json_type_of(nd_json_item(a, 2)), ND_JSON_DOUBLE);
    ck_assert_int_eq(nd_json_double(nd_json_item(a, 2), &d), 0);
    ck_assert(d == 3.5);
    ck_assert_int_eq(nd_json_double(nd_json_item(a, 1), &d), 0); /* an int as a double */
    ck_assert(d == -2.0);
    ck_assert_int_eq(nd_json_bool(nd_json_item(a, 3), &b), 0);
    ck_assert(b);
    ck_assert_int_eq(nd_json_bool(nd_json_item(a, 4), &b), 0);
    ck_assert(!b);
    ck_assert_int_eq(nd_json_type_of(nd_json_item(a, 5)), ND_JSON_NULL);
    size_t len;
    ck_assert_str_eq(nd_json_string(nd_json_item(a, 6), &len), "s\xc3\xa9\n");
    ck_assert_int_eq(len, 4);
    ck_assert_int_eq(nd_json_offset(nd_json_item(a, 1)), 11);
    const nd_json_value *bb = nd_json_member(root, "b");
    ck_assert_int_eq(nd_json_count(nd_json_member(bb, "c")), 0);
    ck_assert_int_eq(nd_json_count(nd_json_member(bb, "d")), 0);

    /* Wrong types, missing keys, out-of-range indices: messages with offsets. */
    ck_assert_int_eq(nd_json_int(nd_json_item(a, 6), &i), ND_ERR_TYPE);
    ck_assert_error("expected an integer at byte 39, found a string");
    ck_assert_int_eq(nd_json_int(nd_json_item(a, 2), &i), ND_ERR_TYPE);
    ck_assert_ptr_null(nd_json_member(root, "zz"));
    ck_assert_int_eq(nd_last_status(), ND_ERR_KEY);
    ck_assert_error("missing key \"zz\" in the object at byte 1");
    ck_assert_ptr_null(nd_json_item(a, 7));
    ck_assert_int_eq(nd_last_status(), ND_ERR_INDEX);
    ck_assert_ptr_null(nd_json_item(a, -1));
    ck_assert_ptr_null(nd_json_key(a, 0));
    ck_assert_int_eq(nd_json_count(nd_json_item(a, 0)), -1);
    /* NULL anywhere in a chain fails without crashing. */
    ck_assert_int_eq(nd_json_int(nd_json_member(nd_json_member(root, "x"), "y"), &i), ND_ERR_VALUE);
    ck_assert_int_eq(nd_json_type_of(NULL), ND_JSON_NONE);
    ck_assert_ptr_null(nd_json_root(NULL));
    ck_assert_ptr_null(nd_json_string(NULL, NULL));
    ck_assert_int_eq(nd_json_bool(NULL, &b), ND_ERR_VALUE);
    ck_assert_int_eq(nd_json_double(NULL, &d), ND_ERR_VALUE);
    ck_assert_ptr_null(nd_json_member(root, NULL));

    /* Known keys. */
    const char *allowed[2] = {"a", "b"};
    ck_assert_int_eq(nd_json_check_keys(root, 2, allowed), ND_ERR_KEY);
    ck_assert_error("unknown key \"\xf0\x9f\x98\x80\" at byte 80");
    /* Found by the fuzzers (config, train_state, tokenizer, safetensors): a
     * key holding a newline made a two-line message. Every message is one
     * line; control characters are escaped. */
    nd_json *nl = nd_json_parse("{\"a\\nb\\u0001\": 1}", 17, NULL, NULL);
    ck_assert_ptr_nonnull(nl);
    ck_assert_int_eq(nd_json_check_keys(nd_json_root(nl), 2, allowed), ND_ERR_KEY);
    ck_assert_error("unknown key \"a\\nb\\x01\" at byte 1");
    nd_json_free(nl);
    nd_set_last_error(ND_ERR_VALUE, "%s", "tab\there\r\x7f");
    ck_assert_error("tab\\there\\r\\x7f");
    const char *all[3] = {"a", "b", "\xf0\x9f\x98\x80"};
    ck_assert_int_eq(nd_json_check_keys(root, 3, all), 0);
    ck_assert_int_eq(nd_json_check_keys(a, 3, all), ND_ERR_TYPE);
    nd_json_free(doc);
    nd_json_free(NULL);

    /* Empty containers first, before anything was stored (found by
     * tests/fuzz/fuzz_json: memcpy from a NULL stack, UB). */
    const char *empties[3] = {"{}", "[]", "[[[[{\"a\": [[{}]]}]]]]"};
    for (int k = 0; k < 3; k++) {
        doc = nd_json_parse(empties[k], strlen(empties[k]), NULL, NULL);
        ck_assert_msg(doc != NULL, "%s: %s", empties[k], nd_last_error());
        ck_assert_int_eq(nd_json_count(nd_json_root(doc)), k < 2 ? 0 : 1);
        nd_json_free(doc);
    }

    /* Scalars at the top level. */
    doc = nd_json_parse("42", 2, NULL, NULL);
    ck_assert_int_eq(nd_json_int(nd_json_root(doc), &i), 0);
    ck_assert_int_eq(i, 42);
    nd_json_free(doc);
}
END_TEST

START_TEST(test_json_numbers)
{
    // clang-format off
    struct { const char *text; nd_json_type type; int64_t i; double d; } ok[] = {
        {"0", ND_JSON_INT, 0, 0}, {"-0", ND_JSON_INT, 0, 0},
        {"9223372036854775807", ND_JSON_INT, INT64_MAX, 0},
        {"-9223372036854775808", ND_JSON_INT, INT64_MIN, 0},
        {"1e2", ND_JSON_DOUBLE, 0, 100.0}, {"1E+2", ND_JSON_DOUBLE, 0, 100.0},
        {"0.1", ND_JSON_DOUBLE, 0, 0.1}, {"-2.5e-3", ND_JSON_DOUBLE, 0, -2.5e-3},
        {"1.7976931348623157e308", ND_JSON_DOUBLE, 0, 1.7976931348623157e308},
        {"4.9e-324", ND_JSON_DOUBLE, 0, 4.9e-324}, {"1e-400", ND_JSON_DOUBLE, 0, 0.0},
        {"1.0", ND_JSON_DOUBLE, 0, 1.0},
    };
    // clang-format on
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        nd_json *doc = nd_json_parse(ok[k].text, strlen(ok[k].text), NULL, NULL);
        ck_assert_msg(doc != NULL, "%s: %s", ok[k].text, nd_last_error());
        const nd_json_value *v = nd_json_root(doc);
        ck_assert_int_eq(nd_json_type_of(v), ok[k].type);
        if (ok[k].type == ND_JSON_INT) {
            int64_t i;
            ck_assert_int_eq(nd_json_int(v, &i), 0);
            ck_assert_int_eq(i, ok[k].i);
        } else {
            double d;
            ck_assert_int_eq(nd_json_double(v, &d), 0);
            ck_assert_msg(d == ok[k].d, "%s gave %.17g", ok[k].text, d); /* correctly rounded */
        }
        nd_json_free(doc);
    }
    /* uint64: beyond int64 but not beyond 2^64 - 1. */
    nd_json *doc = nd_json_parse("18446744073709551615", 20, NULL, NULL);
    uint64_t u;
    int64_t i;
    ck_assert_int_eq(nd_json_uint(nd_json_root(doc), &u), 0);
    ck_assert(u == UINT64_MAX);
    ck_assert_int_eq(nd_json_int(nd_json_root(doc), &i), ND_ERR_VALUE);
    ck_assert_error("integer at byte 0 does not fit int64");
    nd_json_free(doc);
    doc = nd_json_parse("-1", 2, NULL, NULL);
    ck_assert_int_eq(nd_json_uint(nd_json_root(doc), &u), ND_ERR_VALUE);
    ck_assert_error("integer at byte 0 is negative");
    nd_json_free(doc);

    // clang-format off
    struct { const char *text, *error; } bad[] = {
        {"18446744073709551616", "JSON: integer out of range at byte 0"},
        {"-9223372036854775809", "JSON: integer out of range at byte 0"},
        {"[1e309]", "JSON: number out of range for a double at byte 1"},
        {"-1e400", "JSON: number out of range for a double at byte 0"},
        {"01", "JSON: leading zero in a number at byte 0"},
        {"1.", "JSON: invalid number (digits must follow '.') at byte 0"},
        {".5", "JSON: expected a value, found '.' at byte 0"},
        {"1e", "JSON: invalid number (digits must follow the exponent) at byte 0"},
        {"-", "JSON: invalid number at byte 0"},
        {"+1", "JSON: expected a value, found '+' at byte 0"},
        {"NaN", "JSON: expected a value, found 'N' at byte 0"},
        {"Infinity", "JSON: expected a value, found 'I' at byte 0"},
        {"0x10", "JSON: unexpected 'x' after the JSON value at byte 1"},
    };
    // clang-format on
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        ck_assert_ptr_null(nd_json_parse(bad[k].text, strlen(bad[k].text), NULL, NULL));
        ck_assert_str_eq(nd_last_error(), bad[k].error);
    }
}
END_TEST

START_TEST(test_json_malformed_inputs_name_their_byte)
{
    // clang-format off
    struct { const char *text; size_t len; const char *error; } bad[] = {
        {"", 0, "f: expected a value, found the end of the input at byte 0"},
        {"   ", 3, "f: expected a value, found the end of the input at byte 3"},
        {"{\"a\":1,\"a\":2}", 0, "f: duplicate key \"a\" at byte 7"},
        {"{\"b\":1,\"a\":2,\"b\":3}", 0, "f: duplicate key \"b\" at byte 13"},
        {"{\"a\":1,}", 0, "f: expected a string key, found '}' at byte 7"},
        {"[1,]", 0, "f: expected a value, found ']' at byte 3"},
        {"[1 2]", 0, "f: expected ',' or ']', found '2' at byte 3"},
        {"{\"a\" 1}", 0, "f: expected ':', found '1' at byte 5"},
        {"{a:1}", 0, "f: expected a string key, found 'a' at byte 1"},
        {"[1", 0, "f: expected ',' or ']', found the end of the input at byte 2"},
        {"\"abc", 0, "f: unterminated string at byte 4"},
        {"\"a\tb\"", 0, "f: control character 0x09 in a string at byte 2"},
        {"\"\\x\"", 0, "f: bad escape in a string at byte 1"},
        {"\"\\u12\"", 0, "f: bad \\u escape (4 hex digits expected) at byte 5"},
        {"\"\\ud800\"", 0, "f: unpaired surrogate \\uD800 in a string at byte 1"},
        {"\"\\udc00\"", 0, "f: unpaired surrogate \\uDC00 in a string at byte 1"},
        {"\"\\ud800\\u0041\"", 0, "f: unpaired surrogate \\uD800 in a string at byte 1"},
        {"\"\\u0000\"", 0, "f: \\u0000 in a string is not supported at byte 1"},
        {"\"\xff\"", 0, "f: invalid UTF-8 in a string at byte 1"},
        {"\"\xc0\xaf\"", 0, "f: invalid UTF-8 in a string at byte 1"},       /* overlong */
        {"\"\xed\xa0\x80\"", 0, "f: invalid UTF-8 in a string at byte 1"},   /* surrogate */
        {"\"\xf4\x90\x80\x80\"", 0, "f: invalid UTF-8 in a string at byte 1"},   /* > U+10FFFF */
        {"\"\xe2\x82\"", 0, "f: invalid UTF-8 in a string at byte 1"},       /* truncated */
        {"tru", 0, "f: invalid literal (expected true) at byte 0"},
        {"nul", 0, "f: invalid literal (expected null) at byte 0"},
        {"{} {}", 0, "f: unexpected '{' after the JSON value at byte 3"},
        {"[1]\x00", 4, "f: unexpected byte 0x00 after the JSON value at byte 3"},
        {"\xef\xbb\xbf{}", 0, "f: expected a value, found byte 0xef at byte 0"},
    };
    // clang-format on
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        size_t len = bad[k].len ? bad[k].len : strlen(bad[k].text);
        nd_json *doc = nd_json_parse(bad[k].text, len, NULL, "f");
        ck_assert_msg(doc == NULL, "accepted %s", bad[k].text);
        ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
        ck_assert_str_eq(nd_last_error(), bad[k].error);
    }
    ck_assert_ptr_null(nd_json_parse(NULL, 3, NULL, NULL));
}
END_TEST

START_TEST(test_json_limits)
{
    nd_json_limits lim = {.max_bytes = 10, .max_depth = 2, .max_string = 3, .max_values = 4};
    nd_json *doc = nd_json_parse("[[1], \"abc\"]", 12, &lim, "t");
    ck_assert_ptr_null(doc);
    ck_assert_error("t: 12 bytes of JSON exceed the limit of 10");
    lim.max_bytes = 100;
    doc = nd_json_parse("[[1],\"abc\"]", 11, &lim, "t"); /* depth 2, 4 values: at the limits */
    ck_assert_msg(doc != NULL, "%s", nd_last_error());
    nd_json_free(doc);
    ck_assert_ptr_null(nd_json_parse("[[[1]]]", 7, &lim, "t"));
    ck_assert_error("t: nesting deeper than 2 levels at byte 2");
    ck_assert_ptr_null(nd_json_parse("\"abcd\"", 6, &lim, "t"));
    ck_assert_error("t: a string longer than 3 bytes at byte 0");
    ck_assert_ptr_null(nd_json_parse("\"\\u00e9\\u00e9\"", 14, &lim, "t")); /* 4 bytes decoded */
    ck_assert_error("t: a string longer than 3 bytes at byte 0");
    ck_assert_ptr_null(nd_json_parse("[1,2,3,4]", 9, &lim, "t"));
    ck_assert_error("t: more than 4 values at byte 7");
    /* Keys count as values and as strings. */
    ck_assert_ptr_null(nd_json_parse("{\"abcd\":1}", 10, &lim, "t"));
    ck_assert_error("t: a string longer than 3 bytes at byte 1");

    /* The defaults stop a deep nesting long before the stack would. */
    size_t n = 100000;
    char *deep = malloc(n);
    memset(deep, '[', n);
    ck_assert_ptr_null(nd_json_parse(deep, n, NULL, NULL));
    ck_assert_error("JSON: nesting deeper than 64 levels at byte 64");
    free(deep);
}
END_TEST

START_TEST(test_json_load_files)
{
    const char *path = path_of("c.json");
    ck_assert_int_eq(nd_write_atomic(path, "{\"x\": [1, 2]}\n", 14), 0);
    nd_json *doc = nd_json_load(path, NULL);
    ck_assert_msg(doc != NULL, "%s", nd_last_error());
    ck_assert_int_eq(nd_json_count(nd_json_member(nd_json_root(doc), "x")), 2);
    nd_json_free(doc);
    nd_json_limits lim = ND_JSON_DEFAULT_LIMITS;
    lim.max_bytes = 5;
    ck_assert_ptr_null(nd_json_load(path, &lim));
    ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
    ck_assert_ptr_nonnull(strstr(nd_last_error(), "is 14 bytes, more than the limit of 5"));
    ck_assert_int_eq(nd_write_atomic(path, "{\"x\": [1, 2}", 12), 0);
    ck_assert_ptr_null(nd_json_load(path, NULL));
    char want[1200];
    snprintf(want, sizeof want, "%s: expected ',' or ']', found '}' at byte 11", path);
    ck_assert_error(want);
    ck_assert_ptr_null(nd_json_load(path_of("absent.json"), NULL));
    ck_assert_int_eq(nd_last_status(), ND_ERR_IO);
    ck_assert_ptr_nonnull(strstr(nd_last_error(), "No such file or directory"));
    /* A folder and a FIFO are refused at once (a FIFO would block a reader). */
    ck_assert_ptr_null(nd_json_load(dir, NULL));
    ck_assert_ptr_nonnull(strstr(nd_last_error(), "not a regular file"));
    const char *fifo = path_of("fifo");
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    ck_assert_ptr_null(nd_json_load(fifo, NULL));
    ck_assert_ptr_nonnull(strstr(nd_last_error(), "not a regular file"));
    ck_assert_ptr_null(nd_json_load(NULL, NULL));
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("io");
    TCase *tc = tcase_create("io");
    tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
    tcase_add_test(tc, test_write_atomic_content_and_mode);
    tcase_add_test(tc, test_write_atomic_with_a_writer);
    tcase_add_test(tc, test_write_atomic_failures_leave_nothing);
    tcase_add_test(tc, test_json_valid_document);
    tcase_add_test(tc, test_json_numbers);
    tcase_add_test(tc, test_json_malformed_inputs_name_their_byte);
    tcase_add_test(tc, test_json_limits);
    tcase_add_test(tc, test_json_load_files);
    suite_add_tcase(s, tc);
    return s;
}
