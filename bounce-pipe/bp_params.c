/*
 * NAME
 *	bp_params 3 - postbulk-bounce configuration parameters
 * DESCRIPTION
 *	See bp_params.h.
 */
#include <stddef.h>

#include "cfg.h"

#include "bp_params.h"

long    var_bp_soft_limit;
long    var_bp_soft_window;
long    var_bp_soft_expiry;
long    var_bp_size_limit;
char   *var_bp_quarantine;
int     var_bp_fsync;

const CFG_PARAM bp_params[] = {
    {VAR_BP_SOFT_LIMIT, CFG_INT, DEF_BP_SOFT_LIMIT, &var_bp_soft_limit, 1, 1000,
    "soft mailbox bounces (mailboxfull, suspend) that suppress an address"},
    {VAR_BP_SOFT_WINDOW, CFG_TIME, DEF_BP_SOFT_WINDOW, &var_bp_soft_window, 86400, 366 * 86400,
    "period in which bounce_soft_limit soft bounces must occur (whole days)"},
    {VAR_BP_SOFT_EXPIRY, CFG_TIME, DEF_BP_SOFT_EXPIRY, &var_bp_soft_expiry, 3600, 3660 * 86400,
    "lifetime of a suppression caused by soft bounces"},
    {VAR_BP_SIZE_LIMIT, CFG_SIZE, DEF_BP_SIZE_LIMIT, &var_bp_size_limit, 1024, 1L << 30,
    "largest returned message read; the rest is kept in quarantine copies only"},
    {VAR_BP_QUARANTINE, CFG_STR, DEF_BP_QUARANTINE, &var_bp_quarantine, 0, 0,
    "directory of forged/, unparsed/ and unmatched/ messages (empty: db_directory/quarantine)"},
    {VAR_BP_FSYNC, CFG_BOOL, DEF_BP_FSYNC, &var_bp_fsync, 0, 0,
    "fsync every commit (PFDB_DURABLE) instead of write-no-sync"},
    {0},
};
