/*
 * NAME
 *	cli_schedule 3 - postbulk release --due, postbulk cancel CAMPAIGN
 * SYNOPSIS
 *	#include "cli.h"
 *	int cli_release(CLI_CTX *ctx, int argc, char **argv);
 *	int cli_cancel(CLI_CTX *ctx, int argc, char **argv);
 * DESCRIPTION
 *	Scheduled mail (X-Postbulk-Send-At) sits in Postfix's hold queue,
 *	put there by postbulk-milter, with message records of status 7
 *	and send_at set.
 *
 *	"postbulk release --due [-n] [--postfix-config DIR]" (run from cron
 *	or a systemd timer) finds the status-7 records whose send_at has
 *	come, releases their queue ids with one "postsuper -H -" and sets
 *	them to status 0 (queued).
 *
 *	"postbulk cancel CAMPAIGN [-n] [--postfix-config DIR]" deletes the
 *	campaign's held queue ids with one "postsuper -d -", sets those
 *	records to 8 (canceled) and marks the campaign canceled when it
 *	is in the campaigns table. Mail of the campaign that already left
 *	the hold queue is not touched.
 *
 *	-n only prints what would be done. --postfix-config is passed to
 *	postsuper as -c (default: postsuper's own, $MAIL_CONFIG).
 * DIAGNOSTICS
 *	EX_OK; EX_USAGE; EX_UNAVAILABLE when postsuper fails (records are
 *	then left unchanged); EX_TEMPFAIL on a db error.
 */

/* System library. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* Project library. */
#include "log.h"
#include "mem.h"

/* Local. */
#include "cli.h"
#include "pfdb.h"

typedef struct CLI_HELD {
    PFDB_MSG *msgs;			/* records to change */
    size_t  count, cap;
    time_t  now;
    const char *campaign;		/* cancel: NULL for release */
} CLI_HELD;

/* cli_held_collect - remember the held records that qualify */

static int cli_held_collect(const PFDB_MSG *m, void *ctx)
{
    CLI_HELD *h = ctx;

    if (m->status != PFDB_ST_SCHEDULED || m->queue_id[0] == 0)
	return (0);
    if (h->campaign == 0 && m->send_at > h->now)
	return (0);
    if (h->count == h->cap)
	h->msgs = xrealloc(h->msgs, (h->cap = h->cap ? 2 * h->cap : 64) * sizeof(*h->msgs));
    h->msgs[h->count++] = *m;
    return (0);
}

/* cli_postsuper - run "postsuper [-c dir] OP -" with the distinct queue ids */

static int cli_postsuper(const char *confdir, const char *op, const CLI_HELD *h)
{
    int     fds[2], status;
    pid_t   pid;
    FILE   *fp;
    size_t  i, j;
    char   *argv[6];
    int     argc = 0;

    argv[argc++] = "postsuper";
    if (confdir) {
	argv[argc++] = "-c";
	argv[argc++] = (char *) confdir;
    }
    argv[argc++] = (char *) op;
    argv[argc++] = "-";
    argv[argc] = 0;
    if (pipe(fds) < 0) {
	log_warn("pipe: %m");
	return (-1);
    }
    if ((pid = fork()) < 0) {
	log_warn("fork: %m");
	close(fds[0]);
	close(fds[1]);
	return (-1);
    }
    if (pid == 0) {
	dup2(fds[0], 0);
	close(fds[0]);
	close(fds[1]);
	execvp(argv[0], argv);
	_exit(127);
    }
    close(fds[0]);
    signal(SIGPIPE, SIG_IGN);
    if ((fp = fdopen(fds[1], "w")) == 0) {
	close(fds[1]);
	waitpid(pid, &status, 0);
	return (-1);
    }
    for (i = 0; i < h->count; i++) {
	for (j = 0; j < i; j++)
	    if (strcmp(h->msgs[j].queue_id, h->msgs[i].queue_id) == 0)
		break;
	if (j == i)
	    fprintf(fp, "%s\n", h->msgs[i].queue_id);
    }
    fclose(fp);
    while (waitpid(pid, &status, 0) < 0)
	if (errno != EINTR)
	    return (-1);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
	log_warn("postsuper %s exited with status %d", op,
		 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return (-1);
    }
    return (0);
}

/* cli_schedule_run - shared part of release and cancel */

static int cli_schedule_run(CLI_CTX *ctx, int argc, char **argv, const char *campaign,
			            const char *op, int new_status)
{
    PFDB   *db;
    CLI_HELD h;
    const char *confdir = 0;
    int     dry = 0, i, ret = EX_OK, rc;
    size_t  k;

    for (i = 1; i < argc; i++) {
	if (strcmp(argv[i], "-n") == 0)
	    dry = 1;
	else if (strcmp(argv[i], "--postfix-config") == 0 && i + 1 < argc)
	    confdir = argv[++i];
	else if (strcmp(argv[i], "--due") == 0 && campaign == 0)
	     /* required word, checked by the caller */ ;
	else if (campaign && argv[i] == campaign)
	     /* the campaign name */ ;
	else
	    cli_usage(ctx, "unexpected argument \"%s\"", argv[i]);
    }
    db = cli_db(ctx);
    memset(&h, 0, sizeof(h));
    h.now = time((time_t *) 0);
    h.campaign = campaign;
    rc = campaign ? pfdb_msg_by_campaign(db, campaign, cli_held_collect, &h)
	: pfdb_msg_walk(db, cli_held_collect, &h);
    if (rc < 0) {
	free(h.msgs);
	return (cli_db_fail(ctx, campaign ? "pfdb_msg_by_campaign" : "pfdb_msg_walk"));
    }
    if (dry) {
	for (k = 0; k < h.count; k++)
	    printf("%s %s %s %s\n", op, h.msgs[k].queue_id, h.msgs[k].msgid, h.msgs[k].rcpt);
	printf("%lu record(s) would change to status %d\n", (unsigned long) h.count, new_status);
	free(h.msgs);
	return (EX_OK);
    }
    if (h.count > 0 && cli_postsuper(confdir, op, &h) < 0) {
	fprintf(stderr, "%s: postsuper %s failed; records unchanged\n", ctx->prog, op);
	free(h.msgs);
	return (EX_UNAVAILABLE);
    }
    for (k = 0; k < h.count; k++) {
	h.msgs[k].status = new_status;
	h.msgs[k].updated = h.now;
	if (pfdb_msg_put(db, 0, &h.msgs[k]) < 0) {
	    ret = cli_db_fail(ctx, "pfdb_msg_put");
	    break;
	}
    }
    if (ret == EX_OK && campaign) {
	PFDB_CAMPAIGN c;

	if (pfdb_campaign_get(db, 0, campaign, &c) == 1) {
	    c.canceled = 1;
	    if (pfdb_campaign_put(db, 0, &c) < 0)
		ret = cli_db_fail(ctx, "pfdb_campaign_put");
	}
    }
    if (ret == EX_OK)
	printf("%s %lu record(s)\n", campaign ? "canceled" : "released",
	       (unsigned long) h.count);
    free(h.msgs);
    return (ret);
}

/* cli_release - postbulk release --due */

int     cli_release(CLI_CTX *ctx, int argc, char **argv)
{
    int     i, due = 0;

    for (i = 1; i < argc; i++)
	if (strcmp(argv[i], "--due") == 0)
	    due = 1;
    if (!due)
	cli_usage(ctx, "release needs --due");
    return (cli_schedule_run(ctx, argc, argv, 0, "-H", PFDB_ST_QUEUED));
}

/* cli_cancel - postbulk cancel CAMPAIGN */

int     cli_cancel(CLI_CTX *ctx, int argc, char **argv)
{
    int     i;
    const char *campaign = 0;

    for (i = 1; i < argc; i++) {
	if (strcmp(argv[i], "--postfix-config") == 0) {
	    i++;
	    continue;
	}
	if (argv[i][0] != '-' && campaign == 0)
	    campaign = argv[i];
    }
    if (campaign == 0)
	cli_usage(ctx, "cancel needs a campaign name");
    return (cli_schedule_run(ctx, argc, argv, campaign, "-d", PFDB_ST_CANCELED));
}
