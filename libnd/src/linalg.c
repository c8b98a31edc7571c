/*
 * linalg.c: numpy.linalg on OpenBLAS's LAPACK: solve, inv, det, slogdet,
 * cholesky, qr, svd, eigh, lstsq, and norm.
 *
 * The shape of every function is the one of NumPy 1.24's umath_linalg
 * gufuncs: the operands are stacks of matrices (..., M, N) with any strides;
 * each matrix in turn is copied (and cast) into a contiguous working buffer,
 * LAPACK runs on the buffer, and the results are copied into new
 * C-contiguous arrays shaped (stack..., core...).
 *
 * LAPACK is column-major, C arrays are row-major. Every buffer is filled
 * column-major, as NumPy's linearize_matrix fills its own, and every
 * routine called with NumPy's arguments (the same UPLO and JOBZ; the
 * workspace sizes LAPACK asks for), so that LAPACK runs the very
 * computation NumPy runs: results, signs of factors, ranks and the
 * "Singular matrix" verdicts agree with NumPy's, bit for bit where the
 * LAPACK is the same.
 *
 * Precision, as NumPy's _commonType: everything is computed in float64
 * (LAPACK's d* routines; bool and integers convert to float64), and the
 * results are rounded to float32 when every operand is float32, else kept
 * in float64. float16 and bfloat16 are refused as NumPy refuses float16.
 */
#include "nd_internal.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

/* ------------------------------------------------------------------------ */
/* LAPACK's Fortran interface                                               */
/* ------------------------------------------------------------------------ */

/*
 * OpenBLAS exports the Fortran symbols but not LAPACKE, so the prototypes
 * are declared here. Fortran passes every argument by reference; Debian's
 * OpenBLAS uses 32-bit INTEGERs. Matrices are column-major with a leading
 * dimension ld >= max(1, rows). CHARACTER arguments come with hidden
 * trailing lengths (gfortran's ABI); passing them keeps the
 * Fortran-compiled routines from reading garbage.
 */
extern void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b,
                   const int *ldb, int *info);
extern void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info,
                    size_t uplo_len);
extern void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau,
                    double *work, const int *lwork, int *info);
extern void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda,
                    const double *tau, double *work, const int *lwork, int *info);
extern void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda,
                    double *s, double *u, const int *ldu, double *vt, const int *ldvt, double *work,
                    const int *lwork, int *iwork, int *info, size_t jobz_len);
extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
                    double *w, double *work, const int *lwork, int *iwork, const int *liwork,
                    int *info, size_t jobz_len, size_t uplo_len);
extern void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda,
                    double *b, const int *ldb, double *s, const double *rcond, int *rank,
                    double *work, const int *lwork, int *iwork, int *info);

/* The LWORK a workspace query (lwork = -1) answered in work[0]. */
static int query_size(double q)
{
    q = ceil(q);
    return q < 1 ? 1 : q > INT_MAX ? INT_MAX : (int)q;
}

static int max_int(int a, int b) { return a > b ? a : b; }

/* ------------------------------------------------------------------------ */
/* Checks and types, in NumPy's words                                       */
/* ------------------------------------------------------------------------ */

/* NumPy's _commonType: the computation is float64 whatever the operands;
 * *result, the dtype of the results, is float32 if every operand is
 * float32, else float64 (bool and integers count as float64). float16 and
 * bfloat16 fail as NumPy's float16 does. b may be NULL. */
static int result_type(const nd_array *a, const nd_array *b, nd_dtype *result)
{
    const nd_array *ops[2] = {a, b};
    bool single = true;
    *result = ND_FLOAT64;
    for (int i = 0; i < 2 && ops[i]; i++) {
        nd_dtype dt = ops[i]->dtype;
        if (dt == ND_FLOAT16 || dt == ND_BFLOAT16)
            return nd_set_error(ND_ERR_TYPE, "array type %s is unsupported in linalg",
                                nd_dtype_name(dt));
        single = single && dt == ND_FLOAT32;
    }
    *result = single ? ND_FLOAT32 : ND_FLOAT64;
    return 0;
}

/* NumPy's _assert_stacked_2d (LinAlgError). */
static int check_stacked_2d(const nd_array *a)
{
    if (a->ndim < 2)
        return nd_set_error(ND_ERR_VALUE,
                            "%d-dimensional array given. Array must be at "
                            "least two-dimensional",
                            a->ndim);
    return 0;
}

/* _assert_stacked_2d, then _assert_stacked_square. */
static int check_stacked_square(const nd_array *a)
{
    if (check_stacked_2d(a) < 0)
        return ND_ERR_VALUE;
    if (a->shape[a->ndim - 1] != a->shape[a->ndim - 2])
        return nd_set_error(ND_ERR_VALUE, "Last 2 dimensions of the array must be square");
    return 0;
}

/* LAPACK counts rows and columns in 32-bit ints. */
static int check_lapack_dims(int64_t m, int64_t n)
{
    if (m > INT_MAX || n > INT_MAX)
        return nd_set_error(ND_ERR_VALUE, "linalg: a matrix dimension exceeds LAPACK's "
                                          "32-bit integers");
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Stacks of matrices                                                       */
/* ------------------------------------------------------------------------ */

/* An odometer over the stack (batch) dimensions of one operand, or of two
 * broadcast together: the matrices are visited in C order of the stack. */
typedef struct stack {
    // clang-format off
    int ndim;                        /* stack dimensions */
    int64_t shape[ND_MAXDIMS];
    int64_t count;                   /* matrices in the stack */
    int64_t strides[2][ND_MAXDIMS];  /* bytes; 0 where an operand is broadcast */
    int64_t index[ND_MAXDIMS];
    int64_t offset[2];               /* bytes from each operand's data to the matrix */
    // clang-format on
} stack;

/* The stack of a and b (may be NULL) broadcast together; each operand's
 * last a_core / b_core axes are its core. Returns -1 (no error set) if the
 * stack shapes do not broadcast. */
static int stack_init(stack *s, const nd_array *a, int a_core, const nd_array *b, int b_core)
{
    memset(s, 0, sizeof *s);
    const nd_array *ops[2] = {a, b};
    int cores[2] = {a_core, b_core};
    for (int k = 0; k < 2 && ops[k]; k++)
        if (ops[k]->ndim - cores[k] > s->ndim)
            s->ndim = ops[k]->ndim - cores[k];
    for (int d = 0; d < s->ndim; d++)
        s->shape[d] = 1;
    for (int k = 0; k < 2 && ops[k]; k++) {
        int nd = ops[k]->ndim - cores[k], skip = s->ndim - nd;
        for (int d = 0; d < nd; d++) {
            int64_t len = ops[k]->shape[d];
            if (len != 1 && s->shape[skip + d] != 1 && s->shape[skip + d] != len)
                return -1;
            if (len != 1) {
                s->shape[skip + d] = len;
                s->strides[k][skip + d] = ops[k]->strides[d];
            }
        }
    }
    s->count = 1;
    for (int d = 0; d < s->ndim; d++)
        s->count *= s->shape[d];
    return 0;
}

static void stack_next(stack *s)
{
    for (int d = s->ndim - 1; d >= 0; d--) {
        s->offset[0] += s->strides[0][d];
        s->offset[1] += s->strides[1][d];
        if (++s->index[d] < s->shape[d])
            return;
        s->offset[0] -= s->strides[0][d] * s->shape[d];
        s->offset[1] -= s->strides[1][d] * s->shape[d];
        s->index[d] = 0;
    }
}

/* A new C-contiguous array shaped (stack..., core...). */
static nd_array *alloc_stacked(nd_dtype dt, const stack *s, int ncore, int64_t c0, int64_t c1)
{
    int64_t shape[ND_MAXDIMS + 2];
    memcpy(shape, s->shape, (size_t)s->ndim * sizeof(int64_t));
    shape[s->ndim] = c0;
    shape[s->ndim + 1] = c1;
    return nd_alloc_array(dt, s->ndim + ncore, shape);
}

/* ------------------------------------------------------------------------ */
/* Copying matrices in and out of working buffers                           */
/* ------------------------------------------------------------------------ */

/* A layout of an m x n matrix: element (i, j) at i * row + j * col bytes. */
typedef struct layout {
    int64_t row, col;
} layout;

/* A working buffer: column-major doubles with leading dimension ld. */
static layout col_major(int64_t ld)
{
    return (layout){sizeof(double), ld * (int64_t)sizeof(double)};
}

static layout row_major(nd_dtype dt, int64_t n)
{
    int64_t item = (int64_t)nd_dtype_itemsize(dt);
    return (layout){n * item, item};
}

/* The last two axes of a (a->ndim >= 2). */
static layout core_layout(const nd_array *a)
{
    return (layout){a->strides[a->ndim - 2], a->strides[a->ndim - 1]};
}

/* Copies the m x n matrix at src into dst, casting src_dt to dst_dt; the
 * inner loop runs along the destination's shorter step. */
static void copy_matrix(int64_t m, int64_t n, void *dst, layout dl, nd_dtype dst_dt,
                        const void *src, layout sl, nd_dtype src_dt)
{
    nd_cast_loop loop = nd_get_cast_loop(src_dt, dst_dt);
    const char *s = src;
    char *d = dst;
    if (llabs(dl.col) <= llabs(dl.row)) {
        for (int64_t i = 0; i < m; i++)
            loop(s + i * sl.row, sl.col, d + i * dl.row, dl.col, n);
    } else {
        for (int64_t j = 0; j < n; j++)
            loop(s + j * sl.col, sl.row, d + j * dl.col, dl.row, m);
    }
}

/* A working buffer (column-major, leading dimension ld) into a new
 * result's matrix (row-major, dtype dt), rounded to float32 if dt is:
 * NumPy's astype(result_t) of its float64 results. A vector of n values is
 * the 1 x n matrix with ld 1. */
static void copy_out(int64_t m, int64_t n, char *dst, nd_dtype dt, const double *src, int64_t ld)
{
    copy_matrix(m, n, dst, row_major(dt, n), dt, src, col_major(ld), ND_FLOAT64);
}

/* Sets the m x n matrix at dst (column-major, leading dimension ld) to the
 * identity. */
static void set_identity(double *dst, int64_t m, int64_t n, int64_t ld)
{
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++)
            dst[i + j * ld] = i == j ? 1.0 : 0.0;
}

/* malloc of count doubles, at least one (LAPACK wants valid pointers even
 * for empty arguments); sets the error on failure. */
static double *alloc_work(int64_t count)
{
    if (count < 1)
        count = 1;
    double *p =
        (uint64_t)count > SIZE_MAX / sizeof(double) ? NULL : malloc((size_t)count * sizeof(double));
    if (!p)
        nd_set_error(ND_ERR_MEMORY, "linalg: out of memory for a working buffer");
    return p;
}

/* malloc of count ints (at least one); sets the error on failure. */
static int *alloc_ints(int64_t count)
{
    if (count < 1)
        count = 1;
    int *p = (uint64_t)count > SIZE_MAX / sizeof(int) ? NULL : malloc((size_t)count * sizeof(int));
    if (!p)
        nd_set_error(ND_ERR_MEMORY, "linalg: out of memory for a working buffer");
    return p;
}

static void free_all(nd_array **arrays, int n)
{
    for (int i = 0; i < n; i++) {
        nd_free(arrays[i]);
        arrays[i] = NULL;
    }
}

/* ------------------------------------------------------------------------ */
/* LU: det, slogdet                                                         */
/* ------------------------------------------------------------------------ */

/* sign and log|det| of the n x n matrix in work (column-major, destroyed),
 * as NumPy's slogdet_single_element: LU-factor it, det = (-1)^swaps *
 * prod(u_ii), summed as logs so that it neither overflows nor underflows.
 * A singular matrix (an exact zero pivot, getrf's info > 0) gives sign 0
 * and logdet -inf. */
static void lu_slogdet(double *work, int *ipiv, int n, double *sign, double *logdet)
{
    int lda = max_int(n, 1), info = 0;
    dgetrf_(&n, &n, work, &lda, ipiv, &info);
    if (info > 0) {
        *sign = 0.0;
        *logdet = -INFINITY;
        return;
    }
    double s = 1.0, acc = 0.0;
    for (int i = 0; i < n; i++) {
        if (ipiv[i] != i + 1)
            s = -s;
        double u = work[(size_t)i * (size_t)(n + 1)];
        if (u < 0) {
            s = -s;
            u = -u;
        }
        acc += log(u);
    }
    *sign = s;
    *logdet = acc;
}

/* The shared body of det and slogdet: det_out is set for det, sign_out
 * and logdet_out for slogdet. */
static int det_stack(const nd_array *a, nd_array **det_out, nd_array **sign_out,
                     nd_array **logdet_out)
{
    nd_dtype rt;
    if (check_stacked_square(a) < 0)
        return ND_ERR_VALUE;
    if (result_type(a, NULL, &rt) < 0)
        return ND_ERR_TYPE;
    int64_t n = a->shape[a->ndim - 1];
    if (check_lapack_dims(n, n) < 0)
        return ND_ERR_VALUE;
    stack s;
    stack_init(&s, a, 2, NULL, 0);
    nd_array *outs[2] = {alloc_stacked(rt, &s, 0, 0, 0),
                         det_out ? NULL : alloc_stacked(rt, &s, 0, 0, 0)};
    double *work = alloc_work(n * n);
    int *ipiv = alloc_ints(n);
    if (!outs[0] || (!det_out && !outs[1]) || !work || !ipiv) {
        free(work);
        free(ipiv);
        free_all(outs, 2);
        return ND_ERR_MEMORY;
    }
    for (int64_t k = 0; k < s.count; k++, stack_next(&s)) {
        copy_matrix(n, n, work, col_major(n), ND_FLOAT64, a->data + s.offset[0], core_layout(a),
                    a->dtype);
        double sign, logdet;
        lu_slogdet(work, ipiv, (int)n, &sign, &logdet);
        size_t at = (size_t)k * nd_dtype_itemsize(rt);
        if (det_out) { /* NumPy's det_from_slogdet */
            nd_store_double(rt, outs[0]->data + at, sign * exp(logdet));
        } else {
            nd_store_double(rt, outs[0]->data + at, sign);
            nd_store_double(rt, outs[1]->data + at, logdet);
        }
    }
    free(work);
    free(ipiv);
    if (det_out) {
        *det_out = outs[0];
    } else {
        *sign_out = outs[0];
        *logdet_out = outs[1];
    }
    return 0;
}

nd_array *nd_linalg_det(const nd_array *a)
{
    ND_CHECK_NOT_NULL(NULL, a);
    nd_array *det = NULL;
    det_stack(a, &det, NULL, NULL);
    return det;
}

int nd_linalg_slogdet(const nd_array *a, nd_array **sign, nd_array **logabsdet)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, sign, logabsdet);
    *sign = *logabsdet = NULL;
    return det_stack(a, NULL, sign, logabsdet);
}

/* ------------------------------------------------------------------------ */
/* gesv: solve, inv                                                         */
/* ------------------------------------------------------------------------ */

/*
 * Solves A X = B for every matrix of the stack with gesv (LU with partial
 * pivoting, as NumPy): A is m x m (a's core), B is m x nrhs, read from b's
 * core (b_vector: b's core is (m), one column), or the identity when b is
 * NULL (inv). The result has B's shape and dtype rt.
 */
static nd_array *gesv_stack(nd_dtype rt, const nd_array *a, const nd_array *b, bool b_vector,
                            const stack *stack_in)
{
    stack s = *stack_in;
    int64_t m = a->shape[a->ndim - 1];
    int64_t nrhs = !b ? m : b_vector ? 1 : b->shape[b->ndim - 1];
    if (check_lapack_dims(m, nrhs) < 0)
        return NULL;
    nd_array *x = b_vector ? alloc_stacked(rt, &s, 1, m, 0) : alloc_stacked(rt, &s, 2, m, nrhs);
    if (!x || m == 0 || nrhs == 0) /* nothing to solve: no error either, as NumPy */
        return x;
    double *wa = alloc_work(m * m), *wb = alloc_work(m * nrhs);
    int *ipiv = alloc_ints(m);
    int n = (int)m, k = (int)nrhs, info = 0;
    if (!wa || !wb || !ipiv)
        goto fail;
    layout b_core = !b         ? (layout){0, 0}
                    : b_vector ? (layout){b->strides[b->ndim - 1], 0}
                               : core_layout(b);
    size_t x_bytes = (size_t)(m * nrhs) * nd_dtype_itemsize(rt);
    for (int64_t i = 0; i < s.count; i++, stack_next(&s)) {
        copy_matrix(m, m, wa, col_major(m), ND_FLOAT64, a->data + s.offset[0], core_layout(a),
                    a->dtype);
        if (b)
            copy_matrix(m, nrhs, wb, col_major(m), ND_FLOAT64, b->data + s.offset[1], b_core,
                        b->dtype);
        else
            set_identity(wb, m, m, m);
        dgesv_(&n, &k, wa, &n, ipiv, wb, &n, &info);
        if (info > 0) {
            nd_set_error(ND_ERR_VALUE, "Singular matrix");
            goto fail;
        }
        copy_out(m, nrhs, x->data + (size_t)i * x_bytes, rt, wb, m);
    }
    free(wa);
    free(wb);
    free(ipiv);
    return x;
fail:
    free(wa);
    free(wb);
    free(ipiv);
    nd_free(x);
    return NULL;
}

nd_array *nd_linalg_inv(const nd_array *a)
{
    ND_CHECK_NOT_NULL(NULL, a);
    nd_dtype rt;
    if (check_stacked_square(a) < 0 || result_type(a, NULL, &rt) < 0)
        return NULL;
    stack s;
    stack_init(&s, a, 2, NULL, 0);
    return gesv_stack(rt, a, NULL, false, &s);
}
/* NumPy's gufunc error when b's stack does not broadcast against a's:
 * each operand's stack shape, remapped into the common stack with newaxis
 * for missing axes and for the output's core axes, then the core shape the
 * output asked for. */
static void solve_broadcast_error(const nd_array *a, const nd_array *b, bool b_vector)
{
    int b_core = b_vector ? 1 : 2, out_core = b_core;
    int nd = a->ndim - 2 > b->ndim - b_core ? a->ndim - 2 : b->ndim - b_core;
    const nd_array *ops[2] = {a, b};
    int cores[2] = {2, b_core};
    char text[2][2][ND_SHAPE_STR_MAX];
    int64_t remapped[ND_MAXDIMS + 2];
    for (int k = 0; k < 2; k++) {
        int own = ops[k]->ndim - cores[k];
        for (int d = 0; d < nd + out_core; d++)
            remapped[d] = d >= nd - own && d < nd ? ops[k]->shape[d - (nd - own)] : -1;
        nd_format_shape_compact(text[k][0], ops[k]->ndim, ops[k]->shape);
        nd_format_shape_compact(text[k][1], nd + out_core, remapped);
    }
    int64_t requested[ND_MAXDIMS + 2];
    for (int d = 0; d < nd; d++)
        requested[d] = -1;
    requested[nd] = a->shape[a->ndim - 1];
    requested[nd + 1] = b->shape[b->ndim - 1];
    char req[ND_SHAPE_STR_MAX];
    nd_format_shape_compact(req, nd + out_core, requested);
    nd_set_error(ND_ERR_VALUE,
                 "operands could not be broadcast together with remapped "
                 "shapes [original->remapped]: %s->%s %s->%s  and requested shape %s",
                 text[0][0], text[0][1], text[1][0], text[1][1], req);
}

nd_array *nd_linalg_solve(const nd_array *a, const nd_array *b)
{
    ND_CHECK_NOT_NULL(NULL, a, b);
    nd_dtype rt;
    if (check_stacked_square(a) < 0 || result_type(a, b, &rt) < 0)
        return NULL;
    /* NumPy 1.24 takes b as a stack of vectors (gufunc solve1, core (m))
     * only when it has exactly one dimension less than a; otherwise as a
     * stack of matrices (solve, core (m, n)). */
    bool b_vector = b->ndim == a->ndim - 1;
    const char *sig = b_vector ? "solve1" : "solve";
    const char *core = b_vector ? "(m,m),(m)->(m)" : "(m,m),(m,n)->(m,n)";
    if (!b_vector && b->ndim < 2) {
        nd_set_error(ND_ERR_VALUE,
                     "%s: Input operand 1 does not have enough dimensions "
                     "(has %d, gufunc core with signature %s requires 2)",
                     sig, b->ndim, core);
        return NULL;
    }
    int64_t m = a->shape[a->ndim - 1];
    int64_t bm = b->shape[b->ndim - (b_vector ? 1 : 2)];
    if (bm != m) {
        nd_set_error(ND_ERR_VALUE,
                     "%s: Input operand 1 has a mismatch in its core "
                     "dimension 0, with gufunc signature %s (size %lld is different from "
                     "%lld)",
                     sig, core, (long long)bm, (long long)m);
        return NULL;
    }
    stack s;
    if (stack_init(&s, a, 2, b, b_vector ? 1 : 2) < 0) {
        solve_broadcast_error(a, b, b_vector);
        return NULL;
    }
    return gesv_stack(rt, a, b, b_vector, &s);
}


/* ------------------------------------------------------------------------ */
/* cholesky                                                                 */
/* ------------------------------------------------------------------------ */

nd_array *nd_linalg_cholesky(const nd_array *a)
{
    ND_CHECK_NOT_NULL(NULL, a);
    nd_dtype rt;
    if (check_stacked_square(a) < 0 || result_type(a, NULL, &rt) < 0)
        return NULL;
    int64_t n = a->shape[a->ndim - 1];
    if (check_lapack_dims(n, n) < 0)
        return NULL;
    stack s;
    stack_init(&s, a, 2, NULL, 0);
    nd_array *l = alloc_stacked(rt, &s, 2, n, n);
    if (!l || n == 0)
        return l;
    double *work = alloc_work(n * n);
    if (!work) {
        nd_free(l);
        return NULL;
    }
    /* NumPy's cholesky_lo: potrf('L') factors A = L L^T reading only A's
     * lower triangle, and leaves the upper one alone; NumPy returns it
     * zeroed. */
    size_t bytes = (size_t)(n * n) * nd_dtype_itemsize(rt);
    int nn = (int)n, info = 0;
    for (int64_t k = 0; k < s.count; k++, stack_next(&s)) {
        copy_matrix(n, n, work, col_major(n), ND_FLOAT64, a->data + s.offset[0], core_layout(a),
                    a->dtype);
        dpotrf_("L", &nn, work, &nn, &info, 1);
        if (info > 0) {
            free(work);
            nd_free(l);
            nd_set_error(ND_ERR_VALUE, "Matrix is not positive definite");
            return NULL;
        }
        for (int64_t j = 1; j < n; j++)
            for (int64_t i = 0; i < j; i++)
                work[i + j * n] = 0.0;
        copy_out(n, n, l->data + (size_t)k * bytes, rt, work, n);
    }
    free(work);
    return l;
}

/* ------------------------------------------------------------------------ */
/* qr                                                                       */
/* ------------------------------------------------------------------------ */

int nd_linalg_qr(const nd_array *a, nd_array **q_out, nd_array **r_out)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, q_out, r_out);
    *q_out = *r_out = NULL;
    nd_dtype rt;
    if (check_stacked_2d(a) < 0)
        return ND_ERR_VALUE;
    if (result_type(a, NULL, &rt) < 0)
        return ND_ERR_TYPE;
    int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1], k = m < n ? m : n;
    if (check_lapack_dims(m, n) < 0)
        return ND_ERR_VALUE;
    stack s;
    stack_init(&s, a, 2, NULL, 0);
    nd_array *outs[2] = {alloc_stacked(rt, &s, 2, m, k), alloc_stacked(rt, &s, 2, k, n)};
    if (!outs[0] || !outs[1]) {
        free_all(outs, 2);
        return ND_ERR_MEMORY;
    }
    if (k == 0 || s.count == 0) {
        *q_out = outs[0];
        *r_out = outs[1];
        return 0;
    }
    /* geqrf leaves R in the upper triangle and the Householder reflectors
     * below it; orgqr multiplies the first k reflectors out into Q's k
     * columns. Both want the workspace size they report for lwork = -1. */
    int im = (int)m, in = (int)n, ik = (int)k, lda = im, query_lwork = -1, info = 0;
    double q1 = 0, q2 = 0, *wa = alloc_work(m * n), *tau = alloc_work(k), *work = NULL;
    int status = ND_ERR_MEMORY;
    if (!wa || !tau)
        goto done;
    dgeqrf_(&im, &in, wa, &lda, tau, &q1, &query_lwork, &info);
    dorgqr_(&im, &ik, &ik, wa, &lda, tau, &q2, &query_lwork, &info);
    int lwork = max_int(query_size(q1), query_size(q2));
    if (!(work = alloc_work(lwork)))
        goto done;
    size_t item = nd_dtype_itemsize(rt);
    for (int64_t b = 0; b < s.count; b++, stack_next(&s)) {
        copy_matrix(m, n, wa, col_major(m), ND_FLOAT64, a->data + s.offset[0], core_layout(a),
                    a->dtype);
        dgeqrf_(&im, &in, wa, &lda, tau, work, &lwork, &info);
        char *r = outs[1]->data + (size_t)(b * k * n) * item;
        copy_out(k, n, r, rt, wa, m);
        for (int64_t i = 1; i < k; i++) /* NumPy's triu */
            memset(r + (size_t)(i * n) * item, 0, (size_t)(i < n ? i : n) * item);
        dorgqr_(&im, &ik, &ik, wa, &lda, tau, work, &lwork, &info);
        copy_out(m, k, outs[0]->data + (size_t)(b * m * k) * item, rt, wa, m);
    }
    status = 0;
done:
    free(wa);
    free(tau);
    free(work);
    if (status < 0) {
        free_all(outs, 2);
        return status;
    }
    *q_out = outs[0];
    *r_out = outs[1];
    return 0;
}

/* ------------------------------------------------------------------------ */
/* svd                                                                      */
/* ------------------------------------------------------------------------ */

/* gesdd's buffers for m x n matrices with jobz 'A' (full), 'S' (reduced)
 * or 'N' (singular values only). */
typedef struct svd_work {
    char jobz;
    // clang-format off
    int m, n, k;           /* k = min(m, n) */
    int ucols, vtrows;     /* U is m x ucols, VT is vtrows x n */
    // clang-format on
    int ldu, ldvt, lwork;
    double *a, *s, *u, *vt, *work;
    int *iwork;
} svd_work;

static void svd_work_free(svd_work *w)
{
    free(w->a);
    free(w->s);
    free(w->u);
    free(w->vt);
    free(w->work);
    free(w->iwork);
    memset(w, 0, sizeof *w);
}

static int svd_work_init(svd_work *w, char jobz, int64_t m, int64_t n)
{
    memset(w, 0, sizeof *w);
    if (check_lapack_dims(m, n) < 0)
        return ND_ERR_VALUE;
    w->jobz = jobz;
    w->m = (int)m;
    w->n = (int)n;
    w->k = w->m < w->n ? w->m : w->n;
    w->ucols = jobz == 'A' ? w->m : jobz == 'S' ? w->k : 0;
    w->vtrows = jobz == 'A' ? w->n : jobz == 'S' ? w->k : 0;
    w->ldu = max_int(w->m, 1);
    w->ldvt = max_int(w->vtrows, 1);
    w->a = alloc_work(m * n);
    w->s = alloc_work(w->k);
    w->u = alloc_work((int64_t)w->ldu * w->ucols);
    w->vt = alloc_work((int64_t)w->ldvt * w->n);
    w->iwork = alloc_ints(8 * (int64_t)w->k);
    if (!w->a || !w->s || !w->u || !w->vt || !w->iwork)
        goto fail;
    if (w->k > 0) {
        double query = 0;
        int lda = max_int(w->m, 1), lwork = -1, info = 0;
        dgesdd_(&w->jobz, &w->m, &w->n, w->a, &lda, w->s, w->u, &w->ldu, w->vt, &w->ldvt, &query,
                &lwork, w->iwork, &info, 1);
        w->lwork = query_size(query);
        if (!(w->work = alloc_work(w->lwork)))
            goto fail;
    }
    return 0;
fail:
    svd_work_free(w);
    return ND_ERR_MEMORY;
}

/* The SVD of the matrix in w->a (column-major, destroyed) into w->s, w->u,
 * w->vt. An empty matrix has no singular values and, as in NumPy, identity
 * matrices for U and VT. */
static int svd_run(svd_work *w)
{
    if (w->k == 0) {
        set_identity(w->u, w->m, w->ucols, w->ldu);
        set_identity(w->vt, w->vtrows, w->n, w->ldvt);
        return 0;
    }
    int lda = max_int(w->m, 1), info = 0;
    dgesdd_(&w->jobz, &w->m, &w->n, w->a, &lda, w->s, w->u, &w->ldu, w->vt, &w->ldvt, w->work,
            &w->lwork, w->iwork, &info, 1);
    if (info != 0)
        return nd_set_error(ND_ERR_VALUE, "SVD did not converge");
    return 0;
}

int nd_linalg_svd(const nd_array *a, bool full_matrices, nd_array **u_out, nd_array **s_out,
                  nd_array **vh_out)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, s_out);
    bool compute_uv = u_out || vh_out;
    if (u_out)
        *u_out = NULL;
    if (vh_out)
        *vh_out = NULL;
    *s_out = NULL;
    nd_dtype rt;
    if (check_stacked_2d(a) < 0)
        return ND_ERR_VALUE;
    if (result_type(a, NULL, &rt) < 0)
        return ND_ERR_TYPE;
    int64_t m = a->shape[a->ndim - 2], n = a->shape[a->ndim - 1];
    svd_work w;
    int status = svd_work_init(&w, !compute_uv ? 'N' : full_matrices ? 'A' : 'S', m, n);
    if (status < 0)
        return status;
    stack s;
    stack_init(&s, a, 2, NULL, 0);
    nd_array *outs[3] = {alloc_stacked(rt, &s, 1, w.k, 0),
                         compute_uv ? alloc_stacked(rt, &s, 2, m, w.ucols) : NULL,
                         compute_uv ? alloc_stacked(rt, &s, 2, w.vtrows, n) : NULL};
    status = ND_ERR_MEMORY;
    if (!outs[0] || (compute_uv && (!outs[1] || !outs[2])))
        goto done;
    size_t item = nd_dtype_itemsize(rt);
    for (int64_t b = 0; b < s.count; b++, stack_next(&s)) {
        copy_matrix(m, n, w.a, col_major(max_int(w.m, 1)), ND_FLOAT64, a->data + s.offset[0],
                    core_layout(a), a->dtype);
        if ((status = svd_run(&w)) < 0)
            goto done;
        copy_out(1, w.k, outs[0]->data + (size_t)(b * w.k) * item, rt, w.s, 1);
        if (compute_uv) {
            copy_out(m, w.ucols, outs[1]->data + (size_t)(b * m * w.ucols) * item, rt, w.u, w.ldu);
            copy_out(w.vtrows, n, outs[2]->data + (size_t)(b * w.vtrows * n) * item, rt, w.vt,
                     w.ldvt);
        }
    }
    status = 0;
done:
    svd_work_free(&w);
    if (status < 0) {
        free_all(outs, 3);
        return status;
    }
    *s_out = outs[0];
    if (u_out)
        *u_out = outs[1];
    else
        nd_free(outs[1]);
    if (vh_out)
        *vh_out = outs[2];
    else
        nd_free(outs[2]);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* eigh                                                                     */
/* ------------------------------------------------------------------------ */

int nd_linalg_eigh(const nd_array *a, nd_array **w_out, nd_array **v_out)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, w_out);
    *w_out = NULL;
    if (v_out)
        *v_out = NULL;
    nd_dtype rt;
    if (check_stacked_square(a) < 0)
        return ND_ERR_VALUE;
    if (result_type(a, NULL, &rt) < 0)
        return ND_ERR_TYPE;
    int64_t n = a->shape[a->ndim - 1];
    if (check_lapack_dims(n, n) < 0)
        return ND_ERR_VALUE;
    stack s;
    stack_init(&s, a, 2, NULL, 0);
    nd_array *outs[2] = {alloc_stacked(rt, &s, 1, n, 0),
                         v_out ? alloc_stacked(rt, &s, 2, n, n) : NULL};
    double *wa = alloc_work(n * n), *wv = alloc_work(n), *work = NULL;
    int *iwork = NULL, status = ND_ERR_MEMORY;
    if (!outs[0] || (v_out && !outs[1]) || !wa || !wv)
        goto done;
    if (n > 0 && s.count > 0) {
        /* NumPy's eigh_lo: syevd('L') reads A's lower triangle and returns
         * the eigenvalues ascending and the eigenvectors as A's columns. */
        char jobz = v_out ? 'V' : 'N';
        int nn = (int)n, lwork = -1, liwork = -1, iquery = 0, info = 0;
        double query = 0;
        dsyevd_(&jobz, "L", &nn, wa, &nn, wv, &query, &lwork, &iquery, &liwork, &info, 1, 1);
        lwork = query_size(query);
        liwork = max_int(iquery, 1);
        if (!(work = alloc_work(lwork)) || !(iwork = alloc_ints(liwork)))
            goto done;
        size_t item = nd_dtype_itemsize(rt);
        for (int64_t b = 0; b < s.count; b++, stack_next(&s)) {
            copy_matrix(n, n, wa, col_major(n), ND_FLOAT64, a->data + s.offset[0], core_layout(a),
                        a->dtype);
            dsyevd_(&jobz, "L", &nn, wa, &nn, wv, work, &lwork, iwork, &liwork, &info, 1, 1);
            if (info != 0) {
                status = nd_set_error(ND_ERR_VALUE, "Eigenvalues did not converge");
                goto done;
            }
            copy_out(1, n, outs[0]->data + (size_t)(b * n) * item, rt, wv, 1);
            if (v_out)
                copy_out(n, n, outs[1]->data + (size_t)(b * n * n) * item, rt, wa, n);
        }
    }
    status = 0;
done:
    free(wa);
    free(wv);
    free(work);
    free(iwork);
    if (status < 0) {
        free_all(outs, 2);
        return status;
    }
    *w_out = outs[0];
    if (v_out)
        *v_out = outs[1];
    return 0;
}

/* ------------------------------------------------------------------------ */
/* lstsq                                                                    */
/* ------------------------------------------------------------------------ */

/* NumPy's _assert_2d (lstsq takes no stacks). */
static int check_2d(const nd_array *a)
{
    if (a->ndim != 2)
        return nd_set_error(ND_ERR_VALUE,
                            "%d-dimensional array given. Array must be "
                            "two-dimensional",
                            a->ndim);
    return 0;
}

int nd_linalg_lstsq(const nd_array *a, const nd_array *b, double rcond, nd_array **x_out,
                    nd_array **residuals_out, int64_t *rank_out, nd_array **s_out)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, b, x_out);
    *x_out = NULL;
    if (residuals_out)
        *residuals_out = NULL;
    if (s_out)
        *s_out = NULL;
    /* A 1-D b is one right-hand side: solved as (m, 1), x returned as (n,). */
    bool b_vector = b->ndim == 1;
    if (check_2d(a) < 0 || (!b_vector && check_2d(b) < 0))
        return ND_ERR_VALUE;
    int64_t m = a->shape[0], n = a->shape[1];
    int64_t bm = b->shape[0], nrhs = b_vector ? 1 : b->shape[1];
    if (bm != m)
        return nd_set_error(ND_ERR_VALUE, "Incompatible dimensions");
    nd_dtype rt;
    if (result_type(a, b, &rt) < 0)
        return ND_ERR_TYPE;
    if (check_lapack_dims(m > n ? m : n, nrhs) < 0)
        return ND_ERR_VALUE;
    int64_t k = m < n ? m : n, ldb = m > n ? m : n;
    if (ldb < 1)
        ldb = 1;
    /* LAPACK cannot take nrhs = 0: NumPy solves for one zero column then
     * drops it (rank and s are still computed). */
    int64_t cols = nrhs > 0 ? nrhs : 1;
    int64_t xshape[2] = {n, nrhs};
    nd_array *x = nd_alloc_array(rt, b_vector ? 1 : 2, xshape);
    nd_array *sv = nd_alloc_array(rt, 1, &k);
    double *wa = alloc_work(m * n), *wb = alloc_work(ldb * cols), *ws = alloc_work(k);
    double *work = NULL;
    int *iwork = NULL, rank = 0, info = 0, status = ND_ERR_MEMORY;
    nd_array *resid = NULL;
    if (!x || !sv || !wa || !wb || !ws)
        goto done;
    memset(wb, 0, (size_t)(ldb * cols) * sizeof(double));
    copy_matrix(m, n, wa, col_major(max_int((int)m, 1)), ND_FLOAT64, a->data, core_layout(a),
                a->dtype);
    if (nrhs > 0)
        copy_matrix(m, nrhs, wb, col_major(ldb), ND_FLOAT64, b->data,
                    b_vector ? (layout){b->strides[0], 0} : core_layout(b), b->dtype);
    if (k > 0) {
        /* gelsd: the minimum-norm solution through a divide-and-conquer SVD;
         * singular values <= rcond * s_max count as zero. The default is
         * NumPy's finfo(float64).eps * max(m, n), float32 operands
         * included. */
        int im = (int)m, in = (int)n, ic = (int)cols, lda = max_int(im, 1), il = (int)ldb;
        int lwork = -1, iquery = 0;
        double query = 0, rc = rcond < 0 ? DBL_EPSILON * (double)(m > n ? m : n) : rcond;
        dgelsd_(&im, &in, &ic, wa, &lda, wb, &il, ws, &rc, &rank, &query, &lwork, &iquery, &info);
        lwork = query_size(query);
        if (!(work = alloc_work(lwork)) || !(iwork = alloc_ints(iquery)))
            goto done;
        dgelsd_(&im, &in, &ic, wa, &lda, wb, &il, ws, &rc, &rank, work, &lwork, iwork, &info);
        if (info != 0) {
            status = nd_set_error(ND_ERR_VALUE, "SVD did not converge in Linear Least Squares");
            goto done;
        }
    }
    /* x is the first n rows of B; with m == 0 LAPACK wrote nothing and x is 0
     * (the buffer was zeroed). */
    copy_out(n, nrhs, x->data, rt, wb, ldb);
    copy_out(1, k, sv->data, rt, ws, 1);
    /* Residuals: the squared norms of B's rows n..m-1 per column, given
     * only for a full-rank (rank == n) overdetermined (m > n) system;
     * summed in float64 as NumPy's, then rounded. */
    int64_t nres = rank == n && m > n ? nrhs : 0;
    if (!(resid = nd_alloc_array(rt, 1, &nres)))
        goto done;
    for (int64_t j = 0; j < nres; j++) {
        double acc = 0.0;
        for (int64_t i = n; i < m; i++)
            acc += wb[i + j * ldb] * wb[i + j * ldb];
        nd_store_double(rt, resid->data + j * (int64_t)nd_dtype_itemsize(rt), acc);
    }
    status = 0;
done:
    free(wa);
    free(wb);
    free(ws);
    free(work);
    free(iwork);
    if (status < 0) {
        nd_free(x);
        nd_free(sv);
        nd_free(resid);
        return status;
    }
    *x_out = x;
    if (rank_out)
        *rank_out = rank;
    if (residuals_out)
        *residuals_out = resid;
    else
        nd_free(resid);
    if (s_out)
        *s_out = sv;
    else
        nd_free(sv);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* norm                                                                     */
/* ------------------------------------------------------------------------ */

/*
 * norm is arithmetic on the elements, written here as loops over doubles.
 * NumPy computes float32 (and float16) norms in float32: squares, powers
 * and sums round to float32 at every step, so e.g. the square of 3e20
 * overflows to inf. rnd() replays that: an operation on two float32 values
 * done in double and rounded once to float32 gives exactly the float32
 * result (53 >= 2 * 24 + 2 bits). The exceptions are the norms of singular
 * values (ord 2, -2, nuc), whose SVD NumPy computes in float64 as every
 * other linalg function (svd_norm below).
 */
static double rnd(double x, bool single) { return single ? (double)(float)x : x; }

/* NumPy's pairwise summation (blocks of 8 accumulators up to 128
 * elements, halving above), so float32 sums err like NumPy's: O(log n). */
static double pairwise_sum(const double *v, int64_t n, bool single)
{
    if (n < 8) {
        double sum = 0.0;
        for (int64_t i = 0; i < n; i++)
            sum = rnd(sum + v[i], single);
        return sum;
    }
    if (n <= 128) {
        double r[8];
        memcpy(r, v, sizeof r);
        int64_t i = 8;
        for (; i < n - n % 8; i += 8)
            for (int j = 0; j < 8; j++)
                r[j] = rnd(r[j] + v[i + j], single);
        double sum = rnd(rnd(rnd(r[0] + r[1], single) + rnd(r[2] + r[3], single), single) +
                             rnd(rnd(r[4] + r[5], single) + rnd(r[6] + r[7], single), single),
                         single);
        for (; i < n; i++)
            sum = rnd(sum + v[i], single);
        return sum;
    }
    int64_t half = n / 2;
    half -= half % 8;
    return rnd(pairwise_sum(v, half, single) + pairwise_sum(v + half, n - half, single), single);
}

/* max (or min) of |v|, NaN winning as in numpy.maximum; n >= 1. */
static double abs_extreme(const double *v, int64_t n, bool want_max)
{
    double best = fabs(v[0]);
    for (int64_t i = 1; i < n; i++) {
        double x = fabs(v[i]);
        if (isnan(x) || (want_max ? x > best : x < best))
            best = isnan(best) ? best : x;
    }
    return best;
}

/* The ord argument: NULL, one of the names, or a number as text. */
typedef struct norm_order {
    enum { ORD_DEFAULT, ORD_FRO, ORD_NUC, ORD_NUMBER, ORD_TEXT } kind;
    double p; /* ORD_NUMBER */
    const char *text; /* as given, for the error messages */
} norm_order;

static norm_order parse_order(const char *ord)
{
    norm_order o = {ORD_DEFAULT, 2.0, ord};
    if (!ord)
        return o;
    if (!strcmp(ord, "fro") || !strcmp(ord, "f")) {
        o.kind = ORD_FRO;
        return o;
    }
    if (!strcmp(ord, "nuc")) {
        o.kind = ORD_NUC;
        return o;
    }
    char *end;
    o.p = strtod(ord, &end);
    o.kind = end != ord && *end == '\0' ? ORD_NUMBER : ORD_TEXT;
    return o;
}

/* "zero-size array to reduction operation maximum which has no identity" */
static int empty_extreme_error(bool want_max)
{
    return nd_set_error(ND_ERR_VALUE,
                        "zero-size array to reduction operation %s which has "
                        "no identity",
                        want_max ? "maximum" : "minimum");
}

/* The vector norm of n values (scratch holds n doubles). */
static double vector_norm(const double *v, int64_t n, const norm_order *o, bool single,
                          double *scratch)
{
    double p = o->kind == ORD_DEFAULT ? 2.0 : o->p;
    if (isinf(p))
        return abs_extreme(v, n, p > 0);
    if (p == 0) { /* the count of nonzeros (NaN included) */
        double count = 0;
        for (int64_t i = 0; i < n; i++)
            count += v[i] != 0;
        return rnd(count, single);
    }
    for (int64_t i = 0; i < n; i++) {
        double x = fabs(v[i]);
        scratch[i] = p == 1 ? x : p == 2 ? rnd(x * x, single) : rnd(pow(x, rnd(p, single)), single);
    }
    double sum = pairwise_sum(scratch, n, single);
    if (p == 1)
        return sum;
    if (p == 2)
        return rnd(sqrt(sum), single);
    return rnd(pow(sum, rnd(1.0 / p, single)), single);
}

/* The matrix norms that are sums and extremes, of the rows x cols matrix m
 * (row-major): 1 / -1 max / min over columns of the column sums of |m|,
 * inf / -inf the same over rows, fro the root of the sum of squares.
 * scratch holds rows * cols doubles plus rows + cols. */
static double matrix_norm(const double *m, int64_t rows, int64_t cols, const norm_order *o,
                          bool single, double *scratch)
{
    if (o->kind != ORD_NUMBER) { /* fro */
        for (int64_t i = 0; i < rows * cols; i++)
            scratch[i] = rnd(m[i] * m[i], single);
        return rnd(sqrt(pairwise_sum(scratch, rows * cols, single)), single);
    }
    bool by_columns = fabs(o->p) == 1;
    int64_t lines = by_columns ? cols : rows, len = by_columns ? rows : cols;
    double *sums = scratch + rows * cols, *line = sums + lines;
    for (int64_t l = 0; l < lines; l++) {
        for (int64_t i = 0; i < len; i++)
            line[i] = fabs(by_columns ? m[i * cols + l] : m[l * cols + i]);
        sums[l] = pairwise_sum(line, len, single);
    }
    return abs_extreme(sums, lines, o->p > 0);
}

/* The singular values of the rows x cols matrix m (row-major doubles),
 * reduced as ord says: 2 the largest, -2 the smallest, nuc their sum.
 * NumPy runs svd(x, compute_uv=False), which rounds the singular values to
 * float32 for a float32 x (single), then amax, amin or sum on them, the sum
 * pairwise in that dtype. scratch holds min(rows, cols) doubles. */
static int svd_norm(svd_work *w, const double *m, int64_t rows, int64_t cols, const norm_order *o,
                    bool single, double *scratch, double *result)
{
    copy_matrix(rows, cols, w->a, col_major(max_int(w->m, 1)), ND_FLOAT64, m,
                row_major(ND_FLOAT64, cols), ND_FLOAT64);
    int status = svd_run(w);
    if (status < 0)
        return status;
    /* gesdd sorts s descending: s[0] is the largest, s[k-1] the smallest. */
    if (o->kind != ORD_NUC) {
        *result = rnd(w->s[o->p > 0 ? 0 : w->k - 1], single);
        return 0;
    }
    for (int i = 0; i < w->k; i++)
        scratch[i] = rnd(w->s[i], single);
    *result = pairwise_sum(scratch, w->k, single);
    return 0;
}

/* Checks ord and the axes against NumPy's rules; *matrix says which kind
 * of norm the axes ask for. */
static int check_norm_args(const nd_array *x, const norm_order *o, int naxes, int *axes,
                           bool *matrix)
{
    if (naxes < 0 || naxes > 2)
        return nd_set_error(ND_ERR_VALUE, "Improper number of dimensions to norm.");
    *matrix = naxes == 2;
    if (naxes == 1) {
        if (o->kind != ORD_DEFAULT && o->kind != ORD_NUMBER)
            return nd_set_error(ND_ERR_VALUE, "Invalid norm order '%s' for vectors", o->text);
        return nd_normalize_axis(&axes[0], x->ndim);
    }
    if (nd_normalize_axis(&axes[0], x->ndim) < 0 || nd_normalize_axis(&axes[1], x->ndim) < 0)
        return ND_ERR_AXIS;
    if (axes[0] == axes[1])
        return nd_set_error(ND_ERR_VALUE, "Duplicate axes given.");
    double p = o->p;
    if (o->kind == ORD_TEXT ||
        (o->kind == ORD_NUMBER && p != 1 && p != -1 && p != 2 && p != -2 && !isinf(p)))
        return nd_set_error(ND_ERR_VALUE, "Invalid norm order for matrices.");
    return 0;
}

nd_array *nd_linalg_norm(const nd_array *x, const char *ord, int naxes, const int *axes_in,
                         bool keepdims)
{
    ND_CHECK_NOT_NULL(NULL, x);
    ND_CHECK_LIST(NULL, naxes, axes_in);
    norm_order o = parse_order(ord);
    int axes[2] = {0, 1};
    /* axis=None: the 2-norm of all elements when ord allows it (NumPy's
     * fast path: ord None, 'fro' on 2-D, 2 on 1-D); otherwise the axes are
     * all of x's, which must then be one (vector) or two (matrix). */
    bool flat = naxes == 0 && (o.kind == ORD_DEFAULT || (o.kind == ORD_FRO && x->ndim == 2) ||
                               (o.kind == ORD_NUMBER && o.p == 2 && x->ndim == 1));
    bool matrix = false;
    if (!flat) {
        if (naxes == 0) {
            naxes = x->ndim;
            if (naxes == 0) /* a 0-d x with an ord */
                naxes = -1;
        } else if (naxes <= 2) {
            memcpy(axes, axes_in, (size_t)naxes * sizeof(int));
        }
        if (check_norm_args(x, &o, naxes, axes, &matrix) < 0)
            return NULL;
    }

    /* Integers and bool are converted to float64 first, as NumPy does. */
    nd_dtype dt = nd_dtype_is_float(x->dtype) ? x->dtype : ND_FLOAT64;
    bool uses_svd = matrix && (o.kind == ORD_NUC || (o.kind == ORD_NUMBER && fabs(o.p) == 2));
    if (uses_svd && result_type(x, NULL, &dt) < 0)
        return NULL;

    /* The reduced axes move to the end; the copy as float64 then holds one
     * contiguous lane of `inner` values per output element. */
    int nred = flat ? x->ndim : naxes, perm[ND_MAXDIMS], nout = 0;
    int64_t out_shape[ND_MAXDIMS], outer = 1, inner = 1;
    bool reduced[ND_MAXDIMS] = {false};
    for (int i = 0; i < nred; i++)
        reduced[flat ? i : axes[i]] = true;
    for (int d = 0; d < x->ndim; d++) {
        if (!reduced[d]) {
            perm[nout] = d;
            out_shape[nout++] = x->shape[d];
            outer *= x->shape[d];
        }
    }
    for (int i = 0; i < nred; i++) {
        int d = flat ? i : axes[i];
        perm[nout + i] = d;
        inner *= x->shape[d];
    }
    int64_t rows = matrix ? x->shape[axes[0]] : inner, cols = matrix ? x->shape[axes[1]] : 1;
    if (keepdims) {
        for (int d = 0; d < x->ndim; d++)
            out_shape[d] = reduced[d] ? 1 : x->shape[d];
        nout = x->ndim;
    }

    /* numpy.max / numpy.min of an empty axis fail, whatever the rest. */
    if (o.kind == ORD_NUMBER && !matrix && isinf(o.p) && inner == 0) {
        empty_extreme_error(o.p > 0);
        return NULL;
    }
    if (matrix && o.kind == ORD_NUMBER) {
        bool want_max = o.p > 0;
        int64_t over = fabs(o.p) == 1 ? cols : isinf(o.p) ? rows : (rows < cols ? rows : cols);
        if (over == 0) {
            empty_extreme_error(want_max);
            return NULL;
        }
    }

    nd_array *out = nd_alloc_array(dt, nout, out_shape);
    nd_array *moved = out ? nd_transpose(x, perm) : NULL;
    nd_array *values = moved ? nd_astype(moved, ND_FLOAT64) : NULL;
    nd_free(moved);
    double *scratch = values ? alloc_work(inner + rows + cols) : NULL;
    svd_work w = {0};
    if (!scratch || (uses_svd && svd_work_init(&w, 'N', rows, cols) < 0))
        goto fail;
    bool single = dt != ND_FLOAT64;
    size_t item = nd_dtype_itemsize(out->dtype);
    for (int64_t l = 0; l < outer; l++) {
        const double *lane = (const double *)values->data + l * inner;
        double r;
        if (uses_svd) {
            if (svd_norm(&w, lane, rows, cols, &o, single, scratch, &r) < 0)
                goto fail;
        } else if (matrix) {
            r = matrix_norm(lane, rows, cols, &o, single, scratch);
        } else {
            r = vector_norm(lane, inner, &o, single, scratch);
        }
        nd_store_double(out->dtype, out->data + (size_t)l * item, r);
    }
    svd_work_free(&w);
    free(scratch);
    nd_free(values);
    return out;
fail:
    svd_work_free(&w);
    free(scratch);
    nd_free(values);
    nd_free(out);
    return NULL;
}
