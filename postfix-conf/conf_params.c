/*
 * NAME
 *	conf_params 3 - configuration parameters of postbulk-conf
 * DESCRIPTION
 *	See conf_params.h. Defaults match the systemd units and the
 *	other programs' defaults (the submit_server default is the
 *	listener). The policy and milter sockets are not set here: they
 *	are read from policyd_listen and milter_socket, the settings the
 *	daemons themselves listen on.
 */
#include <stddef.h>

#include "cfg.h"

#include "conf_params.h"

char   *var_conf_listener;
long    var_conf_listener_procs;
long    var_conf_listener_errors;
char   *var_conf_milter_action;
char   *var_conf_bounce_service;
char   *var_conf_bounce_command;
char   *var_conf_bounce_args;
char   *var_conf_bounce_user;
char   *var_conf_bounce_flags;
long    var_conf_bounce_procs;
char   *var_conf_transport_map;
char   *var_conf_map_type;
char   *var_conf_relay_nexthop;

const CFG_PARAM conf_params[] = {
    {VAR_CONF_LISTENER, CFG_STR, DEF_CONF_LISTENER, &var_conf_listener, 0, 0,
    "address:port of the postbulk submission smtpd listener (loopback only)"},
    {VAR_CONF_LISTENER_PROCS, CFG_INT, DEF_CONF_LISTENER_PROCS, &var_conf_listener_procs, 1, 1000,
    "master.cf process limit of the submission listener"},
    {VAR_CONF_LISTENER_ERRORS, CFG_INT, DEF_CONF_LISTENER_ERRORS, &var_conf_listener_errors, 1, 1000000,
    "errors (deferred RCPTs, 4xx) after which the listener hangs up; the client reconnects"},
    {VAR_CONF_MILTER_ACTION, CFG_STR, DEF_CONF_MILTER_ACTION, &var_conf_milter_action, 0, 0,
    "Postfix milter_default_action when the milter is unreachable"},
    {VAR_CONF_BOUNCE_SERVICE, CFG_STR, DEF_CONF_BOUNCE_SERVICE, &var_conf_bounce_service, 0, 0,
    "master.cf name of the pipe(8) transport for the bounce domain"},
    {VAR_CONF_BOUNCE_COMMAND, CFG_STR, DEF_CONF_BOUNCE_COMMAND, &var_conf_bounce_command, 0, 0,
    "path of postbulk-bounce, run by pipe(8)"},
    {VAR_CONF_BOUNCE_ARGS, CFG_STR, DEF_CONF_BOUNCE_ARGS, &var_conf_bounce_args, 0, 0,
    "pipe(8) arguments after the command (pipe(8) ${...} macros)"},
    {VAR_CONF_BOUNCE_USER, CFG_STR, DEF_CONF_BOUNCE_USER, &var_conf_bounce_user, 0, 0,
    "user (and :group) pipe(8) runs postbulk-bounce as"},
    {VAR_CONF_BOUNCE_FLAGS, CFG_STR, DEF_CONF_BOUNCE_FLAGS, &var_conf_bounce_flags, 0, 0,
    "pipe(8) flags of the bounce transport"},
    {VAR_CONF_BOUNCE_PROCS, CFG_INT, DEF_CONF_BOUNCE_PROCS, &var_conf_bounce_procs, 1, 1000,
    "master.cf process limit of the bounce transport"},
    {VAR_CONF_TRANSPORT_MAP, CFG_STR, DEF_CONF_TRANSPORT_MAP, &var_conf_transport_map, 0, 0,
    "generated transport map, a file name in the Postfix config directory"},
    {VAR_CONF_MAP_TYPE, CFG_STR, DEF_CONF_MAP_TYPE, &var_conf_map_type, 0, 0,
    "lookup table type of the transport map (lmdb, hash, cdb, texthash)"},
    {VAR_CONF_RELAY_NEXTHOP, CFG_STR, DEF_CONF_RELAY_NEXTHOP, &var_conf_relay_nexthop, 0, 0,
    "send every group through this nexthop (outbound relay, tests); empty = direct"},
    {0},
};
