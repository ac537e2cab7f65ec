#ifndef PF_MLT_IDS_H
#define PF_MLT_IDS_H

/*
 * NAME
 *	mlt_ids 3 - postbulk message ids and scheduled times
 * SYNOPSIS
 *	#include "mlt_ids.h"
 *	void mlt_msgid_new(char *buf, size_t len);
 *	int mlt_parse_time(const char *text, time_t *when);
 * DESCRIPTION
 *	mlt_msgid_new() makes a new message id: lowercase base32 of the
 *	time (7 characters), the process id (5) and a per-process counter
 *	(5), e.g. "1n5c2wa00k7x0001f". Unique per host as long as one
 *	process does not make 33 million ids in a second; it passes
 *	token_value_ok(). len must be at least MLT_MSGID_LEN + 1.
 *
 *	mlt_parse_time() reads ISO 8601 "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM|
 *	+HHMM|-HH:MM]" (a space may stand for the T). A time without a
 *	zone is UTC.
 * DIAGNOSTICS
 *	mlt_parse_time() returns 0, or -1 for text it cannot read.
 */
#include <stddef.h>
#include <time.h>

#define MLT_MSGID_LEN	17

void    mlt_msgid_new(char *, size_t);
int     mlt_parse_time(const char *, time_t *);

#endif
