/*
 * NAME
 *	pfdb_rescue 3 - free a thread blocked on a mutex of a dead process
 * SYNOPSIS
 *	#include "pfdb_impl.h"
 *
 *	void pfdb_rescue_init(void);
 *	void pfdb_op_enter(PFDB *db);
 *	void pfdb_op_leave(PFDB *db);
 *	void pfdb_op_arm(sigjmp_buf *jb);
 *	PFDB_IN_BDB(on)
 *	void pfdb_rescue_tick(PFDB *db);
 * DESCRIPTION
 *	Why: Debian's libdb5.3 uses process-shared pthread mutexes that are
 *	not robust. When a process is killed while it holds one of the
 *	environment's region mutexes (the lock table's, say), DB_REGISTER |
 *	DB_RECOVER lets the next opener recover and build a new
 *	environment, but a live thread that was already waiting for that
 *	mutex in the old one waits forever: the mutex is never released
 *	and nobody ever touches the old region again. The kill -9 test
 *	caught this (gdb: __lock_get_internal -> pthread_mutex_lock) in
 *	about one kill in twenty on a loaded machine.
 *
 *	What: every outermost pfdb call registers its thread in a slot of
 *	the handle and sets a jump buffer (sigsetjmp without mask saving:
 *	no system call on the lookup path); PFDB_IN_BDB marks the stretches
 *	spent inside Berkeley DB. The watchdog thread (pfdb_env.c) calls
 *	pfdb_rescue_tick() every 250 ms; it makes no Berkeley DB call, so
 *	it cannot block itself. A thread inside Berkeley DB, in the same
 *	call, blocked in futex(2) on an address (/proc/self/task/TID/
 *	syscall) that lies in a mapping of a deleted __db.* region file
 *	(/proc/self/maps) waits in an environment that recovery replaced:
 *	it is freed after 1 s. One blocked PFDB_STUCK_SECS in a live
 *	environment waits either on a lock of a live process (left alone:
 *	the lock timeout deals with it) or on a mutex or lock of a process
 *	that died: a child process then opens the environment, which runs
 *	recovery when a registered process is dead (pfdb_recover_helper),
 *	after which its mapping shows as deleted. Freed threads get
 *	PFDB_RESCUE_SIG and the handler siglongjmp()s
 *	them back to their pfdb call, which abandons the old handles (no
 *	close: that could wait on the same dead mutex; the old region stays
 *	mapped until exit) and reopens. The call is retried like any
 *	DB_RUNRECOVERY. The lock-expiry thread is a pfdb call like the
 *	others, so it is rescued too.
 *
 *	Only a thread blocked inside Berkeley DB in a panicked environment
 *	is ever interrupted: it holds no lock of ours except the read lock
 *	that the rescue path releases, and its Berkeley DB state belongs to
 *	a region nobody will use again. The signal handler is installed
 *	only when the application has none for that signal; otherwise the
 *	rescue is off and the watchdog logs the stuck thread.
 * DIAGNOSTICS
 *	A warning is logged for every rescue.
 */

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Project library. */
#include "log.h"

/* Local. */
#include "pfdb_impl.h"

__thread volatile sig_atomic_t pfdb_tl_in_bdb;
static __thread sigjmp_buf *volatile pfdb_tl_jb;
static __thread int pfdb_tl_slot = -1;
static __thread pid_t pfdb_tl_tid;

static pthread_once_t pfdb_rescue_once = PTHREAD_ONCE_INIT;
static int pfdb_rescue_ok;

/* pfdb_rescue_handler - jump out of the blocked Berkeley DB call */

static void pfdb_rescue_handler(int sig)
{
    if (pfdb_tl_jb && pfdb_tl_in_bdb) {
	pfdb_tl_in_bdb = 0;
	siglongjmp(*pfdb_tl_jb, 1);
    }
}

static void pfdb_rescue_install(void)
{
    struct sigaction sa, old;

    if (sigaction(PFDB_RESCUE_SIG, 0, &old) < 0 || old.sa_handler != SIG_DFL
	|| (old.sa_flags & SA_SIGINFO))
	return;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = pfdb_rescue_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER | SA_RESTART;	/* no blocked mask left; no EINTR */
    if (sigaction(PFDB_RESCUE_SIG, &sa, 0) == 0)
	pfdb_rescue_ok = 1;
}

void    pfdb_rescue_init(void)
{
    pthread_once(&pfdb_rescue_once, pfdb_rescue_install);
}

/* pfdb_op_enter - register the thread for its outermost call */

void    pfdb_op_enter(PFDB *db)
{
    if (pfdb_tl_tid == 0)
	pfdb_tl_tid = gettid();
    for (int i = 0; i < PFDB_MAX_SLOTS; i++) {
	int     expect = 0;

	if (__atomic_compare_exchange_n(&db->slots[i].used, &expect, 1, 0,
					__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
	    db->slots[i].seq = __atomic_add_fetch(&db->opseq, 1, __ATOMIC_RELAXED);
	    db->slots[i].thread = pthread_self();
	    db->slots[i].tid = pfdb_tl_tid;
	    db->slots[i].in_bdb = &pfdb_tl_in_bdb;
	    __atomic_store_n(&db->slots[i].ready, 1, __ATOMIC_RELEASE);
	    pfdb_tl_slot = i;
	    return;
	}
    }
    pfdb_tl_slot = -1;				/* more threads than slots: no rescue */
}

/* pfdb_op_arm - the jump buffer of the outermost call */

void    pfdb_op_arm(sigjmp_buf *jb)
{
    pfdb_tl_jb = jb;
}

/* pfdb_op_leave - unregister */

void    pfdb_op_leave(PFDB *db)
{
    pfdb_tl_jb = 0;
    pfdb_tl_in_bdb = 0;
    if (pfdb_tl_slot >= 0) {
	__atomic_store_n(&db->slots[pfdb_tl_slot].ready, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&db->slots[pfdb_tl_slot].used, 0, __ATOMIC_RELEASE);
	pfdb_tl_slot = -1;
    }
}

/* pfdb_futex_addr - the address this thread waits on in futex(2), or 0 */

static uintptr_t pfdb_futex_addr(pid_t tid)
{
    char    path[64], buf[128];
    unsigned long long addr;
    int     fd;
    ssize_t n;

    snprintf(path, sizeof(path), "/proc/self/task/%ld/syscall", (long) tid);
    if ((fd = open(path, O_RDONLY)) < 0)
	return (0);
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
	return (0);
    buf[n] = 0;
    if (strncmp(buf, "202 ", 4) != 0)		/* __NR_futex on x86_64 */
	return (0);
    if (sscanf(buf + 4, "%llx", &addr) != 1)
	return (0);
    return ((uintptr_t) addr);
}

/*
 * pfdb_addr_dead - is addr in a mapping of a removed region file?
 *
 * Recovery under DB_REGISTER unlinks the environment's region files and
 * makes new ones. A thread waiting on a mutex (or condition) that lives
 * in a mapping of a deleted __db.* file waits in an environment that
 * nobody will ever touch again: /proc/self/maps says so exactly.
 */

static int pfdb_addr_dead(uintptr_t addr)
{
    FILE   *fp;
    char    line[4096];
    int     dead = 0;

    if (addr == 0 || (fp = fopen("/proc/self/maps", "r")) == 0)
	return (0);
    while (fgets(line, sizeof(line), fp)) {
	unsigned long long lo, hi;

	if (sscanf(line, "%llx-%llx", &lo, &hi) != 2 || addr < lo || addr >= hi)
	    continue;
	dead = strstr(line, "/__db.") != 0 && strstr(line, "(deleted)") != 0;
	break;
    }
    fclose(fp);
    return (dead);
}

/*
 * pfdb_recover_helper - let a child process open the environment
 *
 * A process cannot open a second DB_ENV handle on an environment under
 * DB_REGISTER, and opening the registry file here would even drop our
 * own registration lock (fcntl locks go with any close). A child opens
 * it as every process does: when a registered process has died, that
 * open runs the recovery; otherwise it just attaches and detaches.
 */

static void pfdb_recover_helper(PFDB *db)
{
    pid_t   pid;
    int     status;

    if ((pid = fork()) < 0) {
	log_warn("db %s: fork for the recovery check: %m", db->dir);
	return;
    }
    if (pid == 0) {
	DB_ENV *env;
	int     ret;

	alarm(120);
	if ((env = pfdb_env_new(db->flags, &ret)) == 0)
	    _exit(1);
	umask(007);
	ret = env->open(env, db->dir, PFDB_ENV_FLAGS, 0660);
	(void) env->close(env, 0);
	_exit(ret ? 1 : 0);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
	 /* void */ ;
}

/* pfdb_rescue_tick - the watchdog's round (never a Berkeley DB call) */

void    pfdb_rescue_tick(PFDB *db)
{
    uint64_t stuck = 0, dead = 0;
    uintptr_t addr[PFDB_MAX_SLOTS];
    time_t  now = time(0);
    int     need_helper = 0;

    for (int i = 0; i < PFDB_MAX_SLOTS; i++) {
	PFDB_SLOT *s = &db->slots[i];
	unsigned long seq;

	addr[i] = 0;
	if (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE) || !*s->in_bdb
	    || (addr[i] = pfdb_futex_addr(s->tid)) == 0) {
	    db->wd_since[i] = 0;
	    continue;
	}
	seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	if (db->wd_since[i] == 0 || db->wd_seq[i] != seq) {
	    db->wd_seq[i] = seq;
	    db->wd_since[i] = now;
	    continue;
	}
	if (pfdb_addr_dead(addr[i])) {
	    /* Nothing will ever wake it: 1 s is enough to be sure. */
	    if (now - db->wd_since[i] >= 1) {
		stuck |= (uint64_t) 1 << i;
		dead |= (uint64_t) 1 << i;
	    }
	} else if (now - db->wd_since[i] >= PFDB_STUCK_SECS) {
	    stuck |= (uint64_t) 1 << i;
	    need_helper = 1;
	}
    }
    if (stuck == 0)
	return;

    /*
     * Blocked that long in a live environment: either on a lock that a
     * live process holds (leave it: the lock timeout handles it), or on a
     * mutex or lock of a process that died. In the latter case the
     * environment needs recovery; have a child open it. Then the region
     * files are new, and the old mapping shows as deleted.
     */
    if (need_helper && now - db->helper_last >= 2 * PFDB_STUCK_SECS) {
	int     recovered = 0;

	db->helper_last = now;
	pfdb_recover_helper(db);
	for (int i = 0; i < PFDB_MAX_SLOTS; i++) {
	    if ((stuck & ((uint64_t) 1 << i)) && !(dead & ((uint64_t) 1 << i))
		&& pfdb_addr_dead(addr[i])) {
		dead |= (uint64_t) 1 << i;
		recovered = 1;
	    }
	}
	if (recovered)
	    log_warn("db %s: a process using the environment died; recovery "
		     "was run", db->dir);
    }
    for (int i = 0; i < PFDB_MAX_SLOTS; i++) {
	PFDB_SLOT *s = &db->slots[i];

	if (!(dead & ((uint64_t) 1 << i))
	    || !__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
	    continue;
	if (!pfdb_rescue_ok) {
	    log_error("db %s: thread %ld is blocked on a mutex of a process that "
		      "died; signal %d is taken, so it cannot be freed",
		      db->dir, (long) s->tid, PFDB_RESCUE_SIG);
	    continue;
	}
	log_warn("db %s: thread %ld blocked on a mutex of a process that died "
		 "(the environment was recovered meanwhile): abandoning the old "
		 "environment and retrying", db->dir, (long) s->tid);
	db->wd_since[i] = 0;
	pthread_kill(s->thread, PFDB_RESCUE_SIG);
    }
}
