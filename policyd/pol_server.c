/*
 * NAME
 *	pol_server 3 - policyd's listeners and epoll event loop
 * DESCRIPTION
 *	See pol_server.h. policyd_threads event threads, each with its own
 *	epoll set; every listener is in every set (EPOLLEXCLUSIVE, so one
 *	thread wakes per new connection) and a new connection goes to the
 *	thread with the fewest connections (whichever thread accepted it)
 *	and stays there.
 *	Connections are kept in one table indexed by file descriptor; an
 *	entry is touched only by its owner thread.
 *
 *	The decision itself (hooks->decide) and the housekeeping hooks run
 *	under one lock, so the rules and the db handle need no locking of
 *	their own: the threads overlap the socket work (read, parse, write,
 *	wake-ups: most of a request's cost), not the decisions. On a
 *	two-core machine, 4 connections, two threads answered 104k-148k
 *	requests per second where one answered about 80k.
 *	Thread 0 also takes the signals (signalfd) and runs hooks->tick()
 *	once a second; an eventfd wakes the others when it is time to stop.
 *
 *	Replies are written at once; only when the socket is full does a
 *	connection wait for EPOLLOUT (and then it is not read until the
 *	backlog is written, so a client that never reads cannot make us
 *	buffer without bound).
 */

/* System library. */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Project library. */
#include "buf.h"
#include "log.h"
#include "mem.h"

/* Application-specific. */
#include "pol_params.h"
#include "pol_request.h"
#include "pol_server.h"

 /*
  * Input buffer bound: the largest legal request plus one line of the
  * next one. The parser rejects anything bigger before we get there.
  */
#define SRV_IN_MAX	((POL_REQ_ATTR_MAX + 1) * (POL_REQ_LINE_MAX + 2) + 64)
#define SRV_OUT_STOP	(256 * 1024)	/* stop reading above this backlog */
#define SRV_MAX_LISTEN	8

typedef struct SRV_CONN {
    int     fd;				/* -1 = free */
    char   *in;
    size_t  in_len;
    size_t  in_size;
    BUF    *out;
    size_t  out_off;
    time_t  last;			/* last activity, monotonic */
    int     want_out;			/* EPOLLOUT registered */
    int     pending;			/* in its thread's pending[] */
    struct SRV_THREAD *owner;		/* the thread that serves it */
    char    peer[64];
} SRV_CONN;

typedef struct SRV_THREAD {
    pthread_t tid;
    int     index;
    int     epfd;
    int     pending[256];		/* fds with answers to write */
    int     npending;
    int     nconn;			/* connections it serves (atomic) */
    BUF    *action;
    BUF    *why;
    POL_SERVER_HOOKS *hooks;
    int     result;
} SRV_THREAD;

typedef struct SRV_LISTENER {
    int     fd;
    int     is_unix;
    char    name[120];
} SRV_LISTENER;

static SRV_LISTENER srv_listen[SRV_MAX_LISTEN];
static int srv_nlisten;
static SRV_CONN *srv_conn;		/* indexed by fd */
static int srv_conn_max;		/* size of srv_conn */
static int srv_nconn;			/* atomic */
static int srv_sigfd = -1;
static int srv_wakefd = -1;		/* eventfd: time to stop */
static int srv_stopping;		/* atomic */
static pthread_mutex_t srv_lock;	/* around every hook */
static SRV_THREAD *srv_threads;
static int srv_nthreads;		/* running: new connections go to them */
static int srv_fd_high;			/* highest connection fd so far */

/* srv_mono - monotonic seconds */

static time_t srv_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec);
}

/* srv_loopback - is this inet host a loopback address? */

static int srv_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
	const struct sockaddr_in *sin = (const struct sockaddr_in *) sa;

	return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
    }
    if (sa->sa_family == AF_INET6) {
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) sa;

	return (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
    }
    return (0);
}

/* srv_listen_unix - one unix-domain listener */

static int srv_listen_unix(const char *path, int mode, BUF *why)
{
    struct sockaddr_un sun;
    struct stat st;
    int     fd;

    if (strlen(path) >= sizeof(sun.sun_path)) {
	buf_sprintf(why, "unix:%s: socket path too long", path);
	return (-1);
    }
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path) + 1);
    if (lstat(path, &st) == 0) {
	if (!S_ISSOCK(st.st_mode)) {
	    buf_sprintf(why, "unix:%s: exists and is not a socket", path);
	    return (-1);
	}
	(void) unlink(path);
    }
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0
	|| bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0
	|| chmod(path, (mode_t) mode) < 0
	|| listen(fd, 1024) < 0) {
	buf_sprintf(why, "unix:%s: %s", path, strerror(errno));
	if (fd >= 0)
	    close(fd);
	return (-1);
    }
    return (fd);
}

/* srv_listen_inet - one TCP listener, loopback unless allowed */

static int srv_listen_inet(const char *hostport, int allow_remote, BUF *why)
{
    char   *copy = xstrdup(hostport);
    char   *host = copy;
    char   *port;
    struct addrinfo hints, *res = 0;
    int     fd = -1;
    int     on = 1;
    int     err;

    if (*host == '[') {
	host++;
	if ((port = strchr(host, ']')) == 0 || port[1] != ':') {
	    buf_sprintf(why, "inet:%s: want inet:[ADDR]:PORT", hostport);
	    goto out;
	}
	*port = 0;
	port += 2;
    } else if ((port = strrchr(host, ':')) == 0) {
	buf_sprintf(why, "inet:%s: want inet:HOST:PORT", hostport);
	goto out;
    } else
	*port++ = 0;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (strcmp(host, "localhost") == 0)
	host = "127.0.0.1";
    if ((err = getaddrinfo(*host ? host : 0, port, &hints, &res)) != 0) {
	buf_sprintf(why, "inet:%s: %s", hostport, gai_strerror(err));
	goto out;
    }
    if (!srv_loopback(res->ai_addr) && !allow_remote) {
	buf_sprintf(why, "inet:%s: not a loopback address; set %s = yes to "
		    "serve other hosts", hostport, VAR_POL_ALLOW_REMOTE);
	goto out;
    }
    if ((fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		     0)) < 0
	|| setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0
	|| bind(fd, res->ai_addr, res->ai_addrlen) < 0
	|| listen(fd, 1024) < 0) {
	buf_sprintf(why, "inet:%s: %s", hostport, strerror(errno));
	if (fd >= 0)
	    close(fd);
	fd = -1;
    }
out:
    if (res)
	freeaddrinfo(res);
    free(copy);
    return (fd);
}

/* pol_server_listen - open every listener of spec */

int     pol_server_listen(const char *spec, int allow_remote, int mode, BUF *why)
{
    char   *copy = xstrdup(spec);
    char   *cp = copy;
    char   *item;
    int     ret = 0;

    while ((item = strsep(&cp, ", \t\n")) != 0) {
	SRV_LISTENER *l;
	int     fd;

	if (*item == 0)
	    continue;
	if (srv_nlisten >= SRV_MAX_LISTEN) {
	    buf_sprintf(why, "%s: more than %d listeners", VAR_POL_LISTEN,
			SRV_MAX_LISTEN);
	    ret = -1;
	    break;
	}
	l = srv_listen + srv_nlisten;
	if (strncmp(item, "unix:", 5) == 0) {
	    fd = srv_listen_unix(item + 5, mode, why);
	    l->is_unix = 1;
	} else if (strncmp(item, "inet:", 5) == 0) {
	    fd = srv_listen_inet(item + 5, allow_remote, why);
	    l->is_unix = 0;
	} else {
	    buf_sprintf(why, "%s: \"%s\": want unix:PATH or inet:HOST:PORT",
			VAR_POL_LISTEN, item);
	    fd = -1;
	}
	if (fd < 0) {
	    ret = -1;
	    break;
	}
	l->fd = fd;
	snprintf(l->name, sizeof(l->name), "%s", item);
	srv_nlisten++;
    }
    if (ret == 0 && srv_nlisten == 0) {
	buf_sprintf(why, "%s is empty", VAR_POL_LISTEN);
	ret = -1;
    }
    free(copy);
    return (ret);
}

/* pol_server_chown - give unix sockets to the run user */

int     pol_server_chown(uid_t uid, gid_t gid, BUF *why)
{
    for (int i = 0; i < srv_nlisten; i++) {
	if (srv_listen[i].is_unix
	    && chown(srv_listen[i].name + 5, uid, gid) < 0) {
	    buf_sprintf(why, "%s: chown: %s", srv_listen[i].name, strerror(errno));
	    return (-1);
	}
    }
    return (0);
}

/* pol_server_connections - open client connections */

int     pol_server_connections(void)
{
    return (__atomic_load_n(&srv_nconn, __ATOMIC_RELAXED));
}

/* srv_close - drop a connection */

static void srv_close(SRV_CONN *c)
{
    int     fd = c->fd;

    (void) epoll_ctl(c->owner->epfd, EPOLL_CTL_DEL, fd, 0);

    /*
     * Everything reset and the slot unowned before close(): from then on
     * another thread may accept the same descriptor number and fill
     * this slot, and nothing of ours may touch it (nor may a stale event
     * of ours for that number look like one of our connections).
     */
    c->fd = -1;
    c->in_len = 0;
    buf_reset(c->out);
    c->out_off = 0;
    c->want_out = 0;
    c->pending = 0;
    __atomic_sub_fetch(&c->owner->nconn, 1, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&srv_nconn, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&c->owner, (SRV_THREAD *) 0, __ATOMIC_RELEASE);
    close(fd);
}

/* srv_watch - (re)register the events a connection waits for */

static void srv_watch(SRV_CONN *c, int want_out)
{
    struct epoll_event ev;

    if (want_out == c->want_out)
	return;
    memset(&ev, 0, sizeof(ev));
    ev.events = want_out ? EPOLLOUT : EPOLLIN;
    ev.data.fd = c->fd;
    if (epoll_ctl(c->owner->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
	log_warn("epoll_ctl %s: %m", c->peer);
    c->want_out = want_out;
}

/* srv_flush - write what is pending; -1 = connection broken */

static int srv_flush(SRV_CONN *c)
{
    while (c->out_off < buf_len(c->out)) {
	ssize_t n = write(c->fd, buf_str(c->out) + c->out_off,
			  buf_len(c->out) - c->out_off);

	if (n < 0) {
	    if (errno == EINTR)
		continue;
	    if (errno == EAGAIN || errno == EWOULDBLOCK) {
		srv_watch(c, 1);
		return (0);
	    }
	    return (-1);
	}
	c->out_off += (size_t) n;
    }
    buf_reset(c->out);
    c->out_off = 0;
    srv_watch(c, 0);
    return (0);
}

/* srv_process - answer every complete request in the input buffer */

static int srv_process(SRV_CONN *c, SRV_THREAD *t)
{
    POL_SERVER_HOOKS *hooks = t->hooks;
    size_t  off = 0;
    POL_REQUEST req;

    for (;;) {
	size_t  used;
	int     rc;

	rc = pol_request_parse(&req, c->in + off, c->in_len - off, &used, t->why);
	if (rc < 0) {
	    char    q[200];

	    log_warn("NOQUEUE: policy=malformed client=%s reason=\"%s\"",
		     c->peer, log_quote(buf_str(t->why), q, sizeof(q)));
	    return (-1);
	}
	if (rc == 0)
	    break;
	off += used;
	buf_reset(t->action);
	pthread_mutex_lock(&srv_lock);
	hooks->decide(&req, t->action, hooks->ctx);
	pthread_mutex_unlock(&srv_lock);
	buf_puts(c->out, "action=");
	buf_append(c->out, buf_str(t->action), buf_len(t->action));
	buf_puts(c->out, "\n\n");
    }
    if (off > 0) {
	memmove(c->in, c->in + off, c->in_len - off);
	c->in_len -= off;
    }
    return (0);
}

/* srv_read - read what is there, answer complete requests */

static void srv_read(SRV_CONN *c, SRV_THREAD *t)
{
    for (;;) {
	ssize_t n;

	if (c->in_size - c->in_len < 4096 && c->in_size < SRV_IN_MAX) {
	    c->in_size = c->in_size * 2 > SRV_IN_MAX ? SRV_IN_MAX : c->in_size * 2;
	    c->in = xrealloc(c->in, c->in_size);
	}
	if (c->in_size == c->in_len) {
	    /* Cannot happen: the parser rejects requests this big. */
	    log_warn("NOQUEUE: policy=malformed client=%s reason=\"request "
		     "too large\"", c->peer);
	    srv_close(c);
	    return;
	}
	n = read(c->fd, c->in + c->in_len, c->in_size - c->in_len);
	if (n < 0) {
	    if (errno == EINTR)
		continue;
	    if (errno == EAGAIN || errno == EWOULDBLOCK)
		break;
	    log_verbose("%s: read: %m", c->peer);
	    srv_close(c);
	    return;
	}
	if (n == 0) {
	    srv_close(c);
	    return;
	}
	c->in_len += (size_t) n;
	c->last = srv_mono();
	if (srv_process(c, t) < 0) {
	    (void) srv_flush(c);		/* answers so far */
	    srv_close(c);
	    return;
	}
	if (buf_len(c->out) > SRV_OUT_STOP)
	    break;
	if ((size_t) n < 4096)
	    break;				/* most likely drained */
    }
    /* Written after the whole epoll batch: see srv_flush_pending(). */
    if (buf_len(c->out) > c->out_off && !c->pending) {
	c->pending = 1;
	t->pending[t->npending++] = c->fd;
    }
}

/*
 * srv_flush_pending - write the answers of one epoll batch
 *
 * Each write wakes a client; on a small machine the woken client tends to
 * preempt us in the middle of the batch. Reading and deciding every ready
 * connection first and writing afterwards costs the clients a few
 * microseconds and saves a context switch per request under load.
 */
static void srv_flush_pending(SRV_THREAD *t)
{
    for (int i = 0; i < t->npending; i++) {
	SRV_CONN *c = srv_conn + t->pending[i];

	if (c->fd < 0 || !c->pending)
	    continue;
	c->pending = 0;
	if (srv_flush(c) < 0)
	    srv_close(c);
    }
    t->npending = 0;
}

/* srv_accept - take new connections from one listener */

static void srv_accept(SRV_LISTENER *l, SRV_THREAD *t)
{
    for (;;) {
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct epoll_event ev;
	SRV_CONN *c;
	int     fd = accept4(l->fd, (struct sockaddr *) &ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
	int     nconn;
	SRV_THREAD *owner;

	if (fd < 0) {
	    if (errno == EINTR || errno == ECONNABORTED)
		continue;
	    if (errno != EAGAIN && errno != EWOULDBLOCK)
		log_warn("accept %s: %m", l->name);
	    return;
	}
	nconn = __atomic_add_fetch(&srv_nconn, 1, __ATOMIC_RELAXED);
	if (nconn > var_pol_max_conn || fd >= srv_conn_max) {
	    __atomic_sub_fetch(&srv_nconn, 1, __ATOMIC_RELAXED);
	    log_warn("NOQUEUE: policy=overload listener=%s connections=%d "
		     "limit=%ld: connection closed", l->name, nconn - 1,
		     var_pol_max_conn);
	    close(fd);
	    continue;
	}
	/*
	 * The thread with the fewest connections serves it, whichever
	 * thread woke for the listener: with few persistent connections
	 * (one per smtpd process) an uneven split would leave a core idle.
	 */
	owner = t;
	for (int i = 0; i < __atomic_load_n(&srv_nthreads, __ATOMIC_ACQUIRE); i++)
	    if (__atomic_load_n(&srv_threads[i].nconn, __ATOMIC_RELAXED)
		< __atomic_load_n(&owner->nconn, __ATOMIC_RELAXED))
		owner = srv_threads + i;
	c = srv_conn + fd;
	__atomic_add_fetch(&owner->nconn, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->owner, owner, __ATOMIC_RELEASE);
	c->fd = fd;
	c->in_len = 0;
	if (c->in == 0) {
	    c->in_size = 4096;
	    c->in = xmalloc(c->in_size);
	    c->out = buf_alloc(256);
	}
	buf_reset(c->out);
	c->out_off = 0;
	c->want_out = 0;
	c->pending = 0;
	c->last = srv_mono();
	if (l->is_unix) {
	    snprintf(c->peer, sizeof(c->peer), "unix");
	} else {
	    char    host[INET6_ADDRSTRLEN] = "?";
	    int     port = 0;
	    int     one = 1;

	    if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	    } else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
	    }
	    snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
	    /* One small reply per request: Nagle would add 40 ms each. */
	    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = fd;
	if (epoll_ctl(owner->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
	    log_warn("epoll_ctl: %m");
	    c->fd = -1;
	    __atomic_sub_fetch(&owner->nconn, 1, __ATOMIC_RELAXED);
	    __atomic_sub_fetch(&srv_nconn, 1, __ATOMIC_RELAXED);
	    __atomic_store_n(&c->owner, (SRV_THREAD *) 0, __ATOMIC_RELEASE);
	    close(fd);
	    continue;
	}
	/* Bound for the idle sweep. */
	for (int high = __atomic_load_n(&srv_fd_high, __ATOMIC_RELAXED);
	     fd > high && !__atomic_compare_exchange_n(&srv_fd_high, &high, fd, 0,
				      __ATOMIC_RELAXED, __ATOMIC_RELAXED);)
	     /* void */ ;
    }
}

/* srv_idle - close this thread's connections idle too long */

static void srv_idle(SRV_THREAD *t)
{
    time_t  now = srv_mono();

    int     high = __atomic_load_n(&srv_fd_high, __ATOMIC_RELAXED);

    for (int fd = 0; fd <= high && fd < srv_conn_max; fd++) {
	SRV_CONN *c = srv_conn + fd;

	if (__atomic_load_n(&c->owner, __ATOMIC_ACQUIRE) == t && c->fd >= 0
	    && now - c->last > var_pol_idle_timeout) {
	    log_verbose("closing idle connection from %s", c->peer);
	    srv_close(c);
	}
    }
}

/*
 * srv_ask_stop - after a hook ran (under the lock): has it asked us to
 * stop? Only hooks change that answer, so the loops themselves test an
 * atomic flag, not the lock that every decision takes.
 */
static void srv_ask_stop(POL_SERVER_HOOKS *hooks)
{
    uint64_t one = 1;

    if (!hooks->stop(hooks->ctx))
	return;
    __atomic_store_n(&srv_stopping, 1, __ATOMIC_RELEASE);
    if (write(srv_wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
	log_warn("eventfd write: %m");
}

/* srv_loop - one event thread */

static void *srv_loop(void *arg)
{
    SRV_THREAD *t = arg;
    POL_SERVER_HOOKS *hooks = t->hooks;
    struct epoll_event events[256];
    struct timespec next, now;

    clock_gettime(CLOCK_MONOTONIC, &next);
    next.tv_sec += 1;

    while (!__atomic_load_n(&srv_stopping, __ATOMIC_ACQUIRE)) {
	int     timeout_ms;
	int     n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	timeout_ms = (int) ((next.tv_sec - now.tv_sec) * 1000
			    + (next.tv_nsec - now.tv_nsec) / 1000000);
	if (timeout_ms <= 0) {
	    if (t->index == 0) {
		pthread_mutex_lock(&srv_lock);
		hooks->tick(hooks->ctx);
		srv_ask_stop(hooks);
		pthread_mutex_unlock(&srv_lock);
	    }
	    srv_idle(t);
	    next = now;
	    next.tv_sec += 1;
	    continue;
	}
	n = epoll_wait(t->epfd, events, 256, timeout_ms);
	if (n < 0) {
	    if (errno == EINTR)
		continue;
	    log_error("epoll_wait: %m");
	    t->result = -1;
	    __atomic_store_n(&srv_stopping, 1, __ATOMIC_RELEASE);
	    {
		uint64_t one = 1;

		(void) write(srv_wakefd, &one, sizeof(one));
	    }
	    break;
	}
	for (int i = 0; i < n; i++) {
	    int     fd = events[i].data.fd;
	    int     handled = 0;

	    if (fd == srv_sigfd) {
		struct signalfd_siginfo si;

		while (read(srv_sigfd, &si, sizeof(si)) == sizeof(si)) {
		    pthread_mutex_lock(&srv_lock);
		    hooks->signal((int) si.ssi_signo, hooks->ctx);
		    srv_ask_stop(hooks);
		    pthread_mutex_unlock(&srv_lock);
		}
		continue;
	    }
	    if (fd == srv_wakefd)
		continue;			/* the loop test stops us */
	    for (int l = 0; l < srv_nlisten; l++) {
		if (fd == srv_listen[l].fd) {
		    srv_accept(srv_listen + l, t);
		    handled = 1;
		    break;
		}
	    }
	    if (handled || fd < 0 || fd >= srv_conn_max
		|| __atomic_load_n(&srv_conn[fd].owner, __ATOMIC_ACQUIRE) != t
		|| srv_conn[fd].fd < 0)
		continue;
	    if (events[i].events & EPOLLOUT) {
		if (srv_flush(srv_conn + fd) < 0) {
		    srv_close(srv_conn + fd);
		    continue;
		}
		/* Backlog written: resume requests already buffered. */
		if (!srv_conn[fd].want_out && srv_conn[fd].in_len > 0) {
		    if (srv_process(srv_conn + fd, t) < 0
			|| srv_flush(srv_conn + fd) < 0)
			srv_close(srv_conn + fd);
		}
	    } else if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		srv_read(srv_conn + fd, t);
	    }
	}
	srv_flush_pending(t);
    }
    return (0);
}

/* pol_server_run - start the event threads, serve, wait for them */

int     pol_server_run(POL_SERVER_HOOKS *hooks)
{
    struct epoll_event ev;
    struct rlimit rl;
    sigset_t mask;
    pthread_mutexattr_t ma;
    SRV_THREAD *threads;
    int     nthreads = (int) var_pol_threads;
    int     result = 0;

    /* Room for max_connections descriptors plus our own. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
	rlim_t  want = (rlim_t) var_pol_max_conn + 64;

	if (rl.rlim_cur < want) {
	    rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	    (void) setrlimit(RLIMIT_NOFILE, &rl);
	}
	srv_conn_max = (int) (rl.rlim_cur > 1000000 ? 1000000 : rl.rlim_cur);
    } else
	srv_conn_max = 1024;
    if (srv_conn_max < var_pol_max_conn + 64)
	log_warn("file descriptor limit %d is below %s + 64", srv_conn_max,
		 VAR_POL_MAX_CONN);
    srv_conn = xcalloc((size_t) srv_conn_max, sizeof(SRV_CONN));
    for (int i = 0; i < srv_conn_max; i++)
	srv_conn[i].fd = -1;

    /*
     * A short-held lock taken by every request: spin a little before
     * sleeping (glibc's adaptive mutex) rather than pay a futex wake-up.
     */
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&srv_lock, &ma);
    pthread_mutexattr_destroy(&ma);

    /* Blocked before the threads start, so that they inherit it. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, 0);
    signal(SIGPIPE, SIG_IGN);
    if ((srv_sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0
	|| (srv_wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
	log_error("signalfd/eventfd: %m");
	return (-1);
    }
    threads = xcalloc((size_t) nthreads, sizeof(SRV_THREAD));
    srv_threads = threads;
    srv_nthreads = 0;				/* until they run: see below */
    for (int i = 0; i < nthreads; i++) {
	SRV_THREAD *t = threads + i;

	t->index = i;
	t->hooks = hooks;
	t->action = buf_alloc(256);
	t->why = buf_alloc(100);
	if ((t->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
	    log_error("epoll_create: %m");
	    return (-1);
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = srv_wakefd;
	(void) epoll_ctl(t->epfd, EPOLL_CTL_ADD, srv_wakefd, &ev);
	if (i == 0) {
	    ev.data.fd = srv_sigfd;
	    (void) epoll_ctl(t->epfd, EPOLL_CTL_ADD, srv_sigfd, &ev);
	}
	/* One thread wakes per new connection, not all of them. */
	ev.events = EPOLLIN | (nthreads > 1 ? EPOLLEXCLUSIVE : 0);
	for (int l = 0; l < srv_nlisten; l++) {
	    ev.data.fd = srv_listen[l].fd;
	    if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, srv_listen[l].fd, &ev) < 0) {
		log_error("epoll_ctl %s: %m", srv_listen[l].name);
		return (-1);
	    }
	}
    }
    srv_ask_stop(hooks);			/* asked before we even started */
    for (int i = 1; i < nthreads; i++) {
	int     err = pthread_create(&threads[i].tid, 0, srv_loop, threads + i);

	if (err != 0) {
	    log_warn("could not start event thread %d: %s; serving with %d",
		     i, strerror(err), i);
	    nthreads = i;
	    break;
	}
    }
    /* Threads that run; before this, accepting threads keep what they take. */
    __atomic_store_n(&srv_nthreads, nthreads, __ATOMIC_RELEASE);
    (void) srv_loop(threads);
    for (int i = 1; i < nthreads; i++)
	(void) pthread_join(threads[i].tid, 0);
    for (int i = 0; i < nthreads; i++) {
	if (threads[i].result < 0)
	    result = -1;
	buf_free(threads[i].action);
	buf_free(threads[i].why);
	close(threads[i].epfd);
    }
    free(threads);
    return (result);
}
