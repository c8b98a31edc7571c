/* Thread-local error state: what failed last on this thread, in NumPy's
 * words. Each libnd function that fails sets it once, at the point where the
 * reason is known. */
#include "nd_internal.h"

#include <stdio.h>

static _Thread_local char last_message[1024];
static _Thread_local nd_status last_status = ND_OK;

const char *nd_last_error(void) { return last_message; }
nd_status nd_last_status(void) { return last_status; }

void nd_clear_error(void)
{
    last_message[0] = '\0';
    last_status = ND_OK;
}

/* Messages are one line even when they quote hostile input (a key or a
 * tensor name from a file may hold a newline): control characters are
 * written as escapes, \n \r \t or \xHH, as Python's repr would. The text
 * is formatted into a scratch buffer first, so an argument may be
 * nd_last_error() itself. */
static int set_error_v(nd_status status, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int set_error_v(nd_status status, const char *fmt, va_list ap)
{
    char text[sizeof last_message];
    vsnprintf(text, sizeof text, fmt, ap);
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        char esc[5] = {(char)*p, 0};
        if (*p < 0x20 || *p == 0x7f)
            snprintf(esc, sizeof esc,
                     *p == '\n'   ? "\\n"
                     : *p == '\r' ? "\\r"
                     : *p == '\t' ? "\\t"
                                  : "\\x%02x",
                     *p);
        size_t n = strlen(esc);
        if (o + n >= sizeof last_message)
            break;
        memcpy(last_message + o, esc, n);
        o += n;
    }
    last_message[o] = '\0';
    last_status = status;
    return status;
}

int nd_set_error(nd_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error_v(status, fmt, ap);
    va_end(ap);
    return status;
}

const char *nd_format_shape(char *buf, int ndim, const int64_t *shape)
{
    int len = sprintf(buf, "(");
    for (int i = 0; i < ndim; i++)
        len += sprintf(buf + len, i ? ", %lld" : "%lld", (long long)shape[i]);
    sprintf(buf + len, ndim == 1 ? ",)" : ")");
    return buf;
}

/* NumPy's C-level convert_shape_to_string, used in its broadcasting and
 * reshape errors: no spaces; leading negative (unknown) entries dropped and
 * later ones printed as "newaxis": (3,1), (4,newaxis), (-1,0) -> (0). */
const char *nd_format_shape_compact(char *buf, int ndim, const int64_t *shape)
{
    int i = 0;
    while (i < ndim && shape[i] < 0)
        i++;
    if (i == ndim)
        return strcpy(buf, "()");
    int len = sprintf(buf, "(%lld", (long long)shape[i++]);
    for (; i < ndim; i++)
        len += shape[i] < 0 ? sprintf(buf + len, ",newaxis")
                            : sprintf(buf + len, ",%lld", (long long)shape[i]);
    strcpy(buf + len, ndim == 1 ? ",)" : ")");
    return buf;
}

int nd_normalize_axis(int *axis, int ndim)
{
    if (*axis < -ndim || *axis >= ndim)
        return nd_set_error(ND_ERR_AXIS, "axis %d is out of bounds for array of dimension %d",
                            *axis, ndim);
    if (*axis < 0)
        *axis += ndim;
    return 0;
}

int nd_first_null_arg(const char *func, const char *names, const void *const *args, int n)
{
    int i = 0;
    while (i < n && args[i] != NULL)
        i++;
    if (i == n)
        return 0;
    /* the i-th name of "a, b, out" */
    for (int k = 0; k < i; k++)
        names = strchr(names, ',') + 1;
    while (*names == ' ')
        names++;
    int len = (int)strcspn(names, ",");
    return nd_set_error(ND_ERR_VALUE, "%s: %.*s is NULL", nd_public_name(func), len, names);
}

const char *nd_public_name(const char *func)
{
    return strncmp(func, "nd_", 3) == 0 ? func + 3 : func;
}

/* The public twin of nd_set_error, for libraries built on libnd. */
int nd_set_last_error(nd_status status, const char *fmt, ...)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, fmt);
    va_list ap;
    va_start(ap, fmt);
    set_error_v(status, fmt, ap);
    va_end(ap);
    return status;
}
