/*
 * NAME
 *	pol_rules 3 - policyd's decisions at RCPT
 * DESCRIPTION
 *	See pol_rules.h. Everything on the per-request path is in memory
 *	except two Berkeley DB point lookups (suppression, and the
 *	duplicate check for campaign mail): rates, caps and backoff state
 *	are refreshed by the once-a-second tick, not per request.
 *
 *	A recipient is counted against the rates only when the answer is
 *	DUNNO: a deferred recipient comes back later and must not use up
 *	the budget twice.
 */

/* System library. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Project library. */
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "addr.h"
#include "params.h"
#include "token.h"
#include "desttab.h"
#include "pfdb.h"

/* Application-specific. */
#include "pol_addr.h"
#include "pol_clock.h"
#include "pol_guard.h"
#include "pol_htab.h"
#include "pol_params.h"
#include "pol_rate.h"
#include "pol_request.h"
#include "pol_rules.h"
#include "pol_suppfilter.h"

typedef struct R_GROUP {
    POL_BUCKET minute;
    POL_BUCKET hour;
    char    day[16];			/* day of accepted */
    int64_t accepted;			/* recipients accepted that day */
    int64_t persisted;			/* value last written to the db */
    int     level;			/* backoff, as stored by bounce-pipe */
    time_t  until;
    int     primed;			/* buckets set empty at start */
} R_GROUP;

typedef struct R_CAMPAIGN {
    char    domain[256];		/* sender domain, "" = unknown */
    double  fetched;
} R_CAMPAIGN;

struct POL_RULES {
    PFDB   *db;
    DESTTAB *tab;
    const TOKEN_KEY *key;
    POL_HTAB *state;			/* group name -> R_GROUP */
    R_GROUP **by_index;			/* desttab index -> state */
    POL_HTAB *campaigns;		/* name -> R_CAMPAIGN */
    POL_HTAB *senders;			/* tagged MAIL FROM -> R_SENDER */
    POL_HTAB *suppdom;			/* "@domain" -> R_SUPPDOM */
    POL_GUARD *guard;
    POL_SUPPFILTER *sfilter;		/* null: every lookup goes to the db */
    double  sf_next;			/* monotonic time of the next filter step */
    double  last_decide;		/* monotonic */
    char    day[16];			/* current local day */
    double  day_start;
    double  day_end;
    double  last_persist;
    double  started;			/* when this process began deciding */
    /* Scratch buffers, reused for every request. */
    BUF    *rcpt;
    BUF    *token;
    BUF    *value;
    BUF    *why;
    BUF    *key_buf;
};

#define R_CAMPAIGN_TTL	60.0		/* re-read a campaign's From after */

typedef struct R_SENDER {
    char    campaign[TOKEN_VALUE_MAX + 1];
    int     valid;			/* MAC verified, kind campaign */
} R_SENDER;

#define R_SENDER_MAX	10000		/* verified-sender cache bound */

typedef struct R_SUPPDOM {
    PFDB_SUPP rec;			/* the @domain record, if found */
    int     found;
    double  fetched;			/* monotonic time of the db read */
} R_SUPPDOM;

#define R_SF_PERIOD	0.25		/* filter step (journal read) every */
#define R_SF_BUSY	0.005		/* build slice while serving, s */
#define R_SF_IDLE	0.2		/* build slice when idle, s */
#define R_SUPP_DOMAIN_TTL 0.5		/* seconds; must stay below 1 */
#define R_SUPPDOM_MAX	100000		/* domain cache bound */

/* pol_rules_day - local day name and its end */

void    pol_rules_day(double now, char *day, size_t len, double *end)
{
    time_t  t = (time_t) now;
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(day, len, "%Y-%m-%d", &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_mday += 1;
    tm.tm_isdst = -1;
    *end = (double) mktime(&tm);
}

/* r_load_day - a group's accepted count of the current day */

static void r_load_day(POL_RULES *r, const char *name, R_GROUP *s)
{
    int64_t v = 0;

    snprintf(s->day, sizeof(s->day), "%s", r->day);
    buf_sprintf(r->key_buf, "policyd/accepted/%s/%s", name, r->day);
    if (r->db && pfdb_counter_get(r->db, 0, buf_str(r->key_buf), &v) < 0) {
	log_warn("cannot read counter %s: %s", buf_str(r->key_buf),
		 pfdb_strerror(r->db));
	v = 0;
    }
    s->accepted = s->persisted = v;
}

/* r_new_day - roll every group over to the day of now */

static void r_new_day(POL_RULES *r, double now)
{
    double  end;
    char    day[16];

    pol_rules_day(now, day, sizeof(day), &end);
    if (strcmp(day, r->day) != 0 && r->day[0])
	(void) pol_rules_persist(r);
    snprintf(r->day, sizeof(r->day), "%s", day);
    r->day_end = end;
    {
	time_t  t = (time_t) now;
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	r->day_start = (double) mktime(&tm);
    }
    for (int i = 0; i < desttab_count(r->tab); i++) {
	R_GROUP *s = r->by_index[i];

	if (strcmp(s->day, r->day) != 0)
	    r_load_day(r, desttab_group(r->tab, i)->name, s);
    }
}

/* r_index - map table groups to their state, creating new ones */

static void r_index(POL_RULES *r)
{
    int     n = desttab_count(r->tab);

    free(r->by_index);
    r->by_index = xcalloc(n, sizeof(R_GROUP *));
    for (int i = 0; i < n; i++) {
	const DESTTAB_GROUP *g = desttab_group(r->tab, i);
	R_GROUP *s = pol_htab_find(r->state, g->name);

	if (s == 0) {
	    s = xcalloc(1, sizeof(*s));
	    pol_htab_enter(r->state, g->name, s);
	}
	r->by_index[i] = s;
	if (r->day[0] && strcmp(s->day, r->day) != 0)
	    r_load_day(r, g->name, s);
    }
}

/* pol_rules_create - decision state */

POL_RULES *pol_rules_create(PFDB *db, DESTTAB *tab, const TOKEN_KEY *key)
{
    POL_RULES *r = xcalloc(1, sizeof(*r));

    r->db = db;
    r->tab = tab;
    r->key = key;
    r->state = pol_htab_create();
    r->campaigns = pol_htab_create();
    r->senders = pol_htab_create();
    r->suppdom = pol_htab_create();
    r->guard = pol_guard_create();
    r->rcpt = buf_alloc(100);
    r->token = buf_alloc(100);
    r->value = buf_alloc(100);
    r->why = buf_alloc(100);
    r->key_buf = buf_alloc(100);
    r_index(r);
    r_new_day(r, pol_clock_now());
    r->last_persist = r->started = pol_clock_now();
    if (db && var_pol_suppress && var_pol_supp_filter)
	r->sfilter = pol_suppfilter_create(db, 2 * var_db_timeout + 5);
    pol_rules_tick(r);
    return (r);
}

/* pol_rules_set_table - install a reloaded table, keep state by name */

void    pol_rules_set_table(POL_RULES *r, DESTTAB *tab)
{
    r->tab = tab;
    r_index(r);
    /* Also the way to make us re-read a suppression table restored
     * from outside postbulk (db5.3_load): SIGHUP. */
    if (r->sfilter && !(var_pol_suppress && var_pol_supp_filter)) {
	pol_suppfilter_free(r->sfilter);
	r->sfilter = 0;
    } else if (r->sfilter) {
	pol_suppfilter_rebuild(r->sfilter, "reload");
    } else if (r->db && var_pol_suppress && var_pol_supp_filter) {
	r->sfilter = pol_suppfilter_create(r->db, 2 * var_db_timeout + 5);
    }
    pol_rules_tick(r);
}

/* r_safe - the recipient as it may appear in a reply and a log line */

static const char *r_safe(const char *s, char *buf, size_t len)
{
    return (log_quote(s, buf, len));
}

/* r_queue_id - Postfix queue id, or NOQUEUE for the first RCPT */

static const char *r_queue_id(const POL_REQUEST *req)
{
    static char buf[64];

    return (*req->queue_id ? log_quote(req->queue_id, buf, sizeof(buf)) :
	    "NOQUEUE");
}

/* r_sender_domain - the domain judged by the reputation guard */

static const char *r_sender_domain(POL_RULES *r, const POL_REQUEST *req,
				           const char *campaign)
{
    const char *dom;

    if (campaign && r->db) {
	R_CAMPAIGN *c = pol_htab_find(r->campaigns, campaign);
	double  now = pol_clock_now();

	if (c == 0 && pol_htab_size(r->campaigns) > 10000) {
	    pol_htab_free(r->campaigns, free);
	    r->campaigns = pol_htab_create();
	}
	if (c == 0) {
	    c = xcalloc(1, sizeof(*c));
	    pol_htab_enter(r->campaigns, campaign, c);
	}
	if (c->fetched == 0 || now - c->fetched > R_CAMPAIGN_TTL || now < c->fetched) {
	    PFDB_CAMPAIGN rec;

	    c->domain[0] = 0;
	    if (pfdb_campaign_get(r->db, 0, campaign, &rec) == 1
		&& (dom = addr_domain(rec.from)) != 0) {
		snprintf(c->domain, sizeof(c->domain), "%s", dom);
		for (char *cp = c->domain; *cp; cp++)
		    if (*cp >= 'A' && *cp <= 'Z')
			*cp += 'a' - 'A';
	    }
	    c->fetched = now;
	}
	if (c->domain[0])
	    return (c->domain);
    }
    if ((dom = addr_domain(req->sender)) == 0 || *dom == 0)
	return (0);
    /* It goes into a reply and a log line: printable ASCII only. */
    buf_reset(r->value);
    for (; *dom; dom++) {
	if (*dom <= ' ' || *dom >= 0x7f || *dom == '>')
	    return (0);
	buf_putc(r->value, (*dom >= 'A' && *dom <= 'Z') ? *dom + 'a' - 'A' : *dom);
    }
    return (buf_str(r->value));
}

/* r_campaign - campaign of a tagged MAIL FROM whose MAC verifies, or NULL */

static const char *r_campaign(POL_RULES *r, const char *sender)
{
    R_SENDER *c;
    int     kind;

    if (token_from_address(sender, var_bounce_prefix, r->token) != 0)
	return (0);

    /*
     * One HMAC per distinct sender, not per RCPT: a campaign uses the same
     * tagged MAIL FROM for every message. The cache key is the whole
     * address, MAC included, so a hit is as good as a verification.
     */
    if ((c = pol_htab_find(r->senders, sender)) == 0) {
	if (pol_htab_size(r->senders) >= R_SENDER_MAX) {
	    pol_htab_free(r->senders, free);
	    r->senders = pol_htab_create();
	}
	c = xcalloc(1, sizeof(*c));
	if (token_parse(r->key, buf_str(r->token), &kind, r->value, r->why) == 1
	    && kind == TOKEN_CAMPAIGN) {
	    snprintf(c->campaign, sizeof(c->campaign), "%s", buf_str(r->value));
	    c->valid = 1;
	}
	pol_htab_enter(r->senders, sender, c);
    }
    return (c->valid ? c->campaign : 0);
}

/*
 * r_supp_lookup - pfdb_supp_lookup() with the @domain half cached
 *
 * Every RCPT needs two B-tree lookups: the address and its @domain. A few
 * hundred domains take all the traffic, so the @domain answer (found or
 * not) is kept for R_SUPP_DOMAIN_TTL, below the 1 s within which a new
 * suppression must take effect. That saves a third of the db work per
 * request. Expiry is judged as pfdb_supp_lookup() does, by real time.
 */
static int r_supp_lookup(POL_RULES *r, const char *key, PFDB_SUPP *out)
{
    const char *at = strrchr(key, '@');
    time_t  now = time(0);
    R_SUPPDOM *d;
    double  mono = pol_clock_mono();
    int     rc = 0;

    r->last_decide = mono;
    if (r->sfilter && mono >= r->sf_next) {
	pol_suppfilter_step(r->sfilter, R_SF_BUSY);
	r->sf_next = pol_clock_mono() + R_SF_PERIOD;
    }
    if (r->sfilter == 0 || pol_suppfilter_maybe(r->sfilter, key)) {
	if ((rc = pfdb_supp_get(r->db, 0, key, out)) < 0)
	    return (-1);
    }
    if (rc > 0 && (out->expires == 0 || out->expires > now))
	return (1);
    if (at == 0 || at == key)
	return (0);
    if ((d = pol_htab_find(r->suppdom, at)) == 0) {
	if (pol_htab_size(r->suppdom) >= R_SUPPDOM_MAX) {
	    pol_htab_free(r->suppdom, free);
	    r->suppdom = pol_htab_create();
	}
	d = xcalloc(1, sizeof(*d));
	d->fetched = -1e9;
	pol_htab_enter(r->suppdom, at, d);
    }
    if (mono - d->fetched >= R_SUPP_DOMAIN_TTL || mono < d->fetched) {
	if ((rc = pfdb_supp_get(r->db, 0, at, &d->rec)) < 0)
	    return (-1);
	d->found = rc;
	d->fetched = mono;
    }
    if (d->found && (d->rec.expires == 0 || d->rec.expires > now)) {
	*out = d->rec;
	return (1);
    }
    return (0);
}

/* r_dunno - the common answer, without a printf on the hot path */

static void r_dunno(BUF *action)
{
    buf_reset(action);
    buf_puts(action, "DUNNO");
}

/* r_db_error - answer and log when the db fails */

static void r_db_error(POL_RULES *r, const POL_REQUEST *req, const char *what,
		               const char *rcpt, BUF *action)
{
    log_warn("%s: policy=db-error rcpt=<%s> lookup=%s error=%s",
	     r_queue_id(req), rcpt, what, pfdb_strerror(r->db));
    buf_sprintf(action, "%s", var_pol_db_error);
}

/* r_dup_fn - sum up the records of one campaign recipient */

typedef struct R_DUP {
    int     records;			/* seen */
    int     confirmed;			/* Postfix has (had) one of them */
    time_t  newest;			/* latest queued/updated, unconfirmed */
    char    queue_id[32];		/* of the newest unconfirmed */
} R_DUP;

static int r_dup_fn(const PFDB_MSG *m, void *ctx)
{
    R_DUP  *d = ctx;
    time_t  t = m->updated > m->queued ? m->updated : m->queued;

    d->records++;
    /*
     * Status 0 (queued) and 7 (scheduled) are written by the milter at
     * end of message, before Postfix commits the queue file; every other
     * status was set after Postfix had the message (outcome follower,
     * bounce-pipe, the CLI), as is the committed time.
     */
    if (m->committed != 0
	|| (m->status != PFDB_ST_QUEUED && m->status != PFDB_ST_SCHEDULED)) {
	d->confirmed = 1;
	return (1);				/* enough */
    }
    if (t >= d->newest) {
	d->newest = t;
	snprintf(d->queue_id, sizeof(d->queue_id), "%s", m->queue_id);
    }
    return (0);
}

/*
 * r_duplicate - the campaign already has a record for this recipient.
 * Returns 1 with the action set (REJECT, DEFER, or the db error answer),
 * or 0 to go on with the other rules (the earlier copy was never queued).
 */
static int r_duplicate(POL_RULES *r, const POL_REQUEST *req, const char *campaign,
		               const char *rcpt, const DESTTAB_GROUP *g,
		               double now, BUF *action)
{
    R_DUP   d;
    double  age;
    long    wait;
    int     rc;

    memset(&d, 0, sizeof(d));
    rc = pfdb_msg_by_campaign_rcpt(r->db, campaign, buf_str(r->rcpt), r_dup_fn, &d);
    if (rc < 0) {
	r_db_error(r, req, "duplicate", rcpt, action);
	return (1);
    }
    if (d.records == 0)
	return (0);				/* removed since the index said so */
    if (d.confirmed) {
	buf_sprintf(action, "REJECT 5.7.1 <%s>: duplicate in campaign %s",
		    rcpt, campaign);
	log_info("%s: policy=duplicate rcpt=<%s> group=%s campaign=%s",
		 r_queue_id(req), rcpt, g->name, campaign);
	return (1);
    }
    age = now - (double) d.newest;
    if (age < (double) var_pol_dup_grace) {
	wait = (long) ceil((double) var_pol_dup_grace - (age > 0 ? age : 0));
	if (wait < 1)
	    wait = 1;
	buf_sprintf(action, "DEFER_IF_PERMIT 4.7.1 <%s>: duplicate check pending "
		    "for campaign %s, retry in %ld s", rcpt, campaign, wait);
	log_info("%s: policy=duplicate-pending rcpt=<%s> group=%s campaign=%s "
		 "queue_id=%s age=%ld retry=%ld", r_queue_id(req), rcpt, g->name,
		 campaign, d.queue_id[0] ? d.queue_id : "none", (long) floor(age),
		 wait);
	return (1);
    }
    log_info("%s: policy=duplicate-unconfirmed rcpt=<%s> group=%s campaign=%s "
	     "queue_id=%s age=%ld", r_queue_id(req), rcpt, g->name, campaign,
	     d.queue_id[0] ? d.queue_id : "none", (long) floor(age));
    return (0);
}

/* pol_rules_decide - the action for one request */

void    pol_rules_decide(POL_RULES *r, const POL_REQUEST *req, BUF *action)
{
    char    safe[400];
    const char *rcpt;
    const char *domain;
    const char *campaign = 0;
    const char *sdomain = 0;
    const DESTTAB_GROUP *g;
    R_GROUP *s;
    PFDB_SUPP supp;
    double  now;
    int     rc;

    if (strcmp(req->protocol_state, "RCPT") != 0) {
	r_dunno(action);
	return;
    }
    rcpt = r_safe(req->recipient, safe, sizeof(safe));
    if (pol_addr_key(req->recipient, var_strip_tag ? ADDR_STRIP_TAG : 0,
		     r->rcpt, r->why) < 0) {
	/* Not ours to judge: smtpd's own checks handle bad syntax. */
	log_verbose("%s: policy=skip rcpt=<%s> reason=\"%s\"",
		    r_queue_id(req), rcpt, buf_str(r->why));
	r_dunno(action);
	return;
    }
    domain = addr_domain(buf_str(r->rcpt));
    g = desttab_lookup(r->tab, domain);

    /* 1. Suppression. */
    if (var_pol_suppress) {
	rc = r_supp_lookup(r, buf_str(r->rcpt), &supp);
	if (rc < 0) {
	    r_db_error(r, req, "suppression", rcpt, action);
	    return;
	}
	if (rc == 1) {
	    char    since[16];
	    time_t  first = supp.first;
	    struct tm tm;
	    char    reason[64];

	    localtime_r(&first, &tm);
	    strftime(since, sizeof(since), "%Y-%m-%d", &tm);
	    log_quote(supp.reason[0] ? supp.reason : "unknown", reason,
		      sizeof(reason));
	    buf_sprintf(action, "REJECT 5.1.1 <%s>: suppressed (%s since %s)",
			rcpt, reason, since);
	    log_info("%s: policy=suppressed rcpt=<%s> group=%s reason=%s "
		     "since=%s", r_queue_id(req), rcpt, g->name, reason, since);
	    return;
	}
    }

    /* 2. Duplicate guard for campaign mail. */
    if ((campaign = r_campaign(r, req->sender)) != 0) {
	if (var_pol_duplicate) {
	    rc = pfdb_msg_campaign_has_rcpt(r->db, campaign, buf_str(r->rcpt));
	    if (rc < 0) {
		r_db_error(r, req, "duplicate", rcpt, action);
		return;
	    }
	    now = pol_clock_now();
	    if (rc == 1 && r_duplicate(r, req, campaign, rcpt, g, now, action) != 0)
		return;
	}
    }
    now = pol_clock_now();
    if (now >= r->day_end || now < r->day_start)
	r_new_day(r, now);

    /* 3. Reputation guard. */
    if (var_pol_guard)
	sdomain = r_sender_domain(r, req, campaign);
    if (var_pol_guard && sdomain) {
	rc = pol_guard_check(r->guard, r->db, sdomain, r->day, now, r->why);
	if (rc < 0) {
	    log_warn("%s: policy=db-error rcpt=<%s> lookup=guard error=%s",
		     r_queue_id(req), rcpt, buf_str(r->why));
	    buf_sprintf(action, "%s", var_pol_db_error);
	    return;
	}
	if (rc == 1) {
	    buf_sprintf(action, "DEFER_IF_PERMIT 4.7.1 sender domain %s: %s",
			sdomain, buf_str(r->why));
	    log_info("%s: policy=guard rcpt=<%s> group=%s sender_domain=%s "
		     "reason=\"%s\"", r_queue_id(req), rcpt, g->name, sdomain,
		     buf_str(r->why));
	    return;
	}
    }

    /* 4. Destination group: daily cap, rates, backoff. */
    s = r->by_index[g->index];
    if (var_pol_rate) {
	int     level = desttab_backoff_level(g, s->level, s->until, now);
	long    cap = desttab_day_cap(g, now);
	long    mrate = desttab_backoff_rate(g, g->rate_per_minute, level);
	long    hrate = desttab_backoff_rate(g, g->rate_per_hour, level);
	double  mper = (double) var_pol_time_base;
	double  hper = 60.0 * var_pol_time_base;
	long    mburst = pol_rate_burst(mrate, var_pol_rate_burst);
	long    hburst = hrate / 60 > mburst ? hrate / 60 : mburst;
	double  wm, wh;

	if (cap > 0 && s->accepted >= cap) {
	    long    wait = (long) ceil(r->day_end - now);
	    int     wday = desttab_warmup_day(g, now);

	    if (wait < 1)
		wait = 1;			/* "retry in 0 s" would spin */

	    if (wday > 0 && wday <= g->nwarmup)
		buf_sprintf(action, "DEFER_IF_PERMIT 4.7.1 <%s>: daily cap %ld "
			    "reached (warm-up day %d), retry in %ld s",
			    g->name, cap, wday, wait);
	    else
		buf_sprintf(action, "DEFER_IF_PERMIT 4.7.1 <%s>: daily cap %ld "
			    "reached, retry in %ld s", g->name, cap, wait);
	    log_info("%s: policy=daily-cap rcpt=<%s> group=%s cap=%ld "
		     "warmup_day=%d retry=%ld", r_queue_id(req), rcpt, g->name,
		     cap, wday, wait);
	    return;
	}
	/*
	 * Empty buckets at the start of this process, refilled since: what
	 * a killed predecessor let through just before is not known, and a
	 * full bucket would send a second burst within the same minute.
	 */
	if (!s->primed) {
	    pol_rate_start(&s->minute, r->started, mrate, mper, mburst);
	    pol_rate_start(&s->hour, r->started, hrate, hper, hburst);
	    s->primed = 1;
	}
	wm = pol_rate_wait(&s->minute, now, mrate, mper, mburst);
	wh = pol_rate_wait(&s->hour, now, hrate, hper, hburst);
	if (wm > 0 || wh > 0) {
	    int     hourly = wh > wm;
	    long    wait = (long) ceil(hourly ? wh : wm);

	    if (wait < 1)
		wait = 1;
	    buf_sprintf(action, "DEFER_IF_PERMIT 4.7.1 <%s>: rate limit %ld/%s "
			"reached, retry in %ld s", g->name,
			hourly ? hrate : mrate, hourly ? "hour" : "min", wait);
	    log_info("%s: policy=rate rcpt=<%s> group=%s limit=%ld/%s "
		     "backoff_level=%d retry=%ld", r_queue_id(req), rcpt,
		     g->name, hourly ? hrate : mrate, hourly ? "hour" : "min",
		     level, wait);
	    return;
	}
	pol_rate_take(&s->minute, now, mrate, mper, mburst);
	pol_rate_take(&s->hour, now, hrate, hper, hburst);
    }
    s->accepted++;
    if (var_pol_guard && sdomain)
	pol_guard_count(r->guard, sdomain, r->day);
    r_dunno(action);
}

/* pol_rules_persist - write changed day counters */

int     pol_rules_persist(POL_RULES *r)
{
    int     ret = 0;

    if (r->db == 0)
	return (0);
    for (int i = 0; i < desttab_count(r->tab); i++) {
	R_GROUP *s = r->by_index[i];

	if (s->accepted == s->persisted || s->day[0] == 0)
	    continue;
	buf_sprintf(r->key_buf, "policyd/accepted/%s/%s",
		    desttab_group(r->tab, i)->name, s->day);
	if (pfdb_counter_put(r->db, 0, buf_str(r->key_buf), s->accepted) < 0) {
	    log_warn("cannot persist counter %s: %s", buf_str(r->key_buf),
		     pfdb_strerror(r->db));
	    ret = -1;
	    continue;
	}
	s->persisted = s->accepted;
    }
    if (pol_guard_persist(r->guard, r->db) < 0)
	ret = -1;
    return (ret);
}

/* pol_rules_tick - once a second: backoff, day, persistence */

void    pol_rules_tick(POL_RULES *r)
{
    double  now = pol_clock_now();

    if (now >= r->day_end || now < r->day_start)
	r_new_day(r, now);
    if (r->db) {
	for (int i = 0; i < desttab_count(r->tab); i++) {
	    const DESTTAB_GROUP *g = desttab_group(r->tab, i);
	    R_GROUP *s = r->by_index[i];
	    PFDB_BACKOFF bo;
	    int     rc = pfdb_backoff_get(r->db, 0, g->name, &bo);

	    if (rc < 0) {
		log_warn("cannot read backoff of group %s: %s", g->name,
			 pfdb_strerror(r->db));
		continue;
	    }
	    if (rc == 0)
		memset(&bo, 0, sizeof(bo));
	    if (bo.level != s->level || bo.until != s->until)
		log_info("NOQUEUE: policy=backoff group=%s level=%d until=%ld "
			 "reason=%s", g->name, bo.level, (long) bo.until,
			 bo.last_reason[0] ? bo.last_reason : "none");
	    s->level = bo.level;
	    s->until = bo.until;
	}
    }
    if (now - r->last_persist >= var_pol_persist || now < r->last_persist) {
	(void) pol_rules_persist(r);
	r->last_persist = now;
    }
    /* Without traffic the filter is built in bigger slices. */
    if (r->sfilter) {
	double  mono = pol_clock_mono();

	pol_suppfilter_step(r->sfilter, mono - r->last_decide > 1 ?
			    R_SF_IDLE : R_SF_BUSY);
	r->sf_next = pol_clock_mono() + R_SF_PERIOD;
    }
}

/* pol_rules_prepare - build the suppression filter now, up to limit s */

int     pol_rules_prepare(POL_RULES *r, double limit)
{
    double  end = pol_clock_mono() + limit;

    while (r->sfilter && !pol_suppfilter_ready(r->sfilter)) {
	if (pol_clock_mono() > end)
	    return (-1);
	pol_suppfilter_step(r->sfilter, 1.0);
    }
    return (0);
}

/* pol_rules_free - persist and release */

void    pol_rules_free(POL_RULES *r)
{
    pol_htab_free(r->state, free);
    pol_htab_free(r->campaigns, free);
    pol_htab_free(r->senders, free);
    pol_htab_free(r->suppdom, free);
    pol_guard_free(r->guard);
    if (r->sfilter)
	pol_suppfilter_free(r->sfilter);
    free(r->by_index);
    buf_free(r->rcpt);
    buf_free(r->token);
    buf_free(r->value);
    buf_free(r->why);
    buf_free(r->key_buf);
    free(r);
}
