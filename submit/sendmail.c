/*
 * NAME
 *	sendmail 3 - sendmail(1)-compatible mode of postbulk-submit
 * SYNOPSIS
 *	#include "sendmail.h"
 *	int sub_sendmail_main(int argc, char **argv);
 * DESCRIPTION
 *	Flags (as Postfix's sendmail(1)): -t -i -oi -f ADDR -r ADDR
 *	-F NAME -bm -odi -odb -oem -oep -v -- and recipients. Values may
 *	be attached (-fADDR) or separate (-f ADDR). With -t, recipients
 *	also come from To:, Cc: and Bcc:, and Bcc: is removed.
 *
 *	One transaction: MAIL, every RCPT (pipelined when PIPELINING is
 *	offered), then DATA only when no recipient got a 4xx reply,
 *	because a message that went to some recipients and must be
 *	retried for others would be sent twice by an application that
 *	retries. BODY=8BITMIME and SMTPUTF8 are added when needed and
 *	offered.
 *
 *	Nothing is lost: when the listener cannot be reached at all
 *	(nothing was said to it), the message goes to Postfix's own
 *	sendmail (submit_fallback = sendmail, with a warning) or the
 *	program exits EX_TEMPFAIL (submit_fallback = tempfail) so that
 *	the application keeps it and retries.
 * DIAGNOSTICS
 *	One line "postbulk-submit: REASON" on stderr for every failure.
 *	Exit codes: 0 sent; EX_USAGE bad flags or no recipients;
 *	EX_DATAERR bad address syntax, 8-bit address without SMTPUTF8;
 *	EX_NOUSER every (or some, see the man page) recipient rejected
 *	with 5.1.x; EX_UNAVAILABLE other 5xx replies; EX_TEMPFAIL 4xx,
 *	time-outs, lost connections; EX_IOERR stdin unreadable;
 *	EX_CONFIG bad configuration; EX_OSERR fallback not runnable.
 */

/* System library. */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

/* Project library. */
#include "log.h"
#include "mem.h"
#include "buf.h"
#include "addr.h"

/* Application-specific. */
#include "sub_params.h"
#include "smtp_client.h"
#include "addr_list.h"
#include "sendmail.h"

typedef struct SUB_SM_ARGS {
    int     extract;			/* -t */
    int     dot_ok;			/* -i, -oi: "." does not end input */
    int     verbose;			/* -v */
    const char *sender;			/* -f, -r */
    const char *fullname;		/* -F */
    const char *config;			/* -C (config file of postbulk) */
    char  **rcpt;
    int     nrcpt;
    int     rcpt_size;
} SUB_SM_ARGS;

/* sub_sm_add_rcpt - remember one recipient */

static void sub_sm_add_rcpt(const char *addr, void *ctx)
{
    SUB_SM_ARGS *a = ctx;

    if (a->nrcpt == a->rcpt_size) {
	a->rcpt_size = a->rcpt_size ? 2 * a->rcpt_size : 8;
	a->rcpt = xrealloc(a->rcpt, sizeof(char *) * (size_t) a->rcpt_size);
    }
    a->rcpt[a->nrcpt++] = xstrdup(addr);
}

/* sub_sm_die - one-line reason, exit code */

static int sub_sm_fail(int code, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static int sub_sm_fail(int code, const char *fmt,...)
{
    va_list ap;

    fprintf(stderr, "postbulk-submit: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return (code);
}

/* sub_sm_args - parse sendmail flags; 0 or an exit code */

static int sub_sm_args(int argc, char **argv, SUB_SM_ARGS *a)
{
    int     i;

    for (i = 1; i < argc; i++) {
	const char *arg = argv[i];

	if (strcmp(arg, "--") == 0) {
	    i++;
	    break;
	}
	if (arg[0] != '-' || arg[1] == 0)
	    break;
#define SUB_SM_VALUE(var) do { \
	    if (arg[2]) (var) = arg + 2; \
	    else if (i + 1 < argc) (var) = argv[++i]; \
	    else return (sub_sm_fail(EX_USAGE, "option %s needs a value", arg)); \
	} while (0)
	switch (arg[1]) {
	case 't':
	    if (arg[2])
		goto bad;
	    a->extract = 1;
	    break;
	case 'i':
	    if (arg[2])
		goto bad;
	    a->dot_ok = 1;
	    break;
	case 'v':
	    a->verbose++;
	    break;
	case 'f':
	case 'r':
	    SUB_SM_VALUE(a->sender);
	    break;
	case 'F':
	    SUB_SM_VALUE(a->fullname);
	    break;
	case 'C':
	    SUB_SM_VALUE(a->config);
	    break;
	case 'b':
	    if (strcmp(arg, "-bm") != 0)
		return (sub_sm_fail(EX_USAGE, "unsupported mode %s (only -bm; use "
				    "Postfix's sendmail or postqueue for others)",
				    arg));
	    break;
	case 'o':
	    if (strcmp(arg, "-oi") == 0)
		a->dot_ok = 1;
	    else if (strcmp(arg, "-odi") == 0 || strcmp(arg, "-odb") == 0
		     || strcmp(arg, "-oem") == 0 || strcmp(arg, "-oep") == 0
		     || strcmp(arg, "-oee") == 0 || strcmp(arg, "-oeq") == 0
		     || strcmp(arg, "-oew") == 0)
		 /* delivery mode and error mode: always synchronous SMTP */ ;
	    else
		goto bad;
	    break;
	default:
    bad:
	    return (sub_sm_fail(EX_USAGE, "unsupported option %s", arg));
	}
    }
    for (; i < argc; i++)
	sub_addr_list(argv[i], sub_sm_add_rcpt, a);
    return (0);
}

/* sub_sm_read - read the message; 0 or -1 */

static int sub_sm_read(FILE *fp, int dot_ok, BUF *raw)
{
    char    chunk[65536];
    size_t  n;

    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
	buf_append(raw, chunk, n);
    if (ferror(fp))
	return (-1);
    /* Without -i a line with a single "." ends the message. */
    if (!dot_ok) {
	const char *s = buf_str(raw);
	size_t  len = buf_len(raw);

	for (size_t pos = 0; pos < len;) {
	    const char *nl = memchr(s + pos, '\n', len - pos);
	    size_t  end = nl ? (size_t) (nl - s) : len;
	    size_t  e = end;

	    if (e > pos && s[e - 1] == '\r')
		e--;
	    if (e - pos == 1 && s[pos] == '.') {
		buf_truncate(raw, pos);
		break;
	    }
	    pos = end + 1;
	}
    }
    return (0);
}

/* sub_sm_headers - -t: collect To/Cc/Bcc, delete Bcc */

static void sub_sm_headers(BUF *raw, SUB_SM_ARGS *a, int extract, int *has_from)
{
    BUF    *out = buf_alloc(buf_len(raw) + 1);
    BUF    *hdr = buf_alloc(256);
    const char *s = buf_str(raw);
    size_t  len = buf_len(raw);
    size_t  pos = 0;

    *has_from = 0;
    while (pos < len) {
	size_t  start = pos;
	size_t  hend;
	const char *colon;

	/* End of headers: an empty line, or a line that is not a header. */
	if (s[pos] == '\n' || (s[pos] == '\r' && pos + 1 < len && s[pos + 1] == '\n'))
	    break;
	/* One logical header: the line and its continuation lines. */
	for (hend = pos;;) {
	    const char *nl = memchr(s + hend, '\n', len - hend);

	    hend = nl ? (size_t) (nl - s) + 1 : len;
	    if (hend >= len || (s[hend] != ' ' && s[hend] != '\t'))
		break;
	}
	colon = memchr(s + start, ':', hend - start);
	if (colon == 0) {
	    break;
	}
	for (const char *c = s + start; c < colon; c++)
	    if (isspace((unsigned char) *c) || (unsigned char) *c < 33)
		goto body;
	{
	    size_t  nlen = (size_t) (colon - (s + start));
	    int     is_bcc = (nlen == 3 && strncasecmp(s + start, "Bcc", 3) == 0);

	    if (nlen == 4 && strncasecmp(s + start, "From", 4) == 0)
		*has_from = 1;
	    if (extract && (is_bcc || (nlen == 2 && strncasecmp(s + start, "To", 2) == 0)
			    || (nlen == 2 && strncasecmp(s + start, "Cc", 2) == 0))) {
		buf_reset(hdr);
		for (const char *c = colon + 1; c < s + hend; c++)
		    if (*c != '\r' && *c != '\n')
			buf_putc(hdr, *c);
		sub_addr_list(buf_str(hdr), sub_sm_add_rcpt, a);
	    }
	    if (!(extract && is_bcc))
		buf_append(out, s + start, hend - start);
	}
	pos = hend;
    }
body:
    buf_append(out, s + pos, len - pos);
    buf_reset(raw);
    buf_append(raw, buf_str(out), buf_len(out));
    buf_free(out);
    buf_free(hdr);
}

/* sub_sm_fallback - hand the message to Postfix's sendmail */

static int sub_sm_fallback(SUB_SM_ARGS *a, BUF *raw)
{
    int     pfd[2];
    pid_t   pid;
    int     status;
    char  **av;
    int     n = 0;
    size_t  off = 0;

    av = xcalloc((size_t) a->nrcpt + 12, sizeof(char *));
    av[n++] = var_sub_sendmail;
    if (*var_sub_sendmail_conf) {
	av[n++] = "-C";
	av[n++] = var_sub_sendmail_conf;
    }
    av[n++] = "-i";
    if (a->sender) {
	av[n++] = "-f";
	av[n++] = (char *) a->sender;
    }
    if (a->fullname) {
	av[n++] = "-F";
	av[n++] = (char *) a->fullname;
    }
    av[n++] = "--";
    for (int i = 0; i < a->nrcpt; i++)
	av[n++] = a->rcpt[i];
    av[n] = 0;
    if (pipe(pfd) < 0)
	return (sub_sm_fail(EX_OSERR, "pipe: %s", strerror(errno)));
    if ((pid = fork()) < 0)
	return (sub_sm_fail(EX_OSERR, "fork: %s", strerror(errno)));
    if (pid == 0) {
	dup2(pfd[0], 0);
	close(pfd[0]);
	close(pfd[1]);
	execv(var_sub_sendmail, av);
	fprintf(stderr, "postbulk-submit: cannot run %s: %s\n",
		var_sub_sendmail, strerror(errno));
	_exit(EX_OSERR);
    }
    close(pfd[0]);
    signal(SIGPIPE, SIG_IGN);
    while (off < buf_len(raw)) {
	ssize_t w = write(pfd[1], buf_str(raw) + off, buf_len(raw) - off);

	if (w < 0 && errno == EINTR)
	    continue;
	if (w <= 0)
	    break;
	off += (size_t) w;
    }
    close(pfd[1]);
    free(av);
    while (waitpid(pid, &status, 0) < 0)
	if (errno != EINTR)
	    return (sub_sm_fail(EX_OSERR, "waitpid: %s", strerror(errno)));
    if (WIFEXITED(status))
	return (WEXITSTATUS(status));
    return (sub_sm_fail(EX_TEMPFAIL, "%s died with signal %d", var_sub_sendmail,
			WTERMSIG(status)));
}

/* sub_sm_ascii - is this string 7-bit? */

static int sub_sm_ascii(const char *s)
{
    for (; *s; s++)
	if ((unsigned char) *s >= 0x80)
	    return (0);
    return (1);
}

/* sub_sm_send - one SMTP transaction; exit code */

static int sub_sm_send(SUB_SMTP *s, SUB_SM_ARGS *a, BUF *raw)
{
    BUF    *text = buf_alloc(256);
    BUF    *data = buf_alloc(buf_len(raw) + 1024);
    int     eight = sub_smtp_data_encode(buf_str(raw), buf_len(raw), 0, data);
    int     utf8 = !sub_sm_ascii(a->sender);
    int     code;
    int     ok = 0, temp = 0, perm = 0, nouser = 0;
    int     ret = 0;
    BUF    *why = buf_alloc(256);

    for (int i = 0; i < a->nrcpt; i++)
	if (!sub_sm_ascii(a->rcpt[i]))
	    utf8 = 1;
    if (utf8 && !sub_smtp_has(s, SUB_EXT_SMTPUTF8)) {
	ret = sub_sm_fail(EX_DATAERR, "8-bit address and %s does not offer SMTPUTF8",
			  var_sub_server);
	goto done;
    }
    sub_smtp_put(s, "MAIL FROM:<%s>%s%s", a->sender,
		 eight && sub_smtp_has(s, SUB_EXT_8BITMIME) ? " BODY=8BITMIME" : "",
		 utf8 ? " SMTPUTF8" : "");
    if (!sub_smtp_has(s, SUB_EXT_PIPELINING)) {
	if ((code = sub_smtp_reply(s, text)) != 250)
	    goto mail_fail;
    }
    for (int i = 0; i < a->nrcpt; i++)
	sub_smtp_put(s, "RCPT TO:<%s>", a->rcpt[i]);
    if (sub_smtp_has(s, SUB_EXT_PIPELINING)) {
	if ((code = sub_smtp_reply(s, text)) != 250) {
    mail_fail:
	    if (code < 0)
		ret = sub_sm_fail(EX_TEMPFAIL, "%s: %s", var_sub_server, buf_str(text));
	    else
		ret = sub_sm_fail(code >= 500 ? EX_UNAVAILABLE : EX_TEMPFAIL,
				  "sender <%s> rejected: %d %s", a->sender, code,
				  buf_str(text));
	    goto done;
	}
    }
    for (int i = 0; i < a->nrcpt; i++) {
	code = sub_smtp_reply(s, text);
	if (code < 0) {
	    ret = sub_sm_fail(EX_TEMPFAIL, "%s: %s; nothing was sent", var_sub_server,
			      buf_str(text));
	    goto done;
	}
	if (code / 100 == 2) {
	    ok++;
	} else {
	    fprintf(stderr, "postbulk-submit: recipient <%s> rejected: %d %s\n",
		    a->rcpt[i], code, buf_str(text));
	    if (code >= 500) {
		perm++;
		if (strncmp(buf_str(text), "5.1.", 4) == 0)
		    nouser++;
	    } else
		temp++;
	}
    }
    if (temp > 0 || ok == 0) {
	/* Send nothing; the application keeps the message. */
	sub_smtp_put(s, "RSET");
	(void) sub_smtp_reply(s, text);
	if (temp > 0)
	    ret = sub_sm_fail(EX_TEMPFAIL, "%d recipient(s) deferred; nothing was sent, "
			      "try again later", temp);
	else
	    ret = sub_sm_fail(nouser == perm ? EX_NOUSER : EX_UNAVAILABLE,
			      "all %d recipient(s) rejected; nothing was sent", perm);
	goto done;
    }
    sub_smtp_put(s, "DATA");
    if ((code = sub_smtp_reply(s, text)) != 354) {
	ret = sub_sm_fail(code < 0 || code < 500 ? EX_TEMPFAIL : EX_UNAVAILABLE,
			  "DATA: %d %s; nothing was sent", code, buf_str(text));
	goto done;
    }
    sub_smtp_putdata(s, buf_str(data), buf_len(data));
    sub_smtp_putdata(s, ".\r\n", 3);
    code = sub_smtp_reply(s, text);
    if (code < 0) {
	ret = sub_sm_fail(EX_TEMPFAIL, "%s after the message was sent; the outcome is "
			  "unknown (it may have been queued)", buf_str(text));
	goto done;
    }
    if (code != 250) {
	ret = sub_sm_fail(code >= 500 ? EX_UNAVAILABLE : EX_TEMPFAIL,
			  "message rejected: %d %s", code, buf_str(text));
	goto done;
    }
    if (a->verbose)
	fprintf(stderr, "postbulk-submit: sent to %d recipient(s): %s\n", ok,
		buf_str(text));
    if (perm > 0)
	ret = sub_sm_fail(nouser == perm ? EX_NOUSER : EX_UNAVAILABLE,
			  "sent to %d recipient(s), %d rejected (see above); do not "
			  "resend to the others", ok, perm);
    sub_smtp_close(s, 1);
    s = 0;
done:
    if (s)
	sub_smtp_close(s, 1);
    buf_free(text);
    buf_free(data);
    buf_free(why);
    return (ret);
}

/* sub_sendmail_main - the whole sendmail mode */

int     sub_sendmail_main(int argc, char **argv)
{
    SUB_SM_ARGS a;
    BUF    *why = buf_alloc(256);
    BUF    *raw = buf_alloc(65536);
    SUB_SMTP *s;
    int     unreachable;
    int     has_from;
    int     ret;
    char    sender_buf[256];

    memset(&a, 0, sizeof(a));
    if ((ret = sub_sm_args(argc, argv, &a)) != 0)
	{ ret = (ret); goto out; }
    if (sub_params_load(a.config, why) < 0)
	{ ret = (sub_sm_fail(EX_CONFIG, "%s", buf_str(why))); goto out; }
    sub_smtp_trace = a.verbose > 0;
    if (a.sender == 0) {
	struct passwd *pw = getpwuid(getuid());

	if (pw == 0)
	    { ret = (sub_sm_fail(EX_OSERR, "no user name for uid %ld", (long) getuid())); goto out; }
	snprintf(sender_buf, sizeof(sender_buf), "%s", pw->pw_name);
	a.sender = sender_buf;
    } else if (strcmp(a.sender, "<>") == 0) {
	a.sender = "";
    }
    for (int i = 0; i < a.nrcpt; i++) {
	if (strchr(a.rcpt[i], '@') && addr_check_syntax(a.rcpt[i], why) < 0)
	    { ret = (sub_sm_fail(EX_DATAERR, "bad recipient address \"%s\": %s",
				a.rcpt[i], buf_str(why))); goto out; }
    }
    if (*a.sender && strchr(a.sender, '@') && addr_check_syntax(a.sender, why) < 0)
	{ ret = (sub_sm_fail(EX_DATAERR, "bad sender address \"%s\": %s", a.sender,
			    buf_str(why))); goto out; }
    if (sub_sm_read(stdin, a.dot_ok, raw) < 0)
	{ ret = (sub_sm_fail(EX_IOERR, "read message from stdin: %s", strerror(errno))); goto out; }
    {
	int     before = a.nrcpt;

	sub_sm_headers(raw, &a, a.extract, &has_from);
	for (int i = before; i < a.nrcpt; i++)
	    if (strchr(a.rcpt[i], '@') && addr_check_syntax(a.rcpt[i], why) < 0)
		{ ret = (sub_sm_fail(EX_DATAERR, "bad recipient address \"%s\" in "
				    "message header: %s", a.rcpt[i], buf_str(why))); goto out; }
    }
    if (a.nrcpt == 0)
	{ ret = (sub_sm_fail(EX_USAGE, "no recipient addresses (give them as arguments "
			    "or use -t)")); goto out; }
    if (!has_from && a.fullname) {
	BUF    *nraw = buf_alloc(buf_len(raw) + 256);

	buf_sprintf(nraw, "From: \"%s\" <%s>\n", a.fullname, a.sender);
	buf_append(nraw, buf_str(raw), buf_len(raw));
	buf_free(raw);
	raw = nraw;
    }
    s = sub_smtp_open(var_sub_server, (int) var_sub_timeout, var_sub_helo,
		      &unreachable, why);
    if (s == 0) {
	if (!unreachable)
	    { ret = (sub_sm_fail(EX_TEMPFAIL, "%s", buf_str(why))); goto out; }
	if (strcmp(var_sub_fallback, "tempfail") == 0)
	    { ret = (sub_sm_fail(EX_TEMPFAIL, "%s; message not sent (submit_fallback = "
				"tempfail)", buf_str(why))); goto out; }
	fprintf(stderr, "postbulk-submit: warning: %s; handing the message to %s\n",
		buf_str(why), var_sub_sendmail);
	ret = sub_sm_fallback(&a, raw);
    } else {
	ret = sub_sm_send(s, &a, raw);
    }
out:
    buf_free(raw);
    buf_free(why);
    for (int i = 0; i < a.nrcpt; i++)
	free(a.rcpt[i]);
    free(a.rcpt);
    return (ret);
}
