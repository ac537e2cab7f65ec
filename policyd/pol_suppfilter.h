#ifndef PF_POL_SUPPFILTER_H
#define PF_POL_SUPPFILTER_H

/*
 * NAME
 *	pol_suppfilter 3 - in-memory negative filter of the suppression keys
 * SYNOPSIS
 *	#include "pol_suppfilter.h"
 *	POL_SUPPFILTER *pol_suppfilter_create(PFDB *db, long slack);
 *	int pol_suppfilter_maybe(POL_SUPPFILTER *f, const char *key);
 *	void pol_suppfilter_step(POL_SUPPFILTER *f, double budget);
 *	int pol_suppfilter_ready(const POL_SUPPFILTER *f);
 *	void pol_suppfilter_rebuild(POL_SUPPFILTER *f, const char *why);
 *	void pol_suppfilter_free(POL_SUPPFILTER *f);
 * DESCRIPTION
 *	Nine recipients in ten are not suppressed, and proving that with a
 *	B-tree descent into a table of millions is most of the CPU that a
 *	policy decision costs. This is a Bloom filter of every suppression
 *	key: when it says "not there", the key is certainly not in the
 *	table and policyd skips the lookup; "maybe" (a suppressed key, or
 *	a false positive, about 1 in 1,000) goes to the db as before.
 *
 *	The filter follows the table through its change journal
 *	(pfdb_supp_changes): pol_suppfilter_step(), called a few times a
 *	second, reads the entries stamped since the last read minus slack
 *	seconds (a transaction commits a while after its stamp) and adds
 *	their keys, so a suppression written by another process counts
 *	within a step. Deleted keys stay in the filter (they cost a
 *	lookup) until the next rebuild.
 *
 *	The filter is built by walking the table in slices of at most
 *	budget seconds per step (a million keys take some seconds); until
 *	it is complete, pol_suppfilter_maybe() answers "maybe" for every
 *	key, which is exactly the behaviour without a filter. It is
 *	rebuilt, the same way, when the journal reports a bulk change (an
 *	import), when the keys outgrow its size, when it has not been
 *	able to read the journal for longer than the journal keeps
 *	entries, and on pol_suppfilter_rebuild() (SIGHUP).
 * DIAGNOSTICS
 *	A db error while building or reading the journal is logged; the
 *	filter then answers "maybe" until a rebuild succeeds.
 */
#include "pfdb.h"

typedef struct POL_SUPPFILTER POL_SUPPFILTER;

POL_SUPPFILTER *pol_suppfilter_create(PFDB *, long);
int     pol_suppfilter_maybe(POL_SUPPFILTER *, const char *);
void    pol_suppfilter_step(POL_SUPPFILTER *, double);
int     pol_suppfilter_ready(const POL_SUPPFILTER *);
void    pol_suppfilter_rebuild(POL_SUPPFILTER *, const char *);
void    pol_suppfilter_free(POL_SUPPFILTER *);

#endif
