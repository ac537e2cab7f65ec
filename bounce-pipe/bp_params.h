#ifndef PF_BP_PARAMS_H
#define PF_BP_PARAMS_H

/*
 * NAME
 *	bp_params 3 - postbulk-bounce configuration parameters
 * SYNOPSIS
 *	#include "bp_params.h"
 *	#define VAR_BP_FSYNC		"bounce_fsync"
#define DEF_BP_FSYNC		"no"
extern int var_bp_fsync;

extern const CFG_PARAM bp_params[];
 * DESCRIPTION
 *	The parameters postbulk-bounce reads from the postbulk
 *	configuration file besides the shared ones (params.h). Each is
 *	documented in postbulk-bounce.8.
 */
#include "cfg.h"

#define VAR_BP_SOFT_LIMIT	"bounce_soft_limit"
#define DEF_BP_SOFT_LIMIT	"3"
extern long var_bp_soft_limit;

#define VAR_BP_SOFT_WINDOW	"bounce_soft_window"
#define DEF_BP_SOFT_WINDOW	"7d"
extern long var_bp_soft_window;

#define VAR_BP_SOFT_EXPIRY	"bounce_soft_expiry"
#define DEF_BP_SOFT_EXPIRY	"30d"
extern long var_bp_soft_expiry;

#define VAR_BP_SIZE_LIMIT	"bounce_message_size_limit"
#define DEF_BP_SIZE_LIMIT	"10m"
extern long var_bp_size_limit;

#define VAR_BP_QUARANTINE	"bounce_quarantine_directory"
#define DEF_BP_QUARANTINE	""		/* "" = $db_directory/quarantine */
extern char *var_bp_quarantine;

#define VAR_BP_FSYNC		"bounce_fsync"
#define DEF_BP_FSYNC		"no"
extern int var_bp_fsync;

extern const CFG_PARAM bp_params[];

#endif
