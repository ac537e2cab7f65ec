/*
 * NAME
 *	smtp_client 3 - minimal ESMTP client for the postbulk listener
 * SYNOPSIS
 *	#include "smtp_client.h"
 * DESCRIPTION
 *	See smtp_client.h. Blocking sockets with SO_RCVTIMEO/SO_SNDTIMEO:
 *	each campaign connection has its own thread, so blocking I/O is
 *	the simplest correct choice and costs nothing on loopback.
 *	TCP_NODELAY is set because a pipelined group is one write and
 *	the reply must not wait for Nagle (see postfix-lab.md).
 * DIAGNOSTICS
 *	Errors are returned with a reason; nothing here exits.
 */

/* System library. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <fcntl.h>

/* Project library. */
#include "log.h"
#include "mem.h"
#include "buf.h"

/* Application-specific. */
#include "smtp_client.h"

struct SUB_SMTP {
    int     fd;
    int     ext;
    int     timeout;
    BUF    *out;				/* pending output */
    char    in[8192];			/* read buffer */
    size_t  in_len;
    size_t  in_pos;
    BUF    *line;
};

int     sub_smtp_trace;

/*
 * SUB_SMTP_TRACE=time prefixes each trace line with the wall-clock time
 * in microseconds: tests measure retry spacing with it (Postfix's own
 * maillog has one-second time stamps).
 */
static int sub_smtp_trace_time;

static pthread_once_t sub_smtp_env_once = PTHREAD_ONCE_INIT;

/* sub_smtp_env - SUB_SMTP_TRACE from the environment */

static void sub_smtp_env(void)
{
    const char *t = getenv("SUB_SMTP_TRACE");

    if (t && *t) {
	sub_smtp_trace = 1;
	sub_smtp_trace_time = strcmp(t, "time") == 0;
    }
}

/* sub_smtp_trace_line - one dialogue line to stderr */

static void sub_smtp_trace_line(const char *dir, const char *line)
{
    struct timeval tv;

    if (sub_smtp_trace_time) {
	gettimeofday(&tv, 0);
	fprintf(stderr, "%ld.%06ld %s %s\n", (long) tv.tv_sec, (long) tv.tv_usec, dir, line);
    } else {
	fprintf(stderr, "%s %s\n", dir, line);
    }
}

#define SUB_REPLY_MAX_LINES 100

/* sub_smtp_connect - connect with a time limit */

static int sub_smtp_connect(const char *server, int timeout, BUF *why)
{
    int     fd = -1;
    struct pollfd pfd;
    int     err = 0;
    socklen_t elen = sizeof(err);

    if (strncmp(server, "unix:", 5) == 0) {
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(server + 5) >= sizeof(sun.sun_path)) {
	    buf_sprintf(why, "socket path too long: %s", server + 5);
	    return (-1);
	}
	strcpy(sun.sun_path, server + 5);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0
	    || connect(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
	    buf_sprintf(why, "connect to %s: %s", server, strerror(errno));
	    if (fd >= 0)
		close(fd);
	    return (-1);
	}
	return (fd);
    } else {
	char    host[256];
	const char *colon = strrchr(server, ':');
	struct addrinfo hints, *res = 0, *ai;
	int     rc;

	if (colon == 0 || colon == server || (size_t) (colon - server) >= sizeof(host)) {
	    buf_sprintf(why, "bad server address \"%s\": need host:port or unix:/path",
			server);
	    return (-1);
	}
	memcpy(host, server, (size_t) (colon - server));
	host[colon - server] = 0;
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
	    memmove(host, host + 1, strlen(host));
	    host[strlen(host) - 1] = 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
	    buf_sprintf(why, "server address \"%s\": %s", server, gai_strerror(rc));
	    return (-1);
	}
	buf_sprintf(why, "connect to %s: no address", server);
	for (ai = res; ai; ai = ai->ai_next) {
	    if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			     0)) < 0)
		continue;
	    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		buf_sprintf(why, "connect to %s: %s", server, strerror(errno));
		close(fd);
		fd = -1;
		continue;
	    }
	    pfd.fd = fd;
	    pfd.events = POLLOUT;
	    if (poll(&pfd, 1, timeout * 1000) != 1) {
		buf_sprintf(why, "connect to %s: timed out after %ds", server, timeout);
		close(fd);
		fd = -1;
		continue;
	    }
	    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0) {
		buf_sprintf(why, "connect to %s: %s", server, strerror(err ? err : errno));
		close(fd);
		fd = -1;
		continue;
	    }
	    break;
	}
	freeaddrinfo(res);
	if (fd < 0)
	    return (-1);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	err = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &err, sizeof(err));
	return (fd);
    }
}

/* sub_smtp_getline - one reply line, CRLF removed; -1 on EOF/time-out */

static int sub_smtp_getline(SUB_SMTP *s, BUF *why)
{
    ssize_t n;

    buf_reset(s->line);
    for (;;) {
	while (s->in_pos < s->in_len) {
	    char    c = s->in[s->in_pos++];

	    if (c == '\n') {
		if (buf_len(s->line) && buf_str(s->line)[buf_len(s->line) - 1] == '\r')
		    buf_truncate(s->line, buf_len(s->line) - 1);
		return (0);
	    }
	    if (buf_len(s->line) < 4096)	/* never trust a length */
		buf_putc(s->line, c);
	}
	n = read(s->fd, s->in, sizeof(s->in));
	if (n < 0 && errno == EINTR)
	    continue;
	if (n <= 0) {
	    buf_sprintf(why, n == 0 ? "lost connection" :
			(errno == EAGAIN || errno == EWOULDBLOCK) ?
			"timed out waiting for reply" : "read error: %m");
	    return (-1);
	}
	s->in_len = (size_t) n;
	s->in_pos = 0;
    }
}

/* sub_smtp_flush - write pending output */

int     sub_smtp_flush(SUB_SMTP *s)
{
    size_t  off = 0;
    ssize_t n;

    while (off < buf_len(s->out)) {
	n = send(s->fd, buf_str(s->out) + off, buf_len(s->out) - off, MSG_NOSIGNAL);
	if (n < 0 && errno == EINTR)
	    continue;
	if (n <= 0) {
	    buf_reset(s->out);
	    return (-1);
	}
	off += (size_t) n;
    }
    buf_reset(s->out);
    return (0);
}

/* sub_smtp_reply - read one reply; code or -1 */

int     sub_smtp_reply(SUB_SMTP *s, BUF *text)
{
    int     code = -1;
    int     lines = 0;

    if (buf_len(s->out) && sub_smtp_flush(s) < 0) {
	buf_sprintf(text, "lost connection while sending");
	return (-1);
    }
    buf_reset(text);
    for (;;) {
	const char *l;

	if (sub_smtp_getline(s, text) < 0)
	    return (-1);
	l = buf_str(s->line);
	if (sub_smtp_trace)
	    sub_smtp_trace_line("<<<", l);
	if (buf_len(s->line) < 3 || l[0] < '2' || l[0] > '5'
	    || l[1] < '0' || l[1] > '9' || l[2] < '0' || l[2] > '9'
	    || (l[3] && l[3] != ' ' && l[3] != '-')) {
	    buf_sprintf(text, "malformed reply from server");
	    return (-1);
	}
	code = atoi(l);
	if (buf_len(text))
	    buf_putc(text, ' ');
	buf_puts(text, l[3] ? l + 4 : "");
	if (l[3] != '-' || ++lines > SUB_REPLY_MAX_LINES)
	    return (code);
    }
}

/* sub_smtp_put - buffer one command line */

void    sub_smtp_put(SUB_SMTP *s, const char *fmt,...)
{
    va_list ap;
    size_t  start = buf_len(s->out);

    va_start(ap, fmt);
    buf_vprintf(s->out, fmt, ap);
    va_end(ap);
    if (sub_smtp_trace)
	sub_smtp_trace_line(">>>", buf_str(s->out) + start);
    buf_append(s->out, "\r\n", 2);
}

/* sub_smtp_putdata - buffer raw (already encoded) data */

void    sub_smtp_putdata(SUB_SMTP *s, const char *data, size_t len)
{
    buf_append(s->out, data, len);
    /* Big messages: do not hold them twice. */
    if (buf_len(s->out) > 65536)
	(void) sub_smtp_flush(s);
}

/* sub_smtp_has - did EHLO announce this extension? */

int     sub_smtp_has(SUB_SMTP *s, int ext)
{
    return ((s->ext & ext) != 0);
}

/* sub_smtp_close - optionally QUIT, then close */

void    sub_smtp_close(SUB_SMTP *s, int quit)
{
    if (s == 0)
	return;
    if (quit) {
	BUF    *junk = buf_alloc(64);

	sub_smtp_put(s, "QUIT");
	(void) sub_smtp_reply(s, junk);
	buf_free(junk);
    }
    close(s->fd);
    buf_free(s->out);
    buf_free(s->line);
    free(s);
}

/* sub_smtp_open - connect, greeting, EHLO */

SUB_SMTP *sub_smtp_open(const char *server, int timeout, const char *helo,
			        int *unreachable, BUF *why)
{
    SUB_SMTP *s;
    struct timeval tv;
    int     fd;
    int     code;
    BUF    *text;

    /* Campaign workers open connections in parallel: read it once. */
    pthread_once(&sub_smtp_env_once, sub_smtp_env);
    *unreachable = 1;
    if ((fd = sub_smtp_connect(server, timeout, why)) < 0)
	return (0);
    tv.tv_sec = timeout;
    tv.tv_usec = 0;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    s = xcalloc(1, sizeof(*s));
    s->fd = fd;
    s->timeout = timeout;
    s->out = buf_alloc(4096);
    s->line = buf_alloc(512);
    text = buf_alloc(512);
    if ((code = sub_smtp_reply(s, text)) != 220) {
	buf_sprintf(why, "%s: bad greeting: %s%s", server,
		    code < 0 ? "" : "", buf_str(text));
	buf_free(text);
	sub_smtp_close(s, 0);
	return (0);
    }
    *unreachable = 0;
    sub_smtp_put(s, "EHLO %s", helo);
    if ((code = sub_smtp_reply(s, text)) != 250) {
	buf_sprintf(why, "%s: EHLO rejected: %d %s", server, code, buf_str(text));
	buf_free(text);
	sub_smtp_close(s, 0);
	return (0);
    }

    /*
     * The reply text holds every line joined by spaces; keywords are
     * whole words, so a match needs a separator on both sides.
     */
    {
	char   *t = buf_str(text);
	char   *w;

	for (w = strtok(t, " "); w; w = strtok(0, " ")) {
	    if (strcasecmp(w, "PIPELINING") == 0)
		s->ext |= SUB_EXT_PIPELINING;
	    else if (strcasecmp(w, "8BITMIME") == 0)
		s->ext |= SUB_EXT_8BITMIME;
	    else if (strcasecmp(w, "SMTPUTF8") == 0)
		s->ext |= SUB_EXT_SMTPUTF8;
	}
    }
    buf_free(text);
    return (s);
}

/* sub_smtp_data_encode - CRLF, dot-stuffing; returns 1 if 8-bit */

int     sub_smtp_data_encode(const char *in, size_t len, int dot_ends, BUF *out)
{
    size_t  i = 0;
    int     eight = 0;

    buf_reset(out);
    while (i < len) {
	size_t  j = i;
	size_t  end;

	while (j < len && in[j] != '\n')
	    j++;
	end = j;
	if (end > i && in[end - 1] == '\r')
	    end--;
	if (dot_ends && end - i == 1 && in[i] == '.')
	    break;
	if (end > i && in[i] == '.')
	    buf_putc(out, '.');
	for (size_t k = i; k < end; k++)
	    if ((unsigned char) in[k] >= 0x80)
		eight = 1;
	buf_append(out, in + i, end - i);
	buf_append(out, "\r\n", 2);
	i = j < len ? j + 1 : j;
    }
    return (eight);
}
