/*
 * NAME
 *	cli_guard 3 - "postbulk guard": policyd's reputation guard per sender domain
 * SYNOPSIS
 *	postbulk guard show DOMAIN [DAY]
 *	postbulk guard reset DOMAIN
 * DESCRIPTION
 *	postbulk-policyd defers all mail of a sender domain whose hard-bounce,
 *	invalid-address or complaint rate of the day passed its threshold
 *	(policyd/pol_guard.h). "guard show" prints the day's counters that
 *	the guard reads, the reset baselines and the resulting rates.
 *	"guard reset" stores the current values as the baselines
 *	(guard-base/KIND/DOMAIN/DAY), so the domain starts over today and
 *	must again reach policyd_guard_min_volume before it is judged; a
 *	running policyd picks it up within policyd_guard_refresh. The key
 *	names are those of pol_guard.h; "postbulk-policyd -R DOMAIN" does
 *	the same reset.
 *
 *	DAY is YYYY-MM-DD, local time; default today.
 * DIAGNOSTICS
 *	EX_USAGE for bad arguments, EX_DATAERR for a bad domain,
 *	EX_TEMPFAIL when the db fails (cli_db_fail).
 */

/* System library. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

/* Project library. */
#include "buf.h"
#include "log.h"
#include "addr.h"
#include "pfdb.h"

/* Local. */
#include "cli.h"

static const char *guard_kind[] = {
    "sent", "hard", "invalid", "complaint", "policyd",
};

#define GUARD_KINDS	5

/* guard_key - counter key of a kind, as pol_guard.c builds it */

static void guard_key(BUF *key, const char *kind, const char *domain,
		              const char *day)
{
    if (strcmp(kind, "policyd") == 0)
	buf_sprintf(key, "policyd/sender/%s/%s", domain, day);
    else
	buf_sprintf(key, "%s/%s/%s", kind, domain, day);
}

/* guard_domain - normalized domain, without "@" */

static int guard_domain(const char *in, BUF *out, BUF *why)
{
    BUF    *at = buf_alloc(100);
    int     ret;

    buf_sprintf(at, "@%s", in[0] == '@' ? in + 1 : in);
    ret = addr_normalize(buf_str(at), 0, out, why);
    if (ret == 0) {
	buf_sprintf(at, "%s", buf_str(out) + 1);
	buf_sprintf(out, "%s", buf_str(at));
    }
    buf_free(at);
    return (ret);
}

/* cli_guard - the "guard" command group */

int     cli_guard(CLI_CTX *ctx, int argc, char **argv)
{
    BUF    *dom = buf_alloc(100);
    BUF    *why = buf_alloc(100);
    BUF    *key = buf_alloc(100);
    char    day[16];
    int64_t val[GUARD_KINDS], base[GUARD_KINDS];
    PFDB   *db;
    int     show;
    int     ret = EX_OK;

    if (argc < 3 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "reset") != 0))
	cli_usage(ctx, "guard: need show or reset, and a DOMAIN");
    show = strcmp(argv[1], "show") == 0;
    if ((show && argc > 4) || (!show && argc != 3))
	cli_usage(ctx, "guard %s: wrong number of arguments", argv[1]);
    if (guard_domain(argv[2], dom, why) < 0) {
	log_error("guard %s: bad domain %s: %s", argv[1], argv[2], buf_str(why));
	ret = EX_DATAERR;
	goto out;
    }
    if (show && argc == 4) {
	int     y, m, d;
	char    junk;

	if (sscanf(argv[3], "%4d-%2d-%2d%c", &y, &m, &d, &junk) != 3) {
	    log_error("guard show: bad day \"%s\" (want YYYY-MM-DD)", argv[3]);
	    ret = EX_USAGE;
	    goto out;
	}
	snprintf(day, sizeof(day), "%04d-%02d-%02d", y, m, d);
    } else {
	time_t  now = time(0);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    }
    db = cli_db(ctx);
    for (int k = 0; k < GUARD_KINDS; k++) {
	int     rc;

	guard_key(key, guard_kind[k], buf_str(dom), day);
	if ((rc = pfdb_counter_get(db, 0, buf_str(key), &val[k])) < 0) {
	    ret = cli_db_fail(ctx, buf_str(key));
	    goto out;
	}
	if (rc == 0)
	    val[k] = 0;
	buf_sprintf(key, "guard-base/%s/%s/%s", guard_kind[k], buf_str(dom), day);
	if ((rc = pfdb_counter_get(db, 0, buf_str(key), &base[k])) < 0) {
	    ret = cli_db_fail(ctx, buf_str(key));
	    goto out;
	}
	if (rc == 0)
	    base[k] = 0;
    }
    if (show) {
	int64_t sent = val[0] - base[0];
	int64_t ours = val[4] - base[4];
	int64_t volume = sent > ours ? sent : ours;

	printf("domain %s day %s\n", buf_str(dom), day);
	for (int k = 0; k < GUARD_KINDS; k++)
	    printf("%-10s %" PRId64 " (since reset %" PRId64 ")\n",
		   guard_kind[k], val[k], val[k] - base[k]);
	for (int k = 1; k <= 3; k++)
	    printf("%s rate %.2f%% of %" PRId64 "\n", guard_kind[k],
		   volume > 0 ? 100.0 * (double) (val[k] - base[k]) / (double) volume : 0.0,
		   volume);
    } else {
	for (int k = 0; k < GUARD_KINDS; k++) {
	    buf_sprintf(key, "guard-base/%s/%s/%s", guard_kind[k], buf_str(dom), day);
	    if (pfdb_counter_put(db, 0, buf_str(key), val[k]) < 0) {
		ret = cli_db_fail(ctx, buf_str(key));
		goto out;
	    }
	}
	printf("guard reset: %s for %s (sent %" PRId64 ", hard %" PRId64
	       ", invalid %" PRId64 ", complaint %" PRId64 " so far)\n",
	       buf_str(dom), day, val[0], val[1], val[2], val[3]);
    }
out:
    buf_free(dom);
    buf_free(why);
    buf_free(key);
    return (ret);
}
