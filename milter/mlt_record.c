/*
 * NAME
 *	mlt_record 3 - message records in the postbulk db
 * DESCRIPTION
 *	See mlt_record.h. One PFDB handle for the whole process: Berkeley
 *	DB handles opened with DB_THREAD are shared by libmilter's threads;
 *	opening per message would cost a region attach each time.
 */
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "buf.h"
#include "addr.h"
#include "pfdb.h"

#include "mlt_record.h"

static PFDB *mlt_db;
static pthread_t mlt_maint_thread;
static volatile int mlt_maint_stop;

typedef struct MLT_REC_JOB {
    PFDB_MSG *msgs;
    size_t  count;
} MLT_REC_JOB;

/* mlt_maint_loop - pfdb_maintain about once a second */

static void *mlt_maint_loop(void *arg)
{
    while (!mlt_maint_stop) {
	if (pfdb_maintain(mlt_db) < 0)
	    log_warn("db maintenance: %s", pfdb_strerror(mlt_db));
	sleep(1);
    }
    return (0);
}

/* mlt_record_open - open the db once */

int     mlt_record_open(const char *dir, BUF *why)
{
    int     err;

    if ((mlt_db = pfdb_open(dir, PFDB_CREATE, why)) == 0)
	return (-1);
    if ((err = pthread_create(&mlt_maint_thread, 0, mlt_maint_loop, 0)) != 0) {
	buf_sprintf(why, "cannot start the db maintenance thread: %s", strerror(err));
	pfdb_close(mlt_db);
	mlt_db = 0;
	return (-1);
    }
    return (0);
}

/* mlt_record_close - stop the thread and close */

void    mlt_record_close(void)
{
    if (mlt_db == 0)
	return;
    mlt_maint_stop = 1;
    pthread_join(mlt_maint_thread, 0);
    pfdb_close(mlt_db);
    mlt_db = 0;
}

/* mlt_record_txn - all recipients in one transaction */

static int mlt_record_txn(PFDB *db, PFDB_TXN *txn, void *ctx)
{
    MLT_REC_JOB *job = ctx;
    size_t  i;

    for (i = 0; i < job->count; i++)
	if (pfdb_msg_put(db, txn, job->msgs + i) < 0)
	    return (-1);
    return (0);
}

/* mlt_copy - bounded copy */

static void mlt_copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* mlt_record_put - one record per recipient */

int     mlt_record_put(const char *msgid, const char *campaign,
		               const char *sender_domain, const char *queue_id,
		               int status, time_t send_at, char **rcpts,
		               size_t nrcpt, BUF *why)
{
    MLT_REC_JOB job;
    BUF    *norm, *err;
    size_t  i;
    char   *cp;
    time_t  now = time((time_t *) 0);
    int     ret = 0;

    if (mlt_db == 0)
	return (0);
    job.msgs = calloc(nrcpt ? nrcpt : 1, sizeof(PFDB_MSG));
    if (job.msgs == 0) {
	buf_sprintf(why, "out of memory");
	return (-1);
    }
    job.count = nrcpt;
    norm = buf_alloc(PFDB_ADDR_MAX + 1);
    err = buf_alloc(100);
    for (i = 0; i < nrcpt; i++) {
	PFDB_MSG *m = job.msgs + i;

	mlt_copy(m->msgid, sizeof(m->msgid), msgid);
	if (addr_normalize(rcpts[i], 0, norm, err) < 0) {
	    log_warn("%s: recipient %s does not normalize: %s; stored as given",
		     queue_id, rcpts[i], buf_str(err));
	    mlt_copy(m->rcpt, sizeof(m->rcpt), rcpts[i]);
	    for (cp = m->rcpt; *cp; cp++)
		if (*cp >= 'A' && *cp <= 'Z')
		    *cp += 'a' - 'A';
	} else {
	    mlt_copy(m->rcpt, sizeof(m->rcpt), buf_str(norm));
	}
	mlt_copy(m->campaign, sizeof(m->campaign), campaign);
	mlt_copy(m->sender_domain, sizeof(m->sender_domain), sender_domain);
	mlt_copy(m->queue_id, sizeof(m->queue_id), queue_id);
	m->status = status;
	m->queued = m->updated = now;
	m->send_at = send_at;
    }
    if (pfdb_txn_run(mlt_db, mlt_record_txn, &job) != 0) {
	buf_sprintf(why, "db: %s", pfdb_strerror(mlt_db));
	ret = -1;
    }
    free(job.msgs);
    buf_free(norm);
    buf_free(err);
    return (ret);
}
