/* tokenizer/bpe.c: being written (placeholder so the build lists every source). */
