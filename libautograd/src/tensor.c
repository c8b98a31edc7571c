/* Tensors the caller owns (parameters and constants) and the accessors
 * every tensor shares. Tape tensors are made in tape.c. */
#include "ag_internal.h"

static bool is_float(nd_dtype dt) { return dt == ND_FLOAT32 || dt == ND_FLOAT64; }

static ag_tensor *owned_tensor(const nd_array *value, bool requires_grad)
{
    if (!value) {
        ag_error(ND_ERR_VALUE, "a tensor needs a value (got NULL)");
        return NULL;
    }
    ag_tensor *t = calloc(1, sizeof *t);
    if (!t) {
        ag_error(ND_ERR_MEMORY, "out of memory creating a tensor");
        return NULL;
    }
    t->value = nd_copy(value);
    if (!t->value) {
        free(t);
        return NULL;
    }
    t->requires_grad = requires_grad;
    atomic_init(&t->refs, 1); /* the caller's */
    return t;
}

ag_tensor *ag_param(const nd_array *value)
{
    if (value && !is_float(nd_dtype_of(value))) {
        ag_error(ND_ERR_TYPE,
                 "only Tensors of floating point dtype can require gradients "
                 "(got %s)",
                 nd_dtype_name(nd_dtype_of(value)));
        return NULL;
    }
    return owned_tensor(value, true);
}

ag_tensor *ag_const(const nd_array *value) { return owned_tensor(value, false); }

void ag_tensor_retain(ag_tensor *t)
{
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

void ag_tensor_release(ag_tensor *t)
{
    if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
        return;
    nd_free(t->value);
    nd_free(t->grad);
    nd_free(t->grad_storage);
    free(t);
}

void ag_tensor_free(ag_tensor *t)
{
    if (!t || t->on_tape)
        return;
    ag_tensor_release(t); /* the caller's reference; the tape may hold more */
}

void ag_null_argument(const char *func, const char *name)
{
    if (nd_last_status() == ND_OK)
        ag_error(ND_ERR_VALUE, "%s: %s is NULL", strncmp(func, "ag_", 3) == 0 ? func + 3 : func,
                 name);
}

const nd_array *ag_value(const ag_tensor *t)
{
    AG_REQUIRE(t, NULL);
    return t->value;
}

nd_array *ag_param_value(ag_tensor *t)
{
    AG_REQUIRE(t, NULL);
    return t->on_tape ? NULL : t->value;
}

const nd_array *ag_grad(const ag_tensor *t)
{
    AG_REQUIRE(t, NULL);
    return t->grad;
}

bool ag_requires_grad(const ag_tensor *t)
{
    AG_REQUIRE(t, false);
    return t->requires_grad;
}

static bool fits(const nd_array *storage, const nd_array *value)
{
    return nd_dtype_of(storage) == nd_dtype_of(value) && ag_same_shape(storage, value) &&
           nd_is_c_contiguous(storage) && nd_is_writeable(storage);
}

int ag_param_bind(ag_tensor *param, const nd_array *value, const nd_array *grad)
{
    AG_REQUIRE(param, ND_ERR_VALUE);
    if (param->on_tape)
        return ag_error(ND_ERR_VALUE, "param_bind: expected a parameter or constant (got %s)",
                        param ? "a tensor made by an op" : "NULL");
    for (int i = 0; i < 2; i++) {
        const nd_array *s = i == 0 ? value : grad;
        if (s && !fits(s, param->value))
            return ag_error(ND_ERR_VALUE,
                            "param_bind: the %s storage must be a writeable "
                            "C-contiguous array of the parameter's shape and dtype",
                            i == 0 ? "value" : "gradient");
    }
    nd_array *v = value ? nd_view(value) : NULL, *g = grad ? nd_view(grad) : NULL;
    nd_array *gv = g && param->grad ? nd_view(g) : NULL;
    if ((value && !v) || (grad && !g) || (g && param->grad && !gv) ||
        (v && nd_copyto(v, param->value, ND_CAST_NO) < 0) ||
        (gv && nd_copyto(gv, param->grad, ND_CAST_NO) < 0)) {
        nd_free(v), nd_free(g), nd_free(gv);
        return nd_last_status();
    }
    if (v) {
        nd_free(param->value);
        param->value = v;
    }
    if (g) {
        nd_free(param->grad_storage);
        param->grad_storage = g;
        if (gv) {
            nd_free(param->grad);
            param->grad = gv;
        }
    }
    return 0;
}

int ag_grad_adopt(ag_tensor *x, nd_array *g)
{
    if (!x->grad_storage) {
        x->grad = g;
        return 0;
    }
    nd_array *view = nd_view(x->grad_storage);
    if (!view || nd_copyto(view, g, ND_CAST_SAME_KIND) < 0) {
        nd_free(view);
        nd_free(g);
        return nd_last_status();
    }
    nd_free(g);
    x->grad = view;
    return 0;
}


int ag_set_requires_grad(ag_tensor *t, bool requires_grad)
{
    AG_REQUIRE(t, ND_ERR_VALUE);
    if (t->on_tape)
        return ag_error(ND_ERR_VALUE, "requires_grad can only be changed on parameters and "
                                      "constants (leaf tensors)");
    if (requires_grad && !is_float(nd_dtype_of(t->value)))
        return ag_error(ND_ERR_TYPE,
                        "only Tensors of floating point dtype can require "
                        "gradients (got %s)",
                        nd_dtype_name(nd_dtype_of(t->value)));
    t->requires_grad = requires_grad;
    return 0;
}

void ag_zero_grad(ag_tensor *t)
{
    if (!t)
        return;
    nd_free(t->grad);
    t->grad = NULL;
}

const char *ag_op_name(const ag_tensor *t)
{
    AG_REQUIRE(t, NULL);
    return t->node ? t->node->op->name : NULL;
}
