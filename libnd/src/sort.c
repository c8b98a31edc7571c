/* Sorting and searching: sort, argsort, partition, argpartition, top-k,
 * unique, searchsorted.
 *
 * Every dtype is first mapped to an unsigned 64-bit *key* whose integer
 * order is NumPy's sort order:
 *   - unsigned ints and bool: the value;
 *   - signed ints of w bits: the value with its sign bit flipped (two's
 *     complement -> offset binary), within w bits;
 *   - floats (float16/bfloat16/float32 widened exactly to double): the bits
 *     with the sign bit set for positives and all bits flipped for
 *     negatives; -0.0 counts as +0.0 (they compare equal, so a stable sort
 *     keeps their order) and every NaN gets the largest key, so NaNs sort
 *     to the end in their original order, as NumPy's.
 * Then (key, index) pairs are sorted by an LSD radix sort, 8 bits a pass,
 * stable by construction: ties keep the lower index first (NumPy's
 * kind='stable', torch.topk's tie order). Passes over bytes that are the
 * same in every key are skipped, so int8 data takes one pass and float32
 * (whose widened mantissa ends in 29 zero bits) five. */
#include "nd_internal.h"

#include <math.h>
#include <stdlib.h>

/* ---- keys ------------------------------------------------------------------ */

static uint64_t double_key(double x)
{
    if (isnan(x))
        return UINT64_MAX;
    if (x == 0)
        x = 0.0; /* -0.0 == 0.0 */
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits >> 63 ? ~bits : bits | (UINT64_C(1) << 63);
}

#define KEY_BOOL(x) ((uint64_t)(x))
#define KEY_UINT(x) ((uint64_t)(x))
/* x + 2^(w-1) modulo 2^64, for a signed value of w bits: offset binary. */
#define KEY_INT(x) ((uint64_t)(int64_t)(x) + (UINT64_C(1) << (sizeof(x) * 8 - 1)))
#define KEY_HALF(x) double_key(nd_half_to_float(x))
#define KEY_BF16(x) double_key(nd_bfloat16_to_float(x))
#define KEY_FLOAT(x) double_key((double)(x))

/* keys[i] = key of the i-th of n elements `step` bytes apart. */
#define DEFINE_KEYS(name, ctype, family, ...)                                       \
    static void keys_##name(const char *p, int64_t step, int64_t n, uint64_t *keys) \
    {                                                                               \
        for (int64_t i = 0; i < n; i++, p += step) {                                \
            ctype x;                                                                \
            memcpy(&x, p, sizeof x);                                                \
            keys[i] = KEY_##family(x);                                              \
        }                                                                           \
    }
ND_FOR_EACH_DTYPE(DEFINE_KEYS, _)

typedef void (*keys_fn)(const char *p, int64_t step, int64_t n, uint64_t *keys);
#define KEYS_ENTRY(name, ...) keys_##name,
static const keys_fn keys_table[ND_NUM_DTYPES] = {ND_FOR_EACH_DTYPE(KEYS_ENTRY, _)};

/* ---- stable sort of (key, index) pairs --------------------------------------- */

typedef struct pair {
    uint64_t key;
    int64_t index;
} pair;

static void insertion_sort(pair *p, int64_t n)
{
    for (int64_t i = 1; i < n; i++) {
        pair x = p[i];
        int64_t j = i;
        for (; j > 0 && p[j - 1].key > x.key; j--) /* strict: stable */
            p[j] = p[j - 1];
        p[j] = x;
    }
}

/* How many low bytes of a dtype's keys can differ: the storage width of
 * integers and bool (1 for int8: a single counting pass), 8 for floats. */
static int key_bytes(nd_dtype dt) { return nd_dtype_is_float(dt) ? 8 : (int)nd_dtype_itemsize(dt); }

/* Sorts p[0..n) by key, stably; tmp has room for n pairs. Only the low
 * `nbytes` bytes of the keys may differ. Returns the buffer (p or tmp)
 * that holds the result. */
static pair *sort_pairs(pair *p, pair *tmp, int64_t n, int nbytes)
{
    if (n <= 32) {
        insertion_sort(p, n);
        return p;
    }
    /* All byte histograms in one pass. */
    static _Thread_local int64_t count[8][256];
    memset(count, 0, sizeof count);
    for (int64_t i = 0; i < n; i++)
        for (int b = 0; b < nbytes; b++)
            count[b][(p[i].key >> (8 * b)) & 0xff]++;
    for (int b = 0; b < nbytes; b++) {
        int64_t *c = count[b];
        if (c[(p[0].key >> (8 * b)) & 0xff] == n)
            continue; /* every key has the same byte here */
        int64_t sum = 0;
        for (int v = 0; v < 256; v++) { /* counts -> starting positions */
            int64_t k = c[v];
            c[v] = sum;
            sum += k;
        }
        for (int64_t i = 0; i < n; i++)
            tmp[c[(p[i].key >> (8 * b)) & 0xff]++] = p[i];
        pair *swap = p;
        p = tmp;
        tmp = swap;
    }
    return p;
}

/* Rearranges p[lo..hi) so that p[k] holds the pair a full sort would put
 * there, nothing after it has a smaller key and nothing before a larger
 * one (quickselect with a median-of-3 pivot and a three-way split, so
 * runs of equal keys cost nothing; after 64 rounds the rest is sorted). */
static void select_pairs(pair *p, pair *tmp, int64_t lo, int64_t hi, int64_t k)
{
    for (int round = 0; hi - lo > 32; round++) {
        if (round == 64)
            break;
        uint64_t a = p[lo].key, b = p[lo + (hi - lo) / 2].key, c = p[hi - 1].key;
        uint64_t pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        /* Dutch flag: [lo, lt) < pivot, [lt, i) == pivot, (gt, hi) > pivot. */
        int64_t lt = lo, i = lo, gt = hi - 1;
        while (i <= gt) {
            if (p[i].key < pivot) {
                pair t = p[lt];
                p[lt++] = p[i];
                p[i++] = t;
            } else if (p[i].key > pivot) {
                pair t = p[gt];
                p[gt--] = p[i];
                p[i] = t;
            } else {
                i++;
            }
        }
        if (k < lt)
            hi = lt;
        else if (k > gt)
            lo = gt + 1;
        else
            return;
    }
    pair *sorted = sort_pairs(p + lo, tmp, hi - lo, 8);
    if (sorted != p + lo)
        memcpy(p + lo, sorted, (size_t)(hi - lo) * sizeof *p);
}

/* ---- the lane driver ------------------------------------------------------- */

/* What to do with each 1-D lane along the axis. */
typedef enum lane_op { LANE_SORT, LANE_PARTITION } lane_op;

typedef struct lane_job {
    lane_op op;
    // clang-format off
    bool descending;           /* keys complemented: largest first (top-k) */
    int64_t out_length;        /* elements written per lane (k for top-k) */
    int nkth;                  /* LANE_PARTITION: sorted, non-negative kth */
    const int64_t *kth;
    nd_array *values;          /* outputs (either may be NULL), C-contiguous, */
    nd_array *indices;         /* a's shape with out_length along axis */
    // clang-format on
} lane_job;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        nd_set_error(ND_ERR_MEMORY, "out of memory");
    return p;
}

/* The byte offset of each lane's first element (lanes in C order of the
 * other axes) for an array x of the given shape and strides. */
static void lane_offsets(int ndim, const int64_t *shape, const int64_t *strides, int axis,
                         int64_t *offsets, int64_t nlanes)
{
    int64_t index[ND_MAXDIMS] = {0}, offset = 0;
    for (int64_t j = 0; j < nlanes; j++) {
        offsets[j] = offset;
        for (int d = ndim - 1; d >= 0; d--) {
            if (d == axis)
                continue;
            offset += strides[d];
            if (++index[d] < shape[d])
                break;
            offset -= strides[d] * shape[d];
            index[d] = 0;
        }
    }
}

static int run_lanes(const nd_array *a, int axis, const lane_job *job)
{
    int64_t n = a->shape[axis], nlanes = 1;
    for (int d = 0; d < a->ndim; d++)
        if (d != axis)
            nlanes *= a->shape[d];
    if (nlanes == 0 || job->out_length == 0)
        return 0;
    int64_t *in_at = xmalloc((size_t)nlanes * sizeof *in_at);
    int64_t *out_at = xmalloc((size_t)nlanes * sizeof *out_at);
    uint64_t *keys = xmalloc((size_t)n * sizeof *keys);
    pair *pairs = xmalloc((size_t)n * sizeof *pairs), *tmp = xmalloc((size_t)n * sizeof *tmp);
    int status = 0;
    if (!in_at || !out_at || !keys || !pairs || !tmp) {
        status = ND_ERR_MEMORY;
        goto done;
    }
    const nd_array *out = job->values ? job->values : job->indices;
    lane_offsets(a->ndim, a->shape, a->strides, axis, in_at, nlanes);
    /* Outputs are C-contiguous of one shape: their lanes sit at the same
     * element positions, so one offset list (in elements) serves both. */
    int64_t out_strides[ND_MAXDIMS];
    nd_c_strides(1, out->ndim, out->shape, out_strides);
    lane_offsets(out->ndim, out->shape, out_strides, axis, out_at, nlanes);
    int64_t out_step = out_strides[axis];
    size_t item = nd_itemsize(a);
    keys_fn load_keys = keys_table[a->dtype];
    for (int64_t lane = 0; lane < nlanes; lane++) {
        const char *src = a->data + in_at[lane];
        load_keys(src, a->strides[axis], n, keys);
        for (int64_t i = 0; i < n; i++)
            pairs[i] = (pair){job->descending ? ~keys[i] : keys[i], i};
        pair *order = pairs;
        if (job->op == LANE_SORT) {
            /* (complemented keys keep their high bytes equal: all ones) */
            order = sort_pairs(pairs, tmp, n, key_bytes(a->dtype));
        } else {
            int64_t lo = 0;
            for (int t = 0; t < job->nkth; t++) {
                select_pairs(pairs, tmp, lo, n, job->kth[t]);
                lo = job->kth[t] + 1; /* later kths select from here on */
            }
        }
        for (int64_t j = 0; j < job->out_length; j++) {
            int64_t at = out_at[lane] + j * out_step;
            if (job->values)
                memcpy(job->values->data + (size_t)at * item,
                       src + order[j].index * a->strides[axis], item);
            if (job->indices)
                ((int64_t *)job->indices->data)[at] = order[j].index;
        }
    }
done:
    free(in_at);
    free(out_at);
    free(keys);
    free(pairs);
    free(tmp);
    return status;
}

/* Runs a job on a along axis into new outputs (values of a's dtype and/or
 * int64 indices) of a's shape with out_length along the axis. */
static int lanes_to_new(const nd_array *a, int axis, lane_job *job, nd_array **values,
                        nd_array **indices)
{
    int64_t shape[ND_MAXDIMS];
    memcpy(shape, a->shape, sizeof shape);
    shape[axis] = job->out_length;
    job->values = values ? nd_alloc_array(a->dtype, a->ndim, shape) : NULL;
    job->indices = indices ? nd_alloc_array(ND_INT64, a->ndim, shape) : NULL;
    if ((values && !job->values) || (indices && !job->indices) || run_lanes(a, axis, job) < 0) {
        nd_free(job->values);
        nd_free(job->indices);
        return nd_last_status();
    }
    if (values)
        *values = job->values;
    if (indices)
        *indices = job->indices;
    return 0;
}

/* ---- sort, argsort ----------------------------------------------------------- */

static nd_array *sort_common(const nd_array *a, int axis, bool want_indices)
{
    ND_CHECK_NOT_NULL_AS(want_indices ? "argsort" : "sort", NULL, a);
    if (nd_normalize_axis(&axis, a->ndim) < 0)
        return NULL;
    lane_job job = {.op = LANE_SORT, .out_length = a->shape[axis]};
    nd_array *out = NULL;
    lanes_to_new(a, axis, &job, want_indices ? NULL : &out, want_indices ? &out : NULL);
    return out;
}

nd_array *nd_sort(const nd_array *a, int axis) { return sort_common(a, axis, false); }

nd_array *nd_argsort(const nd_array *a, int axis)
{
    ND_CHECK_NOT_NULL(NULL, a);
    nd_array v = nd_at_least_1d(a);
    return sort_common(&v, axis, true);
}

/* ---- partition ------------------------------------------------------------- */

static int compare_int64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static nd_array *partition_common(const nd_array *a, int nkth, const int64_t *kth, int axis,
                                  bool want_indices)
{
    if (nd_normalize_axis(&axis, a->ndim) < 0)
        return NULL;
    if (nkth < 1 || !kth) {
        nd_set_error(ND_ERR_VALUE, "partition: at least one kth is needed");
        return NULL;
    }
    int64_t n = a->shape[axis];
    int64_t *ks = xmalloc((size_t)nkth * sizeof *ks);
    if (!ks)
        return NULL;
    for (int t = 0; t < nkth; t++) {
        int64_t k = kth[t] < 0 ? kth[t] + n : kth[t];
        if ((k < 0 || k >= n) && nd_size(a) > 0) { /* NumPy skips the check when empty */
            nd_set_error(ND_ERR_VALUE, "kth(=%lld) out of bounds (%lld)", (long long)k,
                         (long long)n);
            free(ks);
            return NULL;
        }
        ks[t] = k;
    }
    qsort(ks, (size_t)nkth, sizeof *ks, compare_int64);
    lane_job job = {.op = LANE_PARTITION, .out_length = n, .nkth = nkth, .kth = ks};
    nd_array *out = NULL;
    lanes_to_new(a, axis, &job, want_indices ? NULL : &out, want_indices ? &out : NULL);
    free(ks);
    return out;
}

nd_array *nd_partition(const nd_array *a, int nkth, const int64_t *kth, int axis)
{
    ND_CHECK_NOT_NULL(NULL, a, kth);
    return partition_common(a, nkth, kth, axis, false);
}

nd_array *nd_argpartition(const nd_array *a, int nkth, const int64_t *kth, int axis)
{
    ND_CHECK_NOT_NULL(NULL, a, kth);
    nd_array v = nd_at_least_1d(a);
    return partition_common(&v, nkth, kth, axis, true);
}

/* ---- top-k ----------------------------------------------------------------- */

int nd_topk(const nd_array *a, int64_t k, int axis, bool largest, nd_array **values,
            nd_array **indices)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, values, indices);
    if (!values || !indices)
        return nd_set_error(ND_ERR_VALUE, "topk: values and indices must not be NULL");
    nd_array v = nd_at_least_1d(a); /* torch treats a 0-d tensor as one element */
    if (nd_normalize_axis(&axis, v.ndim) < 0)
        return ND_ERR_AXIS;
    if (k < 0 || k > v.shape[axis])
        return nd_set_error(ND_ERR_INDEX, "selected index k out of range");
    /* Largest first: sort complemented keys. Stability keeps ties in index
     * order either way, and NaN (the largest key) leads, as in torch. */
    lane_job job = {.op = LANE_SORT, .descending = largest, .out_length = k};
    nd_array *vals = NULL, *idx = NULL;
    int status = lanes_to_new(&v, axis, &job, &vals, &idx);
    if (status < 0)
        return status;
    if (a->ndim == 0) { /* back to 0-d */
        nd_array *v0 = nd_reshape(vals, 0, NULL), *i0 = nd_reshape(idx, 0, NULL);
        nd_free(vals);
        nd_free(idx);
        if (!v0 || !i0) {
            nd_free(v0);
            nd_free(i0);
            return nd_last_status();
        }
        vals = v0;
        idx = i0;
    }
    *values = vals;
    *indices = idx;
    return 0;
}

/* ---- unique ---------------------------------------------------------------- */

int nd_unique(const nd_array *a, nd_array **values, nd_array **counts, nd_array **inverse)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, values);
    if (!values)
        return nd_set_error(ND_ERR_VALUE, "unique: values must not be NULL");
    nd_array *flat = nd_ravel(a);
    int64_t n = nd_size(a);
    uint64_t *keys = xmalloc((size_t)n * sizeof *keys);
    pair *pairs = xmalloc((size_t)n * sizeof *pairs), *tmp = xmalloc((size_t)n * sizeof *tmp);
    int64_t *run_start = xmalloc((size_t)n * sizeof *run_start);
    nd_array *vals = NULL, *cnts = NULL, *inv = NULL;
    int status = 0;
    if (!flat || !keys || !pairs || !tmp || !run_start) {
        status = nd_last_status();
        goto done;
    }
    keys_table[a->dtype](flat->data, (int64_t)nd_itemsize(a), n, keys);
    for (int64_t i = 0; i < n; i++)
        pairs[i] = (pair){keys[i], i};
    pair *order = sort_pairs(pairs, tmp, n, key_bytes(a->dtype));
    /* Runs of equal keys; all NaNs share one key, so they collapse into one
     * (NumPy 1.24's equal_nan=True). inverse maps each element to its run. */
    int64_t nruns = 0;
    int64_t *inv_data = NULL;
    if (inverse) {
        if (!(inv = nd_alloc_array(ND_INT64, 1, &n))) {
            status = nd_last_status();
            goto done;
        }
        inv_data = (int64_t *)inv->data;
    }
    for (int64_t j = 0; j < n; j++) {
        if (j == 0 || order[j].key != order[j - 1].key)
            run_start[nruns++] = j;
        if (inv_data)
            inv_data[order[j].index] = nruns - 1;
    }
    vals = nd_alloc_array(a->dtype, 1, &nruns);
    cnts = counts ? nd_alloc_array(ND_INT64, 1, &nruns) : NULL;
    if (!vals || (counts && !cnts)) {
        status = nd_last_status();
        goto done;
    }
    size_t item = nd_itemsize(a);
    for (int64_t r = 0; r < nruns; r++) {
        memcpy(vals->data + (size_t)r * item, flat->data + (size_t)order[run_start[r]].index * item,
               item);
        if (cnts)
            ((int64_t *)cnts->data)[r] = (r + 1 < nruns ? run_start[r + 1] : n) - run_start[r];
    }
done:
    if (status < 0) {
        nd_free(vals);
        nd_free(cnts);
        nd_free(inv);
    } else {
        *values = vals;
        if (counts)
            *counts = cnts;
        if (inverse)
            *inverse = inv;
    }
    nd_free(flat);
    free(keys);
    free(pairs);
    free(tmp);
    free(run_start);
    return status;
}

/* ---- searchsorted ---------------------------------------------------------- */

nd_array *nd_searchsorted(const nd_array *a, const nd_array *v, nd_side side)
{
    ND_CHECK_NOT_NULL(NULL, a, v);
    if (a->ndim != 1) {
        nd_set_error(ND_ERR_VALUE, a->ndim == 0 ? "object of too small depth for desired array"
                                                : "object too deep for desired array");
        return NULL;
    }
    if (side != ND_SIDE_LEFT && side != ND_SIDE_RIGHT) {
        nd_set_error(ND_ERR_VALUE, "side must be 'left' or 'right'");
        return NULL;
    }
    /* Both sides are compared in their common dtype, as NumPy converts them. */
    nd_dtype common = nd_result_type(a->dtype, v->dtype);
    nd_array *ca = nd_astype(a, common), *cv = nd_astype(v, common);
    nd_array *out = nd_alloc_array(ND_INT64, v->ndim, v->shape);
    int64_t n = a->shape[0], m = nd_size(v);
    uint64_t *akeys = xmalloc((size_t)n * sizeof *akeys),
             *vkeys = xmalloc((size_t)m * sizeof *vkeys);
    if (!ca || !cv || !out || !akeys || !vkeys) {
        nd_free(out);
        out = NULL;
        goto done;
    }
    int64_t item = (int64_t)nd_dtype_itemsize(common);
    keys_table[common](ca->data, item, n, akeys);
    keys_table[common](cv->data, item, m, vkeys);
    int64_t *result = (int64_t *)out->data;
    for (int64_t j = 0; j < m; j++) {
        /* The first i with a[i] >= v (left) or a[i] > v (right). */
        int64_t lo = 0, hi = n;
        uint64_t key = vkeys[j];
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2;
            bool before = side == ND_SIDE_LEFT ? akeys[mid] < key : akeys[mid] <= key;
            if (before)
                lo = mid + 1;
            else
                hi = mid;
        }
        result[j] = lo;
    }
done:
    nd_free(ca);
    nd_free(cv);
    free(akeys);
    free(vkeys);
    return out;
}
