/*
 * NAME
 *	campaign 3 - campaign mode of postbulk-submit
 * SYNOPSIS
 *	#include "campaign.h"
 *	int sub_campaign_main(int argc, char **argv);
 * DESCRIPTION
 *	postbulk-submit campaign --name NAME --from FROM
 *		(--template NAME | --message FILE) --list FILE
 *		[--at TIME] [--typo fix|report|off] [--dry-run]
 *		[--report FILE] [--encoding ENC] [--delimiter C]
 *		[--state FILE] [--resend-failed OLD] [--connections N]
 *		[--config FILE] [--progress|--no-progress] [--advertising]
 *
 *	The main thread reads the list (csv_list.c), fixes and checks
 *	each address (typo.c, addr_normalize()), drops duplicates
 *	(dedup.c) and rows the journal says are done (journal.c), and
 *	queues the rest for submit_connections worker threads. Each
 *	worker keeps one SMTP connection and runs one transaction per
 *	row: MAIL, RCPT and DATA pipelined, then the message. Outcomes:
 *	.IP "250" 
 *	queued, status 0, queue id from "queued as X";
 *	.IP "5xx to RCPT"
 *	skipped: status 4 when the text says "suppressed" or
 *	"duplicate" (policyd), else 3 (bad address);
 *	.IP "5xx to MAIL or DATA"
 *	failed, status 2;
 *	.IP "4xx"
 *	the row waits ("retry in N s" in the text, else
 *	submit_retry_delay) and is tried again, at most
 *	submit_retry_limit times, then failed with status 2;
 *	.IP "4xx to MAIL, 421"
 *	the session is closed and reopened after a bounded exponential
 *	back-off (retry.c); a 4xx to MAIL does not use one of the row's
 *	attempts; trouble for submit_reconnect_timeout stops the
 *	campaign (resumable);
 *	.IP "lost connection"
 *	reconnect and try the row again.
 *	.PP
 *	The bounded queue between reader and workers (512 rows) keeps
 *	memory constant; only rows waiting for a retry are held beyond
 *	it.
 * DIAGNOSTICS
 *	Exit 0 when every row has an outcome; EX_TEMPFAIL when stopped
 *	(signal, listener unreachable for submit_reconnect_timeout):
 *	run the same command again to resume. EX_USAGE, EX_NOINPUT,
 *	EX_DATAERR, EX_CONFIG, EX_NOPERM, EX_CANTCREAT for bad
 *	arguments, lists, configuration, token key or report file.
 */

/* System library. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* Project library. */
#include "log.h"
#include "mem.h"
#include "buf.h"
#include "addr.h"
#include "params.h"
#include "token.h"

/* Application-specific. */
#include "sub_params.h"
#include "smtp_client.h"
#include "csv_list.h"
#include "typo.h"
#include "dedup.h"
#include "journal.h"
#include "report.h"
#include "progress.h"
#include "message.h"
#include "retry.h"
#include "campaign.h"

#define SUB_QUEUE_MAX	512

typedef struct SUB_JOB {
    struct SUB_JOB *next;
    long    row;
    int     attempts;
    int     uncertain;			/* data sent, no reply seen */
    double  not_before;			/* sub_camp_now() */
    char   *email;			/* as sent (normalized) */
    char   *original;
    char   *fix;
    char   *vars;
} SUB_JOB;

typedef struct SUB_COUNTS {
    long    rows, queued, invalid, dup_list, suppressed, dup_policy, rejected;
    long    failed, fixed, earlier, excluded, waiting, retried, resent_uncertain;
    long    lost_after_data, backoffs;
    long    would_send;
} SUB_COUNTS;

typedef struct SUB_CAMP {
    /* Options. */
    const char *name;
    const char *list;
    const char *report_path;
    const char *state_path;
    const char *resend;
    const char *encoding;
    int     delim;
    int     typo_mode;
    int     dry_run;
    int     progress;
    int     advertising;
    long    connections;

    /* Set-up. */
    SUB_MSG msg;
    BUF    *bounce;			/* envelope sender */
    SUB_LIST *reader;
    off_t   list_size;
    SUB_DEDUP *dedup;
    SUB_DEDUP *resend_set;		/* normalized addresses to resend */
    SUB_JOURNAL *journal;
    FILE   *report;
    int     email_col;
    int     ncols;
    char  **cols;

    /* Shared between threads, under lock. */
    pthread_mutex_t lock;
    pthread_cond_t cv_work;		/* jobs, retries, end */
    pthread_cond_t cv_space;		/* queue has room / progress */
    SUB_JOB *head, *tail;
    int     qlen;
    SUB_JOB *retry;
    int     inflight;
    int     eof;
    int     abort;			/* stop taking rows */
    BUF    *abort_reason;
    SUB_COUNTS n;
    BUF    *line;			/* report line scratch */

    /* Main thread only. */
    BUF    *fixed, *change, *addr, *key, *why, *vars;
    BUF    *stop_why;			/* why the header row stopped reading */
    struct timespec start;
    double  last_draw;
} SUB_CAMP;

static volatile sig_atomic_t sub_camp_signalled;

 /*
  * Per worker thread: the random state for retry spread and back-off,
  * and whether the last deferral of this thread's session had no
  * "retry in" hint (a server-side problem, not policyd's rate limit).
  */
static _Thread_local unsigned short sub_camp_rng[3];
static _Thread_local int sub_camp_soft_4xx;

/* sub_camp_sig - remember the signal; the main thread stops cleanly */

static void sub_camp_sig(int sig)
{
    sub_camp_signalled = sig;
}

/* sub_camp_now - monotonic seconds */

static double sub_camp_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* sub_camp_elapsed - seconds since start */

static double sub_camp_elapsed(SUB_CAMP *c)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((ts.tv_sec - c->start.tv_sec) + (ts.tv_nsec - c->start.tv_nsec) / 1e9);
}

/* sub_camp_usage - one line, EX_USAGE */

static int sub_camp_fail(int code, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static int sub_camp_fail(int code, const char *fmt,...)
{
    va_list ap;

    fprintf(stderr, "postbulk-submit: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return (code);
}

/* sub_camp_counts - the counts part of the progress line */

static void sub_camp_counts(SUB_CAMP *c, char *buf, size_t len)
{
    snprintf(buf, len, "queued %ld invalid %ld dup %ld suppressed %ld rejected %ld "
	     "failed %ld waiting %ld", c->n.queued, c->n.invalid,
	     c->n.dup_list + c->n.dup_policy, c->n.suppressed, c->n.rejected,
	     c->n.failed, c->n.waiting);
}

/* sub_camp_done_rows - rows with an outcome (lock held) */

static long sub_camp_done_rows(SUB_CAMP *c)
{
    return (c->n.queued + c->n.invalid + c->n.dup_list + c->n.suppressed
	    + c->n.dup_policy + c->n.rejected + c->n.failed + c->n.earlier
	    + c->n.would_send);
}

/* sub_camp_draw - progress frame, at most 5 per second (lock held) */

static void sub_camp_draw(SUB_CAMP *c, int final)
{
    double  now = sub_camp_now();
    char    counts[256];
    long    total = 0;
    off_t   in;

    if (!c->progress || (!final && now - c->last_draw < 0.2))
	return;
    c->last_draw = now;
    in = c->reader ? sub_list_bytes_in(c->reader) : 0;
    if (c->eof)
	total = c->n.rows - c->n.excluded;
    else if (in > 0 && c->list_size > 0)
	total = (long) ((double) (c->n.rows - c->n.excluded) * c->list_size / in);
    sub_camp_counts(c, counts, sizeof(counts));
    sub_progress_draw(final, sub_camp_done_rows(c), total, sub_camp_elapsed(c), counts);
}

/* sub_camp_record - a row's outcome: report, journal, counts (lock held) */

static void sub_camp_record(SUB_CAMP *c, long row, const char *original,
			            const char *email, const char *fix,
			            const char *outcome, int status, const char *qid,
			            const char *reply, int journal)
{
    sub_report_line(c->line, row, original, email, fix, outcome, status, qid, reply);
    if (c->report)
	fwrite(buf_str(c->line), 1, buf_len(c->line), c->report);
    if (journal && c->journal)
	sub_journal_final(c->journal, row, c->line);
}

/* sub_camp_job_free - release a job */

static void sub_camp_job_free(SUB_JOB *j)
{
    free(j->email);
    free(j->original);
    free(j->fix);
    free(j->vars);
    free(j);
}

/* sub_camp_final - a worker's final outcome for a job */

static void sub_camp_final(SUB_CAMP *c, SUB_JOB *j, const char *outcome, int status,
			           long *counter, const char *qid, const char *reply)
{
    pthread_mutex_lock(&c->lock);
    sub_camp_record(c, j->row, j->original, j->email, j->fix, outcome, status, qid,
		    reply, 1);
    (*counter)++;
    c->inflight--;
    pthread_cond_broadcast(&c->cv_work);
    pthread_cond_signal(&c->cv_space);
    pthread_mutex_unlock(&c->lock);
    sub_camp_job_free(j);
}

/* sub_camp_reject - a 5xx: policyd's texts decide the status */

static void sub_camp_reject(SUB_CAMP *c, SUB_JOB *j, const char *text,
			            const char *outcome, int status, long *counter)
{
    if (strcasestr(text, "suppressed"))
	sub_camp_final(c, j, "suppressed", 4, &c->n.suppressed, "", text);
    else if (strcasestr(text, "duplicate"))
	sub_camp_final(c, j, "duplicate", 4, &c->n.dup_policy, "", text);
    else
	sub_camp_final(c, j, outcome, status, counter, "", text);
}

/* sub_camp_retry_hint - "retry in N s" in a reply, else the default */

static long sub_camp_retry_hint(const char *text)
{
    const char *p = strcasestr(text, "retry in ");
    long    s;

    if (p && (s = strtol(p + 9, 0, 10)) > 0)
	return (s > var_sub_retry_max_delay ? var_sub_retry_max_delay : s);
    return (var_sub_retry_delay);
}

/* sub_camp_defer - 4xx: wait and retry, or give up (worker) */

static void sub_camp_defer(SUB_CAMP *c, SUB_JOB *j, const char *reply)
{
    if (++j->attempts > var_sub_retry_limit) {
	BUF    *t = buf_alloc(256);

	buf_sprintf(t, "gave up after %d attempts: %s", j->attempts, reply);
	sub_camp_final(c, j, "failed", 2, &c->n.failed, "", buf_str(t));
	buf_free(t);
	return;
    }
    /* Spread the rows of one rate-limited group over the interval. */
    sub_camp_soft_4xx = strcasestr(reply, "retry in ") == 0;
    j->not_before = sub_camp_now() + sub_retry_jitter((double) sub_camp_retry_hint(reply),
						       sub_camp_rng);
    pthread_mutex_lock(&c->lock);
    j->next = c->retry;
    c->retry = j;
    c->n.waiting++;
    c->n.retried++;
    c->inflight--;
    pthread_cond_broadcast(&c->cv_work);
    pthread_mutex_unlock(&c->lock);
}

/* sub_camp_next - next job for a worker; NULL = finished */

static SUB_JOB *sub_camp_next(SUB_CAMP *c)
{
    SUB_JOB *j = 0;

    pthread_mutex_lock(&c->lock);
    for (;;) {
	double  now = sub_camp_now();
	double  earliest = 0;
	SUB_JOB **pp;

	if (c->abort)
	    break;
	for (pp = &c->retry; *pp; pp = &(*pp)->next) {
	    if ((*pp)->not_before <= now) {
		j = *pp;
		*pp = j->next;
		c->n.waiting--;
		break;
	    }
	    if (earliest == 0 || (*pp)->not_before < earliest)
		earliest = (*pp)->not_before;
	}
	if (j == 0 && c->head) {
	    j = c->head;
	    c->head = j->next;
	    if (c->head == 0)
		c->tail = 0;
	    c->qlen--;
	    pthread_cond_signal(&c->cv_space);
	}
	if (j) {
	    c->inflight++;
	    break;
	}
	if (c->eof && c->retry == 0 && c->inflight == 0)
	    break;
	if (earliest) {
	    struct timespec ts;
	    double  wait = earliest - now;
	    long    ns;

	    clock_gettime(CLOCK_REALTIME, &ts);
	    ts.tv_sec += (time_t) wait;
	    ns = ts.tv_nsec + (long) ((wait - (double) (time_t) wait) * 1e9);
	    ts.tv_sec += ns / 1000000000L;
	    ts.tv_nsec = ns % 1000000000L;
	    pthread_cond_timedwait(&c->cv_work, &c->lock, &ts);
	} else {
	    pthread_cond_wait(&c->cv_work, &c->lock);
	}
    }
    pthread_mutex_unlock(&c->lock);
    return (j);
}

/* sub_camp_connect - (re)connect, bounded by submit_reconnect_timeout */

static SUB_SMTP *sub_camp_connect(SUB_CAMP *c, BUF *why)
{
    double  first = sub_camp_now();
    int     delay = 1;
    int     unreachable;
    SUB_SMTP *s;

    for (;;) {
	if ((s = sub_smtp_open(var_sub_server, (int) var_sub_timeout, var_sub_helo,
			       &unreachable, why)) != 0)
	    return (s);
	if (sub_camp_now() - first > var_sub_reconnect_time)
	    return (0);
	pthread_mutex_lock(&c->lock);
	if (c->abort) {
	    pthread_mutex_unlock(&c->lock);
	    return (0);
	}
	pthread_mutex_unlock(&c->lock);
	sleep((unsigned) delay);
	if (delay < 8)
	    delay *= 2;
    }
}

#define SUB_SEND_DONE	0		/* outcome recorded */
#define SUB_SEND_LOST	1		/* connection lost; job not finished */
#define SUB_SEND_AFTER_DATA 4		/* ... after the message data was sent */
#define SUB_SEND_BACKOFF 8		/* close, pause, reconnect (4xx MAIL, 421) */

/* sub_camp_requeue - the row goes back for the next free worker (worker) */

static void sub_camp_requeue(SUB_CAMP *c, SUB_JOB *j)
{
    pthread_mutex_lock(&c->lock);
    j->not_before = 0;
    j->next = c->retry;
    c->retry = j;
    c->n.waiting++;
    c->inflight--;
    pthread_cond_broadcast(&c->cv_work);
    pthread_mutex_unlock(&c->lock);
}

/* sub_camp_send - one transaction; the outcome is recorded unless LOST */

static int sub_camp_send(SUB_CAMP *c, SUB_SMTP *s, SUB_JOB *j, BUF *text, BUF *data,
			         int *need_rset)
{
    int     code_mail, code_rcpt, code_data, code;
    int     utf8 = 0;
    const char *qid;
    BUF    *rtext = buf_alloc(256);
    BUF    *mtext = buf_alloc(256);
    int     ret = SUB_SEND_DONE;
    int     hangup = 0;

    for (const char *p = j->email; *p; p++)
	if ((unsigned char) *p >= 0x80)
	    utf8 = 1;

    /*
     * After a rejected RCPT or DATA, Postfix keeps the MAIL transaction
     * open ("503 nested MAIL command" otherwise). RSET goes first in
     * the same pipelined group, so it costs no round trip.
     */
    if (*need_rset) {
	sub_smtp_put(s, "RSET");
	if ((code = sub_smtp_reply(s, mtext)) != 250) {
	    ret = SUB_SEND_LOST;
	    goto done;
	}
	*need_rset = 0;
    }
    *need_rset = 1;
    sub_smtp_put(s, "MAIL FROM:<%s>%s%s", buf_str(c->bounce),
		 c->msg.eight_bit && sub_smtp_has(s, SUB_EXT_8BITMIME) ?
		 " BODY=8BITMIME" : "", utf8 && sub_smtp_has(s, SUB_EXT_SMTPUTF8) ?
		 " SMTPUTF8" : "");
    if (!sub_smtp_has(s, SUB_EXT_PIPELINING) && (code = sub_smtp_reply(s, mtext)) != 250)
	goto mail_failed;
    sub_smtp_put(s, "RCPT TO:<%s>", j->email);
    if (!sub_smtp_has(s, SUB_EXT_PIPELINING) && (code = sub_smtp_reply(s, rtext)) / 100 != 2)
	goto rcpt_failed;
    sub_smtp_put(s, "DATA");
    if (sub_smtp_has(s, SUB_EXT_PIPELINING)) {
	if ((code_mail = sub_smtp_reply(s, mtext)) < 0
	    || (code_rcpt = sub_smtp_reply(s, rtext)) < 0
	    || (code_data = sub_smtp_reply(s, text)) < 0) {
	    ret = SUB_SEND_LOST;
	    goto done;
	}
	if (code_mail != 250 && code_data == 354) {
	    /* Never end a message we did not mean to send: hang up. */
	    ret = SUB_SEND_LOST;
	    goto done;
	}
	if (code_mail != 250) {
	    code = code_mail;
	    goto mail_failed;
	}
	if (code_rcpt / 100 != 2) {
	    code = code_rcpt;
	    /* Server in DATA mode, or closing ("421 too many errors"). */
	    if (code_data == 354 || code_data == 421)
		hangup = 1;
	    goto rcpt_failed;
	}
    } else if ((code_data = sub_smtp_reply(s, text)) < 0) {
	ret = SUB_SEND_LOST;
	goto done;
    }
    if (code_data != 354) {
	if (code_data >= 500)
	    sub_camp_reject(c, j, buf_str(text), "failed", 2, &c->n.failed);
	else
	    sub_camp_defer(c, j, buf_str(text));
	if (code_data == 421)
	    ret = SUB_SEND_LOST | 2 | SUB_SEND_BACKOFF;
	goto done;
    }
    sub_msg_render(&c->msg, j->email, j->vars, data);
    sub_smtp_putdata(s, buf_str(data), buf_len(data));

    /*
     * From here the server may queue the message before we see the
     * reply. Note the row first: a crash now leaves it "uncertain",
     * and the rerun relies on policyd's duplicate guard.
     */
    pthread_mutex_lock(&c->lock);
    if (c->journal)
	sub_journal_sending(c->journal, j->row);
    pthread_mutex_unlock(&c->lock);
    sub_smtp_putdata(s, ".\r\n", 3);
    if ((code = sub_smtp_reply(s, text)) < 0) {
	j->uncertain = 1;
	ret = SUB_SEND_LOST | SUB_SEND_AFTER_DATA;
	goto done;
    }
    *need_rset = 0;
    if (code == 250) {
	char    qbuf[64] = "";

	if ((qid = strstr(buf_str(text), "queued as ")) != 0)
	    sscanf(qid + 10, "%63[A-Za-z0-9]", qbuf);
	sub_camp_final(c, j, "queued", 0, &c->n.queued, qbuf, buf_str(text));
    } else if (code >= 500 && j->uncertain && strcasestr(buf_str(text), "duplicate")) {

	/*
	 * The copy sent before the crash or lost connection was queued:
	 * policyd's duplicate guard says so. That is the row's outcome.
	 */
	buf_sprintf(mtext, "queued by an earlier attempt whose reply was lost (%s)",
		    buf_str(text));
	sub_camp_final(c, j, "queued", 0, &c->n.queued, "", buf_str(mtext));
    } else if (code >= 500) {
	sub_camp_reject(c, j, buf_str(text), "failed", 2, &c->n.failed);
    } else {
	sub_camp_defer(c, j, buf_str(text));
	if (code == 421)
	    ret = SUB_SEND_LOST | 2 | SUB_SEND_BACKOFF;	/* reconnect, job handled */
    }
    goto done;

mail_failed:
    if (code < 0) {
	ret = SUB_SEND_LOST;
    } else if (code >= 500) {
	buf_sprintf(text, "MAIL FROM rejected: %s", buf_str(mtext));
	sub_camp_final(c, j, "failed", 2, &c->n.failed, "", buf_str(text));
    } else {

	/*
	 * A 4xx to MAIL is about the server, not the row: Postfix says
	 * 451 4.3.0/4.7.1 to every MAIL while the milter is down
	 * (milter_default_action = tempfail). Retrying on the same
	 * session made a busy loop (143,044 retries in 100 s). The row
	 * goes back without using one of its attempts, and the worker
	 * closes the session and reconnects after a back-off.
	 */
	sub_camp_requeue(c, j);
	buf_sprintf(text, "%s", buf_str(mtext));
	ret = SUB_SEND_LOST | 2 | SUB_SEND_BACKOFF;
    }
    goto done;

rcpt_failed:
    if (code < 0) {
	ret = SUB_SEND_LOST;
    } else if (code >= 500) {
	const char *t = buf_str(rtext);

	if (j->uncertain && strcasestr(t, "duplicate")) {
	    buf_sprintf(mtext, "queued by an earlier attempt whose reply was lost (%s)", t);
	    sub_camp_final(c, j, "queued", 0, &c->n.queued, "", buf_str(mtext));
	} else
	    sub_camp_reject(c, j, t, "rejected", 3, &c->n.rejected);
    } else {
	sub_camp_defer(c, j, buf_str(rtext));
	if (code == 421)
	    ret = SUB_SEND_LOST | 2 | SUB_SEND_BACKOFF;
    }
    if (hangup && ret == SUB_SEND_DONE)
	ret = SUB_SEND_LOST | 2;
    /* Without PIPELINING, DATA was never sent; with it, its 554 was read. */
done:
    buf_free(rtext);
    buf_free(mtext);
    return (ret);
}

/* sub_camp_pause - sleep, waking early when the campaign stops (worker) */

static void sub_camp_pause(SUB_CAMP *c, double secs)
{
    struct timespec ts;
    double  until;

    pthread_mutex_lock(&c->lock);
    clock_gettime(CLOCK_REALTIME, &ts);
    until = ts.tv_sec + ts.tv_nsec / 1e9 + secs;
    ts.tv_sec = (time_t) until;
    ts.tv_nsec = (long) ((until - (double) ts.tv_sec) * 1e9);
    while (!c->abort && pthread_cond_timedwait(&c->cv_work, &c->lock, &ts) == 0) {
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec + now.tv_nsec / 1e9 >= until)
	    break;
    }
    pthread_mutex_unlock(&c->lock);
}

/* sub_camp_backoff - a troubled session: pause before reconnecting (worker) */

static int sub_camp_backoff(SUB_CAMP *c, int *nback, double *since, const char *reply)
{
    double  now = sub_camp_now();
    double  delay;

    if (*since == 0) {
	*since = now;
	log_warn("campaign %s: server trouble (%s); closing the session and "
		 "reconnecting with back-off", c->name, reply);
    } else if (now - *since > var_sub_reconnect_time) {
	pthread_mutex_lock(&c->lock);
	if (!c->abort)
	    buf_sprintf(c->abort_reason, "server answered 4xx for %.0f s (%s = %lds): %s",
			now - *since, VAR_SUB_RECONNECT_TIME, var_sub_reconnect_time, reply);
	c->abort = 1;
	pthread_cond_broadcast(&c->cv_work);
	pthread_cond_broadcast(&c->cv_space);
	pthread_mutex_unlock(&c->lock);
	return (-1);
    }
    delay = sub_retry_backoff((*nback)++, sub_camp_rng);
    pthread_mutex_lock(&c->lock);
    c->n.backoffs++;
    pthread_mutex_unlock(&c->lock);
    sub_camp_pause(c, delay);
    return (0);
}

/* sub_camp_worker - one connection, many rows */

static void *sub_camp_worker(void *arg)
{
    static int worker_count;
    SUB_CAMP *c = arg;
    SUB_SMTP *s = 0;
    SUB_JOB *j;
    BUF    *why = buf_alloc(256);
    BUF    *text = buf_alloc(256);
    BUF    *data = buf_alloc(8192);
    int     lost_in_row = 0;
    int     need_rset = 0;
    int     soft_in_row = 0;		/* hint-less 4xx on this session */
    int     nback = 0;			/* back-offs since the last success */
    double  trouble_since = 0;

    pthread_mutex_lock(&c->lock);
    sub_retry_seed(sub_camp_rng, (unsigned long) ++worker_count);
    pthread_mutex_unlock(&c->lock);
    while ((j = sub_camp_next(c)) != 0) {
	int     rc;

	if (s == 0 && (s = sub_camp_connect(c, why)) == 0) {
	    /* Put the row back; it is sent on the next run. */
	    pthread_mutex_lock(&c->lock);
	    if (!c->abort)
		buf_sprintf(c->abort_reason, "%s", buf_str(why));
	    c->abort = 1;
	    c->inflight--;
	    pthread_cond_broadcast(&c->cv_work);
	    pthread_cond_broadcast(&c->cv_space);
	    pthread_mutex_unlock(&c->lock);
	    sub_camp_job_free(j);
	    break;
	}
	sub_camp_soft_4xx = 0;
	rc = sub_camp_send(c, s, j, text, data, &need_rset);
	if (rc == SUB_SEND_DONE) {
	    lost_in_row = 0;

	    /*
	     * A 4xx without policyd's "retry in" hint, twice in a row on
	     * one session (e.g. 451 4.3.0 after the data while the milter
	     * is down), is treated like a 4xx to MAIL: close, back off.
	     */
	    if (sub_camp_soft_4xx == 0) {
		soft_in_row = 0;
		nback = 0;
		if (trouble_since != 0)
		    log_info("campaign %s: server accepts mail again after %.1f s",
			     c->name, sub_camp_now() - trouble_since);
		trouble_since = 0;
		continue;
	    }
	    if (++soft_in_row < 2)
		continue;
	    rc = SUB_SEND_LOST | 2 | SUB_SEND_BACKOFF;
	}
	sub_smtp_close(s, 0);
	s = 0;
	need_rset = 0;
	soft_in_row = 0;			/* Postfix counts per session */
	if (rc & SUB_SEND_BACKOFF) {
	    if (sub_camp_backoff(c, &nback, &trouble_since, buf_str(text)) < 0)
		break;
	    continue;
	}
	if (rc & 2)				/* job already deferred */
	    continue;
	/* Lost connection with the job unfinished: try it again. */
	if (++lost_in_row > 3 || j->attempts >= var_sub_retry_limit) {
	    BUF    *t = buf_alloc(256);

	    buf_sprintf(t, "%s (connection lost %d times)", buf_str(text),
			lost_in_row);
	    sub_camp_defer(c, j, buf_str(t));
	    buf_free(t);
	    lost_in_row = 0;
	    continue;
	}
	if (rc & SUB_SEND_AFTER_DATA) {
	    log_warn("campaign %s: row %ld: connection lost after the message data (%s); "
		     "sending again (policyd's duplicate guard rejects a second copy)",
		     c->name, j->row, buf_str(text));
	    pthread_mutex_lock(&c->lock);
	    c->n.lost_after_data++;
	    pthread_mutex_unlock(&c->lock);
	}
	j->attempts++;
	sub_camp_requeue(c, j);
    }
    sub_smtp_close(s, 1);
    buf_free(why);
    buf_free(text);
    buf_free(data);
    return (0);
}

/* sub_camp_header - the header row: merge variable names */

static int sub_camp_header(SUB_CAMP *c, SUB_REC *rec)
{
    BUF    *found = buf_alloc(256);

    c->email_col = -1;
    c->ncols = rec->nfield;
    c->cols = xcalloc((size_t) rec->nfield + 1, sizeof(char *));
    for (int i = 0; i < rec->nfield; i++) {
	char   *n = xstrdup(rec->field[i]);

	for (char *p = n; *p; p++)
	    if ((unsigned char) *p < 0x80)
		*p = (char) tolower((unsigned char) *p);
	c->cols[i] = n;
	if (c->email_col < 0 && (strcmp(n, "email") == 0 || strcmp(n, "e-mail") == 0))
	    c->email_col = i;
	buf_printf(found, "%s\"%s\"", i ? ", " : "", rec->field[i]);
    }
    if (c->email_col < 0) {
	buf_sprintf(c->stop_why, "%s: the header row has no \"email\" column (found: %s)",
		    c->list, buf_str(found));
	buf_free(found);
	return (-1);
    }
    buf_free(found);
    return (0);
}

/* Columns of a report or export that are bookkeeping, not merge data. */
static const char *const sub_camp_meta_cols[] = {
    "row", "original", "fix", "outcome", "status", "queue_id", "reply",
    "id", "campaign", "status code", "status_code", "status text", "status_text",
    "queued", "updated", "reason", "dsn", "diagnostic", "queue id", 0,
};

/* sub_camp_is_meta - skip this column in X-Postbulk-Vars? */

static int sub_camp_is_meta(SUB_CAMP *c, const char *col)
{
    if (c->resend == 0)
	return (0);
    for (int i = 0; sub_camp_meta_cols[i]; i++)
	if (strcmp(sub_camp_meta_cols[i], col) == 0)
	    return (1);
    return (0);
}

/* sub_camp_row - one list record (main thread, libcsv callback) */

static int sub_camp_row(void *ctx, SUB_REC *rec)
{
    SUB_CAMP *c = ctx;
    long    row = rec->number - 1;
    const char *raw;
    SUB_JOB *j;
    int     changed;

    if (sub_camp_signalled)
	return (-1);
    if (rec->number == 1) {
	if (rec->error) {
	    buf_sprintf(c->stop_why, "%s: header row: %s", c->list, rec->error);
	    return (-1);
	}
	return (sub_camp_header(c, rec));
    }
    pthread_mutex_lock(&c->lock);
    c->n.rows++;
    if (rec->error || rec->nfield <= c->email_col) {
	c->n.invalid++;
	sub_camp_record(c, row, "", "", "", "invalid", 3, "",
			rec->error ? rec->error : "no email field in this row", 0);
	pthread_mutex_unlock(&c->lock);
	return (0);
    }
    pthread_mutex_unlock(&c->lock);

    raw = rec->field[c->email_col];
    changed = sub_typo_fix(raw, c->typo_mode, c->fixed, c->change);
    if (buf_len(c->fixed) == 0) {
	buf_sprintf(c->why, "empty address");
	goto invalid;
    }
    if (addr_normalize(buf_str(c->fixed), 0, c->addr, c->why) < 0
	|| addr_check_syntax(buf_str(c->addr), c->why) < 0)
	goto invalid;
    if (addr_normalize(buf_str(c->addr), ADDR_FOLD_LOCAL
		       | (var_strip_tag ? ADDR_STRIP_TAG : 0), c->key, c->why) < 0)
	goto invalid;
    if (c->resend_set && !sub_dedup_has(c->resend_set, buf_str(c->key))) {
	pthread_mutex_lock(&c->lock);
	c->n.excluded++;
	pthread_mutex_unlock(&c->lock);
	return (0);
    }
    pthread_mutex_lock(&c->lock);
    if (changed && c->typo_mode == SUB_TYPO_FIX)
	c->n.fixed++;
    if (!sub_dedup_add(c->dedup, buf_str(c->key))) {
	c->n.dup_list++;
	sub_camp_record(c, row, raw, buf_str(c->addr), buf_str(c->change), "duplicate",
			4, "", "duplicate in list (same address as an earlier row)", 0);
	pthread_mutex_unlock(&c->lock);
	return (0);
    }
    if (c->journal && sub_journal_done(c->journal, row)) {
	c->n.earlier++;				/* its line came from the journal */
	pthread_mutex_unlock(&c->lock);
	return (0);
    }
    if (c->dry_run) {
	c->n.would_send++;
	sub_camp_record(c, row, raw, buf_str(c->addr), buf_str(c->change), "valid", -1,
			"", "dry run: not sent", 0);
	sub_camp_draw(c, 0);
	pthread_mutex_unlock(&c->lock);
	return (0);
    }
    pthread_mutex_unlock(&c->lock);

    /* Merge variables: every column, the email column as corrected. */
    buf_reset(c->vars);
    for (int i = 0; i < c->ncols; i++) {
	if (sub_camp_is_meta(c, c->cols[i]))
	    continue;
	sub_msg_vars_add(c->vars, c->cols[i], i == c->email_col ? buf_str(c->addr) :
			 i < rec->nfield ? rec->field[i] : "");
    }
    j = xcalloc(1, sizeof(*j));
    j->row = row;
    j->email = xstrdup(buf_str(c->addr));
    j->original = xstrdup(raw);
    j->fix = xstrdup(buf_str(c->change));
    j->vars = xstrdup(buf_str(c->vars));

    pthread_mutex_lock(&c->lock);
    if (c->journal && sub_journal_uncertain(c->journal, row)) {
	c->n.resent_uncertain++;
	j->uncertain = 1;
    }

    /*
     * Rows waiting for a retry count too: a server that defers everything
     * (a rate limit) slows the reader down instead of filling memory.
     */
    while (c->qlen + c->n.waiting >= SUB_QUEUE_MAX && !c->abort && !sub_camp_signalled) {
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 200 * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
	    ts.tv_sec++;
	    ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&c->cv_space, &c->lock, &ts);
	sub_camp_draw(c, 0);
    }
    if (c->abort || sub_camp_signalled) {
	pthread_mutex_unlock(&c->lock);
	sub_camp_job_free(j);
	return (-1);
    }
    if (c->tail)
	c->tail->next = j;
    else
	c->head = j;
    c->tail = j;
    c->qlen++;
    pthread_cond_signal(&c->cv_work);
    sub_camp_draw(c, 0);
    pthread_mutex_unlock(&c->lock);
    return (0);

invalid:
    pthread_mutex_lock(&c->lock);
    c->n.invalid++;
    sub_camp_record(c, row, raw, buf_str(c->fixed), buf_str(c->change), "invalid", 3,
		    "", buf_str(c->why), 0);
    pthread_mutex_unlock(&c->lock);
    return (0);
}

/* sub_camp_replay - a journal D line into the new report */

static int sub_camp_replay(void *ctx, long row, const char *report_line)
{
    SUB_CAMP *c = ctx;

    if (c->report) {
	fputs(report_line, c->report);
	fputs("\r\n", c->report);
    }
    return (0);
}

/* Reading outcomes of an earlier campaign for --resend-failed. */

typedef struct SUB_OLD {
    SUB_CAMP *c;
    int     email_col, status_col;
    long    failed;
    BUF    *addr, *why;
} SUB_OLD;

/* sub_camp_old_row - collect rows with status 2 */

static int sub_camp_old_row(void *ctx, SUB_REC *rec)
{
    SUB_OLD *o = ctx;

    if (rec->number == 1) {
	o->email_col = o->status_col = -1;
	for (int i = 0; i < rec->nfield; i++) {
	    const char *f = rec->field[i];

	    if (o->email_col < 0 && (strcasecmp(f, "email") == 0
				     || strcasecmp(f, "address") == 0))
		o->email_col = i;
	    if (o->status_col < 0 && (strcasecmp(f, "status") == 0
				      || strcasecmp(f, "status code") == 0
				      || strcasecmp(f, "status_code") == 0
				      || strcasecmp(f, "code") == 0))
		o->status_col = i;
	}
	if (o->email_col < 0 || o->status_col < 0) {
	    buf_sprintf(o->why, "need \"email\" and \"status\" (or \"status code\") "
			"columns in the header row");
	    return (-1);
	}
	return (0);
    }
    if (rec->error || rec->nfield <= o->email_col || rec->nfield <= o->status_col)
	return (0);
    if (strcmp(rec->field[o->status_col], "2") != 0)
	return (0);
    if (addr_normalize(rec->field[o->email_col], ADDR_FOLD_LOCAL
		       | (var_strip_tag ? ADDR_STRIP_TAG : 0), o->addr, o->why) < 0)
	return (0);
    if (sub_dedup_add(o->c->resend_set, buf_str(o->addr)))
	o->failed++;
    return (0);
}

/* sub_camp_resend_set - --resend-failed OLD: a file or a campaign name */

static int sub_camp_resend_set(SUB_CAMP *c, const char *state_dir, int *list_is_old)
{
    SUB_OLD o;
    SUB_LIST *l;
    struct stat st;
    int     rc;

    memset(&o, 0, sizeof(o));
    o.c = c;
    o.addr = buf_alloc(256);
    o.why = buf_alloc(256);
    c->resend_set = sub_dedup_create();
    l = sub_list_create(0, 0);
    if (stat(c->resend, &st) == 0) {
	rc = sub_list_file(l, c->resend, sub_camp_old_row, &o, o.why);
	if (c->list == 0) {
	    c->list = c->resend;
	    *list_is_old = 1;
	}
    } else {
	/* A campaign name: its journal has a report line per sent row. */
	BUF    *path = buf_alloc(256);
	FILE   *fp;
	char   *line = 0;
	size_t  cap = 0;
	ssize_t n;

	if (!token_value_ok(c->resend)) {
	    buf_sprintf(o.why, "no such file, and not a campaign name");
	    rc = -1;
	    goto out;
	}
	buf_sprintf(path, "%s/%s.journal", state_dir, c->resend);
	if ((fp = fopen(buf_str(path), "r")) == 0) {
	    buf_sprintf(o.why, "no such file, and no journal %s: %s", buf_str(path),
			strerror(errno));
	    buf_free(path);
	    rc = -1;
	    goto out;
	}
	rc = sub_list_feed(l, SUB_REPORT_HEADER "\n", sizeof(SUB_REPORT_HEADER),
			   sub_camp_old_row, &o, o.why);
	while (rc == 0 && (n = getline(&line, &cap, fp)) > 0) {
	    char   *tab;

	    if (line[0] != 'D' || (tab = strchr(line, '\t')) == 0)
		continue;
	    /* Strip the "\t.\n" end marker. */
	    if (n >= 3 && strcmp(line + n - 3, "\t.\n") == 0)
		line[n - 3] = 0;
	    else
		continue;
	    rc = sub_list_feed(l, tab + 1, strlen(tab + 1), sub_camp_old_row, &o, o.why);
	    if (rc == 0)
		rc = sub_list_feed(l, "\n", 1, sub_camp_old_row, &o, o.why);
	}
	free(line);
	fclose(fp);
	if (rc == 0)
	    rc = sub_list_finish(l, sub_camp_old_row, &o, o.why);
	buf_free(path);
	if (c->list == 0) {
	    buf_sprintf(o.why, "give --list (the original list) with a campaign name");
	    rc = -1;
	}
    }
out:
    if (rc < 0)
	buf_sprintf(c->why, "--resend-failed %s: %s", c->resend, buf_str(o.why));
    else if (c->progress)
	fprintf(stderr, "postbulk-submit: --resend-failed %s: %ld address(es) with "
		"status 2\n", c->resend, o.failed);
    sub_list_free(l);
    buf_free(o.addr);
    buf_free(o.why);
    return (rc);
}

/* sub_camp_state_dir - where journals live */

static int sub_camp_state_dir(BUF *dir, BUF *why)
{
    const char *home;

    if (*var_sub_state_dir) {
	buf_sprintf(dir, "%s", var_sub_state_dir);
    } else {
	if ((home = getenv("HOME")) == 0 || *home == 0) {
	    buf_sprintf(why, "HOME is not set; set %s or use --state", VAR_SUB_STATE_DIR);
	    return (-1);
	}
	buf_sprintf(dir, "%s/.postbulk", home);
	(void) mkdir(buf_str(dir), 0700);
	buf_printf(dir, "/campaigns");
    }
    if (mkdir(buf_str(dir), 0700) < 0 && errno != EEXIST) {
	buf_sprintf(why, "create state directory %s: %s", buf_str(dir), strerror(errno));
	return (-1);
    }
    return (0);
}

/* sub_camp_usage - the synopsis */

static int sub_camp_usage(const char *why)
{
    fprintf(stderr, "postbulk-submit: %s\n"
	    "usage: postbulk-submit campaign --name NAME --from 'Name <addr>'\n"
	    "\t(--template NAME | --message FILE) --list FILE [--at TIME]\n"
	    "\t[--typo fix|report|off] [--dry-run] [--report FILE] [--encoding ENC]\n"
	    "\t[--delimiter C] [--state FILE] [--resend-failed OLD] [--connections N]\n"
	    "\t[--config FILE] [--progress|--no-progress] [--advertising]\n", why);
    return (EX_USAGE);
}

/* sub_campaign_main - the whole campaign mode */

int     sub_campaign_main(int argc, char **argv)
{
    static const struct option opts[] = {
	{"name", required_argument, 0, 'n'},
	{"from", required_argument, 0, 'f'},
	{"template", required_argument, 0, 't'},
	{"message", required_argument, 0, 'm'},
	{"list", required_argument, 0, 'l'},
	{"at", required_argument, 0, 'a'},
	{"typo", required_argument, 0, 'y'},
	{"dry-run", no_argument, 0, 'd'},
	{"report", required_argument, 0, 'r'},
	{"encoding", required_argument, 0, 'e'},
	{"delimiter", required_argument, 0, 'D'},
	{"state", required_argument, 0, 's'},
	{"resend-failed", required_argument, 0, 'R'},
	{"connections", required_argument, 0, 'c'},
	{"config", required_argument, 0, 'C'},
	{"progress", no_argument, 0, 'p'},
	{"no-progress", no_argument, 0, 'P'},
	{"verbose", no_argument, 0, 'v'},
	{"advertising", no_argument, 0, 'A'},
	{0, 0, 0, 0},
    };
    SUB_CAMP camp, *c = &camp;
    const char *from = 0, *template = 0, *message = 0, *at = 0, *typo = 0;
    const char *config = 0;
    int     progress = -1;
    int     ch;
    int     ret = 0;
    int     list_is_old = 0;
    BUF    *from_header = buf_alloc(256), *from_addr = buf_alloc(256);
    BUF    *send_at = buf_alloc(64), *state_dir = buf_alloc(256);
    BUF    *state = buf_alloc(256), *list_id = buf_alloc(512);
    pthread_t *tids = 0;
    struct sigaction sa;
    struct stat st;
    double  secs;
    long    uncertain = 0;

    memset(c, 0, sizeof(*c));
    c->why = buf_alloc(256);
    c->stop_why = buf_alloc(256);
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "v", opts, 0)) != -1) {
	switch (ch) {
	case 'n': c->name = optarg; break;
	case 'f': from = optarg; break;
	case 't': template = optarg; break;
	case 'm': message = optarg; break;
	case 'l': c->list = optarg; break;
	case 'a': at = optarg; break;
	case 'y': typo = optarg; break;
	case 'd': c->dry_run = 1; break;
	case 'r': c->report_path = optarg; break;
	case 'e': c->encoding = optarg; break;
	case 'D':
	    if (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\\t") == 0)
		c->delim = '\t';
	    else if (strlen(optarg) == 1)
		c->delim = (unsigned char) optarg[0];
	    else
		{ ret = (sub_camp_usage("--delimiter takes one character or \"tab\"")); goto out; }
	    break;
	case 's': c->state_path = optarg; break;
	case 'R': c->resend = optarg; break;
	case 'c': {
		char   *end;

		c->connections = strtol(optarg, &end, 10);
		if (*end || c->connections < 1 || c->connections > 64)
		    { ret = (sub_camp_usage("--connections must be 1..64")); goto out; }
		break;
	    }
	case 'C': config = optarg; break;
	case 'p': progress = 1; break;
	case 'P': progress = 0; break;
	case 'v': sub_smtp_trace = 1; break;
	case 'A': c->advertising = 1; break;
	default:
	    buf_sprintf(c->why, "unknown or incomplete option \"%s\"", argv[optind - 1]);
	    { ret = (sub_camp_usage(buf_str(c->why))); goto out; }
	}
    }
    if (optind < argc) {
	buf_sprintf(c->why, "unexpected argument \"%s\"", argv[optind]);
	{ ret = (sub_camp_usage(buf_str(c->why))); goto out; }
    }
    if (c->name == 0)
	{ ret = (sub_camp_usage("--name is required")); goto out; }
    if (!token_value_ok(c->name))
	{ ret = (sub_camp_fail(EX_USAGE, "--name \"%s\": a campaign name is 1-64 of "
			      "lowercase letters, digits, \".\", \"_\" and \"-\", not "
			      "starting or ending with \".\" and without \"..\"",
			      c->name)); goto out; }
    if (c->list == 0 && c->resend == 0)
	{ ret = (sub_camp_usage("--list is required")); goto out; }
    if (template && message)
	{ ret = (sub_camp_usage("give --template or --message, not both")); goto out; }
    if (!template && !message && !c->dry_run)
	{ ret = (sub_camp_usage("--template NAME or --message FILE is required")); goto out; }
    if (template && !token_value_ok(template))
	{ ret = (sub_camp_fail(EX_USAGE, "--template \"%s\": a template name is 1-64 of "
			      "lowercase letters, digits, \".\", \"_\" and \"-\"",
			      template)); goto out; }
    if (sub_params_load(config, c->why) < 0)
	{ ret = (sub_camp_fail(EX_CONFIG, "%s", buf_str(c->why))); goto out; }
    c->progress = progress >= 0 ? progress : isatty(2);
    c->connections = c->connections ? c->connections : var_sub_connections;
    typo = typo ? typo : var_sub_typo;
    if (strcmp(typo, "fix") == 0)
	c->typo_mode = SUB_TYPO_FIX;
    else if (strcmp(typo, "report") == 0)
	c->typo_mode = SUB_TYPO_REPORT;
    else if (strcmp(typo, "off") == 0)
	c->typo_mode = SUB_TYPO_OFF;
    else
	{ ret = (sub_camp_usage("--typo takes fix, report or off")); goto out; }
    if (from && sub_msg_from(from, from_header, from_addr, c->why) < 0)
	{ ret = (sub_camp_fail(EX_USAGE, "%s", buf_str(c->why))); goto out; }
    if (at && sub_msg_time(at, send_at, c->why) < 0)
	{ ret = (sub_camp_fail(EX_USAGE, "%s", buf_str(c->why))); goto out; }
    if (sub_msg_load(&c->msg, message, c->why) < 0)
	{ ret = (sub_camp_fail(EX_NOINPUT, "%s", buf_str(c->why))); goto out; }
    if (!c->dry_run && !from && !c->msg.has_from)
	{ ret = (sub_camp_usage("--from is required (the message has no From: header)")); goto out; }
    c->msg.campaign = c->name;
    c->msg.template = template;
    c->msg.from_header = from ? buf_str(from_header) : 0;
    c->msg.send_at = at ? buf_str(send_at) : 0;
    c->msg.advertising = c->advertising;

    /* The envelope sender: a campaign-tagged bounce address. */
    c->bounce = buf_alloc(128);
    if (!c->dry_run) {
	TOKEN_KEY key;

	if (token_key_load(var_token_key_file, &key, c->why) < 0)
	    { ret = (sub_camp_fail(EX_NOPERM, "%s (campaign mode needs the token key "
				  "to tag its bounce address; the admin who runs "
				  "campaigns must be able to read it)", buf_str(c->why))); goto out; }
	if (token_make_address(&key, TOKEN_CAMPAIGN, c->name, var_bounce_prefix,
			       var_bounce_domain, c->bounce) < 0)
	    { ret = (sub_camp_fail(EX_USAGE, "--name \"%s\": not usable in a token",
				  c->name)); goto out; }
	memset(&key, 0, sizeof(key));
    }

    /* State: the journal, unless this is a dry run. */
    if (sub_camp_state_dir(state_dir, c->why) < 0)
	{ ret = (sub_camp_fail(EX_CANTCREAT, "%s", buf_str(c->why))); goto out; }
    if (c->resend && sub_camp_resend_set(c, buf_str(state_dir), &list_is_old) < 0)
	{ ret = (sub_camp_fail(EX_NOINPUT, "%s", buf_str(c->why))); goto out; }
    if (strcmp(c->list, "-") != 0 && stat(c->list, &st) < 0)
	{ ret = (sub_camp_fail(EX_NOINPUT, "list %s: %s", c->list, strerror(errno))); goto out; }
    c->list_size = strcmp(c->list, "-") == 0 ? 0 : st.st_size;
    if (c->state_path)
	buf_sprintf(state, "%s", c->state_path);
    else
	buf_sprintf(state, "%s/%s.journal", buf_str(state_dir), c->name);
    {
	char    real[PATH_MAX];

	buf_sprintf(list_id, "%s size=%lld", realpath(c->list, real) ? real : c->list,
		    (long long) c->list_size);
    }
    if (c->report_path && (c->report = sub_report_open(c->report_path, c->why)) == 0)
	{ ret = (sub_camp_fail(EX_CANTCREAT, "%s", buf_str(c->why))); goto out; }
    if (!c->dry_run) {
	c->journal = sub_journal_open(buf_str(state), buf_str(list_id), sub_camp_replay, c,
				      c->why);
	if (c->journal == 0)
	    { ret = (sub_camp_fail(EX_CANTCREAT, "%s", buf_str(c->why))); goto out; }
	c->n.earlier = 0;
	(void) sub_journal_count(c->journal, &uncertain);
    }
    c->dedup = sub_dedup_create();
    c->fixed = buf_alloc(256);
    c->change = buf_alloc(256);
    c->addr = buf_alloc(256);
    c->key = buf_alloc(256);
    c->vars = buf_alloc(1024);
    c->line = buf_alloc(512);
    c->abort_reason = buf_alloc(256);
    pthread_mutex_init(&c->lock, 0);
    pthread_cond_init(&c->cv_work, 0);
    pthread_cond_init(&c->cv_space, 0);
    clock_gettime(CLOCK_MONOTONIC, &c->start);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = sub_camp_sig;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, 0);
    sigaction(SIGTERM, &sa, 0);
    sigaction(SIGHUP, &sa, 0);
    signal(SIGPIPE, SIG_IGN);

    if (!c->dry_run) {
	tids = xcalloc((size_t) c->connections, sizeof(pthread_t));
	for (long i = 0; i < c->connections; i++)
	    if ((errno = pthread_create(&tids[i], 0, sub_camp_worker, c)) != 0)
		log_fatal("pthread_create: %m");
    }

    /* Read the list; rows go to the workers. */
    c->reader = sub_list_create(c->encoding, c->delim);
    buf_reset(c->why);
    if (sub_list_file(c->reader, c->list, sub_camp_row, c, c->why) < 0) {
	if (buf_len(c->stop_why))
	    buf_sprintf(c->why, "%s", buf_str(c->stop_why));
	pthread_mutex_lock(&c->lock);
	if (!sub_camp_signalled && !c->abort) {
	    ret = strstr(buf_str(c->why), "open ") == buf_str(c->why) ? EX_NOINPUT
		: EX_DATAERR;
	    fprintf(stderr, "%spostbulk-submit: %s%s\n", c->progress ? "\n" : "",
		    strncmp(buf_str(c->why), c->list, strlen(c->list)) == 0 ? "" : "list: ",
		    buf_str(c->why));
	    c->abort = 1;
	    buf_sprintf(c->abort_reason, "list error");
	}
	pthread_mutex_unlock(&c->lock);
    }
    pthread_mutex_lock(&c->lock);
    c->eof = 1;
    if (sub_camp_signalled && !c->abort) {
	c->abort = 1;
	buf_sprintf(c->abort_reason, "stopped by signal %d", (int) sub_camp_signalled);
    }
    pthread_cond_broadcast(&c->cv_work);

    /* Wait for the workers, drawing progress; a signal stops new rows. */
    while (!c->dry_run && (c->inflight > 0 || c->head || c->retry) && !c->abort) {
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 200 * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
	    ts.tv_sec++;
	    ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&c->cv_space, &c->lock, &ts);
	if (sub_camp_signalled && !c->abort) {
	    c->abort = 1;
	    buf_sprintf(c->abort_reason, "stopped by signal %d", (int) sub_camp_signalled);
	    pthread_cond_broadcast(&c->cv_work);
	}
	sub_camp_draw(c, 0);
    }
    pthread_cond_broadcast(&c->cv_work);
    pthread_mutex_unlock(&c->lock);
    if (tids) {
	for (long i = 0; i < c->connections; i++)
	    pthread_join(tids[i], 0);
	free(tids);
    }
    c->eof = 1;
    sub_camp_draw(c, 1);

    /* Rows still queued or waiting when stopped: the next run sends them. */
    {
	long    left = c->qlen;

	for (SUB_JOB *j = c->head, *nx; j; j = nx) {
	    nx = j->next;
	    sub_camp_job_free(j);
	}
	for (SUB_JOB *j = c->retry, *nx; j; j = nx) {
	    nx = j->next;
	    left++;
	    sub_camp_job_free(j);
	}
	if (c->abort && ret == 0) {
	    ret = EX_TEMPFAIL;
	    fprintf(stderr, "postbulk-submit: campaign %s stopped (%s) with %ld queued "
		    "row(s) not sent; run the same command again to resume\n",
		    c->name, buf_str(c->abort_reason), left);
	}
    }
    if (c->journal && sub_journal_close(c->journal, c->why) < 0) {
	fprintf(stderr, "postbulk-submit: %s\n", buf_str(c->why));
	if (ret == 0)
	    ret = EX_IOERR;
    }
    if (sub_report_close(c->report, c->why) < 0) {
	fprintf(stderr, "postbulk-submit: %s\n", buf_str(c->why));
	if (ret == 0)
	    ret = EX_IOERR;
    }
    secs = sub_camp_elapsed(c);
    printf("postbulk-submit: campaign=%s rows=%ld queued=%ld invalid=%ld "
	   "duplicate=%ld suppressed=%ld policy_duplicate=%ld rejected=%ld "
	   "failed=%ld fixed=%ld earlier=%ld excluded=%ld %s=%ld retries=%ld "
	   "resent_uncertain=%ld lost_after_data=%ld backoffs=%ld elapsed=%.1fs rate=%.0f/s encoding=%s%s\n",
	   c->name, c->n.rows - c->n.excluded, c->n.queued, c->n.invalid,
	   c->n.dup_list, c->n.suppressed, c->n.dup_policy, c->n.rejected,
	   c->n.failed, c->n.fixed, c->n.earlier, c->n.excluded,
	   c->dry_run ? "valid" : "waiting", c->dry_run ? c->n.would_send : c->n.waiting,
	   c->n.retried, c->n.resent_uncertain, c->n.lost_after_data, c->n.backoffs, secs,
	   secs > 0 ? (c->n.queued + c->n.would_send) / secs : 0.0,
	   sub_list_encoding(c->reader), ret == EX_TEMPFAIL ? " status=interrupted" :
	   ret ? " status=error" : " status=complete");
    (void) list_is_old;
    (void) uncertain;
out:
    if (c->reader)
	sub_list_free(c->reader);
    sub_dedup_free(c->dedup);
    sub_dedup_free(c->resend_set);
    if (c->report && ret != 0 && c->eof == 0)
	fclose(c->report);
    for (int i = 0; i < c->ncols; i++)
	free(c->cols[i]);
    free(c->cols);
    {
	BUF    *bufs[] = {c->why, c->stop_why, c->bounce, c->fixed, c->change, c->addr,
	    c->key, c->vars, c->line, c->abort_reason, c->msg.headers, c->msg.body,
	    from_header, from_addr, send_at, state_dir, state, list_id};

	for (size_t i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
	    if (bufs[i])
		buf_free(bufs[i]);
    }
    return (ret);
}
