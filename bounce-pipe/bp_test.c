/*
 * NAME
 *	bp_test 1 - test driver for tests/bounce: seed and inspect a db
 * SYNOPSIS
 *	bp_test seed DIR MSGID RCPT [QUEUEID [CAMPAIGN [STATUS]]]
 *	bp_test show DIR MSGID RCPT
 *	bp_test committed DIR MSGID RCPT
 *	bp_test supp DIR ADDR
 *	bp_test backoff DIR GROUP
 *	bp_test dump DIR
 *	bp_test hold DIR SECONDS
 *	bp_test address KEYFILE KIND VALUE PREFIX DOMAIN
 *	bp_test seedn DIR KEYFILE N DOMAIN BOUNCEDOMAIN
 *	bp_test count DIR STATUS
 * DESCRIPTION
 *	seed: a message record (status 0 unless given) for postbulk-bounce
 *	to find.
 *	show: "status=N reason=R dsn=D attempts=A" of one record.
 *	committed: "committed=yes" or "committed=no" (PFDB_MSG.committed).
 *	supp: "reason=R source=S count=N expires=E" or "none".
 *	backoff: "level=L events=E reason=R" or "none".
 *	dump: every message and suppression row, one per line, sorted by
 *	key: a before/after comparison proves "nothing changed".
 *	hold: writes a record inside a transaction, prints "held", keeps
 *	the transaction (and its locks) open for SECONDS, then aborts.
 *	address: a signed VERP address (KIND m, u or c) with the key file.
 *	seedn: N records bench<i>@DOMAIN (message id b<i>), printing
 *	"RCPT<TAB>VERP-ADDRESS" per record (for the benchmark).
 *	count: number of message records with status STATUS.
 * DIAGNOSTICS
 *	Exit 0 on success, 1 on failure, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "buf.h"
#include "params.h"
#include "token.h"

#include "pfdb.h"

static PFDB *open_db(const char *dir)
{
    BUF    *why = buf_alloc(64);
    PFDB   *db;

    if (var_db_timeout == 0)
	var_db_timeout = 10;
    if ((db = pfdb_open(dir, PFDB_CREATE, why)) == 0) {
	fprintf(stderr, "bp_test: %s\n", buf_str(why));
	exit(1);
    }
    buf_free(why);
    return (db);
}

static int print_msg(const PFDB_MSG *m, void *ctx)
{
    printf("msg %s %s status=%d reason=%s dsn=%s attempts=%u\n", m->msgid, m->rcpt,
	   m->status, m->reason, m->dsn, m->attempts);
    return (0);
}

static int print_supp(const char *key, const PFDB_SUPP *s, void *ctx)
{
    printf("supp %s reason=%s source=%s count=%u expires=%s\n", key, s->reason,
	   s->source, s->count, s->expires ? "yes" : "never");
    return (0);
}

static int hold_secs;
static int count_status, count_n;

static int count_fn(const PFDB_MSG *m, void *ctx)
{
    if (m->status == count_status)
	count_n++;
    return (0);
}

static int hold_fn(PFDB *db, PFDB_TXN *txn, void *ctx)
{
    PFDB_MSG m;
    PFDB_SUPP s;

    memset(&m, 0, sizeof(m));
    snprintf(m.msgid, sizeof(m.msgid), "lockholder");
    snprintf(m.rcpt, sizeof(m.rcpt), "lock@holder.example");
    m.queued = time(0);
    memset(&s, 0, sizeof(s));
    snprintf(s.reason, sizeof(s.reason), "lock");
    if (pfdb_msg_put(db, txn, &m) < 0 || pfdb_supp_put(db, txn, "lock@holder.example", &s) < 0
	|| pfdb_counter_put(db, txn, "lock/holder", 1) < 0) {
	fprintf(stderr, "bp_test: hold: %s\n", pfdb_strerror(db));
	return (1);
    }
    printf("held\n");
    fflush(stdout);
    sleep((unsigned) hold_secs);
    return (1);					/* abort */
}

int     main(int argc, char **argv)
{
    PFDB   *db;

    log_init("bp_test", LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    if (argc < 3)
	goto usage;
    if (strcmp(argv[1], "seed") == 0 && argc >= 5) {
	PFDB_MSG m;

	db = open_db(argv[2]);
	memset(&m, 0, sizeof(m));
	snprintf(m.msgid, sizeof(m.msgid), "%s", argv[3]);
	snprintf(m.rcpt, sizeof(m.rcpt), "%s", argv[4]);
	if (argc >= 6)
	    snprintf(m.queue_id, sizeof(m.queue_id), "%s", argv[5]);
	if (argc >= 7)
	    snprintf(m.campaign, sizeof(m.campaign), "%s", argv[6]);
	m.status = argc >= 8 ? atoi(argv[7]) : PFDB_ST_QUEUED;
	m.queued = m.updated = time(0);
	if (pfdb_msg_put(db, NULL, &m) < 0) {
	    fprintf(stderr, "bp_test: seed: %s\n", pfdb_strerror(db));
	    return (1);
	}
	pfdb_close(db);
	return (0);
    }
    if (strcmp(argv[1], "show") == 0 && argc == 5) {
	PFDB_MSG m;
	int     r;

	db = open_db(argv[2]);
	if ((r = pfdb_msg_get(db, NULL, argv[3], argv[4], &m)) != 1) {
	    printf("none\n");
	    return (r < 0);
	}
	printf("status=%d reason=%s dsn=%s attempts=%u\n", m.status, m.reason, m.dsn, m.attempts);
	pfdb_close(db);
	return (0);
    }
    if (strcmp(argv[1], "committed") == 0 && argc == 5) {
	PFDB_MSG m;
	int     r;

	db = open_db(argv[2]);
	if ((r = pfdb_msg_get(db, NULL, argv[3], argv[4], &m)) != 1) {
	    printf("none\n");
	    return (r < 0);
	}
	printf("committed=%s\n", m.committed ? "yes" : "no");
	pfdb_close(db);
	return (0);
    }
    if (strcmp(argv[1], "supp") == 0 && argc == 4) {
	PFDB_SUPP s;
	int     r;

	db = open_db(argv[2]);
	if ((r = pfdb_supp_get(db, NULL, argv[3], &s)) != 1) {
	    printf("none\n");
	    return (r < 0);
	}
	printf("reason=%s source=%s count=%u expires=%s\n", s.reason, s.source, s.count,
	       s.expires ? "yes" : "never");
	pfdb_close(db);
	return (0);
    }
    if (strcmp(argv[1], "backoff") == 0 && argc == 4) {
	PFDB_BACKOFF b;
	int     r;

	db = open_db(argv[2]);
	if ((r = pfdb_backoff_get(db, NULL, argv[3], &b)) != 1) {
	    printf("none\n");
	    return (r < 0);
	}
	printf("level=%d events=%u reason=%s\n", b.level, b.events, b.last_reason);
	pfdb_close(db);
	return (0);
    }
    if (strcmp(argv[1], "dump") == 0 && argc == 3) {
	db = open_db(argv[2]);
	if (pfdb_msg_walk(db, print_msg, 0) < 0 || pfdb_supp_walk(db, print_supp, 0) < 0)
	    return (1);
	pfdb_close(db);
	return (0);
    }
    if (strcmp(argv[1], "hold") == 0 && argc == 4) {
	db = open_db(argv[2]);
	hold_secs = atoi(argv[3]);
	(void) pfdb_txn_run(db, hold_fn, 0);
	pfdb_close(db);
	return (0);
    }
    if (strcmp(argv[1], "address") == 0 && argc == 7) {
	TOKEN_KEY key;
	BUF    *why = buf_alloc(64), *out = buf_alloc(128);

	if (token_key_load(argv[2], &key, why) < 0) {
	    fprintf(stderr, "bp_test: %s\n", buf_str(why));
	    return (1);
	}
	if (token_make_address(&key, argv[3][0], argv[4], argv[5], argv[6], out) < 0) {
	    fprintf(stderr, "bp_test: bad token value\n");
	    return (1);
	}
	printf("%s\n", buf_str(out));
	buf_free(why);
	buf_free(out);
	return (0);
    }
    if (strcmp(argv[1], "count") == 0 && argc == 4) {
	db = open_db(argv[2]);
	count_status = atoi(argv[3]);
	if (pfdb_msg_walk(db, count_fn, 0) < 0)
	    return (1);
	printf("%d\n", count_n);
	pfdb_close(db);
	return (0);
    }
    if (strcmp(argv[1], "seedn") == 0 && argc == 7) {
	TOKEN_KEY key;
	BUF    *why = buf_alloc(64), *out = buf_alloc(128);
	int     i, n = atoi(argv[4]);

	db = open_db(argv[2]);
	if (token_key_load(argv[3], &key, why) < 0) {
	    fprintf(stderr, "bp_test: %s\n", buf_str(why));
	    return (1);
	}
	for (i = 0; i < n; i++) {
	    PFDB_MSG m;

	    memset(&m, 0, sizeof(m));
	    snprintf(m.msgid, sizeof(m.msgid), "b%d", i);
	    snprintf(m.rcpt, sizeof(m.rcpt), "bench%d@%s", i, argv[5]);
	    m.queued = m.updated = time(0);
	    if (pfdb_msg_put(db, NULL, &m) < 0
		|| token_make_address(&key, TOKEN_MESSAGE, m.msgid, "bounce", argv[6], out) < 0) {
		fprintf(stderr, "bp_test: seedn: %s\n", pfdb_strerror(db));
		return (1);
	    }
	    printf("%s\t%s\n", m.rcpt, buf_str(out));
	}
	pfdb_close(db);
	buf_free(why);
	buf_free(out);
	return (0);
    }
usage:
    fprintf(stderr, "usage: see bp_test.c\n");
    return (2);
}
