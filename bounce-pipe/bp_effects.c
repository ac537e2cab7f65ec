/*
 * NAME
 *	bp_effects 3 - record what a returned message means, in one transaction
 * DESCRIPTION
 *	See bp_effects.h. The transaction function may run several times
 *	(pfdb_txn_run retries after a deadlock): it starts from copies of
 *	the inputs every time and writes results only to fields it resets.
 *
 *	Backoff: a burst of throttling replies (one per queued message)
 *	must not push a group to its highest level within seconds, so a
 *	level is raised at most once per BP_RAISE_GAP seconds; the other
 *	replies only count as events.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "buf.h"

#include "pfdb.h"
#include "desttab.h"
#include "bp_reason.h"
#include "bp_params.h"
#include "bp_effects.h"

#define BP_RAISE_GAP	60		/* seconds between two level raises */

/* bp_is_throttle - classes that mean "slow down", raising backoff */

static int bp_is_throttle(const char *reason)
{
    static const char *const t[] = {
	"blocked", "spamdetected", "policyviolation", "toomanyconn", "speeding",
	"ratelimited", "badreputation", "systemfull", 0,
    };
    const char *const *p;

    for (p = t; *p; p++)
	if (strcmp(*p, reason) == 0)
	    return (1);
    return (0);
}

/* bp_detail - "5.1.1 remote reply" for suppression rows */

static void bp_detail(const BP_RCPT *r, char *out, size_t len)
{
    BUF    *b = buf_alloc(256);

    buf_sprintf(b, "%s %s", r->status[0] ? r->status : "-", buf_str(r->diag));
    bp_strlcpy(out, buf_str(b), len);
    buf_free(b);
}

/* bp_soft_count - add one soft bounce today, return the window's sum */

static int bp_soft_count(PFDB *db, PFDB_TXN *txn, const char *rcpt, time_t now,
			         int64_t *sum)
{
    char    key[PFDB_ADDR_MAX + 32];
    long    days = var_bp_soft_window / 86400, d;
    struct tm tm;
    time_t  t;
    int64_t v;

    if (days < 1)
	days = 1;
    if (days > 366)
	days = 366;
    *sum = 0;
    for (d = 0; d < days; d++) {
	t = now - d * 86400;
	gmtime_r(&t, &tm);
	snprintf(key, sizeof(key), "bsoft/%s/%04d%02d%02d", rcpt, tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday);
	if (d == 0) {
	    if (pfdb_counter_add(db, txn, key, 1, &v) < 0)
		return (-1);
	} else {
	    int     r = pfdb_counter_get(db, txn, key, &v);

	    if (r < 0)
		return (-1);
	    if (r == 0)
		v = 0;
	}
	*sum += v;
    }
    return (0);
}

/* bp_backoff - one throttling or sender-side event for a group */

static int bp_backoff(PFDB *db, PFDB_TXN *txn, BP_EFFECT *e, time_t now)
{
    PFDB_BACKOFF b;
    int     r, cur, max;
    long    duration;
    time_t  prev;

    memset(&b, 0, sizeof(b));
    if ((r = pfdb_backoff_get(db, txn, e->group, &b)) < 0)
	return (-1);
    if (r == 0) {
	memset(&b, 0, sizeof(b));
	bp_strlcpy(b.group, e->group, sizeof(b.group));
    }
    prev = b.last_event;
    b.events++;
    b.last_event = now;
    bp_strlcpy(b.last_reason, e->r->reason, sizeof(b.last_reason));
    {
	char    detail[256];

	bp_detail(e->r, detail, sizeof(detail));
	bp_strlcpy(b.last_reply, detail, sizeof(b.last_reply));
    }
    if (bp_is_throttle(e->r->reason)) {
	cur = e->grp ? desttab_backoff_level(e->grp, b.level, b.until, now)
	    : (now < b.until ? b.level : 0);
	max = e->grp ? e->grp->backoff_max_level : 4;
	duration = e->grp ? e->grp->backoff_duration : 1800;
	if (cur == 0 || now - prev >= BP_RAISE_GAP) {
	    if (cur == 0)
		b.since = now;
	    b.level = cur + 1 > max ? max : cur + 1;
	    b.until = now + duration;
	} else {
	    b.level = cur;
	}
	e->action = "backoff";
    } else {
	e->action = "recorded";
    }
    return (pfdb_backoff_put(db, txn, &b));
}

/* bp_one - the effects of one recipient */

static int bp_one(PFDB *db, PFDB_TXN *txn, BP_EFFECTS *fx, BP_EFFECT *e)
{
    PFDB_MSG m = e->msg;
    BP_RCPT *r = e->r;
    char    detail[256];
    int64_t sum;
    int     delayed;

    bp_detail(r, detail, sizeof(detail));
    e->action = "recorded";
    if (fx->unsubscribe) {
	e->action = "unsubscribed";
	return (pfdb_supp_add(db, txn, m.rcpt, "unsubscribe", "unsubscribe",
			      "unsubscribe request by mail", fx->now, 0));
    }
    m.updated = fx->now;
    bp_strlcpy(m.dsn, r->status, sizeof(m.dsn));
    bp_strlcpy(m.reason, r->reason, sizeof(m.reason));
    bp_strlcpy(m.diag, buf_str(r->diag), sizeof(m.diag));
    if (fx->complaint || strcmp(r->reason, "feedback") == 0) {
	/* A complaint is about a delivered message: status stays. */
	if (pfdb_msg_put(db, txn, &m) < 0)
	    return (-1);
	e->action = "suppressed";
	return (pfdb_supp_add(db, txn, m.rcpt, "complaint", "fbl", detail, fx->now, 0));
    }
    if (strcmp(r->reason, "delivered") == 0) {
	m.status = PFDB_ST_SENT;
	e->action = "sent";
	return (pfdb_msg_put(db, txn, &m));
    }
    delayed = strncmp(r->action, "delayed", 7) == 0;
    if (delayed) {
	/* A delay warning: still queued; keep the last deferral reason. */
	if (m.status == PFDB_ST_QUEUED)
	    m.attempts++;
	e->action = "deferred";
    } else
	m.status = PFDB_ST_BOUNCED;
    if (pfdb_msg_put(db, txn, &m) < 0)
	return (-1);
    if (delayed)
	return (bp_reason_sender_side(r->reason) ? bp_backoff(db, txn, e, fx->now) : 0);
    if (r->hard) {
	e->action = "suppressed";
	return (pfdb_supp_add(db, txn, m.rcpt, r->reason, "bounce", detail, fx->now, 0));
    }
    if (bp_reason_mailbox_soft(r->reason)) {
	if (bp_soft_count(db, txn, m.rcpt, fx->now, &sum) < 0)
	    return (-1);
	if (sum >= var_bp_soft_limit) {
	    e->action = "suppressed-soft";
	    return (pfdb_supp_add(db, txn, m.rcpt, r->reason, "bounce", detail, fx->now,
				  fx->now + var_bp_soft_expiry));
	}
	e->action = "counted";
	return (0);
    }
    if (bp_reason_sender_side(r->reason))
	return (bp_backoff(db, txn, e, fx->now));
    return (0);
}

/* bp_effects_txn - the transaction body, repeatable */

static int bp_effects_txn(PFDB *db, PFDB_TXN *txn, void *ctx)
{
    BP_EFFECTS *fx = ctx;
    char    key[96];
    int64_t v;
    int     i, r;

    fx->duplicate = 0;
    snprintf(key, sizeof(key), "bseen/%s", fx->digest);
    if ((r = pfdb_counter_get(db, txn, key, &v)) < 0)
	return (-1);
    if (r == 1 && v > 0) {
	fx->duplicate = 1;
	for (i = 0; i < fx->n; i++)
	    fx->item[i].action = "duplicate";
	return (0);
    }
    for (i = 0; i < fx->n; i++)
	if (bp_one(db, txn, fx, fx->item + i) < 0)
	    return (-1);
    if (pfdb_counter_put(db, txn, key, 1) < 0)
	return (-1);
    return (0);
}

/* bp_effects_backoff - one sender-side event, inside the caller's transaction */

int     bp_effects_backoff(PFDB *db, PFDB_TXN *txn, BP_EFFECT *e, time_t now)
{
    return (bp_backoff(db, txn, e, now));
}

/* bp_effects_apply - one transaction for the whole message */

int     bp_effects_apply(PFDB *db, BP_EFFECTS *fx)
{
    return (pfdb_txn_run(db, bp_effects_txn, fx));
}
