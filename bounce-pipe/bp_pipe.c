/*
 * NAME
 *	bp_pipe 3 - one returned message from pipe(8) to the database
 * DESCRIPTION
 *	See bp_pipe.h. Reads happen before the write transaction (the
 *	message lookups by id walk secondary indexes without locks), so
 *	the transaction itself stays short.
 *
 *	Safety rule: only the recipient of a message record is ever
 *	suppressed, never an address merely named in the report. A
 *	report about another address (forwarding, or a crafted report
 *	that carries a real token) therefore cannot suppress a stranger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "mem.h"
#include "buf.h"
#include "params.h"
#include "token.h"
#include "addr.h"
#include "desttab.h"

#include "pfdb.h"
#include "bp_report.h"
#include "bp_classify.h"
#include "bp_reason.h"
#include "bp_params.h"
#include "bp_quarantine.h"
#include "bp_effects.h"
#include "bp_pipe.h"

#define BP_MAX_RECORDS	1000

typedef struct BP_FOUND {
    PFDB_MSG *msg;
    int     n;
} BP_FOUND;

/* bp_collect - lookup callback: keep every record */

static int bp_collect(const PFDB_MSG *m, void *ctx)
{
    BP_FOUND *f = ctx;

    if (f->n >= BP_MAX_RECORDS)
	return (1);
    f->msg = xrealloc(f->msg, (f->n + 1) * sizeof(*f->msg));
    f->msg[f->n++] = *m;
    return (0);
}

/* bp_qdir - the quarantine directory */

static const char *bp_qdir(BUF *b)
{
    if (*var_bp_quarantine)
	buf_sprintf(b, "%s", var_bp_quarantine);
    else
	buf_sprintf(b, "%s/quarantine", var_db_directory);
    return (buf_str(b));
}

/* bp_keep - quarantine copy; EX_TEMPFAIL when it cannot be written */

static int bp_keep(const char *qid, const char *kind, const char *data, size_t len,
		           const char *note)
{
    BUF    *dir = buf_alloc(128), *path = buf_alloc(128), *why = buf_alloc(128);
    int     status = 0;

    if (bp_quarantine_save(bp_qdir(dir), kind, data, len, note, path, why) < 0) {
	log_error("%s: bounce=%s, action=defer, reason=\"%s\"", qid, kind, buf_str(why));
	status = EX_TEMPFAIL;
    } else
	log_info("%s: bounce=%s, action=quarantined, file=%s, note=\"%s\"", qid, kind,
		 buf_str(path), note);
    buf_free(dir);
    buf_free(path);
    buf_free(why);
    return (status);
}

/* bp_digest - SHA-256 of recipient and message, hex */

static void bp_digest(const char *rcpt, const char *data, size_t len, char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    EVP_MD_CTX *sha = EVP_MD_CTX_new();

    /* Postfix delivers the same message to the same recipient again. */
    if (sha == 0 || EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1
	|| EVP_DigestUpdate(sha, rcpt, strlen(rcpt) + 1) != 1
	|| EVP_DigestUpdate(sha, data, len) != 1
	|| EVP_DigestFinal_ex(sha, md, &mdlen) != 1 || mdlen != 32)
	log_fatal("SHA-256 digest failed");
    EVP_MD_CTX_free(sha);
    for (i = 0; i < mdlen; i++)
	snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* bp_domain_group - destination group of a recipient domain */

static const DESTTAB_GROUP *bp_domain_group(DESTTAB *tab, const char *rcpt,
					            char *group, size_t len)
{
    const char *dom = addr_domain(rcpt);
    const DESTTAB_GROUP *g = 0;

    if (tab && dom && (g = desttab_lookup(tab, dom)) != 0) {
	snprintf(group, len, "%s", g->name);
	return (g);
    }
    /* No destination table: key backoff by the recipient domain. */
    snprintf(group, len, "%s", dom ? dom : "unknown");
    return (0);
}

/* bp_pipe - the whole pipe(8) delivery */

int     bp_pipe(const char *rcpt, const char *sender, const char *queue_id,
		        const char *data, size_t len)
{
    BUF    *why = buf_alloc(128), *tok = buf_alloc(128), *value = buf_alloc(64);
    BUF    *norm = buf_alloc(64);
    TOKEN_KEY key;
    BP_REPORT *rep = 0;
    BP_FOUND found = {0, 0};
    BP_EFFECTS fx;
    PFDB   *db = 0;
    DESTTAB *tab = 0;
    const char *qid = queue_id && *queue_id ? queue_id : "NOQUEUE";
    const char *msgid = 0;
    int     kind = 0, unsub = 0, status = 0, i, j, tr;
    char    qbuf[512], note[512];

    memset(&fx, 0, sizeof(fx));
    if (token_key_load(var_token_key_file, &key, why) < 0) {
	log_error("%s: bounce=config, action=defer, reason=\"%s\"", qid, buf_str(why));
	status = EX_TEMPFAIL;
	goto out;
    }

    /*
     * The token: PREFIX+TOKEN@domain at the bounce or unsubscribe prefix.
     */
    if (token_from_address(rcpt, var_bounce_prefix, tok) == 0
	|| (unsub = (token_from_address(rcpt, var_unsub_prefix, tok) == 0)) != 0) {
	tr = token_parse(&key, buf_str(tok), &kind, value, why);
	if (tr != 1) {
	    snprintf(note, sizeof(note), "%s token in <%s> from <%s>: %s",
		     tr == 0 ? "forged" : "malformed",
		     log_quote(rcpt, qbuf, sizeof(qbuf) / 2), sender, buf_str(why));
	    status = bp_keep(qid, "forged", data, len, note);
	    goto out;
	}
	if (kind == TOKEN_UNSUB)
	    unsub = 1;
	if (kind == TOKEN_MESSAGE || kind == TOKEN_UNSUB)
	    msgid = buf_str(value);
    }

    /*
     * What does the message say? Unsubscribe mails need no report.
     */
    if (!unsub) {
	rep = bp_classify(data, len, why);
	if (rep == 0 || rep->kind == BP_KIND_NONE || rep->nrcpt == 0) {
	    snprintf(note, sizeof(note), "nothing recognized (rcpt <%s>, sender <%s>)",
		     log_quote(rcpt, qbuf, sizeof(qbuf) / 2), sender);
	    status = bp_keep(qid, "unparsed", data, len, note);
	    goto out;
	}
	if (rep->kind == BP_KIND_AUTOREPLY) {
	    log_info("%s: bounce=autoreply, rcpt=<%s>, action=ignored", qid,
		     log_quote(buf_str(rep->rcpt[0].addr), qbuf, sizeof(qbuf)));
	    goto out;
	}
    }

    /*
     * Find the message records.
     */
    if ((db = pfdb_open(var_db_directory, var_bp_fsync ? PFDB_DURABLE : 0, why)) == 0) {
	log_error("%s: bounce=db, action=defer, reason=\"%s\"", qid, buf_str(why));
	status = EX_TEMPFAIL;
	goto out;
    }
    if (msgid) {
	if (pfdb_msg_by_msgid(db, msgid, bp_collect, &found) < 0)
	    goto db_error;
    } else if (rep && buf_len(rep->orig_queueid)) {
	if (pfdb_msg_by_queueid(db, buf_str(rep->orig_queueid), bp_collect, &found) < 0)
	    goto db_error;
    }
    if (found.n == 0 && !msgid && rep && buf_len(rep->orig_msgid)) {
	/* Message-ID "<MSGID@host>": its local part may be our message id. */
	char   *at, *v = xstrdup(buf_str(rep->orig_msgid));

	if ((at = strchr(v, '@')) != 0)
	    *at = 0;
	if (token_value_ok(v) && pfdb_msg_by_msgid(db, v, bp_collect, &found) < 0) {
	    free(v);
	    goto db_error;
	}
	free(v);
    }

    /*
     * Pair each reported recipient with a record. With a verified
     * message id that has one record, that record is the recipient.
     */
    if (unsub) {
	fx.unsubscribe = 1;
	fx.item = xcalloc(found.n + 1, sizeof(*fx.item));
	rep = bp_report_alloc();
	for (i = 0; i < found.n; i++) {
	    BP_RCPT *r = bp_report_add(rep, found.msg[i].rcpt);

	    if (r == 0)
		break;
	    bp_strlcpy(r->reason, "unsubscribe", sizeof(r->reason));
	    fx.item[fx.n].r = r;
	    fx.item[fx.n].msg = found.msg[i];
	    fx.n++;
	}
    } else {
	fx.complaint = (rep->kind == BP_KIND_ARF);
	fx.item = xcalloc(rep->nrcpt + 1, sizeof(*fx.item));
	for (i = 0; i < rep->nrcpt; i++) {
	    BP_RCPT *r = rep->rcpt + i;
	    int     hit = -1;

	    if (addr_normalize(buf_str(r->addr), var_strip_tag ? ADDR_STRIP_TAG : 0,
			       norm, why) == 0) {
		for (j = 0; j < found.n; j++)
		    if (strcasecmp(found.msg[j].rcpt, buf_str(norm)) == 0)
			hit = j;
	    }
	    if (hit < 0 && msgid && found.n == 1 && rep->nrcpt == 1)
		hit = 0;
	    if (hit < 0) {
		log_info("%s: bounce=%s, rcpt=<%s>, status=%s, reason=%s, hard=%d, action=unmatched",
			 qid, msgid ? msgid : "-",
			 log_quote(buf_str(r->addr), qbuf, sizeof(qbuf)),
			 r->status[0] ? r->status : "-", r->reason, r->hard);
		continue;
	    }
	    fx.item[fx.n].r = r;
	    fx.item[fx.n].msg = found.msg[hit];
	    fx.n++;
	}
    }
    if (fx.n == 0) {
	snprintf(note, sizeof(note), "no message record matches (token %s, queue id %s)",
		 msgid ? msgid : "none", rep && buf_len(rep->orig_queueid) ?
		 buf_str(rep->orig_queueid) : "none");
	status = bp_keep(qid, "unmatched", data, len, note);
	goto out;
    }
    if (access(var_dest_table, R_OK) == 0 && (tab = desttab_load(var_dest_table, why)) == 0)
	log_warn("%s: %s; backoff keyed by recipient domain", qid, buf_str(why));
    for (i = 0; i < fx.n; i++)
	fx.item[i].grp = bp_domain_group(tab, fx.item[i].msg.rcpt, fx.item[i].group,
					 sizeof(fx.item[i].group));
    fx.now = time(0);
    bp_digest(rcpt, data, len, fx.digest);
    if (bp_effects_apply(db, &fx) < 0)
	goto db_error;
    for (i = 0; i < fx.n; i++) {
	BP_EFFECT *e = fx.item + i;

	log_info("%s: bounce=%s, rcpt=<%s>, status=%s, reason=%s, hard=%d, action=%s%s%s",
		 e->msg.queue_id[0] ? e->msg.queue_id : qid, e->msg.msgid,
		 log_quote(e->msg.rcpt, qbuf, sizeof(qbuf)),
		 e->r->status[0] ? e->r->status : "-", e->r->reason, e->r->hard,
		 e->action, strcmp(e->action, "backoff") == 0 ? ", group=" : "",
		 strcmp(e->action, "backoff") == 0 ? e->group : "");
    }
    goto out;

db_error:
    log_error("%s: bounce=db, action=defer, reason=\"%s\"", qid, pfdb_strerror(db));
    status = EX_TEMPFAIL;
out:
    if (db)
	pfdb_close(db);
    if (tab)
	desttab_free(tab);
    free(found.msg);
    free(fx.item);
    bp_report_free(rep);
    buf_free(why);
    buf_free(tok);
    buf_free(value);
    buf_free(norm);
    return (status);
}
