#ifndef PF_MLT_PARAMS_H
#define PF_MLT_PARAMS_H

/*
 * NAME
 *	mlt_params 3 - configuration parameters of postbulk-milter
 * SYNOPSIS
 *	#include "mlt_params.h"
 *	extern const CFG_PARAM mlt_params[];
 * DESCRIPTION
 *	The milter_* parameters of the postbulk configuration file, with
 *	defaults and one-line documentation (postbulk-milter(8)).
 */
#include "cfg.h"

#define VAR_MLT_SOCKET		"milter_socket"
#define DEF_MLT_SOCKET		"unix:/run/postbulk/milter.sock"
extern char *var_mlt_socket;

#define VAR_MLT_SOCKET_MODE	"milter_socket_mode"
#define DEF_MLT_SOCKET_MODE	"0660"
extern char *var_mlt_socket_mode;

#define VAR_MLT_SOCKET_GROUP	"milter_socket_group"
#define DEF_MLT_SOCKET_GROUP	"postfix"
extern char *var_mlt_socket_group;

#define VAR_MLT_USER		"milter_user"
#define DEF_MLT_USER		"postbulk"
extern char *var_mlt_user;

#define VAR_MLT_TIMEOUT		"milter_timeout"
#define DEF_MLT_TIMEOUT		"60s"
extern long var_mlt_timeout;

#define VAR_MLT_TEMPLATE_DIR	"milter_template_directory"
#define DEF_MLT_TEMPLATE_DIR	"/etc/postbulk/templates"
extern char *var_mlt_template_dir;

#define VAR_MLT_MISSING		"milter_missing_variable"
#define DEF_MLT_MISSING		"reject"
extern char *var_mlt_missing;

#define VAR_MLT_KEY_TABLE	"milter_dkim_key_table"
#define DEF_MLT_KEY_TABLE	""
extern char *var_mlt_key_table;

#define VAR_MLT_DKIM_ENGINE	"milter_dkim_engine"
#define DEF_MLT_DKIM_ENGINE	"openssl"
extern char *var_mlt_dkim_engine;

#define VAR_MLT_TRUST_DAEMONS	"milter_trusted_daemon_names"
#define DEF_MLT_TRUST_DAEMONS	"postbulk"
extern char *var_mlt_trust_daemons;

#define VAR_MLT_TRUST_CLIENTS	"milter_trusted_clients"
#define DEF_MLT_TRUST_CLIENTS	""
extern char *var_mlt_trust_clients;

#define VAR_MLT_FOOTER		"milter_ad_footer_template"
#define DEF_MLT_FOOTER		""
extern char *var_mlt_footer;

#define VAR_MLT_AD_PREFIX	"milter_ad_subject_prefix"
#define DEF_MLT_AD_PREFIX	"(\xea\xb4\x91\xea\xb3\xa0)"	/* (광고) */
extern char *var_mlt_ad_prefix;

#define VAR_MLT_FEEDBACK_ID	"milter_feedback_id"
#define DEF_MLT_FEEDBACK_ID	""
extern char *var_mlt_feedback_id;

#define VAR_MLT_UNSUB_URL	"milter_unsubscribe_url"
#define DEF_MLT_UNSUB_URL	""
extern char *var_mlt_unsub_url;

#define VAR_MLT_RECORDS		"milter_records"
#define DEF_MLT_RECORDS		"yes"
extern int var_mlt_records;

#define VAR_MLT_ERROR_ACTION	"milter_error_action"
#define DEF_MLT_ERROR_ACTION	"tempfail"
extern char *var_mlt_error_action;

extern const CFG_PARAM mlt_params[];

#endif
