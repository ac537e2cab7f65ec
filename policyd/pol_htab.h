#ifndef PF_POL_HTAB_H
#define PF_POL_HTAB_H

/*
 * NAME
 *	pol_htab 3 - string-keyed hash table for policyd's in-memory state
 * SYNOPSIS
 *	#include "pol_htab.h"
 *	POL_HTAB *pol_htab_create(void);
 *	void *pol_htab_find(POL_HTAB *h, const char *key);
 *	void pol_htab_enter(POL_HTAB *h, const char *key, void *value);
 *	size_t pol_htab_size(POL_HTAB *h);
 *	void pol_htab_walk(POL_HTAB *h, void (*fn)(const char *, void *, void *),
 *			   void *ctx);
 *	void pol_htab_free(POL_HTAB *h, void (*fn)(void *));
 * DESCRIPTION
 *	Open addressing, linear probing, FNV-1a, doubled at 50 % load.
 *	Keys are copied; values are the caller's (fn frees them, may be
 *	NULL). pol_htab_enter() replaces the value of an existing key.
 *	No deletion: policyd drops a whole table at once (day change).
 */
#include <stddef.h>

typedef struct POL_HTAB POL_HTAB;

POL_HTAB *pol_htab_create(void);
void   *pol_htab_find(POL_HTAB *, const char *);
void    pol_htab_enter(POL_HTAB *, const char *, void *);
size_t  pol_htab_size(POL_HTAB *);
void    pol_htab_walk(POL_HTAB *, void (*) (const char *, void *, void *), void *);
void    pol_htab_free(POL_HTAB *, void (*) (void *));

#endif
