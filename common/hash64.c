/*
 * NAME
 *	hash64 3 - a 64-bit string hash for in-memory tables
 * DESCRIPTION
 *	See hash64.h. Used by submit's duplicate set and policyd's
 *	suppression filter.
 */
#include <stdint.h>

#include "hash64.h"

uint64_t hash64_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
	h ^= *p;
	h *= 0x100000001b3ULL;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return (h);
}
