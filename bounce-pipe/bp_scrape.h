#ifndef PF_BP_SCRAPE_H
#define PF_BP_SCRAPE_H

/*
 * NAME
 *	bp_scrape 3 - facts from the human-readable text of a bounce
 * SYNOPSIS
 *	#include "bp_scrape.h"
 *	int bp_scrape_rcpts(const char *text, const char *const *exclude,
 *			BP_REPORT *rep);
 *	int bp_scrape_diag(const char *text, const char *addr,
 *			const char *const *others, BUF *out);
 *	void bp_scrape_facts(const char *text, BP_RCPT *r);
 *	void bp_scrape_command(const char *text, char *cmd, size_t len);
 *	int bp_scrape_addr(const char *s, BUF *out);
 * DESCRIPTION
 *	For bounces that carry no delivery-status part (qmail, Exim,
 *	DragonFly, Gmail, portals) and to complete RFC 3464 fields.
 *
 *	bp_scrape_rcpts() appends to rep every address in text, in order
 *	of appearance, except those in exclude (the report's own sender
 *	and recipient, the returned message's sender), postmaster and
 *	mailer-daemon addresses, message ids and the "To:" line of a
 *	quoted summary of the returned message's header (a "To:" line
 *	next to a "Subject:", "Sent:", "Date:", "From:" or "Cc:" line, as
 *	Exchange's "Your message / To: / Subject: / Sent:" prints it).
 *	Returns how many.
 *
 *	bp_scrape_diag() copies the part of text about addr: from the
 *	line where addr first appears to the line where another of the
 *	recipients first appears (or the end). In a Sendmail session
 *	transcript (after "Transcript of session follows"), where a
 *	recipient's own status line ("550 5.1.1 <a@b>... User unknown")
 *	follows the exchange that caused it (">>> RCPT To:", "<<< 550
 *	..."), the part is the text after the previous recipient's status
 *	line up to and including its own, added to its lines in the list
 *	of failed addresses before the transcript, if any. Returns 1, or
 *	0 when addr is not in text (out then holds all of text).
 *
 *	bp_scrape_facts() fills the fields of r still empty from its
 *	diagnostic: SMTP command ("in reply to RCPT TO command", "after
 *	MAIL FROM", ">>> DATA", "does not like recipient", ...), reply
 *	code, D.S.N code, Action "delayed" for delay warnings, and a
 *	reason from fixed MTA error texts.
 *
 *	bp_scrape_command() finds only the SMTP command, as
 *	bp_scrape_facts() would for a recipient with none, into cmd[len]
 *	("" if the text names none).
 *
 *	bp_scrape_addr() extracts the mailbox from "Name <a@b>", "rfc822;
 *	a@b" or "a@b"; returns 1 found, 0 not.
 */
#include "buf.h"
#include "bp_report.h"

int     bp_scrape_rcpts(const char *, const char *const *, BP_REPORT *);
int     bp_scrape_diag(const char *, const char *, const char *const *, BUF *);
void    bp_scrape_facts(const char *, BP_RCPT *);
void    bp_scrape_command(const char *, char *, size_t);
int     bp_scrape_addr(const char *, BUF *);

#endif
