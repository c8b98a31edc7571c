/* A whole model folder through open_model_dir (models/cli/model_dir.c), the
 * loader of `shannon sample`, `eval`, `classify` and `finetune --from`:
 * config.json checked against tokenizer.json and model.safetensors' header
 * before the model is built, the tokenizer, the weights, a classifier's
 * labels.txt. An accepted folder then runs what the commands run on it: a
 * forward of a few tokens (the LM head, or classify_texts for a
 * classifier).
 *
 * The input is the folder, its files separated by the line FUZZ_SEPARATOR,
 * in the order of `files` below; a file without its part is absent, so the
 * fuzzer can drop, truncate or grow any file, and seeds are real folders
 * (tests/fuzz/corpus/model_dir/, made by make_model_dir_seeds.py).
 *
 * Invariants: a folder that fails gives exactly one line on stderr and
 * nothing to free; one that loads gives a model whose forward works. Memory
 * stays bounded by the files' size (the run's -rss_limit_mb and
 * -malloc_limit_mb catch a config that sizes a model its files do not
 * hold). */
#include "fuzz_util.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "model_dir.h"

#define FUZZ_SEPARATOR "\n--shannon-file--\n"

static const char *const files[] = {"config.json", "tokenizer.json", "model.safetensors",
                                    "labels.txt",  "encoder.json",   "vocab.bpe"};
#define NFILES (int)(sizeof files / sizeof files[0])

static char dir[64];

static void remove_dir(void)
{
    char path[128];
    for (int i = 0; i < NFILES; i++)
        unlink(join_path(path, sizeof path, dir, files[i]));
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* /dev/shm when there is one: ten million folders never reach a disk. */
    snprintf(dir, sizeof dir, "%s/fuzz-model-dir-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        abort();
    }
    atexit(remove_dir);
    return 0;
}

/* Writes data[0..size) as files[i], or removes files[i] (present false). */
static void put_file(int i, const uint8_t *data, size_t size, bool present)
{
    char path[128];
    join_path(path, sizeof path, dir, files[i]);
    if (!present) {
        unlink(path);
        return;
    }
    /* write(2), not stdio: a FILE's buffer would be allocated and freed
     * (under ASan, filled and quarantined) six times per input. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    bool ok = fd >= 0;
    for (size_t done = 0; ok && done < size;) {
        ssize_t k = write(fd, data + done, size - done);
        ok = k > 0;
        done += ok ? (size_t)k : 0;
    }
    if (fd < 0 || close(fd) != 0 || !ok) {
        perror(path);
        abort();
    }
}

/* What the commands do with a folder that loads: a forward of a few
 * tokens of a short text. */
static void exercise(model_dir *m)
{
    const transformer_config *c = &m->config.model;
    /* The bound checked before the model was built is what it holds. */
    FUZZ_ASSERT(config_num_parameters(c) == transformer_num_parameters(m->model));
    static const char text[] = "ab\n";
    if (c->num_classes > 0) {
        char *texts[1] = {(char *)text};
        nd_array *probs = classify_texts(m->model, m->tok, texts, 1, 1);
        FUZZ_ASSERT(probs && nd_ndim(probs) == 2 && nd_shape(probs)[0] == 1 &&
                    nd_shape(probs)[1] == c->num_classes);
        nd_free(probs);
        return;
    }
    int32_t *ids;
    size_t n;
    FUZZ_ASSERT(tok_encode(m->tok, text, sizeof text - 1, &ids, &n) == 0);
    int64_t T = (int64_t)n < c->block_size ? (int64_t)n : c->block_size;
    T = T < 1 ? 1 : T > 4 ? 4 : T;
    nd_array *idx = nd_zeros(ND_INT64, 2, (const int64_t[]){1, T});
    FUZZ_ASSERT(idx);
    for (int64_t t = 0; t < T && t < (int64_t)n; t++)
        ((int64_t *)nd_data(idx))[t] = ids[t];
    free(ids);
    ag_tensor *logits = transformer_forward(m->model, idx, NULL);
    FUZZ_ASSERT(logits);
    const nd_array *v = ag_value(logits);
    FUZZ_ASSERT(nd_ndim(v) == 3 && nd_shape(v)[1] == T && nd_shape(v)[2] == c->vocab_size);
    ag_tape_reset();
    nd_free(idx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const size_t sep = sizeof FUZZ_SEPARATOR - 1;
    const uint8_t *at = data, *end = data + size;
    for (int i = 0; i < NFILES; i++) {
        if (!at) {
            put_file(i, NULL, 0, false);
            continue;
        }
        const uint8_t *next = memmem(at, (size_t)(end - at), FUZZ_SEPARATOR, sep);
        put_file(i, at, (size_t)((next ? next : end) - at), true);
        at = next ? next + sep : NULL;
    }

    /* open_model_dir reports on stderr: catch it to check it is one line. */
    static char said[8192];
    static FILE *capture;
    if (!capture && !(capture = fmemopen(said, sizeof said, "w")))
        abort();
    rewind(capture);
    FILE *real_stderr = stderr;
    stderr = capture;
    model_dir m;
    int status = open_model_dir("fuzz", dir, &m);
    fflush(capture);
    long len = ftell(capture);
    stderr = real_stderr;

    if (status < 0) {
        FUZZ_ASSERT(m.model == NULL && m.tok == NULL && m.labels == NULL);
        FUZZ_ASSERT(len > 0 && said[len - 1] == '\n' && memchr(said, '\n', (size_t)len - 1) == NULL);
        return 0;
    }
    FUZZ_ASSERT(len == 0);
    exercise(&m);
    close_model_dir(&m);
    return 0;
}
