/* Printing: repr(a) and str(a) exactly as NumPy 1.24 prints them with the
 * default options (precision 8, floatmode 'maxprec', linewidth 75,
 * threshold 1000, edgeitems 3). The structure follows numpy/core/
 * arrayprint.py: a formatter is fitted to the values first (widths, digits,
 * positional or scientific), then _formatArray lays the elements out with
 * hanging indents and line wrapping. */
#include "internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define LINE_WIDTH 75
#define THRESHOLD 1000
#define EDGE_ITEMS 3
#define PRECISION 8

/* ---- a growable string ----------------------------------------------------- */

typedef struct {
    char *text;
    size_t length, capacity;
    bool failed;
} strbuf;

static void sb_append_n(strbuf *sb, const char *s, size_t n)
{
    if (sb->failed)
        return;
    if (sb->length + n + 1 > sb->capacity) {
        size_t capacity = sb->capacity ? sb->capacity : 64;
        while (sb->length + n + 1 > capacity)
            capacity *= 2;
        char *text = realloc(sb->text, capacity);
        if (!text) {
            sb->failed = true;
            return;
        }
        sb->text = text;
        sb->capacity = capacity;
    }
    memcpy(sb->text + sb->length, s, n);
    sb->length += n;
    sb->text[sb->length] = '\0';
}

static void sb_append(strbuf *sb, const char *s) { sb_append_n(sb, s, strlen(s)); }

static void sb_repeat(strbuf *sb, char c, int n)
{
    for (int i = 0; i < n; i++)
        sb_append_n(sb, &c, 1);
}

/* ---- shortest round-trip digits ---------------------------------------------- */

/* The value v (of dtype dt) read back from a decimal string, at dt's own
 * precision: two strings are equivalent if they round to the same dt value. */
static bool round_trips(double v, nd_dtype dt, const char *text)
{
    double back = strtod(text, NULL);
    switch (dt) {
    case ND_FLOAT16: return nd_double_to_half(back) == nd_double_to_half(v);
    case ND_BFLOAT16: return nd_double_to_bfloat16(back) == nd_double_to_bfloat16(v);
    case ND_FLOAT32: return (float)back == (float)v;
    default: return back == v;
    }
}

/* Decimal digits of |v| and its exponent: |v| = 0.d1d2d3... * 10^(point).
 * `unique`: the fewest digits that round-trip at dt's precision (Dragon4's
 * unique mode); otherwise `digits_wanted` significant digits. Either way at
 * most `max_significant` digits (correctly rounded). */
typedef struct {
    char digits[40];   /* without trailing zeros; "0" for zero */
    int count;
    int point;         /* position of the decimal point after digit `point` */
} decimal;

static decimal to_decimal(double v, int significant)
{
    char text[64];
    snprintf(text, sizeof text, "%.*e", significant - 1, fabs(v));
    decimal d = {{0}, 0, 0};
    for (const char *p = text; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            d.digits[d.count++] = *p;
    d.point = atoi(strchr(text, 'e') + 1) + 1;
    while (d.count > 1 && d.digits[d.count - 1] == '0')
        d.count--;
    d.digits[d.count] = '\0';
    if (d.count == 1 && d.digits[0] == '0')
        d.point = 1;
    return d;
}

static decimal shortest_decimal(double v, nd_dtype dt)
{
    char text[64];
    for (int significant = 1; significant < 17; significant++) {
        snprintf(text, sizeof text, "%.*e", significant - 1, v);
        if (round_trips(v, dt, text))
            return to_decimal(v, significant);
    }
    return to_decimal(v, 17);
}

/* ---- Dragon4-style positional and scientific strings -------------------------- */

/* dragon4_positional(x, precision, unique=True, fractional=True): the
 * shortest digits, cut to at most `precision` after the point (then
 * correctly rounded from the binary value; precision < 0: no cut). The
 * integer part is written to `integer` (with sign), the fraction digits,
 * trailing zeros trimmed, to `fraction`. */
static void positional_parts(double v, nd_dtype dt, int precision, char *integer, char *fraction)
{
    decimal d = shortest_decimal(v, dt);
    int fraction_digits = d.count - d.point;
    if (precision >= 0 && fraction_digits > precision) {
        char text[400];
        snprintf(text, sizeof text, "%.*f", precision, v);
        char *dot = strchr(text, '.');
        *dot = '\0';
        strcpy(integer, text);
        int n = (int)strlen(dot + 1);
        while (n > 0 && dot[n] == '0')
            n--;
        memcpy(fraction, dot + 1, (size_t)n);
        fraction[n] = '\0';
        return;
    }
    char *p = integer;
    if (signbit(v))
        *p++ = '-';
    if (d.point <= 0) {
        *p++ = '0';
    } else {
        for (int i = 0; i < d.point; i++)
            *p++ = i < d.count ? d.digits[i] : '0';
    }
    *p = '\0';
    p = fraction;
    for (int i = d.point; i < d.count; i++)
        *p++ = i < 0 ? '0' : d.digits[i];
    *p = '\0';
}

/* dragon4_scientific(x, precision=PRECISION, unique=True): first digit (with
 * sign) into `integer`, the following digits into `fraction`, the decimal
 * exponent into *exponent. */
static void scientific_parts(double v, nd_dtype dt, char *integer, char *fraction, int *exponent)
{
    decimal d = shortest_decimal(v, dt);
    if (d.count > PRECISION + 1)
        d = to_decimal(v, PRECISION + 1);
    sprintf(integer, "%s%c", signbit(v) ? "-" : "", d.digits[0]);
    strcpy(fraction, d.digits + 1);
    *exponent = (d.count == 1 && d.digits[0] == '0') ? 0 : d.point - 1;
}

/* ---- formatters fitted to the data ------------------------------------------ */

typedef struct {
    nd_dtype dtype;
    bool is_0d;
    /* integers: the field width */
    int width;
    /* floats (FloatingFormat) */
    bool exp_format;
    int pad_left, pad_right;
    int precision;   /* scientific: digits after the point, zero padded */
    int exp_size;    /* scientific: exponent digits */
} formatter;

static int exponent_width(int exponent)
{
    int e = abs(exponent);
    return e >= 100 ? 3 : 2;
}

/* Walks the elements that will be printed (all of them, or only the edge
 * items of a summarized array, as NumPy's _leading_trailing) and calls
 * visit on each. */
typedef void (*element_visitor)(void *context, const char *element);

static void visit_printed(const nd_array *a, bool summarize, int axis, const char *data,
                          element_visitor visit, void *context)
{
    if (axis == a->ndim) {
        visit(context, data);
        return;
    }
    int64_t n = a->shape[axis];
    for (int64_t i = 0; i < n; i++) {
        if (summarize && n > 2 * EDGE_ITEMS && i == EDGE_ITEMS)
            i = n - EDGE_ITEMS;
        visit_printed(a, summarize, axis + 1, data + i * a->strides[axis], visit, context);
    }
}

typedef struct {
    nd_dtype dtype;
    bool any_finite, any_nonzero, any_nonfinite, negative_inf;
    double max_abs, min_abs;
    int64_t int_max, int_min;
    uint64_t uint_max;
    formatter *f;
    int pass;
} fit_state;

static void fit_visit(void *context, const char *element)
{
    fit_state *s = context;
    nd_dtype dt = s->dtype;
    if (nd_dtype_is_integer(dt)) {
        int64_t v = nd_load_int64(dt, element);
        if (dt == ND_UINT64) {
            if ((uint64_t)v > s->uint_max)
                s->uint_max = (uint64_t)v;
        } else {
            if (v > s->int_max)
                s->int_max = v;
            if (v < s->int_min)
                s->int_min = v;
        }
        return;
    }
    if (!nd_dtype_is_float(dt))
        return;
    double v = nd_load_double(dt, element);
    if (!isfinite(v)) {
        s->any_nonfinite = true;
        s->negative_inf |= isinf(v) && v < 0;
        return;
    }
    if (s->pass == 0) {   /* first pass: magnitudes decide the notation */
        s->any_finite = true;
        double m = fabs(v);
        if (m != 0) {
            if (!s->any_nonzero || m > s->max_abs)
                s->max_abs = m;
            if (!s->any_nonzero || m < s->min_abs)
                s->min_abs = m;
            s->any_nonzero = true;
        }
        return;
    }
    /* second pass: widths of the parts */
    char integer[400], fraction[400];
    formatter *f = s->f;
    if (f->exp_format) {
        int exponent;
        scientific_parts(v, dt, integer, fraction, &exponent);
        int e = exponent_width(exponent);
        if (e > f->exp_size)
            f->exp_size = e;
        if ((int)strlen(fraction) > f->precision)
            f->precision = (int)strlen(fraction);
    } else {
        positional_parts(v, dt, PRECISION, integer, fraction);
        if ((int)strlen(fraction) > f->pad_right)
            f->pad_right = (int)strlen(fraction);
    }
    if ((int)strlen(integer) > f->pad_left)
        f->pad_left = (int)strlen(integer);
}

static int decimal_length(int64_t v)
{
    char text[32];
    return snprintf(text, sizeof text, "%lld", (long long)v);
}

static formatter fit_formatter(const nd_array *a, bool summarize)
{
    formatter f = {.dtype = a->dtype, .is_0d = a->ndim == 0};
    fit_state s = {.dtype = a->dtype, .f = &f, .int_max = INT64_MIN, .int_min = INT64_MAX};
    visit_printed(a, summarize, 0, a->data, fit_visit, &s);
    if (nd_dtype_is_integer(a->dtype)) {
        if (a->dtype == ND_UINT64) {
            char text[32];
            f.width = snprintf(text, sizeof text, "%llu", (unsigned long long)s.uint_max);
        } else {
            int a_len = decimal_length(s.int_max), b_len = decimal_length(s.int_min);
            f.width = a_len > b_len ? a_len : b_len;
        }
        return f;
    }
    if (!nd_dtype_is_float(a->dtype))
        return f;
    if (s.any_nonzero)
        f.exp_format = s.max_abs >= 1e8 || s.min_abs < 0.0001 || s.max_abs / s.min_abs > 1000.;
    s.pass = 1;
    visit_printed(a, summarize, 0, a->data, fit_visit, &s);
    if (f.exp_format)   /* pad_right only sizes nan/inf in scientific mode */
        f.pad_right = f.exp_size + 2 + f.precision;
    if (s.any_nonfinite) {
        /* "nan"/"inf" are right-aligned in the full field width. */
        int offset = f.pad_right + 1;
        int nan_pad = 3 - offset, inf_pad = 3 + (s.negative_inf ? 1 : 0) - offset;
        if (nan_pad > f.pad_left)
            f.pad_left = nan_pad;
        if (inf_pad > f.pad_left)
            f.pad_left = inf_pad;
    }
    return f;
}

/* One element as the fitted formatter prints it. */
static void format_element(const formatter *f, const char *element, strbuf *out)
{
    nd_dtype dt = f->dtype;
    char text[512];
    if (dt == ND_BOOL) {
        bool v = *(const uint8_t *)element != 0;
        sb_append(out, v ? (f->is_0d ? "True" : " True") : "False");
        return;
    }
    if (nd_dtype_is_integer(dt)) {
        int64_t v = nd_load_int64(dt, element);
        if (dt == ND_UINT64)
            snprintf(text, sizeof text, "%*llu", f->width, (unsigned long long)(uint64_t)v);
        else
            snprintf(text, sizeof text, "%*lld", f->width, (long long)v);
        sb_append(out, text);
        return;
    }
    double v = nd_load_double(dt, element);
    int field = f->pad_left + f->pad_right + 1;
    if (!isfinite(v)) {
        const char *word = isnan(v) ? "nan" : v < 0 ? "-inf" : "inf";
        sb_repeat(out, ' ', field - (int)strlen(word));
        sb_append(out, word);
        return;
    }
    char integer[400], fraction[400];
    if (f->exp_format) {
        /* Every value gets exactly `precision` digits after the point, and
         * Dragon4 (min_digits = precision) fills them with the value's real
         * digits, not zeros: that is printf's correctly rounded %.*e. */
        snprintf(text, sizeof text, "%.*e", f->precision, v);
        char *e = strchr(text, 'e');
        int exponent = atoi(e + 1);
        *e = '\0';
        char *dot = strchr(text, '.');
        if (dot)
            *dot = '\0';
        sb_repeat(out, ' ', f->pad_left - (int)strlen(text));
        sb_append(out, text);
        sb_append(out, ".");
        if (dot)
            sb_append(out, dot + 1);
        snprintf(text, sizeof text, "e%c%0*d", exponent < 0 ? '-' : '+', f->exp_size, abs(exponent));
        sb_append(out, text);
    } else {
        positional_parts(v, dt, PRECISION, integer, fraction);
        sb_repeat(out, ' ', f->pad_left - (int)strlen(integer));
        sb_append(out, integer);
        sb_append(out, ".");
        sb_append(out, fraction);
        sb_repeat(out, ' ', f->pad_right - (int)strlen(fraction));
    }
}

/* ---- _formatArray ----------------------------------------------------------- */

typedef struct {
    const nd_array *a;
    const formatter *f;
    const char *separator;
    bool summarize;
} layout;

/* _extendLine: append word to the current line, first moving to a new line
 * if it would pass line_width (unless the line holds nothing but the
 * indent, where wrapping would not help). */
static void extend_line(strbuf *s, strbuf *line, const char *word, int line_width,
                        const char *next_line_prefix)
{
    bool wrap = (int)(line->length + strlen(word)) > line_width &&
                line->length > strlen(next_line_prefix);
    if (wrap) {
        size_t n = line->length;
        while (n > 0 && line->text[n - 1] == ' ')
            n--;
        sb_append_n(s, line->text, n);
        sb_append(s, "\n");
        line->length = 0;
        sb_append(line, next_line_prefix);
    }
    sb_append(line, word);
}

static char *recurse(const layout *L, int axis, const char *data, const char *hanging_indent,
                     int width);

static char *element_string(const layout *L, int axis, const char *data,
                            const char *hanging_indent, int width)
{
    if (axis == L->a->ndim) {
        strbuf out = {0};
        format_element(L->f, data, &out);
        return out.text;
    }
    return recurse(L, axis, data, hanging_indent, width);
}

static char *recurse(const layout *L, int axis, const char *data, const char *hanging_indent,
                     int width)
{
    const nd_array *a = L->a;
    int axes_left = a->ndim - axis;
    int64_t n = a->shape[axis];
    bool summary = L->summarize && 2 * EDGE_ITEMS < n;
    int64_t leading = summary ? EDGE_ITEMS : 0, trailing = summary ? EDGE_ITEMS : n;

    size_t indent_length = strlen(hanging_indent);
    char *next_indent = malloc(indent_length + 2);
    if (!next_indent)
        return NULL;
    memcpy(next_indent, hanging_indent, indent_length);
    strcpy(next_indent + indent_length, " ");
    int next_width = width - 1;

    /* The separator without trailing spaces: "," for repr, "" for str. */
    char separator_stripped[8];
    snprintf(separator_stripped, sizeof separator_stripped, "%s", L->separator);
    for (size_t k = strlen(separator_stripped); k > 0 && separator_stripped[k - 1] == ' '; k--)
        separator_stripped[k - 1] = '\0';

    strbuf s = {0};
    sb_append(&s, "");
    /* The children in print order: leading ones, "...", trailing ones. */
    int64_t count = leading + trailing;
    if (axes_left == 1) {
        int separator_width = (int)strlen(separator_stripped);
        int element_width = width - (separator_width > 1 ? separator_width : 1);
        strbuf line = {0};
        sb_append(&line, hanging_indent);
        for (int64_t k = 0; k < count; k++) {
            int64_t i = k < leading ? k : n - (count - k);
            if (summary && k == leading) {
                extend_line(&s, &line, "...", element_width, hanging_indent);
                sb_append(&line, L->separator);
            }
            char *word = element_string(L, axis + 1, data + i * a->strides[axis], next_indent,
                                        next_width);
            extend_line(&s, &line, word ? word : "", element_width,
                        hanging_indent);
            free(word);
            if (k < count - 1)
                sb_append(&line, L->separator);
        }
        sb_append_n(&s, line.text, line.length);
        free(line.text);
    } else {
        char line_separator[16];
        snprintf(line_separator, sizeof line_separator, "%s", separator_stripped);
        for (int k = 0; k < axes_left - 1; k++)
            strcat(line_separator, "\n");
        for (int64_t k = 0; k < count; k++) {
            int64_t i = k < leading ? k : n - (count - k);
            if (summary && k == leading) {
                sb_append(&s, hanging_indent);
                sb_append(&s, "...");
                sb_append(&s, line_separator);
            }
            char *nested = recurse(L, axis + 1, data + i * a->strides[axis], next_indent,
                                   next_width);
            sb_append(&s, hanging_indent);
            sb_append(&s, nested ? nested : "");
            free(nested);
            if (k < count - 1)
                sb_append(&s, line_separator);
        }
    }
    free(next_indent);
    /* '[' + s[len(hanging_indent):] + ']' */
    strbuf result = {0};
    sb_append(&result, "[");
    if (!s.failed && s.text && s.length >= indent_length)
        sb_append(&result, s.text + indent_length);
    sb_append(&result, "]");
    free(s.text);
    if (s.failed || result.failed) {
        free(result.text);
        return NULL;
    }
    return result.text;
}

/* array2string: the bracketed body, without "array(" and the dtype. */
static char *array_body(const nd_array *a, const char *separator, const char *prefix,
                        int line_width)
{
    int64_t size = nd_size(a);
    if (size == 0) {
        strbuf out = {0};
        sb_append(&out, "[]");
        return out.text;
    }
    bool summarize = size > THRESHOLD;
    formatter f = fit_formatter(a, summarize);
    if (a->ndim == 0) {
        strbuf out = {0};
        format_element(&f, a->data, &out);
        return out.text;
    }
    /* The hanging indent skips "[" and the prefix ("array("). */
    char indent[32];
    snprintf(indent, sizeof indent, " %*s", (int)strlen(prefix), "");
    layout L = {a, &f, separator, summarize};
    return recurse(&L, 0, a->data, indent, line_width);
}

static bool dtype_is_implied(nd_dtype dt)
{
    return dt == ND_FLOAT64 || dt == ND_INT64 || dt == ND_BOOL;
}

char *nd_repr(const nd_array *a)
{
    if (!a) {
        nd_set_error(ND_ERR_VALUE, "repr: array is NULL");
        return NULL;
    }
    bool skip_dtype = dtype_is_implied(a->dtype) && nd_size(a) > 0;
    const char *suffix = skip_dtype ? ")" : ",";
    strbuf out = {0};
    sb_append(&out, "array(");
    if (nd_size(a) > 0 || (a->ndim == 1)) {
        char *body = array_body(a, ", ", "array(", LINE_WIDTH - (int)strlen(suffix));
        if (!body) {
            free(out.text);
            nd_set_error(ND_ERR_MEMORY, "repr: out of memory");
            return NULL;
        }
        sb_append(&out, body);
        free(body);
    } else {
        char shape[ND_SHAPE_STR_MAX];
        sb_append(&out, "[], shape=");
        sb_append(&out, nd_format_shape(shape, a->ndim, a->shape));
    }
    sb_append(&out, suffix);
    if (!skip_dtype) {
        char dtype_text[32];
        snprintf(dtype_text, sizeof dtype_text, "dtype=%s)", nd_dtype_name(a->dtype));
        const char *last_newline = out.text ? strrchr(out.text, '\n') : NULL;
        size_t last_line = out.length - (last_newline ? (size_t)(last_newline - out.text + 1) : 0);
        /* The dtype goes on its own line if it would pass the line width. */
        if ((int)(last_line + strlen(dtype_text) + 1) > LINE_WIDTH)
            sb_append(&out, "\n      ");
        else
            sb_append(&out, " ");
        sb_append(&out, dtype_text);
    }
    if (out.failed) {
        free(out.text);
        nd_set_error(ND_ERR_MEMORY, "repr: out of memory");
        return NULL;
    }
    return out.text;
}

/* str() of a 0-d array is str() of its scalar, which NumPy prints with the
 * shortest digits, positionally for 1e-4 <= |x| < 1e16 ("5.0", "0.1") and
 * in scientific notation otherwise ("1e-05", "1.5e+20"). */
static char *scalar_str(const nd_array *a)
{
    strbuf out = {0};
    nd_dtype dt = a->dtype;
    if (!nd_dtype_is_float(dt)) {
        formatter f = {.dtype = dt, .is_0d = true};
        format_element(&f, a->data, &out);
        return out.text;
    }
    double v = nd_load_double(dt, a->data);
    if (!isfinite(v)) {
        sb_append(&out, isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
        return out.text;
    }
    double m = fabs(v);
    decimal d = shortest_decimal(v, dt);
    char text[1024];
    if (m == 0 || (m >= 1e-4 && m < 1e16)) {
        char integer[400], fraction[400];
        positional_parts(v, dt, -1, integer, fraction);   /* scalars: no cut */
        snprintf(text, sizeof text, "%s.%s", integer, fraction[0] ? fraction : "0");
    } else {
        int exponent = d.point - 1;
        snprintf(text, sizeof text, "%s%c%s%s%se%c%02d", signbit(v) ? "-" : "", d.digits[0],
                 d.count > 1 ? "." : "", d.digits + 1, "", exponent < 0 ? '-' : '+', abs(exponent));
    }
    sb_append(&out, text);
    return out.text;
}

char *nd_str(const nd_array *a)
{
    if (!a) {
        nd_set_error(ND_ERR_VALUE, "str: array is NULL");
        return NULL;
    }
    char *text = a->ndim == 0 ? scalar_str(a) : array_body(a, " ", "", LINE_WIDTH);
    if (!text)
        nd_set_error(ND_ERR_MEMORY, "str: out of memory");
    return text;
}

int nd_fprint(FILE *stream, const nd_array *a)
{
    char *text = nd_repr(a);
    if (!text)
        return nd_last_status();
    int status = fprintf(stream, "%s\n", text) < 0 ? nd_set_error(ND_ERR_IO, "print failed") : 0;
    free(text);
    return status;
}

int nd_print(const nd_array *a) { return nd_fprint(stdout, a); }
