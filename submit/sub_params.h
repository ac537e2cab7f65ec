#ifndef PF_SUB_PARAMS_H
#define PF_SUB_PARAMS_H

/*
 * NAME
 *	sub_params 3 - configuration parameters of postbulk-submit
 * SYNOPSIS
 *	#include "sub_params.h"
 *	extern const CFG_PARAM sub_params[];
 *	int sub_params_load(const char *path, BUF *why);
 * DESCRIPTION
 *	One table (name, default, variable, one-line doc) for every
 *	submit_* setting of the postbulk configuration file; the man page
 *	postbulk-submit(1) documents the same list.
 */
#include "buf.h"
#include "cfg.h"

#define VAR_SUB_SERVER		"submit_server"
#define DEF_SUB_SERVER		"127.0.0.1:10587"
extern char *var_sub_server;

#define VAR_SUB_FALLBACK	"submit_fallback"
#define DEF_SUB_FALLBACK	"sendmail"
extern char *var_sub_fallback;

#define VAR_SUB_SENDMAIL	"submit_sendmail_path"
#define DEF_SUB_SENDMAIL	"/usr/sbin/sendmail"
extern char *var_sub_sendmail;

#define VAR_SUB_SENDMAIL_CONF	"submit_sendmail_config_directory"
#define DEF_SUB_SENDMAIL_CONF	""
extern char *var_sub_sendmail_conf;

#define VAR_SUB_TIMEOUT		"submit_timeout"
#define DEF_SUB_TIMEOUT		"60s"
extern long var_sub_timeout;

#define VAR_SUB_HELO		"submit_helo_name"
#define DEF_SUB_HELO		"localhost"
extern char *var_sub_helo;

#define VAR_SUB_CONNECTIONS	"submit_connections"
#define DEF_SUB_CONNECTIONS	"4"
extern long var_sub_connections;

#define VAR_SUB_RETRY_LIMIT	"submit_retry_limit"
#define DEF_SUB_RETRY_LIMIT	"5"
extern long var_sub_retry_limit;

#define VAR_SUB_RETRY_DELAY	"submit_retry_delay"
#define DEF_SUB_RETRY_DELAY	"10s"
extern long var_sub_retry_delay;

#define VAR_SUB_RETRY_MAX_DELAY	"submit_retry_max_delay"
#define DEF_SUB_RETRY_MAX_DELAY	"5m"
extern long var_sub_retry_max_delay;

#define VAR_SUB_RECONNECT_TIME	"submit_reconnect_timeout"
#define DEF_SUB_RECONNECT_TIME	"2m"
extern long var_sub_reconnect_time;

#define VAR_SUB_STATE_DIR	"submit_state_directory"
#define DEF_SUB_STATE_DIR	""
extern char *var_sub_state_dir;

#define VAR_SUB_SYNC_ROWS	"submit_journal_sync_rows"
#define DEF_SUB_SYNC_ROWS	"1000"
extern long var_sub_sync_rows;

#define VAR_SUB_TYPO		"submit_typo_mode"
#define DEF_SUB_TYPO		"fix"
extern char *var_sub_typo;

extern const CFG_PARAM sub_params[];

int     sub_params_load(const char *, BUF *);

#endif
