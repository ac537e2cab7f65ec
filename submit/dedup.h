#ifndef PF_DEDUP_H
#define PF_DEDUP_H

/*
 * NAME
 *	dedup 3 - set of normalized addresses in constant-ish memory
 * SYNOPSIS
 *	#include "dedup.h"
 *	SUB_DEDUP *sub_dedup_create(void);
 *	int sub_dedup_add(SUB_DEDUP *d, const char *key);
 *	int sub_dedup_has(SUB_DEDUP *d, const char *key);
 *	size_t sub_dedup_count(SUB_DEDUP *d);
 *	void sub_dedup_free(SUB_DEDUP *d);
 * DESCRIPTION
 *	Keeps a 64-bit hash of each key in an open-addressing table
 *	(8 octets per slot, load <= 0.75): one million addresses take
 *	16 MiB. Two different addresses collide with probability about
 *	n^2 / 2^65 (3e-8 for a million), which would make the later one
 *	look like a duplicate; the report says so for that row, and
 *	policyd's duplicate guard is exact.
 *	sub_dedup_add() returns 1 when key is new, 0 when seen before.
 */
#include <stddef.h>

typedef struct SUB_DEDUP SUB_DEDUP;

SUB_DEDUP *sub_dedup_create(void);
int     sub_dedup_add(SUB_DEDUP *, const char *);
int     sub_dedup_has(SUB_DEDUP *, const char *);
size_t  sub_dedup_count(SUB_DEDUP *);
void    sub_dedup_free(SUB_DEDUP *);

#endif
