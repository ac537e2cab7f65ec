#ifndef PF_DESTTAB_H
#define PF_DESTTAB_H

/*
 * NAME
 *	desttab 3 - the destination group table (destinations.cf)
 * SYNOPSIS
 *	#include "desttab.h"
 *
 *	DESTTAB *desttab_load(const char *path, BUF *why);
 *	void desttab_free(DESTTAB *tab);
 *	int desttab_count(const DESTTAB *tab);
 *	const DESTTAB_GROUP *desttab_group(const DESTTAB *tab, int index);
 *	const DESTTAB_GROUP *desttab_find(const DESTTAB *tab, const char *name);
 *	const DESTTAB_GROUP *desttab_lookup(const DESTTAB *tab,
 *					    const char *domain);
 *	long desttab_day_cap(const DESTTAB_GROUP *grp, time_t now);
 *	int desttab_warmup_day(const DESTTAB_GROUP *grp, time_t now);
 *	int desttab_backoff_level(const DESTTAB_GROUP *grp, int level,
 *				  time_t until, time_t now);
 *	long desttab_backoff_rate(const DESTTAB_GROUP *grp, long rate,
 *				  int level);
 * DESCRIPTION
 *	One table says, per destination group (a set of recipient domains
 *	served by one mailbox provider), how fast postbulk may send there.
 *	postbulk-policyd enforces the message rates, the daily cap, the
 *	warm-up ramp and the backoff; postbulk-conf generates one Postfix
 *	transport per group from the transport settings; bounce-pipe raises
 *	a group's backoff level when the provider throttles.
 *
 *	FILE FORMAT. Like main.cf inside INI-style sections:
 *
 *	    # comment (a "#" as first non-blank character)
 *	    [default]                  # a group; [NAME], NAME = [a-z0-9_-]{1,32}
 *	    rate_per_minute = 100
 *	    [naver]
 *	    domains = naver.com, navercorp.com
 *	    rate_per_minute = 30
 *	    warmup_steps = 500, 1000, 2000, 5000, 10000
 *
 *	Lines are "name = value"; a line that starts with white space
 *	continues the previous one (as in main.cf); lists are separated by
 *	commas and/or white space. Settings missing from a group come from
 *	the [default] group (wherever it appears in the file), and settings
 *	missing there from the built-in defaults listed below. The group
 *	"default" is used for every domain that no other group lists; it
 *	exists even when the file does not declare it, and it cannot have
 *	"domains".
 *
 *	Settings (built-in default in parentheses; 0 = no limit):
 *	domains		recipient domains of the group. A domain also
 *			matches its subdomains ("naver.com" matches
 *			"mail.naver.com"); the longest listed suffix wins.
 *			A domain may belong to one group only.
 *	rate_per_minute	messages (RCPT accepted by policyd) per minute (0)
 *	rate_per_hour	messages per hour (0)
 *	daily_cap	messages per calendar day, local time (0)
 *	warmup_start	YYYY-MM-DD: day 1 of the warm-up ramp (none)
 *	warmup_steps	daily caps for day 1, 2, ... of the ramp; after the
 *			last step the plain daily_cap applies; before
 *			warmup_start the first step applies. (none)
 *	backoff_factor	the rate is divided by factor^level while the group
 *			is in backoff level "level" (2, range 2..16)
 *	backoff_duration time a new backoff level holds before recovery
 *			starts; bounce-pipe sets until = now + this (30m)
 *	backoff_recovery time per recovery step: at "until" the level drops
 *			by one, then by one more every backoff_recovery (10m)
 *	backoff_max_level highest level bounce-pipe may set (4, range 1..16)
 *	transport	Postfix transport name postbulk-conf generates
 *			(pb_NAME; "smtp" for default means no own transport)
 *	concurrency_limit TRANSPORT_destination_concurrency_limit (2)
 *	rate_delay	TRANSPORT_destination_rate_delay, time (0s)
 *	recipient_limit	TRANSPORT_destination_recipient_limit (50)
 *	messages_per_connection  -o smtp_connection_reuse_count_limit (100)
 *
 *	Times take the suffixes s, m, h, d, w as in the postbulk
 *	configuration. Integer values are decimal, optionally with
 *	thousands separated by "_" (10_000).
 *
 *	API. desttab_load() reads and checks a whole file; a bad file never
 *	yields a half table. desttab_lookup() returns the group for a
 *	lowercase recipient domain (exact, then each parent domain), or the
 *	default group; it never returns NULL. Groups are numbered 0 ..
 *	desttab_count()-1 in file order, default included (grp->index).
 *
 *	desttab_warmup_day() is the 1-based ramp day at time now (0 when
 *	the group has no ramp). desttab_day_cap() is the daily cap in
 *	force at time now (warm-up step or plain cap; 0 = no cap).
 *
 *	desttab_backoff_level() is the level in force at time now for a
 *	stored backoff (PFDB_BACKOFF level/until): level while now <
 *	until, then one less at until and one less after each further
 *	backoff_recovery, never below 0. desttab_backoff_rate() divides a
 *	rate by factor^level, but never below 1 when rate > 0.
 * DIAGNOSTICS
 *	desttab_load() returns NULL with "FILE, line N: reason" in why
 *	(unknown setting, bad value, duplicate group or domain, domains
 *	for default, syntax), or "FILE: reason" when it cannot be read.
 * SEE ALSO
 *	postfix-conf/destinations.cf (the sample with the presets),
 *	postbulk-policyd(8), postbulk-conf(8)
 */
#include <time.h>

#include "buf.h"

#define DESTTAB_NAME_MAX	32
#define DESTTAB_DEFAULT		"default"

typedef struct DESTTAB DESTTAB;

typedef struct DESTTAB_GROUP {
    char    name[DESTTAB_NAME_MAX + 1];
    int     index;			/* 0..count-1, file order */
    int     line;			/* line of the [NAME] header, 0 = built-in */
    char  **domains;			/* lowercase */
    int     ndomains;
    /* Enforced by policyd. */
    long    rate_per_minute;		/* 0 = none */
    long    rate_per_hour;		/* 0 = none */
    long    daily_cap;			/* 0 = none */
    time_t  warmup_start;		/* local midnight; 0 = no ramp */
    long   *warmup_steps;
    int     nwarmup;
    int     backoff_factor;
    long    backoff_duration;		/* seconds */
    long    backoff_recovery;		/* seconds */
    int     backoff_max_level;
    /* Generated into Postfix by postbulk-conf. */
    char    transport[DESTTAB_NAME_MAX + 8];
    long    concurrency_limit;
    long    rate_delay;			/* seconds */
    long    recipient_limit;
    long    messages_per_connection;
} DESTTAB_GROUP;

DESTTAB *desttab_load(const char *, BUF *);
void    desttab_free(DESTTAB *);
int     desttab_count(const DESTTAB *);
const DESTTAB_GROUP *desttab_group(const DESTTAB *, int);
const DESTTAB_GROUP *desttab_find(const DESTTAB *, const char *);
const DESTTAB_GROUP *desttab_lookup(const DESTTAB *, const char *);
int     desttab_warmup_day(const DESTTAB_GROUP *, time_t);
long    desttab_day_cap(const DESTTAB_GROUP *, time_t);
int     desttab_backoff_level(const DESTTAB_GROUP *, int, time_t, time_t);
long    desttab_backoff_rate(const DESTTAB_GROUP *, long, int);

#endif
