#ifndef PF_BP_ARF_H
#define PF_BP_ARF_H

/*
 * NAME
 *	bp_arf 3 - read an RFC 5965 abuse feedback report
 * SYNOPSIS
 *	#include "bp_arf.h"
 *	int bp_arf_parse(const char *report, const BUF *orig, BP_REPORT *rep);
 * DESCRIPTION
 *	bp_arf_parse() reads a message/feedback-report body: its
 *	Feedback-Type goes to rep->feedback_type, and the complaining
 *	recipient is Original-Rcpt-To, else Removal-Recipient, else the
 *	To: of the returned headers orig. It adds one BP_RCPT with
 *	reason "feedback" per address. Returns how many were added.
 */
#include "buf.h"
#include "bp_report.h"

int     bp_arf_parse(const char *, const BUF *, BP_REPORT *);

#endif
