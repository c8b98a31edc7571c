/*
 * shannon sample --attention FILE.svg: one heat map per layer and head of
 * the prompt's attention probabilities (transformer_attention_maps, the
 * model's own forward), queries down, keys across, each labelled with its
 * token. Written whole with nd_write_atomic, like loss.svg.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
static int utf8_length(const unsigned char *s, size_t n)
{
    int len = s[0] < 0x80         ? 1
              : (s[0] >> 5) == 6  ? 2
              : (s[0] >> 4) == 14 ? 3
              : (s[0] >> 3) == 30 ? 4
                                  : 0;
    if (len == 0 || (size_t)len > n)
        return 0;
    for (int i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* A token's text as an SVG label: XML's five specials escaped, a space
 * shown as '␣', a newline as '\n', other control bytes and bytes of an
 * incomplete UTF-8 sequence (a BPE token may hold half a character) as
 * <xx> in hex. */
static void write_label(FILE *f, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        int n = utf8_length(s + i, len - i);
        unsigned char c = s[i];
        if (n == 0 || (n == 1 && c < 0x20) || c == 0x7F) {
            fprintf(f, c == '\n' ? "\\n" : c == '\t' ? "\\t" : "&lt;%02X&gt;", c);
            i++;
            continue;
        }
        if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c == '&')
            fputs("&amp;", f);
        else if (c == '"')
            fputs("&quot;", f);
        else if (c == '\'')
            fputs("&apos;", f);
        else if (c == ' ')
            fputs("\xE2\x90\xA3", f); /* U+2423 OPEN BOX */
        else
            fwrite(s + i, 1, (size_t)n, f);
        i += (size_t)n;
    }
}

/* The maps (L, 1, H, T, T) as SVG text on f: a grid of L rows (layers) by
 * H columns (heads); each map has T x T cells, white (0) to dark blue (1). */
static void write_maps(FILE *f, const nd_array *maps, const tok_tokenizer *tok, const int32_t *ids)
{
    const int64_t L = nd_shape(maps)[0], H = nd_shape(maps)[2], T = nd_shape(maps)[3];
    const double cell = T <= 16 ? 18 : T <= 48 ? 10 : 5, margin = 70, gap = 30;
    const double side = (double)T * cell, width = (double)H * (side + margin + gap) + gap;
    const double height = (double)L * (side + margin + gap) + gap + 20;
    const float *p = nd_data(maps);
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
            "font-family=\"monospace\" font-size=\"%g\">\n",
            width, height, cell < 10 ? 6.0 : 10.0);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f,
            "<text x=\"%g\" y=\"16\" font-family=\"sans-serif\" font-size=\"14\">shannon sample: "
            "attention of %lld layers x %lld heads over %lld tokens (row: query, column: key)</text>\n",
            gap, (long long)L, (long long)H, (long long)T);
    for (int64_t l = 0; l < L; l++)
        for (int64_t h = 0; h < H; h++) {
            double x0 = gap + (double)h * (side + margin + gap) + margin;
            double y0 = 20 + gap + (double)l * (side + margin + gap) + margin;
            fprintf(f, "<g class=\"map\" data-layer=\"%lld\" data-head=\"%lld\">\n", (long long)l,
                    (long long)h);
            fprintf(f,
                    "<text x=\"%g\" y=\"%g\" font-family=\"sans-serif\">layer %lld, head %lld"
                    "</text>\n",
                    x0 - margin, y0 - margin + 12, (long long)l, (long long)h);
            for (int64_t t = 0; t < T; t++) {
                char *text = NULL;
                size_t len = 0;
                if (tok_decode(tok, ids + t, 1, &text, &len) < 0)
                    len = 0;
                /* the query down the left, the key along the top (turned) */
                fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">", x0 - 3,
                        y0 + ((double)t + 0.75) * cell);
                write_label(f, text, len);
                fprintf(f, "</text><text transform=\"translate(%g,%g) rotate(-90)\">",
                        x0 + ((double)t + 0.75) * cell, y0 - 3);
                write_label(f, text, len);
                fprintf(f, "</text>\n");
                free(text);
            }
            for (int64_t t = 0; t < T; t++)
                for (int64_t s = 0; s < T; s++) {
                    double w = p[((l * H + h) * T + t) * T + s];
                    int shade = (int)(255 * (1 - w) + 0.5);
                    fprintf(f,
                            "<rect class=\"cell\" x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" "
                            "fill=\"rgb(%d,%d,%d)\"><title>%.3f</title></rect>\n",
                            x0 + (double)s * cell, y0 + (double)t * cell, cell, cell, shade, shade,
                            128 + shade / 2, w);
                }
            fprintf(f,
                    "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
                    "stroke=\"gray\"/>\n</g>\n",
                    x0, y0, side, side);
        }
    fprintf(f, "</svg>\n");
}

int write_attention_svg(const char *command, const char *path, transformer_model *model,
                        const tok_tokenizer *tok, const int32_t *ids, int64_t n)
{
    int64_t block = transformer_get_config(model)->block_size;
    if (n > block) { /* the last block of the prompt, as generation sees it */
        ids += n - block;
        n = block;
    }
    nd_array *idx = nd_from_data(ND_INT32, 2, (const int64_t[]){1, n}, ids);
    nd_array *maps = idx ? transformer_attention_maps(model, idx) : NULL;
    nd_free(idx);
    if (!maps) {
        fprintf(stderr, "shannon %s: %s\n", command, nd_last_error());
        return -1;
    }
    char *svg = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&svg, &len);
    if (f) {
        write_maps(f, maps, tok, ids);
        if (fclose(f) != 0) {
            free(svg);
            svg = NULL;
        }
    }
    nd_free(maps);
    if (!svg) {
        fprintf(stderr, "shannon %s: out of memory\n", command);
        return -1;
    }
    int status = nd_write_atomic(path, svg, len);
    free(svg);
    if (status < 0)
        fprintf(stderr, "shannon %s: %s\n", command, nd_last_error());
    return status < 0 ? -1 : 0;
}
