#ifndef PF_BP_CLASSIFY_H
#define PF_BP_CLASSIFY_H

/*
 * NAME
 *	bp_classify 3 - classify one returned message, per recipient
 * SYNOPSIS
 *	#include "bp_classify.h"
 *	BP_REPORT *bp_classify(const char *data, size_t len, BUF *why);
 * DESCRIPTION
 *	bp_classify() parses the message (bp_mime), then reads, in this
 *	order: an ARF complaint (bp_arf); an RFC 3464 delivery-status
 *	part (bp_dsn), completed from the human-readable text; an
 *	auto-reply (RFC 3834 Auto-Submitted, Microsoft/other vacation
 *	markers); an error notice of the fml mailing list manager
 *	(X-MLServer: fml, From: LIST-admin@: the "<addr>." it names, the
 *	reason from fml's own texts); else, when the message looks like
 *	a bounce (null or daemon sender, bounce-like Subject,
 *	X-Failed-Recipients), the recipients and diagnostics of its text
 *	(bp_scrape).
 *
 *	In a report from a mail system whose text holds the error of a
 *	local delivery agent (lines starting "mail.local: ", "procmail: ",
 *	"maildrop: ", "vdelivermail: ", "vdeliver: ", or Dovecot's "Your
 *	message to <...> was automatically rejected:"), that agent's own
 *	message decides the reason of the recipients it concerns (all of
 *	a one-recipient report, else those it names): the MTA's status is
 *	only its mapping of the agent's exit code. Every recipient is
 *	then classified (bp_reason_classify).
 *
 *	It touches no database and keeps no state between calls except
 *	compiled patterns, scratch buffers and caches keyed by the text
 *	they are of (the answer never depends on earlier calls).
 * DIAGNOSTICS
 *	NULL with why set when the data is not a message at all. A
 *	report with nrcpt == 0 (kind BP_KIND_NONE) when nothing was
 *	recognized.
 */
#include <stddef.h>

#include "buf.h"
#include "bp_report.h"

BP_REPORT *bp_classify(const char *, size_t, BUF *);

#endif
