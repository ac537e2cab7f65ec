#ifndef PF_MLT_FILTER_H
#define PF_MLT_FILTER_H

/*
 * NAME
 *	mlt_filter 3 - the libmilter callbacks of postbulk-milter
 * SYNOPSIS
 *	#include "mlt_filter.h"
 *	int mlt_filter_init(const TOKEN_KEY *key, const char *footer,
 *			    int records, BUF *why);
 *	extern struct smfiDesc mlt_filter_desc;
 * DESCRIPTION
 *	mlt_filter_init() keeps the token key and the advertising footer
 *	template (read once by main) and checks the milter_* settings
 *	that have a fixed set of values. records says whether message
 *	records are written (mlt_record_open() has been called).
 *
 *	At end of message the filter, in this order: removes every
 *	X-Postbulk-* header; for trusted mail (milter_trusted_daemon_names,
 *	milter_trusted_clients) merges the template and variables, adds
 *	the advertising marks, Message-ID, List-Unsubscribe(-Post) and
 *	Feedback-ID, and replaces the envelope sender with a VERP address;
 *	signs the final message with DKIM (any mail whose From domain has
 *	a key); writes the records; holds scheduled mail (smfi_quarantine).
 * DIAGNOSTICS
 *	Bad control headers from trusted clients are rejected with 550
 *	5.6.0 naming the header; internal failures answer
 *	milter_error_action (tempfail by default, 451 4.3.0).
 */
#include <libmilter/mfapi.h>

#include "buf.h"
#include "token.h"

int     mlt_filter_init(const TOKEN_KEY *, const char *, int, BUF *);
extern struct smfiDesc mlt_filter_desc;

#endif
