#ifndef PF_BP_MIME_H
#define PF_BP_MIME_H

/*
 * NAME
 *	bp_mime 3 - take a returned message apart with GMime
 * SYNOPSIS
 *	#include "bp_mime.h"
 *	BP_MIME *bp_mime_parse(const char *data, size_t len);
 *	void bp_mime_free(BP_MIME *m);
 * DESCRIPTION
 *	bp_mime_parse() parses one RFC 5322 message and sorts its parts
 *	for the classifier. Every text is converted to UTF-8 from its
 *	declared charset (EUC-KR, ISO-2022-KR, ISO-2022-JP, ...; an
 *	undeclared 8-bit text is tried as UTF-8, then EUC-KR, then
 *	Latin-1), transfer encodings are undone:
 * .IP text
 *	the human-readable part: text/plain (or text/html without tags)
 *	parts of the report itself, before the returned original,
 *	joined by newlines.
 * .IP dsn
 *	message/delivery-status (or message/global-delivery-status) bodies.
 * .IP arf
 *	message/feedback-report bodies (RFC 5965).
 * .IP orig
 *	the headers of the returned original message (message/rfc822,
 *	text/rfc822-headers), when attached as a MIME part.
 * .PP
 *	Header fields of the report itself are read with bp_mime_header().
 * .PP
 *	For speed, GMime is not given the message as it is: the report's
 *	own header block and the header blocks of returned originals
 *	(message/rfc822) are read from the raw text, the originals' bodies
 *	are left out, and GMime parses the remaining MIME structure (the
 *	report's Content-Type and Content-Transfer-Encoding fields, its
 *	parts, transfer encodings). A returned original reaches GMime as a
 *	part without header fields that holds one stand-in line (GMime
 *	builds no message object for it). A header block with anything but
 *	plain "Name: value" fields and continuation lines, a boundary line
 *	inside a header block, or a structure the line scan is unsure
 *	about, goes to GMime unchanged. The result is the same either way.
 *	Text/html parts are decoded only when no text/plain part is found.
 *
 *	Most messages do not reach GMime's parser at all: bp_mimescan(3)
 *	reads their MIME structure by a line scan and gives up (to the
 *	way above) on anything unusual.
 *
 *	bp_mime_gmime_only = 1 (tests only) gives GMime every message as
 *	it is: no line scan, no pre-cut, the header block read by GMime.
 *	The differential tests compare the fast ways against it. = 2 gives
 *	GMime the message with only the two fields of the report's header
 *	block that it needs: GMime 3.2 does not always read the same parts
 *	when the message moves in its 4 KB read buffer, and the fuzz target
 *	skips inputs where 1 and 2 disagree.
 * DIAGNOSTICS
 *	bp_mime_parse() returns NULL when GMime finds no message at all.
 */
#include <stddef.h>

#include "buf.h"

typedef struct BP_MIME {
    BUF    *headers;			/* top-level header block, unfolded, UTF-8 */
    BUF    *text;			/* human-readable report text */
    BUF    *dsn;			/* delivery-status bodies */
    BUF    *arf;			/* feedback-report bodies */
    BUF    *orig;			/* returned original's header block */
    char   *content_type;		/* top-level "type/subtype" lowercase */
    char   *report_type;		/* multipart/report report-type */
} BP_MIME;

extern int bp_mime_gmime_only;
BP_MIME *bp_mime_parse(const char *, size_t);
void    bp_mime_free(BP_MIME *);
int     bp_mime_header(const BUF *, const char *, BUF *);
void    bp_mime_to_utf8(const char *, size_t, const char *, BUF *);

 /* Shared with bp_mimescan.c. */
int     bp_mime_rawhdr_ok(const char *, const char *);
void    bp_mime_rawhdr(const char *, const char *, int, BUF *);
void    bp_mime_html(const char *, BUF *);

#endif
