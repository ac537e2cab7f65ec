/*
 * NAME
 *	pfdb_campaign 3 - the campaigns table
 * SYNOPSIS
 *	#include "pfdb.h"
 *
 *	int pfdb_campaign_get(PFDB *db, PFDB_TXN *txn, const char *name,
 *			PFDB_CAMPAIGN *out);
 *	int pfdb_campaign_put(PFDB *db, PFDB_TXN *txn, const PFDB_CAMPAIGN *c);
 *	int pfdb_campaign_walk(PFDB *db, int (*cb)(const PFDB_CAMPAIGN *,
 *			void *), void *ctx);
 * DESCRIPTION
 *	Key: the campaign name. Record (version 1): name, created,
 *	send_at, from, template_name, rows, canceled.
 * DIAGNOSTICS
 *	Lookups 1 / 0 / -1, updates 0 / -1.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mem.h"

#include "pfdb_impl.h"

static void pfdb_campaign_encode(BUF *b, const PFDB_CAMPAIGN *c)
{
    pfdb_enc_begin(b, PFDB_V_CAMPAIGN);
    pfdb_enc_str(b, c->name);
    pfdb_enc_int(b, (int64_t) c->created);
    pfdb_enc_int(b, (int64_t) c->send_at);
    pfdb_enc_str(b, c->from);
    pfdb_enc_str(b, c->template_name);
    pfdb_enc_int(b, c->rows);
    pfdb_enc_int(b, c->canceled);
}

static int pfdb_campaign_decode(const void *data, size_t len, void *out)
{
    PFDB_CAMPAIGN *c = out;
    PFDB_DEC d;

    if (pfdb_dec_begin(&d, data, len, PFDB_V_CAMPAIGN) < 0)
	return (-1);
    if (c == 0)
	return (0);
    pfdb_dec_str(&d, c->name, sizeof(c->name));
    c->created = (time_t) pfdb_dec_int(&d);
    c->send_at = (time_t) pfdb_dec_int(&d);
    pfdb_dec_str(&d, c->from, sizeof(c->from));
    pfdb_dec_str(&d, c->template_name, sizeof(c->template_name));
    c->rows = (uint32_t) pfdb_dec_int(&d);
    c->canceled = (int) pfdb_dec_int(&d);
    return (pfdb_dec_end(&d));
}

int     pfdb_campaign_get(PFDB *db, PFDB_TXN *txn, const char *name,
			          PFDB_CAMPAIGN *out)
{
    if (pfdb_key_check("campaign", name, PFDB_NAME_MAX) < 0)
	return (-1);
    return (pfdb_kv_get(db, txn, PFDB_T_CAMPAIGN, name, strlen(name),
			pfdb_campaign_decode, out));
}

int     pfdb_campaign_put(PFDB *db, PFDB_TXN *txn, const PFDB_CAMPAIGN *c)
{
    BUF    *b;
    int     ret;

    if (pfdb_key_check("campaign", c->name, PFDB_NAME_MAX) < 0)
	return (-1);
    b = buf_alloc(256);
    pfdb_campaign_encode(b, c);
    ret = pfdb_kv_put(db, txn, PFDB_T_CAMPAIGN, c->name, strlen(c->name), b);
    buf_free(b);
    return (ret);
}

typedef struct PFDB_CAMPAIGN_WALK {
    int     (*cb) (const PFDB_CAMPAIGN *, void *);
    void   *ctx;
    int     corrupt;
} PFDB_CAMPAIGN_WALK;

static int pfdb_campaign_walk_fn(const void *k, size_t klen, const void *d,
				         size_t dlen, void *ctx)
{
    PFDB_CAMPAIGN_WALK *w = ctx;
    PFDB_CAMPAIGN c;

    if (pfdb_campaign_decode(d, dlen, &c) < 0) {
	w->corrupt++;
	return (0);
    }
    return (w->cb(&c, w->ctx));
}

int     pfdb_campaign_walk(PFDB *db, int (*cb) (const PFDB_CAMPAIGN *, void *),
			           void *ctx)
{
    PFDB_CAMPAIGN_WALK w = {cb, ctx, 0};
    int     ret = pfdb_scan(db, PFDB_T_CAMPAIGN, "", 0, pfdb_campaign_walk_fn, &w);

    if (ret == 0 && w.corrupt) {
	pfdb_set_error(PFDB_EFAIL, "db %s: campaigns.db: %d malformed records "
		       "skipped", db->dir, w.corrupt);
	return (-1);
    }
    return (ret);
}
