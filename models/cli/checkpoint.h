/* checkpoint.h: a training run's checkpoints, each written as a new
 * generation and published by one rename (checkpoint.c explains how, and
 * why a kill at any instant leaves the previous or the new one). */
#ifndef SHANNON_CHECKPOINT_H
#define SHANNON_CHECKPOINT_H

#include "cli.h"
#include "tok.h"

/* What one checkpoint holds, by reference to the trainer's objects.
 * checkpoint_save reads every field. checkpoint_load loads the model, the
 * optimizers and the generators in place (the caller creates them from
 * the checkpoint's config.json and tokenizer.json, read through
 * checkpoint_file) and sets iter, eval_interval, data_*, rows and notes
 * (rows and notes malloc'd, the caller frees them). */
typedef struct checkpoint {
    // clang-format off
    run_config *config;               /* config.json */
    tok_tokenizer *tok;               /* tokenizer.json */
    transformer_model *model;         /* model.safetensors */
    ag_optimizer *decay, *no_decay;   /* optimizer_decay / optimizer_no_decay.safetensors */
    nd_rng *batch_rng, *dropout_rng;  /* train_state.json: their states, and */
    int64_t iter;                     /*   the next iteration to run, */
    int64_t eval_interval;            /*   --eval-interval, */
    int64_t micro_batches;            /*   micro-batches per step, all ranks (grad-accum x
                                       *   ranks; older files: 1), */
    uint64_t data_hash;               /*   text_hash and size of the text it trained on */
    int64_t data_bytes;
    loss_row *rows;                   /* loss.csv, loss.svg: iterations before iter */
    int64_t nrows;
    char *notes;                      /* notes.txt (warnings of the run's history); NULL: none */
    // clang-format on
} checkpoint;

/* What a folder holds, from checkpoint_dir_open. */
enum {
    // clang-format off
    CHECKPOINT_NONE,     /* missing, empty, or the remains of a run that stopped before its
                          * first checkpoint: a new run may use it */
    CHECKPOINT_FOUND,    /* a published checkpoint (generation > 0) */
    CHECKPOINT_FOREIGN,  /* a model not written this way (a regular config.json or
                          * model.safetensors at the top): never written over */
    // clang-format on
};

typedef struct checkpoint_dir {
    char path[4096];
    int fd; /* the folder, locked (flock) against a second trainer; -1: not yet */
    int64_t generation; /* the number of the published checkpoint; 0: none */
} checkpoint_dir;

/* Looks at DIR without writing anything; locks it if it exists. Returns a
 * CHECKPOINT_* value, or -1 after one line on stderr ("shannon <command>:
 * ...": another trainer holds the lock, a damaged `current` link). */
int checkpoint_dir_open(const char *command, const char *dir, checkpoint_dir *cd);
/* The same without the lock, for the other ranks of a data-parallel run:
 * they only read the checkpoint that rank 0 holds locked. */
int checkpoint_dir_open_unlocked(const char *command, const char *dir, checkpoint_dir *cd);
/* Before the first save: creates and locks the folder if needed, and
 * removes what a killed run left (unpublished or old generations,
 * temporary links). 0, or -1 after one line on stderr. */
int checkpoint_dir_prepare(const char *command, checkpoint_dir *cd);
void checkpoint_dir_close(checkpoint_dir *cd); /* releases the lock */
/* DIR/checkpoint-<generation>/name in buffer (the published files; name
 * NULL: the folder itself). */
const char *checkpoint_file(const checkpoint_dir *cd, const char *name, char *buffer, size_t size);

/* Writes generation+1 and publishes it; the previous one is then removed.
 * 0, or -1 after one line on stderr naming the file and the reason
 * (strerror), with the previous checkpoint still the published one. */
int checkpoint_save(const char *command, checkpoint_dir *cd, const checkpoint *ck);
/* Loads the published checkpoint into ck (see above); 0, or -1 after one
 * line on stderr with nothing allocated. */
int checkpoint_load(const char *command, const checkpoint_dir *cd, checkpoint *ck);

/* 64-bit FNV-1a of a text: tells whether --resume is given the same data. */
uint64_t text_hash(const char *text, size_t len);

#endif
