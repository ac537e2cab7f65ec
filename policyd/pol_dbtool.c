/*
 * NAME
 *	pol_dbtool 1 - set up policyd test and benchmark data in a postbulk db
 * SYNOPSIS
 *	pol_dbtool DIR supp-add KEY REASON [FIRST-EPOCH]
 *	pol_dbtool DIR supp-bulk COUNT DOMAINS [OFFSET]
 *	pol_dbtool DIR counter-put KEY VALUE
 *	pol_dbtool DIR counter-get KEY
 *	pol_dbtool DIR backoff-put GROUP LEVEL UNTIL-EPOCH [REASON]
 *	pol_dbtool DIR msg-put MSGID RCPT CAMPAIGN [STATUS [QUEUED [COMMITTED]]]
 *	pol_dbtool DIR campaign-put NAME FROM
 *	pol_dbtool KEYFILE token-address KIND VALUE PREFIX DOMAIN
 * DESCRIPTION
 *	A test driver, not an admin tool (that is "postbulk"): it writes
 *	the records that bounce-pipe, the milter and the CLI would write,
 *	through the same libpfdb calls, so the policyd tests need no other
 *	part. supp-bulk adds COUNT suppressions user<i>@d<i % DOMAINS>.test
 *	for i in [OFFSET, OFFSET + COUNT) (the benchmark's table) with
 *	pfdb_supp_import(). msg-put writes a record as the milter does
 *	(status 0, queued now, not committed) unless STATUS, QUEUED and
 *	COMMITTED (epochs; committed 0 = not seen queued by Postfix) are
 *	given.
 * DIAGNOSTICS
 *	Exit 0, or EX_USAGE / EX_UNAVAILABLE / EX_DATAERR with a message.
 */

/* System library. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

/* Project library. */
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "addr.h"
#include "token.h"
#include "pfdb.h"

static _Noreturn void usage(void)
{
    fprintf(stderr, "usage: pol_dbtool DIR supp-add|supp-bulk|counter-put|"
	    "counter-get|backoff-put|msg-put|campaign-put ARGS...\n"
	    "       pol_dbtool KEYFILE token-address KIND VALUE PREFIX DOMAIN\n");
    exit(EX_USAGE);
}

/*
 * Buffers live until exit, also a fatal one: reachable through these, so
 * that LeakSanitizer (make check SANITIZE=1) does not count them.
 */
static BUF *why, *out, *k;
static char **keys;

int     main(int argc, char **argv)
{
    PFDB   *db;
    const char *cmd;
    int     rc = 0;

    log_init(argv[0], LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    why = buf_alloc(100);
    out = buf_alloc(100);
    k = buf_alloc(100);
    if (argc < 3)
	usage();
    cmd = argv[2];
    if (strcmp(cmd, "token-address") == 0) {
	TOKEN_KEY key;

	if (argc != 7)
	    usage();
	if (token_key_load(argv[1], &key, why) < 0)
	    log_fatal_status(EX_DATAERR, "%s", buf_str(why));
	if (token_make_address(&key, argv[3][0], argv[4], argv[5], argv[6], out) < 0)
	    log_fatal_status(EX_DATAERR, "bad token value %s", argv[4]);
	printf("%s\n", buf_str(out));
	return (0);
    }
    if ((db = pfdb_open(argv[1], PFDB_CREATE, why)) == 0)
	log_fatal_status(EX_UNAVAILABLE, "%s", buf_str(why));
    if (strcmp(cmd, "supp-add") == 0 && (argc == 5 || argc == 6)) {
	time_t  first = argc == 6 ? (time_t) atoll(argv[5]) : time(0);

	if (addr_normalize(argv[3], 0, k, why) < 0)
	    log_fatal_status(EX_DATAERR, "%s: %s", argv[3], buf_str(why));
	rc = pfdb_supp_add(db, 0, buf_str(k), argv[4], "admin", "test", first, 0);
    } else if (strcmp(cmd, "supp-bulk") == 0 && (argc == 5 || argc == 6)) {
	size_t  n = (size_t) atol(argv[3]);
	long    ndom = atol(argv[4]);
	size_t  base = argc == 6 ? (size_t) atol(argv[5]) : 0;
	char    tmp[100];
	long    added;

	if (ndom < 1)
	    usage();
	keys = xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
	    snprintf(tmp, sizeof(tmp), "user%zu@d%ld.test", base + i,
		     (long) ((base + i) % ndom));
	    keys[i] = xstrdup(tmp);
	}
	added = pfdb_supp_import(db, n, (const char *const *) keys, 0, "import",
				 time(0));
	if (added < 0)
	    rc = -1;
	else
	    printf("added %ld\n", added);
    } else if (strcmp(cmd, "counter-put") == 0 && argc == 5) {
	rc = pfdb_counter_put(db, 0, argv[3], (int64_t) atoll(argv[4]));
    } else if (strcmp(cmd, "counter-get") == 0 && argc == 4) {
	int64_t v = 0;

	if ((rc = pfdb_counter_get(db, 0, argv[3], &v)) >= 0) {
	    printf("%" PRId64 "\n", rc ? v : 0);
	    rc = 0;
	}
    } else if (strcmp(cmd, "backoff-put") == 0 && (argc == 6 || argc == 7)) {
	PFDB_BACKOFF bo;

	memset(&bo, 0, sizeof(bo));
	snprintf(bo.group, sizeof(bo.group), "%s", argv[3]);
	bo.level = atoi(argv[4]);
	bo.until = (time_t) atoll(argv[5]);
	bo.since = bo.last_event = bo.until - 1800;
	bo.events = 1;
	snprintf(bo.last_reason, sizeof(bo.last_reason), "%s",
		 argc == 7 ? argv[6] : "throttled");
	rc = pfdb_backoff_put(db, 0, &bo);
    } else if (strcmp(cmd, "msg-put") == 0 && argc >= 6 && argc <= 9) {
	PFDB_MSG m;

	if (addr_normalize(argv[4], 0, k, why) < 0)
	    log_fatal_status(EX_DATAERR, "%s: %s", argv[4], buf_str(why));
	memset(&m, 0, sizeof(m));
	snprintf(m.msgid, sizeof(m.msgid), "%s", argv[3]);
	snprintf(m.rcpt, sizeof(m.rcpt), "%s", buf_str(k));
	snprintf(m.campaign, sizeof(m.campaign), "%s", argv[5]);
	m.status = argc >= 7 ? atoi(argv[6]) : PFDB_ST_QUEUED;
	m.queued = m.updated = argc >= 8 ? (time_t) atoll(argv[7]) : time(0);
	m.committed = argc >= 9 ? (time_t) atoll(argv[8]) : 0;
	snprintf(m.queue_id, sizeof(m.queue_id), "4T%s", argv[3]);
	rc = pfdb_msg_put(db, 0, &m);
    } else if (strcmp(cmd, "campaign-put") == 0 && argc == 5) {
	PFDB_CAMPAIGN c;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%s", argv[3]);
	snprintf(c.from, sizeof(c.from), "%s", argv[4]);
	c.created = time(0);
	rc = pfdb_campaign_put(db, 0, &c);
    } else
	usage();
    if (rc < 0)
	log_fatal_status(EX_UNAVAILABLE, "%s: %s", cmd, pfdb_strerror(db));
    pfdb_close(db);
    return (0);
}
