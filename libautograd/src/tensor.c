/* Tensors the caller owns (parameters and constants) and the accessors
 * every tensor shares. Tape tensors are made in tape.c. */
#include "internal.h"

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
    atomic_init(&t->refs, 1);   /* the caller's */
    return t;
}

ag_tensor *ag_param(const nd_array *value)
{
    if (value && !is_float(nd_dtype_of(value))) {
        ag_error(ND_ERR_TYPE, "only Tensors of floating point dtype can require gradients "
                 "(got %s)", nd_dtype_name(nd_dtype_of(value)));
        return NULL;
    }
    return owned_tensor(value, true);
}

ag_tensor *ag_const(const nd_array *value) { return owned_tensor(value, false); }

void ag_tensor_retain(ag_tensor *t) { atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed); }

void ag_tensor_release(ag_tensor *t)
{
    if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
        return;
    nd_free(t->value);
    nd_free(t->grad);
    free(t);
}

void ag_tensor_free(ag_tensor *t)
{
    if (!t || t->on_tape)
        return;
    ag_tensor_release(t);   /* the caller's reference; the tape may hold more */
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

int ag_set_requires_grad(ag_tensor *t, bool requires_grad)
{
    AG_REQUIRE(t, ND_ERR_VALUE);
    if (t->on_tape)
        return ag_error(ND_ERR_VALUE, "requires_grad can only be changed on parameters and "
                        "constants (leaf tensors)");
    if (requires_grad && !is_float(nd_dtype_of(t->value)))
        return ag_error(ND_ERR_TYPE, "only Tensors of floating point dtype can require "
                        "gradients (got %s)", nd_dtype_name(nd_dtype_of(t->value)));
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
