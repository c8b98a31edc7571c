/*
 * nd.h: libnd, strided n-dimensional arrays with NumPy's semantics.
 *
 * The array model, in four rules (docs/libnd.md has the long form):
 *
 *  1. An nd_array is a *view*: dtype, ndim, shape[], strides[] in BYTES (as
 *     NumPy's), a pointer to its first element, and a reference to the
 *     refcounted buffer that owns the memory. Views share the buffer.
 *  2. Ownership: every function that returns `nd_array *` returns a NEW
 *     handle that the caller releases with nd_free(), views included (the
 *     handle is new, the buffer is shared and freed with its last handle).
 *     Returned `const` pointers (nd_shape, nd_strides, nd_last_error, ...)
 *     are borrowed and live as long as the object they came from.
 *  3. Errors: a function returning a pointer returns NULL on error; one
 *     returning int returns 0 on success and a negative nd_status on error.
 *     nd_last_error() (thread-local) then says what went wrong in NumPy's
 *     words, e.g. "cannot reshape array of size 6 into shape (4,)". Bad
 *     input never aborts, crashes or leaks. A NULL where an array (or
 *     another required pointer) is expected is bad input like any other:
 *     "reshape: a is NULL"; a list may be NULL only when its length is 0
 *     (axes with naxes 0, shape with ndim 0). Functions that return a plain
 *     value document their error value (nd_ndim: -1).
 *  4. Inputs are never modified unless the name says so (_out, _inplace,
 *     set, fill, copyto).
 *
 * Functions documented "view" return an O(1) view sharing the buffer;
 * functions documented "copy" always allocate a new C-contiguous buffer.
 */
#ifndef ND_H
#define ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define ND_API __attribute__((visibility("default")))
#else
#define ND_API
#endif

/* NumPy's NPY_MAXDIMS (1.x): the most dimensions an array may have. */
#define ND_MAXDIMS 32

/* "None" in a slice: a[::-1] is nd_slice(a, 0, ND_NONE, ND_NONE, -1). Also
 * "None" wherever an int64 argument is documented as optional. */
#define ND_NONE INT64_MIN

typedef struct nd_array nd_array;

/* The thirteen dtypes. The order is part of the ABI. */
// clang-format off
typedef enum nd_dtype {
    ND_BOOL, ND_INT8, ND_INT16, ND_INT32, ND_INT64,
    ND_UINT8, ND_UINT16, ND_UINT32, ND_UINT64,
    ND_FLOAT16, ND_BFLOAT16, ND_FLOAT32, ND_FLOAT64
} nd_dtype;
// clang-format on
#define ND_NUM_DTYPES 13

/* Error kinds, named after the Python exception NumPy raises. */
// clang-format off
typedef enum nd_status {
    ND_OK = 0,
    ND_ERR_VALUE = -1,   /* ValueError: bad shapes, bad arguments, corrupt files */
    ND_ERR_TYPE = -2,    /* TypeError: a dtype an operation does not accept */
    ND_ERR_INDEX = -3,   /* IndexError: an index out of bounds */
    ND_ERR_AXIS = -4,    /* numpy.AxisError: an axis out of bounds */
    ND_ERR_MEMORY = -5,  /* MemoryError: allocation failed or size overflows */
    ND_ERR_IO = -6,      /* OSError: a file could not be opened, read or written */
    ND_ERR_KEY = -7      /* KeyError: a name not found (e.g. in an .npz) */
} nd_status;
// clang-format on

/* Casting rules of numpy.can_cast. */
// clang-format off
typedef enum nd_casting {
    ND_CAST_NO,          /* only identical dtypes */
    ND_CAST_EQUIV,       /* identical up to byte order: same as NO here */
    ND_CAST_SAFE,        /* values are preserved (int8 -> int16, int32 -> float64) */
    ND_CAST_SAME_KIND,   /* safe, or within a kind (float64 -> float32) */
    ND_CAST_UNSAFE       /* anything (float -> int truncates) */
} nd_casting;
// clang-format on

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/* The message of the last error on this thread ("" if none). Borrowed; valid
 * until the next libnd call on this thread. Always one line: control
 * characters quoted from input (a key or a name read from a file) appear
 * escaped, as \n, \t or \x01. */
ND_API const char *nd_last_error(void);
/* The kind of the last error on this thread (ND_OK if none). */
ND_API nd_status nd_last_status(void);
/* Forget the last error on this thread. */
ND_API void nd_clear_error(void);
/* Records an error as the thread's last one (printf-style message) and
 * returns `status`: for libraries built on libnd (libautograd reports its
 * errors through the same channel). */
ND_API int nd_set_last_error(nd_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------------------ */
/* dtypes                                                                   */
/* ------------------------------------------------------------------------ */

/* Bytes per element: 1 for bool, 2 for float16/bfloat16, ...; 0 if dt is not
 * a valid dtype. */
ND_API size_t nd_dtype_itemsize(nd_dtype dt);
/* The name as NumPy prints it: "bool", "int8", ..., "float16", "bfloat16"
 * (as ml_dtypes prints it), "float32", "float64"; NULL if dt is invalid. */
ND_API const char *nd_dtype_name(nd_dtype dt);
/* Parses a name printed by nd_dtype_name (also "bool_", "float", "int"
 * meaning float64 and int64 as in NumPy). Returns 0, or ND_ERR_TYPE with
 * "data type 'x' not understood". */
ND_API int nd_dtype_from_name(const char *name, nd_dtype *out);
// clang-format off
ND_API bool nd_dtype_is_float(nd_dtype dt);     /* float16, bfloat16, float32, float64 */
ND_API bool nd_dtype_is_integer(nd_dtype dt);   /* int8..uint64, not bool */
ND_API bool nd_dtype_is_signed(nd_dtype dt);    /* signed integers and floats */
// clang-format on

/* numpy.result_type / numpy.promote_types of two dtypes: the smallest dtype
 * both can be cast to safely (int64 + uint64 -> float64, int8 + float16 ->
 * float16, int32 + float32 -> float64). bfloat16 promotes as in ml_dtypes:
 * like float16 against bool/ints/float32/float64, and bfloat16 + float16 ->
 * float32. Returns -1 (not a dtype) if either argument is invalid. */
ND_API nd_dtype nd_result_type(nd_dtype a, nd_dtype b);
/* numpy.can_cast(from, to, casting). */
ND_API bool nd_can_cast(nd_dtype from, nd_dtype to, nd_casting casting);

/* Scalar conversions for the 16-bit floats, stored as their bit patterns.
 * All round to nearest, ties to even; overflow gives inf, NaN stays NaN
 * (quiet). The double versions round once, directly from double. */
// clang-format off
ND_API float    nd_half_to_float(uint16_t h);
ND_API uint16_t nd_float_to_half(float f);
ND_API uint16_t nd_double_to_half(double d);
ND_API float    nd_bfloat16_to_float(uint16_t b);
ND_API uint16_t nd_float_to_bfloat16(float f);
ND_API uint16_t nd_double_to_bfloat16(double d);
// clang-format on

/* ------------------------------------------------------------------------ */
/* The array object                                                         */
/* ------------------------------------------------------------------------ */

/* Releases a handle; the buffer is freed with its last handle, unless it
 * wraps caller memory (nd_from_buffer). NULL is fine. */
ND_API void nd_free(nd_array *a);

/* Accessors. Given NULL, each returns the error value in its comment and
 * sets the message ("ndim: a is NULL"). */
// clang-format off
ND_API nd_dtype       nd_dtype_of(const nd_array *a);  /* NULL: -1, not a dtype */
ND_API int            nd_ndim(const nd_array *a);      /* NULL: -1 */
ND_API const int64_t *nd_shape(const nd_array *a);     /* ndim entries; borrowed; NULL: NULL */
ND_API const int64_t *nd_strides(const nd_array *a);   /* ndim entries, in bytes; borrowed; NULL: NULL */
ND_API int64_t        nd_size(const nd_array *a);      /* product of the shape (1 for 0-d); NULL: -1 */
ND_API size_t         nd_itemsize(const nd_array *a);  /* NULL: 0 */
ND_API int64_t        nd_nbytes(const nd_array *a);    /* size * itemsize; NULL: -1 */
ND_API void          *nd_data(const nd_array *a);      /* the first element; borrowed; NULL: NULL */
// clang-format on

/* Flags, as NumPy's a.flags: C_CONTIGUOUS, F_CONTIGUOUS (strides of size-1
 * dimensions are ignored; empty arrays are both), WRITEABLE. false (with
 * the message set) for a NULL array. */
ND_API bool nd_is_c_contiguous(const nd_array *a);
ND_API bool nd_is_f_contiguous(const nd_array *a);
ND_API bool nd_is_writeable(const nd_array *a);
/* a.flags.writeable = writeable. Setting false always works; setting true
 * fails with "cannot set WRITEABLE flag to True of this array" when the
 * memory itself is read-only (nd_from_buffer(..., writeable=false)). */
ND_API int nd_set_writeable(nd_array *a, bool writeable);
/* numpy.may_share_memory: true if the memory spans of a and b overlap
 * (false, with the message set, if either is NULL). */
ND_API bool nd_may_share_memory(const nd_array *a, const nd_array *b);

/* ------------------------------------------------------------------------ */
/* Creation (all copy: a new C-contiguous, 64-byte aligned buffer)          */
/* ------------------------------------------------------------------------ */

/* Shapes: ndim in [0, ND_MAXDIMS], every entry >= 0 ("negative dimensions
 * are not allowed"), total byte size must fit in int64 ("array is too
 * big; `arr.size * arr.dtype.itemsize` is larger than the maximum possible
 * size."). ndim 0 makes a 0-d array of one element; shape may then be NULL. */
ND_API nd_array *nd_empty(nd_dtype dt, int ndim, const int64_t *shape); /* uninitialized */
ND_API nd_array *nd_zeros(nd_dtype dt, int ndim, const int64_t *shape);
ND_API nd_array *nd_ones(nd_dtype dt, int ndim, const int64_t *shape);
/* Every element is `value` cast to dt as nd_astype casts. */
ND_API nd_array *nd_full(nd_dtype dt, int ndim, const int64_t *shape, double value);
ND_API nd_array *nd_empty_like(const nd_array *a); /* same dtype and shape, C order */
ND_API nd_array *nd_zeros_like(const nd_array *a);
ND_API nd_array *nd_ones_like(const nd_array *a);
ND_API nd_array *nd_full_like(const nd_array *a, double value);

/* numpy.arange(start, stop, step, dtype): ceil((stop - start) / step)
 * elements (none if that is <= 0); element i is computed as NumPy does:
 * start + i * delta in dt, with delta = dt(start + step) - dt(start).
 * A quotient that underflows to 0 with stop != start gives one element
 * when the step points towards stop (arange(0, 5, inf) is [0.]), none
 * otherwise, as NumPy. Errors as NumPy 1.24's: step 0 "division by zero"
 * (its ZeroDivisionError), a NaN argument "arange: cannot compute length",
 * an infinite or too large length "Maximum allowed size exceeded". */
ND_API nd_array *nd_arange(nd_dtype dt, double start, double stop, double step);
/* numpy.linspace(start, stop, num, endpoint, dtype): computed in float64 as
 * NumPy does (i * step + start, the last element exactly stop when
 * endpoint), then cast to dt. num must be >= 0. */
ND_API nd_array *nd_linspace(nd_dtype dt, double start, double stop, int64_t num, bool endpoint);
/* numpy.eye(n, m, k, dtype): (n, m) with ones on diagonal k (k > 0 above the
 * main diagonal). m == ND_NONE means m = n. */
ND_API nd_array *nd_eye(nd_dtype dt, int64_t n, int64_t m, int64_t k);
/* Copies nd_size elements from c_order_data (C order, native endian, of
 * dtype dt; bool as one byte 0/1). data may be NULL only if the size is 0. */
ND_API nd_array *nd_from_data(nd_dtype dt, int ndim, const int64_t *shape, const void *c_order_data);
/* Wraps caller memory without copying: libnd never frees or reallocates
 * `data`; the caller keeps it alive while any handle (or view of one) lives.
 * strides in bytes, NULL for C order. writeable=false makes every view of it
 * read-only. data and every stride must be multiples of the item size
 * ("from_buffer: data and strides must be aligned to the item size"), since
 * libnd's loops load elements as typed values. */
ND_API nd_array *nd_from_buffer(nd_dtype dt, int ndim, const int64_t *shape, const int64_t *strides,
                                void *data, bool writeable);

/* ------------------------------------------------------------------------ */
/* Views (O(1), share the buffer, inherit WRITEABLE)                        */
/* ------------------------------------------------------------------------ */

/* A new handle on the same view (a[...] / a.view()). */
ND_API nd_array *nd_view(const nd_array *a);
/* numpy.reshape(a, shape) in C order: a view whenever the strides allow it
 * (NumPy's no-copy rule: contiguous runs of a may be split and merged), a
 * C-contiguous copy otherwise, exactly when NumPy copies. One entry may be
 * -1 ("can only specify one unknown dimension"). Size must match ("cannot
 * reshape array of size 6 into shape (4,)"). */
ND_API nd_array *nd_reshape(const nd_array *a, int ndim, const int64_t *shape);
/* numpy.ravel: 1-D; a view of a C-contiguous array, a copy otherwise (as
 * NumPy, even where nd_reshape(a, -1) could make a view). */
ND_API nd_array *nd_ravel(const nd_array *a);
/* numpy.transpose: view. axes holds exactly ndim entries, a permutation of
 * 0..ndim-1 (negative allowed), or is NULL to reverse the axes. Errors:
 * "repeated axis in transpose", AxisError for an entry out of range. */
ND_API nd_array *nd_transpose(const nd_array *a, const int *axes);
/* numpy.swapaxes: view. */
ND_API nd_array *nd_swapaxes(const nd_array *a, int axis1, int axis2);
/* a[..., start:stop:step, ...] on one axis: view. start/stop may be
 * ND_NONE, negative (counted from the end) and out of range (clamped), all
 * as Python's slice.indices(). step may be negative; step 0 fails with
 * "slice step cannot be zero". */
ND_API nd_array *nd_slice(const nd_array *a, int axis, int64_t start, int64_t stop, int64_t step);
/* numpy.squeeze: view. naxes 0 removes every size-1 axis; otherwise the
 * listed axes, each of which must have size 1 ("cannot select an axis to
 * squeeze out which has size not equal to one") and appear once
 * ("duplicate value in 'axis'"). */
ND_API nd_array *nd_squeeze(const nd_array *a, int naxes, const int *axes);
/* numpy.expand_dims(a, axis): view with a new size-1 axis at `axis`, which
 * ranges over [-(ndim+1), ndim]. */
ND_API nd_array *nd_expand_dims(const nd_array *a, int axis);
/* numpy.broadcast_to: READ-ONLY view with stride 0 on broadcast axes.
 * Error as NumPy: "operands could not be broadcast together with remapped
 * shapes [original->remapped]: (3,)  and requested shape (4,)". */
ND_API nd_array *nd_broadcast_to(const nd_array *a, int ndim, const int64_t *shape);
/* numpy.lib.stride_tricks.as_strided: view with any shape and byte strides
 * (negative and zero too, multiples of the item size) starting at a's first
 * element. Unlike NumPy it checks that every reachable element lies inside
 * a's buffer ("as_strided: the requested view reaches outside the array's
 * memory"), so it cannot be used to read or write out of bounds. */
ND_API nd_array *nd_as_strided(const nd_array *a, int ndim, const int64_t *shape,
                               const int64_t *strides);
/* numpy.diagonal(a, offset, axis1, axis2): READ-ONLY view; the diagonal
 * becomes the last axis. */
ND_API nd_array *nd_diagonal(const nd_array *a, int64_t offset, int axis1, int axis2);

/* ------------------------------------------------------------------------ */
/* Copies, casts and elements                                               */
/* ------------------------------------------------------------------------ */

/* numpy.copy: copy, always C-contiguous and writeable. */
ND_API nd_array *nd_copy(const nd_array *a);
/* numpy.ascontiguousarray: a new handle on a itself (view) when it is
 * already C-contiguous, else a C-contiguous copy. Keeps a's dtype; like
 * NumPy it returns at least 1-D (a 0-d array becomes shape (1,), a view). */
ND_API nd_array *nd_ascontiguousarray(const nd_array *a);
/* a.astype(dt): copy, cast element by element with NumPy's results:
 *  - to bool: nonzero -> true (NaN -> true);
 *  - int -> narrower int: wraps modulo 2^bits (two's complement);
 *  - float -> int: truncates toward zero. Out of range is defined here (it
 *    is undefined in C and platform-dependent in NumPy): NaN -> 0, values
 *    beyond the target's range saturate to its min/max;
 *  - to float16/bfloat16/float32: round to nearest even, overflow -> inf.
 */
ND_API nd_array *nd_astype(const nd_array *a, nd_dtype dt);
/* numpy.copyto(dst, src, casting): src is broadcast to dst's shape and cast
 * to dst's dtype if `casting` allows ("Cannot cast array data from
 * dtype('float64') to dtype('int64') according to the rule 'same_kind'").
 * dst must be writeable. Overlapping src and dst are handled (src is
 * copied first when they share memory). */
ND_API int nd_copyto(nd_array *dst, const nd_array *src, nd_casting casting);
/* a.fill(value): value cast to a's dtype as by nd_astype. */
ND_API int nd_fill(nd_array *a, double value);

/* One element, a[index[0], ..., index[ndim-1]] (ndim indices; negative ones
 * count from the end; out of range: "index 5 is out of bounds for axis 0
 * with size 3"). The double forms convert as nd_astype; the int64 forms are
 * exact for every integer dtype (uint64 above INT64_MAX reads as its two's
 * complement int64) and truncate floats. Writing to a read-only array fails
 * with "assignment destination is read-only". */
ND_API int nd_get(const nd_array *a, const int64_t *index, double *value);
ND_API int nd_set(nd_array *a, const int64_t *index, double value);
ND_API int nd_get_int64(const nd_array *a, const int64_t *index, int64_t *value);
ND_API int nd_set_int64(nd_array *a, const int64_t *index, int64_t value);

/* ------------------------------------------------------------------------ */
/* Printing                                                                 */
/* ------------------------------------------------------------------------ */

/* repr(a) as NumPy 1.24 prints it with default print options, e.g.
 *   array([[1., 2.],
 *          [3., 4.]], dtype=float32)
 * (shortest round-trip digits, at most 8 after the point, line width 75,
 * summarized with "..." past 1000 elements). Returns a malloc'd string the
 * caller releases with free(), or NULL on error. */
ND_API char *nd_repr(const nd_array *a);
/* str(a), as print(a) in Python shows it: "[[1. 2.]\n [3. 4.]]". malloc'd. */
ND_API char *nd_str(const nd_array *a);
/* Writes nd_repr(a) and a newline to stream / to stdout. */
ND_API int nd_fprint(FILE *stream, const nd_array *a);
ND_API int nd_print(const nd_array *a);

/* ------------------------------------------------------------------------ */
/* .npy and .npz files                                                      */
/* ------------------------------------------------------------------------ */

/* numpy.load of an .npy file: format versions 1.0, 2.0 and 3.0, C or Fortran
 * order (a Fortran-order file loads as an F-contiguous array, as in NumPy),
 * little- or big-endian (converted to native), every dtype above. bfloat16
 * is stored with descr '<V2', as NumPy with ml_dtypes writes it (plain NumPy
 * sees 2-byte voids; .view(np.uint16) gives the bit patterns), and a 2-byte
 * void loads back as bfloat16. Object arrays, bad magic, truncated data,
 * headers that lie and absurd shapes fail with a ValueError-style message,
 * never a crash or an allocation larger than the file. */
ND_API nd_array *nd_load_npy(const char *path);
/* numpy.save: version 1.0 (2.0 when the header needs it), native
 * little-endian, Fortran order when a is F- but not C-contiguous (as NumPy
 * does), C order otherwise. Written atomically (nd_write_atomic), so a
 * failure never leaves a half-written `path`. */
ND_API int nd_save_npy(const char *path, const nd_array *a);

/* An opened .npz archive: its arrays are read when it is loaded. */
typedef struct nd_npz nd_npz;
/* numpy.load of an .npz (a zip of .npy files, stored or deflated). */
// clang-format off
ND_API nd_npz     *nd_load_npz(const char *path);
/* The number of arrays; ND_ERR_VALUE ("npz_count: z is NULL") for a NULL z,
 * so a loop `i < nd_npz_count(z)` over a failed load runs zero times. */
ND_API int         nd_npz_count(const nd_npz *z);
/* The i-th array's name, without the ".npy" suffix (as NpzFile.files);
 * borrowed; NULL with ND_ERR_INDEX if i is out of range. */
ND_API const char *nd_npz_name(const nd_npz *z, int i);
/* A new handle on the named array; NULL with ND_ERR_KEY ("x is not a file in
 * the archive") if absent. */
ND_API nd_array   *nd_npz_get(const nd_npz *z, const char *name);
ND_API void        nd_npz_free(nd_npz *z);   /* NULL is fine */
// clang-format on
/* numpy.savez / numpy.savez_compressed: n arrays under the given names
 * (stored as "<name>.npy"). Names must be distinct and non-empty; n must
 * not be negative ("savez: n must not be negative, got -1"), and names and
 * arrays may be NULL only when n is 0. Written atomically (nd_write_atomic). */
ND_API int nd_savez(const char *path, int n, const char *const *names,
                    const nd_array *const *arrays);
ND_API int nd_savez_compressed(const char *path, int n, const char *const *names,
                               const nd_array *const *arrays);

/* ------------------------------------------------------------------------ */
/* Files: atomic writes, JSON, safetensors                                  */
/* ------------------------------------------------------------------------ */

/* Every file libnd, libautograd and the models write goes through one
 * atomic writer: a temporary file made by mkstemp next to `path`
 * ("<path>.tmpXXXXXX"), everything written and flushed, the mode set to
 * 0644 minus the umask (what open(2) gives a new file), fsync, rename over
 * `path`, fsync of the folder. A crash leaves the old file or the complete
 * new one; a failure (no space, no permission, a failing writer) removes
 * the temporary file, leaves `path` as it was, and returns ND_ERR_IO with
 * the reason: "cannot write 'x': No space left on device". data may be
 * NULL only when len is 0 (an empty file). */
ND_API int nd_write_atomic(const char *path, const void *data, size_t len);
/* The same for the concatenation of n chunks (data[i], lens[i] bytes). n
 * must not be negative ("write_atomic_chunks: n must not be negative, got
 * -1"); data and lens may be NULL only when n is 0, data[i] only when
 * lens[i] is 0. */
ND_API int nd_write_atomic_chunks(const char *path, int n, const void *const *data,
                                  const size_t *lens);
/* For content made incrementally: `write` gets the temporary file as a
 * FILE * (fprintf, fwrite, ...) and returns 0, or a negative status (with
 * nd_set_last_error, or just after a failing stdio call: errno is then the
 * reason) to abandon the write. Stdio errors it ignores are still caught
 * when the file is flushed. The writer must not close the FILE. */
typedef int (*nd_writer_fn)(FILE *out, void *ctx);
ND_API int nd_write_atomic_with(const char *path, nd_writer_fn write, void *ctx);
/* The whole regular file at path in a new malloc'd buffer (the caller
 * frees it), NUL-terminated after its *len bytes. Bounded: NULL with
 * ND_ERR_VALUE if it holds more than max_bytes (checked before anything is
 * allocated), ND_ERR_IO "cannot read 'x': <reason>" otherwise; a FIFO or a
 * device is refused at once ("not a regular file"), never waited on. len
 * is required ("read_file: len is NULL"). */
ND_API char *nd_read_file(const char *path, size_t max_bytes, size_t *len);

/*
 * JSON (RFC 8259), read into a document of values, with bounds on every
 * resource a hostile input could take (nd_json_limits). Beyond the grammar
 * it rejects duplicate keys, integers that fit neither int64 nor uint64 (an
 * integer is never silently rounded to a double), numbers that overflow a
 * double, invalid UTF-8, lone surrogates and "\u0000". Integers (no
 * fraction, no exponent) and doubles are distinct types. Errors are one
 * line, ND_ERR_VALUE: "<what>: duplicate key \"n_layer\" at byte 57".
 *
 * Values are borrowed from their document and live until nd_json_free.
 * Every accessor accepts NULL (and then fails), so lookups chain:
 *   nd_json_int(nd_json_member(nd_json_root(doc), "n_layer"), &n)
 * fails with the first missing link's message.
 */
typedef struct nd_json nd_json;
typedef struct nd_json_value nd_json_value;
// clang-format off
typedef enum nd_json_type {
    ND_JSON_NONE = -1,   /* what nd_json_type_of(NULL) says */
    ND_JSON_NULL, ND_JSON_BOOL, ND_JSON_INT, ND_JSON_DOUBLE, ND_JSON_STRING,
    ND_JSON_ARRAY, ND_JSON_OBJECT
} nd_json_type;
typedef struct nd_json_limits {
    size_t max_bytes;    /* input size */
    int max_depth;       /* nested arrays/objects (the top value is depth 0) */
    size_t max_string;   /* bytes of one decoded string */
    size_t max_values;   /* values in the document (keys included) */
} nd_json_limits;
// clang-format on
/* 64 MiB, depth 64, 1 MiB strings, 4 Mi values. */
ND_API extern const nd_json_limits ND_JSON_DEFAULT_LIMITS;

/* Parses text[0..len) (NUL bytes in it are errors). limits NULL: the
 * defaults; `what` (NULL: "JSON") starts error messages. A new document
 * (nd_json_free), or NULL with ND_ERR_VALUE / ND_ERR_MEMORY. */
ND_API nd_json *nd_json_parse(const char *text, size_t len, const nd_json_limits *limits,
                              const char *what);
/* The same for a regular file (never a FIFO or device; at most
 * limits->max_bytes, checked before reading); messages start with the path.
 * ND_ERR_IO "cannot read 'x': No such file or directory". */
ND_API nd_json *nd_json_load(const char *path, const nd_json_limits *limits);
ND_API void nd_json_free(nd_json *doc); /* NULL is fine */
/* The top value; NULL for a NULL doc. nd_json_root, nd_json_type_of and
 * nd_json_offset keep a pending error when given NULL (the failed
 * nd_json_load's "cannot read 'x': ..." in nd_json_root(nd_json_load(..)));
 * with none pending they set ND_ERR_VALUE "json_root: doc is NULL". */
ND_API const nd_json_value *nd_json_root(const nd_json *doc);
/* v's type; ND_JSON_NONE for NULL (the message as nd_json_root). */
ND_API nd_json_type nd_json_type_of(const nd_json_value *v);
/* "an integer", "a string", ... for messages. */
ND_API const char *nd_json_type_name(nd_json_type type);
/* The byte of the input where v starts (0 for NULL, the message as
 * nd_json_root), for messages. */
ND_API size_t nd_json_offset(const nd_json_value *v);
/* Scalars: 0 and *out, or ND_ERR_TYPE "expected an integer at byte 12,
 * found a string", ND_ERR_VALUE when an integer does not fit (nd_json_int:
 * int64; nd_json_uint: uint64, no negatives). nd_json_double takes an
 * integer too (rounded to the nearest double). */
ND_API int nd_json_bool(const nd_json_value *v, bool *out);
ND_API int nd_json_int(const nd_json_value *v, int64_t *out);
ND_API int nd_json_uint(const nd_json_value *v, uint64_t *out);
ND_API int nd_json_double(const nd_json_value *v, double *out);
/* A string's decoded UTF-8, NUL-terminated (*len bytes, if len is not
 * NULL); NULL with ND_ERR_TYPE if v is not a string. */
ND_API const char *nd_json_string(const nd_json_value *v, size_t *len);
/* Items of an array or members of an object; -1 with ND_ERR_TYPE otherwise. */
ND_API int64_t nd_json_count(const nd_json_value *v);
/* Item i of an array, or the value of member i of an object (in file
 * order), O(1); NULL with ND_ERR_INDEX if out of range. */
ND_API const nd_json_value *nd_json_item(const nd_json_value *v, int64_t i);
/* The key of member i of an object. */
ND_API const char *nd_json_key(const nd_json_value *v, int64_t i);
/* The value under key (linear search), or NULL with ND_ERR_KEY "missing key
 * \"x\" in the object at byte 0". */
ND_API const nd_json_value *nd_json_member(const nd_json_value *v, const char *key);
/* 0 if every key of the object v is one of allowed[0..n), else ND_ERR_KEY
 * "unknown key \"x\" at byte 40" (ND_ERR_TYPE if v is not an object;
 * ND_ERR_VALUE if n is negative, or allowed is NULL and n is not 0). */
ND_API int nd_json_check_keys(const nd_json_value *v, int n, const char *const *allowed);

/*
 * safetensors (Hugging Face's format): named arrays and a string map of
 * metadata. The layout, little-endian throughout:
 *   [8 bytes]  N, the header length (uint64, at most 100 MB)
 *   [N bytes]  JSON {"__metadata__": {"k": "v", ...},
 *                    "name": {"dtype": "F32", "shape": [2, 3],
 *                             "data_offsets": [begin, end]}, ...}
 *              padded with spaces so N is a multiple of 8
 *   [rest]     the tensors' bytes, C order; offsets count from here
 * dtypes F64 F32 F16 BF16 I64 I32 I16 I8 U64 U32 U16 U8 BOOL are libnd's
 * thirteen, one for one.
 *
 * Loading validates what the format's reference implementation does: the
 * header fits the file and the 100 MB limit, is UTF-8 JSON of exactly the
 * shape above (unknown or duplicate keys, unknown dtypes are errors), each
 * tensor's byte range is its shape's product times its item size (computed
 * with overflow checks), and the ranges are contiguous, non-overlapping and
 * cover the whole data section to the end of the file. Any violation is
 * one ND_ERR_VALUE line starting "safetensors: "; nothing outside the file
 * is read and at most about the file's size is allocated (the file is read
 * whole).
 */
typedef struct nd_safetensors nd_safetensors;
ND_API nd_safetensors *nd_safetensors_load(const char *path);
ND_API void nd_safetensors_free(nd_safetensors *st); /* NULL is fine */
/* The tensors, in the header's order: count (ND_ERR_VALUE for a NULL st),
 * i-th name (borrowed; NULL with ND_ERR_INDEX if out of range). */
ND_API int nd_safetensors_count(const nd_safetensors *st);
ND_API const char *nd_safetensors_name(const nd_safetensors *st, int i);
/* A new C-contiguous array with a copy of the named tensor; NULL with
 * ND_ERR_KEY "safetensors: no tensor named 'x'" if absent. */
ND_API nd_array *nd_safetensors_get(const nd_safetensors *st, const char *name);
/* The named tensor's dtype and shape without copying its data (shape is
 * borrowed; any output may be NULL); ND_ERR_KEY if absent. */
ND_API int nd_safetensors_info(const nd_safetensors *st, const char *name, nd_dtype *dtype,
                               int *ndim, const int64_t **shape);
/* The metadata: count (ND_ERR_VALUE for a NULL st), i-th key (NULL with
 * ND_ERR_INDEX if out of range), and the value of a key (borrowed; NULL if
 * absent, which is not an error: no message is set). */
ND_API int nd_safetensors_metadata_count(const nd_safetensors *st);
ND_API const char *nd_safetensors_metadata_key(const nd_safetensors *st, int i);
ND_API const char *nd_safetensors_metadata(const nd_safetensors *st, const char *key);
/* Writes n arrays (any strides and dtype; stored in C order) under
 * distinct, non-empty UTF-8 names (not "__metadata__"), with nmeta
 * key/value UTF-8 string pairs metadata[2 i], metadata[2 i + 1] (metadata
 * may be NULL when nmeta is 0), atomically (nd_write_atomic). n and nmeta
 * must not be negative, names and arrays may be NULL only when n is 0
 * ("safetensors_save: names is NULL but n is 1", ND_ERR_VALUE). Arrays are
 * laid out by decreasing item size, then by name, as the reference
 * implementation does, so every tensor is aligned to its item size. */
ND_API int nd_safetensors_save(const char *path, int n, const char *const *names,
                               const nd_array *const *arrays, int nmeta,
                               const char *const *metadata);

/* ------------------------------------------------------------------------ */
/* Threads                                                                  */
/* ------------------------------------------------------------------------ */

/* How many threads libnd's kernels and OpenBLAS may use together. n >= 1;
 * 0 means the default: the number of online CPUs, or $ND_NUM_THREADS if
 * set. OpenBLAS is told the same number, and libnd's pool never runs while
 * a BLAS call does, so the two never oversubscribe the cores. Returns 0, or
 * ND_ERR_VALUE for n < 0. */
ND_API int nd_set_num_threads(int n);
ND_API int nd_get_num_threads(void);

/* Work on [begin, end) of a range that nd_parallel_for splits. */
typedef void (*nd_task_fn)(void *ctx, int64_t begin, int64_t end);

/* Runs fn(ctx, begin, end) over [0, n) cut into at most
 * nd_get_num_threads() contiguous pieces of at least min_per_thread each
 * (one piece when n is small), the calling thread doing the first, and
 * returns when every piece is done. The pieces run at the same time, so fn
 * must write only what its own range owns. Called from inside a piece
 * while the pieces of a split call run, or while another thread is using
 * the pool, it runs fn(ctx, 0, n) on the calling thread. This is the pool libnd's own kernels use: loops written outside
 * libnd (an optimizer's update, a custom op) share the cores through it
 * instead of starting threads of their own. */
ND_API void nd_parallel_for(int64_t n, int64_t min_per_thread, nd_task_fn fn, void *ctx);

/* This machine's arithmetic peak in GFLOP/s (a multiply-add counts 2) for
 * matrix products on dtype operands, ND_FLOAT32 or ND_BFLOAT16, over the
 * nd_get_num_threads() threads of the pool, measured now (a few
 * milliseconds): every thread runs independent chains of the instruction
 * libnd's kernels use for that dtype (vfmadd231ps; vdpbf16ps where
 * bfloat16 products run natively, else the float32 rate, as they are
 * widened), the best of 3 runs. The denominator of a model FLOPs
 * utilization. Another dtype: -1 with ND_ERR_TYPE
 * ("peak_gflops: dtype must be float32 or bfloat16, not int32"). */
ND_API double nd_peak_gflops(nd_dtype dtype);

/* ------------------------------------------------------------------------ */
/* Elementwise operations (ufuncs)                                          */
/* ------------------------------------------------------------------------ */

/*
 * Every function here is a NumPy ufunc:
 *  - operands broadcast against each other ("operands could not be broadcast
 *    together with shapes (2,3) (4,)");
 *  - the result dtype is numpy.result_type of the operands, with NumPy
 *    1.24's value-based rule for 0-d arrays: a 0-d operand of the same or a
 *    lower kind than the n-d ones counts as the smallest dtype holding its
 *    value, so float32 array * 0-d float64 stays float32, like `x * 0.5`
 *    (NumPy has no bfloat16; next to a bfloat16 array a float value that
 *    fits float16 counts as bfloat16, as PyTorch keeps bf16 * 0.5 bf16);
 *  - float-only functions (exp, sqrt, divide, ...) compute integers and bool
 *    in the smallest float that holds them (int8 -> float16, int16 ->
 *    float32, int32/int64 -> float64); comparisons and logical functions
 *    return bool; float16/bfloat16 are computed in float32 and rounded once;
 *  - dtypes an op does not define fail with NumPy's TypeError, e.g.
 *    "ufunc 'bitwise_and' not supported for the input types, and the inputs
 *    could not be safely coerced to any supported types according to the
 *    casting rule ''safe''".
 *
 * nd_<op>(...) returns a new array (copy). nd_<op>_out(..., out) writes into
 * `out`, which must be writeable and have exactly the broadcast shape ("non-
 * broadcastable output operand with shape (3,) doesn't match the broadcast
 * shape (2,3)"); the result is cast to out's dtype if the 'same_kind' rule
 * allows it (NumPy's UFuncTypeError text otherwise). out may be one of the
 * inputs (a += b is nd_add_out(a, b, a)); partially overlapping operands
 * are copied first, so the result is always as if inputs were read before
 * any output was written. An out that overlaps itself (a zero-stride view
 * from nd_as_strided) has its overlapping inputs copied too, even the same
 * view: each element written several times ends as the last write, as in
 * NumPy (base [5.] as out of shape (3,), stride 0: add(out, [1, 2, 3],
 * out) leaves 8).
 *
 * Integer arithmetic wraps modulo 2^bits; integer division by zero gives 0
 * (and x % 0 gives 0), INT_MIN // -1 gives INT_MIN, as NumPy's results
 * (NumPy also warns; libnd does not). Floats follow IEEE 754: x / 0 is +-inf
 * or NaN.
 */
/* add: a + b */
ND_API nd_array *nd_add(const nd_array *a, const nd_array *b);
ND_API int nd_add_out(const nd_array *a, const nd_array *b, nd_array *out);
/* subtract: a - b (not for bool: use logical_xor) */
ND_API nd_array *nd_subtract(const nd_array *a, const nd_array *b);
ND_API int nd_subtract_out(const nd_array *a, const nd_array *b, nd_array *out);
/* multiply: a * b */
ND_API nd_array *nd_multiply(const nd_array *a, const nd_array *b);
ND_API int nd_multiply_out(const nd_array *a, const nd_array *b, nd_array *out);
/* divide: a / b, true division: integers give float64 */
ND_API nd_array *nd_divide(const nd_array *a, const nd_array *b);
ND_API int nd_divide_out(const nd_array *a, const nd_array *b, nd_array *out);
/* true_divide: the same as nd_divide */
ND_API nd_array *nd_true_divide(const nd_array *a, const nd_array *b);
ND_API int nd_true_divide_out(const nd_array *a, const nd_array *b, nd_array *out);
/* floor_divide: a // b: floor of the quotient; integer x // 0 is 0 */
ND_API nd_array *nd_floor_divide(const nd_array *a, const nd_array *b);
ND_API int nd_floor_divide_out(const nd_array *a, const nd_array *b, nd_array *out);
/* mod: a % b, sign of b (numpy.remainder); integer x % 0 is 0 */
ND_API nd_array *nd_mod(const nd_array *a, const nd_array *b);
ND_API int nd_mod_out(const nd_array *a, const nd_array *b, nd_array *out);
/* power: a ** b; integers to negative integer powers fail as in NumPy */
ND_API nd_array *nd_power(const nd_array *a, const nd_array *b);
ND_API int nd_power_out(const nd_array *a, const nd_array *b, nd_array *out);
/* maximum: elementwise max, NaN propagates */
ND_API nd_array *nd_maximum(const nd_array *a, const nd_array *b);
ND_API int nd_maximum_out(const nd_array *a, const nd_array *b, nd_array *out);
/* minimum: elementwise min, NaN propagates */
ND_API nd_array *nd_minimum(const nd_array *a, const nd_array *b);
ND_API int nd_minimum_out(const nd_array *a, const nd_array *b, nd_array *out);
/* fmax: max ignoring NaN */
ND_API nd_array *nd_fmax(const nd_array *a, const nd_array *b);
ND_API int nd_fmax_out(const nd_array *a, const nd_array *b, nd_array *out);
/* fmin: min ignoring NaN */
ND_API nd_array *nd_fmin(const nd_array *a, const nd_array *b);
ND_API int nd_fmin_out(const nd_array *a, const nd_array *b, nd_array *out);
/* arctan2: atan2(a, b), float */
ND_API nd_array *nd_arctan2(const nd_array *a, const nd_array *b);
ND_API int nd_arctan2_out(const nd_array *a, const nd_array *b, nd_array *out);
/* hypot: sqrt(a*a + b*b) without overflow, float */
ND_API nd_array *nd_hypot(const nd_array *a, const nd_array *b);
ND_API int nd_hypot_out(const nd_array *a, const nd_array *b, nd_array *out);
/* copysign: the magnitude of a with the sign of b (numpy.copysign), float;
 * the sign of b is its sign bit, so -0.0 and -NaN count as negative */
ND_API nd_array *nd_copysign(const nd_array *a, const nd_array *b);
ND_API int nd_copysign_out(const nd_array *a, const nd_array *b, nd_array *out);
/* equal: a == b -> bool */
ND_API nd_array *nd_equal(const nd_array *a, const nd_array *b);
ND_API int nd_equal_out(const nd_array *a, const nd_array *b, nd_array *out);
/* not_equal: a != b -> bool */
ND_API nd_array *nd_not_equal(const nd_array *a, const nd_array *b);
ND_API int nd_not_equal_out(const nd_array *a, const nd_array *b, nd_array *out);
/* less: a < b -> bool */
ND_API nd_array *nd_less(const nd_array *a, const nd_array *b);
ND_API int nd_less_out(const nd_array *a, const nd_array *b, nd_array *out);
/* less_equal: a <= b -> bool */
ND_API nd_array *nd_less_equal(const nd_array *a, const nd_array *b);
ND_API int nd_less_equal_out(const nd_array *a, const nd_array *b, nd_array *out);
/* greater: a > b -> bool */
ND_API nd_array *nd_greater(const nd_array *a, const nd_array *b);
ND_API int nd_greater_out(const nd_array *a, const nd_array *b, nd_array *out);
/* greater_equal: a >= b -> bool */
ND_API nd_array *nd_greater_equal(const nd_array *a, const nd_array *b);
ND_API int nd_greater_equal_out(const nd_array *a, const nd_array *b, nd_array *out);
/* logical_and: bool */
ND_API nd_array *nd_logical_and(const nd_array *a, const nd_array *b);
ND_API int nd_logical_and_out(const nd_array *a, const nd_array *b, nd_array *out);
/* logical_or: bool */
ND_API nd_array *nd_logical_or(const nd_array *a, const nd_array *b);
ND_API int nd_logical_or_out(const nd_array *a, const nd_array *b, nd_array *out);
/* logical_xor: bool */
ND_API nd_array *nd_logical_xor(const nd_array *a, const nd_array *b);
ND_API int nd_logical_xor_out(const nd_array *a, const nd_array *b, nd_array *out);
/* bitwise_and: integers and bool */
ND_API nd_array *nd_bitwise_and(const nd_array *a, const nd_array *b);
ND_API int nd_bitwise_and_out(const nd_array *a, const nd_array *b, nd_array *out);
/* bitwise_or: integers and bool */
ND_API nd_array *nd_bitwise_or(const nd_array *a, const nd_array *b);
ND_API int nd_bitwise_or_out(const nd_array *a, const nd_array *b, nd_array *out);
/* bitwise_xor: integers and bool */
ND_API nd_array *nd_bitwise_xor(const nd_array *a, const nd_array *b);
ND_API int nd_bitwise_xor_out(const nd_array *a, const nd_array *b, nd_array *out);
/* left_shift: integers; shifts >= the width give 0 */
ND_API nd_array *nd_left_shift(const nd_array *a, const nd_array *b);
ND_API int nd_left_shift_out(const nd_array *a, const nd_array *b, nd_array *out);
/* right_shift: integers, arithmetic for signed; shifts >= the width give 0 or -1 */
ND_API nd_array *nd_right_shift(const nd_array *a, const nd_array *b);
ND_API int nd_right_shift_out(const nd_array *a, const nd_array *b, nd_array *out);

/* Unary ufuncs: the same rules with one operand. */
/* negative: -a (not for bool) */
ND_API nd_array *nd_negative(const nd_array *a);
ND_API int nd_negative_out(const nd_array *a, nd_array *out);
/* positive: +a */
ND_API nd_array *nd_positive(const nd_array *a);
ND_API int nd_positive_out(const nd_array *a, nd_array *out);
/* absolute: |a|; abs(INT_MIN) wraps as in NumPy */
ND_API nd_array *nd_absolute(const nd_array *a);
ND_API int nd_absolute_out(const nd_array *a, nd_array *out);
/* abs: the same as nd_absolute */
ND_API nd_array *nd_abs(const nd_array *a);
ND_API int nd_abs_out(const nd_array *a, nd_array *out);
/* sign: -1, 0, 1 (NaN gives NaN) */
ND_API nd_array *nd_sign(const nd_array *a);
ND_API int nd_sign_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_sqrt(const nd_array *a);
ND_API int nd_sqrt_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_cbrt(const nd_array *a);
ND_API int nd_cbrt_out(const nd_array *a, nd_array *out);
/* square: a * a, any dtype */
ND_API nd_array *nd_square(const nd_array *a);
ND_API int nd_square_out(const nd_array *a, nd_array *out);
/* reciprocal: 1 / a; integers as C integer division */
ND_API nd_array *nd_reciprocal(const nd_array *a);
ND_API int nd_reciprocal_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_exp(const nd_array *a);
ND_API int nd_exp_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_exp2(const nd_array *a);
ND_API int nd_exp2_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_expm1(const nd_array *a);
ND_API int nd_expm1_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_log(const nd_array *a);
ND_API int nd_log_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_log2(const nd_array *a);
ND_API int nd_log2_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_log10(const nd_array *a);
ND_API int nd_log10_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_log1p(const nd_array *a);
ND_API int nd_log1p_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_sin(const nd_array *a);
ND_API int nd_sin_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_cos(const nd_array *a);
ND_API int nd_cos_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_tan(const nd_array *a);
ND_API int nd_tan_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_arcsin(const nd_array *a);
ND_API int nd_arcsin_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_arccos(const nd_array *a);
ND_API int nd_arccos_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_arctan(const nd_array *a);
ND_API int nd_arctan_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_sinh(const nd_array *a);
ND_API int nd_sinh_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_cosh(const nd_array *a);
ND_API int nd_cosh_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_tanh(const nd_array *a);
ND_API int nd_tanh_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_arcsinh(const nd_array *a);
ND_API int nd_arcsinh_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_arccosh(const nd_array *a);
ND_API int nd_arccosh_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_arctanh(const nd_array *a);
ND_API int nd_arctanh_out(const nd_array *a, nd_array *out);
/* erf: the error function (scipy.special.erf) */
ND_API nd_array *nd_erf(const nd_array *a);
ND_API int nd_erf_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_floor(const nd_array *a);
ND_API int nd_floor_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_ceil(const nd_array *a);
ND_API int nd_ceil_out(const nd_array *a, nd_array *out);
ND_API nd_array *nd_trunc(const nd_array *a);
ND_API int nd_trunc_out(const nd_array *a, nd_array *out);
/* rint: round half to even */
ND_API nd_array *nd_rint(const nd_array *a);
ND_API int nd_rint_out(const nd_array *a, nd_array *out);
/* round: numpy.round with decimals=0: half to even */
ND_API nd_array *nd_round(const nd_array *a);
ND_API int nd_round_out(const nd_array *a, nd_array *out);
/* isnan: -> bool */
ND_API nd_array *nd_isnan(const nd_array *a);
ND_API int nd_isnan_out(const nd_array *a, nd_array *out);
/* isinf: -> bool */
ND_API nd_array *nd_isinf(const nd_array *a);
ND_API int nd_isinf_out(const nd_array *a, nd_array *out);
/* isfinite: -> bool */
ND_API nd_array *nd_isfinite(const nd_array *a);
ND_API int nd_isfinite_out(const nd_array *a, nd_array *out);
/* signbit: -> bool */
ND_API nd_array *nd_signbit(const nd_array *a);
ND_API int nd_signbit_out(const nd_array *a, nd_array *out);
/* logical_not: -> bool */
ND_API nd_array *nd_logical_not(const nd_array *a);
ND_API int nd_logical_not_out(const nd_array *a, nd_array *out);
/* invert: ~a: bitwise not of integers, logical not of bool */
ND_API nd_array *nd_invert(const nd_array *a);
ND_API int nd_invert_out(const nd_array *a, nd_array *out);

/* numpy.where(cond, a, b): cond (any dtype, tested for nonzero), a and b
 * broadcast together; the result dtype is result_type(a, b). */
ND_API nd_array *nd_where(const nd_array *cond, const nd_array *a, const nd_array *b);
ND_API int nd_where_out(const nd_array *cond, const nd_array *a, const nd_array *b, nd_array *out);
/* numpy.clip(a, lo, hi) = minimum(maximum(a, lo), hi); lo or hi may be NULL
 * (not both: "One of max or min must be given"). NaN in a stays NaN. */
ND_API nd_array *nd_clip(const nd_array *a, const nd_array *lo, const nd_array *hi);
ND_API int nd_clip_out(const nd_array *a, const nd_array *lo, const nd_array *hi, nd_array *out);
/* A 0-d array holding `value` cast to dt: the C way to write NumPy's
 * scalars, e.g. nd_multiply(x, s = nd_scalar(ND_FLOAT64, 0.5)) keeps x's
 * float dtype by the value-based rule above. */
ND_API nd_array *nd_scalar(nd_dtype dt, double value);
/* numpy.result_type over n arrays, with the value-based rule for 0-d ones.
 * Returns -1 (not a dtype) and sets an error if n < 1 or an array is NULL. */
ND_API nd_dtype nd_result_type_arrays(int n, const nd_array *const *arrays);

/* ------------------------------------------------------------------------ */
/* Reductions                                                               */
/* ------------------------------------------------------------------------ */

/*
 * Reduce over `naxes` axes listed in `axes` (negative count from the end;
 * "duplicate value in 'axis'", AxisError out of range); naxes 0 reduces
 * over every axis (NumPy's axis=None). keepdims keeps the reduced axes with
 * size 1. Result dtypes as NumPy's: sum/prod of bool and signed ints give
 * int64, of unsigned ints uint64, of floats the same float; mean/var/std of
 * integers give float64. Float sums are pairwise along contiguous runs (as
 * NumPy's), so their error grows like O(log n), not O(n). NaN propagates
 * through sum/prod/max/min/mean/var; max/min of an empty selection fail
 * with "zero-size array to reduction operation maximum which has no
 * identity". A reduction over an empty axis gives the identity (sum 0,
 * prod 1, any false, all true; mean NaN).
 */
ND_API nd_array *nd_sum(const nd_array *a, int naxes, const int *axes, bool keepdims);
ND_API nd_array *nd_prod(const nd_array *a, int naxes, const int *axes, bool keepdims);
ND_API nd_array *nd_mean(const nd_array *a, int naxes, const int *axes, bool keepdims);
ND_API nd_array *nd_max(const nd_array *a, int naxes, const int *axes, bool keepdims);
ND_API nd_array *nd_min(const nd_array *a, int naxes, const int *axes, bool keepdims);
ND_API nd_array *nd_any(const nd_array *a, int naxes, const int *axes, bool keepdims);
ND_API nd_array *nd_all(const nd_array *a, int naxes, const int *axes, bool keepdims);
/* Number of nonzero elements as int64. */
ND_API nd_array *nd_count_nonzero(const nd_array *a, int naxes, const int *axes, bool keepdims);
/* numpy.var / numpy.std: mean of |x - mean|^2 divided by (N - ddof);
 * N - ddof <= 0 gives inf/NaN as NumPy. */
ND_API nd_array *nd_var(const nd_array *a, int naxes, const int *axes, int ddof, bool keepdims);
ND_API nd_array *nd_std(const nd_array *a, int naxes, const int *axes, int ddof, bool keepdims);
/* scipy.special.logsumexp: log(sum(exp(a))) computed as m + log(sum(exp(a -
 * m))) with m the max, so it neither overflows nor underflows; all -inf
 * gives -inf. Float result (integers as float64). Like scipy 1.10 (and
 * nd_max), an empty reduction fails: "zero-size array to reduction
 * operation maximum which has no identity" (ag_logsumexp gives torch's
 * -inf instead). */
ND_API nd_array *nd_logsumexp(const nd_array *a, int naxes, const int *axes, bool keepdims);
/* The index (int64) of the first max/min along `axis` (-1: last); the axis
 * is removed. NaN counts as the max and as the min (the first NaN wins), as
 * NumPy's. Empty axis: "attempt to get argmax of an empty sequence". */
ND_API nd_array *nd_argmax(const nd_array *a, int axis);
ND_API nd_array *nd_argmin(const nd_array *a, int axis);
/* numpy.cumsum / numpy.cumprod along `axis`: same shape, dtype as nd_sum. */
ND_API nd_array *nd_cumsum(const nd_array *a, int axis);
ND_API nd_array *nd_cumprod(const nd_array *a, int axis);
/* nd_sum into an existing array: out must have the reduced shape (with or
 * without the kept axes, as keepdims says); the sum is cast to out's dtype
 * (same_kind). Used where a caller accumulates in place (gradients). */
ND_API int nd_sum_out(const nd_array *a, int naxes, const int *axes, bool keepdims, nd_array *out);

/* ------------------------------------------------------------------------ */
/* Linear algebra: products                                                 */
/* ------------------------------------------------------------------------ */

/*
 * Matrix products with NumPy's semantics. float32 goes to libnd's own
 * AVX-512 kernel on CPUs that have AVX-512F and to OpenBLAS elsewhere, and
 * matrix-vector shapes to libnd's own loop on its pool (strided vectors:
 * cblas_sgemv); float64 to OpenBLAS (cblas_dgemm, cblas_dgemv).
 * Operands whose strides BLAS can take are never copied: a C-contiguous
 * matrix is read as is, a transposed view (unit stride on the other axis)
 * as a transpose; only a matrix with no unit stride on either axis
 * (a[::2, ::2], negative strides) is copied first. The float32 kernel's
 * results do not depend on the thread count; they differ from OpenBLAS's
 * in the last bits, as two BLAS libraries do. float16/bfloat16 are computed in float32 and
 * rounded once to the result dtype (NumPy computes float16 this way). On
 * CPUs with AVX512_BF16 (Zen 4/5, Cooper Lake, Sapphire Rapids) bfloat16
 * products run on libnd's vdpbf16ps kernel: products of bf16 values are
 * exact in float32, the sums are float32 (bf16 subnormals, below 2^-126,
 * count as zero there; one contiguous row times a matrix's transpose, a
 * sampled token's x @ W^T, is taken as dot products without packing);
 * elsewhere, or with the environment variable ND_BF16_GEMM=fallback, both
 * operands are widened to float32 and the float32 kernel runs. The paths
 * agree up to float32 summation order.
 * Integers wrap modulo 2^bits like NumPy's; bool products are logical
 * or-of-ands. Mixed dtypes compute in numpy.result_type of the two (the
 * plain table: a 0-d operand is not value-based here, as in numpy.dot).
 * Results are new C-contiguous arrays (copy). Large products use libnd's
 * pool (the float32 kernel) or OpenBLAS's threads (see nd_set_num_threads).
 */

/* numpy.matmul(a, b) (a @ b). A 1-D a is promoted to (1, k) and a 1-D b to
 * (k, 1), and the added axis is removed from the result; the leading
 * ("batch") axes of both broadcast against each other. Result shape
 * broadcast(a.shape[:-2], b.shape[:-2]) + (n,) + (m,), without the axes of
 * 1-D operands. Errors, as NumPy 1.24:
 *  - a 0-d operand: "matmul: Input operand 0 does not have enough
 *    dimensions (has 0, gufunc core with signature (n?,k),(k,m?)->(n?,m?)
 *    requires 1)";
 *  - k differs: "matmul: Input operand 1 has a mismatch in its core
 *    dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size 3 is
 *    different from 2)";
 *  - batch axes that do not broadcast: "operands could not be broadcast
 *    together with remapped shapes [original->remapped]: (2,2,3)->
 *    (2,newaxis,newaxis) (3,3,4)->(3,newaxis,newaxis)  and requested shape
 *    (2,4)". */
ND_API nd_array *nd_matmul(const nd_array *a, const nd_array *b);
/* numpy.matmul(a, b, dtype=dt): the product computed in dtype dt and
 * returned as dt. Inputs are cast to dt where 'same_kind' allows ("Cannot
 * cast ufunc 'matmul' input 0 from dtype('float64') to dtype('int64') with
 * casting rule 'same_kind'" otherwise, ND_ERR_TYPE; an invalid dt: "data
 * type 7 not understood", checked first; a NULL a or b: "matmul_dtype: a
 * is NULL"); shapes and their errors as nd_matmul.
 * Mixed precision's product: two bfloat16 inputs with dt = ND_FLOAT32 are
 * not widened but go to the bf16 kernel with float32 sums and a float32
 * result (a bf16 weight's product with bf16 activations, kept in float32
 * for the backward pass); with dt = ND_BFLOAT16 it is nd_matmul. */
ND_API nd_array *nd_matmul_dtype(const nd_array *a, const nd_array *b, nd_dtype dt);
/* numpy.matmul(a, b, dtype=dt) + bias (torch.addmm's input, a Linear's
 * bias): the values of nd_matmul_dtype, then nd_add_out into the product.
 * Two bfloat16 operands with dt = ND_FLOAT32, b 2-D and bias a contiguous
 * float32 (n,) go to the bf16 kernel, which adds the bias to each row of a
 * block after its whole sum over k, as it stores it: one pass over the
 * result fewer, the same bits. Two bfloat16 operands with dt =
 * ND_BFLOAT16 are the one exception to "product, then add": the float32
 * sums plus the bias are rounded to bf16 once (torch.addmm's bf16 result,
 * a Linear under autocast), the bits of nd_astype(nd_matmul_bias(a, b,
 * bias, ND_FLOAT32), ND_BFLOAT16), in the kernel's store where it runs.
 * Errors as nd_matmul_dtype's, then nd_add's for a bias that does not
 * broadcast to the product; a NULL argument: "matmul_bias: bias is
 * NULL". */
ND_API nd_array *nd_matmul_bias(const nd_array *a, const nd_array *b, const nd_array *bias,
                                nd_dtype dt);
/* numpy.matmul(a, b, out=out). out must be writeable and have exactly the
 * result shape (NumPy's core-dimension message for the last axes, "non-
 * broadcastable output operand with shape (3,2,2) doesn't match the
 * broadcast shape (2,2,2)" otherwise); the result is cast to out's dtype if
 * 'same_kind' allows ("Cannot cast ufunc 'matmul' output from
 * dtype('float64') to dtype('int64') with casting rule 'same_kind'"). out
 * may overlap a or b: the product then goes through a temporary. */
ND_API int nd_matmul_out(const nd_array *a, const nd_array *b, nd_array *out);
/* numpy.dot(a, b): 1-D x 1-D is the inner product (a 0-d result); 2-D x
 * 2-D the matrix product; N-D x 1-D sums over the last axis of both; N-D x
 * M-D sums over the last axis of a and the second-to-last of b, result
 * shape a.shape[:-1] + b.shape[:-2] + b.shape[-1:]; a 0-d operand
 * multiplies elementwise. Error: "shapes (2,3) and (2,3) not aligned: 3
 * (dim 1) != 2 (dim 0)". */
ND_API nd_array *nd_dot(const nd_array *a, const nd_array *b);
/* numpy.vdot(a, b): sum(a.ravel() * b.ravel()) as a 0-d array. Sizes must
 * match: "cannot reshape array of size 4 into shape (3,)". */
ND_API nd_array *nd_vdot(const nd_array *a, const nd_array *b);
/* numpy.outer(a, b): out[i, j] = a.ravel()[i] * b.ravel()[j], shape
 * (a.size, b.size). */
ND_API nd_array *nd_outer(const nd_array *a, const nd_array *b);
/* numpy.inner(a, b): sums over the last axis of both, result shape
 * a.shape[:-1] + b.shape[:-1]; a 0-d operand multiplies elementwise.
 * Error as NumPy's (it names b with its last two axes swapped): "shapes
 * (2,4) and (6,3,5) not aligned: 4 (dim 1) != 3 (dim 1)". */
ND_API nd_array *nd_inner(const nd_array *a, const nd_array *b);
/* numpy.tensordot(a, b, axes=(axes_a, axes_b)) with naxes axes in each list
 * (negative count from the end; naxes 0 is the outer product): sums over
 * a's axes_a[i] paired with b's axes_b[i]; result shape is a's free axes
 * then b's free axes, each in order. Errors as NumPy's Python code: an
 * axis out of range raises IndexError "tuple index out of range", paired
 * sizes that differ "shape-mismatch for sum", an axis listed twice "axes
 * don't match array". The free and summed axes are gathered with
 * transpose + reshape, which copies only when the strides require it. */
ND_API nd_array *nd_tensordot(const nd_array *a, const nd_array *b, int naxes, const int *axes_a,
                              const int *axes_b);
/* numpy.einsum(subscripts, *operands) (optimize=False semantics, NumPy's
 * messages): "ij,jk->ik" explicit form, or the implicit form "ij,jk" (the
 * output is the labels seen once, in ASCII order, after any broadcast
 * axes). Labels are ASCII letters, spaces are ignored, "..." stands for
 * broadcast axes (right-aligned between operands); a label repeated in
 * one operand takes that operand's diagonal ("ii->i"); labels absent from
 * the output are summed; size-1 axes broadcast against the other operands
 * ("operands could not be broadcast together with remapped shapes
 * [original->remapped]: (2,3)->(2,3) (2,4)->(2,4) " otherwise). n >= 1
 * operands (at most 32). The result dtype is nd_result_type_arrays of the
 * operands (NumPy's value-based rule for 0-d operands); float16/bfloat16 are
 * computed in float32 and rounded once. Computed as a sequence of pairwise
 * contractions, each a batched nd_matmul after transposes/reshapes (labels
 * only one operand carries are summed first with a matmul against ones),
 * pairs chosen greedily so that intermediates stay small. Always returns a
 * new array (NumPy returns a view when one operand is only permuted or
 * diagonalized; the values are the same). */
ND_API nd_array *nd_einsum(const char *subscripts, int n, const nd_array *const *operands);

/* ------------------------------------------------------------------------ */
/* Linear algebra: LAPACK                                                   */
/* ------------------------------------------------------------------------ */

/*
 * numpy.linalg (NumPy 1.24) on OpenBLAS's LAPACK. Every function takes
 * stacks of matrices (..., M, N), any strides, and works on each matrix of
 * the stack; results are new C-contiguous arrays shaped (..., core...).
 * dtypes, as NumPy's: everything is computed in float64 (bool and
 * integers converted); the results are float32, rounded from the float64
 * ones, when every operand is float32, else float64. LAPACK runs on the
 * same column-major buffers with the same arguments as in NumPy, so the
 * results, the signs of q, u, vh and eigenvectors included, are NumPy's
 * (bit for bit on the same LAPACK). float16 and bfloat16 fail with
 * TypeError "array type float16 is unsupported in linalg".
 * Errors, NumPy's LinAlgError reported as ND_ERR_VALUE:
 *  "1-dimensional array given. Array must be at least two-dimensional",
 *  "Last 2 dimensions of the array must be square" (where square is
 *  needed), "Singular matrix", "Matrix is not positive definite",
 *  "SVD did not converge", "Eigenvalues did not converge".
 * Empty matrices (0 x 0, 0 x N) and empty stacks work as in NumPy.
 */

/* numpy.linalg.solve: x with a @ x == b. a is (..., M, M). b is a stack of
 * vectors (..., M) only if b.ndim == a.ndim - 1, else a stack of matrices
 * (..., M, K) (NumPy 1.24's rule: a (2,3,3) with b (3,) fails with
 * "solve: Input operand 1 does not have enough dimensions (has 1, gufunc
 * core with signature (m,m),(m,n)->(m,n) requires 2)"); the stack axes
 * broadcast ("operands could not be broadcast together with remapped
 * shapes [original->remapped]: ..."). x has b's core shape. A wrong M:
 * "solve: Input operand 1 has a mismatch in its core dimension 0, with
 * gufunc signature (m,m),(m,n)->(m,n) (size 2 is different from 3)". */
ND_API nd_array *nd_linalg_solve(const nd_array *a, const nd_array *b);
/* numpy.linalg.inv: (..., M, M) -> (..., M, M); "Singular matrix". */
ND_API nd_array *nd_linalg_inv(const nd_array *a);
/* numpy.linalg.det: (..., M, M) -> (...), computed as NumPy does as
 * sign * exp(logdet) from the LU factors (so det([[1, 2], [3, 4]]) is
 * -2.0000000000000004 in both). det of 0 x 0 is 1. */
ND_API nd_array *nd_linalg_det(const nd_array *a);
/* numpy.linalg.slogdet: *sign (-1, 0 or 1) and *logabsdet, both (...).
 * A singular matrix gives (0, -inf); 0 x 0 gives (1, 0). Returns 0, or a
 * negative nd_status with both outputs NULL. */
ND_API int nd_linalg_slogdet(const nd_array *a, nd_array **sign, nd_array **logabsdet);
/* numpy.linalg.cholesky: the lower-triangular L with a = L @ L^T, zeros
 * above the diagonal; only a's lower triangle is read. "Matrix is not
 * positive definite". */
ND_API nd_array *nd_linalg_cholesky(const nd_array *a);
/* numpy.linalg.qr(a, mode='reduced'): a (..., M, N) = q (..., M, K) @
 * r (..., K, N), K = min(M, N), q with orthonormal columns, r upper
 * triangular (LAPACK's geqrf/orgqr: r's diagonal may be negative, as in
 * NumPy). Returns 0, or a negative nd_status with both outputs NULL. */
ND_API int nd_linalg_qr(const nd_array *a, nd_array **q, nd_array **r);
/* numpy.linalg.svd: a (..., M, N) = u @ diag(s) @ vh, s (..., K)
 * descending, K = min(M, N); full_matrices: u (..., M, M) and vh (..., N,
 * N), else u (..., M, K) and vh (..., K, N). u and vh may both be NULL for
 * the singular values only (compute_uv=False). An empty matrix gives empty
 * s and, with full_matrices, identity u and vh, as NumPy. Returns 0, or a
 * negative nd_status with the outputs NULL. */
ND_API int nd_linalg_svd(const nd_array *a, bool full_matrices, nd_array **u, nd_array **s,
                         nd_array **vh);
/* numpy.linalg.eigh(a, UPLO='L'): the eigenvalues *w (..., M) ascending and
 * the eigenvectors *v (..., M, M), one per column (a @ v[:, i] == w[i] *
 * v[:, i]), of the symmetric matrix given by a's lower triangle. v may be
 * NULL for the eigenvalues only (numpy.linalg.eigvalsh). Returns 0, or a
 * negative nd_status with the outputs NULL. */
ND_API int nd_linalg_eigh(const nd_array *a, nd_array **w, nd_array **v);
/* numpy.linalg.lstsq: the minimum-norm x minimizing |b - a @ x|, through
 * LAPACK's gelsd. a is (M, N) and b (M,) or (M, K), both exactly 2-D / 1-D
 * ("3-dimensional array given. Array must be two-dimensional"), M equal
 * ("Incompatible dimensions"). *x is (N,) or (N, K); *residuals the
 * squared residual norm per column, (K,) (also (1,) for a 1-D b), only
 * when rank == N < M, else (0,); *rank the effective rank; *s the
 * singular values (min(M, N),). Singular values <= rcond * s_max count as
 * zero; rcond < 0 means NumPy's rcond=None: float64's eps * max(M, N),
 * float32 operands included. residuals, rank and s may be NULL.
 * Returns 0, or a negative nd_status with the outputs NULL; "SVD did not
 * converge in Linear Least Squares". */
ND_API int nd_linalg_lstsq(const nd_array *a, const nd_array *b, double rcond, nd_array **x,
                           nd_array **residuals, int64_t *rank, nd_array **s);
/* numpy.linalg.norm(x, ord, axis, keepdims). ord: NULL (None), "fro" (or
 * "f"), "nuc", or a number as text: "inf", "-inf", "0", "1", "-1", "2",
 * "-2", "3.5", ... naxes 0 is axis=None: with ord NULL (any ndim), "fro"
 * on 2-D or 2 on 1-D the 2-norm of all elements; otherwise x must be 1-D
 * (vector norm) or 2-D (matrix norm). naxes 1: vector norms along axes[0]:
 * inf max|x|, -inf min|x|, 0 the count of nonzeros, p (sum |x|^p)^(1/p);
 * names fail with "Invalid norm order 'fro' for vectors". naxes 2: matrix
 * norms over rows axes[0] and columns axes[1]: 1 / -1 the max / min column
 * sum of |x|, inf / -inf the same of row sums, NULL / "fro" Frobenius, 2 /
 * -2 the largest / smallest singular value, "nuc" their sum; others fail
 * with "Invalid norm order for matrices.", equal axes with "Duplicate
 * axes given.", other naxes with "Improper number of dimensions to norm.".
 * keepdims keeps the reduced axes with size 1. dtype: x's for floats
 * (float16/bfloat16 too, computed in float32), float64 for bool and
 * integers; arithmetic in that dtype, as NumPy's. 2, -2 and "nuc" are
 * NumPy's too: the singular values computed in float64 as above
 * (float16/bfloat16 fail), rounded to float32 for a float32 x, then their
 * max, min or sum in that dtype. The max/min of an empty axis fail as
 * NumPy's ("zero-size array to reduction operation maximum which has no
 * identity"). */
ND_API nd_array *nd_linalg_norm(const nd_array *a, const char *ord, int naxes, const int *axes,
                                bool keepdims);

/* ------------------------------------------------------------------------ */
/* Joining, splitting and rearranging                                       */
/* ------------------------------------------------------------------------ */

/* numpy.concatenate(arrays, axis): copy. n >= 1 arrays ("need at least one
 * array to concatenate") of equal ndim >= 1 ("zero-dimensional arrays
 * cannot be concatenated", "all the input arrays must have same number of
 * dimensions, but the array at index 0 has 2 dimension(s) and the array at
 * index 1 has 1 dimension(s)") and equal sizes except along axis ("all the
 * input array dimensions except for the concatenation axis must match
 * exactly, but along dimension 1, the array at index 0 has size 3 and the
 * array at index 1 has size 2"). The result dtype is numpy.result_type of
 * the inputs (NumPy 1.24's rule for several dtypes: with `main` the first
 * input of the highest kind, bool < integer < float, the fold of
 * nd_result_type(main, x) over the inputs, so int8, uint16, float16 give
 * float32); inputs are cast to it. */
ND_API nd_array *nd_concatenate(int n, const nd_array *const *arrays, int axis);
/* numpy.concatenate(arrays, axis=None): the inputs raveled, then joined. */
ND_API nd_array *nd_concatenate_flat(int n, const nd_array *const *arrays);
/* numpy.stack(arrays, axis): copy; the inputs, all of one shape ("all input
 * arrays must have the same shape"), are joined along a new axis in
 * [-(ndim+1), ndim]. n >= 1 ("need at least one array to stack"). dtype as
 * nd_concatenate. */
ND_API nd_array *nd_stack(int n, const nd_array *const *arrays, int axis);

/* Splitting returns a malloc'd array of *count new handles, each a VIEW of
 * a (as NumPy's); release them all with nd_free_arrays(pieces, count). On
 * error: NULL, and nothing to free. */
/* numpy.array_split(a, sections, axis): sections >= 1 ("number sections
 * must be larger than 0."); the first (n % sections) pieces get one element
 * more than the rest. */
ND_API nd_array **nd_array_split(const nd_array *a, int64_t sections, int axis, int *count);
/* numpy.split(a, sections, axis): as nd_array_split, but the axis length
 * must divide evenly ("array split does not result in an equal division").
 * (NumPy raises ZeroDivisionError for sections 0; libnd says as array_split.) */
ND_API nd_array **nd_split(const nd_array *a, int64_t sections, int axis, int *count);
/* numpy.split(a, [i1, i2, ...], axis) (and array_split with indices): n + 1
 * pieces a[:i1], a[i1:i2], ..., a[in:] along axis, the bounds read as Python
 * slices (negative count from the end; out of range or decreasing bounds
 * give empty pieces). */
ND_API nd_array **nd_split_indices(const nd_array *a, int n, const int64_t *indices, int axis,
                                   int *count);
/* Frees each of the count handles, then the list. NULL is fine. */
ND_API void nd_free_arrays(nd_array **arrays, int count);

/* numpy.pad modes. */
// clang-format off
typedef enum nd_pad_mode {
    ND_PAD_CONSTANT,   /* `value`, cast to a's dtype as nd_astype casts */
    ND_PAD_EDGE,       /* the edge element repeated */
    ND_PAD_REFLECT     /* mirrored without repeating the edge: 2 1 | 0 1 2 | 1 0,
                        * repeatedly when the pad is wider than the axis */
} nd_pad_mode;
// clang-format on
/* numpy.pad(a, pad_width, mode): copy. pad_width holds 2 * ndim entries,
 * (before, after) per axis, each >= 0 ("index can't contain negative
 * values"). `value` is used by ND_PAD_CONSTANT only. Edge and reflect cannot
 * extend an empty axis ("can't extend empty axis 0 using modes other than
 * 'constant' or 'empty'"). A 0-d a gives a copy. */
ND_API nd_array *nd_pad(const nd_array *a, const int64_t *pad_width, nd_pad_mode mode, double value);
/* numpy.tile(a, reps): copy. a's shape and reps (nreps entries, each >= 0:
 * "negative dimensions are not allowed") are padded with leading 1s to the
 * same length; the result has shape[d] * reps[d] along each axis. */
ND_API nd_array *nd_tile(const nd_array *a, int nreps, const int64_t *reps);
/* numpy.repeat(a, repeats, axis): copy; each element along axis repeated
 * `repeats` times (>= 0: "negative dimensions are not allowed"). A 0-d a
 * counts as shape (1,). For NumPy's axis=None pass nd_ravel(a), axis 0. */
ND_API nd_array *nd_repeat(const nd_array *a, int64_t repeats, int axis);
/* numpy.repeat(a, [r0, r1, ...], axis): element i along axis repeated
 * repeats[i] times; n is the axis length or 1 (broadcast), else "operands
 * could not be broadcast together with shape (3,) (2,)". Negative entries:
 * "repeats may not contain negative values." */
ND_API nd_array *nd_repeat_each(const nd_array *a, int64_t n, const int64_t *repeats, int axis);
/* numpy.flip(a, axis): VIEW with the listed axes reversed (a[::-1] on each);
 * naxes 0 reverses every axis (axis=None). Repeated axes: "repeated axis". */
ND_API nd_array *nd_flip(const nd_array *a, int naxes, const int *axes);
/* numpy.roll(a, shift, axis): copy, out[i] = a[(i - shift) mod n] along axis
 * (any shift, negative too). */
ND_API nd_array *nd_roll(const nd_array *a, int64_t shift, int axis);
/* numpy.roll(a, shift) with axis=None: rolled as if flattened, same shape. */
ND_API nd_array *nd_roll_flat(const nd_array *a, int64_t shift);

/* ------------------------------------------------------------------------ */
/* Indexing: take, put, masks                                               */
/* ------------------------------------------------------------------------ */

/*
 * Index arrays (`indices`) may have any shape. take, put and bincount read
 * them as NumPy casts them to intp under the 'safe' rule: bool and every
 * integer dtype but uint64 ("Cannot cast array data from dtype('float64') to
 * dtype('int64') according to the rule 'safe'"). The fancy-indexing
 * functions (*_along_axis, add_at, one_hot) take any integer dtype.
 * Negative indices count from the end; out of range: IndexError "index 5 is
 * out of bounds for axis 0 with size 3". Every index is checked before
 * anything is written, so a failing in-place call leaves `a` unchanged.
 * In-place functions need a writeable a ("assignment destination is
 * read-only") and cast values to a's dtype as nd_astype does (NumPy's
 * unsafe setitem casting).
 */
/* numpy.take(a, indices, axis): copy of shape a.shape[:axis] +
 * indices.shape + a.shape[axis+1:]. A 0-d a counts as shape (1,). Taking
 * from an empty axis: "cannot do a non-empty take from an empty axes." */
ND_API nd_array *nd_take(const nd_array *a, const nd_array *indices, int axis);
/* numpy.take(a, indices) with axis=None: from a raveled; shape indices.shape. */
ND_API nd_array *nd_take_flat(const nd_array *a, const nd_array *indices);
/* numpy.take_along_axis(a, indices, axis): copy. indices is an integer
 * array ("`indices` must be an integer array", IndexError) with a's ndim
 * ("`indices` and `arr` must have the same number of dimensions"); on the
 * other axes it broadcasts against a, the result taking the broadcast
 * shape (NumPy's "shape mismatch: indexing arrays could not be broadcast
 * together with shapes (3,2) (1,3) " otherwise). */
ND_API nd_array *nd_take_along_axis(const nd_array *a, const nd_array *indices, int axis);
/* numpy.put_along_axis(a, indices, values, axis), in place: the positions
 * take_along_axis reads are written with values broadcast to that shape
 * ("shape mismatch: value array of shape (3,) could not be broadcast to
 * indexing result of shape (2,)"). On duplicate positions the last wins. */
ND_API int nd_put_along_axis(nd_array *a, const nd_array *indices, const nd_array *values, int axis);
/* numpy.put(a, indices, values), in place: a.flat[indices[j]] = values.flat[j
 * % values.size] (values repeat cyclically; a may be any view, indexed in C
 * order). Empty indices or empty values do nothing, as in NumPy. */
ND_API int nd_put(nd_array *a, const nd_array *indices, const nd_array *values);
/* numpy.add.at(a, indices, values), in place, unbuffered: a[indices[j]] +=
 * values[j], each index selecting a slab a[i] of shape a.shape[1:];
 * duplicate indices accumulate (this is the embedding backward). values
 * broadcast to indices.shape + a.shape[1:] ("array is not broadcastable to
 * correct shape"). indices may also be a bool mask over a's leading axes
 * (NumPy's a[mask] semantics, the slabs in C order). Integer/bool indices
 * only (IndexError "arrays used as indices must be of integer (or boolean)
 * type"); a must be at least 1-D. Arithmetic is NumPy's add in the
 * promoted dtype (result_type(a, values); a 0-d values counts by its value,
 * as in NumPy 1.24), cast back to a's dtype: integers wrap, bool + bool is
 * or, float16/bfloat16 add in float32 and round once. A float32 a whose
 * rows are contiguous adds whole rows with a vectorized loop. */
ND_API int nd_add_at(nd_array *a, const nd_array *indices, const nd_array *values);
/* a[mask]: copy of shape (count,) + a.shape[mask.ndim:], where mask is a
 * bool array whose shape equals a's leading dims ("boolean index did not
 * match indexed array along dimension 0; dimension is 2 but corresponding
 * boolean dimension is 3"; "too many indices for array: array is
 * 1-dimensional, but 2 were indexed"). A 0-d mask gives shape (1,) +
 * a.shape or (0,) + a.shape. Elements in C order of the mask. */
ND_API nd_array *nd_mask_select(const nd_array *a, const nd_array *mask);
/* a[mask] = values, in place. As NumPy: when mask covers all of a's axes,
 * values must be 0-d or 1-D ("NumPy boolean array indexing assignment
 * requires a 0 or 1-dimensional input, input has 2 dimensions", TypeError)
 * with 1 or count elements ("NumPy boolean array indexing assignment cannot
 * assign 2 input values to the 3 output values where the mask is true");
 * otherwise values broadcast to (count,) + a.shape[mask.ndim:] ("shape
 * mismatch: value array of shape (2,) could not be broadcast to indexing
 * result of shape (1,3)"). */
ND_API int nd_mask_assign(nd_array *a, const nd_array *mask, const nd_array *values);
/* numpy.nonzero(a): a malloc'd list of *count = max(ndim, 1) int64 1-D
 * arrays, the indices of the nonzero elements along each axis in C order
 * (NaN is nonzero, -0.0 is zero; a 0-d a counts as shape (1,), as NumPy
 * 1.24 does with a DeprecationWarning). Free with nd_free_arrays. */
ND_API nd_array **nd_nonzero(const nd_array *a, int *count);
/* numpy.argwhere(a): int64 (count, ndim) copy; a 0-d a gives (count, 0). */
ND_API nd_array *nd_argwhere(const nd_array *a);
/* numpy.bincount(x, weights, minlength): x is 1-D ("object too deep for
 * desired array", "object of too small depth for desired array"),
 * non-negative ("'list' argument must have no negative elements"), of a
 * dtype safely castable to int64. Result length max(max(x) + 1,
 * minlength) (minlength >= 0: "'minlength' must not be negative"): int64
 * counts, or with weights (NULL for none; 1-D, same length: "The weights
 * and list don't have the same length.", any dtype) float64 sums. */
ND_API nd_array *nd_bincount(const nd_array *x, const nd_array *weights, int64_t minlength);
/* torch.nn.functional.one_hot(indices, num_classes) with a result dtype:
 * copy of shape indices.shape + (num_classes,), 1 at each index, 0
 * elsewhere. indices of an integer dtype ("one_hot is only applicable to
 * index tensor."), each in [0, num_classes) ("Class values must be
 * non-negative.", "Class values must be smaller than num_classes.").
 * num_classes -1 means max(indices) + 1 ("Can not infer total number of
 * classes from empty tensor." if there is none). */
ND_API nd_array *nd_one_hot(const nd_array *indices, int64_t num_classes, nd_dtype dtype);

/* ------------------------------------------------------------------------ */
/* Sorting and searching                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Sorting uses NumPy's order for every dtype: numbers by value (float16 and
 * bfloat16 too), -0.0 equal to 0.0, NaNs after everything else (in their
 * original order). Sorts are STABLE (NumPy's kind='stable'): equal elements
 * keep their order. For NumPy's axis=None, pass nd_ravel(a) and axis 0.
 */
/* numpy.sort(a, axis, kind='stable'): copy, sorted along axis. */
ND_API nd_array *nd_sort(const nd_array *a, int axis);
/* numpy.argsort(a, axis, kind='stable'): int64 indices that sort a along
 * axis; ties in index order. A 0-d a counts as shape (1,), as NumPy's. */
ND_API nd_array *nd_argsort(const nd_array *a, int axis);
/* numpy.partition(a, kth, axis): copy in which, along axis, the element at
 * each of the nkth positions kth[] (negative count from the end; "kth(=5)
 * out of bounds (5)") is the one a full sort puts there, no element before
 * it is larger and none after it smaller. The order within the parts is
 * unspecified (as NumPy's, and not the same as NumPy's). */
ND_API nd_array *nd_partition(const nd_array *a, int nkth, const int64_t *kth, int axis);
/* numpy.argpartition: the int64 indices of the same arrangement. A 0-d a
 * counts as shape (1,). */
ND_API nd_array *nd_argpartition(const nd_array *a, int nkth, const int64_t *kth, int axis);
/* torch.topk(a, k, axis, largest, sorted=True): *values (a's dtype) and
 * *indices (int64), new arrays of a's shape with k along axis: the k
 * largest (or smallest) elements in sorted order, ties by lower index
 * first; NaN counts as larger than everything (first for largest, last for
 * smallest), as in torch. 0 <= k <= axis length ("selected index k out of
 * range", IndexError). On error nothing is stored. */
ND_API int nd_topk(const nd_array *a, int64_t k, int axis, bool largest, nd_array **values,
                   nd_array **indices);
/* numpy.unique(a, return_counts, return_inverse) of NumPy 1.24: over a
 * flattened, *values is the sorted 1-D array of distinct elements (a's
 * dtype; every NaN collapses into one, equal_nan=True), *counts (int64)
 * how often each occurs, *inverse (int64, 1-D, a's size) the position in
 * *values of each element of a in C order. counts and inverse may be NULL
 * (not wanted). */
ND_API int nd_unique(const nd_array *a, nd_array **values, nd_array **counts, nd_array **inverse);
/* numpy.searchsorted's side. */
typedef enum nd_side { ND_SIDE_LEFT, ND_SIDE_RIGHT } nd_side;
/* numpy.searchsorted(a, v, side): int64 of v's shape (0-d stays 0-d): for
 * each element of v the index i into the sorted 1-D a ("object too deep for
 * desired array" otherwise) with a[i-1] < v <= a[i] (left) or a[i-1] <= v <
 * a[i] (right). a and v are compared in nd_result_type of their dtypes; NaN
 * sorts last, as in nd_sort. */
ND_API nd_array *nd_searchsorted(const nd_array *a, const nd_array *v, nd_side side);

/* ------------------------------------------------------------------------ */
/* Random numbers                                                           */
/* ------------------------------------------------------------------------ */

/*
 * A generator whose streams are bit-identical to NumPy 1.24's
 * numpy.random.default_rng(seed) (SeedSequence(seed) -> PCG64 ->
 * Generator): the same seed and the same sequence of calls give the same
 * values, floats bitwise. Each call below consumes the stream exactly as
 * the NumPy method named in its comment does, so calls can be interleaved
 * in any order and still match NumPy. A generator is not thread-safe: use
 * one per thread (NumPy's Generator holds a lock instead).
 *
 * `shape` has `ndim` entries (0-d when ndim is 0; shape may then be NULL)
 * as for nd_empty; the result is a new C-contiguous array. A size-0 shape
 * draws nothing. Errors in NumPy's words; a NULL generator fails with
 * "random: the generator is NULL".
 */
typedef struct nd_rng nd_rng;

/* numpy.random.default_rng(seed). Free with nd_rng_free. */
ND_API nd_rng *nd_rng_new(uint64_t seed);
ND_API void nd_rng_free(nd_rng *rng); /* NULL is fine */

/* The complete state, as PCG64().state: the 128-bit LCG state and
 * increment in 64-bit halves, and the buffered upper half of the last
 * 64-bit draw that a 32-bit draw left over (has_uint32, uinteger).
 * Restoring a saved state resumes the stream bit-identically; the values
 * equal NumPy's bit_generator.state['state'] and the has_uint32/uinteger
 * entries, so states can be carried between the two. */
typedef struct nd_rng_state {
    uint64_t state_high, state_low, inc_high, inc_low;
    int has_uint32;
    uint32_t uinteger;
} nd_rng_state;
ND_API int nd_rng_get_state(const nd_rng *rng, nd_rng_state *out);
ND_API int nd_rng_set_state(nd_rng *rng, const nd_rng_state *state);

/* Generator.random(shape, dtype): uniform in [0, 1). float64 from 53 bits
 * of a 64-bit draw; float32 from 24 bits of a (buffered) 32-bit draw.
 * Other dtypes: "Unsupported dtype dtype('float16') for random". */
ND_API nd_array *nd_rng_random(nd_rng *rng, nd_dtype dt, int ndim, const int64_t *shape);

/* Generator.integers(low, high, shape, dtype, endpoint): uniform integers
 * in [low, high) ([low, high] with endpoint) of any integer dtype or bool,
 * with NumPy's algorithms per width (Lemire's method on 8/16-bit pieces of
 * 32-bit draws, on 32-bit draws, or on 64-bit draws; full-width ranges take
 * the raw bits). Errors, checked in NumPy's order: "Unsupported dtype
 * dtype('float64') for integers" (TypeError), "low is out of bounds for
 * int8", "high is out of bounds for int8", then "low >= high" ("high <= 0"
 * when low is 0; with endpoint "low > high" / "high < 0"). As in NumPy a
 * size-0 shape returns an empty array without checking the bounds.
 * Limitation: low and high are int64, so uint64 ranges reach at most
 * 2^63 - 1 (NumPy takes any Python int up to 2^64). */
ND_API nd_array *nd_rng_integers(nd_rng *rng, int64_t low, int64_t high, bool endpoint, nd_dtype dt,
                                 int ndim, const int64_t *shape);

/* Generator.standard_normal(shape, dtype) by NumPy's ziggurat: float64
 * from 64-bit draws, float32 from its own float ziggurat on 32-bit draws
 * (the two give different streams, as in NumPy). Other dtypes: TypeError
 * "Unsupported dtype dtype('float16') for standard_normal". */
ND_API nd_array *nd_rng_standard_normal(nd_rng *rng, nd_dtype dt, int ndim, const int64_t *shape);

/* Generator.normal(loc, scale, shape) = loc + scale * standard_normal,
 * computed in float64. scale must not be negative (-0.0 included, NaN
 * allowed): "scale < 0". NumPy's normal has no dtype: float32 gives
 * normal(...).astype(np.float32), the float64 draws rounded. */
ND_API nd_array *nd_rng_normal(nd_rng *rng, double loc, double scale, nd_dtype dt, int ndim,
                               const int64_t *shape);

/* Generator.uniform(low, high, shape) = low + (high - low) * random(),
 * computed in float64 (float32: the float64 draws rounded, as for normal).
 * Errors: "high - low range exceeds valid bounds" when high - low is not
 * finite (NumPy raises OverflowError; here ND_ERR_VALUE), "high - low < 0". */
ND_API nd_array *nd_rng_uniform(nd_rng *rng, double low, double high, nd_dtype dt, int ndim,
                                const int64_t *shape);

/* Generator.permutation(n): an int64 permutation of arange(n) (n <= 0:
 * empty), shuffled as nd_rng_shuffle. */
ND_API nd_array *nd_rng_permutation(nd_rng *rng, int64_t n);

/* Generator.shuffle(a): permutes a in place along axis 0 (rows of an n-d
 * array move whole), Fisher-Yates from the end with NumPy's masked
 * rejection draws. Any dtype and strides. An array with no elements draws
 * nothing. Errors: "len() of unsized object" (TypeError) for 0-d arrays,
 * "array is read-only". */
ND_API int nd_rng_shuffle(nd_rng *rng, nd_array *a);

/* Generator.choice(n, shape, replace, p): int64 indices in [0, n).
 *  - replace, no p: integers(0, n, shape);
 *  - replace, p: random(shape) looked up in cumsum(p) / its last element;
 *  - no replace, no p: NumPy's Floyd sampling with its hash set, or a
 *    partial shuffle of arange(n) when n > 10000 and the sample is over
 *    n / 50, then shuffled (NumPy's shuffle=True);
 *  - no replace, p: NumPy's rounds of draws through the cdf of the entries
 *    not yet chosen.
 * Every case matches NumPy draw for draw. p (NULL for uniform) is a 1-D
 * array of any real dtype and length n, read as float64; its sum (Kahan)
 * must be within sqrt(eps) of 1, eps of float64 or of p's float dtype if
 * coarser. Errors in NumPy's order: "a must be a positive integer unless
 * no samples are taken", "p must be 1-dimensional", "a and p must have
 * same size", "probabilities contain NaN", "probabilities are not
 * non-negative", "probabilities do not sum to 1", "negative dimensions are
 * not allowed", "Cannot take a larger sample than population when replace
 * is False", "Fewer non-zero entries in p than size". */
ND_API nd_array *nd_rng_choice(nd_rng *rng, int64_t n, int ndim, const int64_t *shape, bool replace,
                               const nd_array *p);

#ifdef __cplusplus
}
#endif
#endif /* ND_H */
