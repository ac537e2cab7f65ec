/*
 * NAME
 *	pfdb_counter 3 - named 64-bit counters
 * SYNOPSIS
 *	#include "pfdb.h"
 *
 *	int pfdb_counter_add(PFDB *db, PFDB_TXN *txn, const char *name,
 *			int64_t delta, int64_t *newval);
 *	int pfdb_counter_get(PFDB *db, PFDB_TXN *txn, const char *name,
 *			int64_t *val);
 *	int pfdb_counter_put(PFDB *db, PFDB_TXN *txn, const char *name,
 *			int64_t val);
 *	int pfdb_counter_walk(PFDB *db, const char *prefix,
 *			int (*cb)(const char *name, int64_t val, void *), void *ctx);
 * DESCRIPTION
 *	Free-form names such as "sent/naver/2026-11-23" (policyd's rate
 *	and daily caps). Record (version 1): the value. pfdb_counter_add()
 *	is an atomic read-modify-write (DB_RMW); a missing counter counts
 *	as 0. pfdb_counter_walk() visits the names that start with
 *	prefix ("" = all) in order.
 * DIAGNOSTICS
 *	pfdb_counter_get: 1 / 0 / -1 (*val = 0 when absent); the others
 *	0 / -1.
 */
#include <string.h>

#include "buf.h"

#include "pfdb_impl.h"

#define PFDB_COUNTER_MAX 255

static int pfdb_counter_decode(const void *data, size_t len, void *out)
{
    PFDB_DEC d;
    int64_t v;

    if (pfdb_dec_begin(&d, data, len, PFDB_V_COUNTER) < 0)
	return (-1);
    v = pfdb_dec_int(&d);
    if (out)
	*(int64_t *) out = v;
    return (pfdb_dec_end(&d));
}

static void pfdb_counter_encode(BUF *b, int64_t v)
{
    pfdb_enc_begin(b, PFDB_V_COUNTER);
    pfdb_enc_int(b, v);
}

typedef struct PFDB_COUNTER_ADD {
    int64_t delta;
    int64_t result;
} PFDB_COUNTER_ADD;

static int pfdb_counter_add_fn(const void *old, size_t len, BUF *out, void *ctx)
{
    PFDB_COUNTER_ADD *a = ctx;
    int64_t v = 0;

    if (old && pfdb_counter_decode(old, len, &v) < 0)
	return (-1);
    a->result = v + a->delta;
    pfdb_counter_encode(out, a->result);
    return (0);
}

int     pfdb_counter_add(PFDB *db, PFDB_TXN *txn, const char *name, int64_t delta,
			         int64_t *newval)
{
    PFDB_COUNTER_ADD a = {delta, 0};

    if (pfdb_key_check("counter name", name, PFDB_COUNTER_MAX) < 0)
	return (-1);
    if (pfdb_kv_update(db, txn, PFDB_T_COUNTER, name, strlen(name),
		       pfdb_counter_add_fn, &a) < 0)
	return (-1);
    if (newval)
	*newval = a.result;
    return (0);
}

int     pfdb_counter_get(PFDB *db, PFDB_TXN *txn, const char *name, int64_t *val)
{
    int64_t v = 0;
    int     ret;

    if (pfdb_key_check("counter name", name, PFDB_COUNTER_MAX) < 0)
	return (-1);
    ret = pfdb_kv_get(db, txn, PFDB_T_COUNTER, name, strlen(name),
		      pfdb_counter_decode, &v);
    if (val)
	*val = ret > 0 ? v : 0;
    return (ret);
}

int     pfdb_counter_put(PFDB *db, PFDB_TXN *txn, const char *name, int64_t val)
{
    BUF    *b;
    int     ret;

    if (pfdb_key_check("counter name", name, PFDB_COUNTER_MAX) < 0)
	return (-1);
    b = buf_alloc(32);
    pfdb_counter_encode(b, val);
    ret = pfdb_kv_put(db, txn, PFDB_T_COUNTER, name, strlen(name), b);
    buf_free(b);
    return (ret);
}

typedef struct PFDB_COUNTER_WALK {
    int     (*cb) (const char *, int64_t, void *);
    void   *ctx;
    int     corrupt;
} PFDB_COUNTER_WALK;

static int pfdb_counter_walk_fn(const void *k, size_t klen, const void *d,
				        size_t dlen, void *ctx)
{
    PFDB_COUNTER_WALK *w = ctx;
    char    name[PFDB_COUNTER_MAX + 1];
    int64_t v;

    if (klen > PFDB_COUNTER_MAX || pfdb_counter_decode(d, dlen, &v) < 0) {
	w->corrupt++;
	return (0);
    }
    memcpy(name, k, klen);
    name[klen] = 0;
    return (w->cb(name, v, w->ctx));
}

int     pfdb_counter_walk(PFDB *db, const char *prefix,
		           int (*cb) (const char *, int64_t, void *), void *ctx)
{
    PFDB_COUNTER_WALK w = {cb, ctx, 0};
    int     ret;

    if (prefix == 0)
	prefix = "";
    ret = pfdb_scan(db, PFDB_T_COUNTER, prefix, strlen(prefix),
		    pfdb_counter_walk_fn, &w);
    if (ret == 0 && w.corrupt) {
	pfdb_set_error(PFDB_EFAIL, "db %s: counters.db: %d malformed records "
		       "skipped", db->dir, w.corrupt);
	return (-1);
    }
    return (ret);
}
