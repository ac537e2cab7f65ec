#ifndef PF_BP_REPORT_H
#define PF_BP_REPORT_H

/*
 * NAME
 *	bp_report 3 - what one returned message says, per recipient
 * SYNOPSIS
 *	#include "bp_report.h"
 *	BP_REPORT *bp_report_alloc(void);
 *	BP_RCPT *bp_report_add(BP_REPORT *rep, const char *addr);
 *	BP_RCPT *bp_report_find(BP_REPORT *rep, const char *addr);
 *	void bp_report_free(BP_REPORT *rep);
 *	char *bp_strcasestr(const char *text, const char *word);
 * DESCRIPTION
 *	A BP_REPORT holds the recipients a message reports, in message
 *	order, each with the facts the parsers found (D.S.N status, SMTP
 *	reply code, Action, diagnostic type and text, last SMTP command,
 *	remote host) and, after bp_reason_classify(), its reason class
 *	and hard/soft flag. kind says what the message was.
 */
#include "buf.h"

#define BP_KIND_NONE		0	/* nothing recognized */
#define BP_KIND_DSN		1	/* RFC 3464 or non-standard bounce */
#define BP_KIND_ARF		2	/* RFC 5965 complaint */
#define BP_KIND_AUTOREPLY	3	/* vacation / auto-reply (RFC 3834) */

typedef struct BP_RCPT {
    BUF    *addr;			/* recipient address as reported */
    char    status[16];			/* D.S.N, "" = unknown */
    char    reply[4];			/* SMTP reply code, "" = unknown */
    char    action[16];			/* failed, delayed, delivered, ... */
    char    diagtype[16];		/* SMTP, X-UNIX, X-POSTFIX, ... */
    char    command[8];			/* CONN EHLO HELO MAIL RCPT DATA */
    BUF    *diag;			/* diagnostic text, one line */
    BUF    *rhost;			/* remote MTA */
    char    reason[32];			/* engine-decided, then final */
    char    hint[32];			/* reason of a fixed MTA text, weak */
    int     decided;			/* reason from a provider/MTA table: final */
    int     hard;			/* suppress at once */
} BP_RCPT;

typedef struct BP_REPORT {
    int     kind;
    BP_RCPT *rcpt;
    int     nrcpt;
    int     size;
    BUF    *orig_msgid;			/* Message-ID of the returned message */
    BUF    *orig_queueid;		/* X-Postfix-Queue-ID, if known */
    BUF    *orig_from;			/* From: of the returned message */
    char    feedback_type[32];		/* ARF Feedback-Type */
} BP_REPORT;

BP_REPORT *bp_report_alloc(void);
BP_RCPT *bp_report_add(BP_REPORT *, const char *);
BP_RCPT *bp_report_find(BP_REPORT *, const char *);
void    bp_report_free(BP_REPORT *);
void    bp_strlcpy(char *, const char *, size_t);
char   *bp_strcasestr(const char *, const char *);

#endif
