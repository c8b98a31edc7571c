/* .npz files: a zip archive of .npy files, one per array, stored or
 * deflated (numpy.savez / numpy.savez_compressed). A small zip reader and
 * writer: the central directory names the entries, each entry's local
 * header precedes its data. Every size and offset is checked against the
 * file before use; zip64 sizes (as Python's zipfile writes them for large
 * members) are read. */
#include "nd_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

struct nd_npz {
    int count;
    char **names;
    nd_array **arrays;
};

enum {
    LOCAL_SIGNATURE = 0x04034b50,
    CENTRAL_SIGNATURE = 0x02014b50,
    END_SIGNATURE = 0x06054b50,
    ZIP64_END_SIGNATURE = 0x06064b50,
    ZIP64_LOCATOR_SIGNATURE = 0x07064b50,
    METHOD_STORED = 0,
    METHOD_DEFLATED = 8,
};

/* Deflate cannot expand data by more than ~1032x; an entry that claims more
 * is lying (a zip bomb), and is refused before anything is allocated. */
#define MAX_DEFLATE_RATIO 1100

static uint64_t le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int corrupt(const char *path, const char *why)
{
    return nd_set_error(ND_ERR_VALUE, "%s: not a valid .npz (zip) file: %s", path, why);
}

void nd_npz_free(nd_npz *z)
{
    if (!z)
        return;
    for (int i = 0; i < z->count; i++) {
        free(z->names[i]);
        nd_free(z->arrays[i]);
    }
    free(z->names);
    free(z->arrays);
    free(z);
}

static unsigned char *read_whole_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        nd_set_error(ND_ERR_IO, "[Errno %d] %s: '%s'", errno, strerror(errno), path);
        return NULL;
    }
    unsigned char *bytes = NULL;
    long length = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        length = ftell(f);
    if (length >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        bytes = malloc(length > 0 ? (size_t)length : 1);
        if (bytes && fread(bytes, 1, (size_t)length, f) != (size_t)length) {
            free(bytes);
            bytes = NULL;
        }
    }
    if (!bytes)
        nd_set_error(ND_ERR_IO, "[Errno %d] could not read '%s'", errno ? errno : EIO, path);
    fclose(f);
    *size = (size_t)(length > 0 ? length : 0);
    return bytes;
}

/* One member's data, inflated if needed; NULL with an error set. */
static unsigned char *member_data(const unsigned char *file, size_t file_size, const char *path,
                                  uint64_t local_offset, int method, uint64_t compressed,
                                  uint64_t uncompressed, uint32_t crc)
{
    if (local_offset > file_size || file_size - local_offset < 30 ||
        le(file + local_offset, 4) != LOCAL_SIGNATURE) {
        corrupt(path, "bad local header");
        return NULL;
    }
    const unsigned char *local = file + local_offset;
    uint64_t start = local_offset + 30 + le(local + 26, 2) + le(local + 28, 2);
    if (start > file_size || compressed > file_size - start) {
        corrupt(path, "member data runs past the end of the file");
        return NULL;
    }
    if (method == METHOD_STORED && compressed != uncompressed) {
        corrupt(path, "stored member with different sizes");
        return NULL;
    }
    if (method == METHOD_DEFLATED && uncompressed > compressed * MAX_DEFLATE_RATIO + 1024) {
        corrupt(path, "member claims an impossible compression ratio");
        return NULL;
    }
    if (method != METHOD_STORED && method != METHOD_DEFLATED) {
        corrupt(path, "unsupported compression method");
        return NULL;
    }
    unsigned char *out = malloc(uncompressed ? (size_t)uncompressed : 1);
    if (!out) {
        nd_set_error(ND_ERR_MEMORY, "Unable to allocate %llu bytes",
                     (unsigned long long)uncompressed);
        return NULL;
    }
    if (method == METHOD_STORED) {
        memcpy(out, file + start, (size_t)uncompressed);
    } else {
        z_stream zs = {0};
        zs.next_in = (unsigned char *)(file + start);
        zs.avail_in = (uInt)compressed;
        zs.next_out = out;
        zs.avail_out = (uInt)uncompressed;
        int rc = inflateInit2(&zs, -MAX_WBITS); /* raw deflate, no zlib header */
        if (rc == Z_OK)
            rc = inflate(&zs, Z_FINISH);
        bool complete = rc == Z_STREAM_END && zs.total_out == uncompressed;
        inflateEnd(&zs);
        if (!complete) {
            free(out);
            corrupt(path, "deflated member is damaged");
            return NULL;
        }
    }
    if (crc32(0L, out, (uInt)uncompressed) != crc) {
        free(out);
        corrupt(path, "CRC-32 mismatch");
        return NULL;
    }
    return out;
}

/* Reads the zip64 extra field (id 1): the sizes and offset that are
 * 0xffffffff in the fixed fields follow, in this order. */
static void apply_zip64_extra(const unsigned char *extra, size_t length, uint64_t *uncompressed,
                              uint64_t *compressed, uint64_t *offset)
{
    while (length >= 4) {
        size_t id = le(extra, 2), size = le(extra + 2, 2);
        if (size > length - 4)
            return;
        if (id == 1) {
            const unsigned char *p = extra + 4, *end = p + size;
            uint64_t *fields[3] = {uncompressed, compressed, offset};
            for (int i = 0; i < 3; i++)
                if (*fields[i] == 0xffffffffu && end - p >= 8) {
                    *fields[i] = le(p, 8);
                    p += 8;
                }
            return;
        }
        extra += 4 + size;
        length -= 4 + size;
    }
}

nd_npz *nd_load_npz(const char *path)
{
    ND_CHECK_NOT_NULL(NULL, path);
    size_t size;
    unsigned char *file = read_whole_file(path, &size);
    if (!file)
        return NULL;
    nd_npz *z = calloc(1, sizeof *z);
    if (!z) {
        free(file);
        nd_set_error(ND_ERR_MEMORY, "Unable to allocate an npz");
        return NULL;
    }
    /* The end record is within the last 22 + 65535 (comment) bytes. */
    size_t end = SIZE_MAX;
    for (size_t i = size >= 22 ? size - 22 + 1 : 0; i-- > 0 && size - i <= 22 + 65535;)
        if (le(file + i, 4) == END_SIGNATURE) {
            end = i;
            break;
        }
    if (end == SIZE_MAX) {
        corrupt(path, "no end of central directory");
        goto fail;
    }
    uint64_t entries = le(file + end + 10, 2), directory_size = le(file + end + 12, 4);
    uint64_t directory_offset = le(file + end + 16, 4);
    if ((entries == 0xffff || directory_offset == 0xffffffffu || directory_size == 0xffffffffu) &&
        end >= 20 && le(file + end - 20, 4) == ZIP64_LOCATOR_SIGNATURE) {
        uint64_t record = le(file + end - 20 + 8, 8);
        if (record > size || size - record < 56 || le(file + record, 4) != ZIP64_END_SIGNATURE) {
            corrupt(path, "bad zip64 end record");
            goto fail;
        }
        entries = le(file + record + 32, 8);
        directory_size = le(file + record + 40, 8);
        directory_offset = le(file + record + 48, 8);
    }
    if (directory_offset > size || directory_size > size - directory_offset ||
        entries > directory_size / 46) {
        corrupt(path, "central directory out of bounds");
        goto fail;
    }
    z->names = calloc(entries ? entries : 1, sizeof *z->names);
    z->arrays = calloc(entries ? entries : 1, sizeof *z->arrays);
    if (!z->names || !z->arrays) {
        nd_set_error(ND_ERR_MEMORY, "Unable to allocate an npz");
        goto fail;
    }
    const unsigned char *p = file + directory_offset, *directory_end = p + directory_size;
    for (uint64_t k = 0; k < entries; k++) {
        if (directory_end - p < 46 || le(p, 4) != CENTRAL_SIGNATURE) {
            corrupt(path, "bad central directory entry");
            goto fail;
        }
        int method = (int)le(p + 10, 2);
        uint32_t crc = (uint32_t)le(p + 16, 4);
        uint64_t compressed = le(p + 20, 4), uncompressed = le(p + 24, 4);
        size_t name_length = le(p + 28, 2), extra_length = le(p + 30, 2);
        size_t comment_length = le(p + 32, 2);
        uint64_t local_offset = le(p + 42, 4);
        if ((size_t)(directory_end - p) - 46 < name_length + extra_length + comment_length) {
            corrupt(path, "central directory entry out of bounds");
            goto fail;
        }
        apply_zip64_extra(p + 46 + name_length, extra_length, &uncompressed, &compressed,
                          &local_offset);
        const char *name = (const char *)p + 46;
        p += 46 + name_length + extra_length + comment_length;
        /* NpzFile lists members ending in .npy, without the suffix. */
        if (name_length < 4 || memcmp(name + name_length - 4, ".npy", 4) != 0)
            continue;
        char *short_name = strndup(name, name_length - 4);
        unsigned char *member =
            member_data(file, size, path, local_offset, method, compressed, uncompressed, crc);
        nd_array *a = member ? nd_npy_parse(member, (size_t)uncompressed, path) : NULL;
        free(member);
        if (!short_name || !a) {
            free(short_name);
            nd_free(a);
            goto fail;
        }
        z->names[z->count] = short_name;
        z->arrays[z->count++] = a;
    }
    free(file);
    return z;
fail:
    free(file);
    nd_npz_free(z);
    return NULL;
}

int nd_npz_count(const nd_npz *z)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, z);
    return z->count;
}

const char *nd_npz_name(const nd_npz *z, int i)
{
    ND_CHECK_NOT_NULL(NULL, z);
    if (i < 0 || i >= z->count) {
        nd_set_error(ND_ERR_INDEX, "npz: array index %d is out of range for an archive of %d", i,
                     z->count);
        return NULL;
    }
    return z->names[i];
}

nd_array *nd_npz_get(const nd_npz *z, const char *name)
{
    ND_CHECK_NOT_NULL(NULL, z, name);
    for (int i = 0; i < z->count; i++)
        if (strcmp(z->names[i], name) == 0)
            return nd_view(z->arrays[i]);
    nd_set_error(ND_ERR_KEY, "%s is not a file in the archive", name);
    return NULL;
}

/* ---- writing ------------------------------------------------------------------ */

static void put(unsigned char **p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        *(*p)++ = (unsigned char)(v >> (8 * i));
}

/* Raw-deflates `in` into a malloc'd buffer. */
static int deflate_bytes(const unsigned char *in, size_t n, unsigned char **out, size_t *out_len)
{
    z_stream zs = {0};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return nd_set_error(ND_ERR_MEMORY, "deflate could not start");
    size_t bound = deflateBound(&zs, (uLong)n);
    *out = malloc(bound);
    int rc = Z_MEM_ERROR;
    if (*out) {
        zs.next_in = (unsigned char *)in;
        zs.avail_in = (uInt)n;
        zs.next_out = *out;
        zs.avail_out = (uInt)bound;
        rc = deflate(&zs, Z_FINISH);
    }
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(*out);
        return nd_set_error(ND_ERR_MEMORY, "deflate failed");
    }
    return 0;
}

/* The argument checks of nd_savez and nd_savez_compressed, under the
 * public function's name: n >= 0, and names and arrays NULL only if n is 0. */
static int check_savez_args(const char *func, const char *path, int n, const char *const *names,
                            const nd_array *const *arrays)
{
    ND_CHECK_NOT_NULL_AS(func, ND_ERR_VALUE, path);
    if (n < 0)
        return nd_set_error(ND_ERR_VALUE, "%s: n must not be negative, got %d",
                            nd_public_name(func), n);
    if (n > 0 && (!names || !arrays))
        return nd_set_error(ND_ERR_VALUE, "%s: %s is NULL but n is %d", nd_public_name(func),
                            names ? "arrays" : "names", n);
    return 0;
}

static int save_npz(const char *path, int n, const char *const *names,
                    const nd_array *const *arrays, bool compressed)
{
    int status =
        check_savez_args(compressed ? "nd_savez_compressed" : "nd_savez", path, n, names, arrays);
    if (status < 0)
        return status;
    for (int i = 0; i < n; i++) {
        if (!names[i] || !names[i][0] || strlen(names[i]) > 60000 || !arrays[i])
            return nd_set_error(ND_ERR_VALUE, "savez: array %d has no name or is NULL", i);
        for (int j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return nd_set_error(ND_ERR_VALUE, "Cannot use un-named variables and keyword %s",
                                    names[i]);
    }
    /* Chunks: per member a local header and its data, then the central
     * directory and the end record. */
    int nchunks = 2 * n + 2;
    const void **chunks = calloc((size_t)nchunks, sizeof *chunks);
    size_t *lens = calloc((size_t)nchunks, sizeof *lens);
    unsigned char **owned = calloc((size_t)nchunks, sizeof *owned);
    size_t directory_capacity = 22;
    for (int i = 0; i < n; i++)
        directory_capacity += 46 + strlen(names[i]) + 4;
    unsigned char *directory = malloc(directory_capacity);
    if (!chunks || !lens || !owned || !directory) {
        status = nd_set_error(ND_ERR_MEMORY, "Unable to allocate the archive");
        goto done;
    }
    unsigned char *d = directory;
    uint64_t offset = 0;
    for (int i = 0; i < n && status == 0; i++) {
        unsigned char *npy, *data = NULL;
        size_t npy_len, data_len = 0;
        if ((status = nd_npy_serialize(arrays[i], &npy, &npy_len)) < 0)
            break;
        uint32_t crc = (uint32_t)crc32(0L, npy, (uInt)npy_len);
        if (compressed) {
            status = deflate_bytes(npy, npy_len, &data, &data_len);
            free(npy);
            if (status < 0)
                break;
        } else {
            data = npy;
            data_len = npy_len;
        }
        owned[2 * i + 1] = data;
        size_t name_len = strlen(names[i]) + 4;
        if (npy_len >= 0xffffffffu || offset >= 0xffffffffu) {
            status = nd_set_error(ND_ERR_VALUE, "savez: archives over 4 GiB are not supported");
            break;
        }
        unsigned char *local = malloc(30 + name_len);
        if (!local) {
            status = nd_set_error(ND_ERR_MEMORY, "Unable to allocate the archive");
            break;
        }
        owned[2 * i] = local;
        int method = compressed ? METHOD_DEFLATED : METHOD_STORED;
        /* Local header: version 2.0, no flags, DOS date 1980-01-01. */
        unsigned char *l = local;
        // clang-format off
        put(&l, LOCAL_SIGNATURE, 4); put(&l, 20, 2); put(&l, 0, 2); put(&l, (uint64_t)method, 2);
        put(&l, 0, 2); put(&l, 0x21, 2); put(&l, crc, 4); put(&l, data_len, 4);
        put(&l, npy_len, 4); put(&l, name_len, 2); put(&l, 0, 2);
        // clang-format on
        memcpy(l, names[i], name_len - 4);
        memcpy(l + name_len - 4, ".npy", 4);
        chunks[2 * i] = local;
        lens[2 * i] = 30 + name_len;
        chunks[2 * i + 1] = data;
        lens[2 * i + 1] = data_len;
        /* Central directory entry for it. */
        // clang-format off
        put(&d, CENTRAL_SIGNATURE, 4); put(&d, 20, 2); put(&d, 20, 2); put(&d, 0, 2);
        put(&d, (uint64_t)method, 2); put(&d, 0, 2); put(&d, 0x21, 2); put(&d, crc, 4);
        put(&d, data_len, 4); put(&d, npy_len, 4); put(&d, name_len, 2); put(&d, 0, 2);
        put(&d, 0, 2); put(&d, 0, 2); put(&d, 0, 2); put(&d, 0, 4); put(&d, offset, 4);
        // clang-format on
        memcpy(d, names[i], name_len - 4);
        memcpy(d + name_len - 4, ".npy", 4);
        d += name_len;
        offset += 30 + name_len + data_len;
    }
    if (status == 0) {
        size_t directory_size = (size_t)(d - directory);
        // clang-format off
        put(&d, END_SIGNATURE, 4); put(&d, 0, 2); put(&d, 0, 2); put(&d, (uint64_t)n, 2);
        put(&d, (uint64_t)n, 2); put(&d, directory_size, 4); put(&d, offset, 4); put(&d, 0, 2);
        // clang-format on
        chunks[2 * n] = directory;
        lens[2 * n] = (size_t)(d - directory);
        status = nd_write_atomic_chunks(path, 2 * n + 1, chunks, lens);
    }
done:
    for (int i = 0; owned && i < nchunks; i++)
        free(owned[i]);
    free(owned);
    free(chunks);
    free(lens);
    free(directory);
    return status;
}

int nd_savez(const char *path, int n, const char *const *names, const nd_array *const *arrays)
{
    return save_npz(path, n, names, arrays, false);
}

int nd_savez_compressed(const char *path, int n, const char *const *names,
                        const nd_array *const *arrays)
{
    return save_npz(path, n, names, arrays, true);
}
