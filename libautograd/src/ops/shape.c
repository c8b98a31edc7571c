/* ops/shape.c: being written (placeholder so the build lists every source). */
#include "ops.h"
