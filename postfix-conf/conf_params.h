#ifndef PF_CONF_PARAMS_H
#define PF_CONF_PARAMS_H

/*
 * NAME
 *	conf_params 3 - configuration parameters of postbulk-conf
 * SYNOPSIS
 *	#include "conf_params.h"
 *	extern const CFG_PARAM conf_params[];
 * DESCRIPTION
 *	One table (name, default, variable, one-line doc) for every conf_*
 *	setting of the postbulk configuration file. postbulk-conf(8) and
 *	postfix-conf/postbulk.cf document the same list.
 */
#include "cfg.h"

#define VAR_CONF_LISTENER	"conf_listener"
#define DEF_CONF_LISTENER	"127.0.0.1:10587"
extern char *var_conf_listener;

#define VAR_CONF_LISTENER_PROCS	"conf_listener_process_limit"
#define DEF_CONF_LISTENER_PROCS	"20"
extern long var_conf_listener_procs;

#define VAR_CONF_LISTENER_ERRORS	"conf_listener_hard_error_limit"
#define DEF_CONF_LISTENER_ERRORS	"1000"
extern long var_conf_listener_errors;

#define VAR_CONF_MILTER_ACTION	"conf_milter_default_action"
#define DEF_CONF_MILTER_ACTION	"tempfail"
extern char *var_conf_milter_action;

#define VAR_CONF_BOUNCE_SERVICE	"conf_bounce_service"
#define DEF_CONF_BOUNCE_SERVICE	"pb_bounce"
extern char *var_conf_bounce_service;

#define VAR_CONF_BOUNCE_COMMAND	"conf_bounce_command"
#define DEF_CONF_BOUNCE_COMMAND	"/usr/local/sbin/postbulk-bounce"
extern char *var_conf_bounce_command;

#define VAR_CONF_BOUNCE_ARGS	"conf_bounce_arguments"
#define DEF_CONF_BOUNCE_ARGS	"-q $${queue_id} $${original_recipient} $${sender}"
extern char *var_conf_bounce_args;

#define VAR_CONF_BOUNCE_USER	"conf_bounce_user"
#define DEF_CONF_BOUNCE_USER	"postbulk"
extern char *var_conf_bounce_user;

#define VAR_CONF_BOUNCE_FLAGS	"conf_bounce_flags"
#define DEF_CONF_BOUNCE_FLAGS	"Rq"
extern char *var_conf_bounce_flags;

#define VAR_CONF_BOUNCE_PROCS	"conf_bounce_process_limit"
#define DEF_CONF_BOUNCE_PROCS	"10"
extern long var_conf_bounce_procs;

#define VAR_CONF_TRANSPORT_MAP	"conf_transport_map"
#define DEF_CONF_TRANSPORT_MAP	"postbulk_transport"
extern char *var_conf_transport_map;

#define VAR_CONF_MAP_TYPE	"conf_transport_map_type"
#define DEF_CONF_MAP_TYPE	"lmdb"
extern char *var_conf_map_type;

#define VAR_CONF_RELAY_NEXTHOP	"conf_relay_nexthop"
#define DEF_CONF_RELAY_NEXTHOP	""
extern char *var_conf_relay_nexthop;

extern const CFG_PARAM conf_params[];

#endif
