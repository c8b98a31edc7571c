/* einsum: NumPy's subscripts parser and checks (same messages, same order
 * of checks as NumPy 1.24's C einsum), lowered to views and matrix
 * products instead of a loop nest:
 *
 *   1. a label repeated in one operand takes that operand's diagonal
 *      (nd_diagonal), so every operand has distinct labels;
 *   2. size-1 axes are dropped (they broadcast, and contribute nothing);
 *   3. operands are contracted pairwise. For a pair A, B, each label is
 *        batch  in both, still needed (by the output or another operand)
 *        k      in both, not needed: summed by the product
 *        m / n  in A only / B only, needed
 *        summed in one only, not needed: summed first, as a product with
 *               a vector of ones
 *      and A -> (batch..., m, k), B -> (batch..., k, n) by transpose and
 *      reshape (a view whenever the strides allow), one batched nd_matmul,
 *      and the result has labels (batch..., m..., n...);
 *   4. the last array's leftover labels are summed, and it is transposed
 *      and reshaped to the output order.
 *
 * Pairs are chosen greedily: among pairs sharing a label, the one with the
 * smallest result, so chains like "ij,jk,kl->il" never build an outer
 * product. */
#include "nd_internal.h"

#include <stdlib.h>

/* Letters are their ASCII codes; broadcast ("...") axis b is 128 + b. */
#define NUM_LABELS (128 + ND_MAXDIMS)
#define BROADCAST_LABEL(b) (128 + (b))
/* NumPy's NPY_MAXARGS: einsum takes at most 31 operands (plus the output). */
#define MAX_OPERANDS 32

typedef struct term {
    // clang-format off
    nd_array *array;             /* owned handle */
    int ndim;                    /* == array->ndim */
    int labels[ND_MAXDIMS];
    bool owned_result;           /* a fresh product nobody else sees */
    // clang-format on
} term;

typedef struct einsum_plan {
    int n;
    term terms[MAX_OPERANDS];
    int out_ndim;
    int out_labels[ND_MAXDIMS];
    // clang-format off
    int64_t size[NUM_LABELS];    /* a label's size, broadcast over operands */
    int count[128];              /* NumPy's label_counts: occurrences in the inputs */
    // clang-format on
} einsum_plan;

static bool is_letter(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* ---- parsing (NumPy's parse_operand_subscripts / parse_output_subscripts) -- */

/* Labels of operand iop from subscripts[0..length), expanding "..." to the
 * axes the operand has beyond its letters; NumPy's messages. Broadcast
 * axes get a placeholder -1, numbered later when the broadcast rank is
 * known. */
static int parse_operand(const char *s, int length, int ndim, int iop, int *labels,
                         int *ellipsis_ndim, einsum_plan *plan)
{
    int idim = 0, ellipsis = -1;
    for (int i = 0; i < length; i++) {
        int c = (unsigned char)s[i];
        if (is_letter(c)) {
            if (idim >= ndim)
                return nd_set_error(ND_ERR_VALUE,
                                    "einstein sum subscripts string contains too "
                                    "many subscripts for operand %d",
                                    iop);
            labels[idim++] = c;
            plan->count[c]++;
        } else if (c == '.') {
            if (ellipsis != -1 || i + 2 >= length || s[++i] != '.' || s[++i] != '.')
                return nd_set_error(ND_ERR_VALUE,
                                    "einstein sum subscripts string contains a "
                                    "'.' that is not part of an ellipsis ('...') in operand %d",
                                    iop);
            ellipsis = idim;
        } else if (c != ' ') {
            return nd_set_error(ND_ERR_VALUE,
                                "invalid subscript '%c' in einstein sum "
                                "subscripts string, subscripts must be letters",
                                c);
        }
    }
    *ellipsis_ndim = 0;
    if (ellipsis == -1) {
        if (idim != ndim)
            return nd_set_error(ND_ERR_VALUE,
                                "operand has more dimensions than subscripts "
                                "given in einstein sum, but no '...' ellipsis provided to "
                                "broadcast the extra dimensions.");
    } else if (idim < ndim) {
        int extra = ndim - idim;
        memmove(labels + ellipsis + extra, labels + ellipsis,
                (size_t)(idim - ellipsis) * sizeof(int));
        for (int i = 0; i < extra; i++)
            labels[ellipsis + i] = -1;
        *ellipsis_ndim = extra;
    }
    return 0;
}

static int parse_output(const char *s, int ndim_broadcast, einsum_plan *plan)
{
    int length = (int)strlen(s), ndim = 0;
    bool ellipsis = false;
    for (int i = 0; i < length; i++) {
        int c = (unsigned char)s[i];
        if (is_letter(c)) {
            if (memchr(s + i + 1, c, (size_t)(length - i - 1)))
                return nd_set_error(ND_ERR_VALUE,
                                    "einstein sum subscripts string includes "
                                    "output subscript '%c' multiple times",
                                    c);
            if (plan->count[c] == 0)
                return nd_set_error(ND_ERR_VALUE,
                                    "einstein sum subscripts string included "
                                    "output subscript '%c' which never appeared in an input",
                                    c);
            if (ndim >= ND_MAXDIMS)
                return nd_set_error(ND_ERR_VALUE, "einstein sum subscripts string contains "
                                                  "too many subscripts in the output");
            plan->out_labels[ndim++] = c;
        } else if (c == '.') {
            if (ellipsis || i + 2 >= length || s[++i] != '.' || s[++i] != '.')
                return nd_set_error(ND_ERR_VALUE,
                                    "einstein sum subscripts string contains a "
                                    "'.' that is not part of an ellipsis ('...') in the output");
            if (ndim + ndim_broadcast > ND_MAXDIMS)
                return nd_set_error(ND_ERR_VALUE, "einstein sum subscripts string contains "
                                                  "too many subscripts in the output");
            ellipsis = true;
            for (int b = 0; b < ndim_broadcast; b++)
                plan->out_labels[ndim++] = BROADCAST_LABEL(b);
        } else if (c != ' ') {
            return nd_set_error(ND_ERR_VALUE,
                                "invalid subscript '%c' in einstein sum "
                                "subscripts string, subscripts must be letters",
                                c);
        }
    }
    if (!ellipsis && ndim_broadcast > 0)
        return nd_set_error(ND_ERR_VALUE,
                            "output has more dimensions than subscripts given in "
                            "einstein sum, but no '...' ellipsis provided to broadcast the "
                            "extra dimensions.");
    plan->out_ndim = ndim;
    return 0;
}

static bool has_label(const int *labels, int n, int label)
{
    for (int i = 0; i < n; i++)
        if (labels[i] == label)
            return true;
    return false;
}

/* Parses all of `subscripts` into per-operand labels and output labels
 * (labels[i] holds operand i's, one per axis). */
static int parse(const char *subscripts, int n, const nd_array *const *operands,
                 int labels[][ND_MAXDIMS], einsum_plan *plan)
{
    if (n >= MAX_OPERANDS)
        return nd_set_error(ND_ERR_VALUE, "too many operands provided to einstein sum function");
    if (n < 1)
        return nd_set_error(ND_ERR_VALUE, "not enough operands provided to einstein sum function");
    const char *s = subscripts;
    int ellipsis_ndim[MAX_OPERANDS], ndim_broadcast = 0;
    for (int iop = 0; iop < n; iop++) {
        int length = (int)strcspn(s, ",-");
        if (iop == n - 1 && s[length] == ',')
            return nd_set_error(ND_ERR_VALUE, "more operands provided to einstein sum function "
                                              "than specified in the subscripts string");
        if (iop < n - 1 && s[length] != ',')
            return nd_set_error(ND_ERR_VALUE, "fewer operands provided to einstein sum function "
                                              "than specified in the subscripts string");
        int status = parse_operand(s, length, operands[iop]->ndim, iop, labels[iop],
                                   &ellipsis_ndim[iop], plan);
        if (status < 0)
            return status;
        if (ellipsis_ndim[iop] > ndim_broadcast)
            ndim_broadcast = ellipsis_ndim[iop];
        s += length + (iop < n - 1);
    }
    /* Broadcast axes align from the right, as NumPy's broadcasting. */
    for (int iop = 0; iop < n; iop++)
        for (int d = 0, b = ndim_broadcast - ellipsis_ndim[iop]; d < operands[iop]->ndim; d++)
            if (labels[iop][d] == -1)
                labels[iop][d] = BROADCAST_LABEL(b++);

    if (*s == '\0') {
        /* Implicit output: broadcast axes, then the labels seen exactly
         * once, in ASCII order. */
        int ndim = 0;
        for (int b = 0; b < ndim_broadcast; b++)
            plan->out_labels[ndim++] = BROADCAST_LABEL(b);
        for (int c = 0; c < 128; c++) {
            if (plan->count[c] != 1)
                continue;
            if (ndim >= ND_MAXDIMS)
                return nd_set_error(ND_ERR_VALUE, "einstein sum subscript string has too many "
                                                  "distinct labels");
            plan->out_labels[ndim++] = c;
        }
        plan->out_ndim = ndim;
        return 0;
    }
    if (s[0] != '-' || s[1] != '>')
        return nd_set_error(ND_ERR_VALUE, "einstein sum subscript string does not contain "
                                          "proper '->' output specified");
    return parse_output(s + 2, ndim_broadcast, plan);
}

/* ---- checks of sizes ------------------------------------------------------- */

/* A single operand whose labels all appear in the output is a view in
 * NumPy, which checks repeated labels there with its own message; this
 * replays that check in NumPy's order (it stops at the first label that
 * is summed). */
static int check_single_operand(const nd_array *a, const int *labels, const einsum_plan *plan)
{
    int64_t seen[ND_MAXDIMS];
    for (int i = 0; i < plan->out_ndim; i++)
        seen[i] = -1;
    for (int d = 0; d < a->ndim; d++) {
        int i = 0;
        while (i < plan->out_ndim && plan->out_labels[i] != labels[d])
            i++;
        if (i == plan->out_ndim)
            return 0;
        if (seen[i] >= 0 && seen[i] != a->shape[d])
            return nd_set_error(ND_ERR_VALUE,
                                "dimensions in single operand for collapsing "
                                "index '%c' don't match (%d != %d)",
                                labels[d], (int)seen[i], (int)a->shape[d]);
        seen[i] = a->shape[d];
    }
    return 0;
}

/* Operand iop with each repeated label collapsed to its diagonal: the
 * label keeps its first position in NumPy's order; nd_diagonal puts the
 * diagonal last, which only changes the (free) order of axes here. On
 * return *t owns the view and its labels. */
static int collapse_repeated(const nd_array *a, const int *labels, int iop, term *t)
{
    t->ndim = a->ndim;
    memcpy(t->labels, labels, (size_t)a->ndim * sizeof(int));
    t->array = nd_view(a);
    if (!t->array)
        return ND_ERR_MEMORY;
    for (int i = 0; i < t->ndim; i++) {
        for (int j = i + 1; j < t->ndim; j++) {
            if (t->labels[j] != t->labels[i])
                continue;
            if (t->array->shape[i] != t->array->shape[j])
                return nd_set_error(ND_ERR_VALUE,
                                    "dimensions in operand %d for collapsing "
                                    "index '%c' don't match (%d != %d)",
                                    iop, t->labels[i], (int)t->array->shape[i],
                                    (int)t->array->shape[j]);
            nd_array *diagonal = nd_diagonal(t->array, 0, i, j);
            if (!diagonal)
                return nd_last_status();
            nd_free(t->array);
            t->array = diagonal;
            int label = t->labels[i], k = 0;
            for (int d = 0; d < t->ndim; d++)
                if (d != i && d != j)
                    t->labels[k++] = t->labels[d];
            t->labels[k] = label;
            t->ndim--;
            i = -1; /* positions moved: start over */
            break;
        }
    }
    return 0;
}

/* NumPy's broadcast error, as its iterator words it: each operand's
 * collapsed shape and that shape remapped onto the iteration axes (output
 * labels, then the summed ones in ASCII order), leading newaxes dropped. */
static int broadcast_error(const einsum_plan *plan, int n, const nd_array *const *operands,
                           int labels[][ND_MAXDIMS])
{
    int iter[NUM_LABELS], niter = 0;
    for (int i = 0; i < plan->out_ndim; i++)
        iter[niter++] = plan->out_labels[i];
    for (int c = 0; c < 128; c++)
        if (plan->count[c] > 0 && !has_label(plan->out_labels, plan->out_ndim, c))
            iter[niter++] = c;
    char message[1024];
    int len = snprintf(message, sizeof message,
                       "operands could not be broadcast together with "
                       "remapped shapes [original->remapped]: ");
    for (int iop = 0; iop < n && len < (int)sizeof message; iop++) {
        /* The collapsed view: unique labels in order of first appearance. */
        int unique[ND_MAXDIMS], nunique = 0;
        int64_t shape[ND_MAXDIMS], remapped[NUM_LABELS];
        for (int d = 0; d < operands[iop]->ndim; d++) {
            if (has_label(unique, nunique, labels[iop][d]))
                continue;
            unique[nunique] = labels[iop][d];
            shape[nunique++] = operands[iop]->shape[d];
        }
        for (int i = 0; i < niter; i++) {
            remapped[i] = -1;
            for (int u = 0; u < nunique; u++)
                if (unique[u] == iter[i])
                    remapped[i] = shape[u];
        }
        char original[ND_SHAPE_STR_MAX], mapped[ND_SHAPE_STR_MAX * 2];
        len += snprintf(message + len, sizeof message - (size_t)len, "%s->%s ",
                        nd_format_shape_compact(original, nunique, shape),
                        nd_format_shape_compact(mapped, niter > ND_MAXDIMS ? ND_MAXDIMS : niter,
                                                remapped));
    }
    return nd_set_error(ND_ERR_VALUE, "%s", message);
}

/* Each label's size over all operands: equal, or 1 (which broadcasts). */
static int label_sizes(einsum_plan *plan, int n, const nd_array *const *operands,
                       int labels[][ND_MAXDIMS])
{
    for (int c = 0; c < NUM_LABELS; c++)
        plan->size[c] = 1;
    for (int iop = 0; iop < n; iop++) {
        const term *t = &plan->terms[iop];
        for (int d = 0; d < t->ndim; d++) {
            int64_t size = t->array->shape[d], *known = &plan->size[t->labels[d]];
            if (size == 1)
                continue;
            if (*known != 1 && *known != size)
                return broadcast_error(plan, n, operands, labels);
            *known = size;
        }
    }
    return 0;
}

/* ---- lowering to products ---------------------------------------------------- */

static void term_release(term *t)
{
    nd_free(t->array);
    t->array = NULL;
}

/* Replaces t's array by `array` (labels set by the caller). */
static int term_replace(term *t, nd_array *array, bool owned_result)
{
    if (!array)
        return nd_last_status() ? nd_last_status() : ND_ERR_MEMORY;
    nd_free(t->array);
    t->array = array;
    t->ndim = array->ndim;
    t->owned_result = owned_result;
    return 0;
}

/* Drops size-1 axes: they broadcast against the other operands and add
 * nothing to a sum; the output gets its size-1 axes back at the end. */
static int drop_unit_axes(term *t)
{
    int axes[ND_MAXDIMS], naxes = 0, k = 0;
    for (int d = 0; d < t->ndim; d++) {
        if (t->array->shape[d] == 1)
            axes[naxes++] = d;
        else
            t->labels[k++] = t->labels[d];
    }
    if (naxes == 0)
        return 0;
    return term_replace(t, nd_squeeze(t->array, naxes, axes), t->owned_result);
}

/* The positions in t of `labels` (which t must have). */
static void positions(const term *t, const int *labels, int n, int *axes)
{
    for (int i = 0; i < n; i++)
        for (int d = 0; d < t->ndim; d++)
            if (t->labels[d] == labels[i])
                axes[i] = d;
}

static int64_t product_of_sizes(const einsum_plan *plan, const int *labels, int n)
{
    int64_t p = 1;
    for (int i = 0; i < n; i++)
        p *= plan->size[labels[i]];
    return p;
}

/* t transposed to the label groups in order, each group after `keep`
 * leading ones merged into one axis: e.g. groups (batch, m, k) with keep=1
 * gives (batch..., M, K). A view when the strides allow, as nd_reshape. */
static nd_array *grouped(const einsum_plan *plan, const term *t, int ngroups,
                         const int *const *groups, const int *sizes, int keep)
{
    int perm[ND_MAXDIMS], np = 0;
    int64_t shape[ND_MAXDIMS];
    int ndim = 0;
    for (int g = 0; g < ngroups; g++) {
        positions(t, groups[g], sizes[g], perm + np);
        if (g < keep)
            for (int i = 0; i < sizes[g]; i++)
                shape[ndim++] = plan->size[groups[g][i]];
        else
            shape[ndim++] = product_of_sizes(plan, groups[g], sizes[g]);
        np += sizes[g];
    }
    nd_array *transposed = nd_transpose(t->array, perm);
    if (!transposed)
        return NULL;
    nd_array *result = nd_reshape(transposed, ndim, shape);
    nd_free(transposed);
    return result;
}

/* Sums t over the labels that are not in `keep` (n_keep labels): t as
 * (rest, summed) @ ones(summed). */
static int sum_out(const einsum_plan *plan, term *t, const int *keep, int n_keep)
{
    int rest[ND_MAXDIMS], summed[ND_MAXDIMS], nr = 0, ns = 0;
    for (int d = 0; d < t->ndim; d++) {
        if (has_label(keep, n_keep, t->labels[d]))
            rest[nr++] = t->labels[d];
        else
            summed[ns++] = t->labels[d];
    }
    if (ns == 0)
        return 0;
    const int *groups[2] = {rest, summed};
    const int sizes[2] = {nr, ns};
    nd_array *matrix = grouped(plan, t, 2, groups, sizes, 1);
    int64_t n = product_of_sizes(plan, summed, ns);
    nd_array *ones = matrix ? nd_ones(t->array->dtype, 1, &n) : NULL;
    nd_array *sums = ones ? nd_matmul(matrix, ones) : NULL;
    nd_free(matrix);
    nd_free(ones);
    memcpy(t->labels, rest, (size_t)nr * sizeof(int));
    return term_replace(t, sums, true);
}

/* What must survive the contraction of live[i] with live[j]: the output's
 * labels and those of every other live term. */
static int needed_labels(const einsum_plan *plan, term *const *live, int nlive, int i, int j,
                         int *needed)
{
    int n = 0;
    for (int k = 0; k < plan->out_ndim; k++)
        needed[n++] = plan->out_labels[k];
    for (int o = 0; o < nlive; o++)
        for (int d = 0; o != i && o != j && d < live[o]->ndim; d++)
            if (!has_label(needed, n, live[o]->labels[d]))
                needed[n++] = live[o]->labels[d];
    return n;
}

/* a <- a (*) b over the labels as described at the top; b is released. */
static int contract(const einsum_plan *plan, term *a, term *b, const int *needed, int nneeded)
{
    /* Sum what only one side has and nobody needs. */
    int keep[2 * NUM_LABELS], nkeep = nneeded;
    memcpy(keep, needed, (size_t)nneeded * sizeof(int));
    for (int d = 0; d < b->ndim; d++)
        keep[nkeep++] = b->labels[d];
    int status = sum_out(plan, a, keep, nkeep);
    nkeep = nneeded;
    for (int d = 0; d < a->ndim; d++)
        keep[nkeep++] = a->labels[d];
    if (status == 0)
        status = sum_out(plan, b, keep, nkeep);
    if (status < 0)
        return status;

    int batch[ND_MAXDIMS], m[ND_MAXDIMS], k[ND_MAXDIMS], n[ND_MAXDIMS];
    int nbatch = 0, nm = 0, nk = 0, nn = 0;
    for (int d = 0; d < a->ndim; d++) {
        int label = a->labels[d];
        bool in_b = has_label(b->labels, b->ndim, label);
        if (in_b && has_label(needed, nneeded, label))
            batch[nbatch++] = label;
        else if (in_b)
            k[nk++] = label;
        else
            m[nm++] = label;
    }
    for (int d = 0; d < b->ndim; d++)
        if (!has_label(a->labels, a->ndim, b->labels[d]))
            n[nn++] = b->labels[d];

    const int *groups_a[3] = {batch, m, k}, *groups_b[3] = {batch, k, n};
    const int sizes_a[3] = {nbatch, nm, nk}, sizes_b[3] = {nbatch, nk, nn};
    nd_array *ma = grouped(plan, a, 3, groups_a, sizes_a, 1);
    nd_array *mb = ma ? grouped(plan, b, 3, groups_b, sizes_b, 1) : NULL;
    nd_array *c = mb ? nd_matmul(ma, mb) : NULL;
    nd_free(ma);
    nd_free(mb);
    term_release(b);
    if (!c)
        return nd_last_status() ? nd_last_status() : ND_ERR_MEMORY;
    /* (batch..., M, N) -> (batch..., m..., n...) */
    int64_t shape[3 * ND_MAXDIMS];
    int ndim = 0;
    for (int i = 0; i < nbatch; i++)
        a->labels[ndim] = batch[i], shape[ndim++] = plan->size[batch[i]];
    for (int i = 0; i < nm; i++)
        a->labels[ndim] = m[i], shape[ndim++] = plan->size[m[i]];
    for (int i = 0; i < nn; i++)
        a->labels[ndim] = n[i], shape[ndim++] = plan->size[n[i]];
    nd_array *result = nd_reshape(c, ndim, shape);
    nd_free(c);
    return term_replace(a, result, true);
}

/* Greedy order: among pairs that share a label, the smallest result;
 * without shared labels, the smallest outer product. */
static void choose_pair(const einsum_plan *plan, term *const *live, int nlive, int *pi, int *pj)
{
    int64_t best = -1;
    bool best_shares = false;
    for (int i = 0; i < nlive; i++) {
        for (int j = i + 1; j < nlive; j++) {
            int needed[NUM_LABELS];
            int nneeded = needed_labels(plan, live, nlive, i, j, needed);
            bool shares = false;
            int64_t size = 1;
            for (int d = 0; d < live[i]->ndim; d++) {
                int label = live[i]->labels[d];
                bool in_j = has_label(live[j]->labels, live[j]->ndim, label);
                shares |= in_j;
                if (has_label(needed, nneeded, label))
                    size *= plan->size[label];
            }
            for (int d = 0; d < live[j]->ndim; d++) {
                int label = live[j]->labels[d];
                if (!has_label(live[i]->labels, live[i]->ndim, label) &&
                    has_label(needed, nneeded, label))
                    size *= plan->size[label];
            }
            if (best < 0 || (shares && !best_shares) || (shares == best_shares && size < best)) {
                best = size, best_shares = shares, *pi = i, *pj = j;
            }
        }
    }
}

/* The final array: leftover labels summed, axes in output order, size-1
 * axes restored, and dtype `dt`. */
static nd_array *finish(const einsum_plan *plan, term *t, nd_dtype dt)
{
    if (sum_out(plan, t, plan->out_labels, plan->out_ndim) < 0)
        return NULL;
    int present[ND_MAXDIMS], np = 0;
    int64_t shape[ND_MAXDIMS];
    for (int i = 0; i < plan->out_ndim; i++) {
        shape[i] = plan->size[plan->out_labels[i]];
        if (has_label(t->labels, t->ndim, plan->out_labels[i]))
            present[np++] = plan->out_labels[i];
    }
    const int *groups[1] = {present};
    const int sizes[1] = {np};
    nd_array *ordered = grouped(plan, t, 1, groups, sizes, 1);
    nd_array *shaped = ordered ? nd_reshape(ordered, plan->out_ndim, shape) : NULL;
    nd_free(ordered);
    if (!shaped)
        return NULL;
    /* A fresh C-contiguous product of the right dtype is the answer as is;
     * anything else (a view of an input, a float32 stand-in) is copied. */
    if (t->owned_result && dt == shaped->dtype && nd_is_c_contiguous(shaped))
        return shaped;
    nd_array *result = nd_astype(shaped, dt);
    nd_free(shaped);
    return result;
}

nd_array *nd_einsum(const char *subscripts, int n, const nd_array *const *operands)
{
    if (!subscripts || (n > 0 && !operands)) {
        nd_set_error(ND_ERR_VALUE, "einsum: subscripts and operands must not be NULL");
        return NULL;
    }
    einsum_plan *plan = calloc(1, sizeof *plan);
    int(*labels)[ND_MAXDIMS] = calloc(MAX_OPERANDS, sizeof *labels);
    nd_array *result = NULL;
    if (!plan || !labels) {
        nd_set_error(ND_ERR_MEMORY, "einsum: out of memory");
        goto done;
    }
    if (parse(subscripts, n, operands, labels, plan) < 0)
        goto done;
    plan->n = n;
    if (n == 1 && check_single_operand(operands[0], labels[0], plan) < 0)
        goto done;
    /* NumPy's einsum promotes with result_type, so 0-d operands count by
     * their value (float32 array times 0-d float64 stays float32). */
    nd_dtype dt = nd_result_type_arrays(n, operands);
    if ((int)dt < 0)
        goto done;
    /* float16/bfloat16 are computed in float32 and rounded once at the end. */
    nd_dtype compute = dt == ND_FLOAT16 || dt == ND_BFLOAT16 ? ND_FLOAT32 : dt;
    for (int i = 0; i < n; i++)
        if (collapse_repeated(operands[i], labels[i], i, &plan->terms[i]) < 0)
            goto done;
    if (label_sizes(plan, n, operands, labels) < 0)
        goto done;
    term *live[MAX_OPERANDS];
    for (int i = 0; i < n; i++) {
        term *t = &plan->terms[i];
        live[i] = t;
        if (t->array->dtype != compute && term_replace(t, nd_astype(t->array, compute), false) < 0)
            goto done;
        if (drop_unit_axes(t) < 0)
            goto done;
    }
    int nlive = n;
    while (nlive > 1) {
        int i = 0, j = 1;
        choose_pair(plan, live, nlive, &i, &j);
        int needed[NUM_LABELS];
        int nneeded = needed_labels(plan, live, nlive, i, j, needed);
        if (contract(plan, live[i], live[j], needed, nneeded) < 0)
            goto done;
        memmove(live + j, live + j + 1, (size_t)(nlive - j - 1) * sizeof *live);
        nlive--;
    }
    result = finish(plan, live[0], dt);
done:
    if (plan)
        for (int i = 0; i < n && i < MAX_OPERANDS; i++)
            term_release(&plan->terms[i]);
    free(plan);
    free(labels);
    return result;
}
