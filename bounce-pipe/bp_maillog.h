#ifndef PF_BP_MAILLOG_H
#define PF_BP_MAILLOG_H

/*
 * NAME
 *	bp_maillog 3 - delivery outcomes from Postfix's log
 * SYNOPSIS
 *	#include "bp_maillog.h"
 *	int bp_maillog_parse(const char *line, BP_LOGREC *rec);
 *	int bp_maillog_follow(const char *path, const char *state, int once);
 * DESCRIPTION
 *	bp_maillog_parse() reads one Postfix log line of the form
 *	"... postfix/smtp[PID]: QUEUEID: to=<RCPT>, [orig_to=<ADDR>,]
 *	..., dsn=X.Y.Z, status=sent|deferred|bounced (TEXT)", or the
 *	qmgr line "QUEUEID: from=<...>, status=expired, returned to
 *	sender". Lines that prove the message is in Postfix's queue,
 *	qmgr's "QUEUEID: from=<...>, size=N, nrcpt=N (queue active)" and
 *	cleanup's "QUEUEID: hold: ..." / "QUEUEID: milter-hold: ...",
 *	give status "committed". Returns 1 and fills rec, or 0 for any
 *	other line.
 *
 *	bp_maillog_follow() reads the log from the position remembered
 *	in the state file (inode and offset; the start of the file when
 *	the inode changed or the file shrank: rotation or truncation),
 *	applies every outcome line to the message records of that queue
 *	id (status 1 sent; 0 with the deferral as last reason; 5 with a
 *	classified reason for bounced; 2 for expired; every line of a
 *	queue id, "committed" ones included, sets the records' committed
 *	time if not yet set) and saves the
 *	position after each batch. A line without its newline yet is
 *	left for the next read. Unless once is set it then follows the
 *	file, reopening it when it is rotated.
 * DIAGNOSTICS
 *	bp_maillog_follow() returns 0, or EX_* when the log, the state
 *	file or the db cannot be used.
 */
#include "buf.h"

typedef struct BP_LOGREC {
    char    queue_id[32];
    char    status[16];			/* sent deferred bounced expired
					 * committed */
    char    dsn[16];
    BUF    *rcpt;			/* to=, "" for expired */
    BUF    *orig_rcpt;			/* orig_to=, may be "" */
    BUF    *text;			/* the parenthesized reply */
} BP_LOGREC;

void    bp_logrec_init(BP_LOGREC *);
void    bp_logrec_free(BP_LOGREC *);
int     bp_maillog_parse(const char *, BP_LOGREC *);
int     bp_maillog_follow(const char *, const char *, int);

#endif
