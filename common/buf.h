#ifndef PF_BUF_H
#define PF_BUF_H

/*
 * NAME
 *	buf 3 - growable, always NUL-terminated byte string (a small VSTRING)
 * SYNOPSIS
 *	#include "buf.h"
 *	BUF *buf_alloc(size_t hint);  void buf_free(BUF *);
 *	void buf_reset(BUF *);  void buf_truncate(BUF *, size_t len);
 *	void buf_append(BUF *, const void *data, size_t len);
 *	void buf_puts(BUF *, const char *s);  void buf_putc(BUF *, int c);
 *	void buf_printf(BUF *, const char *fmt, ...);	appends
 *	void buf_sprintf(BUF *, const char *fmt, ...);	replaces
 *	char *buf_str(BUF *);  size_t buf_len(BUF *);
 * DESCRIPTION
 *	Data may contain NUL bytes; buf_str() is always terminated.
 */
#include <stdarg.h>
#include <stddef.h>

typedef struct BUF {
    char   *data;
    size_t  len;
    size_t  size;
} BUF;

BUF    *buf_alloc(size_t);
void    buf_free(BUF *);
void    buf_reset(BUF *);
void    buf_truncate(BUF *, size_t);
void    buf_append(BUF *, const void *, size_t);
void    buf_puts(BUF *, const char *);
void    buf_putc(BUF *, int);
void    buf_vprintf(BUF *, const char *, va_list);
void    buf_printf(BUF *, const char *,...) __attribute__((format(printf, 2, 3)));
void    buf_sprintf(BUF *, const char *,...) __attribute__((format(printf, 2, 3)));

#define buf_str(b) ((b)->data)
#define buf_len(b) ((b)->len)

#endif
