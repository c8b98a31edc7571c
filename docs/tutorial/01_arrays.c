/*
 * Tutorial step 1: arrays, views and broadcasting with libnd.
 *
 * Every line of libnd has a NumPy twin, written in the comment beside it.
 * The program checks each result against the text NumPy 1.24 prints for
 * it (nd_repr prints arrays exactly as NumPy's repr does), so if it exits
 * 0, the C and the Python meant the same thing. docs/tutorial/01-arrays.md
 * walks through it.
 */
#include <nd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every array this program makes is kept here and freed at the end, so the
 * lessons below are not interrupted by nd_free calls. A libnd function that
 * fails returns NULL and leaves the reason in nd_last_error(). */
static nd_array *held[32];
static int nheld;
static int failures;

static nd_array *keep(nd_array *a)
{
    if (!a) {
        fprintf(stderr, "libnd error: %s\n", nd_last_error());
        exit(1);
    }
    held[nheld++] = a;
    return a;
}

/* Prints a as NumPy would and compares with what NumPy printed. */
static void expect(const char *numpy_code, const nd_array *a, const char *numpy_repr)
{
    char *repr = nd_repr(a);
    bool same = repr && strcmp(repr, numpy_repr) == 0;
    printf(">>> %s\n%s%s\n", numpy_code, repr ? repr : "(error)", same ? "" : "   <-- WRONG");
    if (!same) {
        fprintf(stderr, "%s: NumPy prints\n%s\n", numpy_code, numpy_repr);
        failures++;
    }
    free(repr);
}

static void expect_true(const char *claim, bool holds)
{
    printf("%-52s %s\n", claim, holds ? "yes" : "NO  <-- WRONG");
    failures += !holds;
}

int main(void)
{
    /* ---- 1. An array is a buffer plus shape and strides (in bytes) ---- */
    nd_array *r = keep(nd_arange(ND_FLOAT64, 0, 6, 1)); /* r = np.arange(6.0)     */
    nd_array *a = keep(nd_reshape(r, 2, (int64_t[]){2, 3})); /* a = r.reshape(2, 3)    */
    expect("a = np.arange(6.0).reshape(2, 3)", a, "array([[0., 1., 2.],\n       [3., 4., 5.]])");
    /* a.strides == (24, 8): the next row is 3 floats of 8 bytes away. */
    expect_true("a.strides == (24, 8)", nd_strides(a)[0] == 24 && nd_strides(a)[1] == 8);
    expect_true("np.shares_memory(a, r)  (reshape made a view)", nd_may_share_memory(a, r));

    /* ---- 2. Views: new shape/strides over the same buffer, O(1) ---- */
    nd_array *t = keep(nd_transpose(a, NULL)); /* t = a.T                */
    expect("a.T", t, "array([[0., 3.],\n       [1., 4.],\n       [2., 5.]])");
    /* Transposing swaps the strides, moves no data: t.strides == (8, 24). */
    expect_true("a.T.strides == (8, 24)", nd_strides(t)[0] == 8 && nd_strides(t)[1] == 24);
    expect_true("a.T.flags['C_CONTIGUOUS'] is False", !nd_is_c_contiguous(t));

    nd_array *s = keep(nd_slice(a, 1, ND_NONE, ND_NONE, 2)); /* s = a[:, ::2]          */
    expect("a[:, ::2]", s, "array([[0., 2.],\n       [3., 5.]])");
    nd_array *rev = keep(nd_slice(a, 1, ND_NONE, ND_NONE, -1)); /* a[:, ::-1]             */
    expect("a[:, ::-1]", rev, "array([[2., 1., 0.],\n       [5., 4., 3.]])");
    /* A negative step is a negative stride: rev.strides == (24, -8). */
    expect_true("a[:, ::-1].strides == (24, -8)", nd_strides(rev)[1] == -8);

    /* Writing through a view writes the original (it is the same memory). */
    nd_set(s, (int64_t[]){1, 1}, 50.0); /* s[1, 1] = 50           */
    expect("s[1, 1] = 50; a", a, "array([[ 0.,  1.,  2.],\n       [ 3.,  4., 50.]])");
    nd_set(s, (int64_t[]){1, 1}, 5.0); /* s[1, 1] = 5 (undo)     */

    /* reshape of a non-contiguous view cannot be a view: NumPy copies, so
     * does libnd, at exactly the same times. */
    nd_array *flat_t = keep(nd_reshape(t, 1, (int64_t[]){6})); /* a.T.reshape(6)         */
    expect("a.T.reshape(6)", flat_t, "array([0., 3., 1., 4., 2., 5.])");
    expect_true("np.shares_memory(a.T.reshape(6), a) is False", !nd_may_share_memory(flat_t, a));

    /* ---- 3. Broadcasting: align shapes from the right; 1 stretches ---- */
    /* row = np.array([10., 20., 30.]) */
    nd_array *row = keep(nd_from_data(ND_FLOAT64, 1, (int64_t[]){3}, (double[]){10, 20, 30}));
    /* (2,3) + (3,) -> (2,3): row is added to every row of a. */
    expect("a + row", keep(nd_add(a, row)), "array([[10., 21., 32.],\n       [13., 24., 35.]])");

    /* col = np.array([[100.], [200.]]) */
    nd_array *col = keep(nd_from_data(ND_FLOAT64, 2, (int64_t[]){2, 1}, (double[]){100, 200}));
    /* (2,1) + (3,) -> (2,1) + (1,3) -> (2,3): an outer sum, no loop. */
    expect("col + row", keep(nd_add(col, row)),
           "array([[110., 120., 130.],\n       [210., 220., 230.]])");

    /* Broadcasting is a view with stride 0: nothing is copied. */
    /* b = np.broadcast_to(row, (2, 3)) */
    nd_array *b = keep(nd_broadcast_to(row, 2, (int64_t[]){2, 3}));
    expect_true("np.broadcast_to(row, (2, 3)).strides == (0, 8)",
                nd_strides(b)[0] == 0 && nd_strides(b)[1] == 8);

    /* The everyday use: centre each row by subtracting its own mean. */
    nd_array *mean = keep(nd_mean(a, 1, (int[]){1}, true)); /* a.mean(axis=1, keepdims=True) */
    expect("a.mean(axis=1, keepdims=True)", mean, "array([[1.],\n       [4.]])");
    expect("a - a.mean(axis=1, keepdims=True)", keep(nd_subtract(a, mean)),
           "array([[-1.,  0.,  1.],\n       [-1.,  0.,  1.]])");

    /* Shapes that do not align fail, with NumPy's message. */
    nd_array *two = keep(nd_from_data(ND_FLOAT64, 1, (int64_t[]){2}, (double[]){1, 2}));
    nd_array *bad = nd_add(a, two); /* a + np.array([1., 2.]) */
    printf(">>> a + np.array([1., 2.])\nValueError: %s\n", bad ? "(none)" : nd_last_error());
    expect_true("it fails, in NumPy's words",
                !bad && strcmp(nd_last_error(), "operands could not be broadcast together "
                                                "with shapes (2,3) (2,) ") == 0);

    /* ---- 4. Reductions and the matrix product ---- */
    expect("a.sum(axis=0)", keep(nd_sum(a, 1, (int[]){0}, false)), "array([3., 5., 7.])");
    /* Over all axes the result is 0-d (NumPy returns the scalar 5.0). */
    expect("np.asarray(a.max())", keep(nd_max(a, 0, NULL, false)), "array(5.)");
    /* (2,3) @ (3,2) -> (2,2); a.T is a view, handed to BLAS as "transposed". */
    expect("a @ a.T", keep(nd_matmul(a, t)), "array([[ 5., 14.],\n       [14., 50.]])");

    for (int i = 0; i < nheld; i++)
        nd_free(held[i]);
    nd_free(bad);
    printf("%s\n", failures ? "FAILED" : "every result matches NumPy");
    return failures ? 1 : 0;
}
