#ifndef PF_BP_EFFECTS_H
#define PF_BP_EFFECTS_H

/*
 * NAME
 *	bp_effects 3 - record what a returned message means, in one transaction
 * SYNOPSIS
 *	#include "bp_effects.h"
 *	int bp_effects_apply(PFDB *db, BP_EFFECTS *fx);
 *	int bp_effects_backoff(PFDB *db, PFDB_TXN *txn, BP_EFFECT *e,
 *			time_t now);
 * DESCRIPTION
 *	fx->item[] lists, per recipient of the report that matched a
 *	message record, the record (msg), the classified facts (r) and
 *	the destination group of its domain (group). bp_effects_apply()
 *	runs one pfdb_txn_run() transaction that
 * .IP \(bu
 *	skips everything when the same message (fx->digest) was recorded
 *	before (Postfix may deliver a message again after a crash between
 *	our commit and its queue update);
 * .IP \(bu
 *	sets the message status: 1 for a success report, 0 with the last
 *	deferral for a delay report, else 5 with reason, D.S.N and
 *	diagnostic;
 * .IP \(bu
 *	suppresses hard failures (userunknown, hostunknown, hasmoved,
 *	permanent notaccept) at once and for ever; counts mailbox soft
 *	failures (mailboxfull, suspend) per day and suppresses after
 *	var_bp_soft_limit in var_bp_soft_window, for var_bp_soft_expiry;
 *	suppresses complaints (fx->complaint) and unsubscribe requests
 *	(fx->unsubscribe) for ever;
 * .IP \(bu
 *	never suppresses for a sender-side class: those raise the
 *	group's backoff level instead (rate, reputation and block
 *	replies), or only count an event (expired, network, system,
 *	authentication errors).
 * .PP
 *	bp_effects_backoff() records one sender-side event (e->r, e->group,
 *	e->grp) in the caller's transaction: the log follower uses it for
 *	deferrals, which never come back as mail before they expire.
 * .PP
 *	item[i].action says what happened: suppressed, counted,
 *	suppressed-soft, backoff, recorded, sent, deferred, duplicate.
 * DIAGNOSTICS
 *	0 committed, -1 db error (pfdb_last_error() tells a lock timeout).
 */
#include <time.h>

#include "pfdb.h"
#include "desttab.h"
#include "bp_report.h"

typedef struct BP_EFFECT {
    BP_RCPT *r;				/* classified facts */
    PFDB_MSG msg;			/* the message record, updated */
    char    group[PFDB_NAME_MAX + 1];	/* destination group */
    const DESTTAB_GROUP *grp;		/* its settings, or NULL */
    const char *action;			/* result */
} BP_EFFECT;

typedef struct BP_EFFECTS {
    BP_EFFECT *item;
    int     n;
    time_t  now;
    char    digest[65];			/* SHA-256 of the message, hex */
    int     complaint;			/* ARF report */
    int     unsubscribe;		/* mail to the unsubscribe address */
    int     duplicate;			/* result: seen before */
} BP_EFFECTS;

int     bp_effects_apply(PFDB *, BP_EFFECTS *);
int     bp_effects_backoff(PFDB *, PFDB_TXN *, BP_EFFECT *, time_t);

#endif
