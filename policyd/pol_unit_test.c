/*
 * NAME
 *	pol_unit_test 1 - unit tests of policyd's pure parts
 * SYNOPSIS
 *	pol_unit_test rate
 *	pol_unit_test desttab FILE DOMAIN...
 *	pol_unit_test caps FILE GROUP EPOCH...
 *	pol_unit_test backoff FILE GROUP LEVEL UNTIL NOW...
 *	pol_unit_test decide CONFIG COUNT SENDER
 *	pol_unit_test filter DBDIR COUNT
 * DESCRIPTION
 *	rate: token bucket properties, printed as "ok - ..." / "not ok - ...".
 *	desttab: loads FILE (or prints "error: ..." and exits 1) and prints
 *	the group of each DOMAIN. caps: warm-up day and daily cap of GROUP
 *	at each time. backoff: decayed level and per-minute rate at each NOW.
 *	The last three are compared to golden files by tests/policyd/unit.t.
 *	decide: runs pol_rules_decide() COUNT times in-process against the
 *	db and table of CONFIG (recipients as pol_bench makes them) and
 *	prints the thread CPU time per decision: the cost of the rules
 *	without the socket round trip (used by tests/policyd/bench.sh).
 *	filter: builds the suppression filter (pol_suppfilter) of the db in
 *	DBDIR, checks that it answers "maybe" for every key of the table
 *	(no false negative: that would let a suppressed address through)
 *	and counts its false positives over COUNT keys that are not in it.
 *	Prints "keys=N false_negatives=N false_positives=N of COUNT".
 */

/* System library. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Project library. */
#include "buf.h"
#include "log.h"
#include "addr.h"
#include "desttab.h"
#include "params.h"
#include "token.h"
#include "pfdb.h"

/* Application-specific. */
#include "pol_addr.h"
#include "pol_suppfilter.h"
#include "pol_params.h"
#include "pol_rate.h"
#include "pol_request.h"
#include "pol_rules.h"

static int failures;

static void check(int cond, const char *what)
{
    printf("%s - %s\n", cond ? "ok" : "not ok", what);
    if (!cond)
	failures++;
}

/* rate_window - most messages in any window of len seconds */

static int rate_window(const double *t, int n, double len)
{
    int     best = 0;

    for (int i = 0, j = 0; i < n; i++) {
	while (t[i] - t[j] > len)
	    j++;
	if (i - j + 1 > best)
	    best = i - j + 1;
    }
    return (best);
}

static void test_rate(void)
{
    POL_BUCKET b = {0};
    double  t[5000];
    int     n = 0;
    double  now = 1000.0;
    char    what[200];

    /* A greedy client polling every 1 ms for 60 s, rate 60 per 10 s. */
    for (int step = 0; step < 60000 && n < 5000; step++, now += 0.001) {
	if (pol_rate_wait(&b, now, 60, 10.0, 1) == 0) {
	    pol_rate_take(&b, now, 60, 10.0, 1);
	    t[n++] = now;
	}
    }
    snprintf(what, sizeof(what), "burst 1: at most 61 in any 10 s window (saw %d)",
	     rate_window(t, n, 10.0));
    check(rate_window(t, n, 10.0) <= 61, what);
    snprintf(what, sizeof(what), "burst 1: about 360 in 60 s (saw %d)", n);
    check(n >= 355 && n <= 361, what);

    /* Burst 10: at most rate + burst in any window. */
    memset(&b, 0, sizeof(b));
    n = 0;
    now = 5000.0;
    for (int step = 0; step < 30000 && n < 5000; step++, now += 0.001) {
	if (pol_rate_wait(&b, now, 60, 10.0, 10) == 0) {
	    pol_rate_take(&b, now, 60, 10.0, 10);
	    t[n++] = now;
	}
    }
    snprintf(what, sizeof(what), "burst 10: first 10 at once, at most 70 per "
	     "window (saw %d)", rate_window(t, n, 10.0));
    check(t[9] - t[0] < 0.01 && rate_window(t, n, 10.0) <= 70, what);

    /* The wait hint is exact: waiting it out lets the next one pass. */
    memset(&b, 0, sizeof(b));
    pol_rate_take(&b, 100.0, 6, 60.0, 1);
    {
	double  w = pol_rate_wait(&b, 100.5, 6, 60.0, 1);

	snprintf(what, sizeof(what), "wait hint 9.5 s for 6/min (got %.3f)", w);
	check(fabs(w - 9.5) < 1e-6, what);
	check(pol_rate_wait(&b, 100.5 + w, 6, 60.0, 1) == 0,
	      "waiting the hint out lets the next message pass");
    }
    /* A deferred message costs nothing: no take after a wait > 0. */
    check(pol_rate_wait(&b, 0, 0, 60.0, 1) == 0, "rate 0 means no limit");
    /* Idle time does not bank tokens beyond the burst. */
    memset(&b, 0, sizeof(b));
    pol_rate_take(&b, 10.0, 60, 60.0, 1);
    check(pol_rate_wait(&b, 1000.0, 60, 60.0, 1) == 0, "after idle: one passes");
    pol_rate_take(&b, 1000.0, 60, 60.0, 1);
    check(pol_rate_wait(&b, 1000.0, 60, 60.0, 1) > 0, "after idle: no bank of tokens");

    /*
     * A server killed and restarted 5 s into a greedy run (rate 60 per
     * 10 s, burst 10): with buckets set empty at its start the windows
     * across the restart keep rate + burst (+ the one at the restart
     * instant); a bucket full at start (zeroed) lets a second burst
     * through.
     */
    for (int primed = 1; primed >= 0; primed--) {
	memset(&b, 0, sizeof(b));
	n = 0;
	now = 7000.0;
	for (int step = 0; step < 30000 && n < 5000; step++, now += 0.001) {
	    if (step == 5000) {
		memset(&b, 0, sizeof(b));
		if (primed)
		    pol_rate_start(&b, now, 60, 10.0, 10);
	    }
	    if (pol_rate_wait(&b, now, 60, 10.0, 10) == 0) {
		pol_rate_take(&b, now, 60, 10.0, 10);
		t[n++] = now;
	    }
	}
	snprintf(what, sizeof(what), "restart with %s buckets: %s 71 in any 10 s window (saw %d)",
		 primed ? "empty (pol_rate_start)" : "full", primed ? "at most" : "more than",
		 rate_window(t, n, 10.0));
	check(primed ? rate_window(t, n, 10.0) <= 71 : rate_window(t, n, 10.0) > 71, what);
    }
    /* Set empty long ago: full again (a group idle since the start). */
    pol_rate_start(&b, 0.0, 60, 10.0, 10);
    n = 0;
    while (n < 20 && pol_rate_wait(&b, 500.0, 60, 10.0, 10) == 0) {
	pol_rate_take(&b, 500.0, 60, 10.0, 10);
	n++;
    }
    snprintf(what, sizeof(what), "set empty 500 s ago: a full burst of 10 (got %d)", n);
    check(n == 10, what);
}

/*
 * retry_sim - clients that retry a deferred recipient after the whole
 * "retry in S s" hint (postbulk-submit), all in step: messages passed in
 * the 60 s after a 10 s start, at rate per minute with bucket depth burst.
 */
static int retry_sim(long rate, long burst, int clients)
{
    POL_BUCKET b;
    double  next[64];
    int     passed = 0;

    memset(&b, 0, sizeof(b));
    for (int i = 0; i < clients && i < 64; i++)
	next[i] = 1000.0 + i * 0.001;
    for (int step = 0; step < 200000; step++) {
	int     c = 0;
	double  now, w;

	for (int i = 1; i < clients && i < 64; i++)
	    if (next[i] < next[c])
		c = i;
	now = next[c];
	if (now >= 1070.0)
	    break;
	if ((w = pol_rate_wait(&b, now, rate, 60.0, burst)) == 0) {
	    pol_rate_take(&b, now, rate, 60.0, burst);
	    if (now >= 1010.0)
		passed++;
	    next[c] = now + 0.002;		/* the next row, at once */
	} else {
	    long    hint = (long) ceil(w);

	    next[c] = now + (hint < 1 ? 1 : hint);
	}
    }
    return (passed);
}

/* test_burst - automatic bucket depth (policyd_rate_burst = 0) */

static void test_burst(void)
{
    char    what[200];
    int     n1, n20;

    check(pol_rate_burst(60, 0) == 1, "auto burst: 60/min -> 1");
    check(pol_rate_burst(30, 0) == 1, "auto burst: 30/min -> 1 (at least 1)");
    check(pol_rate_burst(1200, 0) == 20, "auto burst: 1200/min -> 20");
    check(pol_rate_burst(1200, 5) == 5, "configured burst wins over auto");
    check(pol_rate_burst(0, 0) == 1, "auto burst: no limit -> 1");
    n1 = retry_sim(1200, 1, 50);
    n20 = retry_sim(1200, pol_rate_burst(1200, 0), 50);
    snprintf(what, sizeof(what), "50 clients retrying in step, 1200/min, burst 1: "
	     "starved to about 1/s (saw %d per minute)", n1);
    check(n1 <= 120, what);
    snprintf(what, sizeof(what), "same with the automatic burst 20: at least 90%% "
	     "of 1200 and at most 1200 + 20 per minute (saw %d)", n20);
    check(n20 >= 1080 && n20 <= 1220, what);
}

/* test_addr - pol_addr_key() must equal addr_normalize() */

static void test_addr(void)
{
    static const char *fixed[] = {
	"user@naver.com", "User@NAVER.COM", "<a@b.test>", "  <a@b.test>  ",
	"a+tag@b.test", "+tag@b.test", "\"a+b\"@c.test", "a@b.test.",
	"a@b.test..", "a@b", "a@-b.test", "a@b-.test", "a@ab--cd.test",
	"a@xn--bcher-kva.test", "a@XN--bcher-kva.test", "a@xn--zz.test",
	"a@b.xn--3e0b707e", "a@b..test", "a@.b.test", "@b.test", "@B.TEST",
	"a@", "@", "", "a", "a@b@c.test", "a b@c.test", "a@b_c.test",
	"a@123.456", "a@[1.2.3.4]", "\xec\x82\xac\xec\x9a\xa9\xec\x9e\x90@b.test",
	"a@\xeb\x84\xa4\xec\x9d\xb4\xeb\xb2\x84.com", "a@b.test\t",
	".a@b.test", "a.@b.test", "a..b@c.test", "a@b.c-d.e.test",
	"a@0.test", "a@b.t3st", "A@B.TEST.", "a@B.Test", 0,
    };
    BUF    *o1 = buf_alloc(100), *o2 = buf_alloc(100);
    BUF    *w1 = buf_alloc(100), *w2 = buf_alloc(100);
    char    gen[200];
    uint64_t rng = 12345;
    int     bad = 0, n = 0;
    char    what[300];
    const char alpha[] = "aZ0-.+@<>\"_x";

    for (int pass = 0; pass < 2; pass++) {
	for (int i = 0; pass == 0 ? fixed[i] != 0 : i < 200000; i++) {
	    const char *a;

	    if (pass == 0) {
		a = fixed[i];
	    } else {
		int     len = 1 + (int) (rng % 24);

		for (int k = 0; k < len; k++) {
		    rng ^= rng << 13;
		    rng ^= rng >> 7;
		    rng ^= rng << 17;
		    gen[k] = alpha[rng % (sizeof(alpha) - 1)];
		}
		gen[len] = 0;
		a = gen;
	    }
	    for (int flags = 0; flags < 4; flags++) {
		int     r1 = addr_normalize(a, flags, o1, w1);
		int     r2 = pol_addr_key(a, flags, o2, w2);

		n++;
		if (r1 != r2 || (r1 == 0 && strcmp(buf_str(o1), buf_str(o2)) != 0)) {
		    if (bad++ < 5)
			printf("# differ: \"%s\" flags %d: %d \"%s\" vs %d \"%s\"\n",
			       a, flags, r1, r1 == 0 ? buf_str(o1) : buf_str(w1),
			       r2, r2 == 0 ? buf_str(o2) : buf_str(w2));
		}
	    }
	}
    }
    snprintf(what, sizeof(what), "pol_addr_key equals addr_normalize on %d "
	     "cases (%d differ)", n, bad);
    check(bad == 0, what);
    buf_free(o1);
    buf_free(o2);
    buf_free(w1);
    buf_free(w2);
}

/* decide_bench - CPU per pol_rules_decide() call */

static int decide_bench(const char *config, long count, const char *sender)
{
    BUF    *why = buf_alloc(100);
    BUF    *action = buf_alloc(100);
    TOKEN_KEY key;
    DESTTAB *tab;
    PFDB   *db;
    POL_RULES *r;
    POL_REQUEST req;
    char    rcpt[100];
    uint64_t rng = 42;
    struct timespec t0, t1;
    long    dunno = 0;

    if (params_load(config, pol_params, "policyd_", why) < 0
	|| pol_params_check(why) < 0
	|| (tab = desttab_load(var_dest_table, why)) == 0
	|| token_key_load(var_token_key_file, &key, why) < 0
	|| (db = pfdb_open(var_db_directory, 0, why)) == 0) {
	printf("error: %s\n", buf_str(why));
	return (1);
    }
    r = pol_rules_create(db, tab, &key);
    /* Steady state: the suppression filter built (as policyd is a few
     * seconds after it starts). */
    if (pol_rules_prepare(r, 120.0) < 0) {
	printf("error: suppression filter not built within 120 s\n");
	return (1);
    }
    memset(&req, 0, sizeof(req));
    req.request = "smtpd_access_policy";
    req.protocol_state = "RCPT";
    req.protocol_name = req.queue_id = req.instance = req.client_name = "";
    req.client_address = "127.0.0.1";
    req.helo_name = req.sasl_username = req.size = "";
    req.sender = sender;
    req.recipient = rcpt;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    for (long i = 0; i < count; i++) {
	long    u;

	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	u = (long) (rng % 100000);
	snprintf(rcpt, sizeof(rcpt), "user%ld@d%ld.test", u, u % 100);
	buf_reset(action);
	pol_rules_decide(r, &req, action);
	dunno += strcmp(buf_str(action), "DUNNO") == 0;
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    printf("decisions=%ld dunno=%ld cpu_us_per_decision=%.2f\n", count, dunno,
	   ((t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3) / count);
    pol_rules_free(r);
    pfdb_close(db);
    desttab_free(tab);
    return (0);
}

/* filter_test - no false negatives, few false positives */

typedef struct FILTER_CHECK {
    POL_SUPPFILTER *f;
    long    keys;
    long    missed;
} FILTER_CHECK;

static int filter_check_fn(const char *key, void *ctx)
{
    FILTER_CHECK *c = ctx;

    c->keys++;
    if (!pol_suppfilter_maybe(c->f, key)) {
	if (c->missed++ < 5)
	    printf("false negative: %s\n", key);
    }
    return (0);
}

static int filter_test(const char *dir, long count)
{
    BUF    *why = buf_alloc(100);
    FILTER_CHECK c;
    PFDB   *db;
    long    fp = 0;
    char    key[100];
    int     rounds = 0;

    if ((db = pfdb_open(dir, 0, why)) == 0) {
	printf("error: %s\n", buf_str(why));
	return (1);
    }
    memset(&c, 0, sizeof(c));
    c.f = pol_suppfilter_create(db, 25);
    while (!pol_suppfilter_ready(c.f) && rounds++ < 1000)
	pol_suppfilter_step(c.f, 0.01);	/* small slices: resume works */
    if (!pol_suppfilter_ready(c.f)) {
	printf("error: filter not ready after %d steps\n", rounds);
	return (1);
    }
    if (pfdb_supp_keys(db, "", filter_check_fn, &c) < 0) {
	printf("error: %s\n", pfdb_strerror(db));
	return (1);
    }
    for (long i = 0; i < count; i++) {
	snprintf(key, sizeof(key), "absent%ld@nowhere%ld.test", i, i % 97);
	fp += pol_suppfilter_maybe(c.f, key);
    }
    printf("keys=%ld false_negatives=%ld false_positives=%ld of %ld steps=%d\n",
	   c.keys, c.missed, fp, count, rounds);
    pol_suppfilter_free(c.f);
    pfdb_close(db);
    buf_free(why);
    return (0);
}

int     main(int argc, char **argv)
{
    BUF    *why;
    DESTTAB *tab;

    log_init(argv[0], LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    if (argc == 2 && strcmp(argv[1], "rate") == 0) {
	test_rate();
	test_burst();
	test_addr();
	return (failures ? 1 : 0);
    }
    if (argc == 5 && strcmp(argv[1], "decide") == 0) {
	log_init(argv[0], LOG_FLAG_NOSYSLOG);	/* decisions log nothing here */
	return (decide_bench(argv[2], atol(argv[3]), argv[4]));
    }
    if (argc == 4 && strcmp(argv[1], "filter") == 0)
	return (filter_test(argv[2], atol(argv[3])));
    if (argc < 3)
	return (2);
    why = buf_alloc(100);
    if ((tab = desttab_load(argv[2], why)) == 0) {
	printf("error: %s\n", buf_str(why));
	buf_free(why);
	return (1);
    }
    buf_free(why);
    if (strcmp(argv[1], "desttab") == 0) {
	for (int i = 0; i < desttab_count(tab); i++) {
	    const DESTTAB_GROUP *g = desttab_group(tab, i);

	    printf("group %d %s: transport=%s domains=%d rate=%ld/%ld cap=%ld "
		   "warmup=%d backoff=%d,%ld,%ld,%d conc=%ld delay=%ld rlim=%ld "
		   "mpc=%ld\n", g->index, g->name, g->transport, g->ndomains,
		   g->rate_per_minute, g->rate_per_hour, g->daily_cap,
		   g->nwarmup, g->backoff_factor, g->backoff_duration,
		   g->backoff_recovery, g->backoff_max_level,
		   g->concurrency_limit, g->rate_delay, g->recipient_limit,
		   g->messages_per_connection);
	}
	for (int i = 3; i < argc; i++)
	    printf("%s -> %s\n", argv[i], desttab_lookup(tab, argv[i])->name);
    } else if (strcmp(argv[1], "caps") == 0 && argc >= 4) {
	const DESTTAB_GROUP *g = desttab_find(tab, argv[3]);

	if (g == 0) {
	    desttab_free(tab);
	    return (2);
	}
	for (int i = 4; i < argc; i++) {
	    time_t  t = (time_t) atoll(argv[i]);

	    printf("%s: day=%d cap=%ld\n", argv[i], desttab_warmup_day(g, t),
		   desttab_day_cap(g, t));
	}
    } else if (strcmp(argv[1], "backoff") == 0 && argc >= 6) {
	const DESTTAB_GROUP *g = desttab_find(tab, argv[3]);
	int     level = atoi(argv[4]);
	time_t  until = (time_t) atoll(argv[5]);

	if (g == 0) {
	    desttab_free(tab);
	    return (2);
	}
	for (int i = 6; i < argc; i++) {
	    int     l = desttab_backoff_level(g, level, until,
					      (time_t) atoll(argv[i]));

	    printf("now=%s level=%d rate=%ld/min\n", argv[i], l,
		   desttab_backoff_rate(g, g->rate_per_minute, l));
	}
    }
    desttab_free(tab);
    return (0);
}
