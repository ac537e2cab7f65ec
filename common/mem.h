#ifndef PF_MEM_H
#define PF_MEM_H

/*
 * NAME
 *	mem 3 - allocators that never return NULL
 * SYNOPSIS
 *	#include "mem.h"
 *	void *xmalloc(size_t n); void *xcalloc(size_t n, size_t m);
 *	void *xrealloc(void *p, size_t n); char *xstrdup(const char *s);
 *	char *xstrndup(const char *s, size_t n);
 * DIAGNOSTICS
 *	Out of memory is fatal (log_fatal), as in Postfix's mymalloc.
 */
#include <stddef.h>

void   *xmalloc(size_t);
void   *xcalloc(size_t, size_t);
void   *xrealloc(void *, size_t);
char   *xstrdup(const char *);
char   *xstrndup(const char *, size_t);

#endif
