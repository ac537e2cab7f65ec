#ifndef PF_MLT_MIME_H
#define PF_MLT_MIME_H

/*
 * NAME
 *	mlt_mime 3 - merge variables into a whole MIME message with GMime
 * SYNOPSIS
 *	#include "mlt_mime.h"
 *	void mlt_mime_init(void);
 *	int mlt_mime_merge(const char *msg, size_t len, MLT_VARS *vars,
 *			   const MLT_MERGE_OPTS *opts, MLT_HDRS *hdrs,
 *			   BUF *body, BUF *why);
 *	void mlt_hdrs_add(MLT_HDRS *hdrs, const char *name, const char *value);
 *	void mlt_hdrs_free(MLT_HDRS *hdrs);
 *	void mlt_fold(const char *name, const char *value, BUF *out);
 * DESCRIPTION
 *	mlt_mime_merge() parses msg (headers and MIME body; LF or CRLF),
 *	replaces ${key} placeholders in every top-level header (except
 *	X-Postbulk-*, which are dropped) and in every text/plain and
 *	text/html leaf that is not an attachment, and writes the result:
 *	hdrs receives the final top-level headers in order, each value
 *	7-bit (RFC 2047 UTF-8 encoded words for non-ASCII text, address
 *	headers encoded per address) and free of CR/LF/NUL; the MIME
 *	headers (MIME-Version, Content-*) come last, as GMime wrote them
 *	for the re-encoded body. body receives the body with CRLF line
 *	ends; changed text parts are UTF-8, base64 or quoted-printable,
 *	whichever GMime finds shorter for 7-bit transport.
 *
 *	opts->missing_empty: a missing key becomes "" instead of an error.
 *	opts->subject_prefix: when not NULL and the Subject does not
 *	start with it, the Subject becomes "PREFIX Subject".
 *	opts->footer: when not NULL, appended to every text part (a new
 *	line before it), and HTML-escaped with line breaks as <br> before
 *	the last </body> of every HTML part (appended when none).
 *
 *	mlt_fold() formats a header value for Postfix: lines are folded
 *	with "\n " at white space near 78 columns; a value that has no
 *	white space stays on one line.
 * DIAGNOSTICS
 *	mlt_mime_merge() returns 0; -1 when a variable is missing (why
 *	holds its name); -2 when the message cannot be parsed (why says so).
 */
#include <stddef.h>

#include "buf.h"
#include "mlt_merge.h"

typedef struct MLT_HDR {
    char   *name;
    char   *value;
} MLT_HDR;

typedef struct MLT_HDRS {
    MLT_HDR *h;
    size_t  count;
    size_t  size;
} MLT_HDRS;

typedef struct MLT_MERGE_OPTS {
    int     missing_empty;
    const char *subject_prefix;
    const char *footer;
} MLT_MERGE_OPTS;

void    mlt_mime_init(void);
int     mlt_mime_merge(const char *, size_t, MLT_VARS *, const MLT_MERGE_OPTS *,
		               MLT_HDRS *, BUF *, BUF *);
void    mlt_hdrs_add(MLT_HDRS *, const char *, const char *);
void    mlt_hdrs_free(MLT_HDRS *);
void    mlt_fold(const char *, const char *, BUF *);

#endif
