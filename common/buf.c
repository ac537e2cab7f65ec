/*
 * NAME
 *	buf 3 - growable, always NUL-terminated byte string
 * DESCRIPTION
 *	See buf.h. Every string built from network or file input in
 *	postbulk goes through this type instead of fixed arrays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"
#include "buf.h"

/* buf_space - make room for len more bytes plus the terminator */

static void buf_space(BUF *b, size_t len)
{
    size_t  need;

    if (len > ((size_t) -1) / 2 - b->len)
	log_panic("buf_space: length overflow");
    need = b->len + len + 1;
    if (need <= b->size)
	return;
    while (b->size < need)
	b->size = b->size ? b->size * 2 : 64;
    b->data = xrealloc(b->data, b->size);
}

BUF    *buf_alloc(size_t hint)
{
    BUF    *b = xcalloc(1, sizeof(*b));

    b->size = hint < 16 ? 16 : hint;
    b->data = xmalloc(b->size);
    b->data[0] = 0;
    return (b);
}

void    buf_free(BUF *b)
{
    if (b) {
	free(b->data);
	free(b);
    }
}

void    buf_reset(BUF *b)
{
    b->len = 0;
    b->data[0] = 0;
}

void    buf_truncate(BUF *b, size_t len)
{
    if (len < b->len) {
	b->len = len;
	b->data[len] = 0;
    }
}

void    buf_append(BUF *b, const void *data, size_t len)
{
    if (len == 0)				/* data may be NULL then */
	return;
    buf_space(b, len);
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
}

void    buf_puts(BUF *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void    buf_putc(BUF *b, int c)
{
    char    ch = (char) c;

    buf_append(b, &ch, 1);
}

void    buf_vprintf(BUF *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int     n;

    va_copy(ap2, ap);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    n = vsnprintf(b->data + b->len, b->size - b->len, fmt, ap2);
    va_end(ap2);
    if (n < 0)
	log_panic("buf_vprintf: bad format \"%s\"", fmt);
    if ((size_t) n >= b->size - b->len) {
	buf_space(b, (size_t) n);
	vsnprintf(b->data + b->len, b->size - b->len, fmt, ap);
    }
#pragma GCC diagnostic pop
    b->len += (size_t) n;
}

void    buf_printf(BUF *b, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void    buf_sprintf(BUF *b, const char *fmt,...)
{
    va_list ap;

    buf_reset(b);
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}
