#ifndef PF_POL_RULES_H
#define PF_POL_RULES_H

/*
 * NAME
 *	pol_rules 3 - policyd's decisions at RCPT
 * SYNOPSIS
 *	#include "pol_rules.h"
 *	POL_RULES *pol_rules_create(PFDB *db, DESTTAB *tab,
 *				    const TOKEN_KEY *key);
 *	void pol_rules_set_table(POL_RULES *r, DESTTAB *tab);
 *	void pol_rules_decide(POL_RULES *r, const POL_REQUEST *req,
 *			      BUF *action);
 *	void pol_rules_tick(POL_RULES *r);
 *	int pol_rules_prepare(POL_RULES *r, double limit);
 *	int pol_rules_persist(POL_RULES *r);
 *	void pol_rules_free(POL_RULES *r);
 *	void pol_rules_day(double now, char *day, size_t len, double *end);
 * DESCRIPTION
 *	pol_rules_decide() writes the policy action for one request into
 *	action (without "action="): DUNNO for anything but protocol_state
 *	RCPT, else the first rule that objects, in this order:
 *
 *	1. suppression: the normalized recipient, then its @domain, as
 *	   pfdb_supp_lookup() (the @domain answer is cached for 0.5 s, so
 *	   a new suppression counts within 1 s) -> REJECT 5.1.1. With
 *	   policyd_suppression_filter, an address the in-memory filter
 *	   (pol_suppfilter) knows is not in the table is not looked up;
 *	   the filter reads the change journal every 0.25 s.
 *	2. duplicate: MAIL FROM is a campaign-tagged bounce address with a
 *	   valid token and pfdb_msg_campaign_has_rcpt(); then the records
 *	   (pfdb_msg_by_campaign_rcpt): one committed, or with a status
 *	   other than 0 / 7 -> REJECT 5.7.1; else the newest younger than
 *	   policyd_duplicate_grace -> DEFER_IF_PERMIT 4.7.1 ... retry in
 *	   S s; else (never queued by Postfix) logged
 *	   policy=duplicate-unconfirmed and on to the next rules.
 *	3. reputation guard of the sender domain (pol_guard) ->
 *	   DEFER_IF_PERMIT 4.7.1.
 *	4. destination group (desttab): daily cap (warm-up step or plain
 *	   cap), per-minute and per-hour token buckets, each rate divided
 *	   by backoff_factor^level while the group is in backoff (bucket
 *	   depth pol_rate_burst()) -> DEFER_IF_PERMIT 4.7.1 ... retry in
 *	   S s, S >= 1.
 *
 *	When all pass, the recipient is counted (buckets, day counters,
 *	sender domain) and the action is DUNNO. Each non-DUNNO decision is
 *	logged once. A db error answers policyd_db_error_action.
 *
 *	Counter keys written: policyd/accepted/GROUP/DAY (recipients
 *	accepted per destination group and local day; read back at start so
 *	a restart keeps the day's count) and those of pol_guard.
 *	The sender domain is the From domain of the campaign record
 *	(pfdb_campaign_get) for a campaign-tagged MAIL FROM, else the
 *	domain of MAIL FROM.
 *
 *	pol_rules_tick() runs once a second: refreshes each group's
 *	backoff state from the db (pfdb_backoff_get, written by
 *	bounce-pipe), rolls day counters over at local midnight, and
 *	persists counters every policyd_persist_interval.
 *	pol_rules_prepare() builds the suppression filter at once (up to
 *	limit seconds; -1 when it is not ready by then), for callers that
 *	want the steady state from the first request.
 *	pol_rules_set_table() installs a reloaded table; state is kept for
 *	groups with the same name. pol_rules_persist() writes all counters
 *	now (shutdown).
 */
#include "buf.h"
#include "token.h"
#include "desttab.h"
#include "pfdb.h"
#include "pol_request.h"

typedef struct POL_RULES POL_RULES;

POL_RULES *pol_rules_create(PFDB *, DESTTAB *, const TOKEN_KEY *);
void    pol_rules_set_table(POL_RULES *, DESTTAB *);
void    pol_rules_decide(POL_RULES *, const POL_REQUEST *, BUF *);
void    pol_rules_tick(POL_RULES *);
int     pol_rules_prepare(POL_RULES *, double);
int     pol_rules_persist(POL_RULES *);
void    pol_rules_free(POL_RULES *);
void    pol_rules_day(double, char *, size_t, double *);

#endif
