/*
 * nd_internal.h: what libnd's source files share and users never see.
 *
 * Every function here has hidden visibility (the library is built with
 * -fvisibility=hidden; only ND_API functions in nd.h are exported).
 */
#ifndef ND_INTERNAL_H
#define ND_INTERNAL_H

#include "nd.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

/* Buffers are aligned for AVX-512 loads and cache lines. */
#define ND_ALIGNMENT 64

/* The memory behind one or more views. Freed with its last reference. */
typedef struct nd_buffer {
    atomic_int_fast64_t refcount;
    // clang-format off
    void *memory;        /* start of the allocation (or of caller memory) */
    int64_t nbytes;      /* how many bytes from `memory` views may reach */
    bool owns_memory;    /* false for nd_from_buffer: never freed */
    bool writeable;      /* false: no view of it may become writeable */
    // clang-format on
} nd_buffer;

/* Flag bits of nd_array.flags, as NumPy's. */
enum {
    ND_FLAG_C_CONTIGUOUS = 1 << 0,
    ND_FLAG_F_CONTIGUOUS = 1 << 1,
    ND_FLAG_WRITEABLE = 1 << 2,
};

struct nd_array {
    nd_dtype dtype;
    int ndim;
    int flags;
    // clang-format off
    char *data;                    /* first element; inside buffer's span */
    nd_buffer *buffer;             /* shared, refcounted */
    int64_t shape[ND_MAXDIMS];
    int64_t strides[ND_MAXDIMS];   /* bytes */
    // clang-format on
};

#include "vectorize.h" /* ND_VECTORIZE, ND_ALWAYS_INLINE */

/* Work memory of a kernel (a GEMM's packing blocks), aligned to
 * ND_ALIGNMENT, from and back to the arrays' buffer cache (array.c): a
 * training step calls the same products with the same sizes every
 * iteration, and a block glibc maps and unmaps on every call costs its
 * page faults each time. nd_scratch_free takes the size given to
 * nd_scratch_alloc. NULL (no error set) when out of memory. */
void *nd_scratch_alloc(size_t bytes);
void nd_scratch_free(void *memory, size_t bytes);

/* ---- per-dtype code generation ------------------------------------------ */

/* X-macro over every dtype in enum order: X(name, C storage type, family,
 * ...), family one of BOOL INT UINT HALF BF16 FLOAT. Bool is stored as one
 * byte holding 0 or 1; the 16-bit floats as their bit patterns. Typed loops
 * and tables are generated from it so that no dtype is forgotten. */
#define ND_FOR_EACH_DTYPE(X, ...)            \
    X(bool, uint8_t, BOOL, __VA_ARGS__)      \
    X(int8, int8_t, INT, __VA_ARGS__)        \
    X(int16, int16_t, INT, __VA_ARGS__)      \
    X(int32, int32_t, INT, __VA_ARGS__)      \
    X(int64, int64_t, INT, __VA_ARGS__)      \
    X(uint8, uint8_t, UINT, __VA_ARGS__)     \
    X(uint16, uint16_t, UINT, __VA_ARGS__)   \
    X(uint32, uint32_t, UINT, __VA_ARGS__)   \
    X(uint64, uint64_t, UINT, __VA_ARGS__)   \
    X(float16, uint16_t, HALF, __VA_ARGS__)  \
    X(bfloat16, uint16_t, BF16, __VA_ARGS__) \
    X(float32, float, FLOAT, __VA_ARGS__)    \
    X(float64, double, FLOAT, __VA_ARGS__)

/* ---- errors (error.c) ---------------------------------------------------- */

/* Records a printf-formatted message as the thread's last error and returns
 * `status`, so a failing function can `return nd_set_error(...)`. */
int nd_set_error(nd_status status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Formats a shape as Python prints a tuple: "()", "(3,)", "(2, 3)". Returns
 * buf, which must hold ND_SHAPE_STR_MAX bytes. */
#define ND_SHAPE_STR_MAX (ND_MAXDIMS * 22 + 4)
const char *nd_format_shape(char *buf, int ndim, const int64_t *shape);
/* The same as NumPy's C code prints shapes in broadcast and reshape errors:
 * "(3,1)", "(4,newaxis)". buf holds ND_SHAPE_STR_MAX bytes. */
const char *nd_format_shape_compact(char *buf, int ndim, const int64_t *shape);
/* Normalizes *axis in [-ndim, ndim) to [0, ndim); otherwise sets NumPy's
 * AxisError "axis 3 is out of bounds for array of dimension 2" and returns
 * ND_ERR_AXIS. */
int nd_normalize_axis(int *axis, int ndim);

/* The argument check at the top of a public function: if one of the listed
 * pointers is NULL, records "<function>: <argument> is NULL" (ND_ERR_VALUE;
 * the function's name without "nd_") and returns `fail` (NULL, a negative
 * status, or the documented error value of an accessor):
 *     ND_CHECK_NOT_NULL(NULL, a, shape);
 * NumPy cannot be handed a NULL, so there are no NumPy words to copy; the
 * message names what was missing, as the rest of libnd does. */
#define ND_CHECK_NOT_NULL(fail, ...) ND_CHECK_NOT_NULL_AS(__func__, fail, __VA_ARGS__)
/* The same in a helper shared by several public functions, which passes the
 * public name: ND_CHECK_NOT_NULL_AS(inner ? "inner" : "dot", NULL, a, b). */
#define ND_CHECK_NOT_NULL_AS(func, fail, ...)                                   \
    do {                                                                        \
        const void *const nd_args_[] = {__VA_ARGS__};                           \
        if (nd_first_null_arg((func), #__VA_ARGS__, nd_args_,                   \
                              (int)(sizeof nd_args_ / sizeof nd_args_[0])) < 0) \
            return fail;                                                        \
    } while (0)
/* A list argument and its length: the length must not be negative
 * ("squeeze: naxes must not be negative, got -1"), and the list may be NULL
 * only when the length is 0 (axes with naxes, shape with ndim): "squeeze:
 * axes is NULL but naxes is 2". */
#define ND_CHECK_LIST(fail, count, list)                                                          \
    do {                                                                                          \
        if ((count) < 0) {                                                                        \
            nd_set_error(ND_ERR_VALUE, "%s: %s must not be negative, got %lld",                   \
                         nd_public_name(__func__), #count, (long long)(count));                   \
            return fail;                                                                          \
        }                                                                                         \
        if ((count) > 0 && (list) == NULL) {                                                      \
            nd_set_error(ND_ERR_VALUE, "%s: %s is NULL but %s is %lld", nd_public_name(__func__), \
                         #list, #count, (long long)(count));                                      \
            return fail;                                                                          \
        }                                                                                         \
    } while (0)
/* A function's name as messages print it: without "nd_". */
const char *nd_public_name(const char *func);
/* The helper of ND_CHECK_NOT_NULL: names is the stringized argument list
 * ("a, shape"); returns ND_ERR_VALUE with the message set for the first
 * NULL, 0 if there is none. */
int nd_first_null_arg(const char *func, const char *names, const void *const *args, int n);

/* ---- dtypes (dtype.c) ----------------------------------------------------- */

/* Element access through double / int64, converting as nd_astype does. Used
 * where speed does not matter (printing, scalar get/set, file tests); bulk
 * work uses the cast loops below. */
// clang-format off
double  nd_load_double(nd_dtype dt, const void *p);
void    nd_store_double(nd_dtype dt, void *p, double v);
int64_t nd_load_int64(nd_dtype dt, const void *p);   /* floats truncate */
void    nd_store_int64(nd_dtype dt, void *p, int64_t v);
// clang-format on

/* A strided cast loop: n elements from src (dtype `from`, src_step bytes
 * apart) to dst (dtype `to`). from == to is a plain copy. */
typedef void (*nd_cast_loop)(const char *src, int64_t src_step, char *dst, int64_t dst_step,
                             int64_t n);
nd_cast_loop nd_get_cast_loop(nd_dtype from, nd_dtype to);

/* ---- array core (array.c) ------------------------------------------------- */

bool nd_dtype_valid(nd_dtype dt);
/* Checks a shape (ndim range, no negative dims) and its byte size for
 * overflow; sets the error and returns it, or returns 0 with *size set. */
int nd_check_shape(nd_dtype dt, int ndim, const int64_t *shape, int64_t *size);
/* A new C-contiguous array with uninitialized data (64-byte aligned). */
nd_array *nd_alloc_array(nd_dtype dt, int ndim, const int64_t *shape);
/* A new handle on base's buffer with the given geometry. The caller
 * guarantees the geometry stays inside the buffer. WRITEABLE is inherited. */
nd_array *nd_make_view(const nd_array *base, int ndim, const int64_t *shape, const int64_t *strides,
                       char *data);
/* Recomputes C_/F_CONTIGUOUS from shape and strides. */
void nd_update_flags(nd_array *a);
/* Strides of a C-contiguous array of this shape. */
void nd_c_strides(size_t itemsize, int ndim, const int64_t *shape, int64_t *strides);
/* The lowest and one-past-highest byte address any element can reach. */
void nd_memory_extent(const nd_array *a, const char **low, const char **high);
/* True unless a's elements provably occupy distinct bytes: a zero stride on
 * an axis longer than 1, or strides that make rows interleave (as_strided
 * views), count as overlap. Conservative, like NumPy's
 * solve_may_have_internal_overlap with a small work bound: strides sorted
 * by size must each step over everything the smaller ones span. */
bool nd_may_have_internal_overlap(const nd_array *a);
/* Errors with "assignment destination is read-only" if a is not writeable. */
int nd_check_writeable(const nd_array *a);

/* ---- views (views.c) ------------------------------------------------------ */

/* Strides that broadcast a to `shape` (0 on new and stretched axes), or -1
 * without setting an error if the shapes are incompatible. */
int nd_broadcast_strides(const nd_array *a, int ndim, const int64_t *shape, int64_t *strides);

/* ---- copies (copy.c) ------------------------------------------------------ */

/* Copies src into dst element by element with casting. Shapes must be equal
 * (the caller broadcasts); memory must not overlap. No checks. */
void nd_assign_same_shape(nd_array *dst, const nd_array *src);

/* ---- threads (threads.c) --------------------------------------------------- */

/* nd_parallel_for (public, nd.h) is the pool's one entry point. */

/* ---- float32 matrix product on AVX-512 (sgemm_avx512.c) ------------------- */

/* Whether this CPU runs nd_sgemm_avx512 (AVX-512F). */
bool nd_sgemm_avx512_supported(void);
/* C = A @ B: A m x k and B k x n read through element strides (any sign),
 * C m x n with row stride ldc and unit column stride, not overlapping A or
 * B; m, n, k > 0. Splits across the thread pool. 0, or ND_ERR_MEMORY. */
int nd_sgemm_avx512(int64_t m, int64_t n, int64_t k, const float *a, int64_t a_rs, int64_t a_cs,
                    const float *b, int64_t b_rs, int64_t b_cs, float *c, int64_t ldc);

/* ---- bfloat16 matrix product on AVX512_BF16 (sbgemm_avx512.c) ------------- */

/* Whether nd_sbgemm_avx512 is used for bfloat16 products: the CPU has
 * AVX512_BF16 (CPUID 7.1:EAX bit 5) with AVX-512F/BW/VL, and neither
 * ND_BF16_GEMM=fallback (read once) nor nd_sbgemm_force_fallback(true) asked
 * for the widened float32 path instead. */
bool nd_sbgemm_avx512_supported(void);
/* true: bfloat16 products widen to float32 even where the kernel could run
 * (tests run both paths on one machine); false: back to what the CPU has. */
void nd_sbgemm_force_fallback(bool fallback);
/* C = A @ B (+ bias) with bfloat16 A (m x k) and B (k x n) read through
 * element strides (any sign), float32 sums; bias NULL or n float32 added to
 * each row after the whole sum over k (so the bits of the product and then
 * the add); C has row stride ldc elements and unit column stride and is
 * float32, or bfloat16 (c_bf16, rounded once to nearest even). C must not
 * overlap A or B; m, n, k > 0. Splits across the thread pool; the result
 * does not depend on the thread count. 0, or ND_ERR_MEMORY. */
int nd_sbgemm_avx512(int64_t m, int64_t n, int64_t k, const uint16_t *a, int64_t a_rs, int64_t a_cs,
                     const uint16_t *b, int64_t b_rs, int64_t b_cs, const float *bias, void *c,
                     int64_t ldc, bool c_bf16);

/* ---- the elementwise engine (ufunc.c) ------------------------------------- */

/* NumPy's inner loop: dims[0] elements; args[i] points at operand i's first
 * element (inputs first, then outputs) and steps[i] is its byte step. The
 * contiguous case is one branch of every loop, so it vectorizes. */
typedef void (*nd_inner_loop)(char **args, const int64_t *dims, const int64_t *steps, void *data);

#define ND_MAX_OPERANDS 4 /* up to 3 inputs and 1 output */

/* One run of the engine over operands already broadcast to `shape`. */
typedef struct nd_loop_plan {
    // clang-format off
    int nop;                                      /* operands, inputs first */
    int nin;                                      /* how many are inputs */
    int ndim;
    int64_t shape[ND_MAXDIMS];
    char *data[ND_MAX_OPERANDS];
    int64_t strides[ND_MAX_OPERANDS][ND_MAXDIMS]; /* bytes; 0 on broadcast axes */
    nd_dtype dtypes[ND_MAX_OPERANDS];             /* what each operand's memory holds */
    nd_dtype loop_dtypes[ND_MAX_OPERANDS];        /* what the loop reads or writes */
    nd_inner_loop loop;
    void *loop_data;
    /* A reduction: operand 0 (input) and the output are the same
     * accumulator, with stride 0 on reduced axes. The engine then never
     * splits work along an axis where the output does not move, and never
     * buffers the accumulator (its dtype must equal its loop dtype). */
    bool reduce;
    bool serial;                                  /* never use the pool */
    // clang-format on
} nd_loop_plan;

/* Runs plan->loop over the whole iteration space: drops size-1 axes, orders
 * axes by memory layout, merges axes contiguous in every operand, casts
 * operands whose dtype differs from their loop dtype through small buffers,
 * and splits large work across the pool. Returns 0 or ND_ERR_MEMORY. */
int nd_execute(nd_loop_plan *plan);
/* NumPy's "K" order: a permutation of the axes, outermost first, that
 * follows the operands' memory layout (compared by |stride|, first operand
 * that distinguishes two axes wins; ties keep C order). */
void nd_best_axis_order(int nop, int ndim, const int64_t (*strides)[ND_MAXDIMS], int *perm);
/* A new array of `shape` whose memory order follows the given operand
 * strides (NumPy's order='K'): the exp of a transposed array is itself
 * transposed, so both are walked contiguously. */
nd_array *nd_alloc_like_layout(nd_dtype dt, int ndim, const int64_t *shape, int nop,
                               const int64_t (*strides)[ND_MAXDIMS]);
/* The dtype NumPy 1.24 uses for a 0-d operand under value-based casting:
 * numpy.min_scalar_type of its value. */
nd_dtype nd_min_scalar_type(const nd_array *a);

/* ---- .npy in memory (npy.c), used by npz.c -------------------------------- */

/* Parses a whole .npy image held in memory (no allocation beyond what the
 * validated header implies, which must fit in `nbytes`). `what` names the
 * source in error messages. */
nd_array *nd_npy_parse(const unsigned char *bytes, size_t nbytes, const char *what);
/* Serializes a as an .npy image in a malloc'd buffer (*out, *out_len). */
int nd_npy_serialize(const nd_array *a, unsigned char **out, size_t *out_len);

/* ---- files (json.c, safetensors.c) --------------------------------------- */


/* Is s[0..n) strict UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF), as the JSON reader requires? (json.c) */
bool nd_valid_utf8(const char *s, size_t n);

/* Parses a safetensors image held in `file` (malloc'd, len bytes), taking
 * ownership of it in every case. `what` names it in messages. */
nd_safetensors *nd_safetensors_parse(unsigned char *file, size_t len, const char *what);

/* ---- views (indexing.c, sort.c) ------------------------------------------- */

/* A header that reads a 0-d array as shape (1,), as NumPy's take, put,
 * argsort and argpartition (and torch's sort) do; it shares a's data. */
static inline nd_array nd_at_least_1d(const nd_array *a)
{
    nd_array v = *a;
    if (v.ndim == 0) {
        v.ndim = 1;
        v.shape[0] = 1;
        v.strides[0] = (int64_t)nd_itemsize(a);
    }
    return v;
}

#endif /* ND_INTERNAL_H */
