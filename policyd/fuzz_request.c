/*
 * NAME
 *	fuzz_request - libFuzzer target for the policy request parser
 * SYNOPSIS
 *	clang -fsanitize=fuzzer,address -Icommon -Ipolicyd \
 *	    policyd/fuzz_request.c policyd/pol_request.c common/buf.c \
 *	    common/mem.c common/log.c -o fuzz_request
 *	./fuzz_request -max_len=70000 tests/policyd/request/
 * DESCRIPTION
 *	Feeds the input the way pol_server does: split at a point chosen
 *	by the first byte, parse every complete request, keep the rest,
 *	append the second part, parse again. Checks the parser's contract:
 *	consumed length within the data, every known field set, attribute
 *	count within the limit, names only [a-z0-9_], and that a partial
 *	request is left untouched (0 = "need more").
 *	Build it in a copy of the tree (rsync -a --exclude .git), never in
 *	/work/main.
 */

/* System library. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Project library. */
#include "buf.h"
#include "log.h"

/* Application-specific. */
#include "pol_request.h"

static void fz_check(const POL_REQUEST *req)
{
    if (req->nattr < 1 || req->nattr > POL_REQ_ATTR_MAX)
	abort();
    if (!req->protocol_state || !req->sender || !req->recipient
	|| !req->queue_id || !req->instance || !req->client_address)
	abort();
    for (int i = 0; i < req->nattr; i++) {
	const char *n = req->attr[i].name;

	if (*n == 0 || strlen(req->attr[i].value) > POL_REQ_LINE_MAX)
	    abort();
	for (; *n; n++)
	    if (!((*n >= 'a' && *n <= 'z') || (*n >= '0' && *n <= '9') || *n == '_'))
		abort();
    }
}

/* fz_drain - parse all complete requests of buf[0..len) */

static int fz_drain(char *buf, size_t *len, BUF *why)
{
    size_t  off = 0;

    for (;;) {
	POL_REQUEST req;
	size_t  used = (size_t) -1;
	char   *copy = malloc(*len - off + 1);
	int     rc;

	memcpy(copy, buf + off, *len - off);
	rc = pol_request_parse(&req, buf + off, *len - off, &used, why);
	if (rc == 0 && memcmp(copy, buf + off, *len - off) != 0)
	    abort();				/* "need more" must not modify */
	free(copy);
	if (rc < 0)
	    return (-1);
	if (rc == 0)
	    break;
	if (used == 0 || used > *len - off)
	    abort();
	fz_check(&req);
	off += used;
    }
    memmove(buf, buf + off, *len - off);
    *len -= off;
    return (0);
}

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static BUF *why;
    char   *buf;
    size_t  split, len;

    if (why == 0) {
	log_init("fuzz_request", LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
	why = buf_alloc(100);
    }
    if (size == 0)
	return (0);
    split = size > 1 ? data[0] % size : 0;
    buf = malloc(size + 1);
    memcpy(buf, data + 1, split > 0 ? split - 1 : 0);
    len = split > 0 ? split - 1 : 0;
    if (fz_drain(buf, &len, why) == 0) {
	memcpy(buf + len, data + (split > 0 ? split : 1), size - (split > 0 ? split : 1));
	len += size - (split > 0 ? split : 1);
	(void) fz_drain(buf, &len, why);
    }
    free(buf);
    return (0);
}
