/*
 * NAME
 *	pfdb_backoff 3 - backoff state per destination group
 * SYNOPSIS
 *	#include "pfdb.h"
 *
 *	int pfdb_backoff_get(PFDB *db, PFDB_TXN *txn, const char *group,
 *			PFDB_BACKOFF *out);
 *	int pfdb_backoff_put(PFDB *db, PFDB_TXN *txn, const PFDB_BACKOFF *b);
 *	int pfdb_backoff_walk(PFDB *db, int (*cb)(const PFDB_BACKOFF *, void *),
 *			void *ctx);
 * DESCRIPTION
 *	Key: the destination group name. Record (version 1): group,
 *	since, until, level, events, last_event, last_reason, last_reply.
 * DIAGNOSTICS
 *	Lookups 1 / 0 / -1, updates 0 / -1.
 */
#include <string.h>

#include "buf.h"

#include "pfdb_impl.h"

static void pfdb_backoff_encode(BUF *b, const PFDB_BACKOFF *r)
{
    pfdb_enc_begin(b, PFDB_V_BACKOFF);
    pfdb_enc_str(b, r->group);
    pfdb_enc_int(b, (int64_t) r->since);
    pfdb_enc_int(b, (int64_t) r->until);
    pfdb_enc_int(b, r->level);
    pfdb_enc_int(b, r->events);
    pfdb_enc_int(b, (int64_t) r->last_event);
    pfdb_enc_str(b, r->last_reason);
    pfdb_enc_str(b, r->last_reply);
}

static int pfdb_backoff_decode(const void *data, size_t len, void *out)
{
    PFDB_BACKOFF *r = out;
    PFDB_DEC d;

    if (pfdb_dec_begin(&d, data, len, PFDB_V_BACKOFF) < 0)
	return (-1);
    if (r == 0)
	return (0);
    pfdb_dec_str(&d, r->group, sizeof(r->group));
    r->since = (time_t) pfdb_dec_int(&d);
    r->until = (time_t) pfdb_dec_int(&d);
    r->level = (int) pfdb_dec_int(&d);
    r->events = (uint32_t) pfdb_dec_int(&d);
    r->last_event = (time_t) pfdb_dec_int(&d);
    pfdb_dec_str(&d, r->last_reason, sizeof(r->last_reason));
    pfdb_dec_str(&d, r->last_reply, sizeof(r->last_reply));
    return (pfdb_dec_end(&d));
}

int     pfdb_backoff_get(PFDB *db, PFDB_TXN *txn, const char *group,
			         PFDB_BACKOFF *out)
{
    if (pfdb_key_check("destination group", group, PFDB_NAME_MAX) < 0)
	return (-1);
    return (pfdb_kv_get(db, txn, PFDB_T_BACKOFF, group, strlen(group),
			pfdb_backoff_decode, out));
}

int     pfdb_backoff_put(PFDB *db, PFDB_TXN *txn, const PFDB_BACKOFF *r)
{
    BUF    *b;
    int     ret;

    if (pfdb_key_check("destination group", r->group, PFDB_NAME_MAX) < 0)
	return (-1);
    b = buf_alloc(256);
    pfdb_backoff_encode(b, r);
    ret = pfdb_kv_put(db, txn, PFDB_T_BACKOFF, r->group, strlen(r->group), b);
    buf_free(b);
    return (ret);
}

typedef struct PFDB_BACKOFF_WALK {
    int     (*cb) (const PFDB_BACKOFF *, void *);
    void   *ctx;
    int     corrupt;
} PFDB_BACKOFF_WALK;

static int pfdb_backoff_walk_fn(const void *k, size_t klen, const void *d,
				        size_t dlen, void *ctx)
{
    PFDB_BACKOFF_WALK *w = ctx;
    PFDB_BACKOFF r;

    if (pfdb_backoff_decode(d, dlen, &r) < 0) {
	w->corrupt++;
	return (0);
    }
    return (w->cb(&r, w->ctx));
}

int     pfdb_backoff_walk(PFDB *db, int (*cb) (const PFDB_BACKOFF *, void *),
			          void *ctx)
{
    PFDB_BACKOFF_WALK w = {cb, ctx, 0};
    int     ret = pfdb_scan(db, PFDB_T_BACKOFF, "", 0, pfdb_backoff_walk_fn, &w);

    if (ret == 0 && w.corrupt) {
	pfdb_set_error(PFDB_EFAIL, "db %s: backoff.db: %d malformed records "
		       "skipped", db->dir, w.corrupt);
	return (-1);
    }
    return (ret);
}
