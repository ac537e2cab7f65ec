#ifndef PF_HASH64_H
#define PF_HASH64_H

/*
 * NAME
 *	hash64 3 - a 64-bit string hash for in-memory tables
 * SYNOPSIS
 *	#include "hash64.h"
 *	uint64_t hash64_str(const char *s);
 * DESCRIPTION
 *	FNV-1a over the bytes of s, then the splitmix64 finalizer, so that
 *	every output bit depends on every input byte (FNV alone leaves the
 *	low bits weak for short keys). Not for anything an attacker may
 *	aim collisions at.
 */
#include <stdint.h>

uint64_t hash64_str(const char *);

#endif
