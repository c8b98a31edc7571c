/* Reading the corpus safely, the model folder. (Files are written with
 * libnd's nd_write_atomic.) */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* True if the bytes are valid UTF-8 (ASCII included). */
static bool is_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        int extra = c < 0x80             ? 0
                    : (c & 0xe0) == 0xc0 ? 1
                    : (c & 0xf0) == 0xe0 ? 2
                    : (c & 0xf8) == 0xf0 ? 3
                                         : -1;
        if (extra < 0 || (extra == 1 && c < 0xc2) || i + (size_t)extra >= n)
            return false;
        for (int k = 1; k <= extra; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
        i += (size_t)extra + 1;
    }
    return true;
}

char *read_text_file(const char *command, const char *path, size_t *len)
{
    /* nd_read_file refuses a FIFO (or a device, a folder) without waiting
     * on it, and the size limit is only that of memory. */
    size_t size;
    char *data = nd_read_file(path, SIZE_MAX / 2, &size);
    if (!data) {
        fprintf(stderr, "shannon %s: %s\n", command, nd_last_error());
        return NULL;
    }
    if (size == 0) {
        fprintf(stderr, "shannon %s: '%s' is empty\n", command, path);
        free(data);
        return NULL;
    }
    if (memchr(data, '\0', size) || !is_utf8((const unsigned char *)data, size)) {
        fprintf(stderr, "shannon %s: '%s' looks binary (%s); shannon trains on text\n", command,
                path, memchr(data, '\0', size) ? "it contains NUL bytes" : "it is not UTF-8");
        free(data);
        return NULL;
    }
    *len = size;
    return data;
}

int make_folder(const char *path)
{
    char buffer[4096];
    if (snprintf(buffer, sizeof buffer, "%s", path) >= (int)sizeof buffer)
        return -1;
    for (char *p = buffer + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buffer, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    if (mkdir(buffer, 0755) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    return stat(buffer, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

const char *join_path(char *buffer, size_t size, const char *dir, const char *name)
{
    snprintf(buffer, size, "%s/%s", dir, name);
    return buffer;
}

int finish_output(const char *command)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return 0;
    fprintf(stderr, "shannon %s: cannot write the output: %s\n", command,
            strerror(errno ? errno : EIO));
    return -1;
}
