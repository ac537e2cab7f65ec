/*
 * NAME
 *	postbulk-bounce 8 - turn returned mail into status, suppression, backoff
 * SYNOPSIS
 *	postbulk-bounce [-c CONFIG] [-d] [-v] [-q QUEUEID] RECIPIENT SENDER
 *	postbulk-bounce --classify FILE...
 *	postbulk-bounce [-c CONFIG] [-d] [-v] --maillog FILE [--state FILE] [--once]
 * DESCRIPTION
 *	The command line of the three modes; see postbulk-bounce.8 and
 *	bp_pipe.c, bp_classify.c, bp_maillog.c.
 * EXIT STATUS
 *	Pipe mode: 0 recorded (or quarantined), 75 (EX_TEMPFAIL) try
 *	again later, 64 (EX_USAGE) bad command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sysexits.h>

#include "log.h"
#include "mem.h"
#include "buf.h"
#include "params.h"

#include "bp_report.h"
#include "bp_reason.h"
#include "bp_classify.h"
#include "bp_params.h"
#include "bp_pipe.h"
#include "bp_maillog.h"

#define BP_USAGE "usage: postbulk-bounce [-c CONFIG] [-d] [-v] [-q QUEUEID] RECIPIENT SENDER\n" \
	"       postbulk-bounce --classify FILE...\n" \
	"       postbulk-bounce [-c CONFIG] [-d] [-v] --maillog FILE [--state FILE] [--once]"

/* bp_read_file - whole file into a buffer, -1 on error */

static int bp_read_file(const char *path, BUF *out)
{
    char    blk[65536];
    ssize_t n;
    int     fd;

    /* read(2) straight into a block: no stdio buffer to copy through. */
    buf_reset(out);
    if ((fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY)) < 0)
	return (-1);
    while ((n = read(fd, blk, sizeof(blk))) != 0) {
	if (n < 0) {
	    if (errno == EINTR)
		continue;
	    if (fd != 0)
		close(fd);
	    return (-1);
	}
	buf_append(out, blk, (size_t) n);
    }
    if (fd != 0)
	close(fd);
    return (0);
}

/* bp_classify_files - --classify mode */

static int bp_classify_files(int argc, char **argv)
{
    BUF    *data = buf_alloc(65536), *why = buf_alloc(128);
    int     i, j, status = 0;
    int     facts = getenv("POSTBULK_BOUNCE_FACTS") != 0;

    /* JIT compilation pays off from a few messages on. */
    bp_use_jit = (argc > 4);

    for (i = 0; i < argc; i++) {
	BP_REPORT *rep;

	if (bp_read_file(argv[i], data) < 0) {
	    log_warn("%s: %m", argv[i]);
	    status = EX_NOINPUT;
	    continue;
	}
	if ((rep = bp_classify(buf_str(data), buf_len(data), why)) == 0) {
	    log_warn("%s: %s", argv[i], buf_str(why));
	    continue;
	}
	if (rep->nrcpt == 0)
	    log_warn("%s: no recipient found", argv[i]);
	for (j = 0; j < rep->nrcpt; j++) {
	    BP_RCPT *r = rep->rcpt + j;

	    printf("%s\t%s\t%s\t%s\t%d\n", argv[i], buf_str(r->addr), r->status,
		   r->reason, r->hard);
	    if (facts)
		fprintf(stderr, "%s: facts: reply=%s action=%s diagtype=%s "
			"command=%s hint=%s rhost=%s diag=%.300s\n", argv[i], r->reply,
			r->action, r->diagtype, r->command, r->hint, buf_str(r->rhost),
			buf_str(r->diag));
	}
	bp_report_free(rep);
    }
    if (fflush(stdout) != 0)
	log_fatal_status(EX_IOERR, "write error: %m");
    buf_free(data);
    buf_free(why);
    return (status);
}

/* bp_read_stdin - the message, at most limit bytes kept */

static void bp_read_stdin(BUF *out, long limit, int *truncated)
{
    char    blk[65536];
    size_t  n;

    *truncated = 0;
    while ((n = fread(blk, 1, sizeof(blk), stdin)) > 0) {
	if ((long) (buf_len(out) + n) > limit) {
	    n = buf_len(out) < (size_t) limit ? (size_t) limit - buf_len(out) : 0;
	    *truncated = 1;
	}
	buf_append(out, blk, n);
    }
    if (ferror(stdin))
	log_fatal_status(EX_TEMPFAIL, "read error on standard input: %m");
}

int     main(int argc, char **argv)
{
    const char *config = 0, *queue_id = 0, *maillog = 0, *state = 0;
    int     flags = 0, once = 0, i, truncated;
    /* Static: still reachable when a fatal error exits (LeakSanitizer). */
    static BUF *why, *data;

    if (argc >= 2 && strcmp(argv[1], "--classify") == 0) {
	log_init("postbulk-bounce", LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
	if (argc < 3)
	    log_fatal_status(EX_USAGE, "%s", BP_USAGE);
	return (bp_classify_files(argc - 2, argv + 2));
    }
    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
	if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
	    config = argv[++i];
	else if (strcmp(argv[i], "-q") == 0 && i + 1 < argc)
	    queue_id = argv[++i];
	else if (strcmp(argv[i], "-d") == 0)
	    flags |= LOG_FLAG_STDERR;
	else if (strcmp(argv[i], "-v") == 0)
	    flags |= LOG_FLAG_VERBOSE;
	else if (strcmp(argv[i], "--maillog") == 0 && i + 1 < argc)
	    maillog = argv[++i];
	else if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
	    state = argv[++i];
	else if (strcmp(argv[i], "--once") == 0)
	    once = 1;
	else if (strcmp(argv[i], "--") == 0) {
	    i++;
	    break;
	} else {
	    log_init("postbulk-bounce", LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
	    log_fatal_status(EX_USAGE, "%s", BP_USAGE);
	}
    }
    log_init("postbulk-bounce", flags);
    why = buf_alloc(128);
    if (params_load(config, bp_params, "bounce_", why) < 0)
	/* Pipe mode: defer, so that a config typo loses no bounce. */
	log_fatal_status(maillog ? EX_CONFIG : EX_TEMPFAIL, "%s", buf_str(why));
    if (maillog) {
	if (i != argc)
	    log_fatal_status(EX_USAGE, "%s", BP_USAGE);
	return (bp_maillog_follow(maillog, state, once));
    }
    if (argc - i != 2)
	log_fatal_status(EX_USAGE, "%s", BP_USAGE);
    data = buf_alloc(65536);
    bp_read_stdin(data, var_bp_size_limit, &truncated);
    if (truncated)
	log_warn("%s: message larger than %s=%ld: only its start is read",
		 queue_id ? queue_id : "NOQUEUE", VAR_BP_SIZE_LIMIT, var_bp_size_limit);
    return (bp_pipe(argv[i], argv[i + 1], queue_id, buf_str(data), buf_len(data)));
}
