/* Printing: repr(a) and str(a) exactly as NumPy 1.24 prints them with the
 * default options (precision 8, floatmode 'maxprec', linewidth 75,
 * threshold 1000, edgeitems 3).
 *
 * Three layers, as in numpy/core/arrayprint.py and dragon4.c:
 *  1. Dragon4 (Steele & White, Burger & Dybvig) on exact big integers: the
 *     shortest digits that identify a value among its dtype's neighbours,
 *     or fewer/more digits under a cutoff, rounded the way NumPy rounds.
 *  2. Formatters fitted to the printed values: FloatingFormat (widths,
 *     positional or scientific), IntegerFormat, BoolFormat.
 *  3. _formatArray: nested brackets, hanging indents, wrapping at the line
 *     width, "..." for summarized arrays.
 *
 * bfloat16, which NumPy lacks, prints as a float dtype whose digits are the
 * shortest at bfloat16's precision; the choice between positional and
 * scientific is made as for its float32 widening. */
#include "nd_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define LINE_WIDTH 75
#define THRESHOLD 1000
#define EDGE_ITEMS 3
#define PRECISION 8

/* ---- a growable string ------------------------------------------------------ */

typedef struct {
    char *text;
    size_t length, capacity;
    bool failed; /* an allocation failed: the text is incomplete */
} strbuf;

static void sb_append_n(strbuf *sb, const char *s, size_t n)
{
    if (sb->failed)
        return;
    if (sb->length + n + 1 > sb->capacity) {
        size_t capacity = sb->capacity ? sb->capacity : 256;
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

static void sb_spaces(strbuf *sb, int n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        int chunk = n < (int)sizeof spaces - 1 ? n : (int)sizeof spaces - 1;
        sb_append_n(sb, spaces, (size_t)chunk);
        n -= chunk;
    }
}

/* Hands the text to the caller, or frees it and reports the failure. */
static char *sb_finish(strbuf *sb, const char *what)
{
    if (!sb->failed && !sb->text)
        sb_append(sb, "");
    if (sb->failed) {
        free(sb->text);
        nd_set_error(ND_ERR_MEMORY, "%s: out of memory", what);
        return NULL;
    }
    return sb->text;
}

/* ---- exact unsigned big integers ------------------------------------------- */

/* Dragon4 keeps value, scale and margins as integers. The value stays below
 * 10 * scale, at most about 2^1080 (a float64 subnormal scaled to its first
 * digit); the margins grow tenfold per digit, at worst to 2^971 * 10^309 <
 * 2^2000 when all 309 integer digits of a float64 near 1e308 are printed.
 * 80 words of 32 bits hold either. */
#define BIG_WORDS 80

typedef struct {
    // clang-format off
    uint32_t word[BIG_WORDS];   /* little-endian */
    int length;                 /* words in use; 0 for zero */
    // clang-format on
} big;

static void big_set(big *b, uint64_t v)
{
    b->word[0] = (uint32_t)v;
    b->word[1] = (uint32_t)(v >> 32);
    b->length = v >> 32 ? 2 : v ? 1 : 0;
}

static void big_trim(big *b)
{
    while (b->length > 0 && b->word[b->length - 1] == 0)
        b->length--;
}

static int big_compare(const big *a, const big *b)
{
    if (a->length != b->length)
        return a->length < b->length ? -1 : 1;
    for (int i = a->length - 1; i >= 0; i--)
        if (a->word[i] != b->word[i])
            return a->word[i] < b->word[i] ? -1 : 1;
    return 0;
}

static void big_multiply_small(big *b, uint32_t factor)
{
    uint64_t carry = 0;
    for (int i = 0; i < b->length; i++) {
        uint64_t product = (uint64_t)b->word[i] * factor + carry;
        b->word[i] = (uint32_t)product;
        carry = product >> 32;
    }
    if (carry)
        b->word[b->length++] = (uint32_t)carry;
}

static void big_shift_left(big *b, int bits)
{
    if (b->length == 0)
        return;
    int words = bits / 32, rest = bits % 32;
    int length = b->length + words + 1;
    for (int i = length - 1; i >= 0; i--) {
        int from = i - words;
        uint64_t high = from >= 0 && from < b->length ? b->word[from] : 0;
        uint64_t low = from - 1 >= 0 && from - 1 < b->length ? b->word[from - 1] : 0;
        b->word[i] = (uint32_t)(((high << 32 | low) << rest) >> 32);
    }
    b->length = length;
    big_trim(b);
}

static void big_multiply_pow10(big *b, int n)
{
    for (; n >= 9; n -= 9)
        big_multiply_small(b, 1000000000u);
    static const uint32_t small[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    big_multiply_small(b, small[n]);
}

static void big_add(big *sum, const big *a, const big *b)
{
    int length = a->length > b->length ? a->length : b->length;
    uint64_t carry = 0;
    for (int i = 0; i < length; i++) {
        uint64_t s = carry + (i < a->length ? a->word[i] : 0) + (i < b->length ? b->word[i] : 0);
        sum->word[i] = (uint32_t)s;
        carry = s >> 32;
    }
    sum->length = length;
    if (carry)
        sum->word[sum->length++] = (uint32_t)carry;
}

/* a -= b, for a >= b. */
static void big_subtract(big *a, const big *b)
{
    int64_t borrow = 0;
    for (int i = 0; i < a->length; i++) {
        int64_t d = (int64_t)a->word[i] - (i < b->length ? b->word[i] : 0) - borrow;
        borrow = d < 0;
        a->word[i] = (uint32_t)(d + (borrow ? (int64_t)1 << 32 : 0));
    }
    big_trim(a);
}

/* The next decimal digit: value = value mod scale, returning value / scale,
 * which Dragon4's invariant keeps below 10. */
static int big_divide_digit(big *value, const big *scale)
{
    int digit = 0;
    while (big_compare(value, scale) >= 0) {
        big_subtract(value, scale);
        digit++;
    }
    return digit;
}

/* ---- Dragon4 ------------------------------------------------------------------ */

/* A finite float as Dragon4 sees it: mantissa * 2^exponent. */
typedef struct {
    uint64_t mantissa;
    int exponent;
    // clang-format off
    int mantissa_bit;        /* index of the mantissa's highest set bit */
    bool unequal_margins;    /* a power of two (not the smallest normal):
                              * the gap to the value below is half the gap
                              * to the value above */
    // clang-format on
    bool negative, nan, inf;
} binary_float;

/* IEEE layouts: fraction bits, exponent bits. bfloat16 is float32's top
 * half. */
static binary_float decompose(nd_dtype dt, const char *element)
{
    int fraction_bits, exponent_bits;
    uint64_t bits = 0;
    if (dt == ND_FLOAT64) {
        memcpy(&bits, element, 8);
        fraction_bits = 52, exponent_bits = 11;
    } else if (dt == ND_FLOAT32) {
        uint32_t b;
        memcpy(&b, element, 4);
        bits = b, fraction_bits = 23, exponent_bits = 8;
    } else {
        uint16_t b;
        memcpy(&b, element, 2);
        bits = b;
        fraction_bits = dt == ND_FLOAT16 ? 10 : 7;
        exponent_bits = dt == ND_FLOAT16 ? 5 : 8;
    }
    int bias = (1 << (exponent_bits - 1)) - 1;
    uint64_t fraction = bits & (((uint64_t)1 << fraction_bits) - 1);
    int biased = (int)((bits >> fraction_bits) & (((uint64_t)1 << exponent_bits) - 1));
    binary_float f = {.negative = (bits >> (fraction_bits + exponent_bits)) & 1};
    if (biased == (1 << exponent_bits) - 1) {
        f.nan = fraction != 0;
        f.inf = fraction == 0;
    } else if (biased != 0) {
        f.mantissa = (uint64_t)1 << fraction_bits | fraction;
        f.exponent = biased - bias - fraction_bits;
        f.mantissa_bit = fraction_bits;
        f.unequal_margins = biased != 1 && fraction == 0;
    } else {
        f.mantissa = fraction;
        f.exponent = 1 - bias - fraction_bits;
        for (uint64_t m = fraction; m > 1; m >>= 1)
            f.mantissa_bit++;
    }
    return f;
}

typedef enum { CUTOFF_TOTAL, CUTOFF_FRACTION } cutoff_mode;

/* Room for every digit NumPy could print (a float64 has at most 309 integer
 * digits; fraction digits are cut at 8 or are the <= 17 unique ones). */
#define DIGITS_MAX 400

/* The digits of |f| (no point, no sign) and the decimal exponent of the
 * first one: |f| ~ 0.d1d2d3... * 10^(*exponent10 + 1).
 *
 * With value v, the neighbours' midpoints are v - low and v + high (low ==
 * high unless unequal_margins). Digits come out one at a time; after each,
 * `low` says the digits so far (rounded down) are already inside the
 * interval, `high` that rounding up is; the interval's ends count when the
 * mantissa is even (round-half-even reads them back as v). Generation stops
 * when one is true and at least the digit at exponent cutoff_min was
 * produced, or at the digit at exponent cutoff_max; the last digit is then
 * rounded towards the side that is inside, or to nearest (ties to even)
 * when both or neither are. cutoff_max/cutoff_min are digit counts (total
 * or after the point, by `mode`), -1 for none. */
static int dragon4(const binary_float *f, cutoff_mode mode, int cutoff_max, int cutoff_min,
                   char *digits, int *exponent10)
{
    if (f->mantissa == 0) {
        digits[0] = '0';
        *exponent10 = 0;
        return 1;
    }
    /* value = scaled / scale, margins = margin_low / scale and
     * margin_high / scale, all times 2 (or 4) to keep half-gaps integral. */
    big scaled, scale, margin_low, margin_high, scaled_high;
    int shift = f->unequal_margins ? 2 : 1;
    big_set(&scaled, f->mantissa);
    if (f->exponent > 0) {
        big_shift_left(&scaled, f->exponent + shift);
        big_set(&scale, (uint64_t)1 << shift);
        big_set(&margin_low, 1);
        big_shift_left(&margin_low, f->exponent);
    } else {
        big_shift_left(&scaled, shift);
        big_set(&scale, 1);
        big_shift_left(&scale, -f->exponent + shift);
        big_set(&margin_low, 1);
    }

    /* k = floor(log10 v) + 1, from an estimate that is right or one low. */
    int k = (int)ceil((f->mantissa_bit + f->exponent) * 0.30102999566398119521 - 0.69);
    if (cutoff_max >= 0 && mode == CUTOFF_FRACTION && k <= -cutoff_max)
        k = -cutoff_max + 1; /* nothing to print before the cut: round there */
    if (k > 0) {
        big_multiply_pow10(&scale, k);
    } else if (k < 0) {
        big_multiply_pow10(&scaled, -k);
        big_multiply_pow10(&margin_low, -k);
    }
    if (big_compare(&scaled, &scale) >= 0) {
        k++;
    } else {
        big_multiply_small(&scaled, 10);
        big_multiply_small(&margin_low, 10);
    }
    margin_high = margin_low;
    if (f->unequal_margins)
        big_shift_left(&margin_high, 1);

    int stop_max = k - (DIGITS_MAX - 1);
    if (cutoff_max >= 0) {
        int wanted = mode == CUTOFF_TOTAL ? k - cutoff_max : -cutoff_max;
        if (wanted > stop_max)
            stop_max = wanted;
    }
    int stop_min = k;
    if (cutoff_min >= 0) {
        int wanted = mode == CUTOFF_TOTAL ? k - cutoff_min : -cutoff_min;
        if (wanted < stop_min)
            stop_min = wanted;
    }
    *exponent10 = k - 1;

    bool even = (f->mantissa & 1) == 0, low, high;
    int count = 0, digit;
    for (;;) {
        k--;
        digit = big_divide_digit(&scaled, &scale);
        big_add(&scaled_high, &scaled, &margin_high);
        int c_low = big_compare(&scaled, &margin_low);
        int c_high = big_compare(&scaled_high, &scale);
        low = even ? c_low <= 0 : c_low < 0;
        high = even ? c_high >= 0 : c_high > 0;
        if (((low || high) && k <= stop_min) || k <= stop_max)
            break;
        digits[count++] = (char)('0' + digit);
        big_multiply_small(&scaled, 10);
        big_multiply_small(&margin_low, 10);
        big_multiply_small(&margin_high, 10);
    }

    bool round_down = low;
    if (low == high) { /* both roundings are (or neither is) inside */
        big_shift_left(&scaled, 1);
        int c = big_compare(&scaled, &scale);
        round_down = c < 0 || (c == 0 && digit % 2 == 0);
    }
    if (round_down || digit < 9) {
        digits[count++] = (char)('0' + digit + !round_down);
        return count;
    }
    /* Round up a trailing 9: carry into the first digit that is not a 9. */
    while (count > 0 && digits[count - 1] == '9')
        count--;
    if (count == 0) {
        digits[count++] = '1';
        *exponent10 += 1;
    } else {
        digits[count - 1]++;
    }
    return count;
}

/* ---- Dragon4's positional and scientific layouts ------------------------------ */

/* NumPy's trim modes: 'k' keeps everything, '.' trims trailing zeros but
 * keeps the point ("1."), '0' keeps one zero ("1.0"), '-' also drops the
 * point ("1"). */
typedef enum { TRIM_NONE, TRIM_ZEROS, TRIM_LEAVE_ONE_ZERO, TRIM_POINT_AND_ZEROS } trim_mode;

/* A number laid out without padding, e.g. "-12.5" or "1.5e-05". */
typedef struct {
    char text[DIGITS_MAX + 32];
    int length;
    // clang-format off
    int int_length;    /* characters before the point, sign included */
    int frac_length;   /* digits after the point (before the 'e') */
    // clang-format on
} laid_out;

static void put(laid_out *s, char c) { s->text[s->length++] = c; }

/* Trailing zeros after the point go (trim != 'k'); a bare point then gets
 * its zero back ('0') or goes too ('-', positional only). */
static void trim_fraction(laid_out *s, trim_mode trim, bool may_drop_point)
{
    if (trim == TRIM_NONE || s->frac_length == 0)
        return;
    while (s->text[s->length - 1] == '0') {
        s->length--;
        s->frac_length--;
    }
    if (s->text[s->length - 1] == '.') {
        if (trim == TRIM_LEAVE_ONE_ZERO) {
            put(s, '0');
            s->frac_length++;
        } else if (trim == TRIM_POINT_AND_ZEROS && may_drop_point) {
            s->length--;
        }
    }
}

/* dragon4_positional(x, precision, min_digits, unique=True, trim): digits
 * cut at `precision` after the point (CUTOFF_FRACTION) or in total
 * (CUTOFF_TOTAL); -1 for no cut / no minimum. */
static void positional(const binary_float *f, cutoff_mode mode, int precision, int min_digits,
                       trim_mode trim, laid_out *s)
{
    char digits[DIGITS_MAX];
    int exponent10;
    int n = dragon4(f, mode, precision, min_digits, digits, &exponent10);
    s->length = 0;
    if (f->negative)
        put(s, '-');
    int whole;
    if (exponent10 >= 0) {
        whole = exponent10 + 1;
        for (int i = 0; i < (n > whole ? n : whole); i++) {
            if (i == whole)
                put(s, '.');
            put(s, i < n ? digits[i] : '0');
        }
        s->frac_length = n > whole ? n - whole : 0;
    } else {
        whole = 1;
        put(s, '0');
        put(s, '.');
        for (int i = 0; i < -(exponent10 + 1); i++)
            put(s, '0');
        memcpy(s->text + s->length, digits, (size_t)n);
        s->length += n;
        s->frac_length = -(exponent10 + 1) + n;
    }
    s->int_length = whole + f->negative;
    if (trim != TRIM_POINT_AND_ZEROS && s->frac_length == 0)
        put(s, '.');

    int wanted = min_digits < 0 ? 0 : min_digits;
    if (mode == CUTOFF_TOTAL)
        wanted = min_digits - whole;
    if (trim == TRIM_LEAVE_ONE_ZERO && s->frac_length == 0) {
        put(s, '0');
        s->frac_length++;
    } else if (trim == TRIM_NONE) {
        for (; s->frac_length < wanted; s->frac_length++)
            put(s, '0');
    }
    trim_fraction(s, trim, true);
    s->text[s->length] = '\0';
}

/* dragon4_scientific(x, precision, min_digits, unique=True, trim,
 * exp_digits): precision and min_digits count digits after the point. The
 * exponent has at least exp_digits digits (2 if negative). */
static void scientific(const binary_float *f, int precision, int min_digits, trim_mode trim,
                       int exp_digits, laid_out *s)
{
    char digits[DIGITS_MAX];
    int exponent10;
    int n = dragon4(f, CUTOFF_TOTAL, precision < 0 ? -1 : precision + 1,
                    min_digits < 0 ? -1 : min_digits + 1, digits, &exponent10);
    s->length = 0;
    if (f->negative)
        put(s, '-');
    put(s, digits[0]);
    s->int_length = s->length;
    s->frac_length = n - 1;
    if (n > 1 || trim != TRIM_POINT_AND_ZEROS)
        put(s, '.');
    memcpy(s->text + s->length, digits + 1, (size_t)(n - 1));
    s->length += n - 1;

    if (trim == TRIM_LEAVE_ONE_ZERO && s->frac_length == 0) {
        put(s, '0');
        s->frac_length++;
    } else if (trim == TRIM_NONE) {
        for (; s->frac_length < min_digits; s->frac_length++)
            put(s, '0');
    }
    trim_fraction(s, trim, false);

    if (exp_digits < 0)
        exp_digits = 2;
    s->length +=
        snprintf(s->text + s->length, sizeof s->text - (size_t)s->length, "e%c%0*d",
                 exponent10 < 0 ? '-' : '+', exp_digits > 5 ? 5 : exp_digits, abs(exponent10));
}

/* ---- formatters fitted to the printed values ----------------------------------- */

typedef struct {
    nd_dtype dtype;
    bool is_0d;
    // clang-format off
    int int_width;      /* IntegerFormat: the field width */
    /* FloatingFormat */
    bool exp_format;
    int pad_left, pad_right;
    int precision;      /* scientific: digits after the point, for every value */
    int exp_size;       /* scientific: exponent digits */
    // clang-format on
} formatter;

/* Calls visit on each element that will be printed: all of them, or only
 * the first and last EDGE_ITEMS along every long axis of a summarized
 * array (NumPy fits its formatter to _leading_trailing(a) only). */
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

/* IntegerFormat: width = max(len(str(max)), len(str(min))). */
typedef struct {
    nd_dtype dtype;
    int width;
} int_fit;

static int integer_text(nd_dtype dt, const char *element, char *text, size_t size)
{
    if (dt == ND_UINT64) {
        uint64_t v;
        memcpy(&v, element, 8);
        return snprintf(text, size, "%llu", (unsigned long long)v);
    }
    return snprintf(text, size, "%lld", (long long)nd_load_int64(dt, element));
}

static void int_fit_visit(void *context, const char *element)
{
    int_fit *fit = context;
    char text[32];
    int n = integer_text(fit->dtype, element, text, sizeof text);
    if (n > fit->width)
        fit->width = n;
}

/* FloatingFormat, pass 1: the magnitudes choose the notation. */
typedef struct {
    nd_dtype dtype;
    bool any_finite_nonzero, any_nonfinite, negative_inf;
    double max_abs, min_abs;
} float_range;

static void float_range_visit(void *context, const char *element)
{
    float_range *r = context;
    double v = nd_load_double(r->dtype, element);
    if (!isfinite(v)) {
        r->any_nonfinite = true;
        r->negative_inf |= isinf(v) && v < 0;
        return;
    }
    double m = fabs(v);
    if (m == 0)
        return;
    if (!r->any_finite_nonzero || m > r->max_abs)
        r->max_abs = m;
    if (!r->any_finite_nonzero || m < r->min_abs)
        r->min_abs = m;
    r->any_finite_nonzero = true;
}

/* max_val / min_val > 1000 as NumPy evaluates it: divided in the array's
 * dtype (float16 divides in float32 and rounds to half), compared with the
 * Python float 1000. bfloat16 divides as float32. */
static bool ratio_over_1000(nd_dtype dt, double max_abs, double min_abs)
{
    switch (dt) {
    case ND_FLOAT16:
        return nd_half_to_float(nd_float_to_half((float)max_abs / (float)min_abs)) > 1000.0f;
    case ND_FLOAT32:
    case ND_BFLOAT16:
        return (float)max_abs / (float)min_abs > 1000.0f;
    default:
        return max_abs / min_abs > 1000.0;
    }
}

/* FloatingFormat, pass 2: each finite value printed with at most PRECISION
 * digits (after the point, or after the first digit in scientific) sets the
 * widths. */
typedef struct {
    formatter *f;
    bool any_finite;
} float_fit;

static void float_fit_visit(void *context, const char *element)
{
    float_fit *fit = context;
    formatter *f = fit->f;
    binary_float x = decompose(f->dtype, element);
    if (x.nan || x.inf)
        return;
    laid_out s;
    if (f->exp_format) {
        scientific(&x, PRECISION, -1, TRIM_ZEROS, -1, &s);
        const char *e = strchr(s.text, 'e');
        int exp_size = (int)strlen(e + 2);
        if (!fit->any_finite || exp_size > f->exp_size)
            f->exp_size = exp_size;
        if (!fit->any_finite || s.frac_length > f->precision)
            f->precision = s.frac_length;
    } else {
        positional(&x, CUTOFF_FRACTION, PRECISION, -1, TRIM_ZEROS, &s);
        if (!fit->any_finite || s.frac_length > f->pad_right)
            f->pad_right = s.frac_length;
    }
    if (!fit->any_finite || s.int_length > f->pad_left)
        f->pad_left = s.int_length;
    fit->any_finite = true;
}

static void fit_float(formatter *f, const nd_array *a, bool summarize)
{
    float_range r = {.dtype = a->dtype};
    visit_printed(a, summarize, 0, a->data, float_range_visit, &r);
    if (r.any_finite_nonzero)
        f->exp_format =
            r.max_abs >= 1e8 || r.min_abs < 1e-4 || ratio_over_1000(a->dtype, r.max_abs, r.min_abs);
    float_fit fit = {.f = f};
    visit_printed(a, summarize, 0, a->data, float_fit_visit, &fit);
    if (f->exp_format && fit.any_finite) /* sizes nan/inf only */
        f->pad_right = f->exp_size + 2 + f->precision;
    if (r.any_nonfinite) {
        /* "nan", "inf", "-inf" right-aligned in pad_left + 1 + pad_right */
        int offset = f->pad_right + 1;
        int longest = r.negative_inf ? 4 : 3;
        if (longest - offset > f->pad_left)
            f->pad_left = longest - offset;
    }
}

static formatter fit_formatter(const nd_array *a, bool summarize)
{
    formatter f = {.dtype = a->dtype, .is_0d = a->ndim == 0};
    if (nd_dtype_is_integer(a->dtype)) {
        int_fit fit = {a->dtype, 0};
        visit_printed(a, summarize, 0, a->data, int_fit_visit, &fit);
        f.int_width = fit.width;
    } else if (nd_dtype_is_float(a->dtype)) {
        fit_float(&f, a, summarize);
    }
    return f;
}

/* One element as the fitted formatter prints it. */
static void format_element(const formatter *f, const char *element, strbuf *out)
{
    nd_dtype dt = f->dtype;
    if (dt == ND_BOOL) {
        bool v = *(const uint8_t *)element != 0;
        sb_append(out, v ? (f->is_0d ? "True" : " True") : "False");
        return;
    }
    if (nd_dtype_is_integer(dt)) {
        char text[32];
        int n = integer_text(dt, element, text, sizeof text);
        sb_spaces(out, f->int_width - n);
        sb_append(out, text);
        return;
    }
    binary_float x = decompose(dt, element);
    if (x.nan || x.inf) {
        const char *word = x.nan ? "nan" : x.negative ? "-inf" : "inf";
        sb_spaces(out, f->pad_left + f->pad_right + 1 - (int)strlen(word));
        sb_append(out, word);
        return;
    }
    laid_out s;
    if (f->exp_format) {
        /* Every value gets `precision` digits after the point: its own
         * digits rounded there, not zero padding. */
        scientific(&x, f->precision, f->precision, TRIM_NONE, f->exp_size, &s);
        sb_spaces(out, f->pad_left - s.int_length);
        sb_append_n(out, s.text, (size_t)s.length);
    } else {
        /* min_digits = 0: digits down to the units are always printed
         * (float16 38016 prints "38016.", though "38000." would identify
         * it). */
        positional(&x, CUTOFF_FRACTION, PRECISION, 0, TRIM_ZEROS, &s);
        sb_spaces(out, f->pad_left - s.int_length);
        sb_append_n(out, s.text, (size_t)s.length);
        sb_spaces(out, f->pad_right - s.frac_length);
    }
}

/* ---- _formatArray ----------------------------------------------------------------- */

/* The layout streams into `out`. NumPy builds each nested block as a string
 * whose every line starts with the hanging indent and then drops the
 * indent of the first line; streaming writes the first line's indent never
 * and counts it in the line length all the same. */
typedef struct {
    const nd_array *a;
    const formatter *f;
    // clang-format off
    const char *separator;     /* ", " for repr, " " for str */
    int separator_stripped;    /* its length without trailing spaces */
    bool summarize;
    strbuf *out;
    strbuf word;               /* scratch for one element */
    // clang-format on
} layout;

/* _extendLine: put word on the current line, first breaking the line if
 * the word would pass `width` -- unless the line holds only the indent, as
 * wrapping would not help. */
static void extend_line(layout *L, int *line_length, const char *word, int length, int width,
                        int indent)
{
    if (*line_length + length > width && *line_length > indent) {
        while (L->out->length > 0 && L->out->text[L->out->length - 1] == ' ')
            L->out->length--; /* line.rstrip() */
        sb_append(L->out, "\n");
        sb_spaces(L->out, indent);
        *line_length = indent;
    }
    sb_append_n(L->out, word, (size_t)length);
    *line_length += length;
}

static void add_separator(layout *L, int *line_length)
{
    sb_append(L->out, L->separator);
    *line_length += (int)strlen(L->separator);
}

/* The last axis: elements separated and wrapped at `width`. */
static void format_row(layout *L, const char *data, int indent, int width)
{
    const nd_array *a = L->a;
    int axis = a->ndim - 1;
    int64_t n = a->shape[axis];
    bool summary = L->summarize && n > 2 * EDGE_ITEMS;
    /* Room for the separator or the closing bracket after each element. */
    int element_width = width - (L->separator_stripped > 1 ? L->separator_stripped : 1);
    int line_length = indent;
    for (int64_t i = 0; i < n; i++) {
        if (summary && i == EDGE_ITEMS) {
            extend_line(L, &line_length, "...", 3, element_width, indent);
            add_separator(L, &line_length);
            i = n - EDGE_ITEMS;
        }
        L->word.length = 0;
        format_element(L->f, data + i * a->strides[axis], &L->word);
        if (L->word.failed) {
            L->out->failed = true;
            return;
        }
        extend_line(L, &line_length, L->word.text, (int)L->word.length, element_width, indent);
        if (i < n - 1)
            add_separator(L, &line_length);
    }
}

/* One nested block "[...]" along `axis`, its lines after the first
 * starting with `indent` spaces. */
static void format_block(layout *L, int axis, const char *data, int indent, int width)
{
    const nd_array *a = L->a;
    sb_append(L->out, "[");
    if (axis == a->ndim - 1) {
        format_row(L, data, indent, width);
        sb_append(L->out, "]");
        return;
    }
    int64_t n = a->shape[axis];
    bool summary = L->summarize && n > 2 * EDGE_ITEMS;
    int blank_lines = a->ndim - axis - 2; /* between 2-D blocks and up */
    for (int64_t i = 0; i < n; i++) {
        if (i > 0)
            sb_spaces(L->out, indent);
        if (summary && i == EDGE_ITEMS) {
            sb_append(L->out, "...");
            sb_append_n(L->out, L->separator, (size_t)L->separator_stripped);
            sb_append(L->out, "\n");
            for (int k = 0; k < blank_lines; k++)
                sb_append(L->out, "\n");
            sb_spaces(L->out, indent);
            i = n - EDGE_ITEMS;
        }
        format_block(L, axis + 1, data + i * a->strides[axis], indent + 1, width - 1);
        if (i < n - 1) {
            sb_append_n(L->out, L->separator, (size_t)L->separator_stripped);
            sb_append(L->out, "\n");
            for (int k = 0; k < blank_lines; k++)
                sb_append(L->out, "\n");
        }
    }
    sb_append(L->out, "]");
}

/* array2string(a, separator, prefix) with linewidth `width`, appended to
 * out: "[]" for empty arrays, the bare element for 0-d ones. */
static void array_body(const nd_array *a, const char *separator, int prefix_length, int width,
                       strbuf *out)
{
    int64_t size = nd_size(a);
    if (size == 0) {
        sb_append(out, "[]");
        return;
    }
    bool summarize = size > THRESHOLD;
    formatter f = fit_formatter(a, summarize);
    if (a->ndim == 0) {
        format_element(&f, a->data, out);
        return;
    }
    int stripped = (int)strlen(separator);
    while (stripped > 0 && separator[stripped - 1] == ' ')
        stripped--;
    layout L = {a, &f, separator, stripped, summarize, out, {0}};
    /* The hanging indent skips "[" and the prefix ("array("). */
    format_block(&L, 0, a->data, 1 + prefix_length, width);
    free(L.word.text);
}

/* ---- repr, str, print -------------------------------------------------------------- */

/* float64, int64 and bool are what NumPy infers from Python floats, ints
 * and bools, so repr leaves their dtype out. */
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
    static const char prefix[] = "array(";
    bool skip_dtype = dtype_is_implied(a->dtype) && nd_size(a) > 0;
    const char *suffix = skip_dtype ? ")" : ",";
    strbuf out = {0};
    sb_append(&out, prefix);
    if (nd_size(a) > 0 || (a->ndim == 1 && a->shape[0] == 0)) {
        array_body(a, ", ", (int)strlen(prefix), LINE_WIDTH - (int)strlen(suffix), &out);
    } else {
        char shape[ND_SHAPE_STR_MAX];
        sb_append(&out, "[], shape=");
        sb_append(&out, nd_format_shape(shape, a->ndim, a->shape));
    }
    sb_append(&out, suffix);
    if (!skip_dtype && !out.failed) {
        char dtype[32];
        snprintf(dtype, sizeof dtype, "dtype=%s)", nd_dtype_name(a->dtype));
        const char *newline = strrchr(out.text, '\n');
        size_t last_line = out.length - (newline ? (size_t)(newline + 1 - out.text) : 0);
        /* The dtype moves to its own line if it would pass the width. */
        if (last_line + 1 + strlen(dtype) > LINE_WIDTH) {
            sb_append(&out, "\n");
            sb_spaces(&out, (int)strlen(prefix));
        } else {
            sb_append(&out, " ");
        }
        sb_append(&out, dtype);
    }
    return sb_finish(&out, "repr");
}

/* str() of a 0-d array is str() of its scalar: floats print their shortest
 * digits, positionally with at least one fraction digit when 1e-4 <= |x| <
 * 1e16 or x == 0 ("5.0", "0.1", "-0.0"), else in scientific notation
 * without a bare point ("1e-05", "1.5e+16"). */
static void scalar_str(const nd_array *a, strbuf *out)
{
    nd_dtype dt = a->dtype;
    if (!nd_dtype_is_float(dt)) {
        formatter f = {.dtype = dt, .is_0d = true};
        format_element(&f, a->data, out);
        return;
    }
    binary_float x = decompose(dt, a->data);
    if (x.nan || x.inf) {
        sb_append(out, x.nan ? "nan" : x.negative ? "-inf" : "inf");
        return;
    }
    double m = fabs(nd_load_double(dt, a->data));
    laid_out s;
    if (m == 0 || (m >= 1e-4 && m < 1e16))
        positional(&x, CUTOFF_TOTAL, -1, -1, TRIM_LEAVE_ONE_ZERO, &s);
    else
        scientific(&x, -1, -1, TRIM_POINT_AND_ZEROS, -1, &s);
    sb_append_n(out, s.text, (size_t)s.length);
}

char *nd_str(const nd_array *a)
{
    if (!a) {
        nd_set_error(ND_ERR_VALUE, "str: array is NULL");
        return NULL;
    }
    strbuf out = {0};
    if (a->ndim == 0)
        scalar_str(a, &out);
    else
        array_body(a, " ", 0, LINE_WIDTH, &out);
    return sb_finish(&out, "str");
}

int nd_fprint(FILE *stream, const nd_array *a)
{
    if (!stream)
        return nd_set_error(ND_ERR_VALUE, "print: stream is NULL");
    char *text = nd_repr(a);
    if (!text)
        return nd_last_status();
    int status =
        fprintf(stream, "%s\n", text) < 0 ? nd_set_error(ND_ERR_IO, "print: write failed") : 0;
    free(text);
    return status;
}

int nd_print(const nd_array *a) { return nd_fprint(stdout, a); }
