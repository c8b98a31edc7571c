/* Progress on stderr, loss.csv and the loss curve. */
#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void progress_start(progress *p, int64_t first, int64_t total)
{
    p->total = total;
    p->start_time = now_seconds();
    p->terminal = isatty(STDERR_FILENO);
    p->last_printed = first - 1;
    p->quiet = false;
}

static void format_eta(char *buf, size_t n, double seconds)
{
    if (!isfinite(seconds) || seconds < 0)
        snprintf(buf, n, "--:--");
    else if (seconds >= 3600)
        snprintf(buf, n, "%d:%02d:%02d", (int)seconds / 3600, (int)seconds / 60 % 60,
                 (int)seconds % 60);
    else
        snprintf(buf, n, "%02d:%02d", (int)seconds / 60, (int)seconds % 60);
}

/* On a terminal one line is redrawn in place: a bar, the iteration, loss,
 * tokens/s and the time left. Otherwise (a log file, a pipe) a plain line
 * every 10 iterations and at the end, so logs stay readable. */
void progress_update(progress *p, int64_t it, double loss, double tokens_per_s)
{
    if (p->quiet)
        return;
    int64_t done = it + 1;
    double elapsed = now_seconds() - p->start_time;
    int64_t since = done - (p->last_printed + 1);
    (void)since;
    double rate = elapsed > 0 ? (double)(done) / elapsed : 0;
    char eta[32];
    format_eta(eta, sizeof eta, rate > 0 ? (double)(p->total - done) / rate : NAN);
    if (p->terminal) {
        const int width = 28;
        int filled = p->total > 0 ? (int)(width * done / p->total) : width;
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < filled ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r[%s] %lld/%lld loss %.4f  %.0f tok/s  ETA %s \033[K", bar,
                (long long)done, (long long)p->total, loss, tokens_per_s, eta);
        fflush(stderr);
    } else if (done % 10 == 0 || done == p->total) {
        fprintf(stderr, "iter %lld/%lld loss %.4f %.0f tok/s eta %s\n", (long long)done,
                (long long)p->total, loss, tokens_per_s, eta);
    }
    p->last_printed = it;
}

void progress_note(progress *p, const char *fmt, ...)
{
    if (p->quiet)
        return;
    if (p->terminal)
        fputs("\r\033[K", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void progress_finish(progress *p)
{
    if (p->terminal && !p->quiet)
        fputc('\n', stderr);
}

int write_loss_csv(const char *path, const loss_row *rows, int64_t n)
{
    size_t cap = 64 + (size_t)n * 96, len = 0;
    char *text = malloc(cap);
    if (!text)
        return -1;
    len += (size_t)snprintf(text, cap, "iter,train_loss,val_loss,lr\n");
    for (int64_t i = 0; i < n; i++) {
        char val[32] = "";
        if (!isnan(rows[i].val_loss))
            snprintf(val, sizeof val, "%.6f", rows[i].val_loss);
        len += (size_t)snprintf(text + len, cap - len, "%lld,%.6f,%s,%.8g\n",
                                (long long)rows[i].iter, rows[i].train_loss, val, rows[i].lr);
    }
    int status = nd_write_atomic(path, text, len);
    free(text);
    return status;
}

int read_loss_csv(const char *path, loss_row **rows, int64_t *n)
{
    *rows = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    int64_t cap = 0;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        loss_row r = {0, NAN, NAN, NAN};
        char *p = line, *end;
        r.iter = strtoll(p, &end, 10);
        if (*end != ',')
            break;
        r.train_loss = strtod(end + 1, &end);
        if (*end != ',')
            break;
        p = end + 1;
        if (*p != ',')
            r.val_loss = strtod(p, &end), p = end;
        if (*p != ',')
            break;
        r.lr = strtod(p + 1, NULL);
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            loss_row *grown = realloc(*rows, (size_t)cap * sizeof **rows);
            if (!grown) {
                fclose(f);
                return -1;
            }
            *rows = grown;
        }
        (*rows)[(*n)++] = r;
    }
    fclose(f);
    return 0;
}

/* A plain SVG line chart: train loss (blue) and validation loss (orange,
 * at the iterations it was measured) against the iteration. */
int write_loss_svg(const char *path, const loss_row *rows, int64_t n)
{
    const double W = 720, H = 420, left = 60, right = 20, top = 30, bottom = 45;
    double lo = INFINITY, hi = -INFINITY, max_iter = 1;
    for (int64_t i = 0; i < n; i++) {
        double v[2] = {rows[i].train_loss, rows[i].val_loss};
        for (int k = 0; k < 2; k++)
            if (isfinite(v[k])) {
                lo = v[k] < lo ? v[k] : lo;
                hi = v[k] > hi ? v[k] : hi;
            }
        max_iter = (double)rows[i].iter > max_iter ? (double)rows[i].iter : max_iter;
    }
    if (!(hi > lo)) {
        lo = isfinite(lo) ? lo - 1 : 0;
        hi = lo + 2;
    }
    size_t cap = 4096 + (size_t)n * 64, len = 0;
    char *s = malloc(cap);
    if (!s)
        return -1;
#define OUT(...) (len += (size_t)snprintf(s + len, cap - len, __VA_ARGS__))
    OUT("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
        "font-family=\"sans-serif\" font-size=\"12\">\n",
        W, H);
    OUT("<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    OUT("<text x=\"%g\" y=\"18\" font-size=\"14\">shannon train: loss</text>\n", left);
    double px0 = left, px1 = W - right, py0 = H - bottom, py1 = top;
    OUT("<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"black\"/>\n", px0, py0, px1, py0);
    OUT("<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"black\"/>\n", px0, py0, px0, py1);
    for (int k = 0; k <= 4; k++) {
        double v = lo + (hi - lo) * k / 4, y = py0 + (py1 - py0) * k / 4;
        OUT("<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%.2f</text>\n", px0 - 6, y + 4, v);
        double it = max_iter * k / 4, x = px0 + (px1 - px0) * k / 4;
        OUT("<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%.0f</text>\n", x, py0 + 18, it);
    }
    OUT("<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">iteration</text>\n", (px0 + px1) / 2, H - 8);
    const char *colors[2] = {"#1f77b4", "#ff7f0e"}, *labels[2] = {"train", "val"};
    for (int k = 0; k < 2; k++) {
        OUT("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", colors[k]);
        for (int64_t i = 0; i < n; i++) {
            double v = k == 0 ? rows[i].train_loss : rows[i].val_loss;
            if (!isfinite(v))
                continue;
            double x = px0 + (px1 - px0) * (double)rows[i].iter / max_iter;
            double y = py0 + (py1 - py0) * (v - lo) / (hi - lo);
            if (len + 64 > cap) {
                cap *= 2;
                char *grown = realloc(s, cap);
                if (!grown) {
                    free(s);
                    return -1;
                }
                s = grown;
            }
            OUT("%.1f,%.1f ", x, y);
        }
        OUT("\"/>\n");
        OUT("<text x=\"%g\" y=\"%g\" fill=\"%s\">%s</text>\n", px1 - 60, py1 + 16 + 16 * k,
            colors[k], labels[k]);
    }
    OUT("</svg>\n");
#undef OUT
    int status = nd_write_atomic(path, s, len);
    free(s);
    return status;
}
