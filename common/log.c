/*
 * NAME
 *	log 3 - Postfix-style logging to syslog (LOG_MAIL) and/or stderr
 * DESCRIPTION
 *	See log.h. One module so every postbulk program logs the same way:
 *	syslog facility mail, tag = program name, pid, and Postfix's
 *	"warning:" / "fatal:" prefixes that admins already grep for.
 */

/* System library. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>

/* Project library. */
#include "log.h"

static const char *log_prog = "postbulk";
static int log_mode = LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG;

/* log_init - choose destinations */

void    log_init(const char *prog, int flags)
{
    const char *slash = strrchr(prog, '/');

    log_prog = slash ? slash + 1 : prog;
    log_mode = flags;
    if (getenv("POSTBULK_VERBOSE"))
	log_mode |= LOG_FLAG_VERBOSE;
    if (!(log_mode & LOG_FLAG_NOSYSLOG))
	openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

/* log_flags - current destinations */

int     log_flags(void)
{
    return (log_mode);
}

/* log_vemit - write one line to every destination */

static void log_vemit(int prio, const char *prefix, const char *fmt, va_list ap)
{
    int     saved_errno = errno;
    char    line[4096];
    char   *cp;
    char    fmtbuf[1024];
    size_t  n = 0;

    /*
     * Expand %m ourselves so that stderr output gets it too; vfprintf
     * does not know %m in strict C11 mode.
     */
    for (const char *f = fmt; *f && n + 64 < sizeof(fmtbuf); f++) {
	if (f[0] == '%' && f[1] == '%') {
	    fmtbuf[n++] = *f++;
	    fmtbuf[n++] = *f;
	} else if (f[0] == '%' && f[1] == 'm') {
	    const char *e = strerror(saved_errno);

	    for (; *e && n + 3 < sizeof(fmtbuf) - 1; e++) {
		if (*e == '%')
		    fmtbuf[n++] = '%';
		fmtbuf[n++] = *e;
	    }
	    f++;
	} else {
	    fmtbuf[n++] = *f;
	}
    }
    fmtbuf[n] = 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(line, sizeof(line), fmtbuf, ap);
#pragma GCC diagnostic pop
    for (cp = line; *cp; cp++)
	if (*cp == '\n' || *cp == '\r')
	    *cp = ' ';
    if (!(log_mode & LOG_FLAG_NOSYSLOG))
	syslog(prio, "%s%s", prefix, line);
    if (log_mode & LOG_FLAG_STDERR)
	fprintf(stderr, "%s: %s%s\n", log_prog, prefix, line);
    errno = saved_errno;
}

#define LOG_WRAPPER(name, prio, prefix) \
void name(const char *fmt, ...) \
{ \
    va_list ap; \
    va_start(ap, fmt); \
    log_vemit(prio, prefix, fmt, ap); \
    va_end(ap); \
}

LOG_WRAPPER(log_info, LOG_INFO, "")
LOG_WRAPPER(log_warn, LOG_WARNING, "warning: ")
LOG_WRAPPER(log_error, LOG_ERR, "error: ")

/* log_verbose - debug output, only when asked for */

void    log_verbose(const char *fmt,...)
{
    va_list ap;

    if (!(log_mode & LOG_FLAG_VERBOSE))
	return;
    va_start(ap, fmt);
    log_vemit(LOG_DEBUG, "", fmt, ap);
    va_end(ap);
}

/* log_fatal_status - log and exit with a sysexits code */

void    log_fatal_status(int status, const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vemit(LOG_CRIT, "fatal: ", fmt, ap);
    va_end(ap);
    exit(status);
}

/* log_fatal - unusable environment: log and exit EX_SOFTWARE */

void    log_fatal(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vemit(LOG_CRIT, "fatal: ", fmt, ap);
    va_end(ap);
    exit(EX_SOFTWARE);
}

/* log_panic - broken invariant: log and abort */

void    log_panic(const char *fmt,...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vemit(LOG_CRIT, "panic: ", fmt, ap);
    va_end(ap);
    abort();
}

/* log_quote - make untrusted text safe for one log line */

const char *log_quote(const char *s, char *buf, size_t len)
{
    size_t  n = 0;

    if (len == 0)
	return ("");
    for (; s && *s && n + 5 < len; s++) {
	unsigned char c = (unsigned char) *s;

	if (c < 0x20 || c == 0x7f || c == '\\') {
	    n += (size_t) snprintf(buf + n, len - n, "\\%03o", c);
	} else {
	    buf[n++] = (char) c;
	}
    }
    buf[n] = 0;
    return (buf);
}
