/*
 * The elementwise engine, NumPy's ufunc machinery in miniature.
 *
 * Two halves:
 *  - nd_execute() runs one inner loop over a broadcast iteration space: it
 *    drops size-1 axes, orders axes by memory layout, merges axes that are
 *    contiguous in every operand (so a contiguous array of any rank is one
 *    loop call), casts operands whose dtype is not the loop's through small
 *    per-thread buffers, and splits large work across the thread pool.
 *  - nd_ufunc_call() is the front end every public op goes through: it
 *    broadcasts the operands, resolves dtypes as NumPy does, checks or
 *    allocates the output and deals with aliasing, then builds the plan.
 *
 * The copy walker in copy.c is the one-operand special case of the same
 * walk and stays separate because a cast needs no inner loop table.
 */
#include "ufunc.h"

#include <stdlib.h>

/* Elements per cast buffer. Small enough that all buffers of a call stay in
 * L1/L2, large enough that the inner loop's call overhead vanishes. */
#define BUFFER_ELEMENTS 1024
/* Below this many elements per thread, waking a second thread costs more
 * than it saves: a wake-up costs microseconds, the time a core takes to
 * stream tens of thousands of elements. */
#define MIN_ELEMENTS_PER_THREAD 65536

/* ---- axis order and coalescing -------------------------------------------- */

static int64_t abs64(int64_t x) { return x < 0 ? -x : x; }

/* Should axis `inner` be iterated outside axis `outer`? As NumPy's nditer
 * (npyiter_find_best_axis_ordering): every operand with nonzero strides on
 * both axes has a say, and the swap happens only if all of them want it:
 * one operand that is fine with the C order (|inner stride| <= |outer
 * stride|) keeps it. So a.T + b, with a and b C-contiguous, is computed and
 * allocated in C order, as NumPy returns it. */
static bool should_swap(int nop, const int64_t (*strides)[ND_MAXDIMS], int outer, int inner)
{
    bool swap = false;
    for (int i = 0; i < nop; i++) {
        int64_t so = strides[i][outer], si = strides[i][inner];
        if (so != 0 && si != 0) {
            if (abs64(si) <= abs64(so))
                return false;
            swap = true;
        }
    }
    return swap;
}

void nd_best_axis_order(int nop, int ndim, const int64_t (*strides)[ND_MAXDIMS], int *perm)
{
    for (int i = 0; i < ndim; i++)
        perm[i] = i;
    /* Insertion sort: stable, so ties keep C order. */
    for (int i = 1; i < ndim; i++) {
        int axis = perm[i], j = i;
        while (j > 0 && should_swap(nop, strides, perm[j - 1], axis)) {
            perm[j] = perm[j - 1];
            j--;
        }
        perm[j] = axis;
    }
}

/* Rewrites the plan's geometry in place: no size-1 axes, best order, merged
 * runs. Returns false if the iteration space is empty. */
static bool simplify(nd_loop_plan *p)
{
    int64_t shape[ND_MAXDIMS], strides[ND_MAX_OPERANDS][ND_MAXDIMS];
    int n = 0;
    for (int d = 0; d < p->ndim; d++) {
        if (p->shape[d] == 0)
            return false;
        if (p->shape[d] == 1)
            continue;
        shape[n] = p->shape[d];
        for (int i = 0; i < p->nop; i++)
            strides[i][n] = p->strides[i][d];
        n++;
    }
    int perm[ND_MAXDIMS];
    nd_best_axis_order(p->nop, n, (const int64_t(*)[ND_MAXDIMS])strides, perm);
    int m = 0;
    for (int k = 0; k < n; k++) {
        int d = perm[k];
        bool merge = m > 0;
        for (int i = 0; i < p->nop && merge; i++)
            merge = p->strides[i][m - 1] == strides[i][d] * shape[d];
        if (merge) {
            p->shape[m - 1] *= shape[d];
            for (int i = 0; i < p->nop; i++)
                p->strides[i][m - 1] = strides[i][d];
            continue;
        }
        p->shape[m] = shape[d];
        for (int i = 0; i < p->nop; i++)
            p->strides[i][m] = strides[i][d];
        m++;
    }
    p->ndim = m;
    return true;
}

/* ---- running the nest ------------------------------------------------------- */

/* Runs the loop over the inner axis starting at data[], through cast buffers
 * where an operand's dtype is not the loop's. */
static void run_inner(const nd_loop_plan *p, char **data, int64_t n,
                      char (*buffers)[BUFFER_ELEMENTS * 8], const nd_cast_loop *to_loop,
                      const nd_cast_loop *from_loop, bool buffered)
{
    int nop = p->nop;
    int64_t inner_steps[ND_MAX_OPERANDS];
    for (int i = 0; i < nop; i++)
        inner_steps[i] = p->ndim > 0 ? p->strides[i][p->ndim - 1] : 0;
    if (!buffered) {
        p->loop(data, &n, inner_steps, p->loop_data);
        return;
    }
    char *args[ND_MAX_OPERANDS];
    int64_t steps[ND_MAX_OPERANDS];
    for (int64_t done = 0; done < n; done += BUFFER_ELEMENTS) {
        int64_t len = n - done < BUFFER_ELEMENTS ? n - done : BUFFER_ELEMENTS;
        for (int i = 0; i < nop; i++) {
            char *at = data[i] + done * inner_steps[i];
            if (!to_loop[i] && !from_loop[i]) {
                args[i] = at;
                steps[i] = inner_steps[i];
                continue;
            }
            args[i] = buffers[i];
            steps[i] = (int64_t)nd_dtype_itemsize(p->loop_dtypes[i]);
            if (i < p->nin)
                to_loop[i](at, inner_steps[i], buffers[i], steps[i], len);
        }
        p->loop(args, &len, steps, p->loop_data);
        for (int i = p->nin; i < nop; i++)
            if (from_loop[i])
                from_loop[i](buffers[i], steps[i], data[i] + done * inner_steps[i], inner_steps[i],
                             len);
    }
}

/* Tiles of TILE_ROWS x TILE_COLS elements for the two innermost axes: 16
 * rows, so that an operand read across the grain uses all 16 floats of
 * each cache line it loads; columns long enough that the inner loop's call
 * overhead stays small. */
#define TILE_ROWS 16
#define TILE_COLS 512

/* Is some operand read across the grain: a nonzero inner stride wider than
 * a cache line, and a smaller stride on the next axis out? */
static bool wants_tiles(const nd_loop_plan *p, const int64_t *shape)
{
    int inner = p->ndim - 1, outer = p->ndim - 2;
    if (shape[inner] < 2 * TILE_ROWS || shape[outer] < 2 * TILE_ROWS)
        return false;
    for (int i = 0; i < p->nop; i++) {
        int64_t si = abs64(p->strides[i][inner]), so = abs64(p->strides[i][outer]);
        if (si > 64 && so != 0 && so < si)
            return true;
    }
    return false;
}

/* Rows [r0, r1) x columns [c0, c0 + len) of the two innermost axes. */
typedef struct tile {
    int64_t r0, r1, c0, len;
} tile;

/* Part `part` of `parts` of the prefetches for tile t, so that they spread
 * over the rows of the tile before it: of an operand read along its rows,
 * row r0 + part; of one read across the grain, a 1/parts share of the
 * columns (a cache line per column per 64 bytes of rows). Neither pattern
 * is one the hardware prefetcher follows in time: 16 runs of 2 KB that
 * restart every tile, or one line per row stride of the array (a.T + b at
 * one thread: 1.03x -> 1.5x NumPy). Prefetches never fault, and all these
 * addresses are elements of the operands anyway. */
static void prefetch_tile_part(const nd_loop_plan *p, char *const *data, tile t, int64_t part,
                               int64_t parts)
{
    int inner = p->ndim - 1, outer = p->ndim - 2;
    for (int i = 0; i < p->nop; i++) {
        int64_t si = p->strides[i][inner], so = p->strides[i][outer];
        if (abs64(si) > 64) {
            int64_t share = (t.len + parts - 1) / parts, k0 = t.c0 + part * share;
            int64_t k1 = k0 + share < t.c0 + t.len ? k0 + share : t.c0 + t.len;
            int64_t row_step = so == 0 ? t.r1 - t.r0 : abs64(so) < 64 ? 64 / abs64(so) : 1;
            for (int64_t k = k0; k < k1; k++) {
                for (int64_t r = t.r0; r < t.r1; r += row_step)
                    __builtin_prefetch(data[i] + r * so + k * si);
                __builtin_prefetch(data[i] + (t.r1 - 1) * so + k * si);
            }
        } else if (si != 0 && part < t.r1 - t.r0) {
            int64_t first = si > 0 ? t.c0 : t.c0 + t.len - 1;
            const char *run = data[i] + (t.r0 + part) * so + first * si;
            for (int64_t b = 0; b < t.len * abs64(si); b += 64)
                __builtin_prefetch(run + b);
        }
    }
}

static void run_tiles(const nd_loop_plan *p, char *const *data, int64_t rows, int64_t cols,
                      char (*buffers)[BUFFER_ELEMENTS * 8], const nd_cast_loop *to_loop,
                      const nd_cast_loop *from_loop, bool buffered)
{
    int inner = p->ndim - 1, outer = p->ndim - 2;
    char *at[ND_MAX_OPERANDS];
    for (int64_t r0 = 0; r0 < rows; r0 += TILE_ROWS)
        for (int64_t c0 = 0; c0 < cols; c0 += TILE_COLS) {
            tile now = {r0, r0 + TILE_ROWS < rows ? r0 + TILE_ROWS : rows, c0,
                        c0 + TILE_COLS < cols ? TILE_COLS : cols - c0};
            /* The next tile: further along these rows, else the next rows. */
            tile next = now;
            if (c0 + TILE_COLS < cols)
                next.c0 = c0 + TILE_COLS;
            else
                next.r0 = now.r1, next.c0 = 0;
            next.r1 = next.r0 + TILE_ROWS < rows ? next.r0 + TILE_ROWS : rows;
            next.len = next.c0 + TILE_COLS < cols ? TILE_COLS : cols - next.c0;
            for (int64_t r = now.r0; r < now.r1; r++) {
                if (next.r0 < rows)
                    prefetch_tile_part(p, data, next, r - now.r0, now.r1 - now.r0);
                for (int i = 0; i < p->nop; i++)
                    at[i] = data[i] + r * p->strides[i][outer] + c0 * p->strides[i][inner];
                run_inner(p, at, now.len, buffers, to_loop, from_loop, buffered);
            }
        }
}

/* Walks the outer axes like an odometer, calling run_inner per inner run.
 * `split` is the axis handed out in pieces, [begin, end) of it here. */
static void run_nest(const nd_loop_plan *p, int split, int64_t begin, int64_t end)
{
    _Alignas(64) char buffers[ND_MAX_OPERANDS][BUFFER_ELEMENTS * 8];
    nd_cast_loop to_loop[ND_MAX_OPERANDS] = {0}, from_loop[ND_MAX_OPERANDS] = {0};
    bool buffered = false;
    for (int i = 0; i < p->nop; i++) {
        /* An input read with a gap between elements (a column, a transposed
         * view) is gathered into a contiguous buffer too: the copy is cheap
         * and the op's loop then runs its vectorized contiguous branch. */
        int64_t inner_step = p->ndim > 0 ? p->strides[i][p->ndim - 1] : 0;
        bool gather = i < p->nin && !p->reduce && inner_step != 0 &&
                      inner_step != (int64_t)nd_dtype_itemsize(p->dtypes[i]);
        if (p->dtypes[i] == p->loop_dtypes[i] && !gather)
            continue;
        buffered = true;
        if (i < p->nin)
            to_loop[i] = nd_get_cast_loop(p->dtypes[i], p->loop_dtypes[i]);
        else
            from_loop[i] = nd_get_cast_loop(p->loop_dtypes[i], p->dtypes[i]);
    }

    int ndim = p->ndim;
    int64_t shape[ND_MAXDIMS];
    char *data[ND_MAX_OPERANDS];
    for (int d = 0; d < ndim; d++)
        shape[d] = p->shape[d];
    for (int i = 0; i < p->nop; i++)
        data[i] = p->data[i];
    if (ndim == 0) {
        run_inner(p, data, 1, buffers, to_loop, from_loop, buffered);
        return;
    }
    shape[split] = end - begin;
    for (int i = 0; i < p->nop; i++)
        data[i] += begin * p->strides[i][split];

    /* With a transposed operand (a.T + b), the two innermost axes are
     * walked in tiles of TILE_ROWS rows, so each cache line the operand
     * read across its rows loads serves TILE_ROWS elements, not one. */
    bool tiled = ndim >= 2 && wants_tiles(p, shape);
    int outer_dims = tiled ? ndim - 2 : ndim - 1;
    int64_t index[ND_MAXDIMS] = {0};
    for (;;) {
        if (tiled)
            run_tiles(p, data, shape[ndim - 2], shape[ndim - 1], buffers, to_loop, from_loop,
                      buffered);
        else
            run_inner(p, data, shape[ndim - 1], buffers, to_loop, from_loop, buffered);
        int d = outer_dims - 1;
        for (; d >= 0; d--) {
            for (int i = 0; i < p->nop; i++)
                data[i] += p->strides[i][d];
            if (++index[d] < shape[d])
                break;
            for (int i = 0; i < p->nop; i++)
                data[i] -= p->strides[i][d] * shape[d];
            index[d] = 0;
        }
        if (d < 0)
            return;
    }
}

typedef struct split_task {
    const nd_loop_plan *plan;
    int axis;
} split_task;

static void run_split_piece(void *ctx, int64_t begin, int64_t end)
{
    const split_task *task = ctx;
    run_nest(task->plan, task->axis, begin, end);
}

/* The outermost axis worth splitting: long enough to give every thread a
 * piece, and (for a reduction) one along which the output moves, so that no
 * two threads add into the same accumulator. -1 if none. */
static int choose_split_axis(const nd_loop_plan *p)
{
    int threads = nd_get_num_threads();
    int best = -1;
    for (int d = 0; d < p->ndim; d++) {
        if (p->reduce && p->strides[p->nop - 1][d] == 0)
            continue;
        if (p->shape[d] >= threads)
            return d;
        if (best < 0 || p->shape[d] > p->shape[best])
            best = d;
    }
    return best;
}

int nd_execute(nd_loop_plan *p)
{
    if (!simplify(p))
        return 0;
    int64_t total = 1;
    for (int d = 0; d < p->ndim; d++)
        total *= p->shape[d];
    int split = p->ndim > 0 ? 0 : -1;
    if (!p->serial && total >= 2 * MIN_ELEMENTS_PER_THREAD && p->ndim > 0)
        split = choose_split_axis(p);
    if (split < 0 || p->serial || total < 2 * MIN_ELEMENTS_PER_THREAD) {
        run_nest(p, p->ndim > 0 ? 0 : -1, 0, p->ndim > 0 ? p->shape[0] : 1);
        return 0;
    }
    /* Each piece of the split axis carries total / shape[split] elements. */
    int64_t per_index = total / p->shape[split];
    int64_t min_indices = (MIN_ELEMENTS_PER_THREAD + per_index - 1) / per_index;
    split_task task = {p, split};
    nd_parallel_for(p->shape[split], min_indices, run_split_piece, &task);
    return 0;
}

/* ---- type resolution ------------------------------------------------------- */

nd_dtype nd_min_scalar_type(const nd_array *a)
{
    nd_dtype dt = a->dtype;
    if (dt == ND_BOOL)
        return ND_BOOL;
    if (nd_dtype_is_float(dt)) {
        double v = nd_load_double(dt, a->data);
        double m = v < 0 ? -v : v;
        /* NumPy checks range only, not precision; inf and NaN fit float16. */
        if (dt == ND_BFLOAT16 || !(m < 1e300) || m <= 65504.0)
            return dt == ND_BFLOAT16 ? ND_BFLOAT16 : ND_FLOAT16;
        if (m <= 3.4028234663852886e38 || dt == ND_FLOAT32)
            return ND_FLOAT32;
        return ND_FLOAT64;
    }
    if (dt == ND_UINT64) {
        uint64_t u;
        memcpy(&u, a->data, sizeof u);
        return u <= UINT8_MAX    ? ND_UINT8
               : u <= UINT16_MAX ? ND_UINT16
               : u <= UINT32_MAX ? ND_UINT32
                                 : ND_UINT64;
    }
    int64_t v = nd_load_int64(dt, a->data);
    if (v >= 0)
        return v <= UINT8_MAX    ? ND_UINT8
               : v <= UINT16_MAX ? ND_UINT16
               : v <= UINT32_MAX ? ND_UINT32
                                 : ND_UINT64;
    return v >= INT8_MIN    ? ND_INT8
           : v >= INT16_MIN ? ND_INT16
           : v >= INT32_MIN ? ND_INT32
                            : ND_INT64;
}

/* For a 0-d integer whose min_scalar_type is unsigned: the signed type of
 * the same size if the value fits it (NumPy's is_small_unsigned), else -1. */
static nd_dtype small_unsigned_as_signed(const nd_array *a, nd_dtype min_type)
{
    if (!nd_dtype_is_integer(min_type) || nd_dtype_is_signed(min_type))
        return (nd_dtype)-1;
    uint64_t v;
    if (a->dtype == ND_UINT64)
        memcpy(&v, a->data, sizeof v);
    else
        v = (uint64_t)nd_load_int64(a->dtype, a->data);
    // clang-format off
    switch (min_type) {
    case ND_UINT8: return v <= INT8_MAX ? ND_INT8 : (nd_dtype)-1;
    case ND_UINT16: return v <= INT16_MAX ? ND_INT16 : (nd_dtype)-1;
    case ND_UINT32: return v <= INT32_MAX ? ND_INT32 : (nd_dtype)-1;
    default: return v <= INT64_MAX ? ND_INT64 : (nd_dtype)-1;
    }
    // clang-format on
}

/* NumPy's kind order for the value-based rule: bool < integers < floats. */
static int kind_rank(nd_dtype dt) { return dt == ND_BOOL ? 0 : nd_dtype_is_float(dt) ? 2 : 1; }

/* Loop dtypes in the order NumPy searches them. */
static const nd_dtype search_order[ND_NUM_DTYPES] = {
    // clang-format off
    ND_BOOL, ND_INT8, ND_UINT8, ND_INT16, ND_UINT16, ND_INT32, ND_UINT32, ND_INT64, ND_UINT64,
    ND_FLOAT16, ND_BFLOAT16, ND_FLOAT32, ND_FLOAT64,
    // clang-format on
};

/* The signed integer of an unsigned one's size (uint16 -> int16). */
static nd_dtype signed_of_size(nd_dtype dt)
{
    // clang-format off
    switch (dt) {
    case ND_UINT8: return ND_INT8;
    case ND_UINT16: return ND_INT16;
    case ND_UINT32: return ND_INT32;
    case ND_UINT64: return ND_INT64;
    default: return dt;
    }
    // clang-format on
}

/* NumPy's legacy promote_types(type1, type2, is_small_unsigned1,
 * is_small_unsigned2): a small unsigned type turns signed only against a
 * signed integer or a float, never against bool or an unsigned type. */
static nd_dtype promote_small_unsigned(nd_dtype t1, bool small1, nd_dtype t2, bool small2)
{
    if (small1 || small2) {
        nd_dtype other = small1 ? t2 : t1;
        if (other != ND_BOOL && nd_dtype_is_signed(other))
            return small1 ? nd_result_type(signed_of_size(t1), t2)
                          : nd_result_type(t1, signed_of_size(t2));
    }
    return nd_result_type(t1, t2);
}

/* PyArray_LegacyResultType with min scalar types: the operands folded left
 * to right; the running result stays small unsigned only while every
 * operand so far was. */
static nd_dtype legacy_result_type(int n, const nd_dtype *types, const bool *small)
{
    nd_dtype result = types[0];
    bool result_small = small[0];
    for (int i = 1; i < n; i++) {
        result = promote_small_unsigned(types[i], small[i], result, result_small);
        result_small = small[i] && result_small;
    }
    return result;
}

static int no_loop_error(const nd_ufunc *uf, const nd_array *const *inputs)
{
    if (uf->exact_input_type)
        return nd_set_error(ND_ERR_TYPE,
                            "ufunc '%s' did not contain a loop with signature "
                            "matching types <class 'numpy.dtype[%s]'> -> None",
                            uf->name,
                            inputs[0]->dtype == ND_BOOL ? "bool_" : nd_dtype_name(inputs[0]->dtype));
    return nd_set_error(ND_ERR_TYPE,
                        "ufunc '%s' not supported for the input types, and the "
                        "inputs could not be safely coerced to any supported types according "
                        "to the casting rule ''safe''",
                        uf->name);
}

int nd_ufunc_resolve(const nd_ufunc *uf, const nd_array *const *inputs, nd_dtype *loop_dtype)
{
    /* NumPy 1.24's value-based casting: when 0-d and n-d operands mix and
     * the 0-d ones are of no higher kind, a 0-d operand counts as the
     * smallest dtype that holds its value (float32 array * 0.5 stays
     * float32; uint8 array + (-1) becomes int16). */
    nd_dtype types[ND_MAX_RESOLVE];
    int max_scalar_kind = -1, max_array_kind = -1;
    for (int i = 0; i < uf->nin; i++) {
        int k = kind_rank(inputs[i]->dtype);
        if (inputs[i]->ndim == 0)
            max_scalar_kind = k > max_scalar_kind ? k : max_scalar_kind;
        else
            max_array_kind = k > max_array_kind ? k : max_array_kind;
    }
    bool value_based =
        max_scalar_kind >= 0 && max_array_kind >= 0 && max_scalar_kind <= max_array_kind;
    /* A non-negative value that also fits the signed type of the same
     * size ("small unsigned") may use that signed type when the loop is
     * not unsigned: int8 array + 0-d 100 stays int8. */
    nd_dtype signed_alternative[ND_MAX_RESOLVE];
    /* NumPy has no bfloat16; as in PyTorch (bf16 tensor * 0.5 stays bf16),
     * a float value that fits float16 counts as bfloat16 next to a
     * bfloat16 array, instead of promoting the pair to float32. */
    bool bfloat16_array = false;
    for (int i = 0; i < uf->nin; i++)
        bfloat16_array = bfloat16_array || (inputs[i]->ndim > 0 && inputs[i]->dtype == ND_BFLOAT16);
    for (int i = 0; i < uf->nin; i++) {
        types[i] = inputs[i]->dtype;
        signed_alternative[i] = (nd_dtype)-1;
        if (value_based && inputs[i]->ndim == 0) {
            types[i] = nd_min_scalar_type(inputs[i]);
            if (types[i] == ND_FLOAT16 && bfloat16_array)
                types[i] = ND_BFLOAT16;
            signed_alternative[i] = small_unsigned_as_signed(inputs[i], types[i]);
        }
    }

    if (uf->bool_message) {
        bool all_bool = true;
        for (int i = 0; i < uf->nin; i++)
            all_bool = all_bool && inputs[i]->dtype == ND_BOOL;
        if (all_bool)
            return nd_set_error(ND_ERR_TYPE, "%s", uf->bool_message);
    }
    if (uf->exact_input_type) {
        if (!(uf->types & ND_TYPE_BIT(inputs[0]->dtype)))
            return no_loop_error(uf, inputs);
        *loop_dtype = inputs[0]->dtype;
        return 0;
    }
    if (uf->ints_as_double) {
        /* true_divide: NumPy's resolver sends integers and bool to float64. */
        bool all_integral = true;
        for (int i = 0; i < uf->nin; i++)
            all_integral = all_integral && !nd_dtype_is_float(inputs[i]->dtype);
        if (all_integral) {
            *loop_dtype = ND_FLOAT64;
            return 0;
        }
    }
    if (value_based && uf->promotes_like_result_type) {
        bool small[ND_MAX_RESOLVE];
        for (int i = 0; i < uf->nin; i++)
            small[i] = (int)signed_alternative[i] >= 0;
        nd_dtype result = legacy_result_type(uf->nin, types, small);
        if (uf->types & ND_TYPE_BIT(result)) {
            *loop_dtype = result;
            return 0;
        }
    }
    for (int k = 0; k < ND_NUM_DTYPES; k++) {
        nd_dtype candidate = search_order[k];
        if (!(uf->types & ND_TYPE_BIT(candidate)))
            continue;
        bool all_safe = true;
        bool candidate_unsigned = nd_dtype_is_integer(candidate) && !nd_dtype_is_signed(candidate);
        for (int i = 0; i < uf->nin && all_safe; i++)
            all_safe = nd_can_cast(types[i], candidate, ND_CAST_SAFE) ||
                       ((int)signed_alternative[i] >= 0 && !candidate_unsigned &&
                        nd_can_cast(signed_alternative[i], candidate, ND_CAST_SAFE));
        if (all_safe) {
            *loop_dtype = candidate;
            return 0;
        }
    }
    return no_loop_error(uf, inputs);
}

/* ---- the front end ------------------------------------------------------------ */

static int broadcast_error(int n, const nd_array *const *operands)
{
    char message[ND_MAX_OPERANDS * ND_SHAPE_STR_MAX + 64];
    int len =
        snprintf(message, sizeof message, "operands could not be broadcast together with shapes ");
    for (int i = 0; i < n; i++) {
        char shape[ND_SHAPE_STR_MAX];
        len += snprintf(message + len, sizeof message - (size_t)len, "%s ",
                        nd_format_shape_compact(shape, operands[i]->ndim, operands[i]->shape));
    }
    return nd_set_error(ND_ERR_VALUE, "%s", message);
}

/* The broadcast shape of n operands (NumPy's rule: align trailing axes; a
 * size-1 axis stretches). */
static int broadcast_shapes(int n, const nd_array *const *operands, int *ndim, int64_t *shape)
{
    int nd = 0;
    for (int i = 0; i < n; i++)
        nd = operands[i]->ndim > nd ? operands[i]->ndim : nd;
    for (int d = 0; d < nd; d++)
        shape[d] = 1;
    for (int i = 0; i < n; i++) {
        const nd_array *a = operands[i];
        int offset = nd - a->ndim;
        for (int d = 0; d < a->ndim; d++) {
            int64_t have = shape[offset + d], dim = a->shape[d];
            if (dim == have || dim == 1)
                continue;
            if (have != 1)
                return broadcast_error(n, operands);
            shape[offset + d] = dim;
        }
    }
    *ndim = nd;
    return 0;
}

/* A new array of `shape` whose memory order follows the inputs' (NumPy's
 * order='K'): the exp of a transposed array is itself transposed, so both
 * are walked contiguously. */
nd_array *nd_alloc_like_layout(nd_dtype dt, int ndim, const int64_t *shape, int nin,
                               const int64_t (*strides)[ND_MAXDIMS])
{
    int perm[ND_MAXDIMS];
    nd_best_axis_order(nin, ndim, strides, perm);
    bool identity = true;
    for (int d = 0; d < ndim; d++)
        identity = identity && perm[d] == d;
    if (identity)
        return nd_alloc_array(dt, ndim, shape);
    int64_t permuted[ND_MAXDIMS];
    for (int d = 0; d < ndim; d++)
        permuted[d] = shape[perm[d]];
    nd_array *base = nd_alloc_array(dt, ndim, permuted);
    if (!base)
        return NULL;
    int inverse[ND_MAXDIMS];
    for (int d = 0; d < ndim; d++)
        inverse[perm[d]] = d;
    nd_array *result = nd_transpose(base, inverse);
    nd_free(base);
    return result;
}

int nd_ufunc_call_typed(const nd_ufunc *uf, nd_dtype loop_dtype, const nd_array *const *inputs,
                        nd_array *out, nd_array **result)
{
    int nin = uf->nin;
    const nd_array *operands[ND_MAX_OPERANDS];
    for (int i = 0; i < nin; i++)
        operands[i] = inputs[i];
    int nop = nin;
    if (out)
        operands[nop++] = out;
    int ndim = 0;
    int64_t shape[ND_MAXDIMS];
    int status = broadcast_shapes(nop, operands, &ndim, shape);
    if (status < 0)
        return status;

    nd_dtype compute = nd_compute_dtype(loop_dtype);
    nd_dtype result_dtype = uf->output == ND_OUTPUT_BOOL ? ND_BOOL : loop_dtype;
    if (out) {
        /* NumPy's ufunc text; nd_check_writeable's "assignment destination
         * is read-only" is what copyto and setitem say. */
        if (!nd_is_writeable(out))
            return nd_set_error(ND_ERR_VALUE, "output array is read-only");
        bool same = out->ndim == ndim;
        for (int d = 0; d < ndim && same; d++)
            same = out->shape[d] == shape[d];
        if (!same) {
            char have[ND_SHAPE_STR_MAX], want[ND_SHAPE_STR_MAX];
            return nd_set_error(ND_ERR_VALUE,
                                "non-broadcastable output operand with shape %s "
                                "doesn't match the broadcast shape %s",
                                nd_format_shape_compact(have, out->ndim, out->shape),
                                nd_format_shape_compact(want, ndim, shape));
        }
        if (!nd_can_cast(result_dtype, out->dtype, ND_CAST_SAME_KIND))
            return nd_set_error(ND_ERR_TYPE,
                                "Cannot cast ufunc '%s' output from dtype('%s') to "
                                "dtype('%s') with casting rule 'same_kind'",
                                uf->name, nd_dtype_name(result_dtype), nd_dtype_name(out->dtype));
    }

    /* A float16 result written into, say, a float64 `out` is still rounded
     * to float16 first, as NumPy's 'ee->e' loop does: compute it in its own
     * dtype, then cast. */
    if (out && out->dtype != result_dtype && result_dtype != nd_compute_dtype(result_dtype) &&
        uf->output == ND_OUTPUT_SAME) {
        nd_array *rounded = NULL;
        status = nd_ufunc_call_typed(uf, loop_dtype, inputs, NULL, &rounded);
        if (status == 0)
            status = nd_copyto(out, rounded, ND_CAST_UNSAFE);
        nd_free(rounded);
        return status;
    }

    nd_loop_plan plan = {.nop = nin + 1, .nin = nin, .ndim = ndim};
    memcpy(plan.shape, shape, (size_t)ndim * sizeof(int64_t));
    for (int i = 0; i < nin; i++)
        nd_broadcast_strides(inputs[i], ndim, shape, plan.strides[i]);

    nd_array *target = out;
    if (!out) {
        target = nd_alloc_like_layout(result_dtype, ndim, shape, nin,
                                      (const int64_t(*)[ND_MAXDIMS])plan.strides);
        if (!target)
            return nd_last_status();
    }

    /* An input that overlaps the output other than element for element
     * (a[1:] + a[:-1] into a) is read from a private copy first, so the
     * result is as if every input was read before anything was written:
     * NumPy's rule. Element for element is only safe when each output
     * element is written once: an out with internal overlap (a zero-stride
     * broadcast view made writeable) would read back its own writes, so
     * its inputs are copied even when they are the same view. */
    nd_array *copies[ND_MAX_OPERANDS] = {0};
    bool out_overlaps_itself = out && nd_may_have_internal_overlap(out);
    for (int i = 0; i < nin; i++) {
        plan.data[i] = inputs[i]->data;
        if (!out || !nd_may_share_memory(inputs[i], out))
            continue;
        bool same_elements =
            !out_overlaps_itself && inputs[i]->data == out->data && inputs[i]->dtype == out->dtype;
        for (int d = 0; d < ndim && same_elements; d++)
            same_elements = plan.strides[i][d] == out->strides[d] || shape[d] == 1;
        if (same_elements)
            continue;
        copies[i] = nd_copy(inputs[i]);
        if (!copies[i]) {
            status = nd_last_status();
            goto done;
        }
        nd_broadcast_strides(copies[i], ndim, shape, plan.strides[i]);
        plan.data[i] = copies[i]->data;
    }

    for (int i = 0; i < nin; i++) {
        plan.dtypes[i] = inputs[i]->dtype;
        plan.loop_dtypes[i] =
            uf->inputs_as_bool || (uf->first_input_as_bool && i == 0) ? ND_BOOL : compute;
    }
    plan.data[nin] = target->data;
    memcpy(plan.strides[nin], target->strides, (size_t)ndim * sizeof(int64_t));
    plan.dtypes[nin] = target->dtype;
    plan.loop_dtypes[nin] = uf->output == ND_OUTPUT_BOOL ? ND_BOOL : compute;
    nd_inner_loop loop = uf->loops[uf->inputs_as_bool ? ND_BOOL : compute];
    if (!loop) {
        status = no_loop_error(uf, inputs);
        goto done;
    }
    plan.loop = loop;
    nd_loop_error loop_error = {NULL};
    plan.loop_data = &loop_error;
    status = nd_execute(&plan);
    if (status == 0 && loop_error.message)
        status = nd_set_error(ND_ERR_VALUE, "%s", loop_error.message);

done:
    for (int i = 0; i < nin; i++)
        nd_free(copies[i]);
    if (status < 0 || out) {
        if (!out)
            nd_free(target);
        return status;
    }
    *result = target;
    return 0;
}

int nd_ufunc_call(const nd_ufunc *uf, const nd_array *const *inputs, nd_array *out,
                  nd_array **result)
{
    for (int i = 0; i < uf->nin; i++)
        if (!inputs[i])
            return nd_set_error(ND_ERR_VALUE, "%s: input %d is NULL", uf->name, i);
    nd_dtype loop_dtype;
    int status = nd_ufunc_resolve(uf, inputs, &loop_dtype);
    if (status < 0)
        return status;
    return nd_ufunc_call_typed(uf, loop_dtype, inputs, out, result);
}
