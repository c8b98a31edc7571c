/* step.h: one optimizer step of train and finetune: gradient accumulation
 * over micro-batches, the parameter arena, the data-parallel reduction of
 * the gradients, clipping and AdamW (step.c explains the order of every
 * sum and why it makes P ranks equal one rank with P times the
 * micro-batches). */
#ifndef SHANNON_STEP_H
#define SHANNON_STEP_H

#include "cli.h"

/* Micro-batch j of a step, for j = 0 .. K·P-1 in order, on every rank:
 * the function draws the micro-batch from its generator every time (so
 * the generators advance alike on all ranks, whatever P is) and, when
 * `mine`, stores its loss (recorded on the tape, options o) in *loss.
 * Returns 0, or -1 with nd_last_error set. */
typedef int (*micro_batch_fn)(void *ctx, bool mine, const transformer_forward_options *o,
                              ag_tensor **loss);

typedef struct train_step train_step;

typedef struct step_result {
    double loss; /* mean micro-batch loss over the global batch */
    double grad_norm; /* the global gradient norm before clipping; NaN if not reached */
    int stop_signal; /* the first signal any rank caught (0: none), agreed by all */
    double exposed_comm; /* seconds waited for the gradient reduction after the backward */
} step_result;

/* A step over n float32 parameters (borrowed; they move into the arena:
 * one block of values, one of gradients), with AdamW groups decay and
 * no_decay (borrowed), grad_accum micro-batches per rank and gradient
 * norm clipping at grad_clip. zero 1 with several ranks: ZeRO-1, each
 * rank keeps and updates the optimizer state of one slice of the arena
 * (the groups' state is narrowed to it with ag_optimizer_set_range; load
 * a checkpoint into the groups before this call, see
 * train_step_whole_state to save one); zero 0, or one rank: every rank
 * updates everything. Collective. NULL with nd_last_error set. */
train_step *train_step_new(int n, ag_tensor *const *params, ag_optimizer *decay,
                           ag_optimizer *no_decay, int64_t grad_accum, double grad_clip, int zero);
void train_step_free(train_step *s);

/* The values arena: every parameter's value, one after the other (with
 * padding to 64 bytes between them). */
float *train_step_values(train_step *s, int64_t *n);

/* In bf16 precision without ZeRO (each rank updates every weight), the two
 * optimizers keep the model's bf16 weight copies current
 * (transformer_keep_bf16_copies) and the forward skips its casts. Call
 * once the weights are final for the first step (after the broadcast).
 * 0, or -1 after a "shannon COMMAND: ..." line on stderr. */
int train_step_keep_bf16_copies(const train_step *s, transformer_model *model, const char *command);

/* One optimizer step: the K·P micro-batches of the global batch (rank r
 * runs micro-batches j = r, r + P, ...), each loss scaled by 1/(K·P),
 * gradients summed, clipped, one AdamW update at the optimizers' current
 * learning rate. Dropout: with one micro-batch per step it draws from
 * dropout_rng itself; with several, micro-batch j draws from a generator
 * seeded by the j-th of K·P numbers drawn from dropout_rng, so no rank
 * depends on another's draws. stop_signal: this rank's caught signal,
 * shared with the others. Returns 0 after the update; 1 without an update
 * when the loss or the gradient norm is not finite (result says which);
 * -1 after printing "shannon <command>: iteration <it> failed: <why>" on a
 * single rank (with several ranks a failure ends them all). */
int train_step_run(train_step *s, const char *command, int64_t it, micro_batch_fn fn, void *ctx,
                   nd_rng *dropout_rng, int stop_signal, step_result *result);

/* ZeRO-1 and checkpoints: whole = true gathers every rank's slice of the
 * optimizer state into rank 0's groups (rank 0 then holds the whole state,
 * what ag_optimizer_save writes under --zero 0; out of memory there ends
 * every rank with a message); whole = false narrows rank 0 to its slice
 * again. Collective; a no-op without ZeRO-1. */
void train_step_whole_state(train_step *s, bool whole);
/* With several ranks, rank 0 prints the bytes of optimizer state (AdamW
 * moments) each rank holds now: "shannon <command>: optimizer state per
 * rank (AdamW moments, --zero Z): B_0 B_1 ... bytes" on stderr.
 * Collective. */
void train_step_report_memory(const train_step *s, const char *command);

#endif
