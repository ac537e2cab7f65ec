/*
 * NAME
 *	pfdb_test 1 - test driver for the postbulk store (the tests/db scripts)
 * SYNOPSIS
 *	pfdb_test unit DIR
 *	pfdb_test seed DIR N
 *	pfdb_test fixture DIR
 *	pfdb_test writer DIR LOGFILE
 *	pfdb_test reader DIR SECONDS N
 *	pfdb_test check DIR LOGFILE
 *	pfdb_test conc DIR ID N
 *	pfdb_test conc-check DIR N NPROC
 *	pfdb_test lookup DIR KEYFILE SECONDS
 *	pfdb_test timeout DIR [kill]
 * DESCRIPTION
 *	unit: API unit tests on a fresh store in DIR; prints "ok - ..." /
 *	"not ok - ..." lines.
 *
 *	seed: N suppressions "seed<i>@example.com" and N messages of
 *	campaign "seed", for the reader.
 *
 *	fixture: five messages of campaigns "spring" and "autumn" (Korean
 *	text, quotes, CRLF, an invalid UTF-8 byte) and an empty campaign
 *	"empty", for the CLI golden files.
 *
 *	writer: forever, one transaction per round: a message of campaign
 *	"kill", a suppression, and counter "kill/commits" + 1; after each
 *	commit it appends the message id to LOGFILE. The SIGKILL test kills
 *	it mid-flight.
 *
 *	reader: for SECONDS, or until DIR/reader.stop exists and it did
 *	20000 reads since its last reopen, reads the seeded records (lookups and campaign
 *	walks) and checks their content. Prints "reads=R errors=E
 *	reopens=O reads_after_reopen=A". Exit 0 when E = 0.
 *
 *	check: every message id in LOGFILE is there with its suppression;
 *	messages of campaign "kill" = counter "kill/commits" (commits are
 *	atomic); then it writes and reads back a new record. Exit 0 when
 *	all holds.
 *
 *	conc: N transactions that add 1 to counters "conc/a" and "conc/b"
 *	(in opposite orders for odd and even ID: deadlock-prone) and put a
 *	message of campaign "conc", reading a walk of counters in between.
 *	conc-check: both counters and the message count equal N * NPROC.
 *
 *	lookup: pfdb_supp_get of the keys in KEYFILE (one per line) in a
 *	random order, over and over, on one thread for SECONDS; prints "lookup_per_s=N (wall clock)
 *	lookup_per_cpu_s=N (per CPU second of this process) found=F".
 *
 *	timeout: a child locks a record in a transaction and pauses; a
 *	waiter gets PFDB_ETIMEOUT after db_lock_timeout (2 s here) instead
 *	of hanging. With "kill" the child is killed -9 first: the waiter's
 *	watchdog has recovery run (pfdb_rescue.c) and the update succeeds.
 * DIAGNOSTICS
 *	Exit 0 on success, 1 on a failed check, 2 on bad usage.
 */

/* System library. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Project library. */
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "params.h"

/* Local. */
#include "pfdb.h"
#include "pfdb_impl.h"

static int failures;

#define CHECK(cond, ...) do { \
	if (cond) { printf("ok - "); } else { printf("not ok - "); failures++; } \
	printf(__VA_ARGS__); printf("\n"); fflush(stdout); \
    } while (0)

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static PFDB *open_or_die(const char *dir, int flags)
{
    BUF    *why = buf_alloc(100);
    PFDB   *db = pfdb_open(dir, flags, why);

    if (db == 0) {
	fprintf(stderr, "pfdb_test: %s\n", buf_str(why));
	exit(1);
    }
    buf_free(why);
    return (db);
}

/* Callbacks used by the unit tests. */

static int count_msg(const PFDB_MSG *m, void *ctx)
{
    (*(int *) ctx)++;
    return (0);
}

static int stop_at_2(const PFDB_MSG *m, void *ctx)
{
    return (++(*(int *) ctx) == 2 ? 42 : 0);
}

typedef struct JOURNAL_SEEN {
    int     n;
    int     stars;
    int     ordered;
    int64_t last;
    char    keys[512];
} JOURNAL_SEEN;

static int journal_fn(const char *key, int64_t stamp, void *ctx)
{
    JOURNAL_SEEN *j = ctx;

    if (j->n++ == 0)
	j->ordered = 1;
    if (stamp < j->last)
	j->ordered = 0;
    j->last = stamp;
    if (strcmp(key, "*") == 0)
	j->stars++;
    else if (strlen(j->keys) + strlen(key) + 2 < sizeof(j->keys)) {
	strcat(j->keys, key);
	strcat(j->keys, " ");
    }
    return (0);
}

typedef struct KEYS_SEEN {
    int     n;
    char    first[100];
} KEYS_SEEN;

static int keys_fn(const char *key, void *ctx)
{
    KEYS_SEEN *k = ctx;

    if (k->n++ == 0)
	snprintf(k->first, sizeof(k->first), "%s", key);
    return (0);
}

typedef struct SUPP_WALK {
    int     n;
    int     ordered;
    char    last[PFDB_ADDR_MAX + 1];
} SUPP_WALK;

static int walk_supp(const char *key, const PFDB_SUPP *s, void *ctx)
{
    SUPP_WALK *w = ctx;

    if (w->n > 0 && strcmp(w->last, key) >= 0)
	w->ordered = 0;
    snprintf(w->last, sizeof(w->last), "%s", key);
    w->n++;
    return (0);
}

static int walk_counter(const char *name, int64_t v, void *ctx)
{
    *(int64_t *) ctx += v;
    return (0);
}

static int count_campaign(const PFDB_CAMPAIGN *c, void *ctx)
{
    (*(int *) ctx)++;
    return (0);
}

static int count_backoff(const PFDB_BACKOFF *b, void *ctx)
{
    (*(int *) ctx)++;
    return (0);
}

static void msg_fill(PFDB_MSG *m, const char *id, const char *rcpt,
		             const char *campaign, const char *qid, int status)
{
    memset(m, 0, sizeof(*m));
    snprintf(m->msgid, sizeof(m->msgid), "%s", id);
    snprintf(m->rcpt, sizeof(m->rcpt), "%s", rcpt);
    snprintf(m->campaign, sizeof(m->campaign), "%s", campaign);
    snprintf(m->queue_id, sizeof(m->queue_id), "%s", qid);
    snprintf(m->sender_domain, sizeof(m->sender_domain), "shop.example");
    m->status = status;
    m->queued = 1700000000;
    m->updated = 1700000100;
    m->attempts = 2;
    snprintf(m->dsn, sizeof(m->dsn), "5.1.1");
    snprintf(m->reason, sizeof(m->reason), "userunknown");
    snprintf(m->diag, sizeof(m->diag), "550 5.1.1 <%s>: 사용자 없음, \"quoted\"", rcpt);
}

/* A transaction that writes two records and then aborts or commits. */

typedef struct TXN_CTX {
    int     abort;
} TXN_CTX;

static int txn_two(PFDB *db, PFDB_TXN *txn, void *ctx)
{
    TXN_CTX *t = ctx;

    if (pfdb_supp_add(db, txn, t->abort ? "abort@example.com" : "commit@example.com",
		      "complaint", "fbl", "", 100, 0) < 0)
	return (-1);
    if (pfdb_counter_add(db, txn, t->abort ? "txn/abort" : "txn/commit", 1, 0) < 0)
	return (-1);
    return (t->abort ? 7 : 0);
}

/* A transaction whose fn reads its own writes through calls without txn. */

static int txn_join(PFDB *db, PFDB_TXN *txn, void *ctx)
{
    PFDB_SUPP s;
    int64_t sum = 0;
    TXN_CTX inner = {0};

    if (pfdb_counter_add(db, txn, "join/a", 1, 0) < 0
	|| pfdb_supp_add(db, txn, "join@example.com", "x", "y", "", 1, 0) < 0)
	return (-1);
    if (pfdb_supp_get(db, NULL, "join@example.com", &s) != 1)
	return (-2);
    if (pfdb_counter_walk(db, "join/", walk_counter, &sum) != 0 || sum != 1)
	return (-3);
    if (pfdb_txn_run(db, txn_two, &inner) != 0)	/* nested joins */
	return (-4);
    return (0);
}

static int unit_codec(void)
{
    BUF    *b = buf_alloc(64);
    PFDB_DEC d;
    char    s[8];

    pfdb_enc_begin(b, 1);
    pfdb_enc_str(b, "hello world");
    pfdb_enc_int(b, -5);
    pfdb_enc_int(b, 1LL << 40);
    CHECK(pfdb_dec_begin(&d, buf_str(b), buf_len(b), 1) == 0 && d.version == 1,
	  "codec: version byte");
    pfdb_dec_str(&d, s, sizeof(s));
    CHECK(strcmp(s, "hello w") == 0, "codec: string truncated to the destination");
    CHECK(pfdb_dec_int(&d) == -5, "codec: negative integer round trip");
    CHECK(pfdb_dec_int(&d) == (1LL << 40), "codec: 64-bit integer round trip");
    CHECK(pfdb_dec_int(&d) == 0 && pfdb_dec_end(&d) == 0,
	  "codec: missing (older) field reads as 0");
    CHECK(pfdb_dec_begin(&d, buf_str(b), buf_len(b), 0) < 0,
	  "codec: newer version than known is refused");
    CHECK(pfdb_dec_begin(&d, buf_str(b), 5, 1) == 0
	  && (pfdb_dec_str(&d, s, sizeof(s)), pfdb_dec_end(&d) < 0),
	  "codec: truncated field is detected");
    {
	static const int64_t vals[] = {0, 1, 127, 128, 255, 256, -1, -128, -129,
	    32767, -32768, 1700000000, INT64_MAX, INT64_MIN};
	int     good = 1;

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
	    pfdb_enc_begin(b, 1);
	    pfdb_enc_int(b, vals[i]);
	    if (pfdb_dec_begin(&d, buf_str(b), buf_len(b), 1) < 0
		|| pfdb_dec_int(&d) != vals[i] || pfdb_dec_end(&d) < 0) {
		printf("# codec mismatch for %lld\n", (long long) vals[i]);
		good = 0;
	    }
	}
	CHECK(good, "codec: integers of every size round trip (shortest form)");
	pfdb_enc_begin(b, 1);
	pfdb_enc_int(b, 1700000000);
	CHECK(buf_len(b) == 1 + 1 + 4, "codec: a 2023 time_t takes 4 bytes + 1 length");
	{
	    char    big[300];

	    memset(big, 'x', sizeof(big) - 1);
	    big[sizeof(big) - 1] = 0;
	    pfdb_enc_begin(b, 1);
	    pfdb_enc_str(b, big);
	    pfdb_enc_str(b, "tail");
	    if (pfdb_dec_begin(&d, buf_str(b), buf_len(b), 1) == 0) {
		char    got[400], tail[8];

		pfdb_dec_str(&d, got, sizeof(got));
		pfdb_dec_str(&d, tail, sizeof(tail));
		CHECK(strcmp(got, big) == 0 && strcmp(tail, "tail") == 0
		      && pfdb_dec_end(&d) == 0, "codec: two-byte field length");
	    } else {
		CHECK(0, "codec: two-byte field length");
	    }
	}
    }
    buf_free(b);
    return (0);
}

static int unit(const char *dir)
{
    BUF    *why = buf_alloc(100);
    BUF    *path = buf_alloc(100);
    BUF    *report = buf_alloc(1000);
    PFDB   *db;
    PFDB_SUPP s;
    PFDB_MSG m, got;
    PFDB_CAMPAIGN c, cgot;
    PFDB_BACKOFF bo, bgot;
    struct stat st;
    int64_t v;
    int     n;

    unit_codec();

    buf_sprintf(path, "%s/no/such/dir", dir);
    db = pfdb_open(buf_str(path), PFDB_CREATE, why);
    CHECK(db == 0 && errno == ENOENT && strstr(buf_str(why), buf_str(path)),
	  "open of a missing directory fails naming it (%s)", buf_str(why));

    db = pfdb_open(dir, PFDB_CREATE, why);
    CHECK(db != 0, "open with PFDB_CREATE %s", db ? "" : buf_str(why));
    if (db == 0)
	return (1);
    {
	PFDB   *db2 = pfdb_open(dir, PFDB_CREATE, why);
	PFDB   *db3 = pfdb_open(dir, PFDB_DURABLE, why);

	CHECK(db2 == db, "a second open in the same process shares the handle");
	CHECK(db3 == 0 && strstr(buf_str(why), "already open"),
	      "a second open with other durability flags is refused (%s)", buf_str(why));
	pfdb_close(db2);
	CHECK(pfdb_counter_put(db, NULL, "after/close2", 1) == 0,
	      "the first reference still works after closing the second");
    }
    buf_sprintf(path, "%s/suppression.db", dir);
    CHECK(stat(buf_str(path), &st) == 0 && (st.st_mode & 0660) == 0660,
	  "database files are group-writable (mode %o)", st.st_mode & 0777);

    /* Suppression. */
    memset(&s, 0, sizeof(s));
    snprintf(s.reason, sizeof(s.reason), "userunknown");
    snprintf(s.source, sizeof(s.source), "bounce");
    s.first = 10;
    s.last = 20;
    s.count = 3;
    snprintf(s.detail, sizeof(s.detail), "5.1.1 no such user");
    CHECK(pfdb_supp_put(db, NULL, "a@example.com", &s) == 0, "supp put");
    memset(&s, 0, sizeof(s));
    CHECK(pfdb_supp_get(db, NULL, "a@example.com", &s) == 1
	  && strcmp(s.reason, "userunknown") == 0 && s.count == 3 && s.first == 10
	  && strcmp(s.detail, "5.1.1 no such user") == 0, "supp get round trip");
    CHECK(pfdb_supp_get(db, NULL, "b@example.com", &s) == 0, "supp get absent");
    CHECK(pfdb_supp_add(db, NULL, "a@example.com", "complaint", "fbl", NULL, 30, 0) == 0
	  && pfdb_supp_get(db, NULL, "a@example.com", &s) == 1 && s.count == 4
	  && s.first == 10 && s.last == 30 && strcmp(s.reason, "complaint") == 0
	  && strcmp(s.detail, "5.1.1 no such user") == 0,
	  "supp add on existing: count+1, first kept, reason updated");
    CHECK(pfdb_supp_add(db, NULL, "@blocked.example", "domain", "admin", "", 40, 0) == 0
	  && pfdb_supp_lookup(db, "x@blocked.example", &s, why) == 1
	  && strcmp(buf_str(why), "@blocked.example") == 0,
	  "supp lookup falls back to @domain");
    CHECK(pfdb_supp_add(db, NULL, "old@example.com", "unsubscribe", "unsubscribe",
			"", 40, time(0) - 5) == 0
	  && pfdb_supp_lookup(db, "old@example.com", &s, NULL) == 0
	  && pfdb_supp_get(db, NULL, "old@example.com", &s) == 1,
	  "supp lookup ignores an expired entry, get still sees it");
    CHECK(pfdb_supp_get(db, NULL, "", &s) < 0 && strstr(pfdb_strerror(db), "empty"),
	  "supp get of an empty key is an error (%s)", pfdb_strerror(db));
    CHECK(pfdb_supp_put(db, NULL, "a\nb@example.com", &s) < 0,
	  "supp key with a control character refused");
    CHECK(pfdb_supp_del(db, NULL, "old@example.com") == 1
	  && pfdb_supp_del(db, NULL, "old@example.com") == 0,
	  "supp del: 1 then 0");

    /* Change journal: every write of a key, in time order. */
    {
	JOURNAL_SEEN j;

	memset(&j, 0, sizeof(j));
	CHECK(pfdb_supp_changes(db, 0, journal_fn, &j) == 0 && j.ordered
	      && strcmp(j.keys, "a@example.com a@example.com @blocked.example "
			"old@example.com ") == 0,
	      "supp journal lists each put/add in order (%s)", j.keys);
	memset(&j, 0, sizeof(j));
	CHECK(pfdb_supp_changes(db, pfdb_supp_stamp() + 1000000, journal_fn, &j) == 0
	      && j.n == 0, "supp journal from a later stamp: nothing");
    }

    /* Import: more than two batches, one key already present. */
    {
	size_t  nk = PFDB_IMPORT_BATCH * 2 + 500;
	char  **keys = xcalloc(nk, sizeof(char *));
	SUPP_WALK w;
	long    added;

	for (size_t i = 0; i < nk; i++) {
	    char    k[64];

	    snprintf(k, sizeof(k), "imp%06zu@example.net", (i * 7919) % nk);
	    keys[i] = xstrdup(k);
	}
	free(keys[3]);
	keys[3] = xstrdup("a@example.com");
	added = pfdb_supp_import(db, nk, (const char *const *) keys, NULL, "import", 50);
	CHECK(added == (long) nk, "supp import of %zu keys in batches (%ld)", nk, added);
	CHECK(pfdb_supp_get(db, NULL, "a@example.com", &s) == 1 && s.count == 5
	      && s.first == 10 && strcmp(s.reason, "import") == 0,
	      "supp import upserts an existing key");
	memset(&w, 0, sizeof(w));
	w.ordered = 1;
	CHECK(pfdb_supp_walk(db, walk_supp, &w) == 0 && w.n == (int) nk + 1
	      && w.ordered, "supp walk sees all %d keys in order (chunked)", w.n);
	{
	    JOURNAL_SEEN j;
	    KEYS_SEEN ks;

	    memset(&j, 0, sizeof(j));
	    CHECK(pfdb_supp_changes(db, 0, journal_fn, &j) == 0
		  && j.stars == (int) ((nk + PFDB_IMPORT_BATCH - 1) / PFDB_IMPORT_BATCH)
		  && j.n == 4 + j.stars,
		  "supp import journals one bulk mark per batch, not each key "
		  "(%d marks, %d entries)", j.stars, j.n);
	    memset(&ks, 0, sizeof(ks));
	    CHECK(pfdb_supp_keys(db, "imp", keys_fn, &ks) == 0
		  && ks.n == (int) nk - 1 && strcmp(ks.first, "imp000000@example.net") == 0,
		  "supp keys after \"imp\": %d keys from %s", ks.n, ks.first);
	}
	for (size_t i = 0; i < nk; i++)
	    free(keys[i]);
	free(keys);
    }

    /* Messages and indexes. */
    msg_fill(&m, "m1", "kim@naver.com", "spring", "4ABC1", PFDB_ST_QUEUED);
    CHECK(pfdb_msg_put(db, NULL, &m) == 0, "msg put m1");
    msg_fill(&m, "m1", "lee@daum.net", "spring", "4ABC1", PFDB_ST_SENT);
    CHECK(pfdb_msg_put(db, NULL, &m) == 0, "msg put m1 second recipient");
    msg_fill(&m, "m2", "kim@naver.com", "spring2", "", PFDB_ST_BOUNCED);
    CHECK(pfdb_msg_put(db, NULL, &m) == 0, "msg put m2 without queue id");
    msg_fill(&m, "m3", "park@gmail.com", "", "5DEF2", PFDB_ST_QUEUED);
    CHECK(pfdb_msg_put(db, NULL, &m) == 0, "msg put m3 without campaign");
    memset(&got, 0, sizeof(got));
    CHECK(pfdb_msg_get(db, NULL, "m1", "lee@daum.net", &got) == 1
	  && got.status == PFDB_ST_SENT && strcmp(got.campaign, "spring") == 0
	  && strcmp(got.queue_id, "4ABC1") == 0 && got.attempts == 2
	  && got.updated == 1700000100 && strstr(got.diag, "사용자 없음"),
	  "msg get round trip (UTF-8 diagnostic)");
    CHECK(pfdb_msg_get(db, NULL, "m1", "nobody@x.org", &got) == 0, "msg get absent");
    n = 0;
    CHECK(pfdb_msg_by_msgid(db, "m1", count_msg, &n) == 0 && n == 2, "by msgid: 2 (%d)", n);
    n = 0;
    CHECK(pfdb_msg_by_queueid(db, "4ABC1", count_msg, &n) == 0 && n == 2,
	  "by queue id: 2 (%d)", n);
    n = 0;
    CHECK(pfdb_msg_by_queueid(db, "4ABC", count_msg, &n) == 0 && n == 0,
	  "by queue id: a prefix of a queue id matches nothing");
    n = 0;
    CHECK(pfdb_msg_by_campaign(db, "spring", count_msg, &n) == 0 && n == 2,
	  "by campaign: spring has 2, not spring2's (%d)", n);
    n = 0;
    CHECK(pfdb_msg_by_rcpt(db, "kim@naver.com", count_msg, &n) == 0 && n == 2,
	  "by recipient: 2 (%d)", n);
    n = 0;
    CHECK(pfdb_msg_walk(db, stop_at_2, &n) == 42 && n == 2,
	  "walk stops when the callback says so and returns its value");
    CHECK(pfdb_msg_campaign_has_rcpt(db, "spring", "kim@naver.com") == 1,
	  "duplicate check: present");
    CHECK(pfdb_msg_campaign_has_rcpt(db, "spring", "kim@naver.co") == 0
	  && pfdb_msg_campaign_has_rcpt(db, "sprin", "kim@naver.com") == 0
	  && pfdb_msg_campaign_has_rcpt(db, "spring", "park@gmail.com") == 0,
	  "duplicate check: prefixes and other campaigns do not match");
    n = 0;
    CHECK(pfdb_msg_by_campaign_rcpt(db, "spring", "kim@naver.com", count_msg, &n) == 0
	  && n == 1, "by campaign and recipient: 1 (%d)", n);
    n = 0;
    CHECK(pfdb_msg_by_campaign_rcpt(db, "spring", "kim@naver.co", count_msg, &n) == 0
	  && n == 0, "by campaign and recipient: a prefix matches nothing (%d)", n);
    memset(&got, 0, sizeof(got));
    CHECK(pfdb_msg_get(db, NULL, "m1", "kim@naver.com", &got) == 1
	  && got.committed == 0, "msg: committed 0 unless set");
    got.committed = 1700000200;
    memset(&m, 0, sizeof(m));
    CHECK(pfdb_msg_put(db, NULL, &got) == 0
	  && pfdb_msg_get(db, NULL, "m1", "kim@naver.com", &m) == 1
	  && m.committed == 1700000200 && m.status == PFDB_ST_QUEUED,
	  "msg: committed time round trip (record version 2)");
    {
	/* A version 1 record (no committed field) written by an older build. */
	BUF    *v1 = buf_alloc(100);
	PFDB_MSG old;

	pfdb_enc_begin(v1, 1);
	pfdb_enc_str(v1, "m9");
	pfdb_enc_str(v1, "old@daum.net");
	pfdb_enc_str(v1, "spring");
	pfdb_enc_str(v1, "shop.example");
	pfdb_enc_int(v1, PFDB_ST_QUEUED);
	pfdb_enc_str(v1, "4OLD1");
	pfdb_enc_int(v1, 1600000000);
	pfdb_enc_int(v1, 1600000001);
	pfdb_enc_int(v1, 0);
	pfdb_enc_int(v1, 3);
	pfdb_enc_str(v1, "4.2.0");
	pfdb_enc_str(v1, "mailbox");
	pfdb_enc_str(v1, "full");
	memset(&old, 0xff, sizeof(old));
	CHECK(pfdb_kv_put(db, NULL, PFDB_T_MSG, "m9\0old@daum.net", 15, v1) == 0
	      && pfdb_msg_get(db, NULL, "m9", "old@daum.net", &old) == 1
	      && old.committed == 0 && old.attempts == 3
	      && strcmp(old.diag, "full") == 0 && old.queued == 1600000000
	      && pfdb_msg_campaign_has_rcpt(db, "spring", "old@daum.net") == 1,
	      "msg: a version 1 record reads with committed 0 and is indexed");
	CHECK(pfdb_msg_del(db, NULL, "m9", "old@daum.net") == 1, "msg: v1 record deleted");
	buf_free(v1);
    }
    msg_fill(&m, "m1", "kim@naver.com", "autumn", "4XYZ9", PFDB_ST_SENT);
    CHECK(pfdb_msg_put(db, NULL, &m) == 0
	  && pfdb_msg_campaign_has_rcpt(db, "spring", "kim@naver.com") == 0
	  && pfdb_msg_campaign_has_rcpt(db, "autumn", "kim@naver.com") == 1,
	  "update moves the record between campaign index entries");
    n = 0;
    CHECK(pfdb_msg_by_queueid(db, "4ABC1", count_msg, &n) == 0 && n == 1,
	  "update moves the record between queue id index entries (%d)", n);
    CHECK(pfdb_msg_del(db, NULL, "m3", "park@gmail.com") == 1, "msg del");
    n = 0;
    CHECK(pfdb_msg_by_queueid(db, "5DEF2", count_msg, &n) == 0 && n == 0
	  && pfdb_msg_by_rcpt(db, "park@gmail.com", count_msg, &n) == 0 && n == 0,
	  "msg del removes the index entries");

    /* Campaigns, counters, backoff. */
    memset(&c, 0, sizeof(c));
    snprintf(c.name, sizeof(c.name), "spring");
    snprintf(c.from, sizeof(c.from), "news@shop.example");
    snprintf(c.template_name, sizeof(c.template_name), "spring-sale");
    c.created = 111;
    c.rows = 5000;
    CHECK(pfdb_campaign_put(db, NULL, &c) == 0
	  && pfdb_campaign_get(db, NULL, "spring", &cgot) == 1
	  && strcmp(cgot.from, c.from) == 0 && cgot.rows == 5000 && cgot.created == 111,
	  "campaign put/get");
    snprintf(c.name, sizeof(c.name), "autumn");
    n = 0;
    CHECK(pfdb_campaign_put(db, NULL, &c) == 0
	  && pfdb_campaign_walk(db, count_campaign, &n) == 0 && n == 2, "campaign walk");
    CHECK(pfdb_counter_add(db, NULL, "sent/naver/2026-11-23", 5, &v) == 0 && v == 5
	  && pfdb_counter_add(db, NULL, "sent/naver/2026-11-23", -2, &v) == 0 && v == 3,
	  "counter add");
    CHECK(pfdb_counter_get(db, NULL, "sent/naver/2026-11-23", &v) == 1 && v == 3
	  && pfdb_counter_get(db, NULL, "sent/none", &v) == 0 && v == 0, "counter get");
    CHECK(pfdb_counter_put(db, NULL, "sent/naver/2026-11-24", 10) == 0
	  && pfdb_counter_put(db, NULL, "sent/navermail/x", 100) == 0
	  && pfdb_counter_put(db, NULL, "sent/daum/2026-11-24", 1000) == 0, "counter put");
    v = 0;
    CHECK(pfdb_counter_walk(db, "sent/naver/", walk_counter, &v) == 0 && v == 13,
	  "counter walk by prefix (%lld)", (long long) v);
    memset(&bo, 0, sizeof(bo));
    snprintf(bo.group, sizeof(bo.group), "naver");
    bo.level = 2;
    bo.until = 999;
    bo.events = 7;
    snprintf(bo.last_reply, sizeof(bo.last_reply), "421 4.7.0 try later");
    n = 0;
    CHECK(pfdb_backoff_put(db, NULL, &bo) == 0
	  && pfdb_backoff_get(db, NULL, "naver", &bgot) == 1 && bgot.level == 2
	  && bgot.events == 7 && strcmp(bgot.last_reply, bo.last_reply) == 0
	  && pfdb_backoff_get(db, NULL, "kakao", &bgot) == 0
	  && pfdb_backoff_walk(db, count_backoff, &n) == 0 && n == 1,
	  "backoff put/get/walk");

    /* Transactions. */
    {
	TXN_CTX t = {0};

	CHECK(pfdb_txn_run(db, txn_two, &t) == 0
	      && pfdb_supp_get(db, NULL, "commit@example.com", &s) == 1
	      && pfdb_counter_get(db, NULL, "txn/commit", &v) == 1 && v == 1,
	      "txn_run commits both updates");
	t.abort = 1;
	CHECK(pfdb_txn_run(db, txn_two, &t) == 7
	      && pfdb_supp_get(db, NULL, "abort@example.com", &s) == 0
	      && pfdb_counter_get(db, NULL, "txn/abort", &v) == 0,
	      "txn_run: fn's non-zero aborts both and is returned");
    }
    {
	double  t0 = now_s();
	int     r = pfdb_txn_run(db, txn_join, NULL);

	CHECK(r == 0 && now_s() - t0 < 2 && pfdb_counter_get(db, NULL, "join/a", &v) == 1
	      && v == 1, "calls without txn inside txn_run join it (%d, %s)", r,
	      r ? pfdb_strerror(db) : "no error");
    }
    CHECK(pfdb_maintain(db) == 0 && pfdb_checkpoint(db, 1) == 0, "maintain and checkpoint");
    pfdb_close(db);

    /* Read-only handle. */
    db = pfdb_open(dir, PFDB_RDONLY, why);
    CHECK(db && pfdb_supp_get(db, NULL, "a@example.com", &s) == 1
	  && pfdb_supp_add(db, NULL, "z@example.com", "x", "y", "", 1, 0) < 0,
	  "read-only handle reads, refuses writes");
    pfdb_close(db);

    /* Verify: clean, then a malformed record is found. */
    CHECK(pfdb_verify(dir, report) == 0, "verify clean: %s",
	  strrchr(buf_str(report), '\n') ? "" : buf_str(report));
    if (failures)
	fputs(buf_str(report), stdout);
    db = open_or_die(dir, 0);
    {
	BUF    *bad = buf_alloc(10);

	buf_append(bad, "\x09garbage", 8);
	(void) pfdb_kv_put(db, NULL, PFDB_T_SUPP, "bad@example.com", 15, bad);
	buf_free(bad);
    }
    CHECK(pfdb_supp_get(db, NULL, "bad@example.com", &s) < 0
	  && strstr(pfdb_strerror(db), "malformed"),
	  "a record of an unknown version is reported (%s)", pfdb_strerror(db));
    pfdb_close(db);
    CHECK(pfdb_verify(dir, report) < 0 && strstr(buf_str(report), "suppression.db"),
	  "verify reports the malformed record");
    buf_free(why);
    buf_free(path);
    buf_free(report);
    return (failures ? 1 : 0);
}

/* seed - records the long-running reader checks */

static int seed(const char *dir, int n)
{
    PFDB   *db = open_or_die(dir, PFDB_CREATE);
    char  **keys = xcalloc((size_t) n, sizeof(char *));
    PFDB_MSG m;

    for (int i = 0; i < n; i++) {
	char    k[64];

	snprintf(k, sizeof(k), "seed%d@example.com", i);
	keys[i] = xstrdup(k);
	snprintf(k, sizeof(k), "s%d", i);
	msg_fill(&m, k, keys[i], "seed", "", PFDB_ST_SENT);
	if (pfdb_msg_put(db, NULL, &m) < 0) {
	    fprintf(stderr, "seed: %s\n", pfdb_strerror(db));
	    return (1);
	}
    }
    if (pfdb_supp_import(db, (size_t) n, (const char *const *) keys, NULL,
			 "seed", 1) != n) {
	fprintf(stderr, "seed: %s\n", pfdb_strerror(db));
	return (1);
    }
    for (int i = 0; i < n; i++)
	free(keys[i]);
    free(keys);
    pfdb_close(db);
    return (0);
}

/* fixture - a few messages for the CLI golden tests */

static int fixture(const char *dir)
{
    static const struct {
	const char *id, *rcpt, *campaign, *qid;
	int     status;
	time_t  updated;
	const char *reason, *dsn, *diag;
    }       rows[] = {
	{"m1", "kim@naver.com", "spring", "4A1B2C", 1, 1700000000, "", "2.0.0",
	"250 2.0.0 Ok"},
	{"m2", "lee@naver.com", "spring", "4A1B2D", 5, 1800000000, "userunknown",
	"5.1.1", "550 5.1.1 \"lee\", 사용자 없음\r\nsecond line"},
	{"m3", "park@daum.net", "spring", "4A1B2E", 0, 1800000100, "", "", ""},
	{"m4", "choi@gmail.com", "autumn", "", 2, 1800000200, "expired", "4.4.7",
	"bad byte \xff here, =cmd"},
	{"m5", "a@hanmail.net", "spring", "", 4, 1800000300, "complaint", "", ""},
    };
    PFDB   *db = open_or_die(dir, PFDB_CREATE);
    PFDB_MSG m;
    PFDB_CAMPAIGN c;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
	msg_fill(&m, rows[i].id, rows[i].rcpt, rows[i].campaign, rows[i].qid,
		 rows[i].status);
	m.queued = 1699990000;
	m.updated = rows[i].updated;
	snprintf(m.reason, sizeof(m.reason), "%s", rows[i].reason);
	snprintf(m.dsn, sizeof(m.dsn), "%s", rows[i].dsn);
	snprintf(m.diag, sizeof(m.diag), "%s", rows[i].diag);
	if (pfdb_msg_put(db, NULL, &m) < 0) {
	    fprintf(stderr, "fixture: %s\n", pfdb_strerror(db));
	    return (1);
	}
    }
    memset(&c, 0, sizeof(c));
    snprintf(c.name, sizeof(c.name), "empty");
    if (pfdb_campaign_put(db, NULL, &c) < 0)
	return (1);
    pfdb_close(db);
    return (0);
}

/* writer - commits until killed */

typedef struct WRITER {
    char    id[PFDB_ID_MAX + 1];
    char    rcpt[80];
} WRITER;

static int writer_txn(PFDB *db, PFDB_TXN *txn, void *ctx)
{
    WRITER *w = ctx;
    PFDB_MSG m;

    /* The counter first: its page stays write-locked for the whole
     * transaction, so a kill usually leaves that lock to a dead process. */
    msg_fill(&m, w->id, w->rcpt, "kill", "", PFDB_ST_QUEUED);
    if (pfdb_counter_add(db, txn, "kill/commits", 1, 0) < 0
	|| pfdb_msg_put(db, txn, &m) < 0
	|| pfdb_supp_add(db, txn, w->rcpt, "complaint", "fbl", "", time(0), 0) < 0)
	return (-1);
    return (0);
}

static int writer(const char *dir, const char *logfile)
{
    PFDB   *db = open_or_die(dir, PFDB_CREATE);
    int     fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT, 0644);
    WRITER  w;

    if (fd < 0) {
	perror(logfile);
	return (1);
    }
    for (long i = 0;; i++) {
	char    line[100];
	int     len;

	snprintf(w.id, sizeof(w.id), "w%ld-%ld", (long) getpid(), i);
	snprintf(w.rcpt, sizeof(w.rcpt), "%s@kill.example", w.id);
	if (pfdb_txn_run(db, writer_txn, &w) != 0) {
	    fprintf(stderr, "writer: %s\n", pfdb_strerror(db));
	    return (1);
	}
	len = snprintf(line, sizeof(line), "%s\n", w.id);
	if (write(fd, line, (size_t) len) != len)
	    return (1);
	if (i % 200 == 0)
	    pfdb_maintain(db);
    }
}

/* reader - long-running reads across recoveries */

static int reader(const char *dir, int seconds, int n)
{
    PFDB   *db = open_or_die(dir, 0);
    BUF    *stop = buf_alloc(100);
    double  end = now_s() + seconds;
    long    reads = 0, errors = 0, after = 0;
    unsigned reopens = 0;
    PFDB_SUPP s;
    PFDB_MSG m;

    srandom((unsigned) getpid());
    buf_sprintf(stop, "%s/reader.stop", dir);
    /* On DIR/reader.stop, go on until 20000 reads since the last reopen:
     * a reopen still pending (a rescue takes PFDB_STUCK_SECS) then shows. */
    while (now_s() < end && (after < 20000 || access(buf_str(stop), F_OK) < 0)) {
	for (int k = 0; k < 100; k++) {
	    int     i = (int) (random() % n);
	    char    key[64], id[32];
	    int     r1, r2;

	    snprintf(key, sizeof(key), "seed%d@example.com", i);
	    snprintf(id, sizeof(id), "s%d", i);
	    r1 = pfdb_supp_get(db, NULL, key, &s);
	    r2 = pfdb_msg_get(db, NULL, id, key, &m);
	    if (r1 != 1 || r2 != 1 || strcmp(s.source, "seed") != 0
		|| m.status != PFDB_ST_SENT) {
		if (errors++ < 5)
		    fprintf(stderr, "reader: %s: supp=%d msg=%d: %s\n", key, r1, r2,
			    pfdb_strerror(db));
	    }
	    reads += 2;
	    after += 2;
	}
	{
	    int64_t commits;

	    /* Often locked by the writer: after a kill, by a dead process. */
	    if (pfdb_counter_get(db, NULL, "kill/commits", &commits) < 0) {
		if (errors++ < 5)
		    fprintf(stderr, "reader: counter: %s\n", pfdb_strerror(db));
	    }
	    reads++;
	    after++;
	}
	if (reads % 2000 == 0) {
	    int     cnt = 0;

	    if (pfdb_msg_by_campaign(db, "seed", count_msg, &cnt) != 0 || cnt != n) {
		if (errors++ < 5)
		    fprintf(stderr, "reader: campaign walk saw %d of %d: %s\n", cnt,
			    n, pfdb_strerror(db));
	    }
	    reads++;
	}
	if (pfdb_reopen_count(db) != reopens) {
	    reopens = pfdb_reopen_count(db);
	    after = 0;
	}
	pfdb_maintain(db);
    }
    printf("reads=%ld errors=%ld reopens=%u reads_after_reopen=%ld\n",
	   reads, errors, reopens, after);
    buf_free(stop);
    pfdb_close(db);
    return (errors ? 1 : 0);
}

/* check - after the kill: nothing committed lost, store usable */

static int check(const char *dir, const char *logfile)
{
    PFDB   *db = open_or_die(dir, 0);
    FILE   *fp = fopen(logfile, "r");
    char    line[200];
    long    lines = 0, missing = 0;
    int64_t commits = 0;
    int     kill_msgs = 0;
    PFDB_MSG m;
    PFDB_SUPP s;
    int     ok = 1;

    if (fp == 0) {
	perror(logfile);
	return (1);
    }
    while (fgets(line, sizeof(line), fp)) {
	char    rcpt[256];

	line[strcspn(line, "\n")] = 0;
	if (*line == 0)
	    continue;
	lines++;
	snprintf(rcpt, sizeof(rcpt), "%s@kill.example", line);
	if (pfdb_msg_get(db, NULL, line, rcpt, &m) != 1
	    || pfdb_supp_get(db, NULL, rcpt, &s) != 1) {
	    if (missing++ < 5)
		fprintf(stderr, "check: committed %s missing: %s\n", line,
			pfdb_strerror(db));
	}
    }
    fclose(fp);
    (void) pfdb_counter_get(db, NULL, "kill/commits", &commits);
    (void) pfdb_msg_by_campaign(db, "kill", count_msg, &kill_msgs);
    printf("logged=%ld missing=%ld commits=%lld messages=%d\n", lines, missing,
	   (long long) commits, kill_msgs);
    if (missing || commits < lines || kill_msgs != commits)
	ok = 0;
    msg_fill(&m, "after-kill", "after@kill.example", "after", "", PFDB_ST_SENT);
    if (pfdb_msg_put(db, NULL, &m) != 0
	|| pfdb_msg_get(db, NULL, "after-kill", "after@kill.example", &m) != 1) {
	fprintf(stderr, "check: write after recovery failed: %s\n", pfdb_strerror(db));
	ok = 0;
    }
    (void) pfdb_msg_del(db, NULL, "after-kill", "after@kill.example");
    pfdb_close(db);
    return (ok ? 0 : 1);
}

/* conc - deadlock-prone concurrent writer */

typedef struct CONC {
    int     id;
    int     i;
} CONC;

static int conc_txn(PFDB *db, PFDB_TXN *txn, void *ctx)
{
    CONC   *c = ctx;
    PFDB_MSG m;
    char    id[64], rcpt[64];

    /* Odd processes lock counters.db then suppression.db, even ones the
     * other way round: the classic lock-order deadlock. */
    snprintf(id, sizeof(id), "c%d-%d", c->id, c->i);
    snprintf(rcpt, sizeof(rcpt), "r%d@conc%d.example", c->i, c->id);
    msg_fill(&m, id, rcpt, "conc", "", PFDB_ST_QUEUED);
    if (c->id % 2) {
	if (pfdb_counter_add(db, txn, "conc/a", 1, 0) < 0)
	    return (-1);
	usleep(100);				/* widen the deadlock window */
	if (pfdb_supp_add(db, txn, "@conc.example", "x", "y", "", c->i, 0) < 0)
	    return (-1);
    } else {
	if (pfdb_supp_add(db, txn, "@conc.example", "x", "y", "", c->i, 0) < 0)
	    return (-1);
	usleep(100);
	if (pfdb_counter_add(db, txn, "conc/a", 1, 0) < 0)
	    return (-1);
    }
    if (pfdb_msg_put(db, txn, &m) < 0
	|| pfdb_counter_add(db, txn, "conc/b", 1, 0) < 0)
	return (-1);
    return (0);
}

static int conc(const char *dir, int id, int n)
{
    PFDB   *db = open_or_die(dir, PFDB_CREATE);
    CONC    c = {id, 0};
    int64_t sum;

    for (c.i = 0; c.i < n; c.i++) {
	if (pfdb_txn_run(db, conc_txn, &c) != 0) {
	    fprintf(stderr, "conc %d: transaction %d: %s\n", id, c.i, pfdb_strerror(db));
	    return (1);
	}
	if (c.i % 10 == 0) {
	    sum = 0;
	    if (pfdb_counter_walk(db, "conc/", walk_counter, &sum) != 0) {
		fprintf(stderr, "conc %d: walk: %s\n", id, pfdb_strerror(db));
		return (1);
	    }
	}
    }
    fprintf(stderr, "conc %d: %d transactions, %lu deadlock retries\n", id, n,
	    pfdb_deadlock_count(db));
    pfdb_close(db);
    return (0);
}

static int conc_check(const char *dir, int n, int nproc)
{
    PFDB   *db = open_or_die(dir, 0);
    int64_t a = 0, b = 0;
    int     msgs = 0;

    (void) pfdb_counter_get(db, NULL, "conc/a", &a);
    (void) pfdb_counter_get(db, NULL, "conc/b", &b);
    (void) pfdb_msg_by_campaign(db, "conc", count_msg, &msgs);
    printf("conc/a=%lld conc/b=%lld messages=%d expected=%d\n",
	   (long long) a, (long long) b, msgs, n * nproc);
    pfdb_close(db);
    return (a == n * nproc && b == n * nproc && msgs == n * nproc ? 0 : 1);
}

/* lookup - random suppression gets on one thread */

static int lookup(const char *dir, const char *keyfile, double seconds)
{
    PFDB   *db = open_or_die(dir, 0);
    FILE   *fp = fopen(keyfile, "r");
    char  **keys = 0;
    size_t  nkeys = 0, cap = 0;
    char    line[400];
    long    done = 0, found = 0;
    double  start, el, cpu;
    struct timespec cpu0, cpu1;
    char   *arena, *cp;
    size_t  arena_len = 0;
    PFDB_SUPP s;

    if (fp == 0) {
	perror(keyfile);
	return (1);
    }
    while (fgets(line, sizeof(line), fp)) {
	line[strcspn(line, "\r\n")] = 0;
	if (*line == 0 || *line == '#')
	    continue;
	*strchrnul(line, ',') = 0;
	if (nkeys == cap)
	    keys = xrealloc(keys, (cap = cap ? cap * 2 : 1024) * sizeof(char *));
	keys[nkeys++] = xstrdup(line);
    }
    fclose(fp);
    if (nkeys == 0)
	return (1);

    /*
     * Random order over the whole key set, but the keys laid out in that
     * order in one arena and read sequentially: what is measured is the
     * store, not the cache misses of fetching a random pointer and a
     * random string (policyd has the address it looks up in hand).
     */
    srandom(1);
    for (size_t i = nkeys - 1; i > 0; i--) {
	size_t  j = (size_t) random() % (i + 1);
	char   *t = keys[i];

	keys[i] = keys[j];
	keys[j] = t;
    }
    for (size_t i = 0; i < nkeys; i++)
	arena_len += strlen(keys[i]) + 1;
    arena = xmalloc(arena_len);
    for (size_t i = 0, off = 0; i < nkeys; i++) {
	size_t  len = strlen(keys[i]) + 1;

	memcpy(arena + off, keys[i], len);
	off += len;
	free(keys[i]);
    }
    free(keys);
    cp = arena;
    /* Warm-up, not measured: this process's first touch of the shared
     * cache region costs page faults that a running daemon paid long ago. */
    start = now_s();
    while (now_s() - start < 1.0) {
	for (int k = 0; k < 1000; k++) {
	    (void) pfdb_supp_get(db, NULL, cp, &s);
	    cp += strlen(cp) + 1;
	    if (cp >= arena + arena_len)
		cp = arena;
	}
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
    start = now_s();
    do {
	for (int k = 0; k < 10000; k++) {
	    int     r = pfdb_supp_get(db, NULL, cp, &s);

	    if (r < 0) {
		fprintf(stderr, "lookup: %s\n", pfdb_strerror(db));
		return (1);
	    }
	    found += r;
	    cp += strlen(cp) + 1;
	    if (cp >= arena + arena_len)
		cp = arena;
	}
	done += 10000;
    } while ((el = now_s() - start) < seconds);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
    cpu = (cpu1.tv_sec - cpu0.tv_sec) + (cpu1.tv_nsec - cpu0.tv_nsec) / 1e9;
    printf("lookup_per_s=%.0f lookup_per_cpu_s=%.0f found=%ld lookups=%ld\n",
	   done / el, cpu > 0 ? done / cpu : 0, found, done);
    free(arena);
    pfdb_close(db);
    return (found == done ? 0 : 1);
}

/* timeout - a waiter on a dead process's lock gets PFDB_ETIMEOUT */

static int timeout_hold(PFDB *db, PFDB_TXN *txn, void *ctx)
{
    int     fd = *(int *) ctx;

    if (pfdb_counter_add(db, txn, "lock/held", 1, 0) < 0)
	return (-1);
    if (write(fd, "x", 1) != 1)
	return (-1);
    pause();					/* killed here, lock held */
    return (0);
}

static int timeout_test(const char *dir, int kill_holder)
{
    int     pfd[2];
    pid_t   pid;
    char    c;
    PFDB   *db;
    int64_t v;
    double  t0, el;
    int     ret, err, ok;

    /* Live holder: the 2 s lock timeout must fire. Killed holder: the
     * watchdog (PFDB_STUCK_SECS, then recovery) must come first. */
    var_db_timeout = kill_holder ? 8 : 2;
    db = open_or_die(dir, PFDB_CREATE);
    pfdb_counter_put(db, NULL, "lock/held", 0);
    if (pipe(pfd) < 0)
	return (1);
    if ((pid = fork()) == 0) {
	PFDB   *cdb;

	close(pfd[0]);
	alarm(30);				/* never outlive a killed test */
	cdb = open_or_die(dir, PFDB_NOTHREAD);
	pfdb_txn_run(cdb, timeout_hold, &pfd[1]);
	_exit(0);
    }
    close(pfd[1]);
    if (read(pfd[0], &c, 1) != 1)
	return (1);
    if (kill_holder) {
	kill(pid, SIGKILL);
	waitpid(pid, 0, 0);
    }
    t0 = now_s();
    ret = pfdb_counter_add(db, NULL, "lock/held", 1, &v);
    err = pfdb_last_error(db);
    el = now_s() - t0;
    printf("waiter: ret=%d error=%d (%s) after %.1f s\n", ret, err,
	   ret ? pfdb_strerror(db) : "no error", el);
    if (!kill_holder) {
	kill(pid, SIGKILL);
	waitpid(pid, 0, 0);
    }
    pfdb_close(db);
    if (kill_holder)				/* recovered: the update went through */
	ok = (ret == 0 && v == 1 && el < 10);
    else					/* live holder: lock timeout */
	ok = (ret < 0 && err == PFDB_ETIMEOUT && el < 10);
    return (ok ? 0 : 1);
}

int     main(int argc, char **argv)
{
    log_init(argv[0], LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    setvbuf(stdout, 0, _IOLBF, 0);
    if (argc >= 3 && strcmp(argv[1], "unit") == 0)
	return (unit(argv[2]));
    if (argc >= 4 && strcmp(argv[1], "seed") == 0)
	return (seed(argv[2], atoi(argv[3])));
    if (argc >= 3 && strcmp(argv[1], "fixture") == 0)
	return (fixture(argv[2]));
    if (argc >= 4 && strcmp(argv[1], "writer") == 0)
	return (writer(argv[2], argv[3]));
    if (argc >= 5 && strcmp(argv[1], "reader") == 0)
	return (reader(argv[2], atoi(argv[3]), atoi(argv[4])));
    if (argc >= 4 && strcmp(argv[1], "check") == 0)
	return (check(argv[2], argv[3]));
    if (argc >= 5 && strcmp(argv[1], "conc") == 0)
	return (conc(argv[2], atoi(argv[3]), atoi(argv[4])));
    if (argc >= 5 && strcmp(argv[1], "conc-check") == 0)
	return (conc_check(argv[2], atoi(argv[3]), atoi(argv[4])));
    if (argc >= 5 && strcmp(argv[1], "lookup") == 0)
	return (lookup(argv[2], argv[3], atof(argv[4])));
    if (argc >= 3 && strcmp(argv[1], "timeout") == 0)
	return (timeout_test(argv[2], argc >= 4 && strcmp(argv[3], "kill") == 0));
    fprintf(stderr, "usage: pfdb_test unit|seed|writer|reader|check|conc|"
	    "conc-check|lookup|timeout DIR ...\n");
    return (2);
}
