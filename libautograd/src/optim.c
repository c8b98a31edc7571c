/* optim.c: being written (placeholder so the build lists every source). */
#include "internal.h"
