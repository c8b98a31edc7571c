/*
 * ag_internal.h: libautograd's private structures. Built only on libnd's
 * public API (nd.h), as any library on top of libnd would be.
 */
#ifndef AG_INTERNAL_H
#define AG_INTERNAL_H

#include "autograd.h"
#include "check.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define AG_MAX_INPUTS 8
#define AG_MAX_SAVED 8

typedef struct ag_node ag_node;

struct ag_tensor {
    nd_array *value;
    nd_array *grad; /* accumulated gradient, NULL until a backward reaches it */
    ag_node *node; /* the op that produced it; NULL for leaves and detached */
    ag_tensor *next; /* tape tensors: the tape's list, for the reset */
    /* Parameters and constants: the caller's reference (dropped by
     * ag_tensor_free) plus one per recorded node that has it as an input
     * (dropped by ag_tape_reset). Freed at 0, so a tensor the caller freed
     * stays alive while the tape still needs its value or gradient. Atomic:
     * the tapes of several threads may hold the same parameter. */
    atomic_int refs;
    bool requires_grad;
    bool on_tape; /* owned by the tape (else by the caller) */
    /* A tape tensor's gradient that other arrays share (a view of its
     * consumer's gradient): read only, so a second gradient is added into
     * a new array (tape.c's accumulate). */
    bool grad_shared;
    /* Parameters bound to caller storage (ag_param_bind): where gradients
     * are written; NULL: a fresh array per first gradient. */
    nd_array *grad_storage;
    /* The grad-ready hook's bookkeeping during one backward (tape.c): the
     * backward's stamp and the earliest node that reads this leaf. */
    uint64_t ready_stamp;
    size_t ready_node;
};

/* A reference to a parameter or constant (not to tape tensors, which live
 * until the reset anyway). ag_tensor_release frees it with its last one. */
void ag_tensor_retain(ag_tensor *t);
void ag_tensor_release(ag_tensor *t);

struct ag_ctx {
    ag_node *node; /* NULL while an unrecorded op runs its forward */
    int n;
    const nd_array *inputs[AG_MAX_INPUTS];
    const nd_array *output;
    nd_array *saved[AG_MAX_SAVED];
    int nsaved;
    const void *params;
    bool needs_grad[AG_MAX_INPUTS];
};

struct ag_node {
    const ag_op *op;
    ag_tensor *inputs[AG_MAX_INPUTS];
    ag_tensor *output;
    ag_ctx ctx;
    bool released; /* saved activations freed by a backward */
};

/* Sets an error in PyTorch's words and returns status (or NULL through the
 * pointer variants). */
#define ag_error(status, ...) nd_set_last_error((status), __VA_ARGS__)

/* Bytes from the tape's arena: freed all at once by ag_tape_reset. */
void *ag_arena_alloc(size_t size);

/* Makes g (of x's shape and dtype) x's gradient when x has none: a view of
 * x's bound storage holding a copy of g, or g itself. Takes g. */
int ag_grad_adopt(ag_tensor *x, nd_array *g);

#endif /* AG_INTERNAL_H */
