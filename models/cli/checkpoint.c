/*
 * A training run's checkpoints: each one a unit, published by one rename.
 *
 * The folder of a run:
 *
 *   DIR/current -> checkpoint-7        the pointer: a symbolic link
 *   DIR/checkpoint-7/                  the published generation, complete:
 *       config.json  tokenizer.json  model.safetensors  loss.csv  loss.svg
 *       optimizer_decay.safetensors  optimizer_no_decay.safetensors
 *       train_state.json  [notes.txt]
 *   DIR/config.json -> current/config.json      the files people open, as
 *   DIR/model.safetensors -> current/model.safetensors   links through
 *   DIR/tokenizer.json, loss.csv, loss.svg, [notes.txt]  `current`
 *
 * Saving generation 8:
 *   1. mkdir DIR/checkpoint-8 and write every file into it (each writer
 *      fsyncs its file), then fsync the folder. Nothing refers to it yet.
 *   2. symlink("checkpoint-8", "DIR/.current.tmp"), rename it over
 *      DIR/current, fsync DIR.
 *   3. Remove checkpoint-7.
 * Before step 2, the top-level links that are missing (the first
 * checkpoint's) are made: they lead through `current`, so they stay right
 * whatever it names, and dangle only while there is no checkpoint at all.
 *
 * Why a kill leaves the previous or the new checkpoint, never a mix: every
 * reader (--resume, sample, eval, any tool opening DIR/model.safetensors)
 * reaches the files through `current`, and rename(2) replaces that link
 * atomically. Before the rename of step 2 it names checkpoint-7, which no
 * step touches; after it, checkpoint-8, complete since step 1 finished.
 * The fsyncs order the same on a power loss: the files and the folder of
 * checkpoint-8 are on disk before the rename that publishes them, and the
 * rename is on disk before checkpoint-7 is removed.
 *
 * A kill can leave litter: an unpublished checkpoint-8, .current.tmp,
 * checkpoint-7 not yet removed, or (before the first checkpoint) an empty
 * folder. The next run removes it all before it writes (checkpoint_dir_
 * prepare), and a folder without `current` holds no checkpoint: `train`
 * may start there afresh. An exclusive flock on DIR keeps a second trainer
 * from writing or cleaning at the same time.
 *
 * For tests, SHANNON_CHECKPOINT_KILL_AT=k raises SIGKILL at the k-th step
 * (a file write, an fsync, the link and the rename, each removal) that
 * this process takes, so a test can stop a run at every one of them.
 */
#define _GNU_SOURCE
#include "checkpoint.h"
#include "model_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define GENERATION_PREFIX "checkpoint-"
#define CURRENT "current"
#define CURRENT_TEMP ".current.tmp"

/* The files people open, linked at the top of DIR through `current`. */
static const char *const public_files[] = {"config.json", "tokenizer.json", "model.safetensors",
                                           "loss.csv",    "loss.svg",       "notes.txt"};
#define NPUBLIC (int)(sizeof public_files / sizeof public_files[0])

/* ---- the fault-injection hook ------------------------------------------------------ */

static void kill_point(void)
{
    static long long steps, kill_at = -1;
    if (kill_at < 0) {
        const char *env = getenv("SHANNON_CHECKPOINT_KILL_AT");
        kill_at = env ? strtoll(env, NULL, 10) : 0;
    }
    if (++steps == kill_at)
        raise(SIGKILL);
}

/* ---- names ----------------------------------------------------------------------------- */

/* N for "checkpoint-N" (N >= 1, digits only), else 0. */
static int64_t generation_of(const char *name)
{
    size_t k = strlen(GENERATION_PREFIX);
    if (strncmp(name, GENERATION_PREFIX, k) != 0 || !name[k] || strlen(name + k) > 18)
        return 0;
    for (const char *p = name + k; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return strtoll(name + k, NULL, 10);
}

static void generation_name(char *buffer, size_t size, int64_t generation)
{
    snprintf(buffer, size, GENERATION_PREFIX "%" PRId64, generation);
}

const char *checkpoint_file(const checkpoint_dir *cd, const char *name, char *buffer, size_t size)
{
    snprintf(buffer, size, "%s/" GENERATION_PREFIX "%" PRId64 "%s%s", cd->path, cd->generation,
             name ? "/" : "", name ? name : "");
    return buffer;
}

/* ---- the folder ------------------------------------------------------------------------- */

static int fail_errno(const char *command, const char *what, const char *path)
{
    fprintf(stderr, "shannon %s: cannot %s '%s': %s\n", command, what, path, strerror(errno));
    return -1;
}

static int lock_folder(const char *command, checkpoint_dir *cd)
{
    cd->fd = open(cd->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cd->fd < 0)
        return fail_errno(command, "open the folder", cd->path);
    if (flock(cd->fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            fprintf(stderr, "shannon %s: another 'shannon train' is writing into '%s'\n", command,
                    cd->path);
        else
            fail_errno(command, "lock", cd->path);
        close(cd->fd);
        cd->fd = -1;
        return -1;
    }
    return 0;
}

static int open_dir(const char *command, const char *dir, checkpoint_dir *cd, bool lock);

int checkpoint_dir_open(const char *command, const char *dir, checkpoint_dir *cd)
{
    return open_dir(command, dir, cd, true);
}

int checkpoint_dir_open_unlocked(const char *command, const char *dir, checkpoint_dir *cd)
{
    return open_dir(command, dir, cd, false);
}

static int open_dir(const char *command, const char *dir, checkpoint_dir *cd, bool lock)
{
    *cd = (checkpoint_dir){.fd = -1};
    if (snprintf(cd->path, sizeof cd->path, "%s", dir) >= (int)sizeof cd->path - 64) {
        fprintf(stderr, "shannon %s: the path '%s' is too long\n", command, dir);
        return -1;
    }
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno == ENOENT)
            return CHECKPOINT_NONE;
        return fail_errno(command, "look at", dir);
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "shannon %s: '%s' is not a folder\n", command, dir);
        return -1;
    }
    if (lock ? lock_folder(command, cd) < 0
             : (cd->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return lock ? -1 : fail_errno(command, "open the folder", dir);
    char target[256];
    ssize_t n = readlinkat(cd->fd, CURRENT, target, sizeof target - 1);
    if (n >= 0) {
        target[n] = '\0';
        cd->generation = generation_of(target);
        if (cd->generation == 0) {
            fprintf(stderr, "shannon %s: '%s/" CURRENT "' does not name a checkpoint ('%s')\n",
                    command, dir, target);
            checkpoint_dir_close(cd);
            return -1;
        }
        return CHECKPOINT_FOUND;
    }
    if (errno == EINVAL) {
        fprintf(stderr, "shannon %s: '%s/" CURRENT "' is not a checkpoint link\n", command, dir);
        checkpoint_dir_close(cd);
        return -1;
    }
    /* No checkpoint. A public file that is not our link is someone's model
     * (or one of an older shannon, which wrote real files here). */
    for (int i = 0; i < NPUBLIC; i++)
        if (fstatat(cd->fd, public_files[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISLNK(st.st_mode))
            return CHECKPOINT_FOREIGN;
    return CHECKPOINT_NONE;
}

void checkpoint_dir_close(checkpoint_dir *cd)
{
    if (cd->fd >= 0)
        close(cd->fd); /* releases the flock */
    cd->fd = -1;
}

/* Removes DIR/name, a generation folder of plain files. Best effort: what
 * stays is removed by the next run. */
static int remove_generation(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            kill_point();
            (void)unlinkat(fd, e->d_name, 0);
        }
    closedir(d);
    kill_point();
    return unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Removes every generation but the published one, and the temporary links. */
static void remove_litter(checkpoint_dir *cd)
{
    int fd = dup(cd->fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return;
    }
    rewinddir(d);
    char names[64][256]; /* collected first: removing while reading may skip entries */
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        int64_t g = generation_of(e->d_name);
        bool temp_link = strcmp(e->d_name, CURRENT_TEMP) == 0;
        for (int i = 0; i < NPUBLIC; i++) {
            char temp[300];
            snprintf(temp, sizeof temp, ".%s.tmp", public_files[i]);
            temp_link = temp_link || strcmp(e->d_name, temp) == 0;
        }
        if ((g > 0 && g != cd->generation) || temp_link)
            snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        if (generation_of(names[i]) > 0)
            (void)remove_generation(cd->fd, names[i]);
        else
            (void)unlinkat(cd->fd, names[i], 0);
}

int checkpoint_dir_prepare(const char *command, checkpoint_dir *cd)
{
    if (cd->fd < 0) {
        if (make_folder(cd->path) < 0)
            return fail_errno(command, "create the folder", cd->path);
        if (lock_folder(command, cd) < 0)
            return -1;
    }
    remove_litter(cd);
    return 0;
}

/* ---- train_state.json -------------------------------------------------------------------- */

static void print_rng_state(FILE *f, const char *name, const nd_rng_state *s, bool last)
{
    fprintf(f, "  \"%s\": [%llu, %llu, %llu, %llu, %d, %u]%s\n", name,
            (unsigned long long)s->state_high, (unsigned long long)s->state_low,
            (unsigned long long)s->inc_high, (unsigned long long)s->inc_low, s->has_uint32,
            (unsigned)s->uinteger, last ? "" : ",");
}

/* The text of train_state.json (malloc'd), NULL on error. */
static char *format_train_state(const checkpoint *ck, size_t *len)
{
    nd_rng_state b, d;
    if (nd_rng_get_state(ck->batch_rng, &b) < 0 || nd_rng_get_state(ck->dropout_rng, &d) < 0)
        return NULL;
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        return NULL;
    fprintf(f,
            "{\n  \"iter\": %" PRId64 ",\n  \"eval_interval\": %" PRId64 ",\n"
            "  \"micro_batches\": %" PRId64 ",\n"
            "  \"data_bytes\": %" PRId64 ",\n  \"data_fnv1a64\": \"%016" PRIx64 "\",\n",
            ck->iter, ck->eval_interval, ck->micro_batches, ck->data_bytes, ck->data_hash);
    print_rng_state(f, "batch_rng", &b, false);
    print_rng_state(f, "dropout_rng", &d, true);
    fprintf(f, "}\n");
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* Reads what format_train_state wrote, through config.c's checked reader
 * (parse_train_state): exact keys, types and ranges. */
static int read_train_state(const char *path, checkpoint *ck, nd_rng_state *b, nd_rng_state *d)
{
    size_t len;
    char *text = nd_read_file(path, 1 << 16, &len);
    train_state state;
    int status = text ? parse_train_state(text, len, path, &state) : -1;
    free(text);
    if (status < 0)
        return -1;
    ck->iter = state.iter;
    ck->eval_interval = state.eval_interval;
    ck->micro_batches = state.micro_batches;
    ck->data_bytes = state.data_bytes;
    ck->data_hash = state.data_hash;
    *b = state.batch_rng;
    *d = state.dropout_rng;
    return 0;
}

/* ---- saving ------------------------------------------------------------------------------- */

/* One file of the new generation: 0, or -1 after naming it and the reason. */
static int written(const char *command, int status, const char *path)
{
    if (status >= 0)
        return 0;
    /* libnd's writers say "cannot write 'PATH.tmpXXXXXX': REASON": keep the reason. */
    const char *message = nd_last_error(), *reason = strstr(message, "': ");
    fprintf(stderr, "shannon %s: cannot write the checkpoint file '%s': %s\n", command, path,
            reason ? reason + 3 : message);
    return -1;
}

static int write_generation(const char *command, const char *gdir, const checkpoint *ck)
{
    char path[4200], meta_iter[32];
    snprintf(meta_iter, sizeof meta_iter, "%" PRId64, ck->iter);
    const char *meta[2] = {"iter", meta_iter};
    const char *names[TRANSFORMER_MAX_TENSORS];
    ag_tensor *tensors[TRANSFORMER_MAX_TENSORS];
    int n = model_tensors(ck->model, names, tensors);
#define FILE_OF(name) join_path(path, sizeof path, gdir, name)
    kill_point();
    if (written(command, save_run_config(FILE_OF("config.json"), ck->config), path))
        return -1;
    kill_point();
    if (written(command, tok_save(ck->tok, FILE_OF("tokenizer.json")), path))
        return -1;
    kill_point();
    if (written(command, ag_save_params(FILE_OF("model.safetensors"), n, names, tensors, 1, meta),
                path))
        return -1;
    kill_point();
    if (written(command,
                ag_optimizer_save(ck->decay, FILE_OF("optimizer_decay.safetensors"), 1, meta), path))
        return -1;
    kill_point();
    if (written(command,
                ag_optimizer_save(ck->no_decay, FILE_OF("optimizer_no_decay.safetensors"), 1, meta),
                path))
        return -1;
    kill_point();
    if (written(command, write_loss_csv(FILE_OF("loss.csv"), ck->rows, ck->nrows), path))
        return -1;
    kill_point();
    if (written(command, write_loss_svg(FILE_OF("loss.svg"), ck->rows, ck->nrows), path))
        return -1;
    if (ck->notes) {
        kill_point();
        if (written(command, nd_write_atomic(FILE_OF("notes.txt"), ck->notes, strlen(ck->notes)),
                    path))
            return -1;
    }
    size_t len = 0;
    char *state = format_train_state(ck, &len);
    kill_point();
    int status = state ? nd_write_atomic(FILE_OF("train_state.json"), state, len) : -1;
    free(state);
    if (!state)
        nd_set_last_error(ND_ERR_MEMORY, "out of memory");
    return written(command, status, path);
#undef FILE_OF
}

/* fsync of a folder given by path (the generation) or descriptor. */
static int sync_folder(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int status = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return status;
}

/* DIR/name -> current/name for each public file of the generation that
 * has no link yet (a missing link, never over a real file). */
static int link_public_files(const char *command, checkpoint_dir *cd, const char *gname)
{
    bool linked = false;
    for (int i = 0; i < NPUBLIC; i++) {
        char inside[300], target[300], temp[300];
        struct stat st;
        snprintf(inside, sizeof inside, "%s/%s", gname, public_files[i]);
        if (fstatat(cd->fd, inside, &st, 0) != 0 ||
            fstatat(cd->fd, public_files[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
            continue;
        snprintf(target, sizeof target, CURRENT "/%s", public_files[i]);
        snprintf(temp, sizeof temp, ".%s.tmp", public_files[i]);
        kill_point();
        (void)unlinkat(cd->fd, temp, 0);
        if (symlinkat(target, cd->fd, temp) != 0 ||
            renameat(cd->fd, temp, cd->fd, public_files[i]) != 0) {
            fprintf(stderr, "shannon %s: cannot link '%s/%s': %s\n", command, cd->path,
                    public_files[i], strerror(errno));
            (void)unlinkat(cd->fd, temp, 0);
            return -1;
        }
        linked = true;
    }
    if (!linked)
        return 0;
    kill_point();
    return fsync(cd->fd) == 0 ? 0 : fail_errno(command, "sync the folder", cd->path);
}

int checkpoint_save(const char *command, checkpoint_dir *cd, const checkpoint *ck)
{
    int64_t previous = cd->generation, next = previous + 1;
    char gname[64], gdir[4200], old[64];
    generation_name(gname, sizeof gname, next);
    generation_name(old, sizeof old, previous);
    join_path(gdir, sizeof gdir, cd->path, gname);
    /* 1. The new generation, complete and durable, referred to by nothing. */
    kill_point();
    if (mkdirat(cd->fd, gname, 0755) != 0 &&
        (errno != EEXIST || (remove_generation(cd->fd, gname), mkdirat(cd->fd, gname, 0755) != 0)))
        return fail_errno(command, "create the checkpoint folder", gdir);
    if (write_generation(command, gdir, ck) < 0) {
        (void)remove_generation(cd->fd, gname);
        return -1;
    }
    kill_point();
    if (sync_folder(gdir) != 0) {
        fail_errno(command, "sync the checkpoint folder", gdir);
        (void)remove_generation(cd->fd, gname);
        return -1;
    }
    /* The links people open lead through `current`: made before it first
     * exists (dangling until then), they never need changing again. */
    if (link_public_files(command, cd, gname) < 0) {
        (void)remove_generation(cd->fd, gname);
        return -1;
    }
    /* 2. Publish: one rename replaces the link `current`. */
    kill_point();
    (void)unlinkat(cd->fd, CURRENT_TEMP, 0);
    if (symlinkat(gname, cd->fd, CURRENT_TEMP) != 0) {
        fail_errno(command, "create the link", CURRENT_TEMP);
        (void)remove_generation(cd->fd, gname);
        return -1;
    }
    kill_point();
    if (renameat(cd->fd, CURRENT_TEMP, cd->fd, CURRENT) != 0) {
        fail_errno(command, "publish the checkpoint", gdir);
        (void)unlinkat(cd->fd, CURRENT_TEMP, 0);
        (void)remove_generation(cd->fd, gname);
        return -1;
    }
    cd->generation = next;
    kill_point();
    if (fsync(cd->fd) != 0)
        return fail_errno(command, "sync the folder", cd->path);
    /* 3. The previous generation goes. */
    if (previous > 0)
        (void)remove_generation(cd->fd, old);
    return 0;
}

/* ---- loading ----------------------------------------------------------------------------- */

int checkpoint_load(const char *command, const checkpoint_dir *cd, checkpoint *ck)
{
    char path[4200];
    nd_rng_state b, d;
    if (read_train_state(checkpoint_file(cd, "train_state.json", path, sizeof path), ck, &b, &d) <
        0) {
        /* parse_train_state's messages start with the path */
        fprintf(stderr, "shannon %s: damaged checkpoint: %s\n", command, nd_last_error());
        return -1;
    }
    const char *names[TRANSFORMER_MAX_TENSORS];
    ag_tensor *tensors[TRANSFORMER_MAX_TENSORS];
    int n = model_tensors(ck->model, names, tensors);
    if (ag_load_params(checkpoint_file(cd, "model.safetensors", path, sizeof path), n, names,
                       tensors) < 0 ||
        ag_optimizer_load(ck->decay, checkpoint_file(cd, "optimizer_decay.safetensors", path,
                                                     sizeof path)) < 0 ||
        ag_optimizer_load(ck->no_decay, checkpoint_file(cd, "optimizer_no_decay.safetensors", path,
                                                        sizeof path)) < 0 ||
        nd_rng_set_state(ck->batch_rng, &b) < 0 || nd_rng_set_state(ck->dropout_rng, &d) < 0) {
        fprintf(stderr, "shannon %s: cannot resume from checkpoint '%s': %s\n", command, path,
                nd_last_error());
        return -1;
    }
    /* loss.csv of the generation holds exactly the iterations before iter. */
    if (read_loss_csv(checkpoint_file(cd, "loss.csv", path, sizeof path), &ck->rows, &ck->nrows) <
        0) {
        fprintf(stderr, "shannon %s: checkpoint '%s' is missing or damaged\n", command, path);
        return -1;
    }
    while (ck->nrows > 0 && ck->rows[ck->nrows - 1].iter >= ck->iter)
        ck->nrows--;
    ck->notes = NULL;
    FILE *f = fopen(checkpoint_file(cd, "notes.txt", path, sizeof path), "r");
    if (f) {
        size_t len = 0;
        FILE *m = open_memstream(&ck->notes, &len);
        char buffer[4096];
        size_t k;
        while (m && (k = fread(buffer, 1, sizeof buffer, f)) > 0)
            fwrite(buffer, 1, k, m);
        if (m)
            fclose(m);
        fclose(f);
    }
    return 0;
}

uint64_t text_hash(const char *text, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a, 64 bits */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 0x100000001b3u;
    return h;
}
