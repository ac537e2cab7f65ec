/*
 * NAME
 *	pfdb_verify 3 - check the store: B-tree structure and index consistency
 * SYNOPSIS
 *	#include "pfdb.h"
 *
 *	int pfdb_verify(const char *dir, BUF *report);
 * DESCRIPTION
 *	Two passes.
 *
 *	First, through the environment (opened as any process opens it,
 *	so a pending recovery is run first): every record of every table
 *	must decode; every message must be in each secondary index it
 *	belongs to (a DB->pget on the index must lead back to the same
 *	primary key), and every index entry must be the key its primary
 *	record gives today (no stale entries). Then a forced checkpoint
 *	writes every dirty page to the files, and the handle is closed.
 *
 *	Second, DB->verify on each file, with a handle outside the
 *	environment. DB->verify takes no locks and reads the file, not
 *	the shared cache: the manual says it must only run on files "not
 *	being modified by another thread of control". It is exact when
 *	the daemons are stopped; while they run, a page written between
 *	the checkpoint and the read can show up as a (transient) error,
 *	which a second run will not repeat. The report says so.
 *
 *	report gets one line per finding and a summary line.
 * DIAGNOSTICS
 *	0 when everything is clean, -1 otherwise (report says what).
 */

/* System library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Project library. */
#include "buf.h"
#include "mem.h"

/* Local. */
#include "pfdb_impl.h"

#define PFDB_VERIFY_MAX_LINES	50	/* findings listed per check */

static __thread BUF *pfdb_verify_msgs;

typedef struct PFDB_VERIFY {
    PFDB   *db;
    BUF    *report;
    long    problems;
    long    records[PFDB_NTABLES];
    long    expect[PFDB_NTABLES];	/* index entries expected */
    int     table;			/* table being scanned */
    DBT     pk, pd;			/* pget results */
} PFDB_VERIFY;

static void pfdb_verify_note(PFDB_VERIFY *v, const char *fmt, const char *a,
			             const char *b)
{
    if (++v->problems <= PFDB_VERIFY_MAX_LINES) {
	buf_printf(v->report, fmt, a, b);
	buf_putc(v->report, '\n');
    }
}

/* pfdb_verify_plain - every record of a primary table must decode */

static int pfdb_verify_plain(const void *k, size_t klen, const void *d,
			             size_t dlen, void *ctx)
{
    PFDB_VERIFY *v = ctx;
    PFDB_DEC dec;

    v->records[v->table]++;
    if (pfdb_dec_begin(&dec, d, dlen, 1) < 0)
	pfdb_verify_note(v, "%s: record with unknown version or empty%s",
			 pfdb_tables[v->table].file, "");
    return (0);
}

/* pfdb_verify_msg - a message and its index entries */

static int pfdb_verify_msg(const void *k, size_t klen, const void *d,
			           size_t dlen, void *ctx)
{
    PFDB_VERIFY *v = ctx;
    PFDB_MSG *m = xmalloc(sizeof(*m));
    BUF    *sk = buf_alloc(256);
    BUF    *pk = buf_alloc(256);

    v->records[PFDB_T_MSG]++;
    if (pfdb_msg_decode(d, dlen, m) < 0) {
	pfdb_verify_note(v, "messages.db: malformed record%s%s", "", "");
	goto done;
    }
    pfdb_msg_index_key(PFDB_T_MSG, m, pk);
    if (buf_len(pk) != klen || memcmp(buf_str(pk), k, klen) != 0)
	pfdb_verify_note(v, "messages.db: key does not match record %s/%s",
			 m->msgid, m->rcpt);
    for (int t = PFDB_T_MSG_QID; t <= PFDB_T_MSG_CRCPT; t++) {
	DBT     skey;
	int     ret;

	if ((t == PFDB_T_MSG_QID && !m->queue_id[0])
	    || (t == PFDB_T_MSG_CRCPT && !m->campaign[0]))
	    continue;
	v->expect[t]++;
	pfdb_msg_index_key(t, m, sk);
	memset(&skey, 0, sizeof(skey));
	skey.data = buf_str(sk);
	skey.size = (u_int32_t) buf_len(sk);
	skey.ulen = (u_int32_t) buf_len(sk) + 1;	/* see pfdb_kv_key() */
	skey.flags = DB_DBT_USERMEM;
	ret = v->db->dbs[t]->pget(v->db->dbs[t], NULL, &skey, &v->pk, &v->pd, 0);
	if (ret == DB_NOTFOUND)
	    pfdb_verify_note(v, "%s: message %s missing from the index",
			     pfdb_tables[t].file, m->msgid);
	else if (ret != 0)
	    pfdb_verify_note(v, "%s: lookup failed: %s", pfdb_tables[t].file,
			     db_strerror(ret));
	else if (v->pk.size != klen || memcmp(v->pk.data, k, klen) != 0)
	    pfdb_verify_note(v, "%s: entry for %s leads to another message",
			     pfdb_tables[t].file, m->msgid);
    }
done:
    buf_free(sk);
    buf_free(pk);
    free(m);
    return (0);
}

/* pfdb_verify_index - every index entry must match its primary record */

static int pfdb_verify_index(const void *k, size_t klen, const void *d,
			             size_t dlen, void *ctx)
{
    PFDB_VERIFY *v = ctx;
    PFDB_MSG *m = xmalloc(sizeof(*m));
    BUF    *sk = buf_alloc(256);

    v->records[v->table]++;
    if (pfdb_msg_decode(d, dlen, m) < 0) {
	pfdb_verify_note(v, "%s: entry leads to a malformed message%s",
			 pfdb_tables[v->table].file, "");
    } else {
	pfdb_msg_index_key(v->table, m, sk);
	if (buf_len(sk) != klen || memcmp(buf_str(sk), k, klen) != 0)
	    pfdb_verify_note(v, "%s: stale entry for message %s",
			     pfdb_tables[v->table].file, m->msgid);
    }
    buf_free(sk);
    free(m);
    return (0);
}

/* pfdb_verify_errcall - collect DB->verify's messages */

static void pfdb_verify_errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
    if (pfdb_verify_msgs && buf_len(pfdb_verify_msgs) < 8192) {
	buf_puts(pfdb_verify_msgs, msg);
	buf_putc(pfdb_verify_msgs, '\n');
    }
}

int     pfdb_verify(const char *dir, BUF *report)
{
    PFDB_VERIFY v;
    BUF    *why = buf_alloc(100);
    BUF    *path = buf_alloc(256);
    int     ret;

    memset(&v, 0, sizeof(v));
    v.report = report;
    buf_reset(report);
    if ((v.db = pfdb_open(dir, 0, why)) == 0) {
	buf_printf(report, "%s\n", buf_str(why));
	buf_free(why);
	buf_free(path);
	return (-1);
    }
    v.pk.flags = v.pd.flags = DB_DBT_REALLOC;

    /* Pass 1: records and indexes, through the environment. */
    for (int t = 0; t < PFDB_NTABLES; t++) {
	PFDB_SCAN_FN fn = t == PFDB_T_MSG ? pfdb_verify_msg :
	pfdb_tables[t].secondary_of >= 0 ? pfdb_verify_index : pfdb_verify_plain;

	v.table = t;
	if (pfdb_scan(v.db, t, "", 0, fn, &v) < 0)
	    pfdb_verify_note(&v, "%s: %s", pfdb_tables[t].file,
			     pfdb_strerror(v.db));
    }
    for (int t = PFDB_T_MSG_QID; t <= PFDB_T_MSG_CRCPT; t++) {
	if (v.records[t] != v.expect[t]) {
	    char    a[64];

	    snprintf(a, sizeof(a), "%ld entries, %ld expected", v.records[t],
		     v.expect[t]);
	    pfdb_verify_note(&v, "%s: %s", pfdb_tables[t].file, a);
	}
    }
    free(v.pk.data);
    free(v.pd.data);
    if (pfdb_checkpoint(v.db, 1) < 0)
	pfdb_verify_note(&v, "checkpoint: %s%s", pfdb_strerror(v.db), "");
    pfdb_close(v.db);

    /* Pass 2: B-tree structure of each file. */
    for (int t = 0; t < PFDB_NTABLES; t++) {
	DB     *dbp;
	BUF    *msgs = buf_alloc(256);

	buf_sprintf(path, "%s/%s", dir, pfdb_tables[t].file);
	if ((ret = db_create(&dbp, NULL, 0)) != 0) {
	    pfdb_verify_note(&v, "%s: db_create: %s", buf_str(path), db_strerror(ret));
	    buf_free(msgs);
	    continue;
	}
	pfdb_verify_msgs = msgs;
	dbp->set_errcall(dbp, pfdb_verify_errcall);
	(void) dbp->set_bt_compare(dbp, pfdb_bt_compare);	/* as the manual asks */
	ret = dbp->verify(dbp, buf_str(path), NULL, NULL, 0);	/* frees dbp */
	pfdb_verify_msgs = 0;
	if (ret != 0) {
	    pfdb_verify_note(&v, "%s: DB->verify: %s", buf_str(path),
			     db_strerror(ret));
	    if (buf_len(msgs))
		buf_printf(report, "%s", buf_str(msgs));
	}
	buf_free(msgs);
    }
    for (int t = 0; t < PFDB_NTABLES; t++)
	buf_printf(report, "%-18s %10ld records\n", pfdb_tables[t].file,
		   v.records[t]);
    if (v.problems)
	buf_printf(report, "%s: %ld problems found (a structure error seen "
		   "while writers run may be transient: run again)\n", dir,
		   v.problems);
    else
	buf_printf(report, "%s: clean\n", dir);
    buf_free(why);
    buf_free(path);
    return (v.problems ? -1 : 0);
}
