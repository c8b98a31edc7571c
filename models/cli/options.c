/* Strict command-line flags: every flag is known, every value well formed. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *command, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "shannon %s: ", command);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return -1;
}

int parse_options(const char *command, int argc, char **argv, int first, option *options, int n)
{
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        option *o = NULL;
        for (int k = 0; k < n; k++)
            if (strcmp(arg, options[k].name) == 0)
                o = &options[k];
        if (!o)
            return fail(command, "unknown option '%s'%s (see 'shannon --help')", arg, "");
        if (o->seen)
            return fail(command, "option '%s' given twice%s", arg, "");
        o->seen = true;
        if (o->kind == OPT_FLAG) {
            *(bool *)o->value = true;
            continue;
        }
        if (i + 1 >= argc)
            return fail(command, "option '%s' needs a value%s", arg, "");
        const char *text = argv[++i];
        char *end = NULL;
        errno = 0;
        if (o->kind == OPT_INT) {
            long long v = strtoll(text, &end, 10);
            if (!*text || *end || errno)
                return fail(command, "option '%s' expects an integer, got '%s'", arg, text);
            *(int64_t *)o->value = v;
        } else if (o->kind == OPT_DOUBLE) {
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
            return fail(command, "%s is required%s", options[k].name, "");
    return 0;
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
