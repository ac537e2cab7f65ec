/*
 * NAME
 *	params 3 - configuration parameters shared by every postbulk program
 * DESCRIPTION
 *	See params.h. The one table of shared settings, so that the
 *	milter, policyd, bounce-pipe and the CLI agree on where the db
 *	lives and how tokens are signed.
 */
#include <stdlib.h>

#include "log.h"
#include "buf.h"
#include "cfg.h"
#include "params.h"

char   *var_db_directory;
char   *var_bounce_domain;
char   *var_bounce_prefix;
char   *var_unsub_prefix;
char   *var_token_key_file;
char   *var_dest_table;
int     var_strip_tag;
long    var_db_timeout;

const CFG_PARAM params_common[] = {
    {VAR_DB_DIRECTORY, CFG_STR, DEF_DB_DIRECTORY, &var_db_directory, 0, 0,
    "Berkeley DB environment directory shared by all postbulk programs"},
    {VAR_BOUNCE_DOMAIN, CFG_STR, DEF_BOUNCE_DOMAIN, &var_bounce_domain, 0, 0,
    "domain of VERP return paths and unsubscribe addresses"},
    {VAR_BOUNCE_PREFIX, CFG_STR, DEF_BOUNCE_PREFIX, &var_bounce_prefix, 0, 0,
    "local part before '+TOKEN' in return paths"},
    {VAR_UNSUB_PREFIX, CFG_STR, DEF_UNSUB_PREFIX, &var_unsub_prefix, 0, 0,
    "local part before '+TOKEN' in List-Unsubscribe mailto addresses"},
    {VAR_TOKEN_KEY_FILE, CFG_STR, DEF_TOKEN_KEY_FILE, &var_token_key_file, 0, 0,
    "HMAC secret for VERP and unsubscribe tokens (>= 32 bytes, mode 640)"},
    {VAR_DEST_TABLE, CFG_STR, DEF_DEST_TABLE, &var_dest_table, 0, 0,
    "destination group table read by policyd and postbulk-conf"},
    {VAR_STRIP_TAG, CFG_BOOL, DEF_STRIP_TAG, &var_strip_tag, 0, 0,
    "ignore '+tag' in local parts when matching suppressions"},
    {VAR_DB_TIMEOUT, CFG_TIME, DEF_DB_TIMEOUT, &var_db_timeout, 1, 3600,
    "how long a db operation may wait for locks before giving up"},
    {0},
};

/* params_load - shared and program parameters from one file */

int     params_load(const char *path, const CFG_PARAM *own, const char *prefix,
		            BUF *why)
{
    CFG    *cfg = cfg_load(path ? path : cfg_default_path(), why);
    int     ret = 0;

    if (cfg == 0)
	return (-1);
    if (cfg_apply(cfg, params_common, why) < 0
	|| (own && cfg_apply(cfg, own, why) < 0)
	|| (own && prefix
	    && cfg_check_unknown2(cfg, prefix, own, params_common, why) < 0))
	ret = -1;
    cfg_free(cfg);
    return (ret);
}
