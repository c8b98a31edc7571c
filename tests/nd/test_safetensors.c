/* libnd's safetensors container: round trips of every dtype, interchange
 * with a reader and a writer of a few lines of plain Python (struct + json,
 * no safetensors package), atomic writes, each validation rule with a
 * hand-made corrupt header, and a run of byte flips and truncations (clean
 * under the sanitizers). Parameters on top of it: tests/autograd. */
#include "test_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;

static void make_dir(void)
{
    dir = test_make_tmpdir("safetensors");
    ck_assert_ptr_nonnull(dir);
}

static void remove_dir(void)
{
    test_remove_tree(dir);
    free(dir);
    dir = NULL;
}

static const char *path_of(const char *file) { return test_path(dir, file); }

/* Same dtype, shape and bytes. */
static void assert_same_array(const nd_array *got, const nd_array *want, const char *what)
{
    ck_assert_msg(got != NULL, "%s: NULL (%s)", what, nd_last_error());
    ck_assert_msg(nd_dtype_of(got) == nd_dtype_of(want), "%s: dtype %s, expected %s", what,
                  nd_dtype_name(nd_dtype_of(got)), nd_dtype_name(nd_dtype_of(want)));
    ck_assert_int_eq(nd_ndim(got), nd_ndim(want));
    for (int d = 0; d < nd_ndim(got); d++)
        ck_assert_int_eq(nd_shape(got)[d], nd_shape(want)[d]);
    nd_array *g = nd_ascontiguousarray(got), *w = nd_ascontiguousarray(want);
    ck_assert_msg(nd_nbytes(g) == 0 || memcmp(nd_data(g), nd_data(w), (size_t)nd_nbytes(g)) == 0,
                  "%s: bytes differ", what);
    nd_free(g);
    nd_free(w);
}

/* One array of every dtype, with distinctive values, plus a 0-d, an empty
 * and a transposed (non-contiguous) one. */
#define NSAMPLES 16
static const char *sample_names[NSAMPLES] = {
    "f64", "f32", "f16", "bf16", "i64",  "i32",    "i16",   "i8",
    "u64", "u32", "u16", "u8",   "bool", "scalar", "empty", "transposed \"quoted\" \xc3\xa9",
};

static void make_samples(nd_array **a)
{
    static const nd_dtype dts[13] = {ND_FLOAT64, ND_FLOAT32, ND_FLOAT16, ND_BFLOAT16, ND_INT64,
                                     ND_INT32,   ND_INT16,   ND_INT8,    ND_UINT64,   ND_UINT32,
                                     ND_UINT16,  ND_UINT8,   ND_BOOL};
    nd_rng *rng = nd_rng_new(7);
    nd_array *normal = nd_rng_standard_normal(rng, ND_FLOAT64, 2, (const int64_t[]){3, 5});
    nd_array *ints = nd_rng_integers(rng, -100, 100, false, ND_INT64, 2, (const int64_t[]){3, 5});
    for (int i = 0; i < 13; i++) {
        const nd_array *src = nd_dtype_is_float(dts[i]) ? normal : ints;
        if (dts[i] >= ND_UINT8 && dts[i] <= ND_UINT64) {
            nd_array *abs = nd_absolute(ints);
            a[i] = nd_astype(abs, dts[i]);
            nd_free(abs);
        } else {
            a[i] = nd_astype(src, dts[i]);
        }
    }
    a[13] = nd_full(ND_FLOAT32, 0, NULL, 3.25);
    a[14] = nd_zeros(ND_FLOAT64, 2, (const int64_t[]){0, 4});
    a[15] = nd_transpose(normal, NULL);
    nd_free(normal);
    nd_free(ints);
    nd_rng_free(rng);
}

static void free_samples(nd_array **a)
{
    for (int i = 0; i < NSAMPLES; i++)
        nd_free(a[i]);
}

static const char *const sample_meta[] = {"format", "pt", "note", "line\nbreak \"q\" \xe2\x82\xac"};

START_TEST(test_round_trip_every_dtype)
{
    nd_array *a[NSAMPLES];
    make_samples(a);
    const char *path = path_of("all.safetensors");
    ck_assert_int_eq(nd_safetensors_save(path, NSAMPLES, sample_names, (const nd_array *const *)a,
                                         2, sample_meta),
                     0);
    nd_safetensors *st = nd_safetensors_load(path);
    ck_assert_msg(st != NULL, "%s", nd_last_error());
    ck_assert_int_eq(nd_safetensors_count(st), NSAMPLES);
    for (int i = 0; i < NSAMPLES; i++) {
        nd_array *got = nd_safetensors_get(st, sample_names[i]);
        assert_same_array(got, a[i], sample_names[i]);
        nd_free(got);
    }
    ck_assert_int_eq(nd_safetensors_metadata_count(st), 2);
    ck_assert_str_eq(nd_safetensors_metadata(st, "format"), "pt");
    ck_assert_str_eq(nd_safetensors_metadata(st, "note"), sample_meta[3]);
    ck_assert_ptr_null(nd_safetensors_metadata(st, "absent"));
    ck_assert_ptr_null(nd_safetensors_get(st, "absent"));
    ck_assert_int_eq(nd_last_status(), ND_ERR_KEY);
    ck_assert_error("safetensors: no tensor named 'absent'");
    ck_assert_ptr_null(nd_safetensors_name(st, NSAMPLES));
    nd_dtype dt;
    int ndim;
    const int64_t *shape;
    ck_assert_int_eq(nd_safetensors_info(st, sample_names[15], &dt, &ndim, &shape), 0);
    ck_assert_int_eq(dt, ND_FLOAT64);
    ck_assert_int_eq(ndim, 2);
    ck_assert_int_eq(shape[0], 5);
    ck_assert_int_eq(shape[1], 3);
    nd_safetensors_free(st);

    /* The header length is a multiple of 8 and so every tensor is aligned. */
    FILE *f = fopen(path, "rb");
    unsigned char len8[8];
    ck_assert_int_eq(fread(len8, 1, 8, f), 8);
    fclose(f);
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--)
        n = n << 8 | len8[k];
    ck_assert_int_eq(n % 8, 0);
    free_samples(a);
}
END_TEST

START_TEST(test_empty_file_and_overwrite_are_atomic)
{
    const char *path = path_of("none.safetensors");
    ck_assert_int_eq(nd_safetensors_save(path, 0, NULL, NULL, 0, NULL), 0);
    nd_safetensors *st = nd_safetensors_load(path);
    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq(nd_safetensors_count(st), 0);
    nd_safetensors_free(st);
    nd_array *x = nd_ones(ND_FLOAT32, 1, (const int64_t[]){3});
    const char *name = "x";
    ck_assert_int_eq(nd_safetensors_save(path, 1, &name, (const nd_array *const *)&x, 0, NULL), 0);
    st = nd_safetensors_load(path);
    ck_assert_int_eq(nd_safetensors_count(st), 1);
    nd_safetensors_free(st);
    /* No temporary file is left behind. */
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)))
        ck_assert_msg(strstr(e->d_name, ".tmp") == NULL, "leftover %s", e->d_name);
    closedir(d);
    /* A folder that does not exist: an OSError, nothing written. */
    ck_assert_int_eq(nd_safetensors_save(path_of("missing/x.safetensors"), 1, &name,
                                         (const nd_array *const *)&x, 0, NULL),
                     ND_ERR_IO);
    ck_assert_ptr_nonnull(strstr(nd_last_error(), "missing/x.safetensors"));
    nd_free(x);
}
END_TEST

START_TEST(test_save_rejects_bad_names)
{
    nd_array *x = nd_ones(ND_FLOAT32, 1, (const int64_t[]){3});
    const nd_array *arrays[2] = {x, x};
    const char *dup[2] = {"w", "w"}, *reserved[1] = {"__metadata__"}, *empty[1] = {""};
    const char *path = path_of("bad.safetensors");
    ck_assert_int_eq(nd_safetensors_save(path, 2, dup, arrays, 0, NULL), ND_ERR_VALUE);
    ck_assert_error("safetensors: duplicate tensor name 'w'");
    ck_assert_int_eq(nd_safetensors_save(path, 1, reserved, arrays, 0, NULL), ND_ERR_VALUE);
    ck_assert_error("safetensors: '__metadata__' is reserved and cannot name a tensor");
    ck_assert_int_eq(nd_safetensors_save(path, 1, empty, arrays, 0, NULL), ND_ERR_VALUE);
    const char *bad_utf8[1] = {"\xff"};
    ck_assert_int_eq(nd_safetensors_save(path, 1, bad_utf8, arrays, 0, NULL), ND_ERR_VALUE);
    ck_assert_error("safetensors: tensor 0's name is not valid UTF-8");
    const char *meta[4] = {"k", "1", "k", "2"};
    ck_assert_int_eq(nd_safetensors_save(path, 1, dup, arrays, 2, meta), ND_ERR_VALUE);
    ck_assert_error("safetensors: duplicate metadata key 'k'");
    nd_free(x);
}
END_TEST

/* ---- Python interchange -------------------------------------------------------------------- */

/* Reads a safetensors file with struct + json only and re-saves each tensor
 * as .npy (raw bytes viewed with numpy; bf16 as uint16), and the metadata
 * as meta.json. */
static const char *py_reader =
    "import json, struct, sys\n"
    "import numpy as np\n"
    "path, out = sys.argv[1], sys.argv[2]\n"
    "data = open(path, 'rb').read()\n"
    "(n,) = struct.unpack('<Q', data[:8])\n"
    "assert n % 8 == 0, n\n"
    "header = json.loads(data[8:8 + n].decode('utf-8'))\n"
    "body = data[8 + n:]\n"
    "meta = header.pop('__metadata__', {})\n"
    "json.dump(meta, open(out + '/meta.json', 'w'))\n"
    "np_types = {'F64': '<f8', 'F32': '<f4', 'F16': '<f2', 'BF16': '<u2', 'I64': '<i8',\n"
    "            'I32': '<i4', 'I16': '<i2', 'I8': 'i1', 'U64': '<u8', 'U32': '<u4',\n"
    "            'U16': '<u2', 'U8': 'u1', 'BOOL': '?'}\n"
    "end = 0\n"
    "for i, (name, info) in enumerate(sorted(header.items(), key=lambda kv: kv[1]['data_offsets'])):\n"
    "    b, e = info['data_offsets']\n"
    "    assert b == end and b % np.dtype(np_types[info['dtype']]).itemsize == 0\n"
    "    end = e\n"
    "    a = np.frombuffer(body[b:e], dtype=np_types[info['dtype']]).reshape(info['shape'])\n"
    "    np.save('%s/%s.npy' % (out, name.encode('utf-8').hex()), a)\n"
    "assert end == len(body)\n";

/* Writes a safetensors file with struct + json only: pretty JSON with
 * spaces, tensors not sorted, metadata last, 8-byte padding. */
static const char *py_writer =
    "import json, struct, sys\n"
    "import numpy as np\n"
    "out = sys.argv[1]\n"
    "rng = np.random.default_rng(3)\n"
    "arrays = {'b.weight': rng.standard_normal((4, 3)).astype('<f4'),\n"
    "          'a.bias': rng.standard_normal(5),\n"
    "          'ids': np.arange(6, dtype='<i8').reshape(2, 3),\n"
    "          'mask': np.array([True, False, True]),\n"
    "          'half': rng.standard_normal(3).astype('<f2'),\n"
    "          'caf\\u00e9': np.array(7, dtype='<i4')}\n"
    "codes = {'float32': 'F32', 'float64': 'F64', 'int64': 'I64', 'bool': 'BOOL',\n"
    "         'float16': 'F16', 'int32': 'I32'}\n"
    "header, body = {}, b''\n"
    "for name, a in arrays.items():\n"
    "    raw = a.tobytes()\n"
    "    header[name] = {'dtype': codes[str(a.dtype)], 'shape': list(a.shape),\n"
    "                    'data_offsets': [len(body), len(body) + len(raw)]}\n"
    "    body += raw\n"
    "    np.save('%s/%s.npy' % (out, name.encode('utf-8').hex()), a)\n"
    "header['__metadata__'] = {'format': 'pt', 'who': 'python'}\n"
    "text = json.dumps(header, indent=1).encode('utf-8')\n"
    "text += b' ' * (-len(text) % 8)\n"
    "open(out + '/py.safetensors', 'wb').write(struct.pack('<Q', len(text)) + text + body)\n";

static void run_python_code(const char *code, const char *arg1, const char *arg2)
{
    char script[1024], cmd[4096];
    snprintf(script, sizeof script, "%s/script.py", dir);
    FILE *f = fopen(script, "w");
    ck_assert_ptr_nonnull(f);
    fputs(code, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' '%s'", test_python(), script, arg1, arg2 ? arg2 : "");
    ck_assert_msg(system(cmd) == 0, "python failed: %s", cmd);
}

static bool python_has_numpy(void) { return test_python_has("numpy"); }

static char *hex_name(const char *name)
{
    static char hex[256];
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && k + 3 < sizeof hex; p++)
        k += (size_t)snprintf(hex + k, sizeof hex - k, "%02x", *p);
    hex[k] = '\0';
    return hex;
}

START_TEST(test_python_reads_what_c_writes)
{
    if (!python_has_numpy())
        return;
    nd_array *a[NSAMPLES];
    make_samples(a);
    const char *path = path_of("for_python.safetensors");
    ck_assert_int_eq(nd_safetensors_save(path, NSAMPLES, sample_names, (const nd_array *const *)a,
                                         2, sample_meta),
                     0);
    run_python_code(py_reader, path, dir);
    for (int i = 0; i < NSAMPLES; i++) {
        char file[600];
        snprintf(file, sizeof file, "%s.npy", hex_name(sample_names[i]));
        nd_array *got = nd_load_npy(path_of(file));
        ck_assert_msg(got != NULL, "%s: %s", sample_names[i], nd_last_error());
        if (nd_dtype_of(a[i]) == ND_BFLOAT16) { /* Python saw the bit patterns */
            nd_array *c = nd_ascontiguousarray(a[i]);
            ck_assert_int_eq(nd_nbytes(got), nd_nbytes(c));
            ck_assert(memcmp(nd_data(got), nd_data(c), (size_t)nd_nbytes(c)) == 0);
            nd_free(c);
        } else {
            assert_same_array(got, a[i], sample_names[i]);
        }
        nd_free(got);
    }
    FILE *f = fopen(path_of("meta.json"), "r");
    char meta[512] = {0};
    ck_assert_int_gt((int)fread(meta, 1, sizeof meta - 1, f), 0);
    fclose(f);
    ck_assert_str_eq(meta, "{\"format\": \"pt\", \"note\": \"line\\nbreak \\\"q\\\" \\u20ac\"}");
    free_samples(a);
}
END_TEST

START_TEST(test_c_reads_what_python_writes)
{
    if (!python_has_numpy())
        return;
    run_python_code(py_writer, dir, NULL);
    nd_safetensors *st = nd_safetensors_load(path_of("py.safetensors"));
    ck_assert_msg(st != NULL, "%s", nd_last_error());
    ck_assert_int_eq(nd_safetensors_count(st), 6);
    static const char *const names[6] = {"b.weight", "a.bias", "ids",
                                         "mask",     "half",   "caf\xc3\xa9"};
    for (int i = 0; i < 6; i++) {
        ck_assert_str_eq(nd_safetensors_name(st, i), names[i]); /* the header's order */
        char file[600];
        snprintf(file, sizeof file, "%s.npy", hex_name(names[i]));
        nd_array *want = nd_load_npy(path_of(file)), *got = nd_safetensors_get(st, names[i]);
        assert_same_array(got, want, names[i]);
        nd_free(want);
        nd_free(got);
    }
    ck_assert_str_eq(nd_safetensors_metadata(st, "who"), "python");
    ck_assert_str_eq(nd_safetensors_metadata_key(st, 0), "format");
    nd_safetensors_free(st);
}
END_TEST

/* ---- hostile files ------------------------------------------------------------------------- */

/* Writes 8-byte length + header + `data_len` zero bytes (length given
 * explicitly when len_override >= 0). */
static const char *write_raw(const char *header, size_t hlen, size_t data_len,
                             long long len_override)
{
    const char *path = path_of("raw.safetensors");
    FILE *f = fopen(path, "wb");
    uint64_t n = len_override >= 0 ? (uint64_t)len_override : hlen;
    for (int k = 0; k < 8; k++)
        fputc((int)(n >> (8 * k)) & 0xFF, f);
    fwrite(header, 1, hlen, f);
    for (size_t k = 0; k < data_len; k++)
        fputc(0, f);
    fclose(f);
    return path;
}

/* Loading fails with a "safetensors: ..." message containing `want`. */
static void expect_rejected(const char *header, size_t data_len, long long len_override,
                            const char *want)
{
    const char *path = write_raw(header, strlen(header), data_len, len_override);
    nd_safetensors *st = nd_safetensors_load(path);
    ck_assert_msg(st == NULL, "accepted: %s", header);
    ck_assert_msg(strncmp(nd_last_error(), "safetensors: ", 13) == 0 &&
                      strstr(nd_last_error(), want) != NULL && !strchr(nd_last_error(), '\n'),
                  "header %s: got \"%s\", expected \"%s\"", header, nd_last_error(), want);
}

#define T(name, dtype, shape, offsets) \
    "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":" offsets "}"

START_TEST(test_hostile_headers_are_rejected)
{
    const char *path = path_of("tiny.safetensors");
    FILE *f = fopen(path, "wb");
    fputs("abc", f);
    fclose(f);
    ck_assert_ptr_null(nd_safetensors_load(path));
    ck_assert_ptr_nonnull(strstr(nd_last_error(), "is too small (3 bytes)"));

    expect_rejected("{}", 0, 1000, "header length 1000 runs past the end");
    expect_rejected("{}", 0, 0x7fffffffffffffffLL, "exceeds the limit of 100000000 bytes");
    expect_rejected("[]", 0, -1, "does not start with '{'");
    expect_rejected("{\"a\xff\":{}}", 0, -1, "invalid UTF-8 in a string at byte");
    expect_rejected("{\"\xc0\xaf\":{}}", 0, -1,
                    "invalid UTF-8 in a string at byte"); /* overlong '/' */
    expect_rejected("{\"\xed\xa0\x80\":{}}", 0, -1,
                    "invalid UTF-8 in a string at byte"); /* a surrogate */
    expect_rejected("{" T("w", "F32", "[2]", "[0,8]") "}", 4, -1,
                    "cover 8 bytes but the file holds 4");
    expect_rejected("{" T("w", "F32", "[2]", "[0,8]") "}", 12, -1,
                    "cover 8 bytes but the file holds 12");
    expect_rejected("{" T("w", "F32", "[3]", "[0,8]") "}", 8, -1, "needs 12 bytes");
    expect_rejected("{" T("w", "F8", "[2]", "[0,8]") "}", 8, -1, "unknown dtype 'F8'");
    expect_rejected("{" T("w", "f32", "[2]", "[0,8]") "}", 8, -1, "unknown dtype 'f32'");
    expect_rejected("{" T("w", "F32", "[2]", "[8,0]") "}", 8, -1, "end before they begin");
    expect_rejected("{" T("a", "F32", "[2]", "[0,8]") "," T("b", "F32", "[2]", "[4,12]") "}", 12,
                    -1, "must not overlap");
    expect_rejected("{" T("a", "F32", "[1]", "[0,4]") "," T("b", "F32", "[1]", "[8,12]") "}", 12,
                    -1, "starts at byte 8 of the data, expected 4");
    expect_rejected("{" T("a", "F32", "[1]", "[0,4]") "," T("a", "F32", "[1]", "[4,8]") "}", 8, -1,
                    "duplicate key \"a\" at byte 54");
    expect_rejected("{" T("w", "F32", "[4294967296,4294967296]", "[0,0]") "}", 0, -1,
                    "is larger than 2^64 bytes");
    expect_rejected("{" T("w", "F32", "[99999999999999999999]", "[0,4]") "}", 4, -1,
                    "integer out of range at byte 29");
    expect_rejected("{" T("w", "F32", "[-1]", "[0,4]") "}", 4, -1,
                    "the shape of tensor 'w' must hold non-negative integers (byte 29");
    expect_rejected("{" T("w", "F32", "[1.0]", "[0,4]") "}", 4, -1,
                    "must hold non-negative integers (byte 29 of the header)");
    expect_rejected("{" T("w", "F32", "[01]", "[0,4]") "}", 4, -1,
                    "leading zero in a number at byte 29");
    expect_rejected("{" T("w", "F32", "[1]", "[0,4,8]") "}", 4, -1,
                    "the data_offsets of tensor 'w' has 3 entries, more than 2");
    expect_rejected("{" T("w", "F32", "[1]", "[0]") "}", 4, -1, "must be [begin, end]");
    expect_rejected("{" T("w", "F32",
                          "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,"
                          "1,1,1,1,1]",
                          "[0,4]") "}",
                    4, -1, "the shape of tensor 'w' has 33 entries, more than 32");
    expect_rejected("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, -1, "lacks its data_offsets");
    expect_rejected("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\"}}", 4, -1,
                    "duplicate key \"dtype\" at byte 20");
    expect_rejected("{\"w\":{\"dtype\":\"F32\",\"extra\":1}}", 4, -1,
                    "tensor 'w': unknown key \"extra\" at byte 20 of the header");
    expect_rejected("{\"w\":{}}", 0, -1, "tensor 'w' lacks its dtype");
    expect_rejected("{\"w\" {}}", 0, -1, "expected ':'");
    expect_rejected("{\"w\":{\"dtype\":\"F32\"", 0, -1,
                    "expected ',' or '}', found the end of the input at byte 19");
    expect_rejected("{\"w\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]"
                    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
                    0, -1, "nesting deeper than 3 levels at byte 7");
    expect_rejected("{\"__metadata__\":{\"k\":1}}", 0, -1,
                    "metadata value of 'k' is not a string (byte 21");
    expect_rejected("{\"__metadata__\":{\"k\":{\"k\":{}}}}", 0, -1,
                    "nesting deeper than 3 levels at byte 26");
    expect_rejected("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", 0, -1,
                    "duplicate key \"k\" at byte 25");
    expect_rejected("{\"__metadata__\":{},\"__metadata__\":{}}", 0, -1,
                    "duplicate key \"__metadata__\" at byte 19");
    expect_rejected("{\"a\\u0000b\":{}}", 0, -1, "\\u0000 in a string is not supported at byte 3");
    expect_rejected("{\"\\ud800\":{}}", 0, -1, "unpaired surrogate");
    expect_rejected("{\"\\udc00x\":{}}", 0, -1, "unpaired surrogate");
    expect_rejected("{\"\\x\":{}}", 0, -1, "bad escape");
    expect_rejected("{\"\\u12", 0, -1, "bad \\u escape (4 hex digits expected) at byte 6");
    expect_rejected("{\"a\tb\":{}}", 0, -1, "control character");
    expect_rejected("{\"\":{}}", 0, -1, "empty tensor name");
    /* Found by tests/fuzz/fuzz_safetensors: a name with a newline in a
     * message (expect_rejected also checks the message is one line). */
    expect_rejected("{\"\\nmetadata__\":{\"format\":\"pt\"}}", 0, -1,
                    "tensor '\\nmetadata__': unknown key \"format\" at byte 17 of the header");
    expect_rejected("{} x", 0, -1, "unexpected 'x' after the JSON value at byte 3");
    expect_rejected("{}{}", 0, -1, "unexpected '{' after the JSON value at byte 2");
    expect_rejected("{,}", 0, -1, "expected a string key, found ',' at byte 1");
    expect_rejected("{\"__metadata__\":{},}", 0, -1, "expected a string key, found '}' at byte 19");

    /* Accepted oddities: escapes in names, a zero-size tensor of a huge
     * shape, whitespace everywhere. */
    const char *ok =
        "{ \"caf\\u00e9\\n\" : { \"dtype\" : \"BOOL\" , \"shape\" : [ 2 ] , "
        "\"data_offsets\" : [ 0 , 2 ] }, " T("z", "F64", "[0,1099511627776]", "[2,2]") " }   ";
    nd_safetensors *st = nd_safetensors_load(write_raw(ok, strlen(ok), 2, -1));
    ck_assert_msg(st != NULL, "%s", nd_last_error());
    ck_assert_str_eq(nd_safetensors_name(st, 0), "caf\xc3\xa9\n");
    nd_array *b = nd_safetensors_get(st, "caf\xc3\xa9\n");
    ck_assert_values(b, 0, 0);
    nd_free(b);
    nd_safetensors_free(st);
}
END_TEST

/* A small xorshift generator for the fuzz run. */
static uint64_t fuzz_state = 0x9E3779B97F4A7C15ull;
static uint64_t fuzz_next(void)
{
    fuzz_state ^= fuzz_state << 13;
    fuzz_state ^= fuzz_state >> 7;
    fuzz_state ^= fuzz_state << 17;
    return fuzz_state;
}

static unsigned char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(*len);
    ck_assert_int_eq(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

START_TEST(test_fuzzed_files_fail_cleanly)
{
    nd_array *a[NSAMPLES];
    make_samples(a);
    const char *good = path_of("good.safetensors");
    ck_assert_int_eq(nd_safetensors_save(good, NSAMPLES, sample_names, (const nd_array *const *)a,
                                         2, sample_meta),
                     0);
    free_samples(a);
    size_t len;
    unsigned char *orig = read_whole(good, &len);
    size_t header_end = 8 + (size_t)orig[0] + ((size_t)orig[1] << 8);
    unsigned char *bytes = malloc(len);
    const char *path = path_of("fuzz.safetensors");
    int loaded = 0, rejected = 0;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(bytes, orig, len);
        size_t n = len;
        int kind = (int)(fuzz_next() % 4);
        if (kind == 0) {
            n = (size_t)(fuzz_next() % len); /* truncation */
        } else {
            int flips = 1 + (int)(fuzz_next() % 4);
            for (int k = 0; k < flips; k++) {
                /* mostly inside the length and the header, where parsing happens */
                size_t at = kind == 3 ? fuzz_next() % len : fuzz_next() % header_end;
                bytes[at] = kind == 2 ? (unsigned char)fuzz_next()
                                      : bytes[at] ^ (unsigned char)(1u << (fuzz_next() % 8));
            }
        }
        FILE *f = fopen(path, "wb");
        fwrite(bytes, 1, n, f);
        fclose(f);
        nd_safetensors *st = nd_safetensors_load(path);
        if (!st) {
            ck_assert_msg(nd_last_error()[0] && !strchr(nd_last_error(), '\n'),
                          "iteration %d: empty or multi-line error", iter);
            rejected++;
            continue;
        }
        for (int i = 0; i < nd_safetensors_count(st); i++)
            nd_free(nd_safetensors_get(st, nd_safetensors_name(st, i)));
        for (int i = 0; i < nd_safetensors_metadata_count(st); i++)
            ck_assert_ptr_nonnull(nd_safetensors_metadata(st, nd_safetensors_metadata_key(st, i)));
        nd_safetensors_free(st);
        loaded++;
    }
    printf("fuzz: %d loaded, %d rejected\n", loaded, rejected);
    ck_assert_int_gt(rejected, 1000);
    free(bytes);
    free(orig);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("safetensors");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
    tcase_add_test(tc, test_round_trip_every_dtype);
    tcase_add_test(tc, test_empty_file_and_overwrite_are_atomic);
    tcase_add_test(tc, test_save_rejects_bad_names);
    tcase_add_test(tc, test_python_reads_what_c_writes);
    tcase_add_test(tc, test_c_reads_what_python_writes);
    tcase_add_test(tc, test_hostile_headers_are_rejected);
    tcase_add_test(tc, test_fuzzed_files_fail_cleanly);
    suite_add_tcase(s, tc);
    return s;
}
