/*
 * NAME
 *	pfdb_env 3 - open, recover, reopen and maintain the postbulk store
 * SYNOPSIS
 *	#include "pfdb.h"
 *
 *	PFDB *pfdb_open(const char *dir, int flags, BUF *why);
 *	void pfdb_close(PFDB *db);
 *	int pfdb_maintain(PFDB *db);
 *	int pfdb_checkpoint(PFDB *db, int force);
 *	int pfdb_txn_run(PFDB *db, PFDB_TXN_FN fn, void *ctx);
 *	const char *pfdb_strerror(PFDB *db);
 *	int pfdb_last_error(PFDB *db);
 *	unsigned pfdb_reopen_count(PFDB *db);
 *	unsigned long pfdb_deadlock_count(PFDB *db);
 * DESCRIPTION
 *	pfdb_open() of a directory this process has open already returns
 *	the same handle (reference counted; pfdb_close() closes at the last
 *	reference): DB_REGISTER allows one environment handle per process.
 *	The flags PFDB_RDONLY and PFDB_DURABLE must then match.
 *
 *	pfdb_open() opens the Berkeley DB environment in dir with
 *	DB_CREATE | DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG |
 *	DB_INIT_MPOOL | DB_THREAD | DB_REGISTER | DB_RECOVER, the only
 *	scheme that survived kill -9 of a writer on Debian's libdb5.3
 *	(shared/docs/bdb-notes.md): the first process that opens after a
 *	registered process died runs recovery, and every other live
 *	process then gets DB_RUNRECOVERY. This module catches that, closes
 *	and reopens the environment (pfdb_reopen) and retries the call, so
 *	callers never see it.
 *
 *	Environment settings (made when the environment is created; a
 *	DB_CONFIG file in the directory overrides them): a 256 MB cache
 *	(a 1M-address suppression table is about 100 to 150 MB of B-tree
 *	pages; the region grows only as pages are used), 4 MB log buffer,
 *	16 MB log files removed automatically once a checkpoint makes them
 *	unneeded (DB_LOG_AUTO_REMOVE), deadlock detection on every lock
 *	conflict (DB_LOCK_DEFAULT), lock waits limited to db_lock_timeout
 *	(DB_TIME_NOTGRANTED so that an expired wait is told apart from a
 *	deadlock), commits DB_TXN_WRITE_NOSYNC unless PFDB_DURABLE.
 *	Files are created mode 0660 (umask 007 while opening) so that
 *	every process of the postbulk group can open the environment.
 *
 *	Lock timeouts only fire when somebody runs the lock detector with
 *	DB_LOCK_EXPIRE. A process blocked on a lock held by a dead
 *	process cannot do that itself, so pfdb_open starts one small
 *	watchdog thread that runs lock_detect(DB_LOCK_EXPIRE) every
 *	250 ms; PFDB_NOTHREAD turns it off (callers that fork without
 *	exec, for example), and pfdb_maintain() does the same work.
 *
 *	pfdb_maintain() runs lock expiry and deadlock detection, and
 *	every 30 seconds a checkpoint (which lets DB_LOG_AUTO_REMOVE
 *	delete old logs, keeping the disk bounded). pfdb_checkpoint()
 *	does the checkpoint and log removal now (force: even when
 *	nothing was written).
 *
 *	pfdb_txn_run() runs fn inside one transaction and retries it
 *	after a deadlock or an environment reopen. Inside fn, every pfdb
 *	call of the same thread on the same handle joins that transaction,
 *	even when given txn NULL, walks and nested pfdb_txn_run included:
 *	a second locker in the same thread would only wait for its own
 *	transaction's locks until the lock timeout.
 *
 *	Errors are kept per thread: pfdb_strerror() and pfdb_last_error()
 *	describe the last failed call of the calling thread.
 *	pfdb_reopen_count() tells how often this handle had to reopen,
 *	pfdb_deadlock_count() how many deadlock victims it retried
 *	(tests and `postbulk doctor').
 * DIAGNOSTICS
 *	pfdb_open() returns NULL with why naming the directory, and errno
 *	set: ENOENT/ENOTDIR (no such directory), EACCES (not writable),
 *	EAGAIN (lock timeout or recovery in progress), or another value.
 */

/* System library. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Project library. */
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "params.h"

/* Local. */
#include "pfdb_impl.h"

#define PFDB_CACHE_BYTES	(256U * 1024 * 1024)
#define PFDB_LOG_BSIZE		(4U * 1024 * 1024)
#define PFDB_LOG_MAX		(16U * 1024 * 1024)
#define PFDB_MAX_LOCKS		100000
#define PFDB_CKP_INTERVAL	30	/* seconds, pfdb_maintain */
#define PFDB_MAX_ATTEMPTS	1000	/* deadlock retries per call */
#define PFDB_REOPEN_WAIT	60	/* seconds to wait for a recovery */

static __thread char pfdb_errtext[512];
static __thread int pfdb_errcode;
static __thread char pfdb_dbmsg[256];	/* last message of Berkeley DB */
static __thread int pfdb_rdepth;	/* read locks held by this thread */
static __thread PFDB_TXN *pfdb_tl_txn;	/* pfdb_txn_run in progress ... */
static __thread PFDB *pfdb_tl_txn_db;	/* ... on this handle */

/*
 * Fault injection (style.md: "nothing lost" paths are tested, not hoped
 * for). POSTBULK_DB_FAULT=deadlock:N makes every Nth write transaction
 * fail with DB_LOCK_DEADLOCK just before its commit; recover:N makes
 * every Nth call fail with DB_RUNRECOVERY, so that the environment is
 * really closed and reopened. Read once, at the first pfdb_open.
 */
static int pfdb_fault_kind;		/* 0, DB_LOCK_DEADLOCK, DB_RUNRECOVERY */
static unsigned long pfdb_fault_every;
static unsigned long pfdb_fault_calls;
static pthread_once_t pfdb_fault_once = PTHREAD_ONCE_INIT;

static void pfdb_fault_init(void)
{
    const char *cp = getenv("POSTBULK_DB_FAULT");
    unsigned long n;

    if (cp == 0)
	return;
    if (sscanf(cp, "deadlock:%lu", &n) == 1 && n > 0)
	pfdb_fault_kind = DB_LOCK_DEADLOCK;
    else if (sscanf(cp, "recover:%lu", &n) == 1 && n > 0)
	pfdb_fault_kind = DB_RUNRECOVERY;
    else {
	log_warn("POSTBULK_DB_FAULT=%s: ignored (use deadlock:N or recover:N)", cp);
	return;
    }
    pfdb_fault_every = n;
    log_warn("db fault injection on: %s", cp);
}

/* pfdb_fault - should this call fail with kind? */

static int pfdb_fault(int kind)
{
    return (pfdb_fault_kind == kind
	    && __atomic_add_fetch(&pfdb_fault_calls, 1, __ATOMIC_RELAXED)
	    % pfdb_fault_every == 0);
}

/* pfdb_strlcpy - bounded copy, always terminated */

void    pfdb_strlcpy(char *dst, const char *src, size_t size)
{
    size_t  len = src ? strlen(src) : 0;

    if (len >= size)
	len = size - 1;
    if (len)
	memcpy(dst, src, len);
    dst[len] = 0;
}

/* pfdb_set_error - remember why the last call failed */

void    pfdb_set_error(int code, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(pfdb_errtext, sizeof(pfdb_errtext), fmt, ap);
    va_end(ap);
    pfdb_errcode = code;
}

/* pfdb_set_dberror - the same for a Berkeley DB error code */

void    pfdb_set_dberror(int ret, const char *what)
{
    if (ret == DB_LOCK_NOTGRANTED)
	pfdb_set_error(PFDB_ETIMEOUT, "%s: lock wait timed out (db_lock_timeout)",
		       what);
    else if (pfdb_dbmsg[0])
	pfdb_set_error(PFDB_EFAIL, "%s: %s (%s)", what, db_strerror(ret),
		       pfdb_dbmsg);
    else
	pfdb_set_error(PFDB_EFAIL, "%s: %s", what, db_strerror(ret));
    pfdb_dbmsg[0] = 0;
}

/* pfdb_result - lookup result convention */

int     pfdb_result(int ret)
{
    return (ret == 0 ? 1 : ret == DB_NOTFOUND ? 0 : -1);
}

/* pfdb_update_result - update result convention */

int     pfdb_update_result(int ret)
{
    return (ret == 0 ? 0 : -1);
}

const char *pfdb_strerror(PFDB *db)
{
    return (pfdb_errtext[0] ? pfdb_errtext : "no error");
}

int     pfdb_last_error(PFDB *db)
{
    return (pfdb_errcode);
}

unsigned pfdb_reopen_count(PFDB *db)
{
    return (db->reopens);
}

unsigned long pfdb_deadlock_count(PFDB *db)
{
    return (__atomic_load_n(&db->deadlocks, __ATOMIC_RELAXED));
}

/* pfdb_check_writable - refuse updates on a PFDB_RDONLY handle */

int     pfdb_check_writable(PFDB *db)
{
    if (db->flags & PFDB_RDONLY) {
	pfdb_set_error(PFDB_EFAIL, "db %s: opened read-only", db->dir);
	return (-1);
    }
    return (0);
}

/* pfdb_errcall - keep Berkeley DB's own explanation */

static void pfdb_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
    pfdb_strlcpy(pfdb_dbmsg, msg, sizeof(pfdb_dbmsg));
}

/* Read lock with per-thread depth, so that a nested call knows it may
 * not reopen (it would wait for its own read lock). */

static void pfdb_rdlock(PFDB *db)
{
    if (pthread_rwlock_rdlock(&db->rwlock) != 0)
	log_panic("pfdb: rwlock rdlock failed");
    if (pfdb_rdepth++ == 0)
	pfdb_op_enter(db);
}

static void pfdb_unlock(PFDB *db)
{
    if (--pfdb_rdepth == 0)
	pfdb_op_leave(db);
    pthread_rwlock_unlock(&db->rwlock);
}

/* pfdb_rescued - back in the outermost call after pfdb_rescue.c's jump */

static void pfdb_rescued(PFDB *db, unsigned gen)
{
    /* Nested calls that were cut short did not release their read locks. */
    while (pfdb_rdepth > 0)
	pfdb_unlock(db);
    __atomic_store_n(&db->dead_gen, gen + 1, __ATOMIC_RELEASE);
}

/* pfdb_handles_close - close databases and environment, ignoring errors */

static void pfdb_handles_abandon(PFDB *db)
{
    /* After a rescue: closing could wait on the dead mutex again. */
    for (int t = 0; t < PFDB_NTABLES; t++)
	db->dbs[t] = 0;
    db->env = 0;
}

static void pfdb_handles_close(PFDB *db)
{
    /* Secondaries before their primary (the table list has them after
     * it), as the DB->associate documentation asks. */
    for (int t = PFDB_NTABLES - 1; t >= 0; t--) {
	if (db->dbs[t]) {
	    /*
	     * DB_NOSYNC: every commit is already in the transaction log,
	     * and a sync per close cost a short-lived process (one
	     * bounce-pipe run) a dozen fdatasync calls.
	     */
	    (void) db->dbs[t]->close(db->dbs[t], DB_NOSYNC);
	    db->dbs[t] = 0;
	}
    }
    if (db->env) {
	(void) db->env->close(db->env, 0);
	db->env = 0;
    }
}

/*
 * pfdb_bt_compare - Berkeley DB's default key order, with memcmp()
 *
 * The default comparison (__bam_defcmp) walks the bytes one at a time
 * and was 20% of a suppression lookup in perf. This gives exactly the
 * same order (unsigned bytes, then the shorter key first), so files
 * stay readable by db_dump and db_verify without it.
 */

int     pfdb_bt_compare(DB *dbp, const DBT *a, const DBT *b)
{
    size_t  len = a->size < b->size ? a->size : b->size;
    int     cmp = len ? memcmp(a->data, b->data, len) : 0;

    if (cmp != 0)
	return (cmp);
    return (a->size < b->size ? -1 : a->size > b->size ? 1 : 0);
}

/* pfdb_env_open - open the environment and every table */

/* pfdb_env_new - an environment handle with our settings, not open */

DB_ENV *pfdb_env_new(int pflags, int *retp)
{
    DB_ENV *env;
    long    tmout = var_db_timeout > 0 ? var_db_timeout : 10;

    if ((*retp = db_env_create(&env, 0)) != 0)
	return (0);
    env->set_errcall(env, pfdb_errcall);
    (void) env->set_cachesize(env, 0, PFDB_CACHE_BYTES, 1);
    (void) env->set_lg_bsize(env, PFDB_LOG_BSIZE);
    (void) env->set_lg_max(env, PFDB_LOG_MAX);
    (void) env->set_lg_filemode(env, 0660);
    (void) env->set_lk_max_locks(env, PFDB_MAX_LOCKS);
    (void) env->set_lk_max_objects(env, PFDB_MAX_LOCKS);
    (void) env->set_lk_max_lockers(env, 10000);
    (void) env->set_tx_max(env, 1000);
    (void) env->set_lk_detect(env, DB_LOCK_DEFAULT);
    (void) env->set_timeout(env, (db_timeout_t) tmout * 1000000,
			    DB_SET_LOCK_TIMEOUT);
    (void) env->set_flags(env, DB_TIME_NOTGRANTED, 1);
    if (!(pflags & PFDB_DURABLE))
	(void) env->set_flags(env, DB_TXN_WRITE_NOSYNC, 1);
    (void) env->log_set_config(env, DB_LOG_AUTO_REMOVE, 1);
    return (env);
}

/* pfdb_region_ino - inode of the current region file, 0 if none */

ino_t   pfdb_region_ino(PFDB *db)
{
    char    path[4096];
    struct stat st;

    snprintf(path, sizeof(path), "%s/__db.001", db->dir);
    return (stat(path, &st) == 0 ? st.st_ino : 0);
}

/* pfdb_env_dead - was our environment removed by another's recovery? */

int     pfdb_env_dead(PFDB *db)
{
    char    path[4096];
    struct stat st;

    /*
     * Recovery under DB_REGISTER removes the region files and makes new
     * ones: a new inode means the regions we map are nobody's any more.
     * A file check, because a Berkeley DB call could itself block on the
     * mutex of a dead process.
     */
    if (db->region_ino == 0)
	return (0);
    snprintf(path, sizeof(path), "%s/__db.001", db->dir);
    if (stat(path, &st) < 0)
	return (errno == ENOENT);
    return (st.st_ino != db->region_ino || st.st_dev != db->region_dev);
}

static int pfdb_env_open(PFDB *db, BUF *why)
{
    DB_ENV *env;
    u_int32_t flags = PFDB_ENV_FLAGS;
    mode_t  old_mask;
    int     ret;

    if ((env = pfdb_env_new(db->flags, &ret)) == 0) {
	buf_sprintf(why, "db directory %s: db_env_create: %s", db->dir,
		    db_strerror(ret));
	errno = EIO;
	return (-1);
    }

    pfdb_dbmsg[0] = 0;
    old_mask = umask(007);
    ret = env->open(env, db->dir, flags, 0660);
    if (ret != 0) {
	umask(old_mask);
	buf_sprintf(why, "db directory %s: cannot open the environment: %s%s%s%s",
		    db->dir, db_strerror(ret), pfdb_dbmsg[0] ? " (" : "",
		    pfdb_dbmsg, pfdb_dbmsg[0] ? ")" : "");
	(void) env->close(env, 0);
	errno = (ret == EACCES || ret == EPERM || ret == EROFS) ? EACCES :
	    (ret == DB_RUNRECOVERY || ret == DB_LOCK_NOTGRANTED
	     || ret == DB_LOCK_DEADLOCK) ? EAGAIN : ret > 0 ? ret : EIO;
	return (-1);
    }
    db->env = env;
    {
	/* Now, before the tables: the watchdog compares against it. */
	char    path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/__db.001", db->dir);
	if (stat(path, &st) == 0) {
	    db->region_dev = st.st_dev;
	    db->region_ino = st.st_ino;
	}
    }
    for (int t = 0; t < PFDB_NTABLES; t++) {
	DB     *dbp;
	u_int32_t oflags = DB_AUTO_COMMIT | DB_THREAD;

	if ((db->flags & PFDB_CREATE) || pfdb_tables[t].any_writer_creates)
	    oflags |= DB_CREATE;
	if (pfdb_tables[t].dirty_reads)
	    oflags |= DB_READ_UNCOMMITTED;
	if (db->flags & PFDB_RDONLY)
	    oflags = (oflags & ~DB_CREATE) | DB_RDONLY;
	if ((ret = db_create(&dbp, env, 0)) == 0) {
	    db->dbs[t] = dbp;
	    (void) dbp->set_bt_compare(dbp, pfdb_bt_compare);
	    ret = dbp->open(dbp, NULL, pfdb_tables[t].file, NULL, DB_BTREE,
			    oflags, 0660);
	}
	if (ret == 0 && pfdb_tables[t].secondary_of >= 0)
	    ret = db->dbs[pfdb_tables[t].secondary_of]->associate(
				    db->dbs[pfdb_tables[t].secondary_of], NULL,
					   dbp, pfdb_tables[t].index_fn,
			       (db->flags & PFDB_RDONLY) ? 0 : DB_CREATE);
	if (ret != 0) {
	    umask(old_mask);
	    if (ret == ENOENT)
		buf_sprintf(why, "db directory %s: no database %s (not created "
			    "yet; a writer creates it)", db->dir,
			    pfdb_tables[t].file);
	    else
		buf_sprintf(why, "db directory %s: cannot open %s: %s%s%s%s",
			    db->dir, pfdb_tables[t].file, db_strerror(ret),
			    pfdb_dbmsg[0] ? " (" : "", pfdb_dbmsg,
			    pfdb_dbmsg[0] ? ")" : "");
	    pfdb_handles_close(db);
	    errno = (ret == EACCES || ret == EPERM || ret == EROFS) ? EACCES :
		ret == DB_RUNRECOVERY ? EAGAIN : ret > 0 ? ret : EIO;
	    return (-1);
	}
    }
    umask(old_mask);
    return (0);
}

/* pfdb_expire_op - lock expiry: a waiter on a dead process's lock fails */

static int pfdb_expire_op(PFDB *db, DB_TXN *unused, void *ctx)
{
    return (db->env->lock_detect(db->env, 0, DB_LOCK_EXPIRE, NULL));
}

/* pfdb_sleep_tick - wait 250 ms or until pfdb_close; 1 = stop */

static int pfdb_sleep_tick(PFDB *db)
{
    struct timespec ts;
    int     stop;

    pthread_mutex_lock(&db->wd_mutex);
    if (!db->wd_stop) {
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 250 * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
	    ts.tv_sec++;
	    ts.tv_nsec -= 1000000000L;
	}
	(void) pthread_cond_timedwait(&db->wd_cond, &db->wd_mutex, &ts);
    }
    stop = db->wd_stop;
    pthread_mutex_unlock(&db->wd_mutex);
    return (stop);
}

/*
 * pfdb_detector - run lock expiry every 250 ms. A call like any other
 * (pfdb_run), so that it reopens after a recovery and can be rescued
 * when it blocks on a dead process's mutex.
 */

static void *pfdb_detector(void *arg)
{
    PFDB   *db = arg;

    while (!pfdb_sleep_tick(db))
	(void) pfdb_run(db, NULL, PFDB_OP_READ, pfdb_expire_op, NULL);
    return (0);
}

/* pfdb_watchdog - find and free threads stuck in a dead environment */

static void *pfdb_watchdog(void *arg)
{
    PFDB   *db = arg;

    /* Never a Berkeley DB call here: this thread must not block. */
    while (!pfdb_sleep_tick(db))
	pfdb_rescue_tick(db);
    return (0);
}

/*
 * Handles open in this process. DB_REGISTER allows one DB_ENV handle per
 * process and environment ("BDB1528 DB_REGISTER limits processes to one
 * open DB_ENV handle per environment"), so a second pfdb_open of the same
 * directory shares the first handle (reference counted).
 */
static pthread_mutex_t pfdb_open_lock = PTHREAD_MUTEX_INITIALIZER;
static PFDB *pfdb_open_list;

/* pfdb_open - open or create the store in dir */

PFDB   *pfdb_open(const char *dir, int flags, BUF *why)
{
    struct stat st;
    PFDB   *db;
    char   *real;

    if (dir == 0 || *dir == 0) {
	buf_sprintf(why, "db directory not set (db_directory)");
	errno = ENOENT;
	return (0);
    }
    if (stat(dir, &st) < 0) {
	int     err = errno;

	buf_sprintf(why, "db directory %s: %s", dir, strerror(err));
	errno = err;
	return (0);
    }
    if (!S_ISDIR(st.st_mode)) {
	buf_sprintf(why, "db directory %s: not a directory", dir);
	errno = ENOTDIR;
	return (0);
    }
    if (access(dir, R_OK | W_OK | X_OK) < 0) {
	int     err = errno;

	buf_sprintf(why, "db directory %s is not writable by uid %ld: %s "
		    "(every user of the store, even a reader, needs write "
		    "access: add it to the directory's group)",
		    dir, (long) geteuid(), strerror(err));
	errno = EACCES;
	return (0);
    }
    pthread_once(&pfdb_fault_once, pfdb_fault_init);
    if ((real = realpath(dir, 0)) == 0)
	real = xstrdup(dir);
    pthread_mutex_lock(&pfdb_open_lock);
    for (db = pfdb_open_list; db; db = db->next) {
	if (db->pid == getpid() && strcmp(db->realdir, real) == 0) {
	    if ((db->flags ^ flags) & (PFDB_RDONLY | PFDB_DURABLE)) {
		pthread_mutex_unlock(&pfdb_open_lock);
		buf_sprintf(why, "db directory %s: already open in this process "
			    "with other PFDB_RDONLY/PFDB_DURABLE flags", dir);
		free(real);
		errno = EINVAL;
		return (0);
	    }
	    db->refs++;
	    pthread_mutex_unlock(&pfdb_open_lock);
	    free(real);
	    return (db);
	}
    }
    db = xcalloc(1, sizeof(*db));
    db->dir = xstrdup(dir);
    db->realdir = real;
    db->pid = getpid();
    db->refs = 1;
    db->flags = flags;
    pthread_rwlock_init(&db->rwlock, 0);
    pthread_mutex_init(&db->wd_mutex, 0);
    pthread_cond_init(&db->wd_cond, 0);
    db->last_ckp = time(0);
    if (pfdb_env_open(db, why) < 0) {
	int     err = errno;

	pthread_mutex_unlock(&pfdb_open_lock);
	pthread_rwlock_destroy(&db->rwlock);
	free(db->dir);
	free(db->realdir);
	free(db);
	errno = err;
	return (0);
    }
    db->next = pfdb_open_list;
    pfdb_open_list = db;
    pthread_mutex_unlock(&pfdb_open_lock);
    if (!(flags & PFDB_NOTHREAD)) {
	pfdb_rescue_init();
	if (pthread_create(&db->watchdog, 0, pfdb_watchdog, db) == 0)
	    db->watchdog_on = 1;
	if (pthread_create(&db->detector, 0, pfdb_detector, db) == 0)
	    db->detector_on = 1;
    }
    return (db);
}

/* pfdb_close - close everything */

void    pfdb_close(PFDB *db)
{
    PFDB  **pp;

    if (db == 0)
	return;
    pthread_mutex_lock(&pfdb_open_lock);
    if (--db->refs > 0) {
	pthread_mutex_unlock(&pfdb_open_lock);
	return;
    }
    for (pp = &pfdb_open_list; *pp; pp = &(*pp)->next) {
	if (*pp == db) {
	    *pp = db->next;
	    break;
	}
    }
    pthread_mutex_unlock(&pfdb_open_lock);
    if (db->watchdog_on || db->detector_on) {
	pthread_mutex_lock(&db->wd_mutex);
	db->wd_stop = 1;
	pthread_cond_broadcast(&db->wd_cond);
	pthread_mutex_unlock(&db->wd_mutex);
	if (db->detector_on)
	    pthread_join(db->detector, 0);
	if (db->watchdog_on)
	    pthread_join(db->watchdog, 0);
    }
    pthread_rwlock_wrlock(&db->rwlock);
    pfdb_handles_close(db);
    pthread_rwlock_unlock(&db->rwlock);
    pthread_rwlock_destroy(&db->rwlock);
    pthread_mutex_destroy(&db->wd_mutex);
    pthread_cond_destroy(&db->wd_cond);
    free(db->dir);
    free(db->realdir);
    free(db);
}

/* pfdb_reopen - replace the handles after DB_RUNRECOVERY */

int     pfdb_reopen(PFDB *db, unsigned seen_gen, int abandon)
{
    BUF    *why;
    time_t  deadline = time(0) + PFDB_REOPEN_WAIT;
    int     ret = -1;

    if (pfdb_rdepth > 0)			/* nested: the outer call reopens */
	return (-1);
    pthread_rwlock_wrlock(&db->rwlock);
    if (db->gen != seen_gen && db->env) {	/* another thread did it */
	pthread_rwlock_unlock(&db->rwlock);
	return (0);
    }
    why = buf_alloc(100);
    if (abandon || __atomic_load_n(&db->dead_gen, __ATOMIC_ACQUIRE) == db->gen + 1)
	pfdb_handles_abandon(db);
    else
	pfdb_handles_close(db);
    db->region_ino = 0;				/* unknown until env->open */
    for (volatile int n = 0; time(0) < deadline; n++) {
	sigjmp_buf jb;

	/*
	 * The open can block too: on a lock of a process that was being
	 * killed while we attached (so no recovery ran). Register like a
	 * call, so that the watchdog can have recovery run and free us.
	 */
	if (sigsetjmp(jb, 0) != 0) {		/* see pfdb_rescue.c */
	    pfdb_op_leave(db);
	    pfdb_handles_abandon(db);
	    db->region_ino = 0;
	    ret = -1;
	    continue;
	}
	pfdb_op_enter(db);
	pfdb_op_arm(&jb);
	PFDB_IN_BDB(1);
	ret = pfdb_env_open(db, why);
	PFDB_IN_BDB(0);
	pfdb_op_leave(db);
	if (ret == 0)
	    break;
	if (errno != EAGAIN && n > 3)
	    break;
	usleep(100000);
    }
    db->gen++;
    if (ret == 0) {
	db->reopens++;
	log_info("db %s: environment was recovered by another process; "
		 "reopened", db->dir);
    } else {
	pfdb_set_error(PFDB_EFAIL, "%s", buf_str(why));
    }
    buf_free(why);
    pthread_rwlock_unlock(&db->rwlock);
    return (ret);
}

/* pfdb_backoff_sleep - random pause before retrying a deadlock victim */

static void pfdb_backoff_sleep(PFDB *db, int attempt)
{
    unsigned limit = 100U << (attempt < 6 ? attempt : 6);	/* us */

    __atomic_fetch_add(&db->deadlocks, 1, __ATOMIC_RELAXED);
    usleep((useconds_t) (random() % limit));
}

/* pfdb_run - run an operation with deadlock and recovery retries */

int     pfdb_run(PFDB *db, PFDB_TXN *txn, int mode, PFDB_OP op, void *ctx)
{
    volatile time_t deadline = 0;		/* set at the first deadlock */
    int     ret;

    /*
     * Inside pfdb_txn_run's fn, a call without txn joins the transaction:
     * a separate locker would wait for the locks of its own thread's
     * transaction until the lock timeout.
     */
    if (txn == 0 && pfdb_tl_txn && pfdb_tl_txn_db == db)
	txn = pfdb_tl_txn;
    if (txn) {					/* inside pfdb_txn_run */
	PFDB_IN_BDB(1);
	ret = op(db, txn->tid, ctx);
	PFDB_IN_BDB(0);
	if ((ret == DB_LOCK_DEADLOCK || ret == DB_RUNRECOVERY) && !txn->dberr)
	    txn->dberr = ret;
	return (ret);
    }
    for (int attempt = 0;; attempt++) {
	sigjmp_buf jb;
	unsigned gen;
	int     abandon = 0;
	DB_TXN *tid;

	pfdb_rdlock(db);
	gen = db->gen;
	if (sigsetjmp(jb, 0) != 0) {		/* see pfdb_rescue.c */
	    pfdb_rescued(db, gen);
	    ret = DB_RUNRECOVERY;
	    abandon = 1;
	} else {
	    if (pfdb_rdepth == 1)
		pfdb_op_arm(&jb);
	    if (db->env == 0) {
		ret = DB_RUNRECOVERY;		/* an earlier reopen failed */
	    } else if (mode == PFDB_OP_WRITE) {
		PFDB_IN_BDB(1);
		if ((ret = db->env->txn_begin(db->env, NULL, &tid, 0)) == 0) {
		    ret = op(db, tid, ctx);
		    if ((ret == 0 || ret == DB_NOTFOUND)
			&& (pfdb_fault(DB_LOCK_DEADLOCK) || pfdb_fault(DB_RUNRECOVERY))) {
			(void) tid->abort(tid);
			ret = pfdb_fault_kind;
		    } else if (ret == 0 || ret == DB_NOTFOUND) {
			int     cret = tid->commit(tid, 0);

			if (cret != 0)
			    ret = cret;
		    } else {
			(void) tid->abort(tid);
		    }
		}
		PFDB_IN_BDB(0);
	    } else {
		PFDB_IN_BDB(1);
		ret = pfdb_fault(DB_RUNRECOVERY) ? DB_RUNRECOVERY : op(db, NULL, ctx);
		PFDB_IN_BDB(0);
	    }
	    pfdb_unlock(db);
	}
	if (ret == DB_LOCK_DEADLOCK && deadline == 0)
	    deadline = time(0) + (var_db_timeout > 0 ? var_db_timeout : 10) + 5;
	if (ret == DB_LOCK_DEADLOCK && attempt < PFDB_MAX_ATTEMPTS
	    && time(0) <= deadline) {
	    pfdb_backoff_sleep(db, attempt);
	    continue;
	}
	if (ret == DB_RUNRECOVERY && attempt < 20
	    && pfdb_reopen(db, gen, abandon) == 0)
	    continue;
	return (ret);
    }
}

/* pfdb_txn_run - run fn in one transaction, retrying it as a whole */

int     pfdb_txn_run(PFDB *db, PFDB_TXN_FN fn, void *ctx)
{
    time_t  deadline = time(0) + (var_db_timeout > 0 ? var_db_timeout : 10) + 5;
    int     r;

    if (pfdb_check_writable(db) < 0)
	return (-1);
    if (pfdb_tl_txn && pfdb_tl_txn_db == db)	/* nested: join, as pfdb_run does */
	return (fn(db, pfdb_tl_txn, ctx));
    for (int attempt = 0;; attempt++) {
	sigjmp_buf jb;
	PFDB_TXN txn;
	unsigned gen;
	int     ret;
	int     abandon = 0;

	pfdb_rdlock(db);
	gen = db->gen;
	if (sigsetjmp(jb, 0) != 0) {		/* see pfdb_rescue.c */
	    pfdb_rescued(db, gen);
	    pfdb_tl_txn = 0;
	    pfdb_tl_txn_db = 0;
	    ret = DB_RUNRECOVERY;
	    r = -1;
	    abandon = 1;
	} else {
	    if (pfdb_rdepth == 1)
		pfdb_op_arm(&jb);
	    if (db->env == 0) {
		ret = DB_RUNRECOVERY;
		r = -1;
	    } else {
		PFDB_IN_BDB(1);
		ret = db->env->txn_begin(db->env, NULL, &txn.tid, 0);
		PFDB_IN_BDB(0);
		if (ret == 0) {
		    txn.dberr = 0;
		    pfdb_tl_txn = &txn;
		    pfdb_tl_txn_db = db;
		    r = fn(db, &txn, ctx);
		    pfdb_tl_txn = 0;
		    pfdb_tl_txn_db = 0;
		    PFDB_IN_BDB(1);
		    if (r == 0 && txn.dberr == 0
			&& (pfdb_fault(DB_LOCK_DEADLOCK) || pfdb_fault(DB_RUNRECOVERY)))
			txn.dberr = pfdb_fault_kind;
		    if (r == 0 && txn.dberr == 0) {
			ret = txn.tid->commit(txn.tid, 0);
			if (ret != 0)
			    r = -1;
		    } else {
			(void) txn.tid->abort(txn.tid);
			ret = txn.dberr;
			if (ret == 0)		/* fn chose to abort */
			    ret = -1;
		    }
		    PFDB_IN_BDB(0);
		} else {
		    r = -1;
		}
	    }
	    pfdb_unlock(db);
	}
	if (ret == 0)
	    return (0);
	if (ret == -1)				/* fn's own abort */
	    return (r);
	if (ret == DB_LOCK_DEADLOCK && attempt < PFDB_MAX_ATTEMPTS
	    && time(0) <= deadline) {
	    pfdb_backoff_sleep(db, attempt);
	    continue;
	}
	if (ret == DB_RUNRECOVERY && attempt < 20
	    && pfdb_reopen(db, gen, abandon) == 0)
	    continue;
	pfdb_set_dberror(ret, "transaction");
	return (r ? r : -1);
    }
}

/* pfdb_maintain_op - lock expiry, deadlocks, periodic checkpoint */

static int pfdb_maintain_op(PFDB *db, DB_TXN *unused, void *ctx)
{
    int     force = *(int *) ctx;
    time_t  now = time(0);
    int     ret;

    if ((ret = db->env->lock_detect(db->env, 0, DB_LOCK_EXPIRE, NULL)) != 0)
	return (ret);
    if ((ret = db->env->lock_detect(db->env, 0, DB_LOCK_DEFAULT, NULL)) != 0)
	return (ret);
    if (force > 0 || (force == 0 && now - db->last_ckp >= PFDB_CKP_INTERVAL)) {
	if (db->flags & PFDB_RDONLY && force <= 0)
	    return (0);
	if ((ret = db->env->txn_checkpoint(db->env, 0, 0,
					   force > 1 ? DB_FORCE : 0)) != 0)
	    return (ret);
	db->last_ckp = now;
	/* DB_LOG_AUTO_REMOVE removes at log switch; this catches the rest. */
	if ((ret = db->env->log_archive(db->env, NULL, DB_ARCH_REMOVE)) != 0)
	    return (ret);
    }
    return (0);
}

int     pfdb_maintain(PFDB *db)
{
    int     force = 0;
    int     ret = pfdb_run(db, NULL, PFDB_OP_READ, pfdb_maintain_op, &force);

    if (ret != 0)
	pfdb_set_dberror(ret, "maintenance");
    return (pfdb_update_result(ret));
}

/* pfdb_checkpoint_kbytes - checkpoint when that much log was written */

static int pfdb_ckp_kbytes_op(PFDB *db, DB_TXN *unused, void *ctx)
{
    return (db->env->txn_checkpoint(db->env, *(u_int32_t *) ctx, 0, 0));
}

int     pfdb_checkpoint_kbytes(PFDB *db, unsigned kbytes)
{
    u_int32_t kb = kbytes;
    int     ret = pfdb_run(db, NULL, PFDB_OP_READ, pfdb_ckp_kbytes_op, &kb);

    if (ret != 0)
	pfdb_set_dberror(ret, "checkpoint");
    return (pfdb_update_result(ret));
}

int     pfdb_checkpoint(PFDB *db, int force)
{
    int     how = force ? 2 : 1;
    int     ret = pfdb_run(db, NULL, PFDB_OP_READ, pfdb_maintain_op, &how);

    if (ret != 0)
	pfdb_set_dberror(ret, "checkpoint");
    return (pfdb_update_result(ret));
}

/* pfdb_scan - walk a table in chunks, calling back without locks held */

#define PFDB_SCAN_CHUNK	256

typedef struct PFDB_SCAN_ITEM {
    size_t  koff, klen, doff, dlen;
} PFDB_SCAN_ITEM;

/* pfdb_scan_chunk - copy up to PFDB_SCAN_CHUNK records after *last */

static int pfdb_scan_chunk(PFDB *db, int table, const void *prefix, size_t plen,
			           BUF *last, DBT *key, DBT *data, BUF *store,
			           PFDB_SCAN_ITEM *items, int *np, int *donep)
{
    u_int32_t how = DB_FIRST;
    u_int32_t dirty = 0;
    const void *from = prefix;
    size_t  flen = plen;
    DBC    *cur;
    int     n = 0, ret, cret;

    if (db->env == 0)
	return (DB_RUNRECOVERY);
    if ((ret = db->dbs[table]->cursor(db->dbs[table],
			  pfdb_tl_txn_db == db && pfdb_tl_txn ? pfdb_tl_txn->tid : NULL,
				      &cur, 0)) != 0)
	return (ret);
    if (last) {
	from = buf_str(last);
	flen = buf_len(last);
    }
    if (flen > 0) {
	key->data = xrealloc(key->data, flen);
	memcpy(key->data, from, flen);
	key->size = (u_int32_t) flen;
	how = DB_SET_RANGE;
    }
    if (pfdb_tables[table].dirty_reads)
	dirty = DB_READ_UNCOMMITTED;
    ret = cur->get(cur, key, data, how | dirty);
    if (ret == 0 && last && key->size == buf_len(last)
	&& memcmp(key->data, buf_str(last), key->size) == 0)
	ret = cur->get(cur, key, data, DB_NEXT | dirty);
    while (ret == 0) {
	if (plen && (key->size < plen || memcmp(key->data, prefix, plen))) {
	    *donep = 1;
	    break;
	}
	items[n].koff = buf_len(store);
	items[n].klen = key->size;
	buf_append(store, key->data, key->size);
	items[n].doff = buf_len(store);
	items[n].dlen = data->size;
	buf_append(store, data->data, data->size);
	if (++n == PFDB_SCAN_CHUNK)
	    break;
	ret = cur->get(cur, key, data, DB_NEXT | dirty);
    }
    if (ret == DB_NOTFOUND) {
	ret = 0;
	*donep = 1;
    }
    cret = cur->close(cur);
    *np = n;
    return (ret ? ret : cret);
}

/*
 * pfdb_scan_from - the walk: keys starting with prefix (all when plen is
 * 0), from the first one after "after" (alen 0: from the start)
 */
static int pfdb_scan_from(PFDB *db, int table, const void *prefix, size_t plen,
			          const void *after, size_t alen,
			          PFDB_SCAN_FN cb, void *ctx)
{
    PFDB_SCAN_ITEM items[PFDB_SCAN_CHUNK];
    BUF    *store = buf_alloc(16384);
    BUF    *last = buf_alloc(256);
    int     have_last = 0;

    if (alen > 0) {
	buf_append(last, after, alen);
	have_last = 1;
    }
    DBT     key, data;
    int     result = 0;
    int     attempt = 0;

    memset(&key, 0, sizeof(key));
    memset(&data, 0, sizeof(data));
    key.flags = data.flags = DB_DBT_REALLOC;
    for (;;) {
	int     n = 0, ret = 0, done = 0;
	volatile int abandon;
	unsigned gen;
	sigjmp_buf jb;

	buf_reset(store);
	abandon = 0;
	pfdb_rdlock(db);
	gen = db->gen;
	if (sigsetjmp(jb, 0) != 0) {		/* see pfdb_rescue.c */
	    pfdb_rescued(db, gen);
	    ret = DB_RUNRECOVERY;
	    abandon = 1;
	    /* Berkeley DB may have reallocated these, or left its internal
	     * flags in them, when it was cut short: start afresh (leak). */
	    memset(&key, 0, sizeof(key));
	    memset(&data, 0, sizeof(data));
	    key.flags = data.flags = DB_DBT_REALLOC;
	} else {
	    if (pfdb_rdepth == 1)
		pfdb_op_arm(&jb);
	    PFDB_IN_BDB(1);
	    ret = pfdb_scan_chunk(db, table, prefix, plen, have_last ? last : 0,
				  &key, &data, store, items, &n, &done);
	    PFDB_IN_BDB(0);
	    pfdb_unlock(db);
	}
	if (ret != 0 && pfdb_tl_txn_db == db && pfdb_tl_txn) {
	    /* Inside a transaction: the whole fn is retried, not the chunk. */
	    if ((ret == DB_LOCK_DEADLOCK || ret == DB_RUNRECOVERY)
		&& !pfdb_tl_txn->dberr)
		pfdb_tl_txn->dberr = ret;
	    pfdb_set_dberror(ret, pfdb_tables[table].file);
	    result = -1;
	    break;
	}
	if (ret != 0) {
	    if (ret == DB_LOCK_DEADLOCK && ++attempt < PFDB_MAX_ATTEMPTS) {
		pfdb_backoff_sleep(db, attempt);
		continue;
	    }
	    if (ret == DB_RUNRECOVERY && ++attempt < PFDB_MAX_ATTEMPTS
		&& pfdb_reopen(db, gen, abandon) == 0)
		continue;
	    pfdb_set_dberror(ret, pfdb_tables[table].file);
	    result = -1;
	    break;
	}
	attempt = 0;
	for (int i = 0; i < n; i++) {
	    result = cb(buf_str(store) + items[i].koff, items[i].klen,
			buf_str(store) + items[i].doff, items[i].dlen, ctx);
	    if (result != 0)
		break;
	}
	if (result != 0 || done || n == 0)
	    break;
	buf_reset(last);
	buf_append(last, buf_str(store) + items[n - 1].koff, items[n - 1].klen);
	have_last = 1;
    }
    free(key.data);
    free(data.data);
    buf_free(store);
    buf_free(last);
    return (result);
}

int     pfdb_scan(PFDB *db, int table, const void *prefix, size_t plen,
		          PFDB_SCAN_FN cb, void *ctx)
{
    return (pfdb_scan_from(db, table, prefix, plen, 0, 0, cb, ctx));
}

/* pfdb_scan_after - every key after "after", in order (no prefix) */

int     pfdb_scan_after(PFDB *db, int table, const void *after, size_t alen,
			        PFDB_SCAN_FN cb, void *ctx)
{
    return (pfdb_scan_from(db, table, "", 0, after, alen, cb, ctx));
}
