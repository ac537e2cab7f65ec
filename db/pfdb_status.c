/*
 * NAME
 *	pfdb_status 3 - names of the message status codes
 * SYNOPSIS
 *	#include "pfdb.h"
 *	const char *pfdb_status_name(int status);
 * DESCRIPTION
 *	The names of DESIGN.md's status codes 0..8, as the CLI prints
 *	them; "unknown" for any other value.
 */
#include "pfdb.h"

static const char *const pfdb_status_names[] = {
    [PFDB_ST_QUEUED] = "queued",
    [PFDB_ST_SENT] = "sent",
    [PFDB_ST_FAILED] = "failed",
    [PFDB_ST_INVALID] = "invalid",
    [PFDB_ST_SUPPRESSED] = "suppressed",
    [PFDB_ST_BOUNCED] = "bounced",
    [PFDB_ST_OPENED] = "opened",
    [PFDB_ST_SCHEDULED] = "scheduled",
    [PFDB_ST_CANCELED] = "canceled",
};

const char *pfdb_status_name(int status)
{
    if (status < 0 || status >= (int) (sizeof(pfdb_status_names)
				       / sizeof(pfdb_status_names[0])))
	return ("unknown");
    return (pfdb_status_names[status]);
}
