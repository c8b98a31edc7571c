/* The tape made visible: ag_tape_node and ag_tape_print on a small graph
 * whose ops, shapes, saved arrays and bytes are known by hand:
 *   y = x @ w (2,4), z = reshape(y, (8,)), g = gelu(z), s = sum(g). */
#include "test_util.h"

#include <autograd.h>
#include <stdlib.h>
#include <string.h>

/* What the listing printed, as one malloc'd string. */
static char *listing(size_t first, size_t count, int *status)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    *status = ag_tape_print(f, first, count);
    long n = ftell(f);
    rewind(f);
    char *text = calloc((size_t)n + 1, 1);
    ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return text;
}

/* The line of text that starts with `prefix` after position `from`. */
static const char *line_after(const char *text, const char *from, const char *prefix)
{
    const char *p = strstr(from, prefix);
    ck_assert_msg(p != NULL, "no line '%s' in:\n%s", prefix, text);
    return p;
}

typedef struct graph {
    nd_array *vx, *vw;
    ag_tensor *x, *w, *loss;
} graph;

static void build(graph *g)
{
    g->vx = nd_arange(ND_FLOAT32, 0, 6, 1);
    g->vw = nd_arange(ND_FLOAT32, -6, 6, 1);
    nd_array *x2 = nd_reshape(g->vx, 2, (const int64_t[]){2, 3});
    nd_array *w2 = nd_reshape(g->vw, 2, (const int64_t[]){3, 4});
    g->x = ag_param(x2);
    g->w = ag_param(w2);
    nd_free(x2);
    nd_free(w2);
    ag_tensor *z = ag_reshape(ag_matmul(g->x, g->w), 1, (const int64_t[]){8});
    g->loss = ag_sum(ag_gelu(z), 0, NULL, false);
    ck_assert_ptr_nonnull(g->loss);
    ck_assert_uint_eq(ag_tape_size(), 4);
}

static void drop(graph *g)
{
    ag_tape_reset();
    ag_tensor_free(g->x);
    ag_tensor_free(g->w);
    nd_free(g->vx);
    nd_free(g->vw);
}

START_TEST(test_node_info_describes_each_node)
{
    graph g;
    build(&g);
    const char *ops[] = {"matmul", "reshape", "gelu", "sum"};
    /* matmul: its (2,4) float32 output, nothing saved (its backward reads
     * the inputs); reshape: a view, 0 B; gelu: output (8) + tanh(u) (8)
     * saved; sum: one float32. */
    const int64_t held[] = {32, 0, 64, 4};
    const int nsaved[] = {0, 0, 1, 0};
    for (size_t i = 0; i < 4; i++) {
        ag_tape_node_info info;
        ck_assert_int_eq(ag_tape_node(i, &info), 0);
        ck_assert_str_eq(info.op, ops[i]);
        ck_assert_int_eq(info.bytes_held, held[i]);
        ck_assert_int_eq(info.nsaved, nsaved[i]);
        ck_assert(!info.released);
    }
    ag_tape_node_info info;
    ck_assert_int_eq(ag_tape_node(0, &info), 0);
    ck_assert_int_eq(info.ninputs, 2);
    ck_assert_int_eq(nd_shape(info.inputs[1])[1], 4);
    ck_assert_int_eq(nd_shape(info.output)[0], 2);
    ck_assert_int_eq(ag_tape_node(2, &info), 0);
    ck_assert_int_eq(nd_shape(info.saved[0])[0], 8);
    ck_assert_int_lt(ag_tape_node(4, &info), 0);
    ck_assert_str_eq(ag_last_error(), "node 4 is past the tape's 4 nodes");
    drop(&g);
}
END_TEST

START_TEST(test_print_lists_forward_then_reverse)
{
    graph g;
    build(&g);
    int status;
    char *text = listing(0, 0, &status);
    ck_assert_int_eq(status, 4);
    const char *p = line_after(text, text, "forward: 4 nodes (#0..#3)");
    p = line_after(text, p, "  #0 matmul (2,3) (3,4) -> (2,4)  held 32 B\n");
    p = line_after(text, p, "  #1 reshape (2,4) -> (8)  held 0 B\n");
    p = line_after(text, p, "  #2 gelu (8) -> (8)  saved: (8) float32  held 64 B\n");
    p = line_after(text, p, "  #3 sum (8) -> ()  held 4 B\n");
    p = line_after(text, p, "held in all: 100 B\n");
    p = line_after(text, p, "backward: the same 4 nodes in reverse");
    p = line_after(text, p, "  #3 sum d() -> d(8)\n");
    p = line_after(text, p, "  #2 gelu d(8) -> d(8)  uses saved: (8) float32\n");
    p = line_after(text, p, "  #1 reshape d(8) -> d(2,4)\n");
    p = line_after(text, p, "  #0 matmul d(2,4) -> d(2,3) d(3,4)\n");
    free(text);

    /* A range: the middle two nodes only. */
    text = listing(1, 2, &status);
    ck_assert_int_eq(status, 2);
    ck_assert_ptr_null(strstr(text, "matmul"));
    ck_assert_ptr_null(strstr(text, "#3 sum"));
    p = line_after(text, text, "  #2 gelu d(8)");
    line_after(text, p, "  #1 reshape d(8)");
    free(text);

    /* After the backward the saved arrays are gone, and the listing says so. */
    ck_assert_int_eq(ag_backward(g.loss), 0);
    text = listing(2, 1, &status);
    ck_assert_int_eq(status, 1);
    line_after(text, text, "  #2 gelu (8) -> (8)  saved: freed by the backward  held 32 B\n");
    free(text);
    drop(&g);
}
END_TEST

START_TEST(test_print_rejects_bad_ranges)
{
    graph g;
    build(&g);
    FILE *f = tmpfile();
    ck_assert_int_lt(ag_tape_print(f, 3, 2), 0);
    ck_assert_str_eq(ag_last_error(), "nodes 3..4 are past the tape's 4 nodes");
    ck_assert_int_lt(ag_tape_print(f, 5, 0), 0);
    ck_assert_int_lt(ag_tape_print(NULL, 0, 0), 0);
    ck_assert_int_eq(ftell(f), 0); /* nothing printed on an error */
    fclose(f);
    drop(&g);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("tape_print");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_node_info_describes_each_node);
    tcase_add_test(tc, test_print_lists_forward_then_reverse);
    tcase_add_test(tc, test_print_rejects_bad_ranges);
    suite_add_tcase(s, tc);
    return s;
}
