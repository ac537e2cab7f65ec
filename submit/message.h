#ifndef PF_MESSAGE_H
#define PF_MESSAGE_H

/*
 * NAME
 *	message 3 - the per-recipient message of a campaign
 * SYNOPSIS
 *	#include "message.h"
 *	int sub_msg_load(SUB_MSG *m, const char *path, BUF *why);
 *	void sub_msg_render(const SUB_MSG *m, const char *rcpt,
 *			    const char *vars, BUF *out);
 *	void sub_msg_vars_add(BUF *vars, const char *key, const char *value);
 *	int sub_msg_from(const char *from, BUF *header, BUF *addr, BUF *why);
 *	int sub_msg_time(const char *text, BUF *rfc3339, BUF *why);
 * DESCRIPTION
 *	sub_msg_load() reads --message FILE once (RFC 5322, LF or CRLF)
 *	and keeps its header block and body SMTP-encoded (CRLF, dot-
 *	stuffed); X-Postbulk-* headers in the file are dropped, because
 *	only submit may set them. path NULL (--template) gives an empty
 *	message: the milter supplies headers and body from the template.
 *
 *	sub_msg_render() makes the DATA of one transaction: From: and
 *	To: when the file has none, X-Postbulk-Campaign, -Template,
 *	-Vars, -Send-At and (m->advertising) "X-Postbulk-Advertising:
 *	yes" (the milter adds the Korean advertising marks), then the file's headers and body, without
 *	the final ".". X-Postbulk-Vars is folded (CRLF TAB) before an
 *	"&" when longer than 900 octets; receivers remove white space
 *	before parsing it (urlencoded values never contain any).
 *
 *	sub_msg_vars_add() appends "key=value" (urlencoded, "&"-joined).
 *	sub_msg_from() parses --from ("Name <addr>" or "addr"), RFC 2047-
 *	encodes a non-ASCII display name. sub_msg_time() parses --at
 *	("YYYY-MM-DD HH:MM[:SS]" local time, RFC 3339 with Z or an
 *	offset, or "@EPOCH") into RFC 3339 UTC.
 * DIAGNOSTICS
 *	-1 with why naming the file or the text.
 */
#include "buf.h"

typedef struct SUB_MSG {
    BUF    *headers;			/* encoded header block (no blank line) */
    BUF    *body;			/* encoded body */
    int     eight_bit;
    int     has_from, has_to;
    const char *campaign;
    const char *template;
    const char *from_header;		/* value for From: */
    const char *send_at;		/* RFC 3339 or NULL */
    int     advertising;		/* X-Postbulk-Advertising: yes */
} SUB_MSG;

int     sub_msg_load(SUB_MSG *, const char *, BUF *);
void    sub_msg_render(const SUB_MSG *, const char *, const char *, BUF *);
void    sub_msg_vars_add(BUF *, const char *, const char *);
int     sub_msg_from(const char *, BUF *, BUF *, BUF *);
int     sub_msg_time(const char *, BUF *, BUF *);

#endif
