/*
 * NAME
 *	pol_request 3 - parse Postfix SMTP access policy delegation requests
 * DESCRIPTION
 *	See pol_request.h. Two passes over the received bytes: the first
 *	only finds the empty line that ends the request and enforces the
 *	size limits (so a client that never sends a newline is caught after
 *	8 KiB, not after it filled our memory); the second cuts the lines
 *	in place and checks them, using the line ends the first pass
 *	recorded, one memchr() for NUL bytes over the whole request and one
 *	loop per line for the name and its '='. No copy, no allocation:
 *	this runs for every RCPT that Postfix sees.
 */

/* System library. */
#include <stddef.h>
#include <string.h>

/* Project library. */
#include "buf.h"

/* Application-specific. */
#include "pol_request.h"

typedef struct POL_KNOWN {
    const char *name;				/* 0 = empty slot */
    size_t  len;
    size_t  offset;
} POL_KNOWN;

#define KNOWN(f) { #f, sizeof(#f) - 1, offsetof(POL_REQUEST, f) }

 /*
  * The attributes the rules use, indexed by name length (at most two
  * share a length), so that each of the ~30 lines of a request costs at
  * most two memcmp() calls instead of a walk over the whole list.
  */
#define POL_KNOWN_LEN_MAX 14

static const POL_KNOWN pol_known[POL_KNOWN_LEN_MAX + 1][2] = {
    [4] = {KNOWN(size)},
    [6] = {KNOWN(sender)},
    [7] = {KNOWN(request)},
    [8] = {KNOWN(queue_id), KNOWN(instance)},
    [9] = {KNOWN(recipient), KNOWN(helo_name)},
    [11] = {KNOWN(client_name)},
    [13] = {KNOWN(protocol_name), KNOWN(sasl_username)},
    [14] = {KNOWN(protocol_state), KNOWN(client_address)},
};

/* pol_known_set - store a known attribute's value, last one wins */

static void pol_known_set(POL_REQUEST *req, const char *name, size_t len,
			          const char *value)
{
    if (len > POL_KNOWN_LEN_MAX)
	return;
    for (int j = 0; j < 2 && pol_known[len][j].name; j++) {
	const POL_KNOWN *k = &pol_known[len][j];

	if (memcmp(k->name, name, len) == 0) {
	    *(const char **) ((char *) req + k->offset) = value;
	    return;
	}
    }
}

/* POL_NAME_CHAR - attribute names: [a-z0-9_]+ */

#define POL_NAME_CHAR(c) (((c) >= 'a' && (c) <= 'z') \
			  || ((c) >= '0' && (c) <= '9') || (c) == '_')

/* pol_request_get - value of any attribute, NULL if absent */

const char *pol_request_get(const POL_REQUEST *req, const char *name)
{
    for (int i = req->nattr - 1; i >= 0; i--)
	if (strcmp(req->attr[i].name, name) == 0)
	    return (req->attr[i].value);
    return (0);
}

/* pol_request_parse - one complete request, in place */

int     pol_request_parse(POL_REQUEST *req, char *data, size_t len,
			          size_t *used, BUF *why)
{
    size_t  pos = 0;
    size_t  end = 0;
    int     lines = 0;
    int     found = 0;
    char   *nul;
    size_t  nls[POL_REQ_ATTR_MAX + 1];	/* newline offsets, from pass 1 */

    /*
     * Pass 1: find the end of the request, enforce the limits.
     */
    while (pos < len) {
	size_t  avail = len - pos;
	size_t  scan = avail < POL_REQ_LINE_MAX + 2 ? avail : POL_REQ_LINE_MAX + 2;
	char   *nl = memchr(data + pos, '\n', scan);
	size_t  llen;

	if (nl == 0) {
	    if (avail > POL_REQ_LINE_MAX + 1) {
		buf_sprintf(why, "line %d: attribute line longer than %d bytes",
			    lines + 1, POL_REQ_LINE_MAX);
		return (-1);
	    }
	    return (0);
	}
	llen = (size_t) (nl - (data + pos));
	if (llen > 0 && data[pos + llen - 1] == '\r')
	    llen--;
	if (llen > POL_REQ_LINE_MAX) {
	    buf_sprintf(why, "line %d: attribute line longer than %d bytes",
			lines + 1, POL_REQ_LINE_MAX);
	    return (-1);
	}
	nls[lines] = (size_t) (nl - data);
	lines++;
	if (llen == 0) {
	    end = (size_t) (nl - data) + 1;
	    found = 1;
	    break;
	}
	if (lines > POL_REQ_ATTR_MAX) {
	    buf_sprintf(why, "line %d: more than %d attributes",
			lines, POL_REQ_ATTR_MAX);
	    return (-1);
	}
	pos = (size_t) (nl - data) + 1;
    }
    if (!found)
	return (0);

    /*
     * Pass 2: cut and check each line.
     */
    /* Not the 1.6 kB attr[] array: only the slots we fill are read. */
    memset(&req->nattr, 0, sizeof(*req) - offsetof(POL_REQUEST, nattr));
    /* One scan for NUL bytes; reported below at the line that has one. */
    nul = memchr(data, 0, end);
    pos = 0;
    lines = 0;
    while (pos < end) {
	char   *line = data + pos;
	size_t  llen = nls[lines] - pos;
	char   *eq;

	pos += llen + 1;
	lines++;
	if (llen > 0 && line[llen - 1] == '\r')
	    llen--;
	if (llen == 0)
	    break;
	if (nul != 0 && nul < line + llen) {
	    buf_sprintf(why, "line %d: NUL byte in attribute line", lines);
	    return (-1);
	}
	line[llen] = 0;
	/* The name and its '=' in one pass (line[llen] stops it). */
	for (eq = line; POL_NAME_CHAR(*eq); eq++)
	     /* void */ ;
	if (*eq != '=') {
	    if (memchr(eq, '=', llen - (size_t) (eq - line)) == 0) {
		buf_sprintf(why, "line %d: missing '=' in attribute line", lines);
		return (-1);
	    }
	    buf_sprintf(why, "line %d: bad attribute name", lines);
	    return (-1);
	}
	if (eq == line) {
	    buf_sprintf(why, "line %d: bad attribute name", lines);
	    return (-1);
	}
	*eq = 0;
	req->attr[req->nattr].name = line;
	req->attr[req->nattr].value = eq + 1;
	req->nattr++;
	pol_known_set(req, line, (size_t) (eq - line), eq + 1);
    }
    if (req->request == 0) {
	buf_sprintf(why, "line %d: request without a \"request\" attribute",
		    lines);
	return (-1);
    }
    if (strcmp(req->request, "smtpd_access_policy") != 0) {
	buf_sprintf(why, "unsupported request type \"%.64s\"", req->request);
	return (-1);
    }
#define POL_EMPTY(field) if (req->field == 0) req->field = ""
    POL_EMPTY(protocol_state);
    POL_EMPTY(protocol_name);
    POL_EMPTY(sender);
    POL_EMPTY(recipient);
    POL_EMPTY(queue_id);
    POL_EMPTY(instance);
    POL_EMPTY(client_address);
    POL_EMPTY(client_name);
    POL_EMPTY(helo_name);
    POL_EMPTY(sasl_username);
    POL_EMPTY(size);
#undef POL_EMPTY
    *used = end;
    return (1);
}
