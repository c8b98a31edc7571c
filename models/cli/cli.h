/*
 * cli.h: the pieces of the `shannon` command line shared by its commands.
 *
 *   options.c  strict flag parsing: unknown flags, bad numbers, values out
 *              of range, missing values are one-line errors; --help
 *   files.c    reading a text corpus (missing, empty, binary files, FIFOs
 *              refused), the model folder, stdout errors (files
 *              are written with nd_write_atomic)
 *   checkpoint.c  a training run's checkpoints, each published as one unit
 *   config.c   config.json: the model's shape, the tokenizer, the run
 *   report.c   the progress bar, loss.csv and the loss-curve SVG
 *   examples.c labeled examples (label<TAB>text), batches, class probabilities
 *   train.c, finetune.c, sample.c, eval.c, classify.c   the commands
 */
#ifndef SHANNON_CLI_H
#define SHANNON_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tok.h"
#include "transformer.h"

/* ---- options ------------------------------------------------------------------ */

typedef enum option_kind { OPT_INT, OPT_DOUBLE, OPT_STRING, OPT_FLAG } option_kind;

typedef struct option {
    // clang-format off
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
    // clang-format on
} option;

/* Parses argv[first..argc) against the table. Returns 0; or 1 after
 * printing the command's usage to stdout for --help / -h (the caller
 * exits 0); or -1 after printing "shannon <command>: <reason>" to stderr. */
int parse_options(const char *command, int argc, char **argv, int first, option *options, int n);
/* Whether the command line gave the flag `name` ("--lr"), after
 * parse_options filled the table: read by name, so that rows can be added
 * or moved freely. A name the table lacks is the caller's bug (an assert
 * in debug builds; false otherwise). */
bool option_given(const option *options, int n, const char *name);
/* The one-line summary of a command for --help ("train a GPT on a text
 * file"), from main.c's table of commands; NULL if unknown. */
const char *command_summary(const char *command);

/* "causal" or "mlm", and a mask rate in (0, 1); else a one-line error
 * ("shannon train: --objective must be causal or mlm, not 'x'") and -1. */
int check_objective(const char *command, const char *objective, double mask_rate);

/* ---- files ---------------------------------------------------------------------- */

/* The whole file as a malloc'd buffer (NUL-terminated, *len bytes). Fails
 * with a one-line message on stderr for a missing, unreadable, empty or
 * binary (NUL bytes, or not UTF-8) file, and for anything that is not a
 * regular file (a FIFO is refused without blocking on it). */
char *read_text_file(const char *command, const char *path, size_t *len);
/* Creates the folder (and its parents) if missing. */
int make_folder(const char *path);
/* dir + "/" + name in the caller's buffer; returns buffer. */
const char *join_path(char *buffer, size_t size, const char *dir, const char *name);
/* Flushes standard output; 0, or -1 after "shannon <command>: cannot write
 * the output: <strerror>" on stderr (a full disk, a closed pipe). */
int finish_output(const char *command);

/* Upper bounds on a model's shape, for flags and for config.json alike:
 * they keep every product of sizes far from overflowing int64. */
#define MAX_VOCAB (1 << 21) /* > every code point + 1: a char vocabulary fits */
#define MAX_BLOCK 65536
#define MAX_EMBD 65536
#define MAX_HEADS 1024
#define MAX_CLASSES 65536
/* and on a run's flags */
#define MIN_BPE_VOCAB 257 /* the 256 byte tokens and at least one merge */
#define MAX_BATCH (1 << 20) /* sequences per micro-batch */
#define MAX_GRAD_ACCUM (1 << 20) /* micro-batches per step */
#define MAX_ITERS ((int64_t)1 << 40)
#define MAX_THREADS 1024
/* --zero's help, the same in train and finetune. */
#define ZERO_HELP                                                                             \
    "1: ZeRO-1 under mpirun, each rank keeps the AdamW moments of 1/ranks of the parameters " \
    "(same results, less memory)"

/* Defaults the commands share. */
#define DEFAULT_SEED 1337 /* nanoGPT's */
#define DEFAULT_BPE_VOCAB 4096

/* ---- config.json ------------------------------------------------------------------ */

typedef struct run_config {
    transformer_config model;
    // clang-format off
    char tokenizer[16];        /* "char" or "bpe" */
    char objective[16];        /* "causal", "mlm" or "classify" */
    double mask_rate;          /* mlm: the share of tokens chosen */
    // clang-format on
    int64_t batch, iters, seed;
    double lr;
} run_config;

/* "first", "last", "mean" (config.json's pooling). */
const char *pooling_name(transformer_pooling pooling);
/* "float32" or "bf16" (config.json's precision, --precision's values). */
const char *precision_name(transformer_precision precision);
/* --precision's value: "float32" (or "fp32") or "bf16" into *out; -1 after
 * one line on stderr naming the valid choices ("shannon train: --precision
 * must be 'float32' (or 'fp32') or 'bf16', not 'fp16'"). */
int parse_precision(const char *command, const char *value, transformer_precision *out);

int save_run_config(const char *path, const run_config *config);
/* Parses config.json's text (len bytes; `what` starts JSON error messages):
 * exactly the keys save_run_config writes, each once, typed and in range.
 * 0, or ND_ERR_VALUE with one line in nd_last_error() ("n_embd must be an
 * integer in [1, 65536] (got 10000000) at byte 80"). */
int parse_run_config(const char *text, size_t len, const char *what, run_config *config);
/* Reads what save_run_config wrote; a one-line error (stderr) otherwise. */
int load_run_config(const char *command, const char *path, run_config *config);

/* ---- training pieces shared by train and finetune (train.c) ------------------------- */

/* x, y (B, T) int64: B windows at random offsets of ids, y shifted by one. */
int make_batch(nd_rng *rng, const int32_t *ids, size_t n, int64_t B, int64_t T, nd_array **x,
               nd_array **y);
/* Splits text at floor(0.9 len), nanoGPT's data[:int(n * 0.9)], moved
 * forward to a UTF-8 character boundary. */
size_t split_point(const char *text, size_t len);
/* AdamW (betas 0.9, 0.99) in two groups, as nanoGPT: the matrices with
 * weight_decay, the vectors without. params receives every parameter
 * (TRANSFORMER_MAX_TENSORS room), *nparams their count. */
int make_adamw_groups(transformer_model *model, double lr, double weight_decay, ag_optimizer **decay,
                      ag_optimizer **no_decay, ag_tensor **params, int *nparams);

/* train_state.json (written by train.c's checkpoint): the iteration and the
 * two generators' states. parse_train_state checks it as parse_run_config
 * does config.json (exact keys, types, ranges); the generators' states are
 * checked again by nd_rng_set_state. */
typedef struct train_state {
    int64_t iter, eval_interval;
    // clang-format off
    int64_t micro_batches;         /* per step, all ranks: 1 in files from before MPI */
    int64_t data_bytes;            /* the training text's size and FNV-1a hash, */
    uint64_t data_hash;            /* to notice a resume on another --data */
    // clang-format on
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
double text_loss(transformer_model *model, const int32_t *ids, size_t n, int64_t batch,
                 bool composed);

/* ---- masked-LM evaluation ------------------------------------------------------------- */

typedef struct mlm_result {
    // clang-format off
    double loss;               /* mean cross-entropy over the masked positions */
    double accuracy;           /* share of masked positions predicted exactly */
    int64_t masked;            /* how many */
    // clang-format on
} mlm_result;

/* Evaluates an MLM model on a token stream cut into consecutive windows of
 * block tokens, `batch` at a time, masked by BERT's rule at mask_rate with
 * masks drawn from a fixed seed (two evaluations of one model agree). The
 * tokenizer gives [MASK] and the range of random replacements. loss NaN on
 * error (nd_last_error says why). */
mlm_result mlm_text_eval(transformer_model *model, const tok_tokenizer *tok, const int32_t *ids,
                         size_t n, int64_t batch, double mask_rate);
/* BERT's corruption of x (B, T) for the model's tokenizer. */
int mlm_mask_batch(const tok_tokenizer *tok, const nd_array *x, double mask_rate, nd_rng *rng,
                   nd_array **input, nd_array **targets);

/* ---- labeled examples (label<TAB>text), for classification ------------------------------ */

typedef struct labeled {
    size_t n;
    // clang-format off
    char **texts;              /* n lines of text (malloc'd) */
    int64_t *labels;           /* class index per line, -1 for unlabeled input */
    char **names;              /* the label names, sorted (malloc'd) */
    // clang-format on
    int64_t nnames;
} labeled;

/* Reads FILE of label<TAB>text lines. With known == NULL the labels found
 * become the classes (sorted); otherwise every label must be one of
 * known's ("label 'x' on line 4 of 'valid.tsv' does not occur in the
 * training file"). One-line error on stderr and -1 for a line without a
 * tab, an empty label, or an empty file. */
int read_labeled(const char *command, const char *path, const labeled *known, labeled *out);
/* Lines of unlabeled text (stdin if path is NULL). */
int read_lines(const char *command, const char *path, labeled *out);
void free_labeled(labeled *l);
/* ids (B, T) and padding (B, T) of texts[first .. first+B): [CLS] first
 * for an encoder (pool first), then the tokens cut to the block, [PAD]
 * after (id 0 without special tokens; masked out anyway). */
int encode_examples(const tok_tokenizer *tok, const transformer_config *c, char *const *texts,
                    size_t B, nd_array **ids, nd_array **padding);
/* Class probabilities (n, K) float32 of texts, batch at a time (a new
 * array). */
nd_array *classify_texts(transformer_model *model, const tok_tokenizer *tok, char *const *texts,
                         size_t n, int64_t batch);
/* labels.txt: one label name per line, class i on line i. */
int save_labels(const char *path, const labeled *l);

/* ---- reporting ---------------------------------------------------------------------- */

typedef struct progress {
    int64_t total;
    double start_time;
    bool terminal; /* stderr is a TTY: redraw one line */
    int64_t last_printed;
    bool quiet; /* prints nothing (the ranks of a data-parallel run but 0) */
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
/* attention_svg.c: the attention maps of the prompt ids[0..n) (its last
 * block_size tokens; n >= 1) as one heat map per layer and head, labelled
 * with the tokens, written atomically to path. 0, or -1 after one line on
 * stderr ("shannon <command>: ..."). Resets this thread's tape. */
int write_attention_svg(const char *command, const char *path, transformer_model *model,
                        const tok_tokenizer *tok, const int32_t *ids, int64_t n);

/* ---- commands ------------------------------------------------------------------------- */

int command_train(int argc, char **argv);
int command_sample(int argc, char **argv);
int command_eval(int argc, char **argv);
int command_finetune(int argc, char **argv);
int command_classify(int argc, char **argv);
int command_tokenize(int argc, char **argv);
int command_export(int argc, char **argv); /* export.c, import.c: GPT-2's formats */
int command_import(int argc, char **argv);

/* The tokenizer that --tokenizer SPEC names (tokenize.c): "gpt2" is GPT-2's
 * (tok_gpt2_load(NULL)); a folder is its tokenizer.json (a model folder)
 * or, without one, GPT-2's encoder.json + vocab.bpe in it; a file is a
 * tokenizer.json. NULL after printing "shannon COMMAND: <why>". */
tok_tokenizer *open_tokenizer(const char *command, const char *spec);

#endif
