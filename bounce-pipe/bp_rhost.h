#ifndef PF_BP_RHOST_H
#define PF_BP_RHOST_H

/*
 * NAME
 *	bp_rhost 3 - reasons from the error codes of large mailbox providers
 * SYNOPSIS
 *	#include "bp_rhost.h"
 *	const char *bp_rhost_reason(const BP_RCPT *r);
 * DESCRIPTION
 *	See bp_rhost.c.
 */
#include "bp_report.h"

const char *bp_rhost_reason(const BP_RCPT *);

#endif
