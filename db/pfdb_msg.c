/*
 * NAME
 *	pfdb_msg 3 - message records and their secondary indexes
 * SYNOPSIS
 *	#include "pfdb.h"
 *
 *	int pfdb_msg_get(PFDB *db, PFDB_TXN *txn, const char *msgid,
 *			const char *rcpt, PFDB_MSG *out);
 *	int pfdb_msg_put(PFDB *db, PFDB_TXN *txn, const PFDB_MSG *msg);
 *	int pfdb_msg_del(PFDB *db, PFDB_TXN *txn, const char *msgid,
 *			const char *rcpt);
 *	int pfdb_msg_walk(PFDB *db, PFDB_MSG_FN cb, void *ctx);
 *	int pfdb_msg_by_msgid(PFDB *db, const char *msgid, PFDB_MSG_FN cb, void *ctx);
 *	int pfdb_msg_by_queueid(PFDB *db, const char *qid, PFDB_MSG_FN cb, void *ctx);
 *	int pfdb_msg_by_campaign(PFDB *db, const char *c, PFDB_MSG_FN cb, void *ctx);
 *	int pfdb_msg_by_rcpt(PFDB *db, const char *rcpt, PFDB_MSG_FN cb, void *ctx);
 *	int pfdb_msg_campaign_has_rcpt(PFDB *db, const char *c, const char *rcpt);
 *	int pfdb_msg_by_campaign_rcpt(PFDB *db, const char *c, const char *rcpt,
 *			PFDB_MSG_FN cb, void *ctx);
 * DESCRIPTION
 *	One record per (message id, recipient); primary key
 *	"msgid NUL rcpt". Record (version 1): msgid, rcpt, campaign,
 *	sender_domain, status, queue_id, queued, updated, send_at,
 *	attempts, dsn, reason, diag; version 2 appends committed (a
 *	version 1 record reads as committed 0, "not confirmed").
 *
 *	Secondary indexes (DB->associate, maintained by Berkeley DB in the
 *	same transaction): msg_queueid.db "qid NUL msgid NUL rcpt",
 *	msg_rcpt.db "rcpt NUL msgid", msg_campaign.db
 *	"campaign NUL rcpt NUL msgid". A record without queue id or
 *	campaign is not in that index (DB_DONOTINDEX).
 *
 *	pfdb_msg_campaign_has_rcpt() is the duplicate guard policyd runs
 *	at every RCPT: one DB_SET_RANGE on msg_campaign.db, reading no
 *	record data (DB_DBT_PARTIAL, length 0). Only when it answers 1
 *	does policyd read the records themselves, with
 *	pfdb_msg_by_campaign_rcpt() (prefix "campaign NUL rcpt NUL" of
 *	msg_campaign.db), to tell a message Postfix committed from one
 *	that was recorded but never queued.
 *
 *	Walks call back in key order, without any lock held, and resume
 *	after the last key; records changed during a walk may or may not
 *	be seen.
 * DIAGNOSTICS
 *	Lookups 1 / 0 / -1, updates 0 / -1.
 */

/* System library. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Project library. */
#include "buf.h"
#include "mem.h"

/* Local. */
#include "pfdb_impl.h"

/* pfdb_msg_encode - explicit record encoding */

static void pfdb_msg_encode(BUF *b, const PFDB_MSG *m)
{
    pfdb_enc_begin(b, PFDB_V_MSG);
    pfdb_enc_str(b, m->msgid);
    pfdb_enc_str(b, m->rcpt);
    pfdb_enc_str(b, m->campaign);
    pfdb_enc_str(b, m->sender_domain);
    pfdb_enc_int(b, m->status);
    pfdb_enc_str(b, m->queue_id);
    pfdb_enc_int(b, (int64_t) m->queued);
    pfdb_enc_int(b, (int64_t) m->updated);
    pfdb_enc_int(b, (int64_t) m->send_at);
    pfdb_enc_int(b, m->attempts);
    pfdb_enc_str(b, m->dsn);
    pfdb_enc_str(b, m->reason);
    pfdb_enc_str(b, m->diag);
    pfdb_enc_int(b, (int64_t) m->committed);	/* version 2 */
}

/* pfdb_msg_decode - the reverse */

int     pfdb_msg_decode(const void *data, size_t len, void *out)
{
    PFDB_MSG *m = out;
    PFDB_DEC d;

    if (pfdb_dec_begin(&d, data, len, PFDB_V_MSG) < 0)
	return (-1);
    if (m == 0)
	return (0);
    pfdb_dec_str(&d, m->msgid, sizeof(m->msgid));
    pfdb_dec_str(&d, m->rcpt, sizeof(m->rcpt));
    pfdb_dec_str(&d, m->campaign, sizeof(m->campaign));
    pfdb_dec_str(&d, m->sender_domain, sizeof(m->sender_domain));
    m->status = (int) pfdb_dec_int(&d);
    pfdb_dec_str(&d, m->queue_id, sizeof(m->queue_id));
    m->queued = (time_t) pfdb_dec_int(&d);
    m->updated = (time_t) pfdb_dec_int(&d);
    m->send_at = (time_t) pfdb_dec_int(&d);
    m->attempts = (uint32_t) pfdb_dec_int(&d);
    pfdb_dec_str(&d, m->dsn, sizeof(m->dsn));
    pfdb_dec_str(&d, m->reason, sizeof(m->reason));
    pfdb_dec_str(&d, m->diag, sizeof(m->diag));
    m->committed = (time_t) pfdb_dec_int(&d);	/* 0 in version 1 */
    return (pfdb_dec_end(&d));
}

/* pfdb_key2 - "a NUL b" (and optionally "NUL c") */

static void pfdb_key3(BUF *k, const char *a, const char *b, const char *c)
{
    buf_reset(k);
    buf_puts(k, a);
    buf_putc(k, 0);
    buf_puts(k, b);
    if (c) {
	buf_putc(k, 0);
	buf_puts(k, c);
    }
}

/* pfdb_msg_index_key - the key of message m in secondary table t */

void    pfdb_msg_index_key(int t, const PFDB_MSG *m, BUF *k)
{
    switch (t) {
    case PFDB_T_MSG:
	pfdb_key3(k, m->msgid, m->rcpt, NULL);
	break;
    case PFDB_T_MSG_QID:
	pfdb_key3(k, m->queue_id, m->msgid, m->rcpt);
	break;
    case PFDB_T_MSG_RCPT:
	pfdb_key3(k, m->rcpt, m->msgid, NULL);
	break;
    case PFDB_T_MSG_CRCPT:
	pfdb_key3(k, m->campaign, m->rcpt, m->msgid);
	break;
    default:
	buf_reset(k);
	break;
    }
}

/* pfdb_msg_idx - associate() callback: secondary key from a record */

static int pfdb_msg_idx(int t, const DBT *data, DBT *result)
{
    PFDB_MSG *m = xmalloc(sizeof(*m));
    BUF    *k;

    if (pfdb_msg_decode(data->data, data->size, m) < 0) {
	free(m);
	return (EINVAL);			/* never index garbage silently */
    }
    if ((t == PFDB_T_MSG_QID && m->queue_id[0] == 0)
	|| (t == PFDB_T_MSG_CRCPT && m->campaign[0] == 0)) {
	free(m);
	return (DB_DONOTINDEX);
    }
    k = buf_alloc(256);
    pfdb_msg_index_key(t, m, k);
    memset(result, 0, sizeof(*result));
    result->data = xmalloc(buf_len(k));
    memcpy(result->data, buf_str(k), buf_len(k));
    result->size = (u_int32_t) buf_len(k);
    result->flags = DB_DBT_APPMALLOC;
    buf_free(k);
    free(m);
    return (0);
}

int     pfdb_msg_idx_qid(DB *sdb, const DBT *key, const DBT *data, DBT *result)
{
    return (pfdb_msg_idx(PFDB_T_MSG_QID, data, result));
}

int     pfdb_msg_idx_rcpt(DB *sdb, const DBT *key, const DBT *data, DBT *result)
{
    return (pfdb_msg_idx(PFDB_T_MSG_RCPT, data, result));
}

int     pfdb_msg_idx_crcpt(DB *sdb, const DBT *key, const DBT *data, DBT *result)
{
    return (pfdb_msg_idx(PFDB_T_MSG_CRCPT, data, result));
}

/* pfdb_msg_check - fields that keys are made of */

static int pfdb_msg_check(const char *msgid, const char *rcpt)
{
    if (pfdb_key_check("message id", msgid, PFDB_ID_MAX) < 0
	|| pfdb_key_check("recipient", rcpt, PFDB_ADDR_MAX) < 0)
	return (-1);
    return (0);
}

int     pfdb_msg_get(PFDB *db, PFDB_TXN *txn, const char *msgid, const char *rcpt,
		             PFDB_MSG *out)
{
    BUF    *k;
    int     ret;

    if (pfdb_msg_check(msgid, rcpt) < 0)
	return (-1);
    k = buf_alloc(128);
    pfdb_key3(k, msgid, rcpt, NULL);
    ret = pfdb_kv_get(db, txn, PFDB_T_MSG, buf_str(k), buf_len(k),
		      pfdb_msg_decode, out);
    buf_free(k);
    return (ret);
}

int     pfdb_msg_put(PFDB *db, PFDB_TXN *txn, const PFDB_MSG *m)
{
    BUF    *k, *v;
    int     ret;

    if (pfdb_msg_check(m->msgid, m->rcpt) < 0)
	return (-1);
    if (m->campaign[0] && pfdb_key_check("campaign", m->campaign, PFDB_NAME_MAX) < 0)
	return (-1);
    if (m->queue_id[0] && pfdb_key_check("queue id", m->queue_id,
					 sizeof(m->queue_id) - 1) < 0)
	return (-1);
    k = buf_alloc(128);
    v = buf_alloc(256);
    pfdb_key3(k, m->msgid, m->rcpt, NULL);
    pfdb_msg_encode(v, m);
    ret = pfdb_kv_put(db, txn, PFDB_T_MSG, buf_str(k), buf_len(k), v);
    buf_free(k);
    buf_free(v);
    return (ret);
}

int     pfdb_msg_del(PFDB *db, PFDB_TXN *txn, const char *msgid, const char *rcpt)
{
    BUF    *k;
    int     ret;

    if (pfdb_msg_check(msgid, rcpt) < 0)
	return (-1);
    k = buf_alloc(128);
    pfdb_key3(k, msgid, rcpt, NULL);
    ret = pfdb_kv_del(db, txn, PFDB_T_MSG, buf_str(k), buf_len(k));
    buf_free(k);
    return (ret);
}

/* Walks. */

typedef struct PFDB_MSG_WALK {
    int     (*cb) (const PFDB_MSG *, void *);
    void   *ctx;
    PFDB_MSG msg;
    int     corrupt;
} PFDB_MSG_WALK;

static int pfdb_msg_walk_fn(const void *k, size_t klen, const void *d,
			            size_t dlen, void *ctx)
{
    PFDB_MSG_WALK *w = ctx;

    if (pfdb_msg_decode(d, dlen, &w->msg) < 0) {
	w->corrupt++;
	return (0);
    }
    return (w->cb(&w->msg, w->ctx));
}

static int pfdb_msg_scan(PFDB *db, int table, const char *a, const char *b,
			         int (*cb) (const PFDB_MSG *, void *), void *ctx)
{
    PFDB_MSG_WALK *w = xcalloc(1, sizeof(*w));
    BUF    *prefix = buf_alloc(128);
    int     ret;

    if (a) {
	buf_puts(prefix, a);
	buf_putc(prefix, 0);
	if (b) {
	    buf_puts(prefix, b);
	    buf_putc(prefix, 0);
	}
    }
    w->cb = cb;
    w->ctx = ctx;
    ret = pfdb_scan(db, table, buf_str(prefix), buf_len(prefix),
		    pfdb_msg_walk_fn, w);
    if (ret == 0 && w->corrupt) {
	pfdb_set_error(PFDB_EFAIL, "db %s: %s: %d malformed message records "
		       "skipped", db->dir, pfdb_tables[table].file, w->corrupt);
	ret = -1;
    }
    buf_free(prefix);
    free(w);
    return (ret);
}

int     pfdb_msg_walk(PFDB *db, int (*cb) (const PFDB_MSG *, void *), void *ctx)
{
    return (pfdb_msg_scan(db, PFDB_T_MSG, NULL, NULL, cb, ctx));
}

int     pfdb_msg_by_msgid(PFDB *db, const char *msgid,
		         int (*cb) (const PFDB_MSG *, void *), void *ctx)
{
    if (pfdb_key_check("message id", msgid, PFDB_ID_MAX) < 0)
	return (-1);
    return (pfdb_msg_scan(db, PFDB_T_MSG, msgid, NULL, cb, ctx));
}

int     pfdb_msg_by_queueid(PFDB *db, const char *qid,
		         int (*cb) (const PFDB_MSG *, void *), void *ctx)
{
    if (pfdb_key_check("queue id", qid, 31) < 0)
	return (-1);
    return (pfdb_msg_scan(db, PFDB_T_MSG_QID, qid, NULL, cb, ctx));
}

int     pfdb_msg_by_campaign(PFDB *db, const char *campaign,
		         int (*cb) (const PFDB_MSG *, void *), void *ctx)
{
    if (pfdb_key_check("campaign", campaign, PFDB_NAME_MAX) < 0)
	return (-1);
    return (pfdb_msg_scan(db, PFDB_T_MSG_CRCPT, campaign, NULL, cb, ctx));
}

int     pfdb_msg_by_rcpt(PFDB *db, const char *rcpt,
		         int (*cb) (const PFDB_MSG *, void *), void *ctx)
{
    if (pfdb_key_check("recipient", rcpt, PFDB_ADDR_MAX) < 0)
	return (-1);
    return (pfdb_msg_scan(db, PFDB_T_MSG_RCPT, rcpt, NULL, cb, ctx));
}

int     pfdb_msg_by_campaign_rcpt(PFDB *db, const char *campaign, const char *rcpt,
		         int (*cb) (const PFDB_MSG *, void *), void *ctx)
{
    if (pfdb_key_check("campaign", campaign, PFDB_NAME_MAX) < 0
	|| pfdb_key_check("recipient", rcpt, PFDB_ADDR_MAX) < 0)
	return (-1);
    return (pfdb_msg_scan(db, PFDB_T_MSG_CRCPT, campaign, rcpt, cb, ctx));
}

/* Duplicate guard. */

typedef struct PFDB_HAS {
    const char *prefix;
    size_t  plen;
} PFDB_HAS;

static int pfdb_has_op(PFDB *db, DB_TXN *tid, void *ctx)
{
    PFDB_HAS *h = ctx;
    DB     *dbp = db->dbs[PFDB_T_MSG_CRCPT];
    char    kbuf[1024];
    DBT     key, data;
    DBC    *cur;
    int     ret, cret;

    if ((ret = dbp->cursor(dbp, tid, &cur, 0)) != 0)
	return (ret);
    memset(&key, 0, sizeof(key));
    memset(&data, 0, sizeof(data));
    memcpy(kbuf, h->prefix, h->plen);
    key.data = kbuf;
    key.size = (u_int32_t) h->plen;
    key.ulen = sizeof(kbuf);
    key.flags = DB_DBT_USERMEM;
    data.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;
    data.dlen = 0;
    data.ulen = 0;
    ret = cur->get(cur, &key, &data, DB_SET_RANGE);
    if (ret == 0 && (key.size < h->plen || memcmp(kbuf, h->prefix, h->plen) != 0))
	ret = DB_NOTFOUND;
    if (ret == DB_BUFFER_SMALL)			/* longer key: not our prefix */
	ret = DB_NOTFOUND;
    cret = cur->close(cur);
    return (ret ? ret : cret);
}

int     pfdb_msg_campaign_has_rcpt(PFDB *db, const char *campaign, const char *rcpt)
{
    char    prefix[PFDB_NAME_MAX + PFDB_ADDR_MAX + 3];
    size_t  clen, rlen;
    PFDB_HAS h;
    int     ret;

    if (pfdb_key_check("campaign", campaign, PFDB_NAME_MAX) < 0
	|| pfdb_key_check("recipient", rcpt, PFDB_ADDR_MAX) < 0)
	return (-1);
    clen = strlen(campaign);
    rlen = strlen(rcpt);
    memcpy(prefix, campaign, clen);
    prefix[clen] = 0;
    memcpy(prefix + clen + 1, rcpt, rlen);
    prefix[clen + 1 + rlen] = 0;
    h.prefix = prefix;
    h.plen = clen + rlen + 2;
    ret = pfdb_run(db, NULL, PFDB_OP_READ, pfdb_has_op, &h);
    if (ret != 0 && ret != DB_NOTFOUND)
	pfdb_set_dberror(ret, "msg_campaign.db");
    return (pfdb_result(ret));
}
