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
 *     input never aborts, crashes or leaks.
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
typedef enum nd_dtype {
    ND_BOOL, ND_INT8, ND_INT16, ND_INT32, ND_INT64,
    ND_UINT8, ND_UINT16, ND_UINT32, ND_UINT64,
    ND_FLOAT16, ND_BFLOAT16, ND_FLOAT32, ND_FLOAT64
} nd_dtype;
#define ND_NUM_DTYPES 13

/* Error kinds, named after the Python exception NumPy raises. */
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

/* Casting rules of numpy.can_cast. */
typedef enum nd_casting {
    ND_CAST_NO,          /* only identical dtypes */
    ND_CAST_EQUIV,       /* identical up to byte order: same as NO here */
    ND_CAST_SAFE,        /* values are preserved (int8 -> int16, int32 -> float64) */
    ND_CAST_SAME_KIND,   /* safe, or within a kind (float64 -> float32) */
    ND_CAST_UNSAFE       /* anything (float -> int truncates) */
} nd_casting;

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/* The message of the last error on this thread ("" if none). Borrowed; valid
 * until the next libnd call on this thread. */
ND_API const char *nd_last_error(void);
/* The kind of the last error on this thread (ND_OK if none). */
ND_API nd_status nd_last_status(void);
/* Forget the last error on this thread. */
ND_API void nd_clear_error(void);

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
ND_API bool nd_dtype_is_float(nd_dtype dt);     /* float16, bfloat16, float32, float64 */
ND_API bool nd_dtype_is_integer(nd_dtype dt);   /* int8..uint64, not bool */
ND_API bool nd_dtype_is_signed(nd_dtype dt);    /* signed integers and floats */

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
ND_API float    nd_half_to_float(uint16_t h);
ND_API uint16_t nd_float_to_half(float f);
ND_API uint16_t nd_double_to_half(double d);
ND_API float    nd_bfloat16_to_float(uint16_t b);
ND_API uint16_t nd_float_to_bfloat16(float f);
ND_API uint16_t nd_double_to_bfloat16(double d);

/* ------------------------------------------------------------------------ */
/* The array object                                                         */
/* ------------------------------------------------------------------------ */

/* Releases a handle; the buffer is freed with its last handle, unless it
 * wraps caller memory (nd_from_buffer). NULL is fine. */
ND_API void nd_free(nd_array *a);

ND_API nd_dtype       nd_dtype_of(const nd_array *a);
ND_API int            nd_ndim(const nd_array *a);
ND_API const int64_t *nd_shape(const nd_array *a);     /* ndim entries; borrowed */
ND_API const int64_t *nd_strides(const nd_array *a);   /* ndim entries, in bytes; borrowed */
ND_API int64_t        nd_size(const nd_array *a);      /* product of the shape (1 for 0-d) */
ND_API size_t         nd_itemsize(const nd_array *a);
ND_API int64_t        nd_nbytes(const nd_array *a);    /* size * itemsize */
ND_API void          *nd_data(const nd_array *a);      /* the first element; borrowed */

/* Flags, as NumPy's a.flags: C_CONTIGUOUS, F_CONTIGUOUS (strides of size-1
 * dimensions are ignored; empty arrays are both), WRITEABLE. */
ND_API bool nd_is_c_contiguous(const nd_array *a);
ND_API bool nd_is_f_contiguous(const nd_array *a);
ND_API bool nd_is_writeable(const nd_array *a);
/* a.flags.writeable = writeable. Setting false always works; setting true
 * fails with "cannot set WRITEABLE flag to True of this array" when the
 * memory itself is read-only (nd_from_buffer(..., writeable=false)). */
ND_API int  nd_set_writeable(nd_array *a, bool writeable);
/* numpy.may_share_memory: true if the memory spans of a and b overlap. */
ND_API bool nd_may_share_memory(const nd_array *a, const nd_array *b);

/* ------------------------------------------------------------------------ */
/* Creation (all copy: a new C-contiguous, 64-byte aligned buffer)          */
/* ------------------------------------------------------------------------ */

/* Shapes: ndim in [0, ND_MAXDIMS], every entry >= 0 ("negative dimensions
 * are not allowed"), total byte size must fit in int64 ("array is too
 * big; `arr.size * arr.dtype.itemsize` is larger than the maximum possible
 * size."). ndim 0 makes a 0-d array of one element; shape may then be NULL. */
ND_API nd_array *nd_empty(nd_dtype dt, int ndim, const int64_t *shape);  /* uninitialized */
ND_API nd_array *nd_zeros(nd_dtype dt, int ndim, const int64_t *shape);
ND_API nd_array *nd_ones(nd_dtype dt, int ndim, const int64_t *shape);
/* Every element is `value` cast to dt as nd_astype casts. */
ND_API nd_array *nd_full(nd_dtype dt, int ndim, const int64_t *shape, double value);
ND_API nd_array *nd_empty_like(const nd_array *a);   /* same dtype and shape, C order */
ND_API nd_array *nd_zeros_like(const nd_array *a);
ND_API nd_array *nd_ones_like(const nd_array *a);
ND_API nd_array *nd_full_like(const nd_array *a, double value);

/* numpy.arange(start, stop, step, dtype): ceil((stop - start) / step)
 * elements (none if that is <= 0); element i is computed as NumPy does:
 * start + i * delta in dt, with delta = dt(start + step) - dt(start).
 * step 0 fails ("Maximum allowed size exceeded" in NumPy; here
 * "arange: step must not be zero"). */
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
ND_API nd_array *nd_from_data(nd_dtype dt, int ndim, const int64_t *shape,
                              const void *c_order_data);
/* Wraps caller memory without copying: libnd never frees or reallocates
 * `data`; the caller keeps it alive while any handle (or view of one) lives.
 * strides in bytes, NULL for C order. writeable=false makes every view of it
 * read-only. data and every stride must be multiples of the item size
 * ("from_buffer: data and strides must be aligned to the item size"), since
 * libnd's loops load elements as typed values. */
ND_API nd_array *nd_from_buffer(nd_dtype dt, int ndim, const int64_t *shape,
                                const int64_t *strides, void *data, bool writeable);

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
 * does), C order otherwise. Writes to a temporary file and renames it, so a
 * failure never leaves a half-written `path`. */
ND_API int nd_save_npy(const char *path, const nd_array *a);

/* An opened .npz archive: its arrays are read when it is loaded. */
typedef struct nd_npz nd_npz;
/* numpy.load of an .npz (a zip of .npy files, stored or deflated). */
ND_API nd_npz     *nd_load_npz(const char *path);
ND_API int         nd_npz_count(const nd_npz *z);
/* The i-th array's name, without the ".npy" suffix (as NpzFile.files);
 * borrowed; NULL if i is out of range. */
ND_API const char *nd_npz_name(const nd_npz *z, int i);
/* A new handle on the named array; NULL with ND_ERR_KEY ("x is not a file in
 * the archive") if absent. */
ND_API nd_array   *nd_npz_get(const nd_npz *z, const char *name);
ND_API void        nd_npz_free(nd_npz *z);   /* NULL is fine */
/* numpy.savez / numpy.savez_compressed: n arrays under the given names
 * (stored as "<name>.npy"). Names must be distinct and non-empty. Written to
 * a temporary file and renamed. */
ND_API int nd_savez(const char *path, int n, const char *const *names,
                    const nd_array *const *arrays);
ND_API int nd_savez_compressed(const char *path, int n, const char *const *names,
                               const nd_array *const *arrays);

#ifdef __cplusplus
}
#endif
#endif /* ND_H */
