/*
 * NAME
 *	mlt_params 3 - configuration parameters of postbulk-milter
 * DESCRIPTION
 *	See mlt_params.h. One table: defaults, kinds and the text that
 *	-t prints and the man page repeats.
 */
#include <stddef.h>

#include "cfg.h"

#include "mlt_params.h"

char   *var_mlt_socket;
char   *var_mlt_socket_mode;
char   *var_mlt_socket_group;
char   *var_mlt_user;
long    var_mlt_timeout;
char   *var_mlt_template_dir;
char   *var_mlt_missing;
char   *var_mlt_key_table;
char   *var_mlt_dkim_engine;
char   *var_mlt_trust_daemons;
char   *var_mlt_trust_clients;
char   *var_mlt_footer;
char   *var_mlt_ad_prefix;
char   *var_mlt_feedback_id;
char   *var_mlt_unsub_url;
int     var_mlt_records;
char   *var_mlt_error_action;

const CFG_PARAM mlt_params[] = {
    {VAR_MLT_SOCKET, CFG_STR, DEF_MLT_SOCKET, &var_mlt_socket, 0, 0,
    "libmilter socket: unix:PATH (recommended) or inet:PORT@127.0.0.1"},
    {VAR_MLT_SOCKET_MODE, CFG_STR, DEF_MLT_SOCKET_MODE, &var_mlt_socket_mode, 0, 0,
    "octal mode of the unix socket"},
    {VAR_MLT_SOCKET_GROUP, CFG_STR, DEF_MLT_SOCKET_GROUP, &var_mlt_socket_group, 0, 0,
    "group of the unix socket (Postfix's smtpd must be able to connect); empty = unchanged"},
    {VAR_MLT_USER, CFG_STR, DEF_MLT_USER, &var_mlt_user, 0, 0,
    "unprivileged user the milter runs as when started by root"},
    {VAR_MLT_TIMEOUT, CFG_TIME, DEF_MLT_TIMEOUT, &var_mlt_timeout, 1, 3600,
    "libmilter I/O timeout towards Postfix"},
    {VAR_MLT_TEMPLATE_DIR, CFG_STR, DEF_MLT_TEMPLATE_DIR, &var_mlt_template_dir, 0, 0,
    "directory of message templates named by X-Postbulk-Template"},
    {VAR_MLT_MISSING, CFG_STR, DEF_MLT_MISSING, &var_mlt_missing, 0, 0,
    "a ${key} without a value: reject (550 5.6.0 naming it) or empty"},
    {VAR_MLT_KEY_TABLE, CFG_STR, DEF_MLT_KEY_TABLE, &var_mlt_key_table, 0, 0,
    "DKIM key table, lines \"DOMAIN SELECTOR KEYFILE\"; empty = no signing"},
    {VAR_MLT_DKIM_ENGINE, CFG_STR, DEF_MLT_DKIM_ENGINE, &var_mlt_dkim_engine, 0, 0,
    "DKIM signer: openssl (keys parsed once) or libopendkim (dkim_sign API)"},
    {VAR_MLT_TRUST_DAEMONS, CFG_STR, DEF_MLT_TRUST_DAEMONS, &var_mlt_trust_daemons, 0, 0,
    "{daemon_name} values (milter_macro_daemon_name) whose X-Postbulk-* headers are obeyed"},
    {VAR_MLT_TRUST_CLIENTS, CFG_STR, DEF_MLT_TRUST_CLIENTS, &var_mlt_trust_clients, 0, 0,
    "client IPv4 addresses or networks (a.b.c.d/n) whose X-Postbulk-* headers are obeyed"},
    {VAR_MLT_FOOTER, CFG_STR, DEF_MLT_FOOTER, &var_mlt_footer, 0, 0,
    "UTF-8 footer template added to advertising mail (${sender_name}, ${contact}, ${unsubscribe_url})"},
    {VAR_MLT_AD_PREFIX, CFG_STR, DEF_MLT_AD_PREFIX, &var_mlt_ad_prefix, 0, 0,
    "Subject prefix of advertising mail"},
    {VAR_MLT_FEEDBACK_ID, CFG_STR, DEF_MLT_FEEDBACK_ID, &var_mlt_feedback_id, 0, 0,
    "Feedback-ID header template (${campaign}, ${sender_domain}); empty = none"},
    {VAR_MLT_UNSUB_URL, CFG_STR, DEF_MLT_UNSUB_URL, &var_mlt_unsub_url, 0, 0,
    "https one-click unsubscribe URL template (${token}, ${msgid}); empty = mailto only"},
    {VAR_MLT_RECORDS, CFG_BOOL, DEF_MLT_RECORDS, &var_mlt_records, 0, 0,
    "write one message record per recipient to the db"},
    {VAR_MLT_ERROR_ACTION, CFG_STR, DEF_MLT_ERROR_ACTION, &var_mlt_error_action, 0, 0,
    "answer when the milter itself fails on a message: tempfail or accept"},
    {0},
};
