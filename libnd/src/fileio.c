/*
 * fileio.c: whole files in and out, for every format libnd and the layers
 * above it read and write.
 *
 * Reading (nd_read_file) is bounded: a regular file only (a FIFO or a
 * device would block or never end; it is opened non-blocking so even the
 * open cannot hang), and at most a caller's limit of bytes, checked before
 * anything of that size is allocated.
 *
 * Writing is the one way libnd (and everything above it) replaces a
 * file, so that a crash or a full disk leaves either the old file or the
 * complete new one at `path`, never a prefix, and never a stray temp file.
 *
 * The steps, each of which a crash may interrupt:
 *   1. mkostemp("<path>.tmpXXXXXX"): a new, unpredictable name in the SAME
 *      folder (rename is only atomic within one file system);
 *   2. write everything through a FILE*, flush, check for write errors;
 *   3. fchmod to 0644 minus the umask (mkstemp creates 0600; a plain
 *      open(path, O_CREAT, 0644) would give 0644 & ~umask);
 *   4. fsync the file: its bytes are on disk before its name is;
 *   5. rename over `path`: the atomic step;
 *   6. fsync the folder: the rename itself survives a power cut.
 * Any failure before 5 unlinks the temp file and leaves `path` untouched.
 */
#define _GNU_SOURCE
#include "nd_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The process umask without changing it: Linux publishes it in
 * /proc/self/status ("Umask:\t0022"). Elsewhere umask() must be set to be
 * read; that pair is serialized here (only this file reads it that way). */
static mode_t current_umask(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (f) {
        char line[256];
        unsigned mask;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "Umask: %o", &mask) == 1) {
                fclose(f);
                return (mode_t)mask;
            }
        fclose(f);
    }
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    mode_t mask = umask(022);
    umask(mask);
    pthread_mutex_unlock(&lock);
    return mask;
}

static int write_error(const char *path, int err)
{
    return nd_set_error(ND_ERR_IO, "cannot write '%s': %s", path, strerror(err));
}

/* fsync of the folder holding path, so the rename is durable. Folders that
 * cannot be opened or synced (some file systems refuse: EINVAL) are not an
 * error; an I/O error is. */
static int sync_folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return nd_set_error(ND_ERR_MEMORY, "out of memory writing '%s'", path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return 0;
    int status = 0;
    if (fsync(fd) < 0 && errno != EINVAL && errno != ENOTSUP && errno != EROFS)
        status = write_error(path, errno);
    close(fd);
    return status;
}

int nd_write_atomic_with(const char *path, nd_writer_fn write, void *ctx)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, path, write);
    if (!*path)
        return nd_set_error(ND_ERR_VALUE, "write_atomic: the path is empty");
    size_t n = strlen(path);
    char *temp = malloc(n + sizeof ".tmpXXXXXX");
    if (!temp)
        return nd_set_error(ND_ERR_MEMORY, "out of memory writing '%s'", path);
    memcpy(temp, path, n);
    memcpy(temp + n, ".tmpXXXXXX", sizeof ".tmpXXXXXX");
    int fd = mkostemp(temp, O_CLOEXEC);
    if (fd < 0) {
        int status = write_error(path, errno);
        free(temp);
        return status;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        int status = write_error(path, errno);
        close(fd);
        unlink(temp);
        free(temp);
        return status;
    }
    /* The writer may fail with its own message (a negative status) or by a
     * failing stdio call (ferror); errno then says why. */
    errno = 0;
    nd_clear_error();
    int status = write(f, ctx);
    int err = errno ? errno : EIO;
    if (status == 0 && (fflush(f) != 0 || ferror(f)))
        status = write_error(path, errno ? errno : err);
    else if (status < 0 && nd_last_status() == ND_OK)
        status = write_error(path, err);
    if (status == 0 && fchmod(fd, 0644 & ~current_umask()) < 0)
        status = write_error(path, errno);
    if (status == 0 && fsync(fd) < 0)
        status = write_error(path, errno);
    if (fclose(f) != 0 && status == 0) /* closes fd; NFS reports errors here */
        status = write_error(path, errno);
    if (status == 0 && rename(temp, path) < 0)
        status = write_error(path, errno);
    if (status < 0)
        unlink(temp);
    free(temp);
    return status < 0 ? status : sync_folder(path);
}

typedef struct chunks {
    int n;
    const void *const *data;
    const size_t *lens;
} chunks;

static int write_chunks(FILE *f, void *ctx)
{
    const chunks *c = ctx;
    for (int i = 0; i < c->n; i++)
        if (c->lens[i] && fwrite(c->data[i], 1, c->lens[i], f) != c->lens[i])
            return ND_ERR_IO; /* errno says why; the caller names the file */
    return 0;
}

int nd_write_atomic_chunks(const char *path, int n, const void *const *data, const size_t *lens)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, path);
    ND_CHECK_LIST(ND_ERR_VALUE, n, data);
    ND_CHECK_LIST(ND_ERR_VALUE, n, lens);
    for (int i = 0; i < n; i++)
        if (!data[i] && lens[i])
            return nd_set_error(ND_ERR_VALUE, "write_atomic: chunk %d is NULL", i);
    chunks c = {n, data, lens};
    return nd_write_atomic_with(path, write_chunks, &c);
}

int nd_write_atomic(const char *path, const void *data, size_t len)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, path);
    if (!data && len)
        return nd_set_error(ND_ERR_VALUE, "write_atomic: data is NULL but len is %zu", len);
    const void *d[1] = {data};
    return nd_write_atomic_chunks(path, 1, d, &len);
}

char *nd_read_file(const char *path, size_t max_bytes, size_t *len)
{
    ND_CHECK_NOT_NULL(NULL, path, len);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        nd_set_error(ND_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    char *data = NULL;
    if (fstat(fd, &st) < 0)
        nd_set_error(ND_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        nd_set_error(ND_ERR_IO, "cannot read '%s': not a regular file", path);
    else if ((uint64_t)st.st_size > max_bytes)
        nd_set_error(ND_ERR_VALUE, "'%s' is %lld bytes, more than the limit of %zu", path,
                     (long long)st.st_size, max_bytes);
    else if (!(data = malloc((size_t)st.st_size + 1)))
        nd_set_error(ND_ERR_MEMORY, "cannot allocate %lld bytes to read '%s'",
                     (long long)st.st_size, path);
    size_t got = 0, size = data ? (size_t)st.st_size : 0;
    while (data && got < size) { /* the file may shrink meanwhile: stop at its end */
        ssize_t k = pread(fd, data + got, size - got, (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            nd_set_error(ND_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
            free(data);
            data = NULL;
        } else if (k == 0) {
            size = got;
        } else {
            got += (size_t)k;
        }
    }
    close(fd);
    if (data) {
        data[got] = '\0';
        *len = got;
    }
    return data;
}
