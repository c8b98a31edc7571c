/*
 * cli.h: the pieces of the `shannon` command line shared by its commands.
 *
 *   options.c  strict flag parsing: unknown flags, bad numbers, missing
 *              values are one-line errors
 *   files.c    reading a text corpus (missing, empty, binary files refused),
 *              the model folder (files are written with nd_write_atomic)
 *   config.c   config.json: the model's shape, the tokenizer, the run
 *   report.c   the progress bar, loss.csv and the loss-curve SVG
 *   train.c, sample.c, eval.c   the commands
 */
#ifndef SHANNON_CLI_H
#define SHANNON_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gpt.h"

/* ---- options ------------------------------------------------------------------ */

typedef enum option_kind { OPT_INT, OPT_DOUBLE, OPT_STRING, OPT_FLAG } option_kind;

typedef struct option {
    const char *name;          /* "--iters" */
    option_kind kind;
    void *value;               /* int64_t *, double *, const char **, bool * */
    bool required;
    bool seen;                 /* set by parse_options */
} option;

/* Parses argv[first..argc) against the table. Returns 0, or prints
 * "shannon <command>: <reason>" to stderr and returns -1. */
int parse_options(const char *command, int argc, char **argv, int first, option *options, int n);

/* ---- files ---------------------------------------------------------------------- */

/* The whole file as a malloc'd buffer (NUL-terminated, *len bytes). Fails
 * with a one-line message on stderr for a missing, unreadable, empty or
 * binary (NUL bytes, or not UTF-8) file. */
char *read_text_file(const char *command, const char *path, size_t *len);
/* Creates the folder (and its parents) if missing. */
int make_folder(const char *path);
/* dir + "/" + name in a static buffer per call site (copy if kept). */
const char *join_path(char *buffer, size_t size, const char *dir, const char *name);

/* ---- config.json ------------------------------------------------------------------ */

typedef struct run_config {
    gpt_config model;
    char tokenizer[16];        /* "char" or "bpe" */
    int64_t batch, iters, seed;
    double lr;
} run_config;

int save_run_config(const char *path, const run_config *config);
/* Parses config.json's text (len bytes; `what` starts JSON error messages):
 * exactly the keys save_run_config writes, each once, typed and in range.
 * 0, or ND_ERR_VALUE with one line in nd_last_error() ("n_embd must be an
 * integer in [1, 65536] (got 10000000) at byte 80"). */
int parse_run_config(const char *text, size_t len, const char *what, run_config *config);
/* Reads what save_run_config wrote; a one-line error (stderr) otherwise. */
int load_run_config(const char *command, const char *path, run_config *config);

/* train_state.json (written by train.c's checkpoint): the iteration and the
 * two generators' states. parse_train_state checks it as parse_run_config
 * does config.json (exact keys, types, ranges); the generators' states are
 * checked again by nd_rng_set_state. */
typedef struct train_state {
    int64_t iter;
    nd_rng_state batch_rng, dropout_rng;
} train_state;
int parse_train_state(const char *text, size_t len, const char *what, train_state *state);

/* ---- loss over a whole text ---------------------------------------------------------- */

/* The mean cross-entropy (nats per token) of the model over a token stream
 * cut into consecutive windows of block+1 tokens, the last one shorter:
 * every token after the first is predicted exactly once, from the tokens of
 * its window before it. Windows are evaluated `batch` at a time, without
 * recording (composed: the reference ops). NaN if n < 2 or on error
 * (nd_last_error says why). */
double text_loss(gpt_model *model, const int32_t *ids, size_t n, int64_t batch, bool composed);

/* ---- reporting ---------------------------------------------------------------------- */

typedef struct progress {
    int64_t total;
    double start_time;
    bool terminal;             /* stderr is a TTY: redraw one line */
    int64_t last_printed;
} progress;

double now_seconds(void);
void progress_start(progress *p, int64_t first, int64_t total);
/* Iteration it finished with this loss and throughput. */
void progress_update(progress *p, int64_t it, double loss, double tokens_per_s);
void progress_note(progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void progress_finish(progress *p);

/* loss.csv rows "iter,train_loss,val_loss,lr" (val empty when not measured). */
typedef struct loss_row {
    int64_t iter;
    double train_loss, val_loss, lr;
} loss_row;
int write_loss_csv(const char *path, const loss_row *rows, int64_t n);
/* Reads rows back (for --resume); *rows malloc'd. */
int read_loss_csv(const char *path, loss_row **rows, int64_t *n);
/* A standalone SVG line chart of train and val loss against iteration. */
int write_loss_svg(const char *path, const loss_row *rows, int64_t n);

/* ---- commands ------------------------------------------------------------------------- */

int command_train(int argc, char **argv);
int command_sample(int argc, char **argv);
int command_eval(int argc, char **argv);

#endif
