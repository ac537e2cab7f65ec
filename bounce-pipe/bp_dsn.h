#ifndef PF_BP_DSN_H
#define PF_BP_DSN_H

/*
 * NAME
 *	bp_dsn 3 - read an RFC 3464 delivery status notification
 * SYNOPSIS
 *	#include "bp_dsn.h"
 *	int bp_dsn_parse(const char *body, BP_REPORT *rep);
 * DESCRIPTION
 *	bp_dsn_parse() reads the body of a message/delivery-status part:
 *	the per-message fields (X-Postfix-Queue-ID is kept in
 *	rep->orig_queueid), then one group per recipient. Each group
 *	adds one BP_RCPT with the address of Final-Recipient (or
 *	Original-Recipient), Action, Status, Remote-MTA and
 *	Diagnostic-Code (type and text). Folded lines are unfolded. A new
 *	group also starts when a recipient field repeats without an
 *	empty line between (seen from some Exchange versions).
 *	Returns the number of recipients added.
 */
#include "bp_report.h"

int     bp_dsn_parse(const char *, BP_REPORT *);

#endif
