#ifndef PF_SMTP_CLIENT_H
#define PF_SMTP_CLIENT_H

/*
 * NAME
 *	smtp_client 3 - minimal ESMTP client for the postbulk listener
 * SYNOPSIS
 *	#include "smtp_client.h"
 *	SUB_SMTP *sub_smtp_open(const char *server, int timeout,
 *				const char *helo, int *unreachable, BUF *why);
 *	void sub_smtp_put(SUB_SMTP *s, const char *fmt, ...);
 *	void sub_smtp_putdata(SUB_SMTP *s, const char *data, size_t len);
 *	int sub_smtp_flush(SUB_SMTP *s);
 *	int sub_smtp_reply(SUB_SMTP *s, BUF *text);
 *	void sub_smtp_close(SUB_SMTP *s, int quit);
 *	int sub_smtp_has(SUB_SMTP *s, int ext);
 *	int sub_smtp_data_encode(const char *in, size_t len, int dot_ends,
 *				 BUF *out);
 * DESCRIPTION
 *	sub_smtp_open() connects to "host:port" or "unix:/path", reads
 *	the greeting and sends EHLO; the extensions the server announced
 *	are then known to sub_smtp_has() (SUB_EXT_PIPELINING,
 *	SUB_EXT_8BITMIME, SUB_EXT_SMTPUTF8). *unreachable is set when
 *	nothing could be said to the server (connect refused or timed
 *	out, bad greeting): the caller may then fall back safely.
 *
 *	sub_smtp_put() and sub_smtp_putdata() only buffer; PIPELINING
 *	(RFC 2920) is thus the caller's order of put/flush/reply.
 *	sub_smtp_reply() flushes, reads one (multi-line) reply and
 *	returns its code, the text lines joined by a space in text;
 *	-1 on a lost connection or time-out (reason in text).
 *
 *	sub_smtp_data_encode() turns a message with LF or CRLF line ends
 *	into SMTP DATA form: CRLF, dot-stuffed, ending in CRLF, without
 *	the final ".". With dot_ends a line holding only "." ends the
 *	message (sendmail without -i). Returns 1 when the message has
 *	8-bit octets.
 *
 *	With SUB_SMTP_TRACE set in the environment, or sub_smtp_trace
 *	non-zero, the dialogue goes to stderr (sendmail -v);
 *	SUB_SMTP_TRACE=time prefixes each line with the time of day in
 *	seconds.microseconds.
 * DIAGNOSTICS
 *	Lost connections and time-outs are returned, never fatal.
 */
#include <stddef.h>

#include "buf.h"

typedef struct SUB_SMTP SUB_SMTP;

#define SUB_EXT_PIPELINING	(1<<0)
#define SUB_EXT_8BITMIME	(1<<1)
#define SUB_EXT_SMTPUTF8	(1<<2)

extern int sub_smtp_trace;

SUB_SMTP *sub_smtp_open(const char *, int, const char *, int *, BUF *);
void    sub_smtp_put(SUB_SMTP *, const char *,...) __attribute__((format(printf, 2, 3)));
void    sub_smtp_putdata(SUB_SMTP *, const char *, size_t);
int     sub_smtp_flush(SUB_SMTP *);
int     sub_smtp_reply(SUB_SMTP *, BUF *);
void    sub_smtp_close(SUB_SMTP *, int);
int     sub_smtp_has(SUB_SMTP *, int);
int     sub_smtp_data_encode(const char *, size_t, int, BUF *);

#endif
