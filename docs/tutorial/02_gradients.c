/*
 * Tutorial step 2: a gradient by hand, then by the tape.
 *
 * One neuron with a squared error, the smallest network there is:
 *
 *     z = w x + b          (x = 1.5, the input)
 *     a = tanh(z)
 *     L = (a - y)^2        (y = 0.5, the target)
 *
 * at w = 0.8, b = -0.3. We want dL/dw and dL/db. The program computes them
 * three ways and checks that all agree:
 *   1. the chain rule, written out by hand;
 *   2. the tape: libautograd records the forward and walks it backwards;
 *   3. central finite differences (by hand, then with ag_gradcheck).
 * docs/tutorial/02-gradients.md walks through it.
 */
#include <autograd.h>
#include <math.h>
#include <stdio.h>

static const double X = 1.5, Y = 0.5, W = 0.8, B = -0.3;

static double loss_by_hand(double w, double b)
{
    double a = tanh(w * X + b);
    return (a - Y) * (a - Y);
}

/* A 0-d float64 tensor holding v: a parameter (gets a gradient) or not. */
static ag_tensor *scalar(double v, bool param)
{
    nd_array *a = nd_full(ND_FLOAT64, 0, NULL, v);
    ag_tensor *t = a ? (param ? ag_param(a) : ag_const(a)) : NULL;
    nd_free(a); /* ag_param / ag_const keep their own copy */
    return t;
}

static double value_of(const nd_array *a)
{
    double v = NAN;
    if (a)
        nd_get(a, NULL, &v); /* a 0-d array: no index needed */
    return v;
}

/* The forward pass with tape ops: the same three lines as the comment at
 * the top. inputs = {w, b}; ctx = {x, y} as constants. ag_gradcheck calls
 * this function many times with perturbed w and b. */
static ag_tensor *neuron_loss(ag_tensor *const *inputs, void *ctx)
{
    ag_tensor *const *xy = ctx;
    // clang-format off
    ag_tensor *z = ag_add(ag_mul(inputs[0], xy[0]), inputs[1]);   /* z = w x + b   */
    ag_tensor *a = ag_tanh(z);                                       /* a = tanh z    */
    return ag_square(ag_sub(a, xy[1]));                              /* L = (a - y)^2 */
    // clang-format on
}

static int check(const char *what, double got, double want, double tol)
{
    bool ok = fabs(got - want) <= tol;
    printf("  %-34s %.12f  (want %.12f)%s\n", what, got, want, ok ? "" : "  <-- WRONG");
    return ok ? 0 : 1;
}

int main(void)
{
    int failures = 0;

    /* ---- 1. By hand: forward, then the chain rule backwards ---- */
    // clang-format off
    double z = W * X + B;                /* 0.9                  */
    double a = tanh(z);                  /* 0.716297870199       */
    double L = (a - Y) * (a - Y);        /* 0.046784768653       */
    /* Each local derivative, from the output back to the inputs: */
    double dL_da = 2 * (a - Y);          /* d(u^2)/du = 2u:      0.432595740398 */
    double da_dz = 1 - a * a;            /* tanh' = 1 - tanh^2:  0.486917361148 */
    double dL_dz = dL_da * da_dz;        /* chain rule:          0.210638376359 */
    double dL_dw = dL_dz * X;            /* dz/dw = x:           0.315957564538 */
    double dL_db = dL_dz * 1.0;          /* dz/db = 1:           0.210638376359 */
    // clang-format on
    printf("by hand:  L = %.12f  dL/dw = %.12f  dL/db = %.12f\n", L, dL_dw, dL_db);
    /* The same numbers from PyTorch 1.13 (w.grad, b.grad after backward): */
    failures += check("dL/dw vs PyTorch", dL_dw, 0.31595756453794643, 1e-15);
    failures += check("dL/db vs PyTorch", dL_db, 0.21063837635863097, 1e-15);

    /* ---- 2. By the tape ---- */
    // clang-format off
    ag_tensor *w = scalar(W, true), *b = scalar(B, true);        /* parameters */
    ag_tensor *xy[2] = {scalar(X, false), scalar(Y, false)};     /* constants  */
    // clang-format on
    /* The forward again, one op per line, keeping every intermediate to
     * show what the tape recorded (neuron_loss above is the same three
     * lines, written for ag_gradcheck). */
    ag_tensor *node[5];
    // clang-format off
    node[0] = ag_mul(w, xy[0]);          /* w x          */
    node[1] = ag_add(node[0], b);        /* z = w x + b  */
    node[2] = ag_tanh(node[1]);          /* a = tanh z   */
    node[3] = ag_sub(node[2], xy[1]);    /* a - y        */
    node[4] = ag_square(node[3]);        /* L            */
    // clang-format on
    ag_tensor *loss = node[4];
    if (!loss || ag_backward(loss) < 0) {
        fprintf(stderr, "02_gradients: %s\n", ag_last_error());
        return 1;
    }
    /* One node per op, in the order they ran; ag_backward walked them in
     * reverse (square, sub, tanh, add, mul), each turning dL/d(its output)
     * into dL/d(its inputs), exactly the lines of part 1 read upwards. */
    printf("the tape holds %zu nodes:", ag_tape_size());
    for (int i = 0; i < 5; i++)
        printf(" %s", ag_op_name(node[i]));
    printf("\n");
    failures += ag_tape_size() != 5;
    printf("by the tape:\n");
    failures += check("L", value_of(ag_value(loss)), L, 1e-15);
    failures += check("dL/dw = ag_grad(w)", value_of(ag_grad(w)), dL_dw, 1e-15);
    failures += check("dL/db = ag_grad(b)", value_of(ag_grad(b)), dL_db, 1e-15);
    ag_tape_reset(); /* frees every tensor the ops made; w, b, x, y stay */

    /* ---- 3. By finite differences ---- */
    /* (L(w + h) - L(w - h)) / 2h = dL/dw + O(h^2): the error of the
     * estimate shrinks 100x when h shrinks 10x, until rounding (about
     * 1e-16 / h) takes over. h = 1e-5 balances the two: about 1e-11. */
    double h = 1e-5;
    printf("by central differences (h = %g):\n", h);
    failures +=
        check("dL/dw", (loss_by_hand(W + h, B) - loss_by_hand(W - h, B)) / (2 * h), dL_dw, 1e-9);
    failures +=
        check("dL/db", (loss_by_hand(W, B + h) - loss_by_hand(W, B - h)) / (2 * h), dL_db, 1e-9);

    /* ag_gradcheck does the same for every element of every input of any
     * function built from tape ops, in float64, and reports the worst. */
    const nd_array *inputs[2] = {ag_value(w), ag_value(b)};
    ag_gradcheck_report report;
    int ok = ag_gradcheck(neuron_loss, xy, 2, inputs, 1e-6, 1e-8, 1e-6, &report);
    /* (It checks sum(v * L) for a random v, so its numbers are v dL/dw.) */
    printf("ag_gradcheck: %s (largest |analytic - numeric|: %.1g)\n", ok == 1 ? "passed" : "FAILED",
           fabs(report.analytic - report.numeric));
    failures += ok != 1;

    ag_tensor_free(w);
    ag_tensor_free(b);
    ag_tensor_free(xy[0]);
    ag_tensor_free(xy[1]);
    printf("%s\n", failures ? "FAILED" : "hand, tape and finite differences agree");
    return failures ? 1 : 0;
}
