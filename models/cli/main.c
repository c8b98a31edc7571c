/*
 * shannon: train a Transformer (a GPT or a masked-LM encoder) on a text
 * file, fine-tune it (more text, or a classification task), sample from it,
 * evaluate it, classify with it.
 *
 *   shannon train    --data FILE --out DIR [options]
 *   shannon finetune --out DIR (--from DIR --data FILE | --task classify ...)
 *   shannon sample   --model DIR [--prompt TEXT] [--tokens N] ...
 *   shannon eval     --model DIR --data FILE
 *   shannon classify --model DIR [--input FILE]
 *   shannon tokenize --tokenizer DIR|gpt2 [--decode] [--input FILE]
 *   shannon export   --format hf-gpt2|llmc --model DIR --out PATH
 *   shannon import   --format hf-gpt2|llmc --from PATH --out DIR
 *
 * `shannon COMMAND --help` lists a command's flags (options.c prints them
 * from the command's own table, so the list cannot go stale).
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"train", command_train,
     "train a GPT or a masked-LM encoder on a text file (--resume continues)"},
    {"finetune", command_finetune,
     "continue training on new text, or train a classifier on label<TAB>text lines"},
    {"sample", command_sample, "generate text from a trained model"},
    {"eval", command_eval, "loss and perplexity (or accuracy) of a trained model on a file"},
    {"classify", command_classify, "label<TAB>probability for each line, from a classifier"},
    {"tokenize", command_tokenize, "token ids of a text (or the text of ids, --decode)"},
    {"export", command_export, "write a GPT-2-shaped model as Hugging Face GPT-2 or llm.c files"},
    {"import", command_import, "read Hugging Face GPT-2 or llm.c files into a model folder"},
};
#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

const char *command_summary(const char *command)
{
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, command) == 0)
            return commands[i].summary;
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: shannon COMMAND [options]\n\ncommands:\n");
    for (int i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'shannon COMMAND --help' lists the options of a command.\n");
}

#if defined(__GLIBC__) /* known only once a libc header is in */
#include <malloc.h>
#endif

/* glibc's malloc gives blocks of 128 KB and more their own mapping, and
 * after frees hands the top of its heap back to the kernel (both
 * thresholds move with use). A training step frees and reallocates the
 * same activations every iteration, most of them between 100 KB and 1 MB
 * for small models (libnd's buffer cache keeps its arrays of 64 KB and more;
 * the rest of the program's blocks are glibc's),
 * so every step page-faulted and zeroed fresh memory: 776 page faults a
 * step of the baby model, none with fixed thresholds that keep those
 * blocks in the heap (a mapping only from 1 MB, the heap trimmed only
 * when 256 MB lie free at its top). */
static void keep_freed_memory(void)
{
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

int main(int argc, char **argv)
{
    keep_freed_memory();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    int status = -1;
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        status = 0;
        name = "--help";
    }
    for (int i = 0; status < 0 && i < NCOMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            status = commands[i].run(argc, argv);
    if (status < 0) {
        fprintf(stderr,
                "shannon: unknown command '%s' (expected train, finetune, sample, eval, classify, tokenize, export or import; see "
                "'shannon --help')\n",
                name);
        return 2;
    }
    /* What a command printed is only written once stdout is flushed: a full
     * disk or a closed pipe shows here, and must not end in exit 0. */
    if (finish_output(name) < 0 && status == 0)
        status = 1;
    return status;
}
