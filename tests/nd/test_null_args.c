/* Every public function of nd.h given NULL for each of its pointer
 * arguments (the rest valid) answers with its error value and a message,
 * never a crash: the table below has a row per pointer argument (see
 * tests/common/null_args.h for the row kinds), and tests/api_coverage.py
 * checks that every function of nd.h has at least one row. */
#include <stdlib.h>
#include <unistd.h>

#define NULL_ARGS_NAME_THE_NULL 1
#include "null_args.h"

/* Valid arguments for the positions that are not NULL in a row. */
// clang-format off
static nd_array *A;           /* float64 (2, 3), 0..5 */
static nd_array *W;           /* float64 (2, 3) zeros, writeable */
static nd_array *PA;          /* receives outputs (never set: every row fails) */
// clang-format on
static const nd_array *ARRS[2];
static const int64_t I64S[2] = {2, 3};
static const int INTS[2] = {0, 1};
static const char *const NAMES[2] = {"x", "y"};
static int64_t I64;
static int INT;
static double DBL;
static nd_dtype DT;
static double BUF[8];
static void *CTXP = BUF;
static nd_rng *RNG;
static nd_rng_state RS;
static nd_npz *NPZ;
// clang-format off
static nd_safetensors *ST;    /* "x": A, metadata {"k": "v"} */
static nd_json *DOC;          /* {"x": 1} */
static const nd_json_value *JV;   /* its root object */
// clang-format on
static const char *const META[2] = {"k", "v"};
static const void *CHUNKS[1] = {BUF};
static const size_t LENS[1] = {sizeof BUF};
static size_t SZ;
static char *TMPDIR;
/* Real files (and one to write), so that a row fails on its NULL and not
 * on a missing file. */
static char NPY_PATH[4096], NPZ_PATH[4096], ST_PATH[4096], JSON_PATH[4096], OUT_PATH[4096];

static void setup(void)
{
    nd_array *flat = nd_arange(ND_FLOAT64, 0, 6, 1);
    A = nd_reshape(flat, 2, I64S);
    nd_free(flat);
    W = nd_zeros(ND_FLOAT64, 2, I64S);
    ARRS[0] = ARRS[1] = A;
    RNG = nd_rng_new(0);
    ck_assert_int_eq(nd_rng_get_state(RNG, &RS), 0);
    TMPDIR = test_make_tmpdir("null_args");
    snprintf(NPY_PATH, sizeof NPY_PATH, "%s/a.npy", TMPDIR);
    snprintf(NPZ_PATH, sizeof NPZ_PATH, "%s/a.npz", TMPDIR);
    snprintf(ST_PATH, sizeof ST_PATH, "%s/a.safetensors", TMPDIR);
    snprintf(JSON_PATH, sizeof JSON_PATH, "%s/a.json", TMPDIR);
    snprintf(OUT_PATH, sizeof OUT_PATH, "%s/out", TMPDIR);
    ck_assert_int_eq(nd_save_npy(NPY_PATH, A), 0);
    ck_assert_int_eq(nd_savez(NPZ_PATH, 1, NAMES, ARRS), 0);
    NPZ = nd_load_npz(NPZ_PATH);
    ck_assert_int_eq(nd_safetensors_save(ST_PATH, 1, NAMES, ARRS, 1, META), 0);
    ST = nd_safetensors_load(ST_PATH);
    ck_assert_int_eq(nd_write_atomic(JSON_PATH, "{\"x\": 1}", 8), 0);
    DOC = nd_json_load(JSON_PATH, NULL);
    JV = nd_json_root(DOC);
    ck_assert_ptr_nonnull(ST);
    ck_assert_ptr_nonnull(JV);
    ck_assert_ptr_nonnull(A);
    ck_assert_ptr_nonnull(W);
    ck_assert_ptr_nonnull(NPZ);
    nd_clear_error();
}

static void teardown(void)
{
    nd_free(A);
    nd_free(W);
    nd_rng_free(RNG);
    nd_npz_free(NPZ);
    nd_safetensors_free(ST);
    nd_json_free(DOC);
    test_remove_tree(TMPDIR);
    free(TMPDIR);
}

static void noop_task(void *ctx, int64_t begin, int64_t end) { (void)ctx, (void)begin, (void)end; }

static int noop_writer(FILE *out, void *ctx)
{
    (void)out, (void)ctx;
    return 0;
}

/* clang-format off */
#define ND_NULL_TABLE(P, I, B, D, L, Z, F, V, N) \
    N(nd_last_error, none, 0) \
    N(nd_last_status, none, 0) \
    N(nd_clear_error, none, 0) \
    I(nd_set_last_error, fmt, nd_set_last_error(ND_ERR_VALUE, NULL)) \
    N(nd_dtype_itemsize, none, 0) \
    N(nd_dtype_name, none, 0) \
    I(nd_dtype_from_name, name, nd_dtype_from_name(NULL, &DT)) \
    I(nd_dtype_from_name, out, nd_dtype_from_name("x", NULL)) \
    N(nd_dtype_is_float, none, 0) \
    N(nd_dtype_is_integer, none, 0) \
    N(nd_dtype_is_signed, none, 0) \
    N(nd_result_type, none, 0) \
    N(nd_can_cast, none, 0) \
    N(nd_half_to_float, none, 0) \
    N(nd_float_to_half, none, 0) \
    N(nd_double_to_half, none, 0) \
    N(nd_bfloat16_to_float, none, 0) \
    N(nd_float_to_bfloat16, none, 0) \
    N(nd_double_to_bfloat16, none, 0) \
    V(nd_free, a, nd_free(NULL)) \
    D(nd_dtype_of, a, nd_dtype_of(NULL)) \
    I(nd_ndim, a, nd_ndim(NULL)) \
    P(nd_shape, a, nd_shape(NULL)) \
    P(nd_strides, a, nd_strides(NULL)) \
    L(nd_size, a, nd_size(NULL)) \
    Z(nd_itemsize, a, nd_itemsize(NULL)) \
    L(nd_nbytes, a, nd_nbytes(NULL)) \
    P(nd_data, a, nd_data(NULL)) \
    B(nd_is_c_contiguous, a, nd_is_c_contiguous(NULL)) \
    B(nd_is_f_contiguous, a, nd_is_f_contiguous(NULL)) \
    B(nd_is_writeable, a, nd_is_writeable(NULL)) \
    I(nd_set_writeable, a, nd_set_writeable(NULL, false)) \
    B(nd_may_share_memory, a, nd_may_share_memory(NULL, A)) \
    B(nd_may_share_memory, b, nd_may_share_memory(A, NULL)) \
    P(nd_empty, shape, nd_empty(ND_FLOAT64, 2, NULL)) \
    P(nd_zeros, shape, nd_zeros(ND_FLOAT64, 2, NULL)) \
    P(nd_ones, shape, nd_ones(ND_FLOAT64, 2, NULL)) \
    P(nd_full, shape, nd_full(ND_FLOAT64, 2, NULL, 1.0)) \
    P(nd_empty_like, a, nd_empty_like(NULL)) \
    P(nd_zeros_like, a, nd_zeros_like(NULL)) \
    P(nd_ones_like, a, nd_ones_like(NULL)) \
    P(nd_full_like, a, nd_full_like(NULL, 1.0)) \
    N(nd_arange, none, 0) \
    N(nd_linspace, none, 0) \
    N(nd_eye, none, 0) \
    P(nd_from_data, shape, nd_from_data(ND_FLOAT64, 2, NULL, BUF)) \
    P(nd_from_data, c_order_data, nd_from_data(ND_FLOAT64, 2, I64S, NULL)) \
    P(nd_from_buffer, shape, nd_from_buffer(ND_FLOAT64, 2, NULL, I64S, CTXP, false)) \
    P(nd_from_buffer, data, nd_from_buffer(ND_FLOAT64, 2, I64S, I64S, NULL, false)) \
    P(nd_view, a, nd_view(NULL)) \
    P(nd_reshape, a, nd_reshape(NULL, 2, I64S)) \
    P(nd_reshape, shape, nd_reshape(A, 2, NULL)) \
    P(nd_ravel, a, nd_ravel(NULL)) \
    P(nd_transpose, a, nd_transpose(NULL, INTS)) \
    P(nd_swapaxes, a, nd_swapaxes(NULL, 0, 0)) \
    P(nd_slice, a, nd_slice(NULL, 0, 0, 0, 0)) \
    P(nd_squeeze, a, nd_squeeze(NULL, 1, INTS)) \
    P(nd_squeeze, axes, nd_squeeze(A, 1, NULL)) \
    P(nd_expand_dims, a, nd_expand_dims(NULL, 0)) \
    P(nd_broadcast_to, a, nd_broadcast_to(NULL, 2, I64S)) \
    P(nd_broadcast_to, shape, nd_broadcast_to(A, 2, NULL)) \
    P(nd_as_strided, a, nd_as_strided(NULL, 2, I64S, I64S)) \
    P(nd_as_strided, shape, nd_as_strided(A, 2, NULL, I64S)) \
    P(nd_as_strided, strides, nd_as_strided(A, 2, I64S, NULL)) \
    P(nd_diagonal, a, nd_diagonal(NULL, 0, 0, 0)) \
    P(nd_copy, a, nd_copy(NULL)) \
    P(nd_ascontiguousarray, a, nd_ascontiguousarray(NULL)) \
    P(nd_astype, a, nd_astype(NULL, ND_FLOAT64)) \
    I(nd_copyto, dst, nd_copyto(NULL, A, ND_CAST_SAME_KIND)) \
    I(nd_copyto, src, nd_copyto(W, NULL, ND_CAST_SAME_KIND)) \
    I(nd_fill, a, nd_fill(NULL, 1.0)) \
    I(nd_get, a, nd_get(NULL, I64S, &DBL)) \
    I(nd_get, index, nd_get(A, NULL, &DBL)) \
    I(nd_get, value, nd_get(A, I64S, NULL)) \
    I(nd_set, a, nd_set(NULL, I64S, 1.0)) \
    I(nd_set, index, nd_set(W, NULL, 1.0)) \
    I(nd_get_int64, a, nd_get_int64(NULL, I64S, &I64)) \
    I(nd_get_int64, index, nd_get_int64(A, NULL, &I64)) \
    I(nd_get_int64, value, nd_get_int64(A, I64S, NULL)) \
    I(nd_set_int64, a, nd_set_int64(NULL, I64S, 0)) \
    I(nd_set_int64, index, nd_set_int64(W, NULL, 0)) \
    P(nd_repr, a, nd_repr(NULL)) \
    P(nd_str, a, nd_str(NULL)) \
    I(nd_fprint, stream, nd_fprint(NULL, A)) \
    I(nd_fprint, a, nd_fprint(stdout, NULL)) \
    I(nd_print, a, nd_print(NULL)) \
    P(nd_load_npy, path, nd_load_npy(NULL)) \
    I(nd_save_npy, path, nd_save_npy(NULL, A)) \
    I(nd_save_npy, a, nd_save_npy(OUT_PATH, NULL)) \
    P(nd_load_npz, path, nd_load_npz(NULL)) \
    I(nd_npz_count, z, nd_npz_count(NULL)) \
    P(nd_npz_name, z, nd_npz_name(NULL, 0)) \
    P(nd_npz_get, z, nd_npz_get(NULL, "x")) \
    P(nd_npz_get, name, nd_npz_get(NPZ, NULL)) \
    V(nd_npz_free, z, nd_npz_free(NULL)) \
    I(nd_savez, path, nd_savez(NULL, 1, NAMES, ARRS)) \
    I(nd_savez, names, nd_savez(OUT_PATH, 1, NULL, ARRS)) \
    I(nd_savez, arrays, nd_savez(OUT_PATH, 1, NAMES, NULL)) \
    I(nd_savez_compressed, path, nd_savez_compressed(NULL, 1, NAMES, ARRS)) \
    I(nd_savez_compressed, names, nd_savez_compressed(OUT_PATH, 1, NULL, ARRS)) \
    I(nd_savez_compressed, arrays, nd_savez_compressed(OUT_PATH, 1, NAMES, NULL)) \
    I(nd_write_atomic, path, nd_write_atomic(NULL, BUF, sizeof BUF)) \
    I(nd_write_atomic, data, nd_write_atomic(OUT_PATH, NULL, sizeof BUF)) \
    I(nd_write_atomic_chunks, path, nd_write_atomic_chunks(NULL, 1, CHUNKS, LENS)) \
    I(nd_write_atomic_chunks, data, nd_write_atomic_chunks(OUT_PATH, 1, NULL, LENS)) \
    I(nd_write_atomic_chunks, lens, nd_write_atomic_chunks(OUT_PATH, 1, CHUNKS, NULL)) \
    I(nd_write_atomic_with, path, nd_write_atomic_with(NULL, noop_writer, NULL)) \
    I(nd_write_atomic_with, write, nd_write_atomic_with(OUT_PATH, NULL, NULL)) \
    P(nd_read_file, path, nd_read_file(NULL, 1024, &SZ)) \
    P(nd_read_file, len, nd_read_file(JSON_PATH, 1024, NULL)) \
    P(nd_json_parse, text, nd_json_parse(NULL, 4, NULL, NULL)) \
    P(nd_json_load, path, nd_json_load(NULL, NULL)) \
    V(nd_json_free, doc, nd_json_free(NULL)) \
    P(nd_json_root, doc, nd_json_root(NULL)) \
    D(nd_json_type_of, v, nd_json_type_of(NULL)) \
    N(nd_json_type_name, none, 0) \
    Z(nd_json_offset, v, nd_json_offset(NULL)) \
    I(nd_json_bool, v, nd_json_bool(NULL, NULL)) \
    I(nd_json_int, v, nd_json_int(NULL, &I64)) \
    I(nd_json_uint, v, nd_json_uint(NULL, NULL)) \
    I(nd_json_double, v, nd_json_double(NULL, &DBL)) \
    P(nd_json_string, v, nd_json_string(NULL, &SZ)) \
    L(nd_json_count, v, nd_json_count(NULL)) \
    P(nd_json_item, v, nd_json_item(NULL, 0)) \
    P(nd_json_key, v, nd_json_key(NULL, 0)) \
    P(nd_json_member, v, nd_json_member(NULL, "x")) \
    P(nd_json_member, key, nd_json_member(JV, NULL)) \
    I(nd_json_check_keys, v, nd_json_check_keys(NULL, 2, NAMES)) \
    I(nd_json_check_keys, allowed, nd_json_check_keys(JV, 2, NULL)) \
    P(nd_safetensors_load, path, nd_safetensors_load(NULL)) \
    V(nd_safetensors_free, st, nd_safetensors_free(NULL)) \
    I(nd_safetensors_count, st, nd_safetensors_count(NULL)) \
    P(nd_safetensors_name, st, nd_safetensors_name(NULL, 0)) \
    P(nd_safetensors_get, st, nd_safetensors_get(NULL, "x")) \
    P(nd_safetensors_get, name, nd_safetensors_get(ST, NULL)) \
    I(nd_safetensors_info, st, nd_safetensors_info(NULL, "x", &DT, &INT, NULL)) \
    I(nd_safetensors_info, name, nd_safetensors_info(ST, NULL, &DT, &INT, NULL)) \
    I(nd_safetensors_metadata_count, st, nd_safetensors_metadata_count(NULL)) \
    P(nd_safetensors_metadata_key, st, nd_safetensors_metadata_key(NULL, 0)) \
    P(nd_safetensors_metadata, st, nd_safetensors_metadata(NULL, "k")) \
    P(nd_safetensors_metadata, key, nd_safetensors_metadata(ST, NULL)) \
    I(nd_safetensors_save, path, nd_safetensors_save(NULL, 1, NAMES, ARRS, 1, META)) \
    I(nd_safetensors_save, names, nd_safetensors_save(OUT_PATH, 1, NULL, ARRS, 1, META)) \
    I(nd_safetensors_save, arrays, nd_safetensors_save(OUT_PATH, 1, NAMES, NULL, 1, META)) \
    I(nd_safetensors_save, metadata, nd_safetensors_save(OUT_PATH, 1, NAMES, ARRS, 1, NULL)) \
    N(nd_set_num_threads, none, 0) \
    N(nd_get_num_threads, none, 0) \
    V(nd_parallel_for, ctx, nd_parallel_for(0, 0, noop_task, NULL)) \
    N(nd_peak_gflops, none, 0) \
    P(nd_add, a, nd_add(NULL, A)) \
    P(nd_add, b, nd_add(A, NULL)) \
    I(nd_add_out, a, nd_add_out(NULL, A, W)) \
    I(nd_add_out, b, nd_add_out(A, NULL, W)) \
    I(nd_add_out, out, nd_add_out(A, A, NULL)) \
    P(nd_subtract, a, nd_subtract(NULL, A)) \
    P(nd_subtract, b, nd_subtract(A, NULL)) \
    I(nd_subtract_out, a, nd_subtract_out(NULL, A, W)) \
    I(nd_subtract_out, b, nd_subtract_out(A, NULL, W)) \
    I(nd_subtract_out, out, nd_subtract_out(A, A, NULL)) \
    P(nd_multiply, a, nd_multiply(NULL, A)) \
    P(nd_multiply, b, nd_multiply(A, NULL)) \
    I(nd_multiply_out, a, nd_multiply_out(NULL, A, W)) \
    I(nd_multiply_out, b, nd_multiply_out(A, NULL, W)) \
    I(nd_multiply_out, out, nd_multiply_out(A, A, NULL)) \
    P(nd_divide, a, nd_divide(NULL, A)) \
    P(nd_divide, b, nd_divide(A, NULL)) \
    I(nd_divide_out, a, nd_divide_out(NULL, A, W)) \
    I(nd_divide_out, b, nd_divide_out(A, NULL, W)) \
    I(nd_divide_out, out, nd_divide_out(A, A, NULL)) \
    P(nd_true_divide, a, nd_true_divide(NULL, A)) \
    P(nd_true_divide, b, nd_true_divide(A, NULL)) \
    I(nd_true_divide_out, a, nd_true_divide_out(NULL, A, W)) \
    I(nd_true_divide_out, b, nd_true_divide_out(A, NULL, W)) \
    I(nd_true_divide_out, out, nd_true_divide_out(A, A, NULL)) \
    P(nd_floor_divide, a, nd_floor_divide(NULL, A)) \
    P(nd_floor_divide, b, nd_floor_divide(A, NULL)) \
    I(nd_floor_divide_out, a, nd_floor_divide_out(NULL, A, W)) \
    I(nd_floor_divide_out, b, nd_floor_divide_out(A, NULL, W)) \
    I(nd_floor_divide_out, out, nd_floor_divide_out(A, A, NULL)) \
    P(nd_mod, a, nd_mod(NULL, A)) \
    P(nd_mod, b, nd_mod(A, NULL)) \
    I(nd_mod_out, a, nd_mod_out(NULL, A, W)) \
    I(nd_mod_out, b, nd_mod_out(A, NULL, W)) \
    I(nd_mod_out, out, nd_mod_out(A, A, NULL)) \
    P(nd_power, a, nd_power(NULL, A)) \
    P(nd_power, b, nd_power(A, NULL)) \
    I(nd_power_out, a, nd_power_out(NULL, A, W)) \
    I(nd_power_out, b, nd_power_out(A, NULL, W)) \
    I(nd_power_out, out, nd_power_out(A, A, NULL)) \
    P(nd_maximum, a, nd_maximum(NULL, A)) \
    P(nd_maximum, b, nd_maximum(A, NULL)) \
    I(nd_maximum_out, a, nd_maximum_out(NULL, A, W)) \
    I(nd_maximum_out, b, nd_maximum_out(A, NULL, W)) \
    I(nd_maximum_out, out, nd_maximum_out(A, A, NULL)) \
    P(nd_minimum, a, nd_minimum(NULL, A)) \
    P(nd_minimum, b, nd_minimum(A, NULL)) \
    I(nd_minimum_out, a, nd_minimum_out(NULL, A, W)) \
    I(nd_minimum_out, b, nd_minimum_out(A, NULL, W)) \
    I(nd_minimum_out, out, nd_minimum_out(A, A, NULL)) \
    P(nd_fmax, a, nd_fmax(NULL, A)) \
    P(nd_fmax, b, nd_fmax(A, NULL)) \
    I(nd_fmax_out, a, nd_fmax_out(NULL, A, W)) \
    I(nd_fmax_out, b, nd_fmax_out(A, NULL, W)) \
    I(nd_fmax_out, out, nd_fmax_out(A, A, NULL)) \
    P(nd_fmin, a, nd_fmin(NULL, A)) \
    P(nd_fmin, b, nd_fmin(A, NULL)) \
    I(nd_fmin_out, a, nd_fmin_out(NULL, A, W)) \
    I(nd_fmin_out, b, nd_fmin_out(A, NULL, W)) \
    I(nd_fmin_out, out, nd_fmin_out(A, A, NULL)) \
    P(nd_arctan2, a, nd_arctan2(NULL, A)) \
    P(nd_arctan2, b, nd_arctan2(A, NULL)) \
    I(nd_arctan2_out, a, nd_arctan2_out(NULL, A, W)) \
    I(nd_arctan2_out, b, nd_arctan2_out(A, NULL, W)) \
    I(nd_arctan2_out, out, nd_arctan2_out(A, A, NULL)) \
    P(nd_hypot, a, nd_hypot(NULL, A)) \
    P(nd_hypot, b, nd_hypot(A, NULL)) \
    I(nd_hypot_out, a, nd_hypot_out(NULL, A, W)) \
    I(nd_hypot_out, b, nd_hypot_out(A, NULL, W)) \
    I(nd_hypot_out, out, nd_hypot_out(A, A, NULL)) \
    P(nd_copysign, a, nd_copysign(NULL, A)) \
    P(nd_copysign, b, nd_copysign(A, NULL)) \
    I(nd_copysign_out, a, nd_copysign_out(NULL, A, W)) \
    I(nd_copysign_out, b, nd_copysign_out(A, NULL, W)) \
    I(nd_copysign_out, out, nd_copysign_out(A, A, NULL)) \
    P(nd_equal, a, nd_equal(NULL, A)) \
    P(nd_equal, b, nd_equal(A, NULL)) \
    I(nd_equal_out, a, nd_equal_out(NULL, A, W)) \
    I(nd_equal_out, b, nd_equal_out(A, NULL, W)) \
    I(nd_equal_out, out, nd_equal_out(A, A, NULL)) \
    P(nd_not_equal, a, nd_not_equal(NULL, A)) \
    P(nd_not_equal, b, nd_not_equal(A, NULL)) \
    I(nd_not_equal_out, a, nd_not_equal_out(NULL, A, W)) \
    I(nd_not_equal_out, b, nd_not_equal_out(A, NULL, W)) \
    I(nd_not_equal_out, out, nd_not_equal_out(A, A, NULL)) \
    P(nd_less, a, nd_less(NULL, A)) \
    P(nd_less, b, nd_less(A, NULL)) \
    I(nd_less_out, a, nd_less_out(NULL, A, W)) \
    I(nd_less_out, b, nd_less_out(A, NULL, W)) \
    I(nd_less_out, out, nd_less_out(A, A, NULL)) \
    P(nd_less_equal, a, nd_less_equal(NULL, A)) \
    P(nd_less_equal, b, nd_less_equal(A, NULL)) \
    I(nd_less_equal_out, a, nd_less_equal_out(NULL, A, W)) \
    I(nd_less_equal_out, b, nd_less_equal_out(A, NULL, W)) \
    I(nd_less_equal_out, out, nd_less_equal_out(A, A, NULL)) \
    P(nd_greater, a, nd_greater(NULL, A)) \
    P(nd_greater, b, nd_greater(A, NULL)) \
    I(nd_greater_out, a, nd_greater_out(NULL, A, W)) \
    I(nd_greater_out, b, nd_greater_out(A, NULL, W)) \
    I(nd_greater_out, out, nd_greater_out(A, A, NULL)) \
    P(nd_greater_equal, a, nd_greater_equal(NULL, A)) \
    P(nd_greater_equal, b, nd_greater_equal(A, NULL)) \
    I(nd_greater_equal_out, a, nd_greater_equal_out(NULL, A, W)) \
    I(nd_greater_equal_out, b, nd_greater_equal_out(A, NULL, W)) \
    I(nd_greater_equal_out, out, nd_greater_equal_out(A, A, NULL)) \
    P(nd_logical_and, a, nd_logical_and(NULL, A)) \
    P(nd_logical_and, b, nd_logical_and(A, NULL)) \
    I(nd_logical_and_out, a, nd_logical_and_out(NULL, A, W)) \
    I(nd_logical_and_out, b, nd_logical_and_out(A, NULL, W)) \
    I(nd_logical_and_out, out, nd_logical_and_out(A, A, NULL)) \
    P(nd_logical_or, a, nd_logical_or(NULL, A)) \
    P(nd_logical_or, b, nd_logical_or(A, NULL)) \
    I(nd_logical_or_out, a, nd_logical_or_out(NULL, A, W)) \
    I(nd_logical_or_out, b, nd_logical_or_out(A, NULL, W)) \
    I(nd_logical_or_out, out, nd_logical_or_out(A, A, NULL)) \
    P(nd_logical_xor, a, nd_logical_xor(NULL, A)) \
    P(nd_logical_xor, b, nd_logical_xor(A, NULL)) \
    I(nd_logical_xor_out, a, nd_logical_xor_out(NULL, A, W)) \
    I(nd_logical_xor_out, b, nd_logical_xor_out(A, NULL, W)) \
    I(nd_logical_xor_out, out, nd_logical_xor_out(A, A, NULL)) \
    P(nd_bitwise_and, a, nd_bitwise_and(NULL, A)) \
    P(nd_bitwise_and, b, nd_bitwise_and(A, NULL)) \
    I(nd_bitwise_and_out, a, nd_bitwise_and_out(NULL, A, W)) \
    I(nd_bitwise_and_out, b, nd_bitwise_and_out(A, NULL, W)) \
    I(nd_bitwise_and_out, out, nd_bitwise_and_out(A, A, NULL)) \
    P(nd_bitwise_or, a, nd_bitwise_or(NULL, A)) \
    P(nd_bitwise_or, b, nd_bitwise_or(A, NULL)) \
    I(nd_bitwise_or_out, a, nd_bitwise_or_out(NULL, A, W)) \
    I(nd_bitwise_or_out, b, nd_bitwise_or_out(A, NULL, W)) \
    I(nd_bitwise_or_out, out, nd_bitwise_or_out(A, A, NULL)) \
    P(nd_bitwise_xor, a, nd_bitwise_xor(NULL, A)) \
    P(nd_bitwise_xor, b, nd_bitwise_xor(A, NULL)) \
    I(nd_bitwise_xor_out, a, nd_bitwise_xor_out(NULL, A, W)) \
    I(nd_bitwise_xor_out, b, nd_bitwise_xor_out(A, NULL, W)) \
    I(nd_bitwise_xor_out, out, nd_bitwise_xor_out(A, A, NULL)) \
    P(nd_left_shift, a, nd_left_shift(NULL, A)) \
    P(nd_left_shift, b, nd_left_shift(A, NULL)) \
    I(nd_left_shift_out, a, nd_left_shift_out(NULL, A, W)) \
    I(nd_left_shift_out, b, nd_left_shift_out(A, NULL, W)) \
    I(nd_left_shift_out, out, nd_left_shift_out(A, A, NULL)) \
    P(nd_right_shift, a, nd_right_shift(NULL, A)) \
    P(nd_right_shift, b, nd_right_shift(A, NULL)) \
    I(nd_right_shift_out, a, nd_right_shift_out(NULL, A, W)) \
    I(nd_right_shift_out, b, nd_right_shift_out(A, NULL, W)) \
    I(nd_right_shift_out, out, nd_right_shift_out(A, A, NULL)) \
    P(nd_negative, a, nd_negative(NULL)) \
    I(nd_negative_out, a, nd_negative_out(NULL, W)) \
    I(nd_negative_out, out, nd_negative_out(A, NULL)) \
    P(nd_positive, a, nd_positive(NULL)) \
    I(nd_positive_out, a, nd_positive_out(NULL, W)) \
    I(nd_positive_out, out, nd_positive_out(A, NULL)) \
    P(nd_absolute, a, nd_absolute(NULL)) \
    I(nd_absolute_out, a, nd_absolute_out(NULL, W)) \
    I(nd_absolute_out, out, nd_absolute_out(A, NULL)) \
    P(nd_abs, a, nd_abs(NULL)) \
    I(nd_abs_out, a, nd_abs_out(NULL, W)) \
    I(nd_abs_out, out, nd_abs_out(A, NULL)) \
    P(nd_sign, a, nd_sign(NULL)) \
    I(nd_sign_out, a, nd_sign_out(NULL, W)) \
    I(nd_sign_out, out, nd_sign_out(A, NULL)) \
    P(nd_sqrt, a, nd_sqrt(NULL)) \
    I(nd_sqrt_out, a, nd_sqrt_out(NULL, W)) \
    I(nd_sqrt_out, out, nd_sqrt_out(A, NULL)) \
    P(nd_cbrt, a, nd_cbrt(NULL)) \
    I(nd_cbrt_out, a, nd_cbrt_out(NULL, W)) \
    I(nd_cbrt_out, out, nd_cbrt_out(A, NULL)) \
    P(nd_square, a, nd_square(NULL)) \
    I(nd_square_out, a, nd_square_out(NULL, W)) \
    I(nd_square_out, out, nd_square_out(A, NULL)) \
    P(nd_reciprocal, a, nd_reciprocal(NULL)) \
    I(nd_reciprocal_out, a, nd_reciprocal_out(NULL, W)) \
    I(nd_reciprocal_out, out, nd_reciprocal_out(A, NULL)) \
    P(nd_exp, a, nd_exp(NULL)) \
    I(nd_exp_out, a, nd_exp_out(NULL, W)) \
    I(nd_exp_out, out, nd_exp_out(A, NULL)) \
    P(nd_exp2, a, nd_exp2(NULL)) \
    I(nd_exp2_out, a, nd_exp2_out(NULL, W)) \
    I(nd_exp2_out, out, nd_exp2_out(A, NULL)) \
    P(nd_expm1, a, nd_expm1(NULL)) \
    I(nd_expm1_out, a, nd_expm1_out(NULL, W)) \
    I(nd_expm1_out, out, nd_expm1_out(A, NULL)) \
    P(nd_log, a, nd_log(NULL)) \
    I(nd_log_out, a, nd_log_out(NULL, W)) \
    I(nd_log_out, out, nd_log_out(A, NULL)) \
    P(nd_log2, a, nd_log2(NULL)) \
    I(nd_log2_out, a, nd_log2_out(NULL, W)) \
    I(nd_log2_out, out, nd_log2_out(A, NULL)) \
    P(nd_log10, a, nd_log10(NULL)) \
    I(nd_log10_out, a, nd_log10_out(NULL, W)) \
    I(nd_log10_out, out, nd_log10_out(A, NULL)) \
    P(nd_log1p, a, nd_log1p(NULL)) \
    I(nd_log1p_out, a, nd_log1p_out(NULL, W)) \
    I(nd_log1p_out, out, nd_log1p_out(A, NULL)) \
    P(nd_sin, a, nd_sin(NULL)) \
    I(nd_sin_out, a, nd_sin_out(NULL, W)) \
    I(nd_sin_out, out, nd_sin_out(A, NULL)) \
    P(nd_cos, a, nd_cos(NULL)) \
    I(nd_cos_out, a, nd_cos_out(NULL, W)) \
    I(nd_cos_out, out, nd_cos_out(A, NULL)) \
    P(nd_tan, a, nd_tan(NULL)) \
    I(nd_tan_out, a, nd_tan_out(NULL, W)) \
    I(nd_tan_out, out, nd_tan_out(A, NULL)) \
    P(nd_arcsin, a, nd_arcsin(NULL)) \
    I(nd_arcsin_out, a, nd_arcsin_out(NULL, W)) \
    I(nd_arcsin_out, out, nd_arcsin_out(A, NULL)) \
    P(nd_arccos, a, nd_arccos(NULL)) \
    I(nd_arccos_out, a, nd_arccos_out(NULL, W)) \
    I(nd_arccos_out, out, nd_arccos_out(A, NULL)) \
    P(nd_arctan, a, nd_arctan(NULL)) \
    I(nd_arctan_out, a, nd_arctan_out(NULL, W)) \
    I(nd_arctan_out, out, nd_arctan_out(A, NULL)) \
    P(nd_sinh, a, nd_sinh(NULL)) \
    I(nd_sinh_out, a, nd_sinh_out(NULL, W)) \
    I(nd_sinh_out, out, nd_sinh_out(A, NULL)) \
    P(nd_cosh, a, nd_cosh(NULL)) \
    I(nd_cosh_out, a, nd_cosh_out(NULL, W)) \
    I(nd_cosh_out, out, nd_cosh_out(A, NULL)) \
    P(nd_tanh, a, nd_tanh(NULL)) \
    I(nd_tanh_out, a, nd_tanh_out(NULL, W)) \
    I(nd_tanh_out, out, nd_tanh_out(A, NULL)) \
    P(nd_arcsinh, a, nd_arcsinh(NULL)) \
    I(nd_arcsinh_out, a, nd_arcsinh_out(NULL, W)) \
    I(nd_arcsinh_out, out, nd_arcsinh_out(A, NULL)) \
    P(nd_arccosh, a, nd_arccosh(NULL)) \
    I(nd_arccosh_out, a, nd_arccosh_out(NULL, W)) \
    I(nd_arccosh_out, out, nd_arccosh_out(A, NULL)) \
    P(nd_arctanh, a, nd_arctanh(NULL)) \
    I(nd_arctanh_out, a, nd_arctanh_out(NULL, W)) \
    I(nd_arctanh_out, out, nd_arctanh_out(A, NULL)) \
    P(nd_erf, a, nd_erf(NULL)) \
    I(nd_erf_out, a, nd_erf_out(NULL, W)) \
    I(nd_erf_out, out, nd_erf_out(A, NULL)) \
    P(nd_floor, a, nd_floor(NULL)) \
    I(nd_floor_out, a, nd_floor_out(NULL, W)) \
    I(nd_floor_out, out, nd_floor_out(A, NULL)) \
    P(nd_ceil, a, nd_ceil(NULL)) \
    I(nd_ceil_out, a, nd_ceil_out(NULL, W)) \
    I(nd_ceil_out, out, nd_ceil_out(A, NULL)) \
    P(nd_trunc, a, nd_trunc(NULL)) \
    I(nd_trunc_out, a, nd_trunc_out(NULL, W)) \
    I(nd_trunc_out, out, nd_trunc_out(A, NULL)) \
    P(nd_rint, a, nd_rint(NULL)) \
    I(nd_rint_out, a, nd_rint_out(NULL, W)) \
    I(nd_rint_out, out, nd_rint_out(A, NULL)) \
    P(nd_round, a, nd_round(NULL)) \
    I(nd_round_out, a, nd_round_out(NULL, W)) \
    I(nd_round_out, out, nd_round_out(A, NULL)) \
    P(nd_isnan, a, nd_isnan(NULL)) \
    I(nd_isnan_out, a, nd_isnan_out(NULL, W)) \
    I(nd_isnan_out, out, nd_isnan_out(A, NULL)) \
    P(nd_isinf, a, nd_isinf(NULL)) \
    I(nd_isinf_out, a, nd_isinf_out(NULL, W)) \
    I(nd_isinf_out, out, nd_isinf_out(A, NULL)) \
    P(nd_isfinite, a, nd_isfinite(NULL)) \
    I(nd_isfinite_out, a, nd_isfinite_out(NULL, W)) \
    I(nd_isfinite_out, out, nd_isfinite_out(A, NULL)) \
    P(nd_signbit, a, nd_signbit(NULL)) \
    I(nd_signbit_out, a, nd_signbit_out(NULL, W)) \
    I(nd_signbit_out, out, nd_signbit_out(A, NULL)) \
    P(nd_logical_not, a, nd_logical_not(NULL)) \
    I(nd_logical_not_out, a, nd_logical_not_out(NULL, W)) \
    I(nd_logical_not_out, out, nd_logical_not_out(A, NULL)) \
    P(nd_invert, a, nd_invert(NULL)) \
    I(nd_invert_out, a, nd_invert_out(NULL, W)) \
    I(nd_invert_out, out, nd_invert_out(A, NULL)) \
    P(nd_where, cond, nd_where(NULL, A, A)) \
    P(nd_where, a, nd_where(A, NULL, A)) \
    P(nd_where, b, nd_where(A, A, NULL)) \
    I(nd_where_out, cond, nd_where_out(NULL, A, A, W)) \
    I(nd_where_out, a, nd_where_out(A, NULL, A, W)) \
    I(nd_where_out, b, nd_where_out(A, A, NULL, W)) \
    I(nd_where_out, out, nd_where_out(A, A, A, NULL)) \
    P(nd_clip, a, nd_clip(NULL, A, A)) \
    I(nd_clip_out, a, nd_clip_out(NULL, A, A, W)) \
    I(nd_clip_out, out, nd_clip_out(A, A, A, NULL)) \
    N(nd_scalar, none, 0) \
    D(nd_result_type_arrays, arrays, nd_result_type_arrays(1, NULL)) \
    P(nd_sum, a, nd_sum(NULL, 1, INTS, false)) \
    P(nd_sum, axes, nd_sum(A, 1, NULL, false)) \
    P(nd_prod, a, nd_prod(NULL, 1, INTS, false)) \
    P(nd_prod, axes, nd_prod(A, 1, NULL, false)) \
    P(nd_mean, a, nd_mean(NULL, 1, INTS, false)) \
    P(nd_mean, axes, nd_mean(A, 1, NULL, false)) \
    P(nd_max, a, nd_max(NULL, 1, INTS, false)) \
    P(nd_max, axes, nd_max(A, 1, NULL, false)) \
    P(nd_min, a, nd_min(NULL, 1, INTS, false)) \
    P(nd_min, axes, nd_min(A, 1, NULL, false)) \
    P(nd_any, a, nd_any(NULL, 1, INTS, false)) \
    P(nd_any, axes, nd_any(A, 1, NULL, false)) \
    P(nd_all, a, nd_all(NULL, 1, INTS, false)) \
    P(nd_all, axes, nd_all(A, 1, NULL, false)) \
    P(nd_count_nonzero, a, nd_count_nonzero(NULL, 1, INTS, false)) \
    P(nd_count_nonzero, axes, nd_count_nonzero(A, 1, NULL, false)) \
    P(nd_var, a, nd_var(NULL, 1, INTS, 0, false)) \
    P(nd_var, axes, nd_var(A, 1, NULL, 0, false)) \
    P(nd_std, a, nd_std(NULL, 1, INTS, 0, false)) \
    P(nd_std, axes, nd_std(A, 1, NULL, 0, false)) \
    P(nd_logsumexp, a, nd_logsumexp(NULL, 1, INTS, false)) \
    P(nd_logsumexp, axes, nd_logsumexp(A, 1, NULL, false)) \
    P(nd_argmax, a, nd_argmax(NULL, 0)) \
    P(nd_argmin, a, nd_argmin(NULL, 0)) \
    P(nd_cumsum, a, nd_cumsum(NULL, 0)) \
    P(nd_cumprod, a, nd_cumprod(NULL, 0)) \
    I(nd_sum_out, a, nd_sum_out(NULL, 1, INTS, false, W)) \
    I(nd_sum_out, axes, nd_sum_out(A, 1, NULL, false, W)) \
    I(nd_sum_out, out, nd_sum_out(A, 1, INTS, false, NULL)) \
    P(nd_matmul, a, nd_matmul(NULL, A)) \
    P(nd_matmul, b, nd_matmul(A, NULL)) \
    P(nd_matmul_dtype, a, nd_matmul_dtype(NULL, A, ND_FLOAT64)) \
    P(nd_matmul_dtype, b, nd_matmul_dtype(A, NULL, ND_FLOAT64)) \
    P(nd_matmul_bias, a, nd_matmul_bias(NULL, A, A, ND_FLOAT64)) \
    P(nd_matmul_bias, b, nd_matmul_bias(A, NULL, A, ND_FLOAT64)) \
    P(nd_matmul_bias, bias, nd_matmul_bias(A, A, NULL, ND_FLOAT64)) \
    I(nd_matmul_out, a, nd_matmul_out(NULL, A, W)) \
    I(nd_matmul_out, b, nd_matmul_out(A, NULL, W)) \
    I(nd_matmul_out, out, nd_matmul_out(A, A, NULL)) \
    P(nd_dot, a, nd_dot(NULL, A)) \
    P(nd_dot, b, nd_dot(A, NULL)) \
    P(nd_vdot, a, nd_vdot(NULL, A)) \
    P(nd_vdot, b, nd_vdot(A, NULL)) \
    P(nd_outer, a, nd_outer(NULL, A)) \
    P(nd_outer, b, nd_outer(A, NULL)) \
    P(nd_inner, a, nd_inner(NULL, A)) \
    P(nd_inner, b, nd_inner(A, NULL)) \
    P(nd_tensordot, a, nd_tensordot(NULL, A, 1, INTS, INTS)) \
    P(nd_tensordot, b, nd_tensordot(A, NULL, 1, INTS, INTS)) \
    P(nd_tensordot, axes_a, nd_tensordot(A, A, 1, NULL, INTS)) \
    P(nd_tensordot, axes_b, nd_tensordot(A, A, 1, INTS, NULL)) \
    P(nd_einsum, subscripts, nd_einsum(NULL, 1, ARRS)) \
    P(nd_einsum, operands, nd_einsum("ij->ji", 1, NULL)) \
    P(nd_linalg_solve, a, nd_linalg_solve(NULL, A)) \
    P(nd_linalg_solve, b, nd_linalg_solve(A, NULL)) \
    P(nd_linalg_inv, a, nd_linalg_inv(NULL)) \
    P(nd_linalg_det, a, nd_linalg_det(NULL)) \
    I(nd_linalg_slogdet, a, nd_linalg_slogdet(NULL, &PA, &PA)) \
    I(nd_linalg_slogdet, sign, nd_linalg_slogdet(A, NULL, &PA)) \
    I(nd_linalg_slogdet, logabsdet, nd_linalg_slogdet(A, &PA, NULL)) \
    P(nd_linalg_cholesky, a, nd_linalg_cholesky(NULL)) \
    I(nd_linalg_qr, a, nd_linalg_qr(NULL, &PA, &PA)) \
    I(nd_linalg_qr, q, nd_linalg_qr(A, NULL, &PA)) \
    I(nd_linalg_qr, r, nd_linalg_qr(A, &PA, NULL)) \
    I(nd_linalg_svd, a, nd_linalg_svd(NULL, false, &PA, &PA, &PA)) \
    I(nd_linalg_svd, s, nd_linalg_svd(A, false, &PA, NULL, &PA)) \
    I(nd_linalg_eigh, a, nd_linalg_eigh(NULL, &PA, &PA)) \
    I(nd_linalg_eigh, w, nd_linalg_eigh(A, NULL, &PA)) \
    I(nd_linalg_lstsq, a, nd_linalg_lstsq(NULL, A, 1.0, &PA, &PA, &I64, &PA)) \
    I(nd_linalg_lstsq, b, nd_linalg_lstsq(A, NULL, 1.0, &PA, &PA, &I64, &PA)) \
    I(nd_linalg_lstsq, x, nd_linalg_lstsq(A, A, 1.0, NULL, &PA, &I64, &PA)) \
    P(nd_linalg_norm, a, nd_linalg_norm(NULL, NULL, 1, INTS, false)) \
    P(nd_linalg_norm, axes, nd_linalg_norm(A, NULL, 1, NULL, false)) \
    P(nd_concatenate, arrays, nd_concatenate(1, NULL, 0)) \
    P(nd_concatenate_flat, arrays, nd_concatenate_flat(1, NULL)) \
    P(nd_stack, arrays, nd_stack(1, NULL, 0)) \
    P(nd_array_split, a, nd_array_split(NULL, 0, 0, &INT)) \
    P(nd_array_split, count, nd_array_split(A, 0, 0, NULL)) \
    P(nd_split, a, nd_split(NULL, 0, 0, &INT)) \
    P(nd_split, count, nd_split(A, 0, 0, NULL)) \
    P(nd_split_indices, a, nd_split_indices(NULL, 1, I64S, 0, &INT)) \
    P(nd_split_indices, indices, nd_split_indices(A, 1, NULL, 0, &INT)) \
    P(nd_split_indices, count, nd_split_indices(A, 1, I64S, 0, NULL)) \
    V(nd_free_arrays, arrays, nd_free_arrays(NULL, 0)) \
    P(nd_pad, a, nd_pad(NULL, I64S, ND_PAD_CONSTANT, 1.0)) \
    P(nd_pad, pad_width, nd_pad(A, NULL, ND_PAD_CONSTANT, 1.0)) \
    P(nd_tile, a, nd_tile(NULL, 1, I64S)) \
    P(nd_tile, reps, nd_tile(A, 1, NULL)) \
    P(nd_repeat, a, nd_repeat(NULL, 0, 0)) \
    P(nd_repeat_each, a, nd_repeat_each(NULL, 0, I64S, 0)) \
    P(nd_repeat_each, repeats, nd_repeat_each(A, 2, NULL, 0)) \
    P(nd_flip, a, nd_flip(NULL, 1, INTS)) \
    P(nd_flip, axes, nd_flip(A, 1, NULL)) \
    P(nd_roll, a, nd_roll(NULL, 0, 0)) \
    P(nd_roll_flat, a, nd_roll_flat(NULL, 0)) \
    P(nd_take, a, nd_take(NULL, A, 0)) \
    P(nd_take, indices, nd_take(A, NULL, 0)) \
    P(nd_take_flat, a, nd_take_flat(NULL, A)) \
    P(nd_take_flat, indices, nd_take_flat(A, NULL)) \
    P(nd_take_along_axis, a, nd_take_along_axis(NULL, A, 0)) \
    P(nd_take_along_axis, indices, nd_take_along_axis(A, NULL, 0)) \
    I(nd_put_along_axis, a, nd_put_along_axis(NULL, A, A, 0)) \
    I(nd_put_along_axis, indices, nd_put_along_axis(W, NULL, A, 0)) \
    I(nd_put_along_axis, values, nd_put_along_axis(W, A, NULL, 0)) \
    I(nd_put, a, nd_put(NULL, A, A)) \
    I(nd_put, indices, nd_put(W, NULL, A)) \
    I(nd_put, values, nd_put(W, A, NULL)) \
    I(nd_add_at, a, nd_add_at(NULL, A, A)) \
    I(nd_add_at, indices, nd_add_at(W, NULL, A)) \
    I(nd_add_at, values, nd_add_at(W, A, NULL)) \
    P(nd_mask_select, a, nd_mask_select(NULL, A)) \
    P(nd_mask_select, mask, nd_mask_select(A, NULL)) \
    I(nd_mask_assign, a, nd_mask_assign(NULL, A, A)) \
    I(nd_mask_assign, mask, nd_mask_assign(W, NULL, A)) \
    I(nd_mask_assign, values, nd_mask_assign(W, A, NULL)) \
    P(nd_nonzero, a, nd_nonzero(NULL, &INT)) \
    P(nd_nonzero, count, nd_nonzero(A, NULL)) \
    P(nd_argwhere, a, nd_argwhere(NULL)) \
    P(nd_bincount, x, nd_bincount(NULL, A, 0)) \
    P(nd_one_hot, indices, nd_one_hot(NULL, 0, ND_FLOAT64)) \
    P(nd_sort, a, nd_sort(NULL, 0)) \
    P(nd_argsort, a, nd_argsort(NULL, 0)) \
    P(nd_partition, a, nd_partition(NULL, 0, I64S, 0)) \
    P(nd_partition, kth, nd_partition(A, 0, NULL, 0)) \
    P(nd_argpartition, a, nd_argpartition(NULL, 0, I64S, 0)) \
    P(nd_argpartition, kth, nd_argpartition(A, 0, NULL, 0)) \
    I(nd_topk, a, nd_topk(NULL, 0, 0, false, &PA, &PA)) \
    I(nd_topk, values, nd_topk(A, 0, 0, false, NULL, &PA)) \
    I(nd_topk, indices, nd_topk(A, 0, 0, false, &PA, NULL)) \
    I(nd_unique, a, nd_unique(NULL, &PA, &PA, &PA)) \
    I(nd_unique, values, nd_unique(A, NULL, &PA, &PA)) \
    P(nd_searchsorted, a, nd_searchsorted(NULL, A, ND_SIDE_LEFT)) \
    P(nd_searchsorted, v, nd_searchsorted(A, NULL, ND_SIDE_LEFT)) \
    N(nd_rng_new, none, 0) \
    V(nd_rng_free, rng, nd_rng_free(NULL)) \
    I(nd_rng_get_state, rng, nd_rng_get_state(NULL, &RS)) \
    I(nd_rng_get_state, out, nd_rng_get_state(RNG, NULL)) \
    I(nd_rng_set_state, rng, nd_rng_set_state(NULL, &RS)) \
    I(nd_rng_set_state, state, nd_rng_set_state(RNG, NULL)) \
    P(nd_rng_random, rng, nd_rng_random(NULL, ND_FLOAT64, 2, I64S)) \
    P(nd_rng_random, shape, nd_rng_random(RNG, ND_FLOAT64, 2, NULL)) \
    P(nd_rng_integers, rng, nd_rng_integers(NULL, 0, 5, false, ND_INT64, 2, I64S)) \
    P(nd_rng_integers, shape, nd_rng_integers(RNG, 0, 5, false, ND_INT64, 2, NULL)) \
    P(nd_rng_standard_normal, rng, nd_rng_standard_normal(NULL, ND_FLOAT64, 2, I64S)) \
    P(nd_rng_standard_normal, shape, nd_rng_standard_normal(RNG, ND_FLOAT64, 2, NULL)) \
    P(nd_rng_normal, rng, nd_rng_normal(NULL, 1.0, 1.0, ND_FLOAT64, 2, I64S)) \
    P(nd_rng_normal, shape, nd_rng_normal(RNG, 1.0, 1.0, ND_FLOAT64, 2, NULL)) \
    P(nd_rng_uniform, rng, nd_rng_uniform(NULL, 1.0, 1.0, ND_FLOAT64, 2, I64S)) \
    P(nd_rng_uniform, shape, nd_rng_uniform(RNG, 1.0, 1.0, ND_FLOAT64, 2, NULL)) \
    P(nd_rng_permutation, rng, nd_rng_permutation(NULL, 0)) \
    I(nd_rng_shuffle, rng, nd_rng_shuffle(NULL, W)) \
    I(nd_rng_shuffle, a, nd_rng_shuffle(RNG, NULL)) \
    P(nd_rng_choice, rng, nd_rng_choice(NULL, 10, 2, I64S, true, NULL)) \
    P(nd_rng_choice, shape, nd_rng_choice(RNG, 10, 2, NULL, true, NULL))

/* clang-format on */
NULL_CASES_DEFINE(ND_NULL_TABLE)

/* ---- out-of-range numbers ------------------------------------------------------------- */

/* RANGE_P with the exact message. */
#define RANGE_ERROR(call, message)                  \
    do {                                            \
        RANGE_P(call);                              \
        ck_assert_str_eq(nd_last_error(), message); \
    } while (0)

START_TEST(out_of_range_numbers)
{
    const nd_dtype bad = (nd_dtype)99;
    const int64_t big[ND_MAXDIMS + 1] = {0};
    const int axes99[2] = {99, 0};
    const int many_axes[ND_MAXDIMS + 1] = {0};
    int count;
    /* dtypes */
    RANGE_P(nd_empty(bad, 2, I64S));
    RANGE_P(nd_zeros((nd_dtype)-1, 2, I64S));
    RANGE_P(nd_full(bad, 2, I64S, 1));
    RANGE_P(nd_arange(bad, 0, 5, 1));
    RANGE_P(nd_linspace(bad, 0, 1, 5, true));
    RANGE_P(nd_eye(bad, 2, ND_NONE, 0));
    RANGE_P(nd_from_data(bad, 2, I64S, BUF));
    RANGE_P(nd_from_buffer(bad, 1, I64S, NULL, BUF, false));
    RANGE_P(nd_astype(A, bad));
    RANGE_ERROR(nd_matmul_dtype(A, A, bad), "data type 99 not understood");
    RANGE_P(nd_matmul_dtype(A, A, (nd_dtype)-1));
    RANGE_P(nd_scalar(bad, 1));
    RANGE_P(nd_one_hot(A, 3, bad));
    RANGE_P(nd_rng_random(RNG, bad, 2, I64S));
    RANGE_P(nd_rng_integers(RNG, 0, 5, false, bad, 2, I64S));
    ck_assert_uint_eq(nd_dtype_itemsize(bad), 0);
    ck_assert_ptr_null(nd_dtype_name(bad));
    ck_assert_int_eq((int)nd_result_type(bad, ND_FLOAT64), -1);
    ck_assert(!nd_can_cast(bad, ND_FLOAT64, ND_CAST_UNSAFE));
    ck_assert(!nd_can_cast(ND_FLOAT64, ND_FLOAT64, (nd_casting)99));
    RANGE_I(nd_copyto(W, A, (nd_casting)99));
    /* ndim and shapes */
    RANGE_ERROR(nd_empty(ND_FLOAT64, -1, I64S),
                "maximum supported dimension for an ndarray is 32, found -1");
    RANGE_P(nd_empty(ND_FLOAT64, ND_MAXDIMS + 1, big));
    RANGE_ERROR(nd_zeros(ND_FLOAT64, 1, (const int64_t[]){-1}),
                "negative dimensions are not allowed");
    RANGE_P(nd_zeros(ND_FLOAT64, 2, (const int64_t[]){INT64_MAX, INT64_MAX}));
    RANGE_P(nd_reshape(A, -1, I64S));
    RANGE_P(nd_reshape(A, ND_MAXDIMS + 1, big));
    RANGE_P(nd_broadcast_to(A, -1, I64S));
    RANGE_P(nd_broadcast_to(A, ND_MAXDIMS + 1, big));
    RANGE_P(nd_as_strided(A, -1, I64S, I64S));
    RANGE_P(nd_as_strided(A, ND_MAXDIMS + 1, big, big));
    RANGE_P(nd_rng_random(RNG, ND_FLOAT64, -1, I64S));
    RANGE_P(nd_rng_standard_normal(RNG, ND_FLOAT64, ND_MAXDIMS + 1, big));
    RANGE_P(nd_linspace(ND_FLOAT64, 0, 1, -1, true));
    RANGE_P(nd_eye(ND_FLOAT64, -1, ND_NONE, 0));
    /* axes */
    RANGE_ERROR(nd_slice(A, 99, 0, 1, 1), "axis 99 is out of bounds for array of dimension 2");
    RANGE_P(nd_slice(A, -3, 0, 1, 1));
    RANGE_P(nd_transpose(A, axes99));
    RANGE_P(nd_swapaxes(A, 0, 99));
    RANGE_P(nd_expand_dims(A, 99));
    RANGE_P(nd_squeeze(A, 1, axes99));
    RANGE_P(nd_squeeze(A, -1, INTS));
    RANGE_P(nd_diagonal(A, 0, 0, 99));
    RANGE_P(nd_sum(A, 1, axes99, false));
    RANGE_P(nd_sum(A, -1, INTS, false));
    RANGE_P(nd_sum(A, ND_MAXDIMS + 1, many_axes, false));
    RANGE_P(nd_max(A, 1, axes99, false));
    RANGE_P(nd_mean(A, 1, axes99, false));
    RANGE_P(nd_argmax(A, 99));
    RANGE_P(nd_cumsum(A, 99));
    RANGE_P(nd_sort(A, 99));
    RANGE_P(nd_argsort(A, -99));
    RANGE_P(nd_take(A, A, 99));
    RANGE_P(nd_roll(A, 1, 99));
    RANGE_P(nd_repeat(A, 2, 99));
    RANGE_P(nd_flip(A, 1, axes99));
    RANGE_P(nd_concatenate(2, ARRS, 99));
    RANGE_P(nd_stack(2, ARRS, 99));
    RANGE_P(nd_split(A, 2, 99, &count));
    RANGE_P(nd_linalg_norm(A, NULL, 1, axes99, false));
    RANGE_P(nd_tensordot(A, A, 1, axes99, INTS));
    /* counts */
    RANGE_P(nd_concatenate(-1, ARRS, 0));
    RANGE_P(nd_stack(-1, ARRS, 0));
    RANGE_P(nd_einsum("ij->ji", -1, ARRS));
    RANGE_P(nd_tensordot(A, A, -1, INTS, INTS));
    RANGE_P(nd_split(A, 0, 0, &count));
    RANGE_P(nd_split(A, -1, 0, &count));
    RANGE_P(nd_repeat(A, -1, 0));
    RANGE_P(nd_tile(A, -1, I64S));
    RANGE_P(nd_partition(A, -1, I64S, 0));
    RANGE_P(nd_rng_permutation(NULL, 5));
    RANGE_I(nd_topk(A, -1, 0, true, &PA, &PA));
    RANGE_I(nd_set_num_threads(-1));
    ck_assert(nd_peak_gflops(ND_INT32) < 0);
    ck_assert_msg(strstr(nd_last_error(), "float32 or bfloat16") != NULL, "%s", nd_last_error());
    ck_assert_int_eq((int)nd_result_type_arrays(-1, ARRS), -1);
    ck_assert_int_eq((int)nd_result_type_arrays(1000, ARRS), -1);
    RANGE_I(nd_savez(OUT_PATH, -1, NAMES, ARRS));
    RANGE_I(nd_savez_compressed(OUT_PATH, -1, NAMES, ARRS));
    RANGE_I(nd_write_atomic_chunks(OUT_PATH, -1, CHUNKS, LENS));
    RANGE_I(nd_safetensors_save(OUT_PATH, -1, NAMES, ARRS, 0, NULL));
    RANGE_I(nd_safetensors_save(OUT_PATH, 1, NAMES, ARRS, -1, META));
    RANGE_I(nd_json_check_keys(JV, -1, NAMES));
    RANGE_P(nd_read_file(JSON_PATH, 2, &SZ)); /* the file is 8 bytes */
    /* a failed write leaves nothing behind */
    ck_assert_int_ne(access(OUT_PATH, F_OK), 0);
    /* indices */
    RANGE_P(nd_npz_name(NPZ, 1));
    RANGE_P(nd_npz_name(NPZ, -1));
    RANGE_P(nd_safetensors_name(ST, 1));
    RANGE_P(nd_safetensors_metadata_key(ST, 1));
    RANGE_P(nd_safetensors_metadata_key(ST, -1));
    RANGE_P(nd_json_item(JV, 1));
    RANGE_P(nd_json_key(JV, -1));
    /* enums */
    RANGE_P(nd_pad(A, (const int64_t[]){1, 1, 1, 1}, (nd_pad_mode)99, 0));
    RANGE_P(nd_searchsorted(A, A, (nd_side)99));
}
END_TEST

NULL_ARGS_SUITE("nd_null_args", setup, teardown, out_of_range_numbers)
