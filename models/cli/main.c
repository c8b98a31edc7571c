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
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage:\n"
    "  shannon train    --data FILE --out DIR [--objective causal|mlm] [--mask-rate X]\n"
    "                   [--tokenizer char|bpe] [--vocab-size N]\n"
    "                   [--layers N] [--heads N] [--embd N] [--block N] [--batch N]\n"
    "                   [--iters N] [--lr X] [--dropout X] [--seed N] [--threads N]\n"
    "                   [--resume] [--reference] [--learned-positions] [--post-ln]\n"
    "                   [--eval-interval N] [--stop-at N]\n"
    "  shannon finetune --out DIR [--from DIR | architecture flags as in train]\n"
    "                   ( --data FILE | --task classify --train FILE --valid FILE )\n"
    "                   [--iters N] [--lr X] [--batch N] [--grad-accum N] [--seed N]\n"
    "                   [--threads N]          (FILEs of --train/--valid: label<TAB>text)\n"
    "  shannon sample   --model DIR [--prompt TEXT] [--tokens N] [--temperature X]\n"
    "                   [--top-k N] [--top-p X] [--seed N] [--threads N]\n"
    "  shannon eval     --model DIR --data FILE [--threads N]\n"
    "  shannon classify --model DIR [--input FILE] [--threads N]\n"
    "  shannon tokenize --tokenizer DIR|gpt2 [--decode] [--input FILE]\n";

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "train") == 0)
        return command_train(argc, argv);
    if (strcmp(argv[1], "sample") == 0)
        return command_sample(argc, argv);
    if (strcmp(argv[1], "eval") == 0)
        return command_eval(argc, argv);
    if (strcmp(argv[1], "finetune") == 0)
        return command_finetune(argc, argv);
    if (strcmp(argv[1], "classify") == 0)
        return command_classify(argc, argv);
    if (strcmp(argv[1], "tokenize") == 0)
        return command_tokenize(argc, argv);
    fprintf(stderr, "shannon: unknown command '%s' (expected train, finetune, sample, eval, "
            "classify or tokenize; see "
            "'shannon --help')\n", argv[1]);
    return 2;
}
