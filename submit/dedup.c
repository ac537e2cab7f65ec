/*
 * NAME
 *	dedup 3 - set of normalized addresses in constant-ish memory
 * SYNOPSIS
 *	#include "dedup.h"
 * DESCRIPTION
 *	See dedup.h. FNV-1a 64 followed by the splitmix64 finalizer
 *	(FNV alone clusters on addresses that differ in the last octet),
 *	linear probing, doubling at 75 % load.
 */

/* System library. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Project library. */
#include "mem.h"
#include "hash64.h"

/* Application-specific. */
#include "dedup.h"

struct SUB_DEDUP {
    uint64_t *slot;			/* 0 = empty */
    size_t  size;			/* power of two */
    size_t  count;
};

/* sub_dedup_hash - 64-bit hash, never 0 */

static uint64_t sub_dedup_hash(const char *key)
{
    uint64_t h = hash64_str(key);

    return (h ? h : 1);
}

/* sub_dedup_create - empty set */

SUB_DEDUP *sub_dedup_create(void)
{
    SUB_DEDUP *d = xcalloc(1, sizeof(*d));

    d->size = 1024;
    d->slot = xcalloc(d->size, sizeof(uint64_t));
    return (d);
}

/* sub_dedup_find - slot of h, or the empty slot where it would go */

static size_t sub_dedup_find(SUB_DEDUP *d, uint64_t h)
{
    size_t  i = (size_t) h & (d->size - 1);

    while (d->slot[i] != 0 && d->slot[i] != h)
	i = (i + 1) & (d->size - 1);
    return (i);
}

/* sub_dedup_grow - double the table */

static void sub_dedup_grow(SUB_DEDUP *d)
{
    uint64_t *old = d->slot;
    size_t  old_size = d->size;

    d->size *= 2;
    d->slot = xcalloc(d->size, sizeof(uint64_t));
    for (size_t i = 0; i < old_size; i++)
	if (old[i])
	    d->slot[sub_dedup_find(d, old[i])] = old[i];
    free(old);
}

/* sub_dedup_add - 1 = new, 0 = seen */

int     sub_dedup_add(SUB_DEDUP *d, const char *key)
{
    uint64_t h = sub_dedup_hash(key);
    size_t  i;

    if ((d->count + 1) * 4 > d->size * 3)
	sub_dedup_grow(d);
    i = sub_dedup_find(d, h);
    if (d->slot[i] == h)
	return (0);
    d->slot[i] = h;
    d->count++;
    return (1);
}

/* sub_dedup_has - membership */

int     sub_dedup_has(SUB_DEDUP *d, const char *key)
{
    uint64_t h = sub_dedup_hash(key);

    return (d->slot[sub_dedup_find(d, h)] == h);
}

/* sub_dedup_count - members */

size_t  sub_dedup_count(SUB_DEDUP *d)
{
    return (d->count);
}

/* sub_dedup_free - release */

void    sub_dedup_free(SUB_DEDUP *d)
{
    if (d) {
	free(d->slot);
	free(d);
    }
}
