/* Strict command-line flags: every flag is known, every value well formed
 * and in range, and --help describes them all from the same table. */
#include "cli.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "shannon %s: ", command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static const char *meta_of(const option *o)
{
    return o->meta ? o->meta : o->kind == OPT_INT ? "N" : o->kind == OPT_DOUBLE ? "X" : "TEXT";
}

/* usage: shannon train --data FILE --out DIR [options], the summary, then
 * one line per flag with its default (the value the table starts with). */
static void print_usage(const char *command, const option *options, int n)
{
    printf("usage: shannon %s", command);
    for (int k = 0; k < n; k++)
        if (options[k].required)
            printf(" %s %s", options[k].name, meta_of(&options[k]));
    printf(" [options]\n");
    const char *summary = command_summary(command);
    if (summary)
        printf("%c%s.\n",
               summary[0] >= 'a' && summary[0] <= 'z' ? summary[0] - 'a' + 'A' : summary[0],
               summary + 1);
    printf("\noptions:\n");
    for (int k = 0; k < n; k++) {
        const option *o = &options[k];
        char left[64];
        if (o->kind == OPT_FLAG)
            snprintf(left, sizeof left, "%s", o->name);
        else
            snprintf(left, sizeof left, "%s %s", o->name, meta_of(o));
        printf("  %-22s %s", left, o->help ? o->help : "");
        if (o->required)
            printf(" (required)");
        else if (o->kind == OPT_INT &&
                 ((o->min == 0 && o->max == 0) ||
                  (*(const int64_t *)o->value >= o->min && *(const int64_t *)o->value <= o->max)))
            /* (a default outside the range, as --stop-at's -1, means "not set") */
            printf(" (default %lld)", (long long)*(const int64_t *)o->value);
        else if (o->kind == OPT_DOUBLE)
            printf(" (default %g)", *(const double *)o->value);
        else if (o->kind == OPT_STRING && *(const char *const *)o->value)
            printf(" (default '%s')", *(const char *const *)o->value);
        putchar('\n');
    }
    printf("  %-22s %s\n", "--help", "print this help and exit");
}

/* An integer flag's value, in the table's range (ERANGE from strtoll too:
 * "--heads 4294967298" must not become 2 heads, nor 2^63 wrap). */
static int parse_int(const char *command, const option *o, const char *text)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    bool ranged = o->min != 0 || o->max != 0;
    if (!*text || *end || (errno && !(errno == ERANGE && ranged)))
        return fail(command, "option '%s' expects an integer, got '%s'", o->name, text);
    if (errno == ERANGE || (ranged && (v < o->min || v > o->max))) {
        fprintf(stderr, "shannon %s: option '%s' must be between %lld and %lld, got %s\n", command,
                o->name, (long long)o->min, (long long)o->max, text);
        return -1;
    }
    *(int64_t *)o->value = v;
    return 0;
}

int parse_options(const char *command, int argc, char **argv, int first, option *options, int n)
{
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) { /* where a flag is expected */
            print_usage(command, options, n);
            return 1;
        }
        option *o = NULL;
        for (int k = 0; k < n; k++)
            if (strcmp(arg, options[k].name) == 0)
                o = &options[k];
        if (!o)
            return fail(command, "unknown option '%s' (see 'shannon %s --help')", arg, command);
        if (o->seen)
            return fail(command, "option '%s' given twice", arg);
        o->seen = true;
        if (o->kind == OPT_FLAG) {
            *(bool *)o->value = true;
            continue;
        }
        if (i + 1 >= argc)
            return fail(command, "option '%s' needs a value", arg);
        const char *text = argv[++i];
        if (o->kind == OPT_INT) {
            if (parse_int(command, o, text) < 0)
                return -1;
        } else if (o->kind == OPT_DOUBLE) {
            char *end = NULL;
            errno = 0;
            double v = strtod(text, &end);
            if (!*text || *end || errno || !isfinite(v))
                return fail(command, "option '%s' expects a number, got '%s'", arg, text);
            *(double *)o->value = v;
        } else {
            *(const char **)o->value = text;
        }
    }
    for (int k = 0; k < n; k++)
        if (options[k].required && !options[k].seen)
            return fail(command, "%s is required", options[k].name);
    return 0;
}

bool option_given(const option *options, int n, const char *name)
{
    for (int k = 0; k < n; k++)
        if (strcmp(options[k].name, name) == 0)
            return options[k].seen;
    assert(!"option_given: no such option in the table");
    return false;
}

int check_objective(const char *command, const char *objective, double mask_rate)
{
    if (strcmp(objective, "causal") != 0 && strcmp(objective, "mlm") != 0) {
        fprintf(stderr, "shannon %s: --objective must be causal or mlm, not '%s'\n", command,
                objective);
        return -1;
    }
    if (!(mask_rate > 0 && mask_rate < 1)) {
        fprintf(stderr, "shannon %s: --mask-rate must be in (0, 1), not %g\n", command, mask_rate);
        return -1;
    }
    return 0;
}
