/*
 * NAME
 *	bp_classify 3 - classify one returned message, per recipient
 * DESCRIPTION
 *	See bp_classify.h. The scraper is only used on messages that look
 *	like bounces: a person's reply that quotes addresses must never
 *	turn into "bounced" recipients.
 */
#include <string.h>
#include <strings.h>
#include <ctype.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "mem.h"
#include "log.h"
#include "buf.h"

#include "bp_mime.h"
#include "bp_report.h"
#include "bp_dsn.h"
#include "bp_arf.h"
#include "bp_scrape.h"
#include "bp_reason.h"
#include "bp_engine.h"
#include "bp_classify.h"

/*
 * bp_rx_md - one match data for the patterns of this file (ovector of 1
 * pair: only the whole match is used), kept across calls.
 */
static pcre2_match_data *bp_rx_md(void)
{
    static pcre2_match_data *md;

    if (md == 0)
	md = pcre2_match_data_create(1, NULL);
    return (md);
}

/* bp_rx_compile - compile a built-in pattern once; JIT in batch use */

static pcre2_code *bp_rx_compile(const char *pat, uint32_t opts)
{
    pcre2_code *re;
    int     err;
    PCRE2_SIZE off;

    re = pcre2_compile((PCRE2_SPTR) pat, PCRE2_ZERO_TERMINATED,
		       opts | PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
		       &err, &off, NULL);
    if (re == 0)
	log_panic("bp_classify: bad built-in pattern at %zu", (size_t) off);
    if (bp_use_jit)
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return (re);
}

/* bp_rx_search - one-shot caseless regex test with a cached pattern */

static int bp_rx_search(pcre2_code **re, const char *pat, const char *text)
{
    if (*re == 0)
	*re = bp_rx_compile(pat, 0);
    return (pcre2_match(*re, (PCRE2_SPTR) text, strlen(text), 0, 0,
			bp_rx_md(), NULL) >= 0);
}

/* bp_from_daemon - From: a mail system, not a person */

static int bp_from_daemon(BP_MIME *m)
{
    static pcre2_code *from_re;
    static BUF *v;

    if (v == 0)
	v = buf_alloc(128);
    return (bp_mime_header(m->headers, "From", v)
	    && bp_rx_search(&from_re, "mailer-daemon|post_?master|mail ?delivery|"
			    "mailer_daemon|maildaemon|^<>|\\bmdaemon|daemon@|bounce",
			    buf_str(v)));
}

/* bp_looks_bounce - is the message a delivery report at all? */

static int bp_looks_bounce(BP_MIME *m)
{
    static pcre2_code *subj_re;
    static BUF *v;
    int     yes = 0;

    if (v == 0)
	v = buf_alloc(128);
    if (bp_mime_header(m->headers, "X-Failed-Recipients", v))
	yes = 1;
    else if (bp_from_daemon(m))
	yes = 1;
    else if (bp_mime_header(m->headers, "Subject", v)
	     && bp_rx_search(&subj_re, "undeliver|deliver(?:y|ed)|returned|failure|failed|"
			     "bounce|non-?deliver|not delivered|rejected|error|"
			     "notification|warning|delay|nicht zustellbar|"
			     "반송|전송 ?실패|발송 ?실패|배달 ?실패|전달 ?실패|"
			     "配信|エラー|不達|返信|retour|退信|系统退信",
			     buf_str(v)))
	yes = 1;
    else if (bp_mime_header(m->headers, "Return-Path", v) && strcmp(buf_str(v), "<>") == 0)
	yes = 1;
    else if (*m->report_type)
	yes = 1;
    return (yes);
}

/* bp_autoreply - RFC 3834 and the usual vacation markers */

static int bp_autoreply(BP_MIME *m)
{
    static pcre2_code *subj_re;
    static BUF *v;
    int     yes = 0;

    if (v == 0)
	v = buf_alloc(128);
    if (bp_mime_header(m->headers, "Auto-Submitted", v)
	&& strncasecmp(buf_str(v), "auto-replied", 12) == 0)
	yes = 1;
    else if (bp_mime_header(m->headers, "X-Autoreply", v)
	     || bp_mime_header(m->headers, "X-Autorespond", v)
	     || (bp_mime_header(m->headers, "Precedence", v)
		 && strcasecmp(buf_str(v), "auto_reply") == 0))
	yes = 1;
    else if (bp_mime_header(m->headers, "Subject", v)
	     && bp_rx_search(&subj_re, "^(?:auto(?:matic)? ?(?:reply|response|antwort)|"
			     "out of (?:the )?office|away from|on vacation|vacation|"
			     "abwesenheitsnotiz|r[ée]ponse automatique|自動応答|자동 ?응답|부재중)",
			     buf_str(v)))
	yes = 1;
    else if (bp_mime_header(m->headers, "X-Auto-Response-Suppress", v)
	     && bp_mime_header(m->headers, "Subject", v)
	     && strncasecmp(buf_str(v), "Automatic reply", 15) == 0)
	yes = 1;
    return (yes);
}

/*
 * bp_rx_lines - caseless multiline regex search from offset start; the
 * match's start and end offsets in *so, *eo. Returns 1 found, 0 not.
 */
static int bp_rx_lines(pcre2_code **re, const char *pat, const char *text,
		               size_t start, size_t *so, size_t *eo)
{
    pcre2_match_data *md = bp_rx_md();
    int     rc;

    if (*re == 0)
	*re = bp_rx_compile(pat, PCRE2_MULTILINE);
    rc = pcre2_match(*re, (PCRE2_SPTR) text, strlen(text), start, 0, md, NULL);
    if (rc >= 0) {
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

	*so = ov[0];
	*eo = ov[1];
    }
    return (rc >= 0);
}

/*
 * bp_mlm_notice - an error notice of the fml mailing list manager
 *
 * fml (X-MLServer: fml ..., From: LIST-admin@...) answers the posts it
 * refuses or cannot distribute with its own notice, no delivery-status
 * part: "Duplicated Message-ID in <list@example>." then the post after
 * "Original mail as follows:". The address on a line ending in "<a@b>."
 * is the one concerned; fml's fixed texts, else the Subject's, give the
 * reason (Sisimai::Lhost::FML, BSD 2-Clause, (C) azumakuniyuki).
 */
static int bp_mlm_notice(BP_MIME *m, BP_REPORT *rep)
{
    static struct {
	const char *reason;
	const char *body;		/* fml's error texts */
	const char *title;		/* its Subject: texts */
	pcre2_code *body_re;
	pcre2_code *title_re;
    }       fml[] = {
	{"rejected",
	    "(?:ignored )*not member article from |reject (?:mail from .+@.+"
	    "|since .+ header may cause mail loop|spammers:)"
	    "|you are not a member of this mailing list",
	    "(?:ignored )*not member article from |reject mail (?:.+:|from) ,"
	    "|spam mail from a spammer is rejected|you .+ are not member", 0, 0},
	{"systemerror",
	    "duplicated message-id|fml .+ has detected a loop condition so that"
	    "|loop back warning:",
	    "fml system error message|loop alert: |loop back warning: "
	    "|warning: unix from loop", 0, 0},
	{"securityerror", "security alert:", "security alert", 0, 0},
	{0, 0, 0, 0, 0},
    };
    static pcre2_code *rcpt_re, *end_re;
    BUF    *v = buf_alloc(128), *a = buf_alloc(64), *subj = buf_alloc(128);
    const char *text;
    char   *body;
    size_t  so, eo, at = 0, len;
    BP_RCPT *r = 0;
    int     i, n = 0;

    if (!(bp_mime_header(m->headers, "X-MLServer", v)
	  && strncasecmp(buf_str(v), "fml", 3) == 0
	  && bp_mime_header(m->headers, "From", v)
	  && bp_strcasestr(buf_str(v), "-admin@"))) {
	buf_free(v);
	buf_free(a);
	buf_free(subj);
	return (0);
    }
    bp_mime_header(m->headers, "Subject", subj);
    /* The notice, without the post it returns. */
    text = buf_str(m->text);
    len = bp_rx_lines(&end_re, "^\\s*original mail as follows:", text, 0, &so, &eo)
	? so : strlen(text);
    body = xmalloc(len + 1);
    memcpy(body, text, len);
    body[len] = 0;
    while (bp_rx_lines(&rcpt_re, "<[^ <>]+@[^ <>]+>[.][ \t\r]*$", body, at, &so, &eo)) {
	const char *ls = body + so, *le;

	at = eo;
	buf_reset(a);
	buf_append(a, body + so, eo - so);
	if (!bp_scrape_addr(buf_str(a), a) || bp_report_find(rep, buf_str(a)))
	    continue;
	if ((r = bp_report_add(rep, buf_str(a))) == 0)
	    break;
	n++;
	while (ls > body && ls[-1] != '\n')
	    ls--;
	/* Its line and what follows, up to the next such line. */
	le = body + eo;
	{
	    size_t  nso, neo;

	    if (bp_rx_lines(&rcpt_re, 0, body, eo, &nso, &neo)) {
		le = body + nso;
		while (le > body + eo && le[-1] != '\n')
		    le--;
	    } else
		le = body + len;
	}
	buf_append(r->diag, ls, (size_t) (le - ls));
	for (i = 0; fml[i].reason && r->reason[0] == 0; i++)
	    if (bp_rx_lines(&fml[i].body_re, fml[i].body, buf_str(r->diag), 0, &so, &eo))
		bp_strlcpy(r->reason, fml[i].reason, sizeof(r->reason));
	for (i = 0; fml[i].reason && r->reason[0] == 0; i++)
	    if (bp_rx_lines(&fml[i].title_re, fml[i].title, buf_str(subj), 0, &so, &eo))
		bp_strlcpy(r->reason, fml[i].reason, sizeof(r->reason));
	r->decided = (r->reason[0] != 0);
    }
    free(body);
    buf_free(v);
    buf_free(a);
    buf_free(subj);
    return (n);
}

/* bp_mda_names - does the line [ls, le) hold word, not inside a longer one? */

static int bp_mda_names(const char *ls, const char *le, const char *word)
{
    size_t  n = strlen(word);
    const char *p;

    if (n == 0)
	return (0);
    if (le == 0)
	le = ls + strlen(ls);
    for (p = ls; (p = strstr(p, word)) != 0 && p + n <= le; p++)
	if ((p == ls || !(isalnum((unsigned char) p[-1]) || strchr("._-+@", p[-1])))
	    && !(isalnum((unsigned char) p[n]) || (p[n] && strchr("._-+", p[n])) || (p[n] == '@' && !strchr(word, '@'))))
	    return (1);
    return (0);
}

/*
 * bp_mda - the error of a local delivery agent in the report text
 *
 * When the last hop was a local delivery agent (mail.local, procmail,
 * maildrop, vpopmail's vdelivermail, vmailmgr's vdeliver, Dovecot's LDA
 * "Your message to <%t> was automatically rejected:%n%r" template), the
 * MTA's own status is only its mapping of the agent's exit code
 * (Sendmail: EX_NOUSER -> 5.1.1 "User unknown", whatever the agent
 * said) and no SMTP command was involved; the agent's own message, read
 * with its own message table, names the reason. As Sisimai::MDA (BSD
 * 2-Clause, (C) azumakuniyuki): only in reports from a mail system, the
 * agent's block is the marker line and the lines up to the next empty
 * one. Sets reason and diagnostic of the recipients it concerns: the
 * one of a one-recipient report, from the first line of the block with
 * one of the agent's texts; of many recipients, each from the first such
 * line that names it (address or local part), or from the whole block
 * when its first line names it (Dovecot's "Your message to <%t>").
 */
static void bp_mda(BP_MIME *m, BP_REPORT *rep)
{
    static const struct {
	const char *agent;		/* marker, lowercase, at line start */
	const char *reason;
	const char *const texts[5];	/* lowercase substrings */
    }       mda[] = {
	{"your message to ", "userunknown", {"mailbox doesn't exist: ", 0}},
	{"your message to ", "mailboxfull", {"quota exceeded", "not enough disk space", 0}},
	{"mail.local: ", "userunknown", {": unknown user:", ": user unknown",
	": invalid mailbox path", ": user missing home directory", 0}},
	{"mail.local: ", "mailboxfull", {"disc quota exceeded", "mailbox full or quota exceeded", 0}},
	{"mail.local: ", "systemerror", {"temporary file write error", 0}},
	{"procmail: ", "mailboxfull", {"quota exceeded while writing", 0}},
	{"procmail: ", "systemfull", {"no space left to finish writing", 0}},
	{"maildrop: ", "userunknown", {"invalid user specified.", "cannot find system user", 0}},
	{"maildrop: ", "mailboxfull", {"maildir over quota.", 0}},
	{"vdelivermail: ", "userunknown", {"sorry, no mailbox here by that name.", 0}},
	{"vdelivermail: ", "filtered", {"account is locked email bounced",
	"user does not exist, but will deliver to ", 0}},
	{"vdelivermail: ", "mailboxfull", {"domain is over quota", "user is over quota", 0}},
	{"vdeliver: ", "userunknown", {"invalid or unknown base user or domain",
	"invalid or unknown virtual user", "user name does not refer to a virtual user", 0}},
	{"vdeliver: ", "mailboxfull", {"delivery failed due to system quota violation", 0}},
	{0, 0, {0}},
    };
    static pcre2_code *mark_re, *from_re;
    static BUF *v, *lc, *line;
    const char *text = buf_str(m->text), *agent = 0, *reason, *e, *first_end;
    size_t  so, eo, bs, be, n;
    int     i, j, k;

    if (v == 0) {
	v = buf_alloc(128);
	lc = buf_alloc(256);
	line = buf_alloc(128);
    }
    /* Only in reports from a mail system. */
    if (!(bp_mime_header(m->headers, "From", v)
	  && bp_rx_search(&from_re, "^\\s*\"?(?:mail delivery subsystem|mailer-daemon|postmaster)"
			  "|<(?:mailer-daemon|postmaster)@", buf_str(v))))
	return;
    if (!bp_rx_lines(&mark_re, "^(?:your message to .+ was automatically rejected:[ \t\r]*$"
		     "|(?:mail[.]local|procmail|maildrop|vdelivermail|vdeliver): )",
		     text, 0, &so, &eo))
	return;
    /* The agent's block: the marker line up to the next empty line. */
    bs = so;
    for (e = text + so; *e; e++)
	if (*e == '\n' && (e[1] == '\n' || (e[1] == '\r' && e[2] == '\n') || e[1] == 0))
	    break;
    be = (size_t) (e - text);
    buf_reset(lc);
    for (n = bs; n < be; n++)
	buf_putc(lc, (char) tolower((unsigned char) text[n]));
    for (i = 0; mda[i].agent; i++)
	if (strncmp(buf_str(lc), mda[i].agent, strlen(mda[i].agent)) == 0) {
	    agent = mda[i].agent;
	    break;
	}
    if (agent == 0)
	return;
    first_end = strchr(buf_str(lc), '\n');
    for (k = 0; k < rep->nrcpt; k++) {
	BP_RCPT *r = rep->rcpt + k;
	const char *addr = buf_str(r->addr), *at = strchr(addr, '@');
	const char *ls, *le;
	BUF    *who = 0, *local = 0;

	/* A recipient reported delivered is not the agent's failure. */
	if (r->status[0] == '2' || strcmp(r->action, "delivered") == 0
	    || strcmp(r->action, "relayed") == 0 || strcmp(r->action, "expanded") == 0)
	    continue;
	if (rep->nrcpt > 1) {
	    /* Of many, only a recipient the block names, by address or local part. */
	    who = buf_alloc(64);
	    local = buf_alloc(64);
	    bp_lowercase(addr, who);
	    buf_append(local, buf_str(who), at ? (size_t) (at - addr) : buf_len(who));
	    if (strcmp(agent, "your message to ") == 0
		&& (bp_mda_names(buf_str(lc), first_end, buf_str(who))
		    || bp_mda_names(buf_str(lc), first_end, buf_str(local)))) {
		/* Named on the marker line (Dovecot's): the block is about it. */
		buf_free(who);
		buf_free(local);
		who = local = 0;
	    }
	}
	reason = 0;
	for (i = 0; mda[i].agent && reason == 0; i++) {
	    if (strcmp(mda[i].agent, agent) != 0)
		continue;
	    /* The first line with one of the agent's texts (naming it). */
	    for (ls = buf_str(lc); *ls && reason == 0; ls = *le ? le + 1 : le) {
		if ((le = strchr(ls, '\n')) == 0)
		    le = ls + strlen(ls);
		if (who && !bp_mda_names(ls, le, buf_str(who))
		    && !bp_mda_names(ls, le, buf_str(local)))
		    continue;
		for (j = 0; mda[i].texts[j]; j++) {
		    const char *hit = strstr(ls, mda[i].texts[j]);

		    if (hit && hit < le) {
			reason = mda[i].reason;
			buf_reset(line);
			buf_append(line, text + bs + (ls - buf_str(lc)), (size_t) (le - ls));
			break;
		    }
		}
	    }
	}
	if (who) {
	    buf_free(who);
	    buf_free(local);
	}
	if (reason == 0)
	    continue;
	bp_strlcpy(r->reason, reason, sizeof(r->reason));
	r->decided = 1;
	r->command[0] = 0;
	buf_reset(r->diag);
	buf_puts(r->diag, buf_str(line));
    }
}

/* bp_orig_facts - Message-ID and sender of the returned message */

static void bp_orig_facts(BP_MIME *m, BP_REPORT *rep)
{
    static BUF *v;

    if (v == 0)
	v = buf_alloc(128);
    if (bp_mime_header(m->orig, "Message-ID", v)) {
	char   *s = buf_str(v), *e;

	while (*s == '<' || *s == ' ')
	    s++;
	if ((e = strchr(s, '>')) != 0)
	    *e = 0;
	buf_puts(rep->orig_msgid, s);
    }
    if (bp_mime_header(m->orig, "From", v))
	bp_scrape_addr(buf_str(v), rep->orig_from);
}

/* bp_complete - fill a recipient's facts from the text, then classify */

static void bp_complete(BP_MIME *m, BP_REPORT *rep, BP_RCPT *r, const char *const *all)
{
    static BUF *part;
    const char *seg;			/* the text about r */
    int     found;

    if (part == 0)
	part = buf_alloc(512);
    if (rep->nrcpt == 1) {
	/* One recipient: the whole report is about it. */
	seg = buf_str(m->text);
	found = bp_strcasestr(seg, buf_str(r->addr)) != 0;
    } else {
	found = bp_scrape_diag(buf_str(m->text), buf_str(r->addr), all, part);
	seg = buf_str(part);
    }
    if (buf_len(r->diag) == 0) {
	buf_puts(r->diag, seg);
    } else if (found && r->command[0] == 0) {
	/* The DSN rarely names the command; the text often does. */
	bp_scrape_command(seg, r->command, sizeof(r->command));
    }
    bp_scrape_facts(buf_str(r->diag), r);
    bp_engine_facts(m->headers, buf_str(m->dsn), r);
    bp_reason_classify(r);
}

/* bp_classify - the whole procedure */

BP_REPORT *bp_classify(const char *data, size_t len, BUF *why)
{
    BP_MIME *m;
    BP_REPORT *rep;
    BUF    *v;
    const char **all;
    int     i;

    if ((m = bp_mime_parse(data, len)) == 0) {
	buf_sprintf(why, "not a parseable RFC 5322 message");
	return (0);
    }
    rep = bp_report_alloc();
    v = buf_alloc(128);
    bp_orig_facts(m, rep);

    if (buf_len(m->arf) && bp_arf_parse(buf_str(m->arf), m->orig, rep) > 0) {
	rep->kind = BP_KIND_ARF;
	for (i = 0; i < rep->nrcpt; i++)
	    rep->rcpt[i].hard = 0;
	goto done;
    }
    if (buf_len(m->dsn))
	bp_dsn_parse(buf_str(m->dsn), rep);
    if (rep->nrcpt == 0 && bp_autoreply(m) && !bp_from_daemon(m)
	&& !bp_mime_header(m->headers, "X-Failed-Recipients", v)) {
	BP_RCPT *r;

	if (bp_mime_header(m->headers, "From", v) && bp_scrape_addr(buf_str(v), v)
	    && (r = bp_report_add(rep, buf_str(v))) != 0) {
	    bp_strlcpy(r->reason, "vacation", sizeof(r->reason));
	    rep->kind = BP_KIND_AUTOREPLY;
	}
	goto done;
    }
    if (rep->nrcpt == 0)
	bp_mlm_notice(m, rep);
    if (rep->nrcpt == 0 && bp_looks_bounce(m)) {
	const char *excl[6];
	BUF    *ex[4];
	int     n = 0;

	for (i = 0; i < 4; i++)
	    ex[i] = buf_alloc(64);
	if (bp_mime_header(m->headers, "From", v))
	    bp_scrape_addr(buf_str(v), ex[0]);
	if (bp_mime_header(m->headers, "To", v))
	    bp_scrape_addr(buf_str(v), ex[1]);
	if (bp_mime_header(m->headers, "Reply-To", v))
	    bp_scrape_addr(buf_str(v), ex[2]);
	if (bp_mime_header(m->orig, "Return-Path", v))
	    bp_scrape_addr(buf_str(v), ex[3]);
	for (i = 0; i < 4; i++)
	    excl[n++] = buf_str(ex[i]);
	excl[n++] = buf_str(rep->orig_from);
	excl[n] = 0;
	if (bp_mime_header(m->headers, "X-Failed-Recipients", v)) {
	    char   *s = buf_str(v), *t;
	    BUF    *a = buf_alloc(64);

	    for (t = strtok(s, ", "); t; t = strtok(0, ", "))
		if (bp_scrape_addr(t, a) && bp_report_find(rep, buf_str(a)) == 0)
		    bp_report_add(rep, buf_str(a));
	    buf_free(a);
	}
	if (rep->nrcpt == 0)
	    bp_scrape_rcpts(buf_str(m->text), excl, rep);
	if (rep->nrcpt == 0 && (bp_mime_header(m->orig, "To", v)
				|| bp_mime_header(m->headers, "X-Original-To", v))) {
	    BUF    *a = buf_alloc(64);

	    if (bp_scrape_addr(buf_str(v), a))
		bp_report_add(rep, buf_str(a));
	    buf_free(a);
	}
	for (i = 0; i < 4; i++)
	    buf_free(ex[i]);
    }
    if (rep->nrcpt > 0 && rep->kind == BP_KIND_NONE)
	rep->kind = BP_KIND_DSN;
    if (rep->nrcpt > 0)
	bp_mda(m, rep);
    all = xcalloc(rep->nrcpt + 1, sizeof(*all));
    for (i = 0; i < rep->nrcpt; i++)
	all[i] = buf_str(rep->rcpt[i].addr);
    for (i = 0; i < rep->nrcpt; i++)
	bp_complete(m, rep, rep->rcpt + i, all);
    free(all);
done:
    buf_free(v);
    bp_mime_free(m);
    return (rep);
}
