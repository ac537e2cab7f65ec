/*
 * NAME
 *	cli_status 3 - postbulk status [CAMPAIGN]
 * SYNOPSIS
 *	#include "cli.h"
 *	int cli_status(CLI_CTX *ctx, int argc, char **argv);
 * DESCRIPTION
 *	Counts the message records of one campaign (through the campaign
 *	index) or of all, per status code (with its name and share), then
 *	per destination domain with one column per status that occurs,
 *	domains with the most messages first. Plain aligned text.
 * DIAGNOSTICS
 *	EX_OK; EX_NOINPUT when the campaign has no messages and is not
 *	in the campaigns table; EX_TEMPFAIL on a db error.
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* Project library. */
#include "addr.h"
#include "mem.h"

/* Local. */
#include "cli.h"
#include "pfdb.h"

#define CLI_NSTATUS	10		/* 0..8, and 9 = unknown code */

typedef struct CLI_DOMAIN {
    char   *name;
    long    total;
    long    count[CLI_NSTATUS];
} CLI_DOMAIN;

typedef struct CLI_STATUS {
    long    total;
    long    count[CLI_NSTATUS];
    CLI_DOMAIN *doms;			/* sorted by name while counting */
    size_t  ndoms, cap;
} CLI_STATUS;

static int cli_status_slot(int status)
{
    return (status >= 0 && status < CLI_NSTATUS - 1 ? status : CLI_NSTATUS - 1);
}

/* cli_status_domain - find or insert (binary search; domains are few) */

static CLI_DOMAIN *cli_status_domain(CLI_STATUS *st, const char *name)
{
    size_t  lo = 0, hi = st->ndoms;

    while (lo < hi) {
	size_t  mid = (lo + hi) / 2;
	int     cmp = strcmp(name, st->doms[mid].name);

	if (cmp == 0)
	    return (&st->doms[mid]);
	if (cmp < 0)
	    hi = mid;
	else
	    lo = mid + 1;
    }
    if (st->ndoms == st->cap)
	st->doms = xrealloc(st->doms, (st->cap = st->cap ? 2 * st->cap : 64)
			    * sizeof(*st->doms));
    memmove(st->doms + lo + 1, st->doms + lo, (st->ndoms - lo) * sizeof(*st->doms));
    st->ndoms++;
    memset(&st->doms[lo], 0, sizeof(st->doms[lo]));
    st->doms[lo].name = xstrdup(name);
    return (&st->doms[lo]);
}

static int cli_status_fn(const PFDB_MSG *m, void *ctx)
{
    CLI_STATUS *st = ctx;
    const char *dom = addr_domain(m->rcpt);
    CLI_DOMAIN *d = cli_status_domain(st, dom && *dom ? dom : "(none)");
    int     slot = cli_status_slot(m->status);

    st->total++;
    st->count[slot]++;
    d->total++;
    d->count[slot]++;
    return (0);
}

static int cli_status_cmp(const void *a, const void *b)
{
    const CLI_DOMAIN *x = a, *y = b;

    if (x->total != y->total)
	return (x->total < y->total ? 1 : -1);
    return (strcmp(x->name, y->name));
}

static const char *cli_status_label(int slot)
{
    return (slot == CLI_NSTATUS - 1 ? "other" : pfdb_status_name(slot));
}

int     cli_status(CLI_CTX *ctx, int argc, char **argv)
{
    CLI_STATUS st;
    PFDB   *db;
    PFDB_CAMPAIGN camp;
    const char *campaign = 0;
    int     r, width = 6;

    for (int i = 1; i < argc; i++) {
	if (argv[i][0] == '-')
	    cli_usage(ctx, "status: unknown option \"%s\"", argv[i]);
	if (campaign)
	    cli_usage(ctx, "status: more than one campaign");
	campaign = argv[i];
    }
    db = cli_db(ctx);
    memset(&st, 0, sizeof(st));
    r = campaign ? pfdb_msg_by_campaign(db, campaign, cli_status_fn, &st)
	: pfdb_msg_walk(db, cli_status_fn, &st);
    if (r < 0)
	return (cli_db_fail(ctx, "status"));
    if (campaign && st.total == 0 && pfdb_campaign_get(db, NULL, campaign, &camp) == 0) {
	fprintf(stderr, "%s: status: no campaign \"%s\"\n", ctx->prog, campaign);
	return (EX_NOINPUT);
    }
    printf("%s %s: %ld messages\n\n", campaign ? "Campaign" : "All",
	   campaign ? campaign : "campaigns", st.total);
    printf("%-12s %4s %10s %7s\n", "STATUS", "CODE", "COUNT", "SHARE");
    for (int s = 0; s < CLI_NSTATUS; s++) {
	char    code[16];

	if (s == CLI_NSTATUS - 1 && st.count[s] == 0)
	    continue;
	if (s == CLI_NSTATUS - 1)
	    snprintf(code, sizeof(code), "-");
	else
	    snprintf(code, sizeof(code), "%d", s);
	printf("%-12s %4s %10ld %6.1f%%\n", cli_status_label(s), code,
	       st.count[s], st.total ? 100.0 * st.count[s] / st.total : 0.0);
    }
    printf("%-12s %4s %10ld\n", "total", "", st.total);

    if (st.ndoms == 0)
	return (EX_OK);
    qsort(st.doms, st.ndoms, sizeof(*st.doms), cli_status_cmp);
    {
	int     dw = 6;

	for (size_t i = 0; i < st.ndoms; i++)
	    if ((int) strlen(st.doms[i].name) > dw)
		dw = (int) strlen(st.doms[i].name);
	if (dw > 40)
	    dw = 40;
	printf("\n%-*s %8s", dw, "DOMAIN", "TOTAL");
	for (int s = 0; s < CLI_NSTATUS; s++)
	    if (st.count[s])
		printf(" %*s", (int) strlen(cli_status_label(s)) > width ?
		       (int) strlen(cli_status_label(s)) : width, cli_status_label(s));
	printf("\n");
	for (size_t i = 0; i < st.ndoms; i++) {
	    printf("%-*s %8ld", dw, st.doms[i].name, st.doms[i].total);
	    for (int s = 0; s < CLI_NSTATUS; s++)
		if (st.count[s])
		    printf(" %*ld", (int) strlen(cli_status_label(s)) > width ?
			   (int) strlen(cli_status_label(s)) : width,
			   st.doms[i].count[s]);
	    printf("\n");
	    free(st.doms[i].name);
	}
    }
    free(st.doms);
    return (EX_OK);
}
