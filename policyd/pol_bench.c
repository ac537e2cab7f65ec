/*
 * NAME
 *	pol_bench 1 - load generator for Postfix policy servers
 * SYNOPSIS
 *	pol_bench -s unix:PATH|inet:HOST:PORT [-c conns] [-t secs] [-n max]
 *		  [-u users] [-D domains] [-f sender] [-e]
 * DESCRIPTION
 *	Opens conns persistent connections (one thread each) and sends RCPT
 *	requests the way Postfix smtpd does: one at a time per connection,
 *	waiting for each answer. With -e one thread drives every connection
 *	through epoll (still one outstanding request per connection): a
 *	cheaper generator, but one that no longer sleeps per request as a
 *	set of smtpd processes does. Recipients are user<i>@d<i % domains>.test
 *	with i uniform in [0, users) (default 100000 users in 100 domains).
 *	The request carries every attribute Postfix 3.7 sends.
 *
 *	Like Postfix's policy client (timed_read: poll, then read), each
 *	connection waits for the answer with poll(2) before read(2). A
 *	thread blocked in read(2) on a unix socket is also woken when the
 *	server merely reads the request (unix_write_space wakes every
 *	sleeper, poll sleepers only for the events they asked for), which
 *	doubled the context switches per request and made this generator,
 *	not the server, the bottleneck on a small machine. The constant
 *	parts of the request are formatted once; per request only the
 *	recipient and the instance are filled in.
 *	Runs for secs seconds (default 3) or max requests in all.
 *
 *	Prints one line:
 *	conns=C requests=N secs=S rps=R p50_us=A p99_us=B max_us=M
 *	    dunno=D reject=J defer=F other=O client_cpu_us_per_req=U
 *
 *	client_cpu_us_per_req is this generator's own user + system CPU
 *	time (getrusage) divided by the requests: on a shared machine the
 *	generator competes with the server for the same cores.
 * DIAGNOSTICS
 *	Exit 1 when a connection fails or an answer is malformed.
 */

/* System library. */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct BENCH_THREAD {
    pthread_t tid;
    int     id;
    uint32_t *lat;			/* microseconds */
    size_t  nlat;
    size_t  cap;
    long    dunno, reject, defer, other;
    int     failed;
} BENCH_THREAD;

static const char *b_spec;
static const char *b_sender = "bulk@shop.test";
static long b_users = 100000;
static long b_domains = 100;
static double b_secs = 3;
static long b_max = 0;
static volatile long b_done;		/* requests across threads (approx.) */
static double b_start;

static double b_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int b_connect(void)
{
    int     fd;

    if (strncmp(b_spec, "unix:", 5) == 0) {
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", b_spec + 5);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0
	    || connect(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0)
	    return (-1);
    } else if (strncmp(b_spec, "inet:", 5) == 0) {
	struct sockaddr_in sin;
	char    host[64];
	const char *colon = strrchr(b_spec + 5, ':');
	int     one = 1;

	if (colon == 0 || (size_t) (colon - b_spec - 5) >= sizeof(host))
	    return (-1);
	memcpy(host, b_spec + 5, (size_t) (colon - b_spec - 5));
	host[colon - b_spec - 5] = 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t) atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
	    return (-1);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0
	    || connect(fd, (struct sockaddr *) &sin, sizeof(sin)) < 0)
	    return (-1);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    } else
	return (-1);
    return (fd);
}

/* b_put_num - append v in base 10 or 16 */

static char *b_put_num(char *cp, unsigned long v, unsigned base)
{
    char    tmp[24];
    int     n = 0;

    do {
	tmp[n++] = "0123456789abcdef"[v % base];
	v /= base;
    } while (v);
    while (n > 0)
	*cp++ = tmp[--n];
    return (cp);
}

/* b_put - append a string */

static char *b_put(char *cp, const char *s, size_t len)
{
    memcpy(cp, s, len);
    return (cp + len);
}

#define B_HEAD_FMT "request=smtpd_access_policy\nprotocol_state=RCPT\n" \
	"protocol_name=ESMTP\nclient_address=127.0.0.1\n" \
	"client_name=localhost\nclient_port=40000\n" \
	"reverse_client_name=localhost\nserver_address=127.0.0.1\n" \
	"server_port=10587\nhelo_name=app.shop.test\n" \
	"sender=%s\nrecipient=user"
#define B_MID	"\nrecipient_count=0\nqueue_id=\ninstance="
#define B_TAIL	".0\nsize=4096\netrn_domain=\n" \
	"stress=\nsasl_method=\nsasl_username=\nsasl_sender=\n" \
	"ccert_subject=\nccert_issuer=\nccert_fingerprint=\n" \
	"ccert_pubkey_fingerprint=\nencryption_protocol=\n" \
	"encryption_cipher=\nencryption_keysize=0\npolicy_context=\n" \
	"compatibility_level=3.6\nmail_version=3.7.11\n\n"

/* b_format - one request for user u, the n-th of connection id */

static int b_format(char *req, const char *head, int hlen, long u, int id,
		            long n)
{
    char   *cp;

    cp = b_put(req, head, (size_t) hlen);
    cp = b_put_num(cp, (unsigned long) u, 10);
    cp = b_put(cp, "@d", 2);
    cp = b_put_num(cp, (unsigned long) (u % b_domains), 10);
    cp = b_put(cp, ".test", 5);
    cp = b_put(cp, B_MID, sizeof(B_MID) - 1);
    cp = b_put_num(cp, (unsigned long) id, 16);
    *cp++ = '.';
    cp = b_put_num(cp, (unsigned long) n, 16);
    cp = b_put(cp, B_TAIL, sizeof(B_TAIL) - 1);
    return ((int) (cp - req));
}

/* b_record - classify one answer, keep its latency; -1 = malformed */

static int b_record(BENCH_THREAD *t, char *in, double t0, double t1)
{
    if (strncmp(in, "action=", 7) != 0)
	return (-1);
    if (strncasecmp(in + 7, "DUNNO", 5) == 0)
	t->dunno++;
    else if (strncasecmp(in + 7, "REJECT", 6) == 0 || in[7] == '5')
	t->reject++;
    else if (strncasecmp(in + 7, "DEFER", 5) == 0 || in[7] == '4')
	t->defer++;
    else
	t->other++;
    if (t->nlat == t->cap) {
	t->cap = t->cap ? t->cap * 2 : 65536;
	t->lat = realloc(t->lat, t->cap * sizeof(uint32_t));
	if (t->lat == 0)
	    abort();
    }
    t->lat[t->nlat++] = (uint32_t) ((t1 - t0) * 1e6 + 0.5);
    if (b_max)					/* shared line: only when needed */
	__atomic_add_fetch(&b_done, 1, __ATOMIC_RELAXED);
    return (0);
}

/* b_next_user - xorshift */

static long b_next_user(uint64_t *rng)
{
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    return ((long) (*rng % (uint64_t) b_users));
}

/* b_stop - time or request budget used up */

static int b_stop(void)
{
    return (b_now() - b_start >= b_secs
	    || (b_max && __atomic_load_n(&b_done, __ATOMIC_RELAXED) >= b_max));
}

static void *b_run(void *arg)
{
    BENCH_THREAD *t = arg;
    uint64_t rng = 0x9E3779B97F4A7C15ull * (uint64_t) (t->id + 1);
    char    req[2048];
    char    in[4096];
    char    head[1200];
    int     hlen;
    int     fd = b_connect();
    long    n = 0;

    if (fd < 0) {
	fprintf(stderr, "pol_bench: connect %s: %s\n", b_spec, strerror(errno));
	t->failed = 1;
	return (0);
    }
    hlen = snprintf(head, sizeof(head), B_HEAD_FMT, b_sender);
    if (hlen < 0 || (size_t) hlen >= sizeof(head)) {
	fprintf(stderr, "pol_bench: sender address too long\n");
	t->failed = 1;
	close(fd);
	return (0);
    }
    for (;;) {
	double  t0, t1;
	long    u;
	int     len;
	size_t  got = 0;

	if ((n & 63) == 0 && b_stop())
	    break;
	u = b_next_user(&rng);
	len = b_format(req, head, hlen, u, t->id, n);
	t0 = b_now();
	if (write(fd, req, (size_t) len) != len) {
	    t->failed = 1;
	    break;
	}
	while (got < 4 || memcmp(in + got - 2, "\n\n", 2) != 0) {
	    struct pollfd pfd;
	    ssize_t r;

	    pfd.fd = fd;
	    pfd.events = POLLIN;
	    if (poll(&pfd, 1, 10000) != 1) {
		fprintf(stderr, "pol_bench: connection %d: %s\n", t->id,
			"no answer within 10 s");
		t->failed = 1;
		close(fd);
		return (0);
	    }
	    r = read(fd, in + got, sizeof(in) - 1 - got);

	    if (r <= 0 || got + (size_t) r >= sizeof(in) - 1) {
		fprintf(stderr, "pol_bench: connection %d: %s\n", t->id,
			r < 0 ? strerror(errno) : "closed or reply too long");
		t->failed = 1;
		close(fd);
		return (0);
	    }
	    got += (size_t) r;
	}
	t1 = b_now();
	in[got] = 0;
	if (b_record(t, in, t0, t1) < 0) {
	    t->failed = 1;
	    break;
	}
	n++;
    }
    close(fd);
    return (0);
}

/*
 * b_event - every connection from one thread (-e)
 *
 * Still one outstanding request per connection, but one epoll_wait()
 * serves all answers that arrived together: the generator costs less
 * CPU per request than thread-per-connection, which matters when it
 * shares two cores with the server.
 */
typedef struct B_CONN {
    int     fd;
    uint64_t rng;
    long    n;
    size_t  got;
    double  t0;
    char    in[4096];
} B_CONN;

static void b_event(BENCH_THREAD *t, int conns)
{
    B_CONN *bc = calloc((size_t) conns, sizeof(*bc));
    struct epoll_event *evs = calloc((size_t) conns, sizeof(*evs));
    char    req[2048];
    char    head[1200];
    int     hlen;
    int     epfd = epoll_create1(EPOLL_CLOEXEC);
    int     open_conns = 0;
    long    total = 0;
    int     stopping = 0;

    hlen = snprintf(head, sizeof(head), B_HEAD_FMT, b_sender);
    if (bc == 0 || evs == 0 || epfd < 0 || hlen < 0
	|| (size_t) hlen >= sizeof(head)) {
	fprintf(stderr, "pol_bench: cannot set up (memory, epoll or sender "
		"address too long)\n");
	t[0].failed = 1;
	return;
    }
    for (int i = 0; i < conns; i++) {
	struct epoll_event ev;
	int     len;

	bc[i].rng = 0x9E3779B97F4A7C15ull * (uint64_t) (i + 1);
	if ((bc[i].fd = b_connect()) < 0) {
	    fprintf(stderr, "pol_bench: connect %s: %s\n", b_spec, strerror(errno));
	    t[i].failed = 1;
	    stopping = 1;
	    break;
	}
	open_conns++;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = (uint32_t) i;
	(void) epoll_ctl(epfd, EPOLL_CTL_ADD, bc[i].fd, &ev);
	len = b_format(req, head, hlen, b_next_user(&bc[i].rng), i, 0);
	bc[i].t0 = b_now();
	if (write(bc[i].fd, req, (size_t) len) != len) {
	    t[i].failed = 1;
	    stopping = 1;
	    break;
	}
    }
    while (open_conns > 0 && !stopping) {
	int     nev = epoll_wait(epfd, evs, conns, 10000);

	if (nev < 0 && errno == EINTR)
	    continue;
	if (nev <= 0) {
	    fprintf(stderr, "pol_bench: no answer within 10 s\n");
	    t[0].failed = 1;
	    break;
	}
	for (int e = 0; e < nev && !stopping; e++) {
	    int     i = (int) evs[e].data.u32;
	    B_CONN *c = bc + i;
	    ssize_t r = read(c->fd, c->in + c->got, sizeof(c->in) - 1 - c->got);
	    double  t1;
	    int     len;

	    if (r < 0 && (errno == EAGAIN || errno == EINTR))
		continue;
	    if (r <= 0 || c->got + (size_t) r >= sizeof(c->in) - 1) {
		fprintf(stderr, "pol_bench: connection %d: %s\n", i,
			r < 0 ? strerror(errno) : "closed or reply too long");
		t[i].failed = 1;
		stopping = 1;
		break;
	    }
	    c->got += (size_t) r;
	    if (c->got < 4 || memcmp(c->in + c->got - 2, "\n\n", 2) != 0)
		continue;
	    t1 = b_now();
	    c->in[c->got] = 0;
	    c->got = 0;
	    if (b_record(t + i, c->in, c->t0, t1) < 0) {
		t[i].failed = 1;
		stopping = 1;
		break;
	    }
	    c->n++;
	    if ((++total & 63) == 0 && b_stop()) {
		stopping = 1;
		break;
	    }
	    len = b_format(req, head, hlen, b_next_user(&c->rng), i, c->n);
	    c->t0 = t1;
	    if (write(c->fd, req, (size_t) len) != len) {
		t[i].failed = 1;
		stopping = 1;
		break;
	    }
	}
    }
    for (int i = 0; i < conns; i++)
	if (bc[i].fd > 0)
	    close(bc[i].fd);
    close(epfd);
    free(bc);
    free(evs);
}

static int b_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

    return (x < y ? -1 : x > y);
}

int     main(int argc, char **argv)
{
    int     conns = 4;
    int     event = 0;
    int     ch;
    BENCH_THREAD *t;
    uint32_t *all;
    size_t  total = 0, k = 0;
    long    dunno = 0, reject = 0, defer = 0, other = 0;
    int     failed = 0;
    double  secs;
    struct rusage ru;
    double  cpu;

    while ((ch = getopt(argc, argv, "s:c:t:n:u:D:f:e")) != -1) {
	switch (ch) {
	case 'e':
	    event = 1;
	    break;
	case 's':
	    b_spec = optarg;
	    break;
	case 'c':
	    conns = atoi(optarg);
	    break;
	case 't':
	    b_secs = atof(optarg);
	    break;
	case 'n':
	    b_max = atol(optarg);
	    break;
	case 'u':
	    b_users = atol(optarg);
	    break;
	case 'D':
	    b_domains = atol(optarg);
	    break;
	case 'f':
	    b_sender = optarg;
	    break;
	default:
	    goto usage;
	}
    }
    if (b_spec == 0 || conns < 1 || conns > 1000 || b_users < 1 || b_domains < 1) {
usage:
	fprintf(stderr, "usage: pol_bench -s unix:PATH|inet:HOST:PORT [-c conns] "
		"[-t secs] [-n max] [-u users] [-D domains] [-f sender] [-e]\n");
	return (64);
    }
    t = calloc((size_t) conns, sizeof(*t));
    b_start = b_now();
    for (int i = 0; i < conns; i++)
	t[i].id = i;
    if (event)
	b_event(t, conns);
    else
	for (int i = 0; i < conns; i++)
	    pthread_create(&t[i].tid, 0, b_run, t + i);
    for (int i = 0; i < conns; i++) {
	if (!event)
	    pthread_join(t[i].tid, 0);
	total += t[i].nlat;
	dunno += t[i].dunno;
	reject += t[i].reject;
	defer += t[i].defer;
	other += t[i].other;
	failed |= t[i].failed;
    }
    secs = b_now() - b_start;
    getrusage(RUSAGE_SELF, &ru);
    cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
	+ ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    all = malloc((total ? total : 1) * sizeof(uint32_t));
    for (int i = 0; i < conns; i++) {
	memcpy(all + k, t[i].lat, t[i].nlat * sizeof(uint32_t));
	k += t[i].nlat;
    }
    qsort(all, total, sizeof(uint32_t), b_cmp);
    printf("conns=%d requests=%zu secs=%.2f rps=%.0f p50_us=%u p99_us=%u "
	   "max_us=%u dunno=%ld reject=%ld defer=%ld other=%ld "
	   "client_cpu_us_per_req=%.1f\n", conns, total,
	   secs, total / secs, total ? all[total / 2] : 0,
	   total ? all[(size_t) (total * 0.99)] : 0,
	   total ? all[total - 1] : 0, dunno, reject, defer, other,
	   total ? cpu * 1e6 / total : 0.0);
    return (failed || total == 0 ? 1 : 0);
}
