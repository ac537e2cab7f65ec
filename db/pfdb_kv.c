/*
 * NAME
 *	pfdb_kv 3 - get, put, delete and read-modify-write of one record
 * SYNOPSIS
 *	#include "pfdb_impl.h"
 *
 *	int pfdb_kv_get(PFDB *db, PFDB_TXN *txn, int table, const void *key,
 *			size_t klen, PFDB_DECODE_FN decode, void *out);
 *	int pfdb_kv_put(PFDB *db, PFDB_TXN *txn, int table, const void *key,
 *			size_t klen, BUF *value);
 *	int pfdb_kv_del(PFDB *db, PFDB_TXN *txn, int table, const void *key,
 *			size_t klen);
 *	int pfdb_kv_update(PFDB *db, PFDB_TXN *txn, int table,
 *			const void *key, size_t klen, PFDB_UPDATE_FN fn, void *ctx);
 *	int pfdb_key_check(const char *what, const char *key, size_t max);
 * DESCRIPTION
 *	The table modules are thin: they encode and decode, and call these.
 *
 *	pfdb_kv_get() reads into a stack buffer (no malloc on the lookup
 *	path, which policyd runs for every RCPT), falling back to malloc
 *	for a record larger than 1 kB. Without txn it is a non-transactional
 *	read: no transaction begin/commit and no read lock kept. decode
 *	(may be NULL) turns the bytes into *out.
 *
 *	pfdb_kv_update() reads with DB_RMW (a write lock at once, so two
 *	updaters do not deadlock on the upgrade), calls fn(old, oldlen,
 *	new, ctx) with old = NULL when absent, and stores new; fn returns
 *	0, or non-zero to leave the record alone.
 *
 *	A put or update of a suppression also adds an entry to the
 *	suppression change journal, in the same transaction.
 *
 *	pfdb_key_check() refuses empty keys, keys longer than max, and keys
 *	with control characters.
 * DIAGNOSTICS
 *	Lookups: 1 found, 0 absent, -1 error; updates: 0 or -1;
 *	pfdb_kv_del: 1 deleted, 0 absent, -1. Errors via pfdb_strerror().
 */

/* System library. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Project library. */
#include "buf.h"
#include "log.h"

/* Local. */
#include "pfdb_impl.h"

#define PFDB_STACK_REC	1024

typedef struct PFDB_KV {
    int     table;
    const void *kdata;			/* the key; a fresh DBT per attempt */
    size_t  klen;
    BUF    *value;			/* put / update result */
    PFDB_DECODE_FN decode;
    void   *out;
    PFDB_UPDATE_FN update;
    void   *ctx;
    int     corrupt;
} PFDB_KV;

static void pfdb_kv_init(PFDB_KV *kv, int table, const void *key, size_t klen)
{
    if (klen > PFDB_KEY_MAX)			/* callers check: a bug */
	log_panic("pfdb_kv: key of %zu bytes", klen);
    memset(kv, 0, sizeof(*kv));
    kv->table = table;
    kv->kdata = key;
    kv->klen = klen;
}

/*
 * pfdb_kv_key - a fresh key DBT for each attempt: one cut short by a
 * rescue (pfdb_rescue.c) may leave Berkeley DB's internal flags in the
 * old one. A copy in the caller's stack buffer with DB_DBT_USERMEM:
 * with our own key comparison (pfdb_bt_compare) and DB_THREAD, Berkeley
 * DB may store the key it found into the key DBT, never into the
 * caller's (possibly read-only) string. Keys are at most
 * PFDB_KEY_MAX bytes (pfdb_key_check).
 */

static void pfdb_kv_key(const PFDB_KV *kv, DBT *key, unsigned char *buf)
{
    memset(key, 0, sizeof(*key));
    memcpy(buf, kv->kdata, kv->klen);
    key->data = buf;
    key->size = key->ulen = (u_int32_t) kv->klen;
    key->flags = DB_DBT_USERMEM;
}

/* pfdb_key_check - sanity of a caller's key */

int     pfdb_key_check(const char *what, const char *key, size_t max)
{
    const unsigned char *cp = (const unsigned char *) key;

    if (key == 0 || *key == 0) {
	pfdb_set_error(PFDB_EFAIL, "empty %s", what);
	return (-1);
    }
    /* One pass: this runs for every RCPT policyd checks. */
    for (; *cp; cp++) {
	if (*cp < 0x20 || *cp == 0x7f) {
	    pfdb_set_error(PFDB_EFAIL, "%s contains a control character", what);
	    return (-1);
	}
    }
    if ((size_t) (cp - (const unsigned char *) key) > max) {
	pfdb_set_error(PFDB_EFAIL, "%s longer than %zu bytes", what, max);
	return (-1);
    }
    return (0);
}

/* pfdb_kv_get_op - one get, stack buffer first */

static int pfdb_kv_get_op(PFDB *db, DB_TXN *tid, void *ctx)
{
    PFDB_KV *kv = ctx;
    DB     *dbp = db->dbs[kv->table];
    unsigned char stack[PFDB_STACK_REC];
    unsigned char kbuf[PFDB_KEY_MAX];
    DBT     key, data;
    int     ret;

    pfdb_kv_key(kv, &key, kbuf);
    memset(&data, 0, sizeof(data));
    data.data = stack;
    data.ulen = sizeof(stack);
    data.flags = DB_DBT_USERMEM;
    ret = dbp->get(dbp, tid, &key, &data, 0);
    if (ret == DB_BUFFER_SMALL) {
	memset(&data, 0, sizeof(data));
	data.flags = DB_DBT_MALLOC;
	ret = dbp->get(dbp, tid, &key, &data, 0);
    }
    if (ret == 0 && kv->decode && kv->decode(data.data, data.size, kv->out) < 0)
	kv->corrupt = 1;
    if (data.flags == DB_DBT_MALLOC)
	free(data.data);
    return (ret);
}

int     pfdb_kv_get(PFDB *db, PFDB_TXN *txn, int table, const void *key,
		            size_t klen, PFDB_DECODE_FN decode, void *out)
{
    PFDB_KV kv;
    int     ret;

    pfdb_kv_init(&kv, table, key, klen);
    kv.decode = decode;
    kv.out = out;
    ret = pfdb_run(db, txn, PFDB_OP_READ, pfdb_kv_get_op, &kv);
    if (ret == 0 && kv.corrupt) {
	pfdb_set_error(PFDB_EFAIL, "db %s: %s: malformed record (unknown "
		       "version or bad field length)", db->dir,
		       pfdb_tables[table].file);
	return (-1);
    }
    if (ret != 0 && ret != DB_NOTFOUND)
	pfdb_set_dberror(ret, pfdb_tables[table].file);
    return (pfdb_result(ret));
}

/*
 * pfdb_kv_put_journal - a suppression written is also noted in the change
 * journal, in the same transaction (see pfdb_supp.c)
 */
static int pfdb_kv_put_journal(PFDB *db, DB_TXN *tid, const PFDB_KV *kv, int ret)
{
    if (ret == 0 && kv->table == PFDB_T_SUPP)
	ret = pfdb_supp_journal_op(db, tid, kv->kdata, kv->klen);
    return (ret);
}

/* pfdb_kv_put_op - one put */

static int pfdb_kv_put_op(PFDB *db, DB_TXN *tid, void *ctx)
{
    PFDB_KV *kv = ctx;
    DB     *dbp = db->dbs[kv->table];
    unsigned char kbuf[PFDB_KEY_MAX];
    DBT     key, data;

    pfdb_kv_key(kv, &key, kbuf);
    memset(&data, 0, sizeof(data));
    data.data = buf_str(kv->value);
    data.size = (u_int32_t) buf_len(kv->value);
    return (pfdb_kv_put_journal(db, tid, kv, dbp->put(dbp, tid, &key, &data, 0)));
}

int     pfdb_kv_put(PFDB *db, PFDB_TXN *txn, int table, const void *key,
		            size_t klen, BUF *value)
{
    PFDB_KV kv;
    int     ret;

    if (pfdb_check_writable(db) < 0)
	return (-1);
    pfdb_kv_init(&kv, table, key, klen);
    kv.value = value;
    ret = pfdb_run(db, txn, PFDB_OP_WRITE, pfdb_kv_put_op, &kv);
    if (ret != 0)
	pfdb_set_dberror(ret, pfdb_tables[table].file);
    return (pfdb_update_result(ret));
}

/* pfdb_kv_del_op - one delete */

static int pfdb_kv_del_op(PFDB *db, DB_TXN *tid, void *ctx)
{
    PFDB_KV *kv = ctx;
    DB     *dbp = db->dbs[kv->table];
    unsigned char kbuf[PFDB_KEY_MAX];
    DBT     key;

    pfdb_kv_key(kv, &key, kbuf);
    return (dbp->del(dbp, tid, &key, 0));
}

int     pfdb_kv_del(PFDB *db, PFDB_TXN *txn, int table, const void *key,
		            size_t klen)
{
    PFDB_KV kv;
    int     ret;

    if (pfdb_check_writable(db) < 0)
	return (-1);
    pfdb_kv_init(&kv, table, key, klen);
    ret = pfdb_run(db, txn, PFDB_OP_WRITE, pfdb_kv_del_op, &kv);
    if (ret != 0 && ret != DB_NOTFOUND)
	pfdb_set_dberror(ret, pfdb_tables[table].file);
    return (pfdb_result(ret));
}

/* pfdb_kv_update_op - read with DB_RMW, transform, write */

static int pfdb_kv_update_op(PFDB *db, DB_TXN *tid, void *ctx)
{
    PFDB_KV *kv = ctx;
    DB     *dbp = db->dbs[kv->table];
    unsigned char stack[PFDB_STACK_REC];
    unsigned char kbuf[PFDB_KEY_MAX];
    DBT     key, data;
    int     ret;
    int     found;

    pfdb_kv_key(kv, &key, kbuf);
    memset(&data, 0, sizeof(data));
    data.data = stack;
    data.ulen = sizeof(stack);
    data.flags = DB_DBT_USERMEM;
    ret = dbp->get(dbp, tid, &key, &data, DB_RMW);
    if (ret == DB_BUFFER_SMALL) {
	memset(&data, 0, sizeof(data));
	data.flags = DB_DBT_MALLOC;
	ret = dbp->get(dbp, tid, &key, &data, DB_RMW);
    }
    if (ret != 0 && ret != DB_NOTFOUND)
	return (ret);
    found = (ret == 0);
    if (kv->update(found ? data.data : NULL, found ? data.size : 0,
		   kv->value, kv->ctx) != 0) {
	if (found && data.flags == DB_DBT_MALLOC)
	    free(data.data);
	kv->corrupt = 1;
	return (EINVAL);
    }
    if (found && data.flags == DB_DBT_MALLOC)
	free(data.data);
    memset(&data, 0, sizeof(data));
    data.data = buf_str(kv->value);
    data.size = (u_int32_t) buf_len(kv->value);
    return (pfdb_kv_put_journal(db, tid, kv, dbp->put(dbp, tid, &key, &data, 0)));
}

int     pfdb_kv_update(PFDB *db, PFDB_TXN *txn, int table, const void *key,
		               size_t klen, PFDB_UPDATE_FN fn, void *ctx)
{
    PFDB_KV kv;
    int     ret;

    if (pfdb_check_writable(db) < 0)
	return (-1);
    pfdb_kv_init(&kv, table, key, klen);
    kv.value = buf_alloc(256);
    kv.update = fn;
    kv.ctx = ctx;
    ret = pfdb_run(db, txn, PFDB_OP_WRITE, pfdb_kv_update_op, &kv);
    buf_free(kv.value);
    if (ret == EINVAL && kv.corrupt) {
	pfdb_set_error(PFDB_EFAIL, "db %s: %s: malformed record, not updated",
		       db->dir, pfdb_tables[table].file);
	return (-1);
    }
    if (ret != 0)
	pfdb_set_dberror(ret, pfdb_tables[table].file);
    return (pfdb_update_result(ret));
}
