/*
 * NAME
 *	pfdb_tables 3 - the list of databases in the postbulk environment
 * DESCRIPTION
 *	One B-tree file per table. Secondary indexes are associated with
 *	their primary (DB->associate), so Berkeley DB updates them in the
 *	same transaction as the record: they can never drift apart, and
 *	pfdb_verify() checks that they did not.
 *
 *	Index keys embed the primary key, which makes them unique (no
 *	sorted duplicates): a walk can resume after any key, and
 *	"does campaign C already have recipient R" is one B-tree descent
 *	(DB_SET_RANGE on "C NUL R NUL").
 *
 *	A table added after the first release (any_writer_creates) is
 *	created by any read-write open, not only by one with PFDB_CREATE,
 *	so that an upgraded installation gets it from whichever program
 *	runs first.
 */
#include <stddef.h>

#include "pfdb_impl.h"

const PFDB_TABLE_INFO pfdb_tables[PFDB_NTABLES] = {
    [PFDB_T_SUPP] = {"suppression.db", -1, NULL},
    [PFDB_T_MSG] = {"messages.db", -1, NULL},
    [PFDB_T_MSG_QID] = {"msg_queueid.db", PFDB_T_MSG, pfdb_msg_idx_qid},
    [PFDB_T_MSG_RCPT] = {"msg_rcpt.db", PFDB_T_MSG, pfdb_msg_idx_rcpt},
    [PFDB_T_MSG_CRCPT] = {"msg_campaign.db", PFDB_T_MSG, pfdb_msg_idx_crcpt},
    [PFDB_T_CAMPAIGN] = {"campaigns.db", -1, NULL},
    [PFDB_T_COUNTER] = {"counters.db", -1, NULL},
    [PFDB_T_BACKOFF] = {"backoff.db", -1, NULL},
    [PFDB_T_SUPP_LOG] = {"supp_changes.db", -1, NULL, 1, 1},
};
