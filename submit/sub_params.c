/*
 * NAME
 *	sub_params 3 - configuration parameters of postbulk-submit
 * SYNOPSIS
 *	#include "sub_params.h"
 * DESCRIPTION
 *	See sub_params.h. The shared parameters (bounce_domain,
 *	token_key_file, ...) come from params_load() too.
 * DIAGNOSTICS
 *	sub_params_load() returns -1 with file, line and reason in why.
 */

/* System library. */
#include <string.h>

/* Project library. */
#include "buf.h"
#include "cfg.h"
#include "params.h"

/* Application-specific. */
#include "sub_params.h"

char   *var_sub_server;
char   *var_sub_fallback;
char   *var_sub_sendmail;
char   *var_sub_sendmail_conf;
long    var_sub_timeout;
char   *var_sub_helo;
long    var_sub_connections;
long    var_sub_retry_limit;
long    var_sub_retry_delay;
long    var_sub_retry_max_delay;
long    var_sub_reconnect_time;
char   *var_sub_state_dir;
long    var_sub_sync_rows;
char   *var_sub_typo;

const CFG_PARAM sub_params[] = {
    {VAR_SUB_SERVER, CFG_STR, DEF_SUB_SERVER, &var_sub_server, 0, 0,
    "host:port of the postbulk smtpd listener (or unix:/path)"},
    {VAR_SUB_FALLBACK, CFG_STR, DEF_SUB_FALLBACK, &var_sub_fallback, 0, 0,
    "sendmail mode, listener unreachable: sendmail (hand to Postfix) or tempfail"},
    {VAR_SUB_SENDMAIL, CFG_STR, DEF_SUB_SENDMAIL, &var_sub_sendmail, 0, 0,
    "Postfix sendmail(1) used for the fallback"},
    {VAR_SUB_SENDMAIL_CONF, CFG_STR, DEF_SUB_SENDMAIL_CONF, &var_sub_sendmail_conf, 0, 0,
    "Postfix config directory passed to the fallback with -C (empty: default)"},
    {VAR_SUB_TIMEOUT, CFG_TIME, DEF_SUB_TIMEOUT, &var_sub_timeout, 1, 3600,
    "time limit for connecting and for each SMTP reply"},
    {VAR_SUB_HELO, CFG_STR, DEF_SUB_HELO, &var_sub_helo, 0, 0,
    "name sent in EHLO"},
    {VAR_SUB_CONNECTIONS, CFG_INT, DEF_SUB_CONNECTIONS, &var_sub_connections, 1, 64,
    "campaign mode: parallel persistent SMTP connections"},
    {VAR_SUB_RETRY_LIMIT, CFG_INT, DEF_SUB_RETRY_LIMIT, &var_sub_retry_limit, 0, 1000,
    "campaign mode: attempts after a 4xx reply before a row is failed (status 2)"},
    {VAR_SUB_RETRY_DELAY, CFG_TIME, DEF_SUB_RETRY_DELAY, &var_sub_retry_delay, 0, 86400,
    "campaign mode: wait after a 4xx reply without a \"retry in N s\" hint"},
    {VAR_SUB_RETRY_MAX_DELAY, CFG_TIME, DEF_SUB_RETRY_MAX_DELAY, &var_sub_retry_max_delay, 0, 86400,
    "campaign mode: upper bound for a retry hint from the server"},
    {VAR_SUB_RECONNECT_TIME, CFG_TIME, DEF_SUB_RECONNECT_TIME, &var_sub_reconnect_time, 1, 86400,
    "campaign mode: give up (exit 75, resumable) after the listener is unreachable this long"},
    {VAR_SUB_STATE_DIR, CFG_STR, DEF_SUB_STATE_DIR, &var_sub_state_dir, 0, 0,
    "campaign journals (empty: $HOME/.postbulk/campaigns)"},
    {VAR_SUB_SYNC_ROWS, CFG_INT, DEF_SUB_SYNC_ROWS, &var_sub_sync_rows, 1, 10000000,
    "campaign mode: fsync the journal after this many rows (and at exit)"},
    {VAR_SUB_TYPO, CFG_STR, DEF_SUB_TYPO, &var_sub_typo, 0, 0,
    "campaign mode default for --typo: fix, report or off"},
    {0},
};

/* sub_params_load - shared and submit_* parameters */

int     sub_params_load(const char *path, BUF *why)
{
    if (params_load(path, sub_params, "submit_", why) < 0)
	return (-1);
    if (strcmp(var_sub_fallback, "sendmail") != 0
	&& strcmp(var_sub_fallback, "tempfail") != 0) {
	buf_sprintf(why, "%s: bad value \"%s\" (use sendmail or tempfail)",
		    VAR_SUB_FALLBACK, var_sub_fallback);
	return (-1);
    }
    if (strcmp(var_sub_typo, "fix") != 0 && strcmp(var_sub_typo, "report") != 0
	&& strcmp(var_sub_typo, "off") != 0) {
	buf_sprintf(why, "%s: bad value \"%s\" (use fix, report or off)",
		    VAR_SUB_TYPO, var_sub_typo);
	return (-1);
    }
    return (0);
}
