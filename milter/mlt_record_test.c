/*
 * NAME
 *	mlt_record_test 1 - list message records (test driver)
 * SYNOPSIS
 *	mlt_record_test DBDIR
 * DESCRIPTION
 *	Prints every message record of the db, one per line:
 *	"msgid rcpt campaign status queue_id sender_domain send_at".
 *	Used by tests/milter to check what the milter wrote. Run it as
 *	the user that owns the environment.
 * DIAGNOSTICS
 *	Exit 1 with a reason when the db cannot be opened or read.
 */
#include <stdio.h>

#include "log.h"
#include "buf.h"
#include "pfdb.h"

static int print_msg(const PFDB_MSG *m, void *ctx)
{
    printf("%s %s %s %d %s %s %ld\n", m->msgid, m->rcpt,
	   *m->campaign ? m->campaign : "-", m->status,
	   *m->queue_id ? m->queue_id : "-",
	   *m->sender_domain ? m->sender_domain : "-", (long) m->send_at);
    return (0);
}

int     main(int argc, char **argv)
{
    BUF    *why = buf_alloc(100);
    PFDB   *db;

    log_init("mlt_record_test", LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    if (argc != 2) {
	fprintf(stderr, "usage: %s dbdir\n", argv[0]);
	return (64);
    }
    if ((db = pfdb_open(argv[1], 0, why)) == 0) {
	fprintf(stderr, "error: %s\n", buf_str(why));
	return (1);
    }
    if (pfdb_msg_walk(db, print_msg, 0) < 0) {
	fprintf(stderr, "error: %s\n", pfdb_strerror(db));
	pfdb_close(db);
	return (1);
    }
    pfdb_close(db);
    buf_free(why);
    return (0);
}
