/*
 * shannon classify: the label a classifier gives each line of text, with
 * its probability, as label<TAB>probability lines (standard input by
 * default).
 */
#include "model_dir.h"

#include <stdio.h>
#include <stdlib.h>

int command_classify(int argc, char **argv)
{
    const char *dir = NULL, *input = NULL;
    int64_t threads = 0;
    // clang-format off
    option options[] = {
        {"--model", OPT_STRING, &dir, true, .meta = "DIR",
         .help = "a classifier written by 'shannon finetune --task classify'"},
        {"--input", OPT_STRING, &input, .meta = "FILE",
         .help = "one text per line (default: standard input)"},
        {"--threads", OPT_INT, &threads, .help = "threads for the kernels (0: one per core)",
         .min = 0, .max = MAX_THREADS},
    };
    // clang-format on
    int parsed =
        parse_options("classify", argc, argv, 2, options, sizeof options / sizeof options[0]);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;
    if (nd_set_num_threads((int)threads) < 0) {
        fprintf(stderr, "shannon classify: %s\n", nd_last_error());
        return 2;
    }
    model_dir m;
    if (open_model_dir("classify", dir, &m) < 0)
        return 1;
    if (transformer_keep_bf16_copies(m.model, NULL) < 0) { /* bf16: weights cast once */
        fprintf(stderr, "shannon classify: %s\n", nd_last_error());
        close_model_dir(&m);
        return 1;
    }
    if (m.config.model.num_classes == 0) {
        fprintf(stderr,
                "shannon classify: '%s' is not a classifier (a %s model; make one with "
                "'shannon finetune --task classify')\n",
                dir, m.config.objective);
        close_model_dir(&m);
        return 1;
    }
    labeled lines;
    if (read_lines("classify", input, &lines) < 0) {
        close_model_dir(&m);
        return 1;
    }
    nd_array *probs = classify_texts(m.model, m.tok, lines.texts, lines.n, 32);
    nd_array *best = probs ? nd_argmax(probs, 1) : NULL;
    int status = 1;
    if (best) {
        const int64_t *p = nd_data(best), K = m.config.model.num_classes;
        const float *q = nd_data(probs);
        for (size_t i = 0; i < lines.n; i++)
            printf("%s\t%.4f\n", m.labels[p[i]], (double)q[(int64_t)i * K + p[i]]);
        status = 0;
    } else {
        fprintf(stderr, "shannon classify: %s\n", nd_last_error());
    }
    nd_free(probs);
    nd_free(best);
    free_labeled(&lines);
    close_model_dir(&m);
    return status;
}
