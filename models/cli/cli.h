/*
 * cli.h: the pieces of the `shannon` command line shared by its commands.
 *
 *   options.c  strict flag parsing: unknown flags, bad numbers, values out
 *              of range, missing values are one-line errors; --help
 *   files.c    reading a text corpus (missing, empty, binary files, FIFOs
 *              refused), atomic writes, the model folder, stdout errors
 *   checkpoint.c  a training run's checkpoints, each published as one unit
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
    void *value;               /* int64_t *, double *, const char **, bool *; holds the
                                * default, which --help prints */
    bool required;
    bool seen;                 /* set by parse_options */
    const char *help;          /* one line for --help: what the flag means */
    const char *meta;          /* the value's name in --help ("FILE"); NULL: N, X or TEXT */
    int64_t min, max;          /* OPT_INT: the allowed range, checked before anything is
                                * allocated; both 0: any int64 */
} option;

/* Parses argv[first..argc) against the table. Returns 0; or 1 after
 * printing the command's usage to stdout for --help / -h (the caller
 * exits 0); or -1 after printing "shannon <command>: <reason>" to stderr. */
int parse_options(const char *command, int argc, char **argv, int first, option *options, int n);
/* The one-line summary of a command for --help ("train a GPT on a text
 * file"), from main.c's table of commands; NULL if unknown. */
const char *command_summary(const char *command);

/* ---- files ---------------------------------------------------------------------- */

/* The whole file as a malloc'd buffer (NUL-terminated, *len bytes). Fails
 * with a one-line message on stderr for a missing, unreadable, empty or
 * binary (NUL bytes, or not UTF-8) file, and for anything that is not a
 * regular file (a FIFO is refused without blocking on it). */
char *read_text_file(const char *command, const char *path, size_t *len);
/* Writes len bytes to path atomically: a temporary file in the same
 * folder, fsync, rename. Never leaves a partial file at path. */
int write_file_atomic(const char *path, const void *data, size_t len);
/* Creates the folder (and its parents) if missing. */
int make_folder(const char *path);
/* dir + "/" + name in the caller's buffer; returns buffer. */
const char *join_path(char *buffer, size_t size, const char *dir, const char *name);
/* Flushes standard output; 0, or -1 after "shannon <command>: cannot write
 * the output: <strerror>" on stderr (a full disk, a closed pipe). */
int finish_output(const char *command);

/* Upper bounds on a model's shape, for flags and for config.json alike:
 * they keep every product of sizes far from overflowing int64. */
#define MAX_VOCAB (1 << 20)
#define MAX_BLOCK 65536
#define MAX_EMBD 65536
#define MAX_HEADS 1024

/* ---- config.json ------------------------------------------------------------------ */

typedef struct run_config {
    gpt_config model;
    char tokenizer[16];        /* "char" or "bpe" */
    int64_t batch, iters, seed;
    double lr;
} run_config;

int save_run_config(const char *path, const run_config *config);
/* Reads what save_run_config wrote; a one-line error (stderr) otherwise. */
int load_run_config(const char *command, const char *path, run_config *config);

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
