#ifndef PF_LOG_H
#define PF_LOG_H

/*
 * NAME
 *	log 3 - Postfix-style logging to syslog (LOG_MAIL) and/or stderr
 * SYNOPSIS
 *	#include "log.h"
 *	void log_init(const char *prog, int flags);
 *	void log_info(const char *fmt, ...);
 *	void log_warn(const char *fmt, ...);	prefix "warning: "
 *	void log_error(const char *fmt, ...);	prefix "error: "
 *	void log_fatal(const char *fmt, ...);	prefix "fatal: ", exit(EX_SOFTWARE)
 *	void log_fatal_status(int status, const char *fmt, ...);
 *	void log_panic(const char *fmt, ...);	prefix "panic: ", abort()
 *	void log_verbose(const char *fmt, ...);	only when LOG_FLAG_VERBOSE
 *	const char *log_quote(const char *s, char *buf, size_t len);
 * DESCRIPTION
 *	Lines look like Postfix's: "QUEUEID: key=value, key=value". %m
 *	works as in syslog(3) because vsyslog/vfprintf are given errno.
 *	LOG_FLAG_STDERR copies every line to stderr as "prog: line";
 *	LOG_FLAG_NOSYSLOG turns syslog off (tests, command-line tools).
 *	log_quote() makes untrusted text safe to log (strnvis-like:
 *	control and non-ASCII bytes become \ooo), truncating to len.
 */
#include <stddef.h>

#define LOG_FLAG_STDERR   (1<<0)
#define LOG_FLAG_NOSYSLOG (1<<1)
#define LOG_FLAG_VERBOSE  (1<<2)

#define PF_PRINTF(a, b) __attribute__((format(printf, a, b)))

void    log_init(const char *prog, int flags);
int     log_flags(void);
void    log_info(const char *fmt,...) PF_PRINTF(1, 2);
void    log_warn(const char *fmt,...) PF_PRINTF(1, 2);
void    log_error(const char *fmt,...) PF_PRINTF(1, 2);
void    log_verbose(const char *fmt,...) PF_PRINTF(1, 2);
_Noreturn void log_fatal(const char *fmt,...) PF_PRINTF(1, 2);
_Noreturn void log_fatal_status(int status, const char *fmt,...) PF_PRINTF(2, 3);
_Noreturn void log_panic(const char *fmt,...) PF_PRINTF(1, 2);
const char *log_quote(const char *s, char *buf, size_t len);

#endif
