/*
 * NAME
 *	pol_htab 3 - string-keyed hash table for policyd's in-memory state
 * DESCRIPTION
 *	See pol_htab.h.
 */

/* System library. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Project library. */
#include "mem.h"

/* Application-specific. */
#include "pol_htab.h"

typedef struct HT_SLOT {
    char   *key;
    uint32_t hash;
    void   *value;
} HT_SLOT;

struct POL_HTAB {
    HT_SLOT *slot;
    size_t  size;			/* power of two */
    size_t  used;
};

/* ht_hash - FNV-1a */

static uint32_t ht_hash(const char *s)
{
    uint32_t h = 2166136261u;

    while (*s) {
	h ^= (unsigned char) *s++;
	h *= 16777619u;
    }
    return (h);
}

/* pol_htab_create - empty table */

POL_HTAB *pol_htab_create(void)
{
    POL_HTAB *h = xcalloc(1, sizeof(*h));

    h->size = 64;
    h->slot = xcalloc(h->size, sizeof(HT_SLOT));
    return (h);
}

/* ht_probe - slot of key, or the empty slot where it belongs */

static HT_SLOT *ht_probe(HT_SLOT *slot, size_t size, const char *key,
			         uint32_t hash)
{
    size_t  i = hash & (size - 1);

    while (slot[i].key) {
	if (slot[i].hash == hash && strcmp(slot[i].key, key) == 0)
	    break;
	i = (i + 1) & (size - 1);
    }
    return (slot + i);
}

/* pol_htab_find - value or NULL */

void   *pol_htab_find(POL_HTAB *h, const char *key)
{
    HT_SLOT *sp = ht_probe(h->slot, h->size, key, ht_hash(key));

    return (sp->key ? sp->value : 0);
}

/* pol_htab_enter - insert or replace */

void    pol_htab_enter(POL_HTAB *h, const char *key, void *value)
{
    uint32_t hash = ht_hash(key);
    HT_SLOT *sp;

    if (2 * (h->used + 1) > h->size) {
	size_t  nsize = h->size * 2;
	HT_SLOT *nslot = xcalloc(nsize, sizeof(HT_SLOT));

	for (size_t i = 0; i < h->size; i++)
	    if (h->slot[i].key)
		*ht_probe(nslot, nsize, h->slot[i].key, h->slot[i].hash) = h->slot[i];
	free(h->slot);
	h->slot = nslot;
	h->size = nsize;
    }
    sp = ht_probe(h->slot, h->size, key, hash);
    if (sp->key == 0) {
	sp->key = xstrdup(key);
	sp->hash = hash;
	h->used++;
    }
    sp->value = value;
}

/* pol_htab_size - number of keys */

size_t  pol_htab_size(POL_HTAB *h)
{
    return (h->used);
}

/* pol_htab_walk - call fn for every entry */

void    pol_htab_walk(POL_HTAB *h, void (*fn) (const char *, void *, void *),
		              void *ctx)
{
    for (size_t i = 0; i < h->size; i++)
	if (h->slot[i].key)
	    fn(h->slot[i].key, h->slot[i].value, ctx);
}

/* pol_htab_free - destroy */

void    pol_htab_free(POL_HTAB *h, void (*fn) (void *))
{
    if (h == 0)
	return;
    for (size_t i = 0; i < h->size; i++) {
	if (h->slot[i].key) {
	    free(h->slot[i].key);
	    if (fn)
		fn(h->slot[i].value);
	}
    }
    free(h->slot);
    free(h);
}
