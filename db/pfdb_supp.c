/*
 * NAME
 *	pfdb_supp 3 - the suppression table
 * SYNOPSIS
 *	#include "pfdb.h"
 *
 *	int pfdb_supp_get(PFDB *db, PFDB_TXN *txn, const char *key, PFDB_SUPP *out);
 *	int pfdb_supp_put(PFDB *db, PFDB_TXN *txn, const char *key,
 *			const PFDB_SUPP *rec);
 *	int pfdb_supp_add(PFDB *db, PFDB_TXN *txn, const char *key,
 *			const char *reason, const char *source,
 *			const char *detail, time_t now, time_t expires);
 *	int pfdb_supp_del(PFDB *db, PFDB_TXN *txn, const char *key);
 *	int pfdb_supp_walk(PFDB *db, int (*cb)(const char *key,
 *			const PFDB_SUPP *rec, void *ctx), void *ctx);
 *	int pfdb_supp_lookup(PFDB *db, const char *addr, PFDB_SUPP *out,
 *			BUF *matched);
 *	long pfdb_supp_import(PFDB *db, size_t n, const char *const keys[],
 *			const char *const reasons[], const char *source,
 *			time_t now);
 *
 *	int64_t pfdb_supp_stamp(void);
 *	int pfdb_supp_changes(PFDB *db, int64_t since, int (*cb)(const char *key,
 *			int64_t stamp, void *ctx), void *ctx);
 *	int pfdb_supp_journal_last(PFDB *db, int64_t *stamp);
 *	int pfdb_supp_keys(PFDB *db, const char *after, int (*cb)(
 *			const char *key, void *ctx), void *ctx);
 * DESCRIPTION
 *	Keys are addr_normalize() results, or "@domain" for a whole
 *	domain. Record (version 1): reason, source, first, last, count,
 *	expires, detail.
 *
 *	pfdb_supp_get() is the hot path (policyd, every RCPT): without a
 *	txn it is one non-transactional B-tree get into a stack buffer.
 *	It returns the record even when expired; pfdb_supp_lookup() tries
 *	the address, then "@domain", and ignores expired entries.
 *
 *	pfdb_supp_add() is an upsert: a new key gets first = last = now
 *	and count 1; an existing one keeps first, takes the new reason,
 *	source, detail (when given) and expiry, last = now, count + 1.
 *
 *	pfdb_supp_import() adds n keys (reasons[] may be NULL, or hold
 *	NULL entries: reason "import") with pfdb_supp_add semantics, in
 *	transactions of PFDB_IMPORT_BATCH keys, each batch sorted first so
 *	that the B-tree pages it touches are visited in order. A batch
 *	that meets a deadlock is retried as a whole; after every 32 MB of
 *	log a checkpoint lets old log files go. Returns the number
 *	added, or -1 (the batches before the failing one stay committed).
 *
 *	The change journal (supp_changes.db) lets a reader keep a copy of
 *	the suppression keys in memory (policyd's negative filter) without
 *	walking the whole table again: every put or upsert of a suppression
 *	(pfdb_supp_put, pfdb_supp_add, any pfdb_kv_put/update of the table)
 *	adds the entry "stamp key" in the same transaction, where stamp is
 *	the wall-clock time of the write in microseconds (pfdb_supp_stamp(),
 *	8 bytes big-endian, so the journal is in time order). An import
 *	batch adds one entry with the key "*" instead of one per key: "the
 *	table changed in bulk, read it again". Deletions are not journaled
 *	(a filter that still has the key only costs a lookup). Each write
 *	also removes up to PFDB_SUPP_JOURNAL_TRIM entries older than
 *	PFDB_SUPP_JOURNAL_KEEP seconds, so the journal stays small.
 *
 *	Stamps never decrease: a write stamps max(now, newest + 1 us).
 *	Writers serialize on the newest entry (read with DB_RMW), so stamps
 *	follow commit order. pfdb_supp_journal_last() gives the newest stamp
 *	(0 when empty): every entry written later has a higher one, and the
 *	suppression of every entry up to it is already written (a reader
 *	that walks the table waits for it to commit).
 *
 *	Journal reads are dirty reads (DB_READ_UNCOMMITTED): they never
 *	wait for a writer's transaction, and an entry of a transaction that
 *	is later rolled back can only make a filter answer "maybe".
 *
 *	pfdb_supp_changes() calls cb for every journal entry stamped at or
 *	after since, in stamp order ("*" for a bulk change); a non-zero
 *	return stops the walk and is returned. A reader that polls must go
 *	back a little (a transaction can commit a while after its stamp).
 *
 *	pfdb_supp_keys() calls cb for every suppression key after "after"
 *	("" = all), in key order, until cb returns non-zero (returned).
 * DIAGNOSTICS
 *	Lookups 1 / 0 / -1, updates 0 / -1, pfdb_supp_del 1 / 0 / -1.
 */

/* System library. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Project library. */
#include "buf.h"
#include "mem.h"

/* Local. */
#include "pfdb_impl.h"

/* pfdb_supp_encode - explicit record encoding */

static void pfdb_supp_encode(BUF *b, const PFDB_SUPP *s)
{
    pfdb_enc_begin(b, PFDB_V_SUPP);
    pfdb_enc_str(b, s->reason);
    pfdb_enc_str(b, s->source);
    pfdb_enc_int(b, (int64_t) s->first);
    pfdb_enc_int(b, (int64_t) s->last);
    pfdb_enc_int(b, (int64_t) s->count);
    pfdb_enc_int(b, (int64_t) s->expires);
    pfdb_enc_str(b, s->detail);
}

/* pfdb_supp_decode - the reverse */

static int pfdb_supp_decode(const void *data, size_t len, void *out)
{
    PFDB_SUPP *s = out;
    PFDB_DEC d;

    if (pfdb_dec_begin(&d, data, len, PFDB_V_SUPP) < 0)
	return (-1);
    if (s == 0)
	return (0);
    pfdb_dec_str(&d, s->reason, sizeof(s->reason));
    pfdb_dec_str(&d, s->source, sizeof(s->source));
    s->first = (time_t) pfdb_dec_int(&d);
    s->last = (time_t) pfdb_dec_int(&d);
    s->count = (uint32_t) pfdb_dec_int(&d);
    s->expires = (time_t) pfdb_dec_int(&d);
    pfdb_dec_str(&d, s->detail, sizeof(s->detail));
    return (pfdb_dec_end(&d));
}

/* Change journal. */

#define PFDB_SUPP_JOURNAL_KEEP	600	/* seconds an entry is kept */
#define PFDB_SUPP_JOURNAL_TRIM	4	/* old entries removed per write */

int64_t pfdb_supp_stamp(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static void pfdb_supp_stamp_put(unsigned char *out, int64_t stamp)
{
    uint64_t v = (uint64_t) stamp;

    for (int i = 7; i >= 0; i--, v >>= 8)
	out[i] = (unsigned char) (v & 0xff);
}

static int64_t pfdb_supp_stamp_get(const unsigned char *in)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
	v = (v << 8) | in[i];
    return ((int64_t) v);
}

/* pfdb_supp_newest - stamp of the newest journal entry, 0 if none */

static int pfdb_supp_newest(DB *dbp, DB_TXN *tid, u_int32_t flags, int64_t *stamp)
{
    unsigned char kbuf[8 + PFDB_KEY_MAX];
    DBT     key, data;
    DBC    *cur;
    int     ret, cret;

    *stamp = 0;
    if ((ret = dbp->cursor(dbp, tid, &cur, 0)) != 0)
	return (ret);
    memset(&key, 0, sizeof(key));
    memset(&data, 0, sizeof(data));
    key.data = kbuf;
    key.ulen = sizeof(kbuf);
    key.flags = DB_DBT_USERMEM;
    data.flags = DB_DBT_PARTIAL;		/* keys only */
    ret = cur->get(cur, &key, &data, DB_LAST | flags);
    if (ret == 0 && key.size >= 8)
	*stamp = pfdb_supp_stamp_get(kbuf);
    cret = cur->close(cur);
    if (ret == DB_NOTFOUND)
	ret = 0;
    return (ret ? ret : cret);
}

/* pfdb_supp_journal_op - note a written key; drop a few old entries */

int     pfdb_supp_journal_op(PFDB *db, DB_TXN *tid, const void *k, size_t klen)
{
    DB     *dbp = db->dbs[PFDB_T_SUPP_LOG];
    unsigned char kbuf[8 + PFDB_KEY_MAX];
    unsigned char vbuf[16];
    int64_t now = pfdb_supp_stamp();
    int64_t newest;
    int64_t keep;
    BUF    *val;
    DBT     key, data;
    DBC    *cur;
    int     ret, cret;

    if (klen > PFDB_KEY_MAX - 8)
	klen = PFDB_KEY_MAX - 8;		/* callers check: cannot happen */

    /*
     * Stamps never go backwards, whatever the clock does (NTP step, VM
     * restore): a reader follows the journal from the newest stamp it
     * has seen, and an entry stamped below that would never be read.
     * The newest entry is read with a write lock (DB_RMW), which also
     * orders concurrent writers.
     */
    if ((ret = pfdb_supp_newest(dbp, tid, DB_RMW, &newest)) != 0)
	return (ret);
    if (newest >= now)
	now = newest + 1;
    keep = now - (int64_t) PFDB_SUPP_JOURNAL_KEEP * 1000000;
    val = buf_alloc(16);
    pfdb_supp_stamp_put(kbuf, now);
    memcpy(kbuf + 8, k, klen);
    pfdb_enc_begin(val, PFDB_V_SUPP_LOG);
    memcpy(vbuf, buf_str(val), buf_len(val));
    memset(&key, 0, sizeof(key));
    memset(&data, 0, sizeof(data));
    key.data = kbuf;
    key.size = (u_int32_t) (8 + klen);
    data.data = vbuf;
    data.size = (u_int32_t) buf_len(val);
    buf_free(val);
    if ((ret = dbp->put(dbp, tid, &key, &data, 0)) != 0)
	return (ret);

    /* Trim from the old end. */
    if ((ret = dbp->cursor(dbp, tid, &cur, 0)) != 0)
	return (ret);
    for (int n = 0; n < PFDB_SUPP_JOURNAL_TRIM; n++) {
	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	key.data = kbuf;
	key.ulen = sizeof(kbuf);
	key.flags = DB_DBT_USERMEM;
	data.flags = DB_DBT_PARTIAL;		/* keys only */
	if ((ret = cur->get(cur, &key, &data, n == 0 ? DB_FIRST : DB_NEXT)) != 0)
	    break;
	if (key.size < 8 || pfdb_supp_stamp_get(kbuf) >= keep)
	    break;
	if ((ret = cur->del(cur, 0)) != 0)
	    break;
    }
    if (ret == DB_NOTFOUND)
	ret = 0;
    cret = cur->close(cur);
    return (ret ? ret : cret);
}

/* pfdb_supp_journal_last - the newest stamp in the journal, 0 if empty */

static int pfdb_supp_last_op(PFDB *db, DB_TXN *tid, void *ctx)
{
    return (pfdb_supp_newest(db->dbs[PFDB_T_SUPP_LOG], tid,
			     DB_READ_UNCOMMITTED, (int64_t *) ctx));
}

int     pfdb_supp_journal_last(PFDB *db, int64_t *stamp)
{
    int     ret = pfdb_run(db, NULL, PFDB_OP_READ, pfdb_supp_last_op, stamp);

    if (ret != 0) {
	pfdb_set_dberror(ret, pfdb_tables[PFDB_T_SUPP_LOG].file);
	return (-1);
    }
    return (0);
}

typedef struct PFDB_SUPP_CHANGES {
    int     (*cb) (const char *, int64_t, void *);
    void   *ctx;
} PFDB_SUPP_CHANGES;

static int pfdb_supp_changes_fn(const void *k, size_t klen, const void *d,
				        size_t dlen, void *ctx)
{
    PFDB_SUPP_CHANGES *c = ctx;
    char    key[PFDB_KEY_MAX + 1];

    if (klen <= 8 || klen - 8 > PFDB_KEY_MAX)
	return (0);				/* not ours: skip */
    memcpy(key, (const char *) k + 8, klen - 8);
    key[klen - 8] = 0;
    return (c->cb(key, pfdb_supp_stamp_get(k), c->ctx));
}

int     pfdb_supp_changes(PFDB *db, int64_t since,
			          int (*cb) (const char *, int64_t, void *), void *ctx)
{
    PFDB_SUPP_CHANGES c = {cb, ctx};
    unsigned char from[8];

    /* "After" the bare 8-byte stamp: every real key there is longer. */
    pfdb_supp_stamp_put(from, since);
    return (pfdb_scan_after(db, PFDB_T_SUPP_LOG, from, sizeof(from),
			    pfdb_supp_changes_fn, &c));
}

typedef struct PFDB_SUPP_KEYS {
    int     (*cb) (const char *, void *);
    void   *ctx;
} PFDB_SUPP_KEYS;

static int pfdb_supp_keys_fn(const void *k, size_t klen, const void *d,
			             size_t dlen, void *ctx)
{
    PFDB_SUPP_KEYS *w = ctx;
    char    key[PFDB_KEY_MAX + 1];

    if (klen > PFDB_KEY_MAX)
	return (0);
    memcpy(key, k, klen);
    key[klen] = 0;
    return (w->cb(key, w->ctx));
}

int     pfdb_supp_keys(PFDB *db, const char *after,
		               int (*cb) (const char *, void *), void *ctx)
{
    PFDB_SUPP_KEYS w = {cb, ctx};

    return (pfdb_scan_after(db, PFDB_T_SUPP, after, strlen(after),
			    pfdb_supp_keys_fn, &w));
}

int     pfdb_supp_get(PFDB *db, PFDB_TXN *txn, const char *key, PFDB_SUPP *out)
{
    if (pfdb_key_check("suppression key", key, PFDB_ADDR_MAX) < 0)
	return (-1);
    return (pfdb_kv_get(db, txn, PFDB_T_SUPP, key, strlen(key),
			pfdb_supp_decode, out));
}

int     pfdb_supp_put(PFDB *db, PFDB_TXN *txn, const char *key,
		              const PFDB_SUPP *rec)
{
    BUF    *b;
    int     ret;

    if (pfdb_key_check("suppression key", key, PFDB_ADDR_MAX) < 0)
	return (-1);
    b = buf_alloc(128);
    pfdb_supp_encode(b, rec);
    ret = pfdb_kv_put(db, txn, PFDB_T_SUPP, key, strlen(key), b);
    buf_free(b);
    return (ret);
}

int     pfdb_supp_del(PFDB *db, PFDB_TXN *txn, const char *key)
{
    if (pfdb_key_check("suppression key", key, PFDB_ADDR_MAX) < 0)
	return (-1);
    return (pfdb_kv_del(db, txn, PFDB_T_SUPP, key, strlen(key)));
}

/* Upsert. */

typedef struct PFDB_SUPP_ADD {
    const char *reason;
    const char *source;
    const char *detail;
    time_t  now;
    time_t  expires;
} PFDB_SUPP_ADD;

static int pfdb_supp_add_fn(const void *old, size_t len, BUF *out, void *ctx)
{
    PFDB_SUPP_ADD *a = ctx;
    PFDB_SUPP s;

    memset(&s, 0, sizeof(s));
    if (old) {
	if (pfdb_supp_decode(old, len, &s) < 0)
	    return (-1);
    } else {
	s.first = a->now;
    }
    s.last = a->now;
    s.count++;
    s.expires = a->expires;
    if (a->reason && *a->reason)
	pfdb_strlcpy(s.reason, a->reason, sizeof(s.reason));
    if (a->source && *a->source)
	pfdb_strlcpy(s.source, a->source, sizeof(s.source));
    if (a->detail && *a->detail)
	pfdb_strlcpy(s.detail, a->detail, sizeof(s.detail));
    pfdb_supp_encode(out, &s);
    return (0);
}

int     pfdb_supp_add(PFDB *db, PFDB_TXN *txn, const char *key, const char *reason,
		              const char *source, const char *detail,
		              time_t now, time_t expires)
{
    PFDB_SUPP_ADD a = {reason, source, detail, now, expires};

    if (pfdb_key_check("suppression key", key, PFDB_ADDR_MAX) < 0)
	return (-1);
    return (pfdb_kv_update(db, txn, PFDB_T_SUPP, key, strlen(key),
			   pfdb_supp_add_fn, &a));
}

/* Walk. */

typedef struct PFDB_SUPP_WALK {
    int     (*cb) (const char *, const PFDB_SUPP *, void *);
    void   *ctx;
    int     corrupt;
} PFDB_SUPP_WALK;

static int pfdb_supp_walk_fn(const void *k, size_t klen, const void *d,
			             size_t dlen, void *ctx)
{
    PFDB_SUPP_WALK *w = ctx;
    char    key[PFDB_ADDR_MAX + 1];
    PFDB_SUPP s;

    if (klen > PFDB_ADDR_MAX || pfdb_supp_decode(d, dlen, &s) < 0) {
	w->corrupt++;
	return (0);
    }
    memcpy(key, k, klen);
    key[klen] = 0;
    return (w->cb(key, &s, w->ctx));
}

int     pfdb_supp_walk(PFDB *db, int (*cb) (const char *, const PFDB_SUPP *, void *),
		               void *ctx)
{
    PFDB_SUPP_WALK w = {cb, ctx, 0};
    int     ret = pfdb_scan(db, PFDB_T_SUPP, "", 0, pfdb_supp_walk_fn, &w);

    if (ret == 0 && w.corrupt) {
	pfdb_set_error(PFDB_EFAIL, "db %s: suppression.db: %d malformed "
		       "records skipped", db->dir, w.corrupt);
	return (-1);
    }
    return (ret);
}

/* pfdb_supp_lookup - address, then @domain; expired entries do not count */

int     pfdb_supp_lookup(PFDB *db, const char *addr, PFDB_SUPP *out, BUF *matched)
{
    PFDB_SUPP tmp;
    const char *at;
    time_t  now = time(0);
    int     ret;

    if (out == 0)
	out = &tmp;
    if ((ret = pfdb_supp_get(db, NULL, addr, out)) < 0)
	return (-1);
    if (ret > 0 && (out->expires == 0 || out->expires > now)) {
	if (matched)
	    buf_sprintf(matched, "%s", addr);
	return (1);
    }
    if ((at = strrchr(addr, '@')) == 0 || at == addr)
	return (0);
    if ((ret = pfdb_supp_get(db, NULL, at, out)) < 0)
	return (-1);
    if (ret > 0 && (out->expires == 0 || out->expires > now)) {
	if (matched)
	    buf_sprintf(matched, "%s", at);
	return (1);
    }
    return (0);
}

/* Import in batches. */

typedef struct PFDB_SUPP_BATCH {
    const char *const *keys;
    const char *const *reasons;
    size_t *order;
    size_t  n;
    const char *source;
    time_t  now;
    BUF    *val;
} PFDB_SUPP_BATCH;

static int pfdb_supp_cmp(const void *a, const void *b, void *keys)
{
    const char *const *k = keys;

    return (strcmp(k[*(const size_t *) a], k[*(const size_t *) b]));
}

static int pfdb_supp_batch_op(PFDB *db, DB_TXN *tid, void *ctx)
{
    PFDB_SUPP_BATCH *b = ctx;
    DB     *dbp = db->dbs[PFDB_T_SUPP];
    unsigned char stack[1024];
    unsigned char kbuf[PFDB_KEY_MAX];
    DBT     key, data;
    int     ret;

    for (size_t i = 0; i < b->n; i++) {
	size_t  j = b->order[i];
	PFDB_SUPP_ADD a = {b->reasons && b->reasons[j] ? b->reasons[j] : "import",
	b->source, NULL, b->now, 0};

	memset(&key, 0, sizeof(key));
	memset(&data, 0, sizeof(data));
	key.size = key.ulen = (u_int32_t) strlen(b->keys[j]);
	memcpy(kbuf, b->keys[j], key.size);	/* see pfdb_kv_key() */
	key.data = kbuf;
	key.flags = DB_DBT_USERMEM;
	data.data = stack;
	data.ulen = sizeof(stack);
	data.flags = DB_DBT_USERMEM;
	ret = dbp->get(dbp, tid, &key, &data, DB_RMW);
	if (ret != 0 && ret != DB_NOTFOUND)
	    return (ret);			/* incl. DB_BUFFER_SMALL: corrupt */
	if (pfdb_supp_add_fn(ret == 0 ? data.data : NULL, ret == 0 ? data.size : 0,
			     b->val, &a) != 0)
	    return (EINVAL);
	memset(&data, 0, sizeof(data));
	data.data = buf_str(b->val);
	data.size = (u_int32_t) buf_len(b->val);
	if ((ret = dbp->put(dbp, tid, &key, &data, 0)) != 0)
	    return (ret);
    }
    /* One journal entry for the batch: "changed in bulk". */
    return (b->n > 0 ? pfdb_supp_journal_op(db, tid, "*", 1) : 0);
}

long    pfdb_supp_import(PFDB *db, size_t n, const char *const keys[],
			         const char *const reasons[], const char *source,
			         time_t now)
{
    PFDB_SUPP_BATCH b;
    long    done = 0;
    int     ret = 0;

    if (pfdb_check_writable(db) < 0)
	return (-1);
    for (size_t i = 0; i < n; i++)
	if (pfdb_key_check("suppression key", keys[i], PFDB_ADDR_MAX) < 0)
	    return (-1);
    memset(&b, 0, sizeof(b));
    b.reasons = reasons;
    b.source = source ? source : "import";
    b.now = now;
    b.val = buf_alloc(128);
    b.order = xmalloc(sizeof(size_t) * (n < PFDB_IMPORT_BATCH ? n + 1 : PFDB_IMPORT_BATCH));
    for (size_t start = 0; start < n; start += PFDB_IMPORT_BATCH) {
	b.keys = keys;
	b.n = n - start < PFDB_IMPORT_BATCH ? n - start : PFDB_IMPORT_BATCH;
	for (size_t i = 0; i < b.n; i++)
	    b.order[i] = start + i;
	qsort_r(b.order, b.n, sizeof(size_t), pfdb_supp_cmp, (void *) keys);
	if ((ret = pfdb_run(db, NULL, PFDB_OP_WRITE, pfdb_supp_batch_op, &b)) != 0)
	    break;
	done += (long) b.n;
	/* A million puts write ~250 MB of log: checkpoint as we go, so
	 * DB_LOG_AUTO_REMOVE can keep only the last few log files. */
	(void) pfdb_checkpoint_kbytes(db, 32 * 1024);
    }
    free(b.order);
    buf_free(b.val);
    if (ret != 0) {
	pfdb_set_dberror(ret, "suppression.db import");
	return (-1);
    }
    return (done);
}
