/*
 * NAME
 *	bp_scrape 3 - facts from the human-readable text of a bounce
 * DESCRIPTION
 *	See bp_scrape.h. The command and delay phrases are those the MTAs
 *	print (qmail-remote.c, Exim's transports/smtp.c, Postfix's
 *	smtp_proto.c "in reply to ... command", Sendmail's ">>>" session
 *	transcript), as collected in Sisimai's Lhost modules.
 */
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "mem.h"
#include "log.h"
#include "buf.h"

#include "bp_report.h"
#include "bp_reason.h"
#include "bp_rxlit.h"
#include "bp_scrape.h"

static pcre2_code *bp_re(const char *pat)
{
    pcre2_code *re;
    int     err;
    PCRE2_SIZE off;

    re = pcre2_compile((PCRE2_SPTR) pat, PCRE2_ZERO_TERMINATED,
		       PCRE2_CASELESS | PCRE2_MULTILINE, &err, &off, NULL);
    if (re == 0)
	log_panic("bp_scrape: bad built-in pattern at %zu", (size_t) off);
    if (bp_use_jit)
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return (re);
}

#define BP_ADDR_RE \
    "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*" \
    "@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"

/* bp_scrape_addr - the mailbox in a field value */

int     bp_scrape_addr(const char *s, BUF *out)
{
    static pcre2_code *re;
    static pcre2_match_data *md;
    char   *copy = 0;
    int     rc;

    if (re == 0) {
	re = bp_re(BP_ADDR_RE);
	md = pcre2_match_data_create_from_pattern(re, NULL);
    }
    /* s may be part of out's own data. */
    if ((uintptr_t) s >= (uintptr_t) out->data
	&& (uintptr_t) s <= (uintptr_t) (out->data + out->len))
	s = copy = xstrdup(s);
    rc = pcre2_match(re, (PCRE2_SPTR) s, strlen(s), 0, 0, md, NULL);
    if (rc > 0) {
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

	buf_reset(out);
	buf_append(out, s + ov[0], ov[1] - ov[0]);
    }
    free(copy);
    return (rc > 0);
}

/* bp_scrape_hdrline - does the line at s start with a header-like label? */

static int bp_scrape_hdrline(const char *s)
{
    static const char *const labels[] = {
	"subject:", "sent:", "date:", "from:", "cc:", 0,
    };
    const char *const *cp;

    while (*s == ' ' || *s == '\t')
	s++;
    for (cp = labels; *cp; cp++)
	if (strncasecmp(s, *cp, strlen(*cp)) == 0)
	    return (1);
    return (0);
}

/*
 * bp_scrape_quoted_to - a "To:" line inside a summary of the returned
 * message's own header ("Your message / To: ... / Subject: ... / Sent:
 * ..." of Exchange, Lotus Notes, Groupwise): it names the original To:,
 * which may hold many addresses that did not fail, not a failed one.
 */
static int bp_scrape_quoted_to(const char *text, const char *line_start)
{
    const char *s = line_start, *p, *e;

    while (*s == ' ' || *s == '\t')
	s++;
    if (strncasecmp(s, "to:", 3) != 0)
	return (0);
    /* The line before, if any. */
    if (line_start > text) {
	p = line_start - 1;
	while (p > text && p[-1] != '\n')
	    p--;
	if (bp_scrape_hdrline(p))
	    return (1);
    }
    /* The line after, if any. */
    if ((e = strchr(line_start, '\n')) != 0 && bp_scrape_hdrline(e + 1))
	return (1);
    return (0);
}

/* bp_scrape_skip - addresses that are never the failed recipient */

static int bp_scrape_skip(const char *text, const char *addr, const char *line_start,
			          const char *at, const char *const *exclude, int strict)
{
    static const char *const locals[] = {
	"postmaster@", "mailer-daemon@", "mailer_daemon@", "maildaemon@",
	"no-reply@", "noreply@", "abuse@", 0,
    };
    const char *const *cp;
    BUF    *line;
    int     skip = 0;

    /* A daemon address alone on a recipient line may be the recipient. */
    for (cp = locals; !strict && *cp; cp++)
	if (strncasecmp(addr, *cp, strlen(*cp)) == 0)
	    return (1);
    for (cp = exclude; cp && *cp; cp++)
	if (**cp && strcasecmp(addr, *cp) == 0)
	    return (1);
    /* Message ids, URLs and headers of the original are not recipients. */
    if (at > line_start && (at[-1] == '/' || at[-1] == '='))
	return (1);
    if (at - line_start >= 7 && strncasecmp(at - 7, "mailto:", 7) == 0)
	return (1);
    if (strict && bp_scrape_quoted_to(text, line_start))
	return (1);
    /* The line, ASCII lowercase: the tests below are caseless. */
    {
	const char *e = strchr(at, '\n');

	line = buf_alloc(128);
	buf_append(line, line_start, (size_t) ((e ? e : at + strlen(at)) - line_start));
	bp_ascii_lower(buf_str(line));
    }
    if (strstr(buf_str(line), "message-id") || strstr(buf_str(line), "in-reply-to")
	|| strstr(buf_str(line), "references:") || strstr(buf_str(line), "return-path")
	|| strncmp(buf_str(line), "from:", 5) == 0
	|| strstr(buf_str(line), "envelope-from")
	|| strstr(buf_str(line), "contact")
	|| strstr(buf_str(line), "sender address")
	|| strstr(buf_str(line), "mail from:")
	|| strstr(buf_str(line), "mail from "))
	skip = 1;
    buf_free(line);
    return (skip);
}

/* bp_scrape_pass - addresses in text, all or only line-leading ones */

static int bp_scrape_pass(const char *text, const char *const *exclude,
			          BP_REPORT *rep, int strict)
{
    static pcre2_code *re, *line_re;
    pcre2_code *use;
    pcre2_match_data *md;
    size_t  start = 0, len = strlen(text);
    int     found = 0;
    BUF    *a = buf_alloc(64);

    if (re == 0) {
	re = bp_re(BP_ADDR_RE);
	/* A recipient alone at the start of a line: qmail, Postfix, Exim, Sendmail. */
	line_re = bp_re("^[ \\t]*(?:RCPT TO:|To:|Recipient:|Original-Recipient:)?[ \\t]*[<\"]?\\K(?>"
			BP_ADDR_RE ")(?=[>\"]?(?:[:.,;]|[ \\t]*$|[ \\t]+\\(|[ \\t]+host |\\.\\.\\.|[ \\t]+[-:]|[ \\t]+\\[?[A-Za-z]|[ \\t]+<[^<>\\s]+@[^<>\\s]+>:))");
    }
    use = strict ? line_re : re;
    md = pcre2_match_data_create_from_pattern(use, NULL);
    while (start < len && pcre2_match(use, (PCRE2_SPTR) text, len, start, 0, md, NULL) > 0) {
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	const char *ls = text + ov[0];

	while (ls > text && ls[-1] != '\n')
	    ls--;
	buf_reset(a);
	buf_append(a, text + ov[0], ov[1] - ov[0]);
	/* Trailing dot of a sentence is not part of the domain. */
	start = ov[1];
	if (!bp_scrape_skip(text, buf_str(a), ls, text + ov[0], exclude, strict)
	    && bp_report_find(rep, buf_str(a)) == 0
	    && bp_report_add(rep, buf_str(a)) != 0)
	    found++;
    }
    pcre2_match_data_free(md);
    buf_free(a);
    return (found);
}

/* bp_scrape_rcpts - recipients named in the text */

int     bp_scrape_rcpts(const char *text, const char *const *exclude, BP_REPORT *rep)
{
    int     n;

    if ((n = bp_scrape_pass(text, exclude, rep, 1)) > 0)
	return (n);
    return (bp_scrape_pass(text, exclude, rep, 0));
}

/*
 * bp_scrape_status_line - the start of the Sendmail status line about
 * addr after from ("550 5.1.1 <a@b>... User unknown", "554 <a@b>...
 * 550 Host unknown"), or NULL. Reply lines quoted from the remote
 * ("<<< 550 ...") are not status lines.
 */
static const char *bp_scrape_status_line(const char *text, const char *from,
					         const char *addr)
{
    size_t  n = strlen(addr);
    const char *p = from, *ls, *q;

    while (n > 0 && (p = bp_strcasestr(p, addr)) != 0) {
	for (ls = p; ls > text && ls[-1] != '\n'; ls--)
	     /* void */ ;
	q = ls;
	if (isdigit((unsigned char) q[0]) && isdigit((unsigned char) q[1])
	    && isdigit((unsigned char) q[2]) && (q[3] == ' ' || q[3] == '-')) {
	    for (q += 4; *q == ' ' || *q == '\t'; q++)
		 /* void */ ;
	    if (isdigit((unsigned char) q[0]) && q[1] == '.') {
		while (*q && *q != ' ' && *q != '\n')
		    q++;
		while (*q == ' ' || *q == '\t')
		    q++;
	    }
	    if (*q == '<')
		q++;
	    if (q == p) {
		q = p + n;
		if (*q == '>')
		    q++;
		if (strncmp(q, "...", 3) == 0)
		    return (ls);
	    }
	}
	p += n;
    }
    return (0);
}

/*
 * bp_scrape_exchange - Sendmail's session transcript about addr
 *
 * Sendmail writes its transcript in time order: for each recipient the
 * exchange with the remote host (">>> RCPT To:<a@b>", "<<< 550 ...",
 * "... while talking to host:"), then its own status line about the
 * recipient ("550 5.1.1 <a@b>... User unknown"). So what is about a
 * recipient is the text after the previous recipient's status line (or
 * after the "Transcript of session follows" line) up to and including
 * its own status line; what follows it is about the next recipient.
 * Returns the start of that text and its end in *end, or NULL when text
 * has no transcript or no status line about addr.
 */
static const char *bp_scrape_exchange(const char *text, const char *addr,
				              const char *const *others, const char **end)
{
    const char *mark, *own, *start, *p, *q;
    const char *const *cp;

    if ((mark = bp_strcasestr(text, "transcript of session follows")) == 0
	|| (own = bp_scrape_status_line(text, mark, addr)) == 0)
	return (0);
    start = strchr(mark, '\n');
    start = start ? start + 1 : mark + strlen(mark);
    for (cp = others; cp && *cp; cp++) {
	if (strcasecmp(*cp, addr) == 0)
	    continue;
	/* The last status line of another recipient before ours. */
	for (p = start; (q = bp_scrape_status_line(text, p, *cp)) != 0 && q < own;) {
	    p = strchr(q, '\n');
	    if (p == 0)
		break;
	    start = ++p;
	}
    }
    if (start > own)
	start = own;
    p = strchr(own, '\n');
    *end = p ? p + 1 : own + strlen(own);
    return (start);
}

/* bp_scrape_diag - the part of text about one recipient */

int     bp_scrape_diag(const char *text, const char *addr,
		               const char *const *others, BUF *out)
{
    const char *at = bp_strcasestr(text, addr), *end = 0, *p;
    const char *xs, *xe = 0, *mark;
    const char *const *cp;

    buf_reset(out);
    if (at == 0) {
	buf_puts(out, text);
	return (0);
    }
    while (at > text && at[-1] != '\n')
	at--;
    xs = bp_scrape_exchange(text, addr, others, &xe);
    if (xs && (mark = bp_strcasestr(text, "transcript of session follows")) != 0
	&& at >= mark) {
	/* Named first in the transcript: its exchange is all about it. */
	buf_append(out, xs, (size_t) (xe - xs));
	return (1);
    }
    for (cp = others; cp && *cp; cp++) {
	if (strcasecmp(*cp, addr) == 0)
	    continue;
	p = bp_strcasestr(at + 1, *cp);
	if (p) {
	    while (p > at && p[-1] != '\n')
		p--;
	    if (p > at && (end == 0 || p < end))
		end = p;
	}
    }
    if (xs) {
	/* Its lines in the list of failed addresses, then its exchange. */
	mark = bp_strcasestr(text, "transcript of session follows");
	while (mark > at && mark[-1] != '\n')
	    mark--;
	if (end == 0 || end > mark)
	    end = mark;
	buf_append(out, at, (size_t) (end - at));
	buf_append(out, xs, (size_t) (xe - xs));
	return (1);
    }
    buf_append(out, at, end ? (size_t) (end - at) : strlen(at));
    return (1);
}

/*
 * bp_scrape_any - does a lowercase text contain any of the words? The
 * word searches here use bp_lcfind(): fast in a text bp_lcindex() indexed.
 */
static int bp_scrape_any(const char *lc, const char *const *words)
{
    for (; *words; words++)
	if (bp_lcfind(lc, *words))
	    return (1);
    return (0);
}

/* bp_scrape_have - which of the words (at most 32) a lowercase text contains */

static unsigned bp_scrape_have(const char *lc, const char *const *words)
{
    unsigned have = 0;
    int     j;

    for (j = 0; words[j]; j++)
	if (bp_lcfind(lc, words[j]))
	    have |= 1U << j;
    return (have);
}

/*
 * A command pattern split into its alternatives (bp_rxlit(3)): only those
 * whose literal the text contains run, each compiled when first needed;
 * the leftmost match of the pattern is the leftmost of theirs.
 */
typedef struct BP_SCRAPE_RX {
    int     nalt;			/* alternatives with a literal */
    BP_RXALT *alt;
    pcre2_code **re;			/* theirs, or null until needed */
    unsigned *need;			/* need words each literal contains */
    pcre2_code *rest;			/* the others, or the whole */
} BP_SCRAPE_RX;

/*
 * bp_scrape_lit_ok - a literal that is in the folded lowercase text of
 * every text it is in (caselessly): no white space at its ends, single
 * spaces only inside (bp_lowercase() folds runs of white space).
 */
static int bp_scrape_lit_ok(const char *lit)
{
    const char *c;

    if (lit == 0 || *lit == ' ')
	return (0);
    for (c = lit; *c; c++)
	if (*c == '\t' || *c == '\n' || *c == '\r' || *c == '\f' || *c == '\v'
	    || (*c == ' ' && (c[1] == ' ' || c[1] == 0)))
	    return (0);
    return (1);
}

/* bp_scrape_rx_prepare - split a command pattern */

static BP_SCRAPE_RX *bp_scrape_rx_prepare(const char *pat, const char *const *need)
{
    BP_SCRAPE_RX *rx = xcalloc(1, sizeof(*rx));
    BP_RXALT *alt;
    BUF    *rest;
    int     i, j, n, nrest = 0;

    if ((n = bp_rxlit_split(pat, 0, &alt)) < 0) {
	rx->rest = bp_re(pat);
	return (rx);
    }
    rx->alt = xcalloc(n + 1, sizeof(*rx->alt));
    rx->re = xcalloc(n + 1, sizeof(*rx->re));
    rx->need = xcalloc(n + 1, sizeof(*rx->need));
    rest = buf_alloc(256);
    for (i = 0; i < n; i++) {
	if (bp_scrape_lit_ok(alt[i].lit)) {
	    for (j = 0; need[j]; j++)
		if (strstr(alt[i].lit, need[j]))
		    rx->need[rx->nalt] |= 1U << j;
	    rx->alt[rx->nalt].src = xstrdup(alt[i].src);
	    rx->alt[rx->nalt++].lit = xstrdup(alt[i].lit);
	    continue;
	}
	if (nrest++)
	    buf_putc(rest, '|');
	buf_puts(rest, alt[i].src);
    }
    if (nrest)
	rx->rest = bp_re(buf_str(rest));
    buf_free(rest);
    bp_rxlit_free(alt, n);
    return (rx);
}

/*
 * bp_scrape_rx_first - the leftmost match of a command pattern in text
 * (lc: its bp_lowercase() form, have: the need words it contains, as
 * bits); its start in *pos. Returns 1 found.
 */
static int bp_scrape_rx_first(BP_SCRAPE_RX *rx, const char *text, size_t len,
			              const char *lc, unsigned have,
			              pcre2_match_data *md, size_t *pos)
{
    size_t  best = (size_t) -1;
    int     i;

    for (i = 0; i < rx->nalt; i++) {
	/* A literal with a need word the text lacks is not in it either. */
	if ((rx->need[i] & ~have) != 0 || !bp_lcfind(lc, rx->alt[i].lit))
	    continue;
	if (rx->re[i] == 0)
	    rx->re[i] = bp_re(rx->alt[i].src);
	if (pcre2_match(rx->re[i], (PCRE2_SPTR) text, len, 0, 0, md, NULL) > 0
	    && pcre2_get_ovector_pointer(md)[0] < best)
	    best = pcre2_get_ovector_pointer(md)[0];
    }
    if (rx->rest && pcre2_match(rx->rest, (PCRE2_SPTR) text, len, 0, 0, md, NULL) > 0
	&& pcre2_get_ovector_pointer(md)[0] < best)
	best = pcre2_get_ovector_pointer(md)[0];
    *pos = best;
    return (best != (size_t) -1);
}

/*
 * Each command pattern with the lowercase words one of which every match
 * contains ("need"): a text with none of them is not searched. Keep both
 * in step when a pattern changes.
 */
static const char *const bp_conn_need[] = {"connection", "greeting", "refused", 0};
static const char *const bp_ehlo_need[] = {"helo", "ehlo", "lhlo", "my name was rejected", 0};
static const char *const bp_mail_need[] = {"mail from", "sender", "progress was mail",
"mail command", "mail_from", 0};
static const char *const bp_rcpt_need[] = {"rcpt", "recipient", 0};
static const char *const bp_data_need[] = {"data", "sent the message", "sending message", 0};

static const struct {
    const char *cmd;
    const char *pat;
    const char *const *need;
}       bp_scrape_cmds[] = {
    {"CONN", "after initial connection|but greeting failed|greeting was rejected"
     "|connection refused by|refused to talk to me|lost connection with .* while receiving the initial",
    bp_conn_need},
    {"EHLO", "in reply to (?:helo|ehlo|lhlo)|after (?:helo|ehlo)|but my name was rejected"
     "|>>> (?:helo|ehlo)|ehlo command rejected|helo command rejected|after sending (?:helo|ehlo)",
    bp_ehlo_need},
    {"MAIL", "in reply to mail from|after mail from|but sender was rejected|>>> mail from"
     "|mail from command|after sending mail from|sender address rejected|most progress was mail"
     "|after mail command|\\[mail_from\\]|smtp command[-:\\s]*mail from",
    bp_mail_need},
    {"RCPT", "in reply to rcpt to|after rcpt to|does not like recipient|>>> rcpt to"
     "|rcpt to command|most progress was rcpt|after sending rcpt to|rcpt to response"
     "|recipient address rejected|in reply to rcpt|after rcpt command|\\[rcpt_to\\]"
     "|did not like our rcpt"
     "|smtp command[-:\\s]*rcpt to",
    bp_rcpt_need},
    {"DATA", "in reply to (?:end of )?data|after (?:end of )?data|failed on data command"
     "|failed after i sent the message|did not like our (?:final )?data|>>> data"
     "|after sending message|after sending data|in reply to the end of data|most progress was data"
     "|after data command|\\[data\\]|smtp command[-:\\s]*data",
    bp_data_need},
    {0, 0, 0},
};

static BP_SCRAPE_RX *bp_scrape_cmd_rx[8];	/* bp_scrape_cmds[], split */
static pcre2_match_data *bp_scrape_md;
static BUF *bp_scrape_lc;			/* the text, bp_lowercase() */

/* bp_scrape_init - split the command patterns, the shared buffers */

static void bp_scrape_init(void)
{
    int     i;

    if (bp_scrape_md)
	return;
    for (i = 0; bp_scrape_cmds[i].cmd; i++)
	bp_scrape_cmd_rx[i] = bp_scrape_rx_prepare(bp_scrape_cmds[i].pat,
						   bp_scrape_cmds[i].need);
    bp_scrape_md = pcre2_match_data_create(8, NULL);
    bp_scrape_lc = buf_alloc(1024);
}

/*
 * bp_scrape_cmd - the SMTP command whose pattern matches leftmost in
 * text (lc: its bp_lowercase() form) into cmd[len]; unchanged if none.
 */
static void bp_scrape_cmd(const char *text, size_t tlen, const char *lc,
			          char *cmd, size_t len)
{
    size_t  best = (size_t) -1, pos;
    unsigned have;
    int     i;

    for (i = 0; bp_scrape_cmds[i].cmd; i++) {
	have = bp_scrape_have(lc, bp_scrape_cmds[i].need);
	if (have != 0
	    && bp_scrape_rx_first(bp_scrape_cmd_rx[i], text, tlen, lc, have,
				  bp_scrape_md, &pos)
	    && pos < best) {
	    best = pos;
	    bp_strlcpy(cmd, bp_scrape_cmds[i].cmd, len);
	}
    }
}

/* bp_scrape_command - the SMTP command text names, or "" */

void    bp_scrape_command(const char *text, char *cmd, size_t len)
{
    bp_scrape_init();
    if (len > 0)
	cmd[0] = 0;
    bp_lowercase(text, bp_scrape_lc);
    bp_scrape_cmd(text, strlen(text), buf_str(bp_scrape_lc), cmd, len);
}

/* bp_scrape_facts - SMTP command, codes, delay, engine texts */

void    bp_scrape_facts(const char *text, BP_RCPT *r)
{
    static const char *const delay_need[] = {"warning message", "not yet been delivered",
	"continue to try", "still trying", "delayed", "will retry", 0,
    };
    static pcre2_code *reply_re, *delay_re;
    pcre2_match_data *md;
    const char *hint, *lc;
    size_t  len = strlen(text);

    bp_scrape_init();
    md = bp_scrape_md;
    if (reply_re == 0) {
	/* The prefix as a lookbehind: PCRE2 then starts at a [245]. */
	reply_re = bp_re("(?<![^\\s:(<\\[\"])([245][0-9][0-9])(?:[ -][#]?[245][.][0-9]|[ -](?=[A-Za-z<(]))");
	delay_re = bp_re("this is a warning message only|has not yet been delivered"
			 "|will continue to try|still trying|delivery has been delayed"
			 "|delivery to the following recipient has been delayed"
			 "|message (?:is|has been) delayed|delayed for more than"
			 "|will retry|not yet been delivered|delivery delayed");
    }
    /* Lowercase, white space folded: a match's words are found in it. */
    bp_lowercase(text, bp_scrape_lc);
    lc = buf_str(bp_scrape_lc);
    /* The engine texts first: that scan indexes lc for the word searches. */
    hint = r->hint[0] ? 0 : bp_reason_phrase(lc);
    bp_lcindex(lc);
    if (r->command[0] == 0)
	bp_scrape_cmd(text, len, lc, r->command, sizeof(r->command));
    if (r->reply[0] == 0
	&& pcre2_match(reply_re, (PCRE2_SPTR) text, len, 0, 0, md, NULL) > 1) {
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

	if (ov[3] - ov[2] == 3) {
	    memcpy(r->reply, text + ov[2], 3);
	    r->reply[3] = 0;
	}
    }
    if (r->status[0] == 0 || strcmp(r->status + 1, ".0.0") == 0) {
	char    st[16];

	if (bp_status_find(text, st, sizeof(st)) && (r->status[0] == 0 || strcmp(st + 1, ".0.0") != 0))
	    bp_strlcpy(r->status, st, sizeof(r->status));
    }
    if (r->status[0] == 0 && (r->reply[0] == '4' || r->reply[0] == '5')) {
	/* Only a reply code: its class. */
	r->status[0] = r->reply[0];
	bp_strlcpy(r->status + 1, ".0.0", sizeof(r->status) - 1);
    }
    if (r->action[0] == 0 && bp_scrape_any(lc, delay_need)
	&& pcre2_match(delay_re, (PCRE2_SPTR) text, len, 0, 0, md, NULL) > 0)
	bp_strlcpy(r->action, "delayed", sizeof(r->action));
    /* A hint only: used when the reply itself says nothing clearer. */
    if (hint)
	bp_strlcpy(r->hint, hint, sizeof(r->hint));
    bp_lcindex_drop();
}
