/*
 * NAME
 *	pol_request_test 1 - golden-file driver for pol_request
 * SYNOPSIS
 *	pol_request_test [chunk] <file.in
 * DESCRIPTION
 *	Feeds standard input to pol_request_parse() the way the server
 *	does: in chunks of "chunk" bytes (default: all at once; 1 = one
 *	byte at a time, which exercises every "need more data" path), and
 *	prints one line per parsed request, or the error that would close
 *	the connection (and stops there, as the server does). Output must
 *	not depend on the chunk size.
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Project library. */
#include "buf.h"
#include "log.h"
#include "mem.h"

/* Application-specific. */
#include "pol_request.h"

static void show(int n, const POL_REQUEST *req)
{
    char    q[6][200];

    printf("request %d: attrs=%d state=%s sender=<%s> recipient=<%s> "
	   "queue_id=%s instance=%s client=%s\n", n, req->nattr,
	   log_quote(req->protocol_state, q[0], sizeof(q[0])),
	   log_quote(req->sender, q[1], sizeof(q[1])),
	   log_quote(req->recipient, q[2], sizeof(q[2])),
	   log_quote(req->queue_id, q[3], sizeof(q[3])),
	   log_quote(req->instance, q[4], sizeof(q[4])),
	   log_quote(req->client_address, q[5], sizeof(q[5])));
}

/* Reachable until exit: LeakSanitizer does not count them. */
static BUF *in, *why;
static char *data;

int     main(int argc, char **argv)
{
    size_t  chunk = argc > 1 ? (size_t) atol(argv[1]) : 0;
    char    block[4096];
    size_t  n, fed = 0, off = 0;
    size_t  have = 0;
    int     count = 0;

    log_init(argv[0], LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    in = buf_alloc(1 << 16);
    why = buf_alloc(100);
    while ((n = fread(block, 1, sizeof(block), stdin)) > 0)
	buf_append(in, block, n);
    if (chunk == 0)
	chunk = buf_len(in) ? buf_len(in) : 1;
    data = xmalloc(buf_len(in) + 1);
    while (fed < buf_len(in) || have > off) {
	size_t  step = buf_len(in) - fed < chunk ? buf_len(in) - fed : chunk;
	int     progress = 0;

	memcpy(data + have, buf_str(in) + fed, step);
	have += step;
	fed += step;
	for (;;) {
	    POL_REQUEST req;
	    size_t  used;
	    int     rc = pol_request_parse(&req, data + off, have - off, &used, why);

	    if (rc < 0) {
		char    q[300];

		printf("error: %s\n", log_quote(buf_str(why), q, sizeof(q)));
		return (0);
	    }
	    if (rc == 0)
		break;
	    show(++count, &req);
	    {
		const char *v = pol_request_get(&req, "policy_context");

		if (v && *v)
		    printf("  policy_context=%s\n", v);
	    }
	    off += used;
	    progress = 1;
	}
	if (fed == buf_len(in) && !progress)
	    break;
    }
    if (have > off)
	printf("incomplete: %zu bytes left\n", have - off);
    printf("end: %d requests\n", count);
    return (0);
}
