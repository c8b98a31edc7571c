/* The array object: a view (dtype, shape, byte strides, data pointer) on a
 * refcounted buffer. Creating handles, sharing buffers, flags, accessors. */
#include "nd_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- buffers --------------------------------------------------------------- */

/* Buffers at least this big are worth huge pages (NumPy's threshold). */
#define HUGEPAGE_MIN_BYTES ((size_t)4 << 20)

/* A cache of big freed blocks, by exact size. A training step allocates
 * the same shapes every iteration (a GPT-2-small step frees and
 * reallocates ~50 blocks of 1 MB and more); reusing them skips the page
 * faults and zeroing a fresh mapping costs (for a 40 MB result that is as
 * long as the arithmetic). Blocks from 64 KB are kept: below 1 MB, how
 * often glibc's malloc maps, unmaps and trims them depends on its moving
 * thresholds and the order of the frees, and a small change in an op's
 * frees once tripled the page faults of a baby GPT step (23k to 73k in 20
 * steps, half the step time). At most CACHE_SLOTS blocks and a quarter of
 * the machine's memory (at most 4 GB) in all; the oldest goes first. Off under AddressSanitizer, which
 * must see every free to catch a use after free. */
#define CACHE_MIN_BYTES ((size_t)64 << 10)
#define CACHE_SLOTS 512
#if defined(__SANITIZE_ADDRESS__)
#define CACHE_ENABLED 0
#else
#define CACHE_ENABLED 1
#endif

static struct {
    pthread_mutex_t lock;
    void *memory[CACHE_SLOTS];
    size_t size[CACHE_SLOTS];
    int count;
    size_t bytes;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static size_t cache_max_bytes(void)
{
    static size_t max;
    if (!max) {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        size_t quarter =
            pages > 0 && page > 0 ? (size_t)pages * (size_t)page / 4 : (size_t)512 << 20;
        max = quarter < ((size_t)4 << 30) ? quarter : ((size_t)4 << 30);
    }
    return max;
}

static void *cache_take(size_t size)
{
    void *memory = NULL;
    if (!CACHE_ENABLED || size < CACHE_MIN_BYTES)
        return NULL;
    pthread_mutex_lock(&cache.lock);
    for (int i = cache.count - 1; i >= 0; i--)
        if (cache.size[i] == size) {
            memory = cache.memory[i];
            cache.bytes -= size;
            memmove(cache.memory + i, cache.memory + i + 1,
                    (size_t)(cache.count - i - 1) * sizeof(void *));
            memmove(cache.size + i, cache.size + i + 1,
                    (size_t)(cache.count - i - 1) * sizeof(size_t));
            cache.count--;
            break;
        }
    pthread_mutex_unlock(&cache.lock);
    return memory;
}

/* Keeps `memory` for reuse, or frees it (and whatever it displaces). */
static void cache_give(void *memory, size_t size)
{
    if (!CACHE_ENABLED || size < CACHE_MIN_BYTES || size > cache_max_bytes()) {
        free(memory);
        return;
    }
    void *evicted[CACHE_SLOTS + 1];
    int nevicted = 0;
    pthread_mutex_lock(&cache.lock);
    while (cache.count > 0 &&
           (cache.count == CACHE_SLOTS || cache.bytes + size > cache_max_bytes())) {
        evicted[nevicted++] = cache.memory[0];
        cache.bytes -= cache.size[0];
        memmove(cache.memory, cache.memory + 1, (size_t)(cache.count - 1) * sizeof(void *));
        memmove(cache.size, cache.size + 1, (size_t)(cache.count - 1) * sizeof(size_t));
        cache.count--;
    }
    cache.memory[cache.count] = memory;
    cache.size[cache.count] = size;
    cache.count++;
    cache.bytes += size;
    pthread_mutex_unlock(&cache.lock);
    for (int i = 0; i < nevicted; i++)
        free(evicted[i]);
}

/* Rounds a request to the allocation size (a multiple of the alignment;
 * never 0, so an empty array still gets a valid, aligned pointer and
 * data + 0 * stride is always a real address). */
static size_t allocation_size(int64_t nbytes)
{
    size_t alloc = nbytes > 0 ? (size_t)nbytes : ND_ALIGNMENT;
    return (alloc + ND_ALIGNMENT - 1) / ND_ALIGNMENT * ND_ALIGNMENT;
}

static void *allocate_memory(size_t alloc)
{
    void *memory = cache_take(alloc);
    if (memory)
        return memory;
    memory = aligned_alloc(ND_ALIGNMENT, alloc);
    /* As NumPy does on Linux: ask for transparent huge pages on big
     * buffers. A fresh 40 MB result otherwise costs ~10,000 page faults,
     * which take longer than the arithmetic that fills it. */
#ifdef MADV_HUGEPAGE
    if (memory && alloc >= HUGEPAGE_MIN_BYTES) {
        uintptr_t start = ((uintptr_t)memory + 4095) & ~(uintptr_t)4095;
        uintptr_t end = ((uintptr_t)memory + alloc) & ~(uintptr_t)4095;
        if (end > start)
            madvise((void *)start, end - start, MADV_HUGEPAGE);
    }
#endif
    return memory;
}

void *nd_scratch_alloc(size_t bytes) { return allocate_memory(allocation_size((int64_t)bytes)); }

void nd_scratch_free(void *memory, size_t bytes)
{
    if (memory)
        cache_give(memory, allocation_size((int64_t)bytes));
}

static nd_buffer *buffer_new(int64_t nbytes)
{
    nd_buffer *buffer = malloc(sizeof *buffer);
    void *memory = buffer ? allocate_memory(allocation_size(nbytes)) : NULL;
    if (!memory) {
        free(buffer);
        nd_set_error(ND_ERR_MEMORY, "Unable to allocate %lld bytes for an array", (long long)nbytes);
        return NULL;
    }
    atomic_init(&buffer->refcount, 1);
    buffer->memory = memory;
    buffer->nbytes = nbytes;
    buffer->owns_memory = true;
    buffer->writeable = true;
    return buffer;
}

static void buffer_release(nd_buffer *buffer)
{
    if (atomic_fetch_sub(&buffer->refcount, 1) == 1) {
        if (buffer->owns_memory)
            cache_give(buffer->memory, allocation_size(buffer->nbytes));
        free(buffer);
    }
}

/* ---- shapes ---------------------------------------------------------------- */

int nd_check_shape(nd_dtype dt, int ndim, const int64_t *shape, int64_t *size)
{
    if (!nd_dtype_valid(dt))
        return nd_set_error(ND_ERR_TYPE, "data type %d not understood", (int)dt);
    if (ndim < 0 || ndim > ND_MAXDIMS)
        return nd_set_error(ND_ERR_VALUE,
                            "maximum supported dimension for an ndarray is %d, found %d",
                            ND_MAXDIMS, ndim);
    if (ndim > 0 && !shape)
        return nd_set_error(ND_ERR_VALUE, "shape is NULL for a %d-dimensional array", ndim);
    for (int i = 0; i < ndim; i++)
        if (shape[i] < 0)
            return nd_set_error(ND_ERR_VALUE, "negative dimensions are not allowed");
    /* As NumPy: the product of the nonzero dimensions must fit, even when
     * a zero dimension makes the array empty. */
    int64_t nonzero_product = 1, total = 1;
    bool overflow = false;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == 0)
            total = 0;
        else
            overflow |= __builtin_mul_overflow(nonzero_product, shape[i], &nonzero_product);
    }
    if (total != 0)
        total = nonzero_product;
    int64_t nbytes;
    if (overflow || __builtin_mul_overflow(nonzero_product, (int64_t)nd_dtype_itemsize(dt), &nbytes))
        return nd_set_error(ND_ERR_VALUE, "array is too big; `arr.size * arr.dtype.itemsize` "
                                          "is larger than the maximum possible size.");
    *size = total;
    return 0;
}

/* NumPy gives an empty array zero strides on every axis. */
void nd_c_strides(size_t itemsize, int ndim, const int64_t *shape, int64_t *strides)
{
    bool empty = false;
    for (int i = 0; i < ndim; i++)
        empty |= shape[i] == 0;
    int64_t step = empty ? 0 : (int64_t)itemsize;
    for (int i = ndim - 1; i >= 0; i--) {
        strides[i] = step;
        step *= shape[i];
    }
}

/* NumPy's rule: an array is C-contiguous if walking it in C order visits
 * consecutive items; dimensions of size 1 may have any stride, and an
 * empty array is contiguous in both orders. */
void nd_update_flags(nd_array *a)
{
    int64_t itemsize = (int64_t)nd_dtype_itemsize(a->dtype);
    bool empty = false;
    for (int i = 0; i < a->ndim; i++)
        empty |= a->shape[i] == 0;
    bool c = true, f = true;
    if (!empty) {
        int64_t expected = itemsize;
        for (int i = a->ndim - 1; i >= 0; i--) {
            if (a->shape[i] == 1)
                continue;
            c &= a->strides[i] == expected;
            expected *= a->shape[i];
        }
        expected = itemsize;
        for (int i = 0; i < a->ndim; i++) {
            if (a->shape[i] == 1)
                continue;
            f &= a->strides[i] == expected;
            expected *= a->shape[i];
        }
    }
    a->flags = (a->flags & ND_FLAG_WRITEABLE) | (c ? ND_FLAG_C_CONTIGUOUS : 0) |
               (f ? ND_FLAG_F_CONTIGUOUS : 0);
}

static nd_array *handle_new(nd_dtype dt, int ndim, const int64_t *shape, const int64_t *strides,
                            char *data, nd_buffer *buffer, bool writeable)
{
    nd_array *a = calloc(1, sizeof *a);
    if (!a) {
        nd_set_error(ND_ERR_MEMORY, "Unable to allocate an array handle");
        return NULL;
    }
    a->dtype = dt;
    a->ndim = ndim;
    if (ndim > 0) {
        memcpy(a->shape, shape, (size_t)ndim * sizeof *shape);
        memcpy(a->strides, strides, (size_t)ndim * sizeof *strides);
    }
    a->data = data;
    a->buffer = buffer;
    a->flags = writeable ? ND_FLAG_WRITEABLE : 0;
    nd_update_flags(a);
    return a;
}

nd_array *nd_alloc_array(nd_dtype dt, int ndim, const int64_t *shape)
{
    int64_t size;
    if (nd_check_shape(dt, ndim, shape, &size) < 0)
        return NULL;
    int64_t strides[ND_MAXDIMS];
    nd_c_strides(nd_dtype_itemsize(dt), ndim, shape, strides);
    nd_buffer *buffer = buffer_new(size * (int64_t)nd_dtype_itemsize(dt));
    if (!buffer)
        return NULL;
    nd_array *a = handle_new(dt, ndim, shape, strides, buffer->memory, buffer, true);
    if (!a)
        buffer_release(buffer);
    return a;
}

nd_array *nd_make_view(const nd_array *base, int ndim, const int64_t *shape, const int64_t *strides,
                       char *data)
{
    nd_array *a = handle_new(base->dtype, ndim, shape, strides, data, base->buffer,
                             (base->flags & ND_FLAG_WRITEABLE) != 0);
    if (a)
        atomic_fetch_add(&base->buffer->refcount, 1);
    return a;
}

nd_array *nd_from_buffer(nd_dtype dt, int ndim, const int64_t *shape, const int64_t *strides,
                         void *data, bool writeable)
{
    ND_CHECK_NOT_NULL(NULL, data);
    int64_t size;
    if (nd_check_shape(dt, ndim, shape, &size) < 0)
        return NULL;
    int64_t itemsize = (int64_t)nd_dtype_itemsize(dt);
    int64_t c_strides[ND_MAXDIMS];
    if (!strides) {
        nd_c_strides((size_t)itemsize, ndim, shape, c_strides);
        strides = c_strides;
    }
    if (!data && size > 0) {
        nd_set_error(ND_ERR_VALUE, "from_buffer: data is NULL");
        return NULL;
    }
    bool aligned = (uintptr_t)data % (uintptr_t)itemsize == 0;
    for (int i = 0; i < ndim; i++)
        aligned &= strides[i] % itemsize == 0;
    if (!aligned) {
        nd_set_error(ND_ERR_VALUE,
                     "from_buffer: data and strides must be aligned to the item "
                     "size (%lld bytes)",
                     (long long)itemsize);
        return NULL;
    }
    nd_buffer *buffer = malloc(sizeof *buffer);
    if (!buffer) {
        nd_set_error(ND_ERR_MEMORY, "Unable to allocate an array handle");
        return NULL;
    }
    atomic_init(&buffer->refcount, 1);
    buffer->owns_memory = false;
    buffer->writeable = writeable;
    nd_array *a = handle_new(dt, ndim, shape, strides, data, buffer, writeable);
    if (!a) {
        free(buffer);
        return NULL;
    }
    /* The caller vouches for exactly the span its geometry reaches; views
     * (as_strided) are checked against that span. */
    const char *low, *high;
    nd_memory_extent(a, &low, &high);
    buffer->memory = (void *)low;
    buffer->nbytes = high - low;
    return a;
}

void nd_free(nd_array *a)
{
    if (!a)
        return;
    buffer_release(a->buffer);
    free(a);
}

/* ---- accessors ------------------------------------------------------------- */

/* On a NULL array each accessor answers the error value nd.h documents for
 * it (-1, NULL, 0 or false) with the message set. */
nd_dtype nd_dtype_of(const nd_array *a)
{
    ND_CHECK_NOT_NULL((nd_dtype)-1, a);
    return a->dtype;
}

int nd_ndim(const nd_array *a)
{
    ND_CHECK_NOT_NULL(-1, a);
    return a->ndim;
}

const int64_t *nd_shape(const nd_array *a)
{
    ND_CHECK_NOT_NULL(NULL, a);
    return a->shape;
}

const int64_t *nd_strides(const nd_array *a)
{
    ND_CHECK_NOT_NULL(NULL, a);
    return a->strides;
}

size_t nd_itemsize(const nd_array *a)
{
    ND_CHECK_NOT_NULL(0, a);
    return nd_dtype_itemsize(a->dtype);
}

void *nd_data(const nd_array *a)
{
    ND_CHECK_NOT_NULL(NULL, a);
    return a->data;
}

int64_t nd_size(const nd_array *a)
{
    ND_CHECK_NOT_NULL(-1, a);
    int64_t size = 1;
    for (int i = 0; i < a->ndim; i++)
        size *= a->shape[i];
    return size;
}

int64_t nd_nbytes(const nd_array *a)
{
    ND_CHECK_NOT_NULL(-1, a);
    return nd_size(a) * (int64_t)nd_itemsize(a);
}

static bool has_flag(const nd_array *a, int flag) { return (a->flags & flag) != 0; }

bool nd_is_c_contiguous(const nd_array *a)
{
    ND_CHECK_NOT_NULL(false, a);
    return has_flag(a, ND_FLAG_C_CONTIGUOUS);
}

bool nd_is_f_contiguous(const nd_array *a)
{
    ND_CHECK_NOT_NULL(false, a);
    return has_flag(a, ND_FLAG_F_CONTIGUOUS);
}

bool nd_is_writeable(const nd_array *a)
{
    ND_CHECK_NOT_NULL(false, a);
    return has_flag(a, ND_FLAG_WRITEABLE);
}

int nd_set_writeable(nd_array *a, bool writeable)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a);
    if (writeable && !a->buffer->writeable)
        return nd_set_error(ND_ERR_VALUE, "cannot set WRITEABLE flag to True of this array");
    a->flags = writeable ? (a->flags | ND_FLAG_WRITEABLE) : (a->flags & ~ND_FLAG_WRITEABLE);
    return 0;
}

int nd_check_writeable(const nd_array *a)
{
    if (!(a->flags & ND_FLAG_WRITEABLE))
        return nd_set_error(ND_ERR_VALUE, "assignment destination is read-only");
    return 0;
}

bool nd_may_have_internal_overlap(const nd_array *a)
{
    int64_t steps[ND_MAXDIMS], lengths[ND_MAXDIMS];
    int n = 0;
    for (int d = 0; d < a->ndim; d++) {
        if (a->shape[d] == 0)
            return false; /* no elements at all */
        if (a->shape[d] == 1)
            continue;
        int64_t s = a->strides[d] < 0 ? -a->strides[d] : a->strides[d];
        int k = n++; /* insertion sort by |stride| */
        while (k > 0 && steps[k - 1] > s) {
            steps[k] = steps[k - 1];
            lengths[k] = lengths[k - 1];
            k--;
        }
        steps[k] = s;
        lengths[k] = a->shape[d];
    }
    /* Each axis must step past the whole span of the smaller ones. */
    int64_t span = (int64_t)nd_dtype_itemsize(a->dtype);
    for (int k = 0; k < n; k++) {
        if (steps[k] < span)
            return true;
        span = steps[k] * (lengths[k] - 1) + span;
    }
    return false;
}

void nd_memory_extent(const nd_array *a, const char **low, const char **high)
{
    const char *lo = a->data, *hi = a->data;
    for (int i = 0; i < a->ndim; i++) {
        if (a->shape[i] == 0) { /* nothing is reachable */
            *low = *high = a->data;
            return;
        }
        int64_t reach = (a->shape[i] - 1) * a->strides[i];
        if (reach < 0)
            lo += reach;
        else
            hi += reach;
    }
    *low = lo;
    *high = hi + nd_itemsize(a);
}

bool nd_may_share_memory(const nd_array *a, const nd_array *b)
{
    ND_CHECK_NOT_NULL(false, a, b);
    const char *a_low, *a_high, *b_low, *b_high;
    nd_memory_extent(a, &a_low, &a_high);
    nd_memory_extent(b, &b_low, &b_high);
    return a_low < b_high && b_low < a_high;
}
