#ifndef PF_MLT_RECORD_H
#define PF_MLT_RECORD_H

/*
 * NAME
 *	mlt_record 3 - message records in the postbulk db
 * SYNOPSIS
 *	#include "mlt_record.h"
 *	int mlt_record_open(const char *dir, BUF *why);
 *	int mlt_record_put(const char *msgid, const char *campaign,
 *			   const char *sender_domain, const char *queue_id,
 *			   int status, time_t send_at, char **rcpts,
 *			   size_t nrcpt, BUF *why);
 *	void mlt_record_close(void);
 * DESCRIPTION
 *	mlt_record_open() opens the db environment once per process
 *	(thread-safe handle) and starts a thread that calls
 *	pfdb_maintain() about once a second.
 *
 *	mlt_record_put() writes one PFDB_MSG per recipient (normalized
 *	with addr_normalize) in one transaction. A recipient that does
 *	not normalize is stored as given, lowercased, with a warning.
 * DIAGNOSTICS
 *	Both return 0, or -1 with a reason in why (from pfdb_strerror).
 */
#include <stddef.h>
#include <time.h>

#include "buf.h"

int     mlt_record_open(const char *, BUF *);
int     mlt_record_put(const char *, const char *, const char *, const char *,
		               int, time_t, char **, size_t, BUF *);
void    mlt_record_close(void);

#endif
