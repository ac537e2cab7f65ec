/*
 * NAME
 *	bp_maillog 3 - delivery outcomes from Postfix's log
 * DESCRIPTION
 *	See bp_maillog.h. The state file holds "INODE OFFSET" and is
 *	replaced atomically (write, fsync, rename). The offset saved is
 *	always the end of the last complete line applied, so a crash
 *	repeats at most one batch; applying a line twice is harmless
 *	(statuses are set, not counted, except the attempts counter).
 *
 *	Committed: the first line of a queue id that proves Postfix has
 *	the message in its queue (qmgr's "(queue active)", cleanup's
 *	"hold:" or "milter-hold:", or any delivery outcome) sets the
 *	committed time of every record of that queue id, once. policyd's
 *	duplicate guard trusts only committed records (the milter writes
 *	the record before Postfix commits the queue file).
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "buf.h"
#include "addr.h"
#include "params.h"

#include "pfdb.h"
#include "bp_report.h"
#include "bp_reason.h"
#include "desttab.h"
#include "bp_effects.h"
#include "bp_maillog.h"

#define BP_LOG_BATCH	(1 << 20)	/* bytes read per round */

static volatile sig_atomic_t bp_stop;

static void bp_on_signal(int sig)
{
    bp_stop = 1;
}

void    bp_logrec_init(BP_LOGREC *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->rcpt = buf_alloc(64);
    rec->orig_rcpt = buf_alloc(64);
    rec->text = buf_alloc(128);
}

void    bp_logrec_free(BP_LOGREC *rec)
{
    buf_free(rec->rcpt);
    buf_free(rec->orig_rcpt);
    buf_free(rec->text);
}

/* bp_field - value of "name=" up to ", " (or <...> for addresses) */

static int bp_field(const char *s, const char *name, BUF *out)
{
    size_t  n = strlen(name);
    const char *p = s, *e;

    while ((p = strstr(p, name)) != 0) {
	if (p == s || p[-1] == ' ') {
	    p += n;
	    if (*p == '<') {
		e = strchr(++p, '>');
	    } else {
		e = strstr(p, ", ");
		if (e == 0)
		    e = strchr(p, ' ');
	    }
	    if (e == 0)
		e = p + strlen(p);
	    buf_reset(out);
	    buf_append(out, p, (size_t) (e - p));
	    return (1);
	}
	p += n;
    }
    return (0);
}

/* bp_maillog_committed - does the text after "QUEUEID: " prove a queue file? */

static int bp_maillog_committed(const char *t)
{
    size_t  len = strlen(t);
    static const char active[] = " (queue active)";
    size_t  alen = sizeof(active) - 1;

    /* qmgr: "from=<s>, size=N, nrcpt=N (queue active)". */
    if (strncmp(t, "from=<", 6) == 0 && strstr(t, ", nrcpt=") != 0
	&& len > alen && strcmp(t + len - alen, active) == 0)
	return (1);
    /* cleanup: held (header_checks HOLD, or the milter's quarantine). */
    if (strncmp(t, "hold: ", 6) == 0 || strncmp(t, "milter-hold: ", 13) == 0)
	return (1);
    return (0);
}

/* bp_maillog_parse - one line */

int     bp_maillog_parse(const char *line, BP_LOGREC *rec)
{
    const char *p = strstr(line, "postfix"), *q, *st;
    BUF    *v;
    size_t  n;

    if (p == 0 || (p = strstr(p, "]: ")) == 0)
	return (0);
    p += 3;
    for (q = p; (*q >= '0' && *q <= '9') || (*q >= 'A' && *q <= 'Z')
	 || (*q >= 'a' && *q <= 'z'); q++)
	 /* void */ ;
    n = (size_t) (q - p);
    if (n < 3 || n >= sizeof(rec->queue_id) || q[0] != ':' || q[1] != ' ')
	return (0);
    if ((n == 7 && strncmp(p, "warning", 7) == 0) || (n == 5 && strncmp(p, "error", 5) == 0)
	|| (n == 5 && strncmp(p, "fatal", 5) == 0) || (n == 5 && strncmp(p, "panic", 5) == 0))
	return (0);
    memcpy(rec->queue_id, p, n);
    rec->queue_id[n] = 0;
    buf_reset(rec->rcpt);
    buf_reset(rec->orig_rcpt);
    buf_reset(rec->text);
    rec->dsn[0] = 0;
    if (bp_maillog_committed(q + 2)) {
	snprintf(rec->status, sizeof(rec->status), "committed");
	return (1);
    }
    if ((st = strstr(q, " status=")) == 0)
	return (0);
    v = buf_alloc(32);
    st += 8;
    for (n = 0; st[n] >= 'a' && st[n] <= 'z' && n < sizeof(rec->status) - 1; n++)
	rec->status[n] = st[n];
    rec->status[n] = 0;
    if (strcmp(rec->status, "expired") == 0) {
	buf_free(v);
	return (strstr(q, " from=<") != 0 || strstr(q, " to=<") != 0);
    }
    if (strcmp(rec->status, "sent") != 0 && strcmp(rec->status, "deferred") != 0
	&& strcmp(rec->status, "bounced") != 0) {
	buf_free(v);
	return (0);
    }
    if (!bp_field(q, "to=", rec->rcpt)) {
	buf_free(v);
	return (0);
    }
    bp_field(q, "orig_to=", rec->orig_rcpt);
    if (bp_field(q, "dsn=", v))
	bp_strlcpy(rec->dsn, buf_str(v), sizeof(rec->dsn));
    if ((p = strchr(st, '(')) != 0) {
	const char *e = strrchr(p, ')');

	buf_append(rec->text, p + 1, e && e > p ? (size_t) (e - p - 1) : strlen(p + 1));
    }
    buf_free(v);
    return (1);
}

typedef struct BP_LOGFX {
    BP_LOGREC *rec;
    PFDB_MSG *msg;
    int     n;
    time_t  now;
    char    reason[32];
    BP_RCPT *r;				/* classified deferral, or NULL */
    BP_EFFECT backoff;			/* destination group of the recipient */
    int     changed;			/* records written by bp_log_txn */
} BP_LOGFX;

static DESTTAB *bp_log_tab;		/* destination groups, or NULL */

static int bp_log_collect(const PFDB_MSG *m, void *ctx)
{
    BP_LOGFX *fx = ctx;

    if (fx->n >= 1000)
	return (1);
    fx->msg = xrealloc(fx->msg, (fx->n + 1) * sizeof(*fx->msg));
    fx->msg[fx->n++] = *m;
    return (0);
}

/* bp_log_txn - apply one outcome to the records of its queue id */

static int bp_log_txn(PFDB *db, PFDB_TXN *txn, void *ctx)
{
    BP_LOGFX *fx = ctx;
    BP_LOGREC *rec = fx->rec;
    BUF    *norm = buf_alloc(64), *why = buf_alloc(64);
    int     i, ret = 0;

    fx->changed = 0;
    for (i = 0; i < fx->n; i++) {
	PFDB_MSG m = fx->msg[i];
	int     commit = (m.committed == 0);

	/* Any line of this queue id proves that Postfix queued it. */
	if (commit)
	    m.committed = fx->now;
	if (strcmp(rec->status, "committed") == 0) {
	    if (commit)
		goto put;
	    continue;
	}
	if (strcmp(rec->status, "expired") != 0) {
	    const char *to = buf_len(rec->orig_rcpt) ? buf_str(rec->orig_rcpt) : buf_str(rec->rcpt);

	    if (addr_normalize(to, var_strip_tag ? ADDR_STRIP_TAG : 0, norm, why) < 0
		|| strcasecmp(buf_str(norm), m.rcpt) != 0) {
		if (addr_normalize(buf_str(rec->rcpt), var_strip_tag ? ADDR_STRIP_TAG : 0,
				   norm, why) < 0 || strcasecmp(buf_str(norm), m.rcpt) != 0)
		    goto skip;
	    }
	}
	m.updated = fx->now;
	if (strcmp(rec->status, "sent") == 0) {
	    if (m.status != PFDB_ST_QUEUED)
		goto skip;
	    m.status = PFDB_ST_SENT;
	    m.attempts++;
	} else if (strcmp(rec->status, "deferred") == 0) {
	    if (m.status != PFDB_ST_QUEUED)
		goto skip;
	    m.attempts++;
	} else if (strcmp(rec->status, "bounced") == 0) {
	    if (m.status == PFDB_ST_BOUNCED)
		goto skip;			/* bounce-pipe was first */
	    m.status = PFDB_ST_BOUNCED;
	    m.attempts++;
	} else {
	    if (m.status != PFDB_ST_QUEUED)
		goto skip;
	    m.status = PFDB_ST_FAILED;
	    snprintf(m.reason, sizeof(m.reason), "expired");
	}
	if (strcmp(rec->status, "expired") != 0) {
	    bp_strlcpy(m.dsn, rec->dsn, sizeof(m.dsn));
	    bp_strlcpy(m.diag, buf_str(rec->text), sizeof(m.diag));
	    bp_strlcpy(m.reason, fx->reason, sizeof(m.reason));
	}
	goto put;
skip:
	if (!commit)
	    continue;
	m = fx->msg[i];				/* unchanged but for committed */
	m.committed = fx->now;
put:
	if (pfdb_msg_put(db, txn, &m) < 0) {
	    ret = -1;
	    break;
	}
	fx->changed++;
    }
    /* A throttling deferral says "slow down" long before any DSN. */
    if (ret == 0 && fx->r && fx->n > 0
	&& bp_effects_backoff(db, txn, &fx->backoff, fx->now) < 0)
	ret = -1;
    buf_free(norm);
    buf_free(why);
    return (ret);
}

/* bp_log_apply - one parsed line */

static int bp_log_apply(PFDB *db, BP_LOGREC *rec)
{
    BP_LOGFX fx;
    int     ret = 0;

    memset(&fx, 0, sizeof(fx));
    fx.rec = rec;
    fx.now = time(0);
    if (pfdb_msg_by_queueid(db, rec->queue_id, bp_log_collect, &fx) < 0)
	return (-1);
    if (fx.n == 0)
	return (0);				/* not a postbulk message */
    if (strcmp(rec->status, "committed") == 0) {
	if (pfdb_txn_run(db, bp_log_txn, &fx) < 0)
	    ret = -1;
	else if (fx.changed > 0)
	    log_info("%s: outcome=committed, records=%d", rec->queue_id, fx.changed);
	free(fx.msg);
	return (ret);
    }
    if (strcmp(rec->status, "sent") == 0) {
	snprintf(fx.reason, sizeof(fx.reason), "delivered");
    } else if (strcmp(rec->status, "expired") != 0) {
	BP_RCPT r;

	memset(&r, 0, sizeof(r));
	r.diag = rec->text;
	bp_strlcpy(r.status, rec->dsn, sizeof(r.status));
	snprintf(r.diagtype, sizeof(r.diagtype), "SMTP");
	if (strcmp(rec->status, "deferred") == 0)
	    snprintf(r.action, sizeof(r.action), "delayed");
	bp_reason_classify(&r);
	bp_strlcpy(fx.reason, r.reason, sizeof(fx.reason));
	if (strcmp(rec->status, "deferred") == 0 && bp_reason_sender_side(r.reason)) {
	    const char *dom = addr_domain(buf_str(rec->rcpt));
	    const DESTTAB_GROUP *g = (bp_log_tab && dom) ? desttab_lookup(bp_log_tab, dom) : 0;

	    fx.r = &r;
	    fx.backoff.r = &r;
	    fx.backoff.grp = g;
	    bp_strlcpy(fx.backoff.group, g ? g->name : (dom ? dom : "unknown"),
		       sizeof(fx.backoff.group));
	}
	if (pfdb_txn_run(db, bp_log_txn, &fx) < 0)
	    ret = -1;
	else
	    log_info("%s: outcome=%s, rcpt=<%s>, dsn=%s, reason=%s%s%s", rec->queue_id,
		     rec->status, buf_str(rec->rcpt), rec->dsn[0] ? rec->dsn : "-",
		     fx.reason, fx.r ? ", backoff=" : "", fx.r ? fx.backoff.group : "");
	free(fx.msg);
	return (ret);
    }
    if (pfdb_txn_run(db, bp_log_txn, &fx) < 0)
	ret = -1;
    else
	log_info("%s: outcome=%s, rcpt=<%s>, dsn=%s, reason=%s", rec->queue_id, rec->status,
		 buf_str(rec->rcpt), rec->dsn[0] ? rec->dsn : "-",
		 fx.reason[0] ? fx.reason : "expired");
    free(fx.msg);
    return (ret);
}

/* bp_state_read - "INODE OFFSET" */

static void bp_state_read(const char *path, unsigned long long *ino, long long *off)
{
    FILE   *fp;

    *ino = 0;
    *off = 0;
    if (path && (fp = fopen(path, "r")) != 0) {
	if (fscanf(fp, "%llu %lld", ino, off) != 2) {
	    *ino = 0;
	    *off = 0;
	}
	fclose(fp);
    }
}

/* bp_state_write - atomic replace */

static int bp_state_write(const char *path, unsigned long long ino, long long off)
{
    BUF    *tmp;
    FILE   *fp;
    int     ret = 0;

    if (path == 0)
	return (0);
    tmp = buf_alloc(strlen(path) + 8);
    buf_sprintf(tmp, "%s.tmp", path);
    if ((fp = fopen(buf_str(tmp), "w")) == 0
	|| fprintf(fp, "%llu %lld\n", ino, off) < 0 || fflush(fp) != 0
	|| fsync(fileno(fp)) < 0 || fclose(fp) != 0 || rename(buf_str(tmp), path) < 0) {
	log_warn("state file %s: %m", path);
	ret = -1;
    }
    buf_free(tmp);
    return (ret);
}

/* bp_maillog_follow - the follower loop */

int     bp_maillog_follow(const char *path, const char *state, int once)
{
    unsigned long long ino;
    long long off;
    struct stat st, st2;
    BUF    *why = buf_alloc(64), *pend = buf_alloc(4096);
    char   *blk = xmalloc(BP_LOG_BATCH);
    BP_LOGREC rec;
    PFDB   *db;
    int     fd = -1, status = 0;
    ssize_t n;

    if ((db = pfdb_open(var_db_directory, 0, why)) == 0) {
	log_error("maillog: %s", buf_str(why));
	return (EX_TEMPFAIL);
    }
    if (access(var_dest_table, R_OK) == 0
	&& (bp_log_tab = desttab_load(var_dest_table, why)) == 0)
	log_warn("maillog: %s; backoff keyed by recipient domain", buf_str(why));
    signal(SIGTERM, bp_on_signal);
    signal(SIGINT, bp_on_signal);
    bp_logrec_init(&rec);
    bp_state_read(state, &ino, &off);
    while (!bp_stop) {
	if (fd < 0) {
	    if ((fd = open(path, O_RDONLY)) < 0) {
		if (once) {
		    log_error("maillog: open %s: %m", path);
		    status = EX_NOINPUT;
		    break;
		}
		sleep(1);
		continue;
	    }
	    if (fstat(fd, &st) < 0)
		log_fatal("fstat %s: %m", path);
	    /* Rotated (other inode) or truncated (shorter): from the start. */
	    if ((unsigned long long) st.st_ino != ino || st.st_size < off) {
		ino = (unsigned long long) st.st_ino;
		off = 0;
	    }
	    if (lseek(fd, (off_t) off, SEEK_SET) < 0)
		log_fatal("lseek %s: %m", path);
	    buf_reset(pend);
	}
	n = read(fd, blk, BP_LOG_BATCH);
	if (n < 0) {
	    if (errno == EINTR)
		continue;
	    log_error("maillog: read %s: %m", path);
	    status = EX_IOERR;
	    break;
	}
	if (n > 0) {
	    char   *s, *nl;
	    size_t  used = 0;

	    buf_append(pend, blk, (size_t) n);
	    for (s = buf_str(pend); (nl = memchr(s, '\n', buf_len(pend) - (size_t) (s - buf_str(pend)))) != 0; s = nl + 1) {
		*nl = 0;
		if (bp_maillog_parse(s, &rec) && bp_log_apply(db, &rec) < 0) {
		    log_error("maillog: %s: %s", rec.queue_id, pfdb_strerror(db));
		    status = EX_TEMPFAIL;
		    bp_stop = 1;
		    break;
		}
		used = (size_t) (nl + 1 - buf_str(pend));
		off += (long long) (nl + 1 - s);
	    }
	    if (used) {
		memmove(buf_str(pend), buf_str(pend) + used, buf_len(pend) - used);
		buf_truncate(pend, buf_len(pend) - used);
	    }
	    if (bp_state_write(state, ino, off) < 0 && once)
		status = EX_CANTCREAT;
	    continue;
	}
	/* At end of file. */
	if (once)
	    break;
	pfdb_maintain(db);
	if (stat(path, &st2) == 0 && (unsigned long long) st2.st_ino != ino) {
	    /* Rotated: the old file is read to its end above; reopen. */
	    close(fd);
	    fd = -1;
	    ino = 0;
	    off = 0;
	    continue;
	}
	if (stat(path, &st2) == 0 && st2.st_size < off) {
	    close(fd);
	    fd = -1;
	    continue;
	}
	sleep(1);
    }
    if (fd >= 0)
	close(fd);
    bp_logrec_free(&rec);
    pfdb_close(db);
    buf_free(why);
    buf_free(pend);
    free(blk);
    return (status);
}
