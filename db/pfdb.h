#ifndef PF_PFDB_H
#define PF_PFDB_H

/*
 * NAME
 *	pfdb 3 - the postbulk store: one Berkeley DB 5.3 transactional environment
 * SYNOPSIS
 *	#include "pfdb.h"
 *
 *	PFDB *pfdb_open(const char *dir, int flags, BUF *why);
 *	void pfdb_close(PFDB *db);
 *	const char *pfdb_strerror(PFDB *db);
 *	int pfdb_maintain(PFDB *db);
 *	int pfdb_txn_run(PFDB *db, PFDB_TXN_FN fn, void *ctx);
 *
 *	int pfdb_checkpoint(PFDB *db, int force);
 *	unsigned pfdb_reopen_count(PFDB *db);
 *	unsigned long pfdb_deadlock_count(PFDB *db);
 *	const char *pfdb_status_name(int status);
 *
 *	suppression: pfdb_supp_get / _put / _add / _del / _walk / _lookup /
 *		     _import
 *	messages:    pfdb_msg_get / _put / _del / _walk / _by_msgid / _by_queueid /
 *		     _by_campaign / _by_rcpt / _campaign_has_rcpt /
 *		     _by_campaign_rcpt
 *	campaigns:   pfdb_campaign_get / _put / _walk
 *	counters:    pfdb_counter_add / _get / _walk
 *	backoff:     pfdb_backoff_get / _put / _walk
 * DESCRIPTION
 *	One environment directory (db_directory, default /var/lib/postbulk)
 *	shared by the milter, policyd, bounce-pipe and the postbulk CLI.
 *	Every process opens it with DB_REGISTER | DB_RECOVER (see
 *	shared/docs/bdb-notes.md: the only scheme that survived kill -9 of a
 *	writer on Debian's libdb5.3). When another process has run recovery,
 *	calls fail inside with DB_RUNRECOVERY: this layer then closes and
 *	reopens the environment and retries, so callers never see it.
 *	Deadlocks (DB_LOCK_DEADLOCK, also on single puts) are retried inside.
 *
 *	Records are stored in an explicit, versioned encoding (a version
 *	byte, then length-prefixed fields), never as raw structs.
 *
 *	Every function that takes a PFDB_TXN *txn runs inside that
 *	transaction when txn is not NULL, else in its own transaction with
 *	retries. pfdb_txn_run(db, fn, ctx) runs fn(db, txn, ctx) inside one
 *	transaction and retries the whole function after a deadlock or a
 *	recovery (fn must therefore be repeatable); fn returns 0 to commit,
 *	non-zero to abort (that value is returned).
 *
 *	Durability: commits use DB_TXN_WRITE_NOSYNC (written to the OS,
 *	survives the death of the process; see bdb-notes.md) unless
 *	PFDB_DURABLE was given to pfdb_open (fsync per commit).
 *
 *	pfdb_maintain() runs lock expiry and deadlock detection, and at a
 *	bounded interval a checkpoint and log removal. Long-running
 *	processes call it about once a second; short ones need not.
 *
 *	Lookups return 1 = found, 0 = not found, -1 = error. Updates return
 *	0 or -1. Walk callbacks return 0 to go on, non-zero to stop (that
 *	value is returned by the walk). On -1, pfdb_strerror() says why.
 *
 *	Addresses are stored as addr_normalize() keys; "@domain" is a
 *	whole-domain suppression.
 *
 *	Threads: one PFDB handle may be shared by all threads of a process
 *	(DB_THREAD; the milter does this), and a second pfdb_open of the
 *	same directory in one process returns the same handle (DB_REGISTER
 *	allows one environment handle per process). Open it after any
 *	fork() that is not followed by exec: pfdb_open starts two threads,
 *	one running lock expiry every 250 ms, one watchdog that frees a
 *	call blocked on a lock or mutex of a killed process (it has a child
 *	process open the environment, which runs recovery, then makes the
 *	blocked call reopen and retry; see pfdb_rescue.c; it uses signal
 *	SIGRTMAX-3 when the application leaves that signal alone).
 *	PFDB_NOTHREAD turns both off. Walk callbacks run with no
 *	lock held and may call pfdb_* again; pfdb_txn_run's fn runs inside
 *	the transaction and must not block for long.
 *
 *	Errors are per thread: pfdb_strerror() / pfdb_last_error() describe
 *	the calling thread's last failed call.
 *
 *	Added after the first version of this header: PFDB_NOTHREAD,
 *	PFDB_IMPORT_BATCH, pfdb_checkpoint, pfdb_reopen_count,
 *	pfdb_deadlock_count, pfdb_status_name, pfdb_supp_import (batched
 *	upsert, 10,000 keys per transaction), pfdb_msg_del; PFDB_MSG
 *	.committed (record version 2: the time the outcome follower saw
 *	Postfix queue the message; 0 in version 1 records) and
 *	pfdb_msg_by_campaign_rcpt (the records behind a positive
 *	pfdb_msg_campaign_has_rcpt, for policyd's duplicate guard).
 * DIAGNOSTICS
 *	pfdb_open() returns NULL with a reason naming the directory (not
 *	writable, no such directory, recovery failed, ...).
 *	PFDB_ETIMEOUT: the lock timeout (db_lock_timeout) expired; callers
 *	that were handed a message by Postfix exit EX_TEMPFAIL then.
 */
#include <time.h>
#include <stdint.h>

#include "buf.h"

typedef struct PFDB PFDB;
typedef struct PFDB_TXN PFDB_TXN;
typedef int (*PFDB_TXN_FN) (PFDB *, PFDB_TXN *, void *);

/* pfdb_open flags */
#define PFDB_CREATE	(1<<0)		/* create the directory's files */
#define PFDB_DURABLE	(1<<1)		/* fsync every commit */
#define PFDB_RDONLY	(1<<2)		/* reads only (CLI status/export) */
#define PFDB_NOTHREAD	(1<<3)		/* no lock-expiry watchdog thread */

/* Suppressions per transaction in pfdb_supp_import(). */
#define PFDB_IMPORT_BATCH	10000

/* pfdb_last_error() values, besides 0 */
#define PFDB_EFAIL	1		/* anything else: see pfdb_strerror */
#define PFDB_ETIMEOUT	2		/* lock wait longer than the timeout */

/* Status codes (DESIGN.md). */
#define PFDB_ST_QUEUED		0
#define PFDB_ST_SENT		1
#define PFDB_ST_FAILED		2
#define PFDB_ST_INVALID		3
#define PFDB_ST_SUPPRESSED	4
#define PFDB_ST_BOUNCED		5
#define PFDB_ST_OPENED		6
#define PFDB_ST_SCHEDULED	7
#define PFDB_ST_CANCELED	8

#define PFDB_ADDR_MAX	320
#define PFDB_ID_MAX	64
#define PFDB_NAME_MAX	64

typedef struct PFDB_SUPP {
    char    reason[32];			/* userunknown, complaint, unsubscribe, ... */
    char    source[32];			/* bounce, fbl, unsubscribe, admin, import */
    time_t  first;			/* first time recorded */
    time_t  last;			/* last time recorded */
    uint32_t count;			/* times recorded */
    time_t  expires;			/* 0 = never */
    char    detail[256];		/* DSN status + remote reply, or a note */
} PFDB_SUPP;

typedef struct PFDB_MSG {
    char    msgid[PFDB_ID_MAX + 1];	/* postbulk message id (VERP token value) */
    char    rcpt[PFDB_ADDR_MAX + 1];	/* normalized recipient */
    char    campaign[PFDB_NAME_MAX + 1];/* "" = none */
    char    sender_domain[256];		/* From: domain, for the reputation guard */
    int     status;			/* PFDB_ST_* */
    char    queue_id[32];		/* Postfix queue id */
    time_t  queued;			/* first recorded */
    time_t  updated;			/* last status change */
    time_t  send_at;			/* scheduled time, 0 = none */
    uint32_t attempts;			/* delivery attempts seen */
    char    dsn[16];			/* last D.S.N status */
    char    reason[32];			/* classified reason */
    char    diag[512];			/* last diagnostic text */
    time_t  committed;			/* Postfix queued it (seen in the
					 * maillog), 0 = not confirmed */
} PFDB_MSG;

typedef struct PFDB_CAMPAIGN {
    char    name[PFDB_NAME_MAX + 1];
    time_t  created;
    time_t  send_at;			/* 0 = now */
    char    from[PFDB_ADDR_MAX + 1];
    char    template_name[128];
    uint32_t rows;			/* list rows seen by submit, if known */
    int     canceled;
} PFDB_CAMPAIGN;

typedef struct PFDB_BACKOFF {
    char    group[PFDB_NAME_MAX + 1];	/* destination group */
    time_t  since;			/* backoff started */
    time_t  until;			/* full backoff ends; recovery after */
    int     level;			/* 0 = none; rate divided by 2^level */
    uint32_t events;			/* throttling replies counted */
    time_t  last_event;
    char    last_reason[32];
    char    last_reply[256];
} PFDB_BACKOFF;

PFDB   *pfdb_open(const char *, int, BUF *);
void    pfdb_close(PFDB *);
const char *pfdb_strerror(PFDB *);
int     pfdb_last_error(PFDB *);
int     pfdb_maintain(PFDB *);
int     pfdb_txn_run(PFDB *, PFDB_TXN_FN, void *);
int     pfdb_verify(const char *dir, BUF *report);	/* 0 clean, -1 problems */
int     pfdb_checkpoint(PFDB *, int force);	/* checkpoint + log removal now */
unsigned pfdb_reopen_count(PFDB *);	/* reopens after DB_RUNRECOVERY */
unsigned long pfdb_deadlock_count(PFDB *);	/* deadlock retries */
const char *pfdb_status_name(int);	/* "sent", ...; "unknown" */

/* Suppression: key is a normalized address or "@domain". */
int     pfdb_supp_get(PFDB *, PFDB_TXN *, const char *, PFDB_SUPP *);
int     pfdb_supp_put(PFDB *, PFDB_TXN *, const char *, const PFDB_SUPP *);
int     pfdb_supp_add(PFDB *, PFDB_TXN *, const char *key, const char *reason,
		              const char *source, const char *detail,
		              time_t now, time_t expires);	/* upsert, count++ */
int     pfdb_supp_del(PFDB *, PFDB_TXN *, const char *);	/* 1 deleted, 0 absent */
int     pfdb_supp_walk(PFDB *, int (*) (const char *, const PFDB_SUPP *, void *),
		               void *);
int     pfdb_supp_lookup(PFDB *, const char *addr, PFDB_SUPP *, BUF *matched);
int64_t pfdb_supp_stamp(void);		/* now, microseconds */
int     pfdb_supp_changes(PFDB *, int64_t since,
			  int (*) (const char *key, int64_t stamp, void *), void *);
int     pfdb_supp_journal_last(PFDB *, int64_t *);
int     pfdb_supp_keys(PFDB *, const char *after,
		       int (*) (const char *key, void *), void *);
						/* address, then @domain */
long    pfdb_supp_import(PFDB *, size_t n, const char *const keys[],
			         const char *const reasons[], const char *source,
			         time_t now);	/* n added, or -1 */

/* Messages: one record per (msgid, rcpt). */
int     pfdb_msg_get(PFDB *, PFDB_TXN *, const char *msgid, const char *rcpt,
		             PFDB_MSG *);
int     pfdb_msg_put(PFDB *, PFDB_TXN *, const PFDB_MSG *);
int     pfdb_msg_del(PFDB *, PFDB_TXN *, const char *msgid, const char *rcpt);
int     pfdb_msg_walk(PFDB *, int (*) (const PFDB_MSG *, void *), void *);
int     pfdb_msg_by_msgid(PFDB *, const char *,
			          int (*) (const PFDB_MSG *, void *), void *);
int     pfdb_msg_by_queueid(PFDB *, const char *,
			            int (*) (const PFDB_MSG *, void *), void *);
int     pfdb_msg_by_campaign(PFDB *, const char *,
			             int (*) (const PFDB_MSG *, void *), void *);
int     pfdb_msg_by_rcpt(PFDB *, const char *,
			         int (*) (const PFDB_MSG *, void *), void *);
int     pfdb_msg_campaign_has_rcpt(PFDB *, const char *campaign, const char *rcpt);
int     pfdb_msg_by_campaign_rcpt(PFDB *, const char *campaign, const char *rcpt,
			          int (*) (const PFDB_MSG *, void *), void *);

/* Campaigns. */
int     pfdb_campaign_get(PFDB *, PFDB_TXN *, const char *, PFDB_CAMPAIGN *);
int     pfdb_campaign_put(PFDB *, PFDB_TXN *, const PFDB_CAMPAIGN *);
int     pfdb_campaign_walk(PFDB *, int (*) (const PFDB_CAMPAIGN *, void *), void *);

/* Counters: free-form keys such as "sent/naver/2026-11-23". */
int     pfdb_counter_add(PFDB *, PFDB_TXN *, const char *, int64_t delta,
			         int64_t *newval);
int     pfdb_counter_get(PFDB *, PFDB_TXN *, const char *, int64_t *);
int     pfdb_counter_put(PFDB *, PFDB_TXN *, const char *, int64_t);
int     pfdb_counter_walk(PFDB *, const char *prefix,
		           int (*) (const char *, int64_t, void *), void *);

/* Backoff state per destination group. */
int     pfdb_backoff_get(PFDB *, PFDB_TXN *, const char *, PFDB_BACKOFF *);
int     pfdb_backoff_put(PFDB *, PFDB_TXN *, const PFDB_BACKOFF *);
int     pfdb_backoff_walk(PFDB *, int (*) (const PFDB_BACKOFF *, void *), void *);

#endif
