#ifndef PF_PFDB_IMPL_H
#define PF_PFDB_IMPL_H

/*
 * NAME
 *	pfdb_impl 3h - internals shared by the pfdb modules (not installed)
 * SYNOPSIS
 *	#include "pfdb_impl.h"
 * DESCRIPTION
 *	The PFDB handle, the table list, the retry engine (pfdb_run),
 *	the chunked cursor scan (pfdb_scan) and the record codec
 *	(pfdb_enc_* / pfdb_dec_*). Only db/pfdb_*.c include this file.
 *
 *	Locking inside one process: every use of the Berkeley DB handles
 *	holds db->rwlock for reading; replacing them after DB_RUNRECOVERY
 *	holds it for writing. No callback of the caller ever runs with
 *	the read lock held (walks copy a chunk of records, release, then
 *	call back), so a callback may call pfdb_* again, and a reopen
 *	inside it cannot deadlock on our own read lock.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <db.h>

#include "buf.h"
#include "pfdb.h"

/* The databases of the environment, one file each. */
enum {
    PFDB_T_SUPP,			/* suppression.db */
    PFDB_T_MSG,				/* messages.db: msgid NUL rcpt */
    PFDB_T_MSG_QID,			/* msg_queueid.db: qid NUL msgid NUL rcpt */
    PFDB_T_MSG_RCPT,			/* msg_rcpt.db: rcpt NUL msgid */
    PFDB_T_MSG_CRCPT,			/* msg_campaign.db: campaign NUL rcpt NUL msgid */
    PFDB_T_CAMPAIGN,			/* campaigns.db */
    PFDB_T_COUNTER,			/* counters.db */
    PFDB_T_BACKOFF,			/* backoff.db */
    PFDB_T_SUPP_LOG,			/* supp_changes.db: stamp key -> (empty) */
    PFDB_NTABLES,
};

typedef struct PFDB_TABLE_INFO {
    const char *file;			/* file name in the directory */
    int     secondary_of;		/* -1 or primary table */
    int     (*index_fn) (DB *, const DBT *, const DBT *, DBT *);
    int     any_writer_creates;		/* added later: created on upgrade */
    int     dirty_reads;		/* scans never wait for writers */
} PFDB_TABLE_INFO;

extern const PFDB_TABLE_INFO pfdb_tables[PFDB_NTABLES];

/* Threads inside a pfdb call, for pfdb_rescue.c. */
#define PFDB_MAX_SLOTS	64
#define PFDB_RESCUE_SIG	(SIGRTMAX - 3)
#define PFDB_STUCK_SECS	2

typedef struct PFDB_SLOT {
    int     used;			/* claimed (atomic) */
    int     ready;			/* fields below valid (atomic) */
    unsigned long seq;			/* which call (the watchdog compares) */
    pthread_t thread;
    pid_t   tid;
    volatile sig_atomic_t *in_bdb;	/* that thread's PFDB_IN_BDB flag */
} PFDB_SLOT;

struct PFDB {
    char   *dir;
    char   *realdir;			/* realpath(dir), for sharing */
    pid_t   pid;			/* opener: no sharing across fork */
    int     refs;			/* pfdb_open calls sharing this handle */
    struct PFDB *next;			/* process-wide list of open handles */
    int     flags;
    DB_ENV *env;
    DB     *dbs[PFDB_NTABLES];
    pthread_rwlock_t rwlock;		/* see DESCRIPTION */
    unsigned gen;			/* bumped at each reopen */
    unsigned reopens;			/* reopens after DB_RUNRECOVERY */
    unsigned long deadlocks;		/* deadlock retries */
    time_t  last_ckp;			/* last checkpoint by pfdb_maintain */
    pthread_t watchdog;			/* lock expiry thread */
    int     watchdog_on;
    pthread_mutex_t wd_mutex;
    pthread_cond_t wd_cond;
    int     wd_stop;
    pthread_t detector;			/* lock expiry thread */
    int     detector_on;
    unsigned dead_gen;			/* gen abandoned after a rescue, +1 */
    unsigned long opseq;		/* calls so far (atomic) */
    PFDB_SLOT slots[PFDB_MAX_SLOTS];
    /* Watchdog's own state (pfdb_rescue.c). */
    unsigned long wd_seq[PFDB_MAX_SLOTS];
    time_t  wd_since[PFDB_MAX_SLOTS];
    ino_t   wd_ino[PFDB_MAX_SLOTS];		/* region file when it blocked */
    time_t  helper_last;		/* last recovery helper run */
    dev_t   region_dev;			/* __db.001 of the open environment */
    ino_t   region_ino;
};

struct PFDB_TXN {
    DB_TXN *tid;
    int     dberr;			/* first retryable error seen inside */
};

/* Record versions. */
#define PFDB_V_SUPP	1
#define PFDB_V_MSG	2		/* 2: + committed */
#define PFDB_V_CAMPAIGN	1
#define PFDB_V_COUNTER	1
#define PFDB_V_BACKOFF	1
#define PFDB_V_SUPP_LOG	1

/* Retry engine. An op returns a Berkeley DB error code (0, DB_NOTFOUND, ...). */
typedef int (*PFDB_OP) (PFDB *, DB_TXN *, void *);

#define PFDB_OP_READ	0		/* no transaction (non-transactional read) */
#define PFDB_OP_WRITE	1		/* own transaction, committed if 0/NOTFOUND */

int     pfdb_run(PFDB *, PFDB_TXN *, int, PFDB_OP, void *);
int     pfdb_reopen(PFDB *, unsigned, int);

/* Rescue of threads blocked on a dead process's mutex (pfdb_rescue.c). */
extern __thread volatile sig_atomic_t pfdb_tl_in_bdb;

#define PFDB_IN_BDB(on)	(pfdb_tl_in_bdb = (on))

void    pfdb_rescue_init(void);
void    pfdb_op_enter(PFDB *);
void    pfdb_op_leave(PFDB *);
void    pfdb_op_arm(sigjmp_buf *);
void    pfdb_rescue_tick(PFDB *);
DB_ENV *pfdb_env_new(int, int *);
int     pfdb_env_dead(PFDB *);
ino_t   pfdb_region_ino(PFDB *);

#define PFDB_ENV_FLAGS	(DB_CREATE | DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG \
			 | DB_INIT_MPOOL | DB_THREAD | DB_REGISTER | DB_RECOVER)
void    pfdb_set_error(int, const char *,...) __attribute__((format(printf, 2, 3)));
void    pfdb_set_dberror(int, const char *);
int     pfdb_result(int);		/* 0 -> 1, DB_NOTFOUND -> 0, else -1 */
int     pfdb_update_result(int);	/* 0 -> 0, else -1 */
int     pfdb_check_writable(PFDB *);
int     pfdb_checkpoint_kbytes(PFDB *, unsigned);
int     pfdb_bt_compare(DB *, const DBT *, const DBT *);

/* Chunked scan: prefix may be empty. cb returns 0 to go on. */
typedef int (*PFDB_SCAN_FN) (const void *, size_t, const void *, size_t, void *);
int     pfdb_scan(PFDB *, int, const void *, size_t, PFDB_SCAN_FN, void *);
int     pfdb_scan_after(PFDB *, int, const void *, size_t, PFDB_SCAN_FN, void *);
int     pfdb_supp_journal_op(PFDB *, DB_TXN *, const void *, size_t);

/* Codec: version byte, then fields, each a 1- or 2-byte length + bytes. */
#define PFDB_FIELD_MAX	0x7fff
void    pfdb_enc_begin(BUF *, int);
void    pfdb_enc_str(BUF *, const char *);
void    pfdb_enc_int(BUF *, int64_t);

typedef struct PFDB_DEC {
    const unsigned char *cp;
    const unsigned char *end;
    int     version;
    int     bad;
} PFDB_DEC;

int     pfdb_dec_begin(PFDB_DEC *, const void *, size_t, int);
void    pfdb_dec_str(PFDB_DEC *, char *, size_t);
int64_t pfdb_dec_int(PFDB_DEC *);
int     pfdb_dec_end(PFDB_DEC *);

/* Key/value helpers (pfdb_kv.c). Longest key: campaign NUL rcpt NUL msgid. */
#define PFDB_KEY_MAX	512
typedef int (*PFDB_DECODE_FN) (const void *, size_t, void *);
typedef int (*PFDB_UPDATE_FN) (const void *, size_t, BUF *, void *);

int     pfdb_kv_get(PFDB *, PFDB_TXN *, int, const void *, size_t,
		            PFDB_DECODE_FN, void *);
int     pfdb_kv_put(PFDB *, PFDB_TXN *, int, const void *, size_t, BUF *);
int     pfdb_kv_del(PFDB *, PFDB_TXN *, int, const void *, size_t);
int     pfdb_kv_update(PFDB *, PFDB_TXN *, int, const void *, size_t,
		               PFDB_UPDATE_FN, void *);
int     pfdb_key_check(const char *, const char *, size_t);

/* Message records and index extraction (pfdb_msg.c). */
int     pfdb_msg_decode(const void *, size_t, void *);
void    pfdb_msg_index_key(int, const PFDB_MSG *, BUF *);
int     pfdb_msg_idx_qid(DB *, const DBT *, const DBT *, DBT *);
int     pfdb_msg_idx_rcpt(DB *, const DBT *, const DBT *, DBT *);
int     pfdb_msg_idx_crcpt(DB *, const DBT *, const DBT *, DBT *);

/* Small helpers. */
void    pfdb_strlcpy(char *, const char *, size_t);

#endif
