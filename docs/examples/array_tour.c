/* array_tour.c: a tour of libnd's array object, the program `make demo` runs
 * and docs/libnd.md walks through. Build it outside the tree with
 *   cc array_tour.c $(pkg-config --cflags --libs nd)
 */
#include <nd.h>
#include <stdio.h>
#include <stdlib.h>

/* Every libnd call that can fail returns NULL or a negative status and
 * leaves the reason in nd_last_error(). */
static nd_array *check(nd_array *a)
{
    if (!a) {
        fprintf(stderr, "libnd error: %s\n", nd_last_error());
        exit(1);
    }
    return a;
}

static void show(const char *title, const nd_array *a)
{
    printf(">>> %s\n", title);
    nd_print(a);
}

int main(void)
{
    /* a = np.arange(12, dtype=np.float32).reshape(3, 4) */
    nd_array *flat = check(nd_arange(ND_FLOAT32, 0, 12, 1));
    nd_array *a = check(nd_reshape(flat, 2, (int64_t[]){3, 4}));
    show("a = np.arange(12, dtype=np.float32).reshape(3, 4)", a);

    /* Views share memory: transposing or slicing copies nothing. */
    nd_array *t = check(nd_transpose(a, NULL));
    show("a.T  (a view: strides swapped, no copy)", t);
    printf("    a.strides = (%lld, %lld), a.T.strides = (%lld, %lld)\n", (long long)nd_strides(a)[0],
           (long long)nd_strides(a)[1], (long long)nd_strides(t)[0], (long long)nd_strides(t)[1]);

    nd_array *rows = check(nd_slice(a, 0, ND_NONE, ND_NONE, -1));
    nd_array *every_other = check(nd_slice(rows, 1, 1, ND_NONE, 2));
    show("a[::-1, 1::2]  (negative and step-2 strides)", every_other);

    /* Writing through a view changes the original. */
    nd_set(every_other, (int64_t[]){0, 0}, -1.0);
    show("after a[::-1, 1::2][0, 0] = -1, a is", a);

    /* broadcast_to: stride 0, read-only. */
    nd_array *row = check(nd_slice(a, 0, 0, 1, 1));
    nd_array *tiled = check(nd_broadcast_to(row, 2, (int64_t[]){3, 4}));
    show("np.broadcast_to(a[0:1], (3, 4))", tiled);
    if (nd_set(tiled, (int64_t[]){0, 0}, 5.0) < 0)
        printf("    writing to it: %s\n", nd_last_error());

    /* Casts follow NumPy: float -> int truncates toward zero. */
    nd_array *x = check(nd_linspace(ND_FLOAT64, -2, 2, 5, true));
    nd_array *as_int = check(nd_astype(x, ND_INT32));
    show("np.linspace(-2, 2, 5)", x);
    show(".astype(np.int32)", as_int);

    nd_array *half = check(nd_astype(x, ND_FLOAT16));
    show(".astype(np.float16)", half);

    nd_array *diagonal = check(nd_diagonal(a, 0, 0, 1));
    show("np.diagonal(a)", diagonal);

    /* Errors come back in NumPy's words. */
    if (!nd_reshape(a, 1, (int64_t[]){5}))
        printf(">>> a.reshape(5)\n    ValueError: %s\n", nd_last_error());

    nd_free(diagonal);
    nd_free(half);
    nd_free(as_int);
    nd_free(x);
    nd_free(tiled);
    nd_free(row);
    nd_free(every_other);
    nd_free(rows);
    nd_free(t);
    nd_free(a);
    nd_free(flat);
    return 0;
}
