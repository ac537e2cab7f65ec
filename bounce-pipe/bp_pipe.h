#ifndef PF_BP_PIPE_H
#define PF_BP_PIPE_H

/*
 * NAME
 *	bp_pipe 3 - one returned message from pipe(8) to the database
 * SYNOPSIS
 *	#include "bp_pipe.h"
 *	int bp_pipe(const char *rcpt, const char *sender, const char *queue_id,
 *		    const char *data, size_t len);
 * DESCRIPTION
 *	bp_pipe() handles one message delivered to the bounce domain:
 *	rcpt is ${original_recipient} (PREFIX+TOKEN@bounce-domain),
 *	sender the envelope sender, queue_id the bounce's own Postfix
 *	queue id (for logging; may be NULL).
 *
 *	It verifies the token of rcpt with the token key: a well-formed
 *	but wrong token (forged, or another key) or a malformed one saves
 *	the message to quarantine/forged/ and changes nothing. A valid
 *	"m." token names the message; a valid "u." token at the
 *	unsubscribe prefix is an unsubscribe request for that message's
 *	recipient. Without a token the message is matched through the
 *	X-Postfix-Queue-ID of its delivery-status part, or the local part
 *	of the returned message's Message-ID.
 *
 *	The classified outcome is then recorded by bp_effects_apply() in
 *	one transaction. Auto-replies change nothing. A message nothing
 *	could be read from goes to quarantine/unparsed/, one that matches
 *	no message record to quarantine/unmatched/.
 * DIAGNOSTICS
 *	Returns the pipe(8) exit status: 0 when the outcome (including
 *	a quarantine copy) is durable, EX_TEMPFAIL when the db or the
 *	quarantine cannot be written now (Postfix retries later).
 */
#include <stddef.h>

int     bp_pipe(const char *, const char *, const char *, const char *, size_t);

#endif
