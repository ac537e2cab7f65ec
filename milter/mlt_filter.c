/*
 * NAME
 *	mlt_filter 3 - the libmilter callbacks of postbulk-milter
 * DESCRIPTION
 *	See mlt_filter.h. Everything happens at end of message, when the
 *	whole message is in memory: the merge decides the final headers
 *	and body, and only then can DKIM sign what the recipient gets.
 *	The header edits sent to Postfix are computed against the header
 *	list Postfix showed us, so the signed header block and the one
 *	Postfix writes are the same list.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <libmilter/mfapi.h>

#include "log.h"
#include "mem.h"
#include "buf.h"
#include "params.h"
#include "token.h"
#include "pfdb.h"

#include "mlt_params.h"
#include "mlt_merge.h"
#include "mlt_mime.h"
#include "mlt_template.h"
#include "mlt_dkim.h"
#include "mlt_ids.h"
#include "mlt_record.h"
#include "mlt_filter.h"

static TOKEN_KEY mlt_token_key;
static char *mlt_footer;
static int mlt_records_on;
static int mlt_missing_empty;
static sfsistat mlt_error_status;

/* One header of the working list. */
#define MLT_H_KEEP	0
#define MLT_H_CHANGE	1
#define MLT_H_DELETE	2
#define MLT_H_ADD	3

typedef struct MLT_WHDR {
    char   *name;
    char   *value;			/* as Postfix has it, or the new value */
    int     index;			/* 1-based among same-name originals */
    int     state;
} MLT_WHDR;

typedef struct MLT_CTX {
    unsigned long noreply;		/* SMFIP_NR_* agreed with the MTA */
    int     trusted;			/* per connection */
    char    client[64];
    /* Per message. */
    char   *envfrom;
    char  **rcpts;
    size_t  nrcpt;
    MLT_WHDR *hdrs;
    size_t  nhdr;
    size_t  hsize;
    BUF    *body;
} MLT_CTX;

/* mlt_filter_init - state that main read once */

int     mlt_filter_init(const TOKEN_KEY *key, const char *footer, int records,
			        BUF *why)
{
    mlt_token_key = *key;
    mlt_footer = footer ? xstrdup(footer) : 0;
    mlt_records_on = records;
    if (strcasecmp(var_mlt_missing, "reject") == 0)
	mlt_missing_empty = 0;
    else if (strcasecmp(var_mlt_missing, "empty") == 0)
	mlt_missing_empty = 1;
    else {
	buf_sprintf(why, "%s: expected reject or empty, not \"%s\"",
		    VAR_MLT_MISSING, var_mlt_missing);
	return (-1);
    }
    if (strcasecmp(var_mlt_error_action, "tempfail") == 0)
	mlt_error_status = SMFIS_TEMPFAIL;
    else if (strcasecmp(var_mlt_error_action, "accept") == 0)
	mlt_error_status = SMFIS_ACCEPT;
    else {
	buf_sprintf(why, "%s: expected tempfail or accept, not \"%s\"",
		    VAR_MLT_ERROR_ACTION, var_mlt_error_action);
	return (-1);
    }
    if (*var_mlt_unsub_url && strncasecmp(var_mlt_unsub_url, "https://", 8) != 0) {
	buf_sprintf(why, "%s: must start with https:// (RFC 8058)", VAR_MLT_UNSUB_URL);
	return (-1);
    }
    return (0);
}

/* mlt_list_has - is word in a comma/space separated list */

static int mlt_list_has(const char *list, const char *word)
{
    const char *cp = list;
    size_t  len, wlen = strlen(word);

    while (*cp) {
	cp += strspn(cp, ", \t");
	len = strcspn(cp, ", \t");
	if (len > 0 && len == wlen && strncasecmp(cp, word, len) == 0)
	    return (1);
	cp += len;
    }
    return (0);
}

/* mlt_client_trusted - address in milter_trusted_clients */

static int mlt_client_trusted(const char *addr)
{
    const char *cp = var_mlt_trust_clients;
    char    item[64], *slash;
    size_t  len;
    struct in_addr a, net;
    int     bits;
    uint32_t mask;

    if (*addr == 0 || inet_pton(AF_INET, addr, &a) != 1)
	return (mlt_list_has(var_mlt_trust_clients, addr));
    while (*cp) {
	cp += strspn(cp, ", \t");
	len = strcspn(cp, ", \t");
	if (len > 0 && len < sizeof(item)) {
	    memcpy(item, cp, len);
	    item[len] = 0;
	    bits = 32;
	    if ((slash = strchr(item, '/')) != 0) {
		*slash = 0;
		bits = atoi(slash + 1);
	    }
	    if (bits >= 0 && bits <= 32 && inet_pton(AF_INET, item, &net) == 1) {
		mask = bits == 0 ? 0 : htonl(0xffffffffu << (32 - bits));
		if ((a.s_addr & mask) == (net.s_addr & mask))
		    return (1);
	    }
	}
	cp += len;
    }
    return (0);
}

/* mlt_msg_reset - forget the current message */

static void mlt_msg_reset(MLT_CTX *c)
{
    size_t  i;

    free(c->envfrom);
    c->envfrom = 0;
    for (i = 0; i < c->nrcpt; i++)
	free(c->rcpts[i]);
    free(c->rcpts);
    c->rcpts = 0;
    c->nrcpt = 0;
    for (i = 0; i < c->nhdr; i++) {
	free(c->hdrs[i].name);
	free(c->hdrs[i].value);
    }
    free(c->hdrs);
    c->hdrs = 0;
    c->nhdr = c->hsize = 0;
    if (c->body)
	buf_reset(c->body);
}

/* mlt_whdr_add - append to the working header list */

static MLT_WHDR *mlt_whdr_add(MLT_CTX *c, const char *name, const char *value,
			              int state)
{
    MLT_WHDR *h;
    size_t  i;
    int     index = 0;

    if (c->nhdr == c->hsize) {
	c->hsize = c->hsize ? c->hsize * 2 : 32;
	c->hdrs = xrealloc(c->hdrs, c->hsize * sizeof(*c->hdrs));
    }
    if (state == MLT_H_KEEP)
	for (i = 0, index = 1; i < c->nhdr; i++)
	    if (c->hdrs[i].state != MLT_H_ADD && strcasecmp(c->hdrs[i].name, name) == 0)
		index++;
    h = c->hdrs + c->nhdr++;
    h->name = xstrdup(name);
    h->value = xstrdup(value);
    h->index = index;
    h->state = state;
    return (h);
}

/* mlt_same_value - equal after unfolding and white-space collapsing */

static int mlt_same_value(const char *a, const char *b)
{
    a += strspn(a, " \t");
    b += strspn(b, " \t");
    for (;;) {
	while (*a == '\r' || *a == '\n')
	    a++;
	while (*b == '\r' || *b == '\n')
	    b++;
	if ((*a == ' ' || *a == '\t') && (*b == ' ' || *b == '\t')) {
	    while (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n')
		a++;
	    while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
		b++;
	    continue;
	}
	if (*a != *b)
	    return (0);
	if (*a == 0)
	    return (1);
	a++;
	b++;
    }
}

/* mlt_whdr_set - new value for an entry (an unchanged value is no change) */

static void mlt_whdr_set(MLT_WHDR *h, const char *value)
{
    if (h->state == MLT_H_KEEP && mlt_same_value(h->value, value))
	return;
    free(h->value);
    h->value = xstrdup(value);
    if (h->state == MLT_H_KEEP)
	h->state = MLT_H_CHANGE;
}

/* mlt_whdr_delete - drop an entry */

static void mlt_whdr_delete(MLT_CTX *c, MLT_WHDR *h)
{
    h->state = (h->state == MLT_H_ADD) ? -1 : MLT_H_DELETE;
}

#define MLT_LIVE(h) ((h)->state == MLT_H_KEEP || (h)->state == MLT_H_CHANGE \
		     || (h)->state == MLT_H_ADD)

/* mlt_whdr_find - first live header of that name */

static MLT_WHDR *mlt_whdr_find(MLT_CTX *c, const char *name)
{
    size_t  i;

    for (i = 0; i < c->nhdr; i++)
	if (MLT_LIVE(c->hdrs + i) && strcasecmp(c->hdrs[i].name, name) == 0)
	    return (c->hdrs + i);
    return (0);
}

/* mlt_whdr_replace_all - name gets exactly this one value */

static void mlt_whdr_replace_all(MLT_CTX *c, const char *name, const char *value)
{
    size_t  i;
    int     done = 0;

    for (i = 0; i < c->nhdr; i++) {
	if (!MLT_LIVE(c->hdrs + i) || strcasecmp(c->hdrs[i].name, name) != 0)
	    continue;
	if (!done && value) {
	    mlt_whdr_set(c->hdrs + i, value);
	    done = 1;
	} else {
	    mlt_whdr_delete(c, c->hdrs + i);
	}
    }
    if (!done && value)
	mlt_whdr_add(c, name, value, MLT_H_ADD);
}

/* mlt_apply_merged - the merged header set overrides the working list */

static void mlt_apply_merged(MLT_CTX *c, const MLT_HDRS *m)
{
    size_t  i, j, k;
    int     seen, want;

    for (i = 0; i < m->count; i++) {
	/* First occurrence of this name in m handles all of them. */
	for (j = 0, seen = 0; j < i; j++)
	    if (strcasecmp(m->h[j].name, m->h[i].name) == 0)
		seen = 1;
	if (seen)
	    continue;
	want = 0;
	for (j = i; j < m->count; j++)
	    if (strcasecmp(m->h[j].name, m->h[i].name) == 0)
		want++;
	j = i;
	for (k = 0; k < c->nhdr; k++) {
	    if (!MLT_LIVE(c->hdrs + k) || strcasecmp(c->hdrs[k].name, m->h[i].name) != 0)
		continue;
	    if (want > 0) {
		while (strcasecmp(m->h[j].name, m->h[i].name) != 0)
		    j++;
		mlt_whdr_set(c->hdrs + k, m->h[j].value);
		j++;
		want--;
	    } else {
		mlt_whdr_delete(c, c->hdrs + k);
	    }
	}
	for (; want > 0; j++) {
	    if (strcasecmp(m->h[j].name, m->h[i].name) == 0) {
		mlt_whdr_add(c, m->h[j].name, m->h[j].value, MLT_H_ADD);
		want--;
	    }
	}
    }

    /*
     * The body was rewritten: MIME headers that the merge did not write
     * no longer describe it.
     */
    for (k = 0; k < c->nhdr; k++) {
	if (!MLT_LIVE(c->hdrs + k))
	    continue;
	if (strncasecmp(c->hdrs[k].name, "Content-", 8) != 0
	    && strcasecmp(c->hdrs[k].name, "MIME-Version") != 0)
	    continue;
	for (i = 0, seen = 0; i < m->count; i++)
	    if (strcasecmp(m->h[i].name, c->hdrs[k].name) == 0)
		seen = 1;
	if (!seen)
	    mlt_whdr_delete(c, c->hdrs + k);
    }
}

/* mlt_from_domain - domain of the first address of a From value */

static void mlt_from_domain(const char *value, BUF *out)
{
    const char *lt, *at, *end;

    buf_reset(out);
    if (value == 0)
	return;
    lt = strrchr(value, '<');
    if (lt != 0) {
	end = strchr(lt, '>');
	if (end == 0)
	    end = lt + strlen(lt);
	at = memrchr(lt, '@', end - lt);
    } else {
	end = value + strcspn(value, ", \t\r\n");
	at = memrchr(value, '@', end - value);
    }
    if (at == 0)
	return;
    for (at++; at < end && *at != ' ' && *at != '\t' && *at != '>'; at++)
	buf_putc(out, (*at >= 'A' && *at <= 'Z') ? *at + 'a' - 'A' : *at);
}

/* mlt_strip_brackets - "<a@b>" -> "a@b" */

static void mlt_strip_brackets(const char *in, BUF *out)
{
    size_t  len;

    buf_reset(out);
    in += strspn(in, " \t");
    if (*in == '<')
	in++;
    len = strcspn(in, "> \t");
    buf_append(out, in, len);
}

/* mlt_reject - 550 5.6.0 with a reason */

static sfsistat mlt_reject(SMFICTX *ctx, const char *qid, const char *fmt,...)
    __attribute__((format(printf, 3, 4)));

static sfsistat mlt_reject(SMFICTX *ctx, const char *qid, const char *fmt,...)
{
    va_list ap;
    BUF    *text = buf_alloc(200);
    char    q[256];
    char   *cp;

    va_start(ap, fmt);
    buf_vprintf(text, fmt, ap);
    va_end(ap);
    for (cp = buf_str(text); *cp; cp++)		/* no reply injection */
	if ((unsigned char) *cp < 0x20 || *cp == '%')
	    *cp = ' ';
    log_info("%s: milter-reject: %s", qid, log_quote(buf_str(text), q, sizeof(q)));
    smfi_setreply(ctx, "550", "5.6.0", buf_str(text));
    buf_free(text);
    return (SMFIS_REJECT);
}

/* mlt_fail - internal trouble: milter_error_action */

static sfsistat mlt_fail(SMFICTX *ctx, const char *qid, const char *what)
{
    char    q[256];

    log_warn("%s: %s; answering %s", qid, log_quote(what, q, sizeof(q)),
	     var_mlt_error_action);
    if (mlt_error_status == SMFIS_TEMPFAIL)
	smfi_setreply(ctx, "451", "4.3.0", "postbulk-milter: temporary failure");
    return (mlt_error_status);
}

#define MLT_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_CHGFROM \
		     | SMFIF_QUARANTINE)
#define MLT_NOREPLY (SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR \
		     | SMFIP_NR_BODY)

/*
 * mlt_negotiate - skip the steps we do not use and the replies we do not
 * need: every header and body chunk would otherwise cost a round trip.
 */
static sfsistat mlt_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
			              unsigned long f2, unsigned long f3,
			              unsigned long *pf0, unsigned long *pf1,
			              unsigned long *pf2, unsigned long *pf3)
{
    MLT_CTX *c = xcalloc(1, sizeof(*c));

    if ((f0 & MLT_ACTIONS) != MLT_ACTIONS)
	log_warn("the MTA does not offer every milter action needed "
		 "(offered 0x%lx, needed 0x%lx): VERP or hold may fail",
		 f0, (unsigned long) MLT_ACTIONS);
    *pf0 = f0 & MLT_ACTIONS;
    *pf1 = f1 & (SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NOEOH
		 | MLT_NOREPLY);
    *pf2 = *pf3 = 0;
    c->noreply = *pf1 & MLT_NOREPLY;
    c->body = buf_alloc(16384);
    smfi_setpriv(ctx, c);
    return (SMFIS_CONTINUE);
}

/* mlt_ok - CONTINUE, or NOREPLY when the MTA agreed not to wait */

static sfsistat mlt_ok(MLT_CTX *c, unsigned long step)
{
    return ((c->noreply & step) ? SMFIS_NOREPLY : SMFIS_CONTINUE);
}

/* mlt_connect - trust is decided per connection */

static sfsistat mlt_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
    MLT_CTX *c = smfi_getpriv(ctx);
    const char *daemon = smfi_getsymval(ctx, "{daemon_name}");

    if (c == 0) {			/* no negotiation (old MTA) */
	c = xcalloc(1, sizeof(*c));
	c->body = buf_alloc(16384);
	smfi_setpriv(ctx, c);
    }
    if (sa && sa->sa_family == AF_INET)
	inet_ntop(AF_INET, &((struct sockaddr_in *) sa)->sin_addr, c->client,
		  sizeof(c->client));
    else if (sa && sa->sa_family == AF_INET6)
	inet_ntop(AF_INET6, &((struct sockaddr_in6 *) sa)->sin6_addr, c->client,
		  sizeof(c->client));
    c->trusted = (daemon && mlt_list_has(var_mlt_trust_daemons, daemon))
	|| (*var_mlt_trust_clients && mlt_client_trusted(c->client));
    return (mlt_ok(c, SMFIP_NR_CONN));
}

/* mlt_envfrom - new message */

static sfsistat mlt_envfrom(SMFICTX *ctx, char **argv)
{
    MLT_CTX *c = smfi_getpriv(ctx);

    if (c == 0)
	return (SMFIS_TEMPFAIL);
    mlt_msg_reset(c);
    c->envfrom = xstrdup(argv[0] ? argv[0] : "");
    return (mlt_ok(c, SMFIP_NR_MAIL));
}

/* mlt_envrcpt - remember each recipient */

static sfsistat mlt_envrcpt(SMFICTX *ctx, char **argv)
{
    MLT_CTX *c = smfi_getpriv(ctx);
    BUF    *tmp;

    if (c == 0)
	return (SMFIS_TEMPFAIL);
    tmp = buf_alloc(100);
    mlt_strip_brackets(argv[0] ? argv[0] : "", tmp);
    c->rcpts = xrealloc(c->rcpts, (c->nrcpt + 1) * sizeof(char *));
    c->rcpts[c->nrcpt++] = xstrdup(buf_str(tmp));
    buf_free(tmp);
    return (mlt_ok(c, SMFIP_NR_RCPT));
}

/* mlt_header - remember each header as Postfix has it */

static sfsistat mlt_header(SMFICTX *ctx, char *name, char *value)
{
    MLT_CTX *c = smfi_getpriv(ctx);
    BUF    *v;
    const char *cp;

    if (c == 0)
	return (SMFIS_TEMPFAIL);
    v = buf_alloc(strlen(value) + 1);
    for (cp = value; *cp; cp++)
	if (*cp != '\r')
	    buf_putc(v, *cp);
    mlt_whdr_add(c, name, buf_str(v), MLT_H_KEEP);
    buf_free(v);
    return (mlt_ok(c, SMFIP_NR_HDR));
}

/* mlt_body - collect the body */

static sfsistat mlt_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
    MLT_CTX *c = smfi_getpriv(ctx);

    if (c == 0)
	return (SMFIS_TEMPFAIL);
    buf_append(c->body, data, len);
    return (mlt_ok(c, SMFIP_NR_BODY));
}

/* mlt_put_crlf - append text with LF turned into CRLF */

static void mlt_put_crlf(BUF *out, const char *s)
{
    for (; *s; s++) {
	if (*s == '\n')
	    buf_putc(out, '\r');
	buf_putc(out, *s);
    }
}

/* mlt_message_bytes - the original message, for a merge without template */

static void mlt_message_bytes(MLT_CTX *c, BUF *out)
{
    size_t  i;

    buf_reset(out);
    for (i = 0; i < c->nhdr; i++) {
	if (!MLT_LIVE(c->hdrs + i))
	    continue;
	buf_puts(out, c->hdrs[i].name);
	buf_puts(out, ": ");
	mlt_put_crlf(out, c->hdrs[i].value);
	buf_puts(out, "\r\n");
    }
    buf_puts(out, "\r\n");
    buf_append(out, buf_str(c->body), buf_len(c->body));
}

/* Control headers of one message. */
typedef struct MLT_CTL {
    const char *template_name;
    const char *vars;
    const char *campaign;
    const char *advertising;
    const char *send_at;
} MLT_CTL;

/* mlt_take_controls - note and delete every X-Postbulk-* header */

static void mlt_take_controls(MLT_CTX *c, MLT_CTL *ctl)
{
    size_t  i;
    static const struct {
	const char *name;
	size_t  off;
    }       known[] = {
	{"X-Postbulk-Template", offsetof(MLT_CTL, template_name)},
	{"X-Postbulk-Vars", offsetof(MLT_CTL, vars)},
	{"X-Postbulk-Campaign", offsetof(MLT_CTL, campaign)},
	{"X-Postbulk-Advertising", offsetof(MLT_CTL, advertising)},
	{"X-Postbulk-Send-At", offsetof(MLT_CTL, send_at)},
    };
    size_t  k;

    memset(ctl, 0, sizeof(*ctl));
    for (i = 0; i < c->nhdr; i++) {
	if (strncasecmp(c->hdrs[i].name, "X-Postbulk-", 11) != 0)
	    continue;
	for (k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
	    const char **slot = (const char **) ((char *) ctl + known[k].off);

	    if (strcasecmp(c->hdrs[i].name, known[k].name) == 0 && *slot == 0)
		*slot = c->hdrs[i].value + strspn(c->hdrs[i].value, " \t");
	}
	c->hdrs[i].state = MLT_H_DELETE;
    }
}

/* mlt_campaign - from the header, else from submit's return path token */

static int mlt_campaign(MLT_CTX *c, const MLT_CTL *ctl, BUF *out)
{
    BUF    *tok = buf_alloc(100), *addr = buf_alloc(100), *why = buf_alloc(100);
    int     kind, ret = 0;
    size_t  len;

    buf_reset(out);
    if (ctl->campaign) {
	char   *cp;

	len = strcspn(ctl->campaign, " \t\r\n");
	buf_append(out, ctl->campaign, len);
	for (cp = buf_str(out); *cp; cp++)	/* tokens are lowercase */
	    if (*cp >= 'A' && *cp <= 'Z')
		*cp += 'a' - 'A';
	ret = token_value_ok(buf_str(out)) ? 0 : -1;
    } else if (c->envfrom) {
	mlt_strip_brackets(c->envfrom, addr);
	if (token_from_address(buf_str(addr), var_bounce_prefix, tok) == 0
	    && token_parse(&mlt_token_key, buf_str(tok), &kind, out, why) == 1
	    && kind == TOKEN_CAMPAIGN)
	    ret = 0;
	else
	    buf_reset(out);
    }
    buf_free(tok);
    buf_free(addr);
    buf_free(why);
    return (ret);
}

/* mlt_fill_url - ${token} and ${msgid} in the https URL template */

static void mlt_fill_url(const char *tmpl, const char *token, const char *msgid,
			         BUF *out)
{
    MLT_VARS *v = mlt_vars_new();

    mlt_vars_set(v, "token", token);
    mlt_vars_set(v, "msgid", msgid);
    buf_reset(out);
    (void) mlt_subst(tmpl, strlen(tmpl), v, MLT_SUBST_HEADER | MLT_SUBST_EMPTY,
		     out, 0);
    mlt_vars_free(v);
}

/* mlt_fold_value - value as Postfix should store it */

static void mlt_fold_value(const char *name, const char *value, BUF *out)
{
    mlt_fold(name, value, out);
}

/* mlt_eom - the whole job */

static sfsistat mlt_eom(SMFICTX *ctx)
{
    MLT_CTX *c = smfi_getpriv(ctx);
    const char *qid;
    MLT_CTL ctl;
    MLT_VARS *vars = 0;
    MLT_HDRS merged = {0, 0, 0}, final = {0, 0, 0}, sigs = {0, 0, 0};
    MLT_MERGE_OPTS opts;
    BUF    *why = buf_alloc(200), *src = buf_alloc(0), *newbody = 0;
    BUF    *campaign = buf_alloc(80), *verp = buf_alloc(200), *unsub = buf_alloc(200);
    BUF    *tok = buf_alloc(100), *lu = buf_alloc(400), *url = buf_alloc(300);
    BUF    *from_dom = buf_alloc(100), *info = buf_alloc(100), *footer = 0;
    BUF    *fold = buf_alloc(400);
    char    msgid[MLT_MSGID_LEN + 1] = "";
    char    q[300];
    time_t  send_at = 0, now = time((time_t *) 0);
    int     status = PFDB_ST_QUEUED, nsig, rc, merge = 0, advertising = 0;
    sfsistat ret = SMFIS_CONTINUE;
    size_t  i, off;
    MLT_WHDR *h;
    const char *body;
    size_t  body_len;

    if (c == 0)
	return (SMFIS_TEMPFAIL);
    qid = smfi_getsymval(ctx, "i");
    if (qid == 0 || *qid == 0)
	qid = "NOQUEUE";
    mlt_take_controls(c, &ctl);

    if (c->trusted) {
	/*
	 * Identity first: the message id feeds the tokens, the tokens
	 * feed the variables the template may use.
	 */
	mlt_msgid_new(msgid, sizeof(msgid));
	if (mlt_campaign(c, &ctl, campaign) < 0) {
	    ret = mlt_reject(ctx, qid, "bad X-Postbulk-Campaign value (allowed: [a-z0-9._-], 64 characters)");
	    goto done;
	}
	if (ctl.send_at && mlt_parse_time(ctl.send_at, &send_at) < 0) {
	    ret = mlt_reject(ctx, qid, "bad X-Postbulk-Send-At value (expected ISO 8601, e.g. 2026-11-23T09:00:00+09:00)");
	    goto done;
	}
	if (send_at > now)
	    status = PFDB_ST_SCHEDULED;
	advertising = ctl.advertising && strncasecmp(ctl.advertising, "yes", 3) == 0;
	if (token_make_address(&mlt_token_key, TOKEN_MESSAGE, msgid,
			       var_bounce_prefix, var_bounce_domain, verp) < 0
	    || token_make_address(&mlt_token_key, TOKEN_UNSUB, msgid,
			       var_unsub_prefix, var_bounce_domain, unsub) < 0) {
	    ret = mlt_fail(ctx, qid, "cannot make a VERP token");
	    goto done;
	}
	token_make(&mlt_token_key, TOKEN_UNSUB, msgid, tok);
	buf_sprintf(lu, "<mailto:%s>", buf_str(unsub));
	if (*var_mlt_unsub_url) {
	    mlt_fill_url(var_mlt_unsub_url, buf_str(tok), msgid, url);
	    buf_printf(lu, ", <%s>", buf_str(url));
	} else {
	    buf_sprintf(url, "mailto:%s", buf_str(unsub));
	}

	/*
	 * Variables: the message's own, then the built-ins they lack.
	 */
	if (ctl.vars) {
	    if ((vars = mlt_vars_parse(ctl.vars, why)) == 0) {
		ret = mlt_reject(ctx, qid, "bad X-Postbulk-Vars: %s", buf_str(why));
		goto done;
	    }
	} else {
	    vars = mlt_vars_new();
	}
	if (c->nrcpt > 0 && !mlt_vars_get(vars, "rcpt"))
	    mlt_vars_set(vars, "rcpt", c->rcpts[0]);
	if (!mlt_vars_get(vars, "msgid"))
	    mlt_vars_set(vars, "msgid", msgid);
	if (!mlt_vars_get(vars, "campaign"))
	    mlt_vars_set(vars, "campaign", buf_str(campaign));
	if (!mlt_vars_get(vars, "unsubscribe_url"))
	    mlt_vars_set(vars, "unsubscribe_url", buf_str(url));

	/*
	 * Merge source: a template, or the message itself.
	 */
	if (ctl.template_name) {
	    char    name[200];

	    snprintf(name, sizeof(name), "%.*s",
		     (int) strcspn(ctl.template_name, " \t\r\n"), ctl.template_name);
	    rc = mlt_template_get(var_mlt_template_dir, name, src, why);
	    if (rc == 0) {
		ret = mlt_reject(ctx, qid, "unknown template \"%s\"",
				 log_quote(name, q, 100));
		goto done;
	    }
	    if (rc < 0) {
		ret = mlt_fail(ctx, qid, buf_str(why));
		goto done;
	    }
	    merge = 1;
	} else {
	    int     has = mlt_has_placeholder(buf_str(c->body), buf_len(c->body));

	    for (i = 0; !has && i < c->nhdr; i++)
		if (MLT_LIVE(c->hdrs + i))
		    has = mlt_has_placeholder(c->hdrs[i].value, strlen(c->hdrs[i].value));
	    if (has || ctl.vars || advertising) {
		mlt_message_bytes(c, src);
		merge = 1;
	    }
	}
	if (merge) {
	    opts.missing_empty = mlt_missing_empty;
	    opts.subject_prefix = advertising ? var_mlt_ad_prefix : 0;
	    opts.footer = 0;
	    if (advertising && mlt_footer) {
		footer = buf_alloc(512);
		(void) mlt_subst(mlt_footer, strlen(mlt_footer), vars,
				 MLT_SUBST_EMPTY, footer, 0);
		opts.footer = buf_str(footer);
	    }
	    newbody = buf_alloc(buf_len(src) + 1024);
	    rc = mlt_mime_merge(buf_str(src), buf_len(src), vars, &opts, &merged,
				newbody, why);
	    if (rc == -1) {
		ret = mlt_reject(ctx, qid, "missing template variable \"%s\"",
				 buf_str(why));
		goto done;
	    }
	    if (rc < 0) {
		if (ctl.template_name)
		    ret = mlt_fail(ctx, qid, buf_str(why));
		else
		    ret = mlt_reject(ctx, qid, "%s", buf_str(why));
		goto done;
	    }
	    mlt_apply_merged(c, &merged);
	}

	/*
	 * Headers every postbulk message carries.
	 */
	h = mlt_whdr_find(c, "From");
	mlt_from_domain(h ? h->value : 0, from_dom);
	if (mlt_whdr_find(c, "Message-ID") == 0) {
	    BUF    *mid = buf_alloc(100);

	    buf_sprintf(mid, "<%s@%s>", msgid,
			buf_len(from_dom) ? buf_str(from_dom) : var_bounce_domain);
	    mlt_whdr_add(c, "Message-ID", buf_str(mid), MLT_H_ADD);
	    buf_free(mid);
	}
	mlt_whdr_replace_all(c, "List-Unsubscribe", buf_str(lu));
	mlt_whdr_replace_all(c, "List-Unsubscribe-Post",
		      *var_mlt_unsub_url ? "List-Unsubscribe=One-Click" : 0);
	if (*var_mlt_feedback_id) {
	    MLT_VARS *fv = mlt_vars_new();
	    BUF    *fid = buf_alloc(100);

	    mlt_vars_set(fv, "campaign", buf_len(campaign) ? buf_str(campaign) : "none");
	    mlt_vars_set(fv, "sender_domain", buf_str(from_dom));
	    (void) mlt_subst(var_mlt_feedback_id, strlen(var_mlt_feedback_id), fv,
			     MLT_SUBST_HEADER | MLT_SUBST_EMPTY, fid, 0);
	    mlt_whdr_replace_all(c, "Feedback-ID", buf_str(fid));
	    mlt_vars_free(fv);
	    buf_free(fid);
	}
    }

    /*
     * The final header block, in the order Postfix will write it:
     * originals in place (changed or not), additions at the end.
     */
    for (i = 0; i < c->nhdr; i++) {
	if (!MLT_LIVE(c->hdrs + i))
	    continue;
	if (c->hdrs[i].state != MLT_H_KEEP) {
	    mlt_fold_value(c->hdrs[i].name, c->hdrs[i].value, fold);
	    mlt_whdr_set(c->hdrs + i, buf_str(fold));
	}
	mlt_hdrs_add(&final, c->hdrs[i].name, c->hdrs[i].value);
    }
    if (buf_len(from_dom) == 0) {
	h = mlt_whdr_find(c, "From");
	mlt_from_domain(h ? h->value : 0, from_dom);
    }
    body = newbody ? buf_str(newbody) : buf_str(c->body);
    body_len = newbody ? buf_len(newbody) : buf_len(c->body);
    nsig = mlt_dkim_sign(buf_str(from_dom), &final, body, body_len, qid,
			 &sigs, info, why);
    if (nsig < 0) {
	ret = mlt_fail(ctx, qid, buf_str(why));
	goto done;
    }

    /*
     * Tell Postfix. Changes and deletions go last-first, so an index
     * never depends on how Postfix counts deleted headers.
     */
    for (i = c->nhdr; i-- > 0;) {
	h = c->hdrs + i;
	if (h->state == MLT_H_CHANGE || h->state == MLT_H_DELETE) {
	    if (smfi_chgheader(ctx, h->name, h->index,
			       h->state == MLT_H_DELETE ? 0 : h->value) != MI_SUCCESS) {
		ret = mlt_fail(ctx, qid, "smfi_chgheader failed");
		goto done;
	    }
	}
    }
    for (i = 0; i < c->nhdr; i++) {
	h = c->hdrs + i;
	if (h->state == MLT_H_ADD
	    && smfi_addheader(ctx, h->name, h->value) != MI_SUCCESS) {
	    ret = mlt_fail(ctx, qid, "smfi_addheader failed");
	    goto done;
	}
    }
    for (i = sigs.count; i-- > 0;) {
	if (smfi_insheader(ctx, 0, sigs.h[i].name, sigs.h[i].value) != MI_SUCCESS) {
	    ret = mlt_fail(ctx, qid, "smfi_insheader failed");
	    goto done;
	}
    }
    if (newbody) {
	for (off = 0; off < buf_len(newbody); off += 65535) {
	    size_t  n = buf_len(newbody) - off > 65535 ? 65535 : buf_len(newbody) - off;

	    if (smfi_replacebody(ctx, (unsigned char *) buf_str(newbody) + off, n)
		!= MI_SUCCESS) {
		ret = mlt_fail(ctx, qid, "smfi_replacebody failed");
		goto done;
	    }
	}
	if (buf_len(newbody) == 0)
	    (void) smfi_replacebody(ctx, (unsigned char *) "", 0);
    }
    if (c->trusted) {
	BUF    *arg = buf_alloc(200);

	buf_sprintf(arg, "<%s>", buf_str(verp));
	if (smfi_chgfrom(ctx, buf_str(arg), 0) != MI_SUCCESS) {
	    buf_free(arg);
	    ret = mlt_fail(ctx, qid, "smfi_chgfrom failed");
	    goto done;
	}
	buf_free(arg);
	if (mlt_records_on
	    && mlt_record_put(msgid, buf_str(campaign), buf_str(from_dom), qid,
			      status, send_at, c->rcpts, c->nrcpt, why) < 0) {
	    ret = mlt_fail(ctx, qid, buf_str(why));
	    goto done;
	}
	if (status == PFDB_ST_SCHEDULED) {
	    char    reason[100];
	    struct tm tm;

	    gmtime_r(&send_at, &tm);
	    strftime(reason, sizeof(reason), "postbulk scheduled %Y-%m-%dT%H:%M:%SZ", &tm);
	    if (smfi_quarantine(ctx, reason) != MI_SUCCESS) {
		ret = mlt_fail(ctx, qid, "smfi_quarantine failed");
		goto done;
	    }
	}
	log_info("%s: verp=%s, campaign=%s, msgid=%s, rcpts=%lu%s%s%s", qid,
		 buf_str(verp), buf_len(campaign) ? buf_str(campaign) : "-", msgid,
		 (unsigned long) c->nrcpt, merge ? ", merged=yes" : "",
		 advertising ? ", advertising=yes" : "",
		 status == PFDB_ST_SCHEDULED ? ", status=scheduled" : "");
    }
    if (nsig > 0)
	log_info("%s: dkim=signed %s", qid, buf_str(info));
    else if (c->trusted)
	log_info("%s: dkim=none d=%s", qid, buf_len(from_dom) ? buf_str(from_dom) : "-");

done:
    mlt_vars_free(vars);
    mlt_hdrs_free(&merged);
    mlt_hdrs_free(&final);
    mlt_hdrs_free(&sigs);
    buf_free(why);
    buf_free(src);
    if (newbody)
	buf_free(newbody);
    if (footer)
	buf_free(footer);
    buf_free(campaign);
    buf_free(verp);
    buf_free(unsub);
    buf_free(tok);
    buf_free(lu);
    buf_free(url);
    buf_free(from_dom);
    buf_free(info);
    buf_free(fold);
    mlt_msg_reset(c);
    return (ret == SMFIS_CONTINUE ? SMFIS_ACCEPT : ret);
}

/* mlt_abort - message aborted */

static sfsistat mlt_abort(SMFICTX *ctx)
{
    MLT_CTX *c = smfi_getpriv(ctx);

    if (c)
	mlt_msg_reset(c);
    return (SMFIS_CONTINUE);
}

/* mlt_close - connection closed */

static sfsistat mlt_close(SMFICTX *ctx)
{
    MLT_CTX *c = smfi_getpriv(ctx);

    if (c) {
	mlt_msg_reset(c);
	buf_free(c->body);
	free(c);
	smfi_setpriv(ctx, 0);
    }
    return (SMFIS_CONTINUE);
}

struct smfiDesc mlt_filter_desc = {
    "postbulk-milter",
    SMFI_VERSION,
    MLT_ACTIONS,
    mlt_connect,
    0,					/* helo */
    mlt_envfrom,
    mlt_envrcpt,
    mlt_header,
    0,					/* eoh */
    mlt_body,
    mlt_eom,
    mlt_abort,
    mlt_close,
    0,					/* unknown */
    0,					/* data */
    mlt_negotiate,
};
