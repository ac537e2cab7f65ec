/*
 * NAME
 *	pol_guard 3 - reputation guard per sender domain
 * DESCRIPTION
 *	See pol_guard.h. The thresholds are modeled on the rules of the
 *	large mailbox providers and cloud sending services (bounce 5 %,
 *	invalid 9 %, complaints 0.3 %), which suspend a sender who passes
 *	them; stopping ourselves first protects the shared IP.
 */

/* System library. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Project library. */
#include "buf.h"
#include "mem.h"
#include "log.h"
#include "pfdb.h"

/* Application-specific. */
#include "pol_htab.h"
#include "pol_params.h"
#include "pol_guard.h"

#define G_SENT		0
#define G_HARD		1
#define G_INVALID	2
#define G_COMPLAINT	3
#define G_POLICYD	4
#define G_KINDS		5

static const char *g_kind[G_KINDS] = {
    "sent", "hard", "invalid", "complaint", "policyd",
};

typedef struct G_DOMAIN {
    char    day[16];			/* day of the counts */
    int64_t val[G_KINDS];		/* db values at last refresh */
    int64_t base[G_KINDS];		/* reset baselines */
    int64_t accepted;			/* ours, in memory */
    int64_t persisted;			/* ours, as last written */
    double  refreshed;			/* clock at last db read; 0 = never */
} G_DOMAIN;

struct POL_GUARD {
    POL_HTAB *dom;
};

#define G_MAX_DOMAINS	100000

/* g_key - counter key for a kind */

static void g_key(BUF *key, const char *kind, const char *domain,
		          const char *day)
{
    if (strcmp(kind, "policyd") == 0)
	buf_sprintf(key, "policyd/sender/%s/%s", domain, day);
    else
	buf_sprintf(key, "%s/%s/%s", kind, domain, day);
}

/* pol_guard_create - empty state */

POL_GUARD *pol_guard_create(void)
{
    POL_GUARD *g = xcalloc(1, sizeof(*g));

    g->dom = pol_htab_create();
    return (g);
}

/* g_entry - state of a domain for today */

static G_DOMAIN *g_entry(POL_GUARD *g, const char *domain, const char *day)
{
    G_DOMAIN *d = pol_htab_find(g->dom, domain);

    if (d == 0) {
	d = xcalloc(1, sizeof(*d));
	pol_htab_enter(g->dom, domain, d);
    }
    if (strcmp(d->day, day) != 0) {
	memset(d, 0, sizeof(*d));
	snprintf(d->day, sizeof(d->day), "%s", day);
    }
    return (d);
}

/* g_refresh - read the domain's counters for today */

static int g_refresh(PFDB *db, const char *domain, G_DOMAIN *d, BUF *why)
{
    BUF    *key = buf_alloc(100);
    int64_t v;
    int     rc = 0;

    for (int k = 0; k < G_KINDS && rc == 0; k++) {
	g_key(key, g_kind[k], domain, d->day);
	if ((rc = pfdb_counter_get(db, 0, buf_str(key), &v)) < 0)
	    break;
	d->val[k] = rc ? v : 0;
	buf_sprintf(key, "guard-base/%s/%s/%s", g_kind[k], domain, d->day);
	if ((rc = pfdb_counter_get(db, 0, buf_str(key), &v)) < 0)
	    break;
	d->base[k] = rc ? v : 0;
	rc = 0;
    }
    if (rc < 0)
	buf_sprintf(why, "counter %s: %s", buf_str(key), pfdb_strerror(db));
    buf_free(key);
    /* A restart keeps today's count: continue from what was persisted. */
    if (rc == 0 && d->persisted == 0 && d->accepted == 0) {
	d->accepted = d->persisted = d->val[G_POLICYD];
    }
    return (rc);
}

/* pol_guard_check - 1 = over a threshold, 0 = fine, -1 = db error */

int     pol_guard_check(POL_GUARD *g, PFDB *db, const char *domain,
			        const char *day, double now, BUF *why)
{
    G_DOMAIN *d;
    int64_t volume, ours;
    struct {
	int     kind;
	const char *what;
	double  limit;
    }       test[3] = {
	{G_HARD, "hard-bounce", pol_guard_bounce},
	{G_INVALID, "invalid-address", pol_guard_invalid},
	{G_COMPLAINT, "complaint", pol_guard_complaint},
    };

    if (pol_htab_size(g->dom) > G_MAX_DOMAINS) {
	/* Memory bound: persist, then start over (counts reload from db). */
	(void) pol_guard_persist(g, db);
	pol_htab_free(g->dom, free);
	g->dom = pol_htab_create();
    }
    d = g_entry(g, domain, day);
    if (d->refreshed == 0 || now - d->refreshed >= var_pol_guard_refresh
	|| now < d->refreshed) {
	if (g_refresh(db, domain, d, why) < 0)
	    return (-1);
	d->refreshed = now;
    }
    ours = d->accepted - d->base[G_POLICYD];
    volume = d->val[G_SENT] - d->base[G_SENT];
    if (ours > volume)
	volume = ours;
    if (volume < var_pol_guard_min)
	return (0);
    for (int i = 0; i < 3; i++) {
	int64_t n = d->val[test[i].kind] - d->base[test[i].kind];
	double  rate = (double) n / (double) volume;

	if (rate >= test[i].limit) {
	    buf_sprintf(why, "%s rate %.2f%% (%" PRId64 "/%" PRId64 ") today "
			"is over the %.2f%% limit; fix the list, then run "
			"\"postbulk guard reset %s\"", test[i].what,
			rate * 100, n, volume, test[i].limit * 100, domain);
	    return (1);
	}
    }
    return (0);
}

/* pol_guard_count - one accepted recipient */

void    pol_guard_count(POL_GUARD *g, const char *domain, const char *day)
{
    g_entry(g, domain, day)->accepted++;
}

/* g_persist_one - write one domain's count when it changed */

typedef struct G_PERSIST {
    PFDB   *db;
    BUF    *key;
    int     rc;
} G_PERSIST;

static void g_persist_one(const char *domain, void *value, void *ctx)
{
    G_DOMAIN *d = value;
    G_PERSIST *p = ctx;

    if (d->accepted == d->persisted || d->day[0] == 0)
	return;
    g_key(p->key, "policyd", domain, d->day);
    if (pfdb_counter_put(p->db, 0, buf_str(p->key), d->accepted) < 0) {
	log_warn("cannot persist counter %s: %s", buf_str(p->key),
		 pfdb_strerror(p->db));
	p->rc = -1;
	return;
    }
    d->persisted = d->accepted;
}

/* pol_guard_persist - write changed counts */

int     pol_guard_persist(POL_GUARD *g, PFDB *db)
{
    G_PERSIST p;

    p.db = db;
    p.key = buf_alloc(100);
    p.rc = 0;
    pol_htab_walk(g->dom, g_persist_one, &p);
    buf_free(p.key);
    return (p.rc);
}

/* pol_guard_free - release state (persist first) */

void    pol_guard_free(POL_GUARD *g)
{
    if (g == 0)
	return;
    pol_htab_free(g->dom, free);
    free(g);
}

/* pol_guard_reset - "postbulk guard reset DOMAIN": start over today */

int     pol_guard_reset(PFDB *db, const char *domain, const char *day, BUF *why)
{
    BUF    *key = buf_alloc(100);
    int64_t v;
    int     rc = 0;

    for (int k = 0; k < G_KINDS; k++) {
	g_key(key, g_kind[k], domain, day);
	if ((rc = pfdb_counter_get(db, 0, buf_str(key), &v)) < 0)
	    break;
	if (rc == 0)
	    v = 0;
	buf_sprintf(key, "guard-base/%s/%s/%s", g_kind[k], domain, day);
	if ((rc = pfdb_counter_put(db, 0, buf_str(key), v)) < 0)
	    break;
    }
    if (rc < 0)
	buf_sprintf(why, "counter %s: %s", buf_str(key), pfdb_strerror(db));
    buf_free(key);
    return (rc < 0 ? -1 : 0);
}
