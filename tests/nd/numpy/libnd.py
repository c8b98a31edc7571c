"""ctypes bindings to the built libnd.so for the differential tests against
NumPy. Run with /usr/bin/python3 (Debian's numpy); exits 77 (skip) if numpy
cannot be imported."""
import ctypes
import sys

try:
    import numpy as np  # noqa: F401
except ImportError:
    print("SKIP: numpy cannot be imported")
    sys.exit(77)

P, I64, INT = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
NONE = -2**63
DTYPES = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
          'float16', 'bfloat16', 'float32', 'float64']
CODE = {name: i for i, name in enumerate(DTYPES)}

_SIGNATURES = {
    'nd_from_data': (P, [INT, INT, P, P]), 'nd_astype': (P, [P, INT]), 'nd_copy': (P, [P]),
    'nd_data': (P, [P]), 'nd_free': (None, [P]), 'nd_ndim': (INT, [P]),
    'nd_shape': (ctypes.POINTER(I64), [P]), 'nd_strides': (ctypes.POINTER(I64), [P]),
    'nd_slice': (P, [P, INT, I64, I64, I64]), 'nd_reshape': (P, [P, INT, P]),
    'nd_transpose': (P, [P, P]), 'nd_diagonal': (P, [P, I64, INT, INT]),
    'nd_squeeze': (P, [P, INT, P]), 'nd_expand_dims': (P, [P, INT]),
    'nd_may_share_memory': (ctypes.c_bool, [P, P]), 'nd_is_c_contiguous': (ctypes.c_bool, [P]),
    'nd_is_f_contiguous': (ctypes.c_bool, [P]), 'nd_last_error': (ctypes.c_char_p, []),
    'nd_result_type': (INT, [INT, INT]), 'nd_can_cast': (ctypes.c_bool, [INT, INT, INT]),
    'nd_double_to_half': (ctypes.c_uint16, [ctypes.c_double]),
    'nd_half_to_float': (ctypes.c_float, [ctypes.c_uint16]),
    'nd_repr': (P, [P]), 'nd_str': (P, [P]), 'nd_dtype_of': (INT, [P]),
}


def load(path):
    lib = ctypes.CDLL(path)
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib


def from_numpy(lib, a):
    """A new libnd handle holding a copy of the numpy array a."""
    import numpy as np
    a = np.asarray(a).copy(order='C')   # ascontiguousarray would make 0-d 1-d
    shape = (I64 * max(a.ndim, 1))(*a.shape)
    return lib.nd_from_data(CODE[str(a.dtype)], a.ndim, shape, a.ctypes.data)


def to_numpy(lib, handle, dtype):
    """(values as a C-order numpy array, shape list, strides list) of a handle."""
    import numpy as np
    ndim = lib.nd_ndim(handle)
    shape = [lib.nd_shape(handle)[i] for i in range(ndim)]
    strides = [lib.nd_strides(handle)[i] for i in range(ndim)]
    copy = lib.nd_copy(handle)
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    raw = ctypes.string_at(lib.nd_data(copy), nbytes) if nbytes else b''
    lib.nd_free(copy)
    return np.frombuffer(raw, dtype=dtype).reshape(shape), shape, strides


_libc = ctypes.CDLL(None)
_libc.free.argtypes = [P]


def take_string(pointer):
    """A malloc'd C string as str, freed."""
    text = ctypes.string_at(pointer).decode()
    _libc.free(pointer)
    return text
