/*
 * shannon: train a GPT on a text file, sample from it, evaluate it.
 *
 *   shannon train  --data FILE --out DIR [options]
 *   shannon sample --model DIR [--prompt TEXT] [--tokens N] ...
 *   shannon eval   --model DIR --data FILE
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage:\n"
    "  shannon train  --data FILE --out DIR [--tokenizer char|bpe] [--vocab-size N]\n"
    "                 [--layers N] [--heads N] [--embd N] [--block N] [--batch N]\n"
    "                 [--iters N] [--lr X] [--dropout X] [--seed N] [--threads N]\n"
    "                 [--resume] [--reference] [--learned-positions] [--post-ln]\n"
    "                 [--eval-interval N] [--stop-at N]\n"
    "  shannon sample --model DIR [--prompt TEXT] [--tokens N] [--temperature X]\n"
    "                 [--top-k N] [--top-p X] [--seed N] [--threads N]\n"
    "  shannon eval   --model DIR --data FILE [--threads N]\n"
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
    if (strcmp(argv[1], "tokenize") == 0)
        return command_tokenize(argc, argv);
    fprintf(stderr, "shannon: unknown command '%s' (expected train, sample or eval; see "
            "'shannon --help')\n", argv[1]);
    return 2;
}
