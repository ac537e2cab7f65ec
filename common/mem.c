/*
 * NAME
 *	mem 3 - allocators that never return NULL
 * DESCRIPTION
 *	See mem.h. Callers never check for NULL; memory exhaustion is
 *	an unusable environment, reported once and fatal.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mem.h"

void   *xmalloc(size_t n)
{
    void   *p = malloc(n ? n : 1);

    if (p == 0)
	log_fatal("out of memory allocating %zu bytes", n);
    return (p);
}

void   *xcalloc(size_t n, size_t m)
{
    void   *p = calloc(n ? n : 1, m ? m : 1);

    if (p == 0)
	log_fatal("out of memory allocating %zu x %zu bytes", n, m);
    return (p);
}

void   *xrealloc(void *p, size_t n)
{
    void   *q = realloc(p, n ? n : 1);

    if (q == 0)
	log_fatal("out of memory reallocating %zu bytes", n);
    return (q);
}

char   *xstrdup(const char *s)
{
    return (xstrndup(s, strlen(s)));
}

char   *xstrndup(const char *s, size_t n)
{
    size_t  len = strnlen(s, n);
    char   *p = xmalloc(len + 1);

    memcpy(p, s, len);
    p[len] = 0;
    return (p);
}
