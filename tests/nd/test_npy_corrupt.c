/* Corrupt and hostile files: thousands of mutated and truncated .npy and
 * .npz files must each either load or fail with a message, and never crash,
 * leak or allocate what the file does not hold. CI runs this under ASan and
 * UBSan, where any slip is a report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static char *tmpdir;

static void setup(void) { tmpdir = test_make_tmpdir("corrupt"); }

static void teardown(void)
{
    test_remove_tree(tmpdir);
    free(tmpdir);
}

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *bytes = malloc(*size + 1);
    ck_assert_uint_eq(fread(bytes, 1, *size, f), *size);
    fclose(f);
    return bytes;
}

static void write_file(const char *path, const unsigned char *bytes, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(bytes, 1, size, f), size);
    fclose(f);
}

/* Deterministic xorshift, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Loads `bytes` as a file; returns true if it loaded. A failure must come
 * with a message. */
static bool try_load(const unsigned char *bytes, size_t size, bool npz)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/m.%s", tmpdir, npz ? "npz" : "npy");
    write_file(path, bytes, size);
    nd_clear_error();
    if (npz) {
        nd_npz *z = nd_load_npz(path);
        if (z) {
            for (int i = 0; i < nd_npz_count(z); i++) {
                nd_array *a = nd_npz_get(z, nd_npz_name(z, i));
                ck_assert_ptr_nonnull(a);
                nd_free(a);
            }
            nd_npz_free(z);
            return true;
        }
    } else {
        nd_array *a = nd_load_npy(path);
        if (a) {
            char *text = nd_repr(a); /* touch every element */
            free(text);
            nd_free(a);
            return true;
        }
    }
    ck_assert_msg(nd_last_error()[0] != '\0', "failed without a message");
    return false;
}

/* Mutations of one valid image: truncation at every length, single bytes
 * overwritten with 0x00/0xff/random at every offset of the header, and
 * random multi-byte damage anywhere. */
static int mutate_and_load(const unsigned char *valid, size_t size, bool npz, int random_rounds)
{
    int cases = 0;
    unsigned char *copy = malloc(size);
    for (size_t cut = 0; cut < size; cut += cut < 200 ? 1 : 37) {
        try_load(valid, cut, npz);
        cases++;
    }
    size_t header_end = size < 160 ? size : 160;
    for (size_t at = 0; at < header_end; at++) {
        const unsigned char values[3] = {0x00, 0xff, (unsigned char)next_random()};
        for (int v = 0; v < 3; v++) {
            memcpy(copy, valid, size);
            copy[at] = values[v];
            try_load(copy, size, npz);
            cases++;
        }
    }
    for (int round = 0; round < random_rounds; round++) {
        memcpy(copy, valid, size);
        int damage = 1 + (int)(next_random() % 4);
        for (int k = 0; k < damage; k++)
            copy[next_random() % size] = (unsigned char)next_random();
        try_load(copy, size, npz);
        cases++;
    }
    free(copy);
    return cases;
}

static unsigned char *valid_npy(nd_array *a, size_t *size)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/valid.npy", tmpdir);
    ck_assert_int_eq(nd_save_npy(path, a), 0);
    return read_file(path, size);
}

START_TEST(mutated_npy_files_fail_cleanly)
{
    nd_array *sources[4];
    sources[0] = nd_arange(ND_FLOAT32, 0, 24, 1);
    nd_array *grid = nd_reshape(sources[0], 3, (int64_t[]){2, 3, 4});
    sources[1] = nd_transpose(grid, NULL); /* Fortran order */
    sources[2] = nd_full(ND_BOOL, 1, (int64_t[]){5}, 1);
    sources[3] = nd_full(ND_INT64, 0, NULL, -7);
    int cases = 0;
    for (int i = 0; i < 4; i++) {
        size_t size;
        unsigned char *valid = valid_npy(sources[i], &size);
        ck_assert(try_load(valid, size, false));
        cases += mutate_and_load(valid, size, false, 300);
        free(valid);
        nd_free(sources[i]);
    }
    nd_free(grid);
    ck_assert_int_gt(cases, 2000);
}
END_TEST

/* Hand-written hostile headers with a valid magic and length. */
static void load_header(const char *dict, size_t data_bytes, bool expect_ok, const char *contains)
{
    unsigned char bytes[1024] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    size_t len = strlen(dict);
    bytes[8] = (unsigned char)(len & 0xff);
    bytes[9] = (unsigned char)(len >> 8);
    memcpy(bytes + 10, dict, len);
    size_t size = 10 + len + data_bytes;
    ck_assert_uint_le(size, sizeof bytes);
    bool ok = try_load(bytes, size, false);
    ck_assert_msg(ok == expect_ok, "%s: loaded=%d (%s)", dict, ok, nd_last_error());
    if (contains)
        ck_assert_msg(strstr(nd_last_error(), contains), "%s: got '%s'", dict, nd_last_error());
}

START_TEST(hostile_headers_are_refused)
{
    load_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", 8, true, NULL);
    load_header("{'descr': '<f4', 'fortran_order': False, 'shape': (3000000000000000000,), }\n", 8,
                false, "array is too big");
    load_header("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n",
                0, false, "array is too big");
    load_header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }\n", 0,
                false, "too large");
    load_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000,), }\n", 8, false,
                "the header describes 4000000 bytes of data, but only 8 follow");
    load_header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n", 8, false,
                "Object arrays cannot be loaded when allow_pickle=False");
    load_header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", 8, false,
                "structured dtypes are not supported");
    load_header("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }\n", 16, false,
                "unsupported dtype '<c16'");
    load_header("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }\n", 8, false,
                "fortran_order");
    load_header("{'descr': '<f4', 'shape': (1,), }\n", 8, false, "the keys must be");
    load_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }\n", 8, false,
                "non-negative");
    load_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n", 8, false,
                "unexpected or repeated key");
    load_header("['descr', '<f4']\n", 8, false, "not a dictionary");
    load_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'descr': '<f8'}\n", 8,
                false, "repeated");
    /* Found by tests/fuzz/fuzz_npy: a control character inside a string
     * (a syntax error in Python) was echoed into a two-line message. */
    load_header("{'descr': '  \n<f8', 'fortran_order': True, 'shape': (1,), }\n", 8, false,
                "unsupported or overlong string");
    ck_assert_ptr_null(strchr(nd_last_error(), '\n'));
}
END_TEST

START_TEST(bad_magic_and_versions)
{
    unsigned char bytes[64] = "\x93NUMPX";
    ck_assert(!try_load(bytes, 64, false));
    ck_assert_str_eq(strstr(nd_last_error(), "the magic"), "the magic string is not correct; "
                                                           "expected b'\\x93NUMPY'");
    memcpy(bytes, "\x93NUMPY\x04\x00", 8);
    ck_assert(!try_load(bytes, 64, false));
    ck_assert(strstr(nd_last_error(), "not (4, 0)"));
    /* A header length pointing far past the end. */
    memcpy(bytes, "\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12);
    ck_assert(!try_load(bytes, 64, false));
    ck_assert(strstr(nd_last_error(), "EOF: reading array header"));
}
END_TEST

START_TEST(mutated_npz_files_fail_cleanly)
{
    nd_array *a = nd_arange(ND_FLOAT64, 0, 40, 1);
    nd_array *b = nd_full(ND_INT16, 2, (int64_t[]){3, 3}, 7);
    const char *names[] = {"a", "b"};
    const nd_array *arrays[] = {a, b};
    int cases = 0;
    for (int compressed = 0; compressed < 2; compressed++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/valid.npz", tmpdir);
        ck_assert_int_eq((compressed ? nd_savez_compressed : nd_savez)(path, 2, names, arrays), 0);
        size_t size;
        unsigned char *valid = read_file(path, &size);
        ck_assert(try_load(valid, size, true));
        cases += mutate_and_load(valid, size, true, 400);
        /* Central directory fields lying about sizes and offsets. */
        unsigned char *copy = malloc(size);
        for (size_t at = 0; at + 4 <= size; at++) {
            if (!(valid[at] == 0x50 && valid[at + 1] == 0x4b && valid[at + 2] == 1 &&
                  valid[at + 3] == 2))
                continue;
            const size_t fields[] = {20, 24, 42}; /* compressed, uncompressed size, offset */
            for (int f = 0; f < 3; f++) {
                const uint32_t lies[] = {0, 1, 0x7fffffffu, 0xffffffffu};
                for (int l = 0; l < 4; l++) {
                    memcpy(copy, valid, size);
                    memcpy(copy + at + fields[f], &lies[l], 4);
                    try_load(copy, size, true);
                    cases++;
                }
            }
        }
        free(copy);
        free(valid);
    }
    nd_free(a);
    nd_free(b);
    ck_assert_int_gt(cases, 1000);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("npy_corrupt");
    TCase *tc = tcase_create("corrupt");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, mutated_npy_files_fail_cleanly);
    tcase_add_test(tc, hostile_headers_are_refused);
    tcase_add_test(tc, bad_magic_and_versions);
    tcase_add_test(tc, mutated_npz_files_fail_cleanly);
    suite_add_tcase(s, tc);
    return s;
}
