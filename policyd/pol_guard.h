#ifndef PF_POL_GUARD_H
#define PF_POL_GUARD_H

/*
 * NAME
 *	pol_guard 3 - reputation guard per sender domain
 * SYNOPSIS
 *	#include "pol_guard.h"
 *	POL_GUARD *pol_guard_create(void);
 *	int pol_guard_check(POL_GUARD *g, PFDB *db, const char *domain,
 *			    const char *day, double now, BUF *why);
 *	void pol_guard_count(POL_GUARD *g, const char *domain, const char *day);
 *	int pol_guard_persist(POL_GUARD *g, PFDB *db);
 *	void pol_guard_free(POL_GUARD *g);
 *	int pol_guard_reset(PFDB *db, const char *domain, const char *day,
 *			    BUF *why);
 * DESCRIPTION
 *	Counter keys (pfdb_counter_*; DAY = YYYY-MM-DD, local time;
 *	DOMAIN = the sender domain, lowercase A-label):
 *
 *	sent/DOMAIN/DAY		messages handed to remote servers (milter
 *				or outcome follower); read
 *	hard/DOMAIN/DAY		hard bounces other than unknown users
 *				(bounce-pipe); read
 *	invalid/DOMAIN/DAY	"no such user" bounces (bounce-pipe); read
 *	complaint/DOMAIN/DAY	ARF complaints (bounce-pipe); read
 *	policyd/sender/DOMAIN/DAY  recipients policyd accepted for this
 *				sender domain; written by policyd
 *	guard-base/KIND/DOMAIN/DAY  the value of KIND (sent, hard,
 *				invalid, complaint, policyd) when the guard was
 *				last reset; written by pol_guard_reset()
 *
 *	volume = max(sent, policyd/sender) - base. When volume reaches
 *	policyd_guard_min_volume and (hard - base) / volume,
 *	(invalid - base) / volume or (complaint - base) / volume reaches its
 *	threshold, pol_guard_check() returns 1 with the reason, in words
 *	an operator can act on, in why. Counters are re-read from the db
 *	every policyd_guard_refresh per domain; the in-memory accepted
 *	count is written back by pol_guard_persist().
 *
 *	pol_guard_reset() ("postbulk guard reset DOMAIN") stores the
 *	current values as the base, so the domain starts over: it must
 *	again reach the minimum volume before it can be judged.
 * DIAGNOSTICS
 *	pol_guard_check() returns -1 when the db cannot be read
 *	(pfdb_strerror in why); pol_guard_reset() -1 likewise.
 */
#include "buf.h"
#include "pfdb.h"

typedef struct POL_GUARD POL_GUARD;

POL_GUARD *pol_guard_create(void);
int     pol_guard_check(POL_GUARD *, PFDB *, const char *, const char *,
			        double, BUF *);
void    pol_guard_count(POL_GUARD *, const char *, const char *);
int     pol_guard_persist(POL_GUARD *, PFDB *);
void    pol_guard_free(POL_GUARD *);
int     pol_guard_reset(PFDB *, const char *, const char *, BUF *);

#endif
