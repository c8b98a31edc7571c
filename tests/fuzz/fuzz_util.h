/* What the libFuzzer harnesses share: loaders that take a path get the
 * input through a memfd (an in-memory regular file, reached as
 * /proc/self/fd/N), so each run goes through the real file-reading code
 * without touching the disk. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* libFuzzer's entry point, which every harness defines (declared here so
 * that -Wmissing-prototypes sees a prototype). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: defined by the harnesses that need setup. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The path of a file holding exactly data[0..size). */
static inline const char *fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz-input", MFD_CLOEXEC);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
        perror("memfd write");
        abort();
    }
    return path;
}

/* A finding that is not a crash (a broken invariant): stop loudly. */
#define FUZZ_ASSERT(cond)                                                                \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

#endif
