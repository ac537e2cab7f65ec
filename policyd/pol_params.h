#ifndef PF_POL_PARAMS_H
#define PF_POL_PARAMS_H

/*
 * NAME
 *	pol_params 3 - postbulk-policyd configuration parameters
 * SYNOPSIS
 *	#include "pol_params.h"
 *	extern const CFG_PARAM pol_params[];
 *	int pol_params_check(BUF *why);
 * DESCRIPTION
 *	The one table of policyd settings (name, kind, default, range, one
 *	line of documentation), read with params_load() from the postbulk
 *	configuration file. postbulk-policyd(8) documents each one.
 *	pol_params_check() checks what the table's kinds cannot (listen
 *	addresses, socket mode, percentages, actions).
 */
#include "buf.h"
#include "cfg.h"

#define VAR_POL_LISTEN		"policyd_listen"
#define DEF_POL_LISTEN		"unix:/var/spool/postfix/private/postbulk-policy"
extern char *var_pol_listen;

#define VAR_POL_SOCKET_MODE	"policyd_socket_mode"
#define DEF_POL_SOCKET_MODE	"0666"
extern char *var_pol_socket_mode;

#define VAR_POL_ALLOW_REMOTE	"policyd_allow_remote"
#define DEF_POL_ALLOW_REMOTE	"no"
extern int var_pol_allow_remote;

#define VAR_POL_USER		"policyd_user"
#define DEF_POL_USER		"postbulk"
extern char *var_pol_user;

#define VAR_POL_IDLE_TIMEOUT	"policyd_idle_timeout"
#define DEF_POL_IDLE_TIMEOUT	"300s"
extern long var_pol_idle_timeout;

#define VAR_POL_MAX_CONN	"policyd_max_connections"
#define DEF_POL_MAX_CONN	"1000"
extern long var_pol_max_conn;

#define VAR_POL_THREADS		"policyd_threads"
#define DEF_POL_THREADS		"2"
extern long var_pol_threads;

#define VAR_POL_TIME_BASE	"policyd_time_base"
#define DEF_POL_TIME_BASE	"60s"
extern long var_pol_time_base;

#define VAR_POL_RATE_BURST	"policyd_rate_burst"
#define DEF_POL_RATE_BURST	"0"		/* 0 = automatic: pol_rate_burst() */
extern long var_pol_rate_burst;

#define VAR_POL_PERSIST		"policyd_persist_interval"
#define DEF_POL_PERSIST		"10s"
extern long var_pol_persist;

#define VAR_POL_SUPPRESS	"policyd_suppression_check"
#define DEF_POL_SUPPRESS	"yes"
extern int var_pol_suppress;

#define VAR_POL_SUPP_FILTER	"policyd_suppression_filter"
#define DEF_POL_SUPP_FILTER	"yes"
extern int var_pol_supp_filter;

#define VAR_POL_DUPLICATE	"policyd_duplicate_check"
#define DEF_POL_DUPLICATE	"yes"
extern int var_pol_duplicate;

#define VAR_POL_DUP_GRACE	"policyd_duplicate_grace"
#define DEF_POL_DUP_GRACE	"2m"
extern long var_pol_dup_grace;

#define VAR_POL_RATE		"policyd_rate_check"
#define DEF_POL_RATE		"yes"
extern int var_pol_rate;

#define VAR_POL_GUARD		"policyd_guard"
#define DEF_POL_GUARD		"yes"
extern int var_pol_guard;

#define VAR_POL_GUARD_MIN	"policyd_guard_min_volume"
#define DEF_POL_GUARD_MIN	"300"
extern long var_pol_guard_min;

#define VAR_POL_GUARD_BOUNCE	"policyd_guard_bounce_rate"
#define DEF_POL_GUARD_BOUNCE	"5%"
extern char *var_pol_guard_bounce;

#define VAR_POL_GUARD_INVALID	"policyd_guard_invalid_rate"
#define DEF_POL_GUARD_INVALID	"9%"
extern char *var_pol_guard_invalid;

#define VAR_POL_GUARD_COMPLAINT	"policyd_guard_complaint_rate"
#define DEF_POL_GUARD_COMPLAINT	"0.3%"
extern char *var_pol_guard_complaint;

#define VAR_POL_GUARD_REFRESH	"policyd_guard_refresh"
#define DEF_POL_GUARD_REFRESH	"5s"
extern long var_pol_guard_refresh;

#define VAR_POL_DB_ERROR	"policyd_db_error_action"
#define DEF_POL_DB_ERROR	"DEFER_IF_PERMIT 4.3.0 policy database unavailable, try again later"
extern char *var_pol_db_error;

extern const CFG_PARAM pol_params[];

/* Derived from the text values by pol_params_check(). */
extern int pol_socket_mode;
extern double pol_guard_bounce, pol_guard_invalid, pol_guard_complaint;

int     pol_params_check(BUF *);

#endif
