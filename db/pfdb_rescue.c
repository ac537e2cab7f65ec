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
 *	void pfdb_rescue_stuck(PFDB *db);
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
 *	spent inside Berkeley DB. The watchdog thread (pfdb_env.c) sees the
 *	environment panicked (lock_detect says DB_RUNRECOVERY) for
 *	PFDB_STUCK_SECS while no reopen happened; pfdb_rescue_stuck() then
 *	sends PFDB_RESCUE_SIG to each registered thread that is inside
 *	Berkeley DB and blocked in futex(2) (/proc/self/task/TID/syscall),
 *	and the handler siglongjmp()s it back to its pfdb call, which
 *	abandons the old handles (no close: that could wait on the same
 *	dead mutex; the old region stays mapped until exit) and reopens.
 *	The rescued call is retried like any DB_RUNRECOVERY.
 *
 *	Limit: the rescue needs a panicked environment, i.e. some process
 *	must open the environment after the death (DB_REGISTER then finds
 *	the dead process and recovers). Until then every live process that
 *	needs the dead process's mutex waits, the watchdog's own
 *	lock_detect included. Restarting the killed daemon, any pipe(8)
 *	run of postbulk-bounce, or "postbulk db recover" does it.
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
#include <sys/types.h>
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

/* pfdb_in_futex - is this thread waiting in futex(2)? */

static int pfdb_in_futex(pid_t tid)
{
    char    path[64], buf[32];
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
    return (strncmp(buf, "202 ", 4) == 0);	/* __NR_futex on x86_64 */
}

/* pfdb_rescue_stuck - signal the threads blocked in a dead environment */

void    pfdb_rescue_stuck(PFDB *db)
{
    for (int i = 0; i < PFDB_MAX_SLOTS; i++) {
	PFDB_SLOT *s = &db->slots[i];

	if (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE) || !*s->in_bdb
	    || !pfdb_in_futex(s->tid))
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
	pthread_kill(s->thread, PFDB_RESCUE_SIG);
    }
}
