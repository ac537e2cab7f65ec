/*
 * NAME
 *	pol_suppfilter 3 - in-memory negative filter of the suppression keys
 * DESCRIPTION
 *	See pol_suppfilter.h. A blocked Bloom filter: a key's 8 bits all lie
 *	in one 64-byte block, so a check costs one cache miss, not eight.
 *	16 bits per key of capacity; measured false positives about 0.1 %.
 */

/* System library. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Project library. */
#include "buf.h"
#include "hash64.h"
#include "log.h"
#include "mem.h"

/* Application-specific. */
#include "pol_clock.h"
#include "pol_suppfilter.h"

#define SF_BITS_PER_KEY	16
#define SF_MIN_CAPACITY	(1UL << 21)	/* keys; 4 MB of filter */
#define SF_PROBES	8
#define SF_BLOCK_WORDS	8		/* 64-bit words per 64-byte block */
#define SF_JOURNAL_AGE	300.0		/* s: journal keeps 600 s; rebuild
					 * when we could not read it this long */

typedef enum {
    SF_BUILD,				/* walking the table: answer "maybe" */
    SF_READY,				/* complete: follow the journal */
} SF_STATE;

struct POL_SUPPFILTER {
    PFDB   *db;
    int64_t slack;			/* us */
    uint64_t *bits;
    size_t  nblocks;			/* a power of two */
    size_t  capacity;			/* keys before we grow */
    size_t  keys;			/* added since the last build began */
    SF_STATE state;
    BUF    *after;			/* build: last key walked */
    int64_t build_stamp;		/* build: newest journal stamp at start */
    int     build_failed;		/* could not read the journal position */
    int     slice;			/* build slice multiplier, 1..16 */
    double  build_began;		/* build: monotonic, for the log */
    int64_t synced;			/* newest journal stamp applied */
    double  last_read;			/* monotonic time of the last journal read */
    double  deadline;			/* of the current step */
    int     walked;			/* keys walked in this step */
    int     grow;			/* walk stopped: over capacity */
    int     bulk;			/* journal: bulk change seen */
};

/*
 * sf_probe - the block of a key and its probe sequence: bit positions
 * (start + i * step) mod 512 inside the block (double hashing; an odd
 * step visits 8 distinct bits).
 */
static uint64_t *sf_probe(POL_SUPPFILTER *f, const char *key,
			          unsigned *start, unsigned *step)
{
    uint64_t h = hash64_str(key);
    uint64_t g = h >> 32 | h << 32;

    g ^= g >> 29;
    g *= 0x9e3779b97f4a7c15ULL;
    *start = (unsigned) (g >> 40) & 511;
    *step = ((unsigned) (g >> 20) & 511) | 1;
    return (f->bits + (h & (f->nblocks - 1)) * SF_BLOCK_WORDS);
}

/* sf_test - are all bits of a key set? */

static int sf_test(POL_SUPPFILTER *f, const char *key)
{
    unsigned start, step;
    uint64_t *block = sf_probe(f, key, &start, &step);

    for (unsigned i = 0; i < SF_PROBES; i++) {
	unsigned bit = (start + i * step) & 511;

	if ((block[bit >> 6] & (1ULL << (bit & 63))) == 0)
	    return (0);
    }
    return (1);
}

/* sf_add - set a key's bits; count it when it was not there yet */

static void sf_add(POL_SUPPFILTER *f, const char *key)
{
    unsigned start, step;
    uint64_t *block = sf_probe(f, key, &start, &step);
    int     new = 0;

    for (unsigned i = 0; i < SF_PROBES; i++) {
	unsigned bit = (start + i * step) & 511;
	uint64_t m = 1ULL << (bit & 63);

	if ((block[bit >> 6] & m) == 0) {
	    block[bit >> 6] |= m;
	    new = 1;
	}
    }
    f->keys += new;
}

/* sf_build_position - where the journal stands as a build begins */

static void sf_build_position(POL_SUPPFILTER *f)
{
    f->build_failed = (pfdb_supp_journal_last(f->db, &f->build_stamp) < 0);
    if (f->build_failed)
	log_warn("NOQUEUE: suppression filter: journal: %s; every lookup "
		 "goes to the db until it is rebuilt", pfdb_strerror(f->db));
}

/* sf_begin_build - empty filter, walk from the first key */

static void sf_begin_build(POL_SUPPFILTER *f)
{
    size_t  need = f->capacity * SF_BITS_PER_KEY / 512;
    size_t  nblocks = 1;

    while (nblocks < need)
	nblocks <<= 1;
    if (nblocks != f->nblocks) {
	free(f->bits);
	f->bits = xmalloc(nblocks * SF_BLOCK_WORDS * sizeof(uint64_t));
	f->nblocks = nblocks;
    }
    memset(f->bits, 0, f->nblocks * SF_BLOCK_WORDS * sizeof(uint64_t));
    f->keys = 0;
    f->state = SF_BUILD;
    buf_reset(f->after);
    f->build_began = pol_clock_mono();

    /*
     * The journal's newest stamp, before the walk: every entry stamped
     * up to it is covered by the walk (its suppression is written, or
     * being committed: the walk waits for it), every later one has a
     * higher stamp (stamps follow commit order, whatever the clock does).
     */
    sf_build_position(f);
}

/* pol_suppfilter_create - start empty; pol_suppfilter_step() builds it */

POL_SUPPFILTER *pol_suppfilter_create(PFDB *db, long slack)
{
    POL_SUPPFILTER *f = xcalloc(1, sizeof(*f));

    f->db = db;
    f->slack = (int64_t) (slack > 0 ? slack : 1) * 1000000;
    f->capacity = SF_MIN_CAPACITY;
    f->slice = 1;
    f->after = buf_alloc(128);
    sf_begin_build(f);
    return (f);
}

/* pol_suppfilter_rebuild - start over (the table changed behind us) */

void    pol_suppfilter_rebuild(POL_SUPPFILTER *f, const char *why)
{
    log_info("NOQUEUE: suppression filter rebuild: %s", why);
    sf_begin_build(f);
}

/* pol_suppfilter_ready - is the filter answering? */

int     pol_suppfilter_ready(const POL_SUPPFILTER *f)
{
    return (f->state == SF_READY);
}

/* pol_suppfilter_maybe - 0: certainly not suppressed; 1: ask the db */

int     pol_suppfilter_maybe(POL_SUPPFILTER *f, const char *key)
{
    if (f->state != SF_READY)
	return (1);
    return (sf_test(f, key));
}

/* sf_walk_fn - one key of the build walk */

static int sf_walk_fn(const char *key, void *ctx)
{
    POL_SUPPFILTER *f = ctx;

    if (f->keys >= f->capacity) {
	f->grow = 1;
	return (1);
    }
    sf_add(f, key);
    buf_reset(f->after);
    buf_puts(f->after, key);
    if ((++f->walked & 255) == 0 && pol_clock_mono() > f->deadline)
	return (1);
    return (0);
}

/* sf_journal_fn - one journal entry */

static int sf_journal_fn(const char *key, int64_t stamp, void *ctx)
{
    POL_SUPPFILTER *f = ctx;

    if (strcmp(key, "*") == 0) {
	/* A bulk change after the current build began. */
	if (stamp > f->build_stamp) {
	    f->bulk = 1;
	    return (1);
	}
	return (0);
    }
    if (f->keys >= f->capacity) {
	f->grow = 1;
	return (1);
    }
    sf_add(f, key);
    if (stamp > f->synced)
	f->synced = stamp;
    return (0);
}

/* sf_read_journal - apply what changed since we last looked */

static void sf_read_journal(POL_SUPPFILTER *f)
{
    double  now = pol_clock_mono();

    if (now - f->last_read > SF_JOURNAL_AGE) {
	/* Also a build that took that long: give the next one more time. */
	if (f->slice < 16)
	    f->slice *= 2;
	pol_suppfilter_rebuild(f, "journal not read for too long");
	return;
    }
    f->bulk = f->grow = 0;
    if (pfdb_supp_changes(f->db, f->synced - f->slack, sf_journal_fn, f) < 0) {
	log_warn("NOQUEUE: suppression filter: journal: %s; every lookup "
		 "goes to the db until it is rebuilt", pfdb_strerror(f->db));
	sf_begin_build(f);
	return;
    }
    f->last_read = now;
    if (f->bulk)
	pol_suppfilter_rebuild(f, "bulk change (import)");
    else if (f->grow) {
	f->capacity *= 4;
	pol_suppfilter_rebuild(f, "more keys than the filter was sized for");
    }
}

/* pol_suppfilter_step - build for up to budget seconds, or follow the journal */

void    pol_suppfilter_step(POL_SUPPFILTER *f, double budget)
{
    int     rc;

    if (f->state == SF_READY) {
	sf_read_journal(f);
	return;
    }
    if (f->build_failed) {
	sf_build_position(f);			/* try again; nothing walked yet */
	if (f->build_failed)
	    return;
    }
    f->deadline = pol_clock_mono() + budget * f->slice;
    f->walked = 0;
    f->grow = 0;
    rc = pfdb_supp_keys(f->db, buf_str(f->after), sf_walk_fn, f);
    if (rc < 0) {
	log_warn("NOQUEUE: suppression filter: walk: %s; starting over",
		 pfdb_strerror(f->db));
	sf_begin_build(f);
	return;
    }
    if (f->grow) {
	f->capacity *= 4;
	sf_begin_build(f);
	return;
    }
    if (rc != 0)
	return;					/* out of time: more next step */

    /*
     * Walk complete: now what was written while we walked. A walk that
     * took longer than the journal is sure to keep entries counts as a
     * journal not read for that long (and starts over).
     */
    f->state = SF_READY;
    f->synced = f->build_stamp;
    f->last_read = f->build_began;
    sf_read_journal(f);
    if (f->state == SF_READY)
	log_info("NOQUEUE: suppression filter ready: keys=%zu capacity=%zu "
		 "size=%zukB build=%.1fs", f->keys, f->capacity,
		 f->nblocks * 64 / 1024, pol_clock_mono() - f->build_began);
}

/* pol_suppfilter_free - destroy */

void    pol_suppfilter_free(POL_SUPPFILTER *f)
{
    free(f->bits);
    buf_free(f->after);
    free(f);
}
