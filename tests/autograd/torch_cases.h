/*
 * torch_cases.h: runs differential cases written by a PyTorch script
 * (torch/torchcases.py) against libautograd.
 *
 * A test supplies a table of named functions that build the same graph as
 * the script's lambdas; each case's output and input gradients (of
 * L = sum(v * y) with the saved v) must match PyTorch's within the case's
 * rtol/atol.
 */
#ifndef TORCH_CASES_H
#define TORCH_CASES_H

#include <autograd.h>

/* Builds the output from the inputs (float inputs are parameters, the others
 * constants). `params` is the case's key=value text ("-" if none). */
typedef ag_tensor *(*torch_case_fn)(ag_tensor *const *inputs, int n, const char *params);

typedef struct torch_case_entry {
    const char *name;
    torch_case_fn fn;
} torch_case_entry;

/* Runs `script` (in the test's source folder) with a fresh folder as its
 * argument, then every case it wrote. Prints each failure with its line;
 * returns the number of failures and sets *total. Skips the test (exit 77)
 * if torch cannot be imported. */
int torch_run_cases(const char *script, const torch_case_entry *table, int ntable, int *total);

/* Helpers for case functions: an integer / double parameter from `params`
 * ("axis=1 eps=1e-5"), or `fallback` if absent; a comma-separated int list
 * ("axes=0,2"), returning how many were read. */
long torch_param_int(const char *params, const char *key, long fallback);
double torch_param_double(const char *params, const char *key, double fallback);
int torch_param_ints(const char *params, const char *key, int *out, int max);

#endif
