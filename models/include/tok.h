/* tok.h: tokenizers (being written). */
#ifndef TOK_H
#define TOK_H
#endif
