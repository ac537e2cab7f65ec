/*
 * NAME
 *	pol_params 3 - postbulk-policyd configuration parameters
 * DESCRIPTION
 *	See pol_params.h.
 */

/* System library. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Project library. */
#include "buf.h"
#include "cfg.h"

/* Application-specific. */
#include "pol_params.h"

char   *var_pol_listen;
char   *var_pol_socket_mode;
int     var_pol_allow_remote;
char   *var_pol_user;
long    var_pol_idle_timeout;
long    var_pol_max_conn;
long    var_pol_threads;
long    var_pol_time_base;
long    var_pol_rate_burst;
long    var_pol_persist;
int     var_pol_suppress;
int     var_pol_supp_filter;
int     var_pol_duplicate;
long    var_pol_dup_grace;
int     var_pol_rate;
int     var_pol_guard;
long    var_pol_guard_min;
char   *var_pol_guard_bounce;
char   *var_pol_guard_invalid;
char   *var_pol_guard_complaint;
long    var_pol_guard_refresh;
char   *var_pol_db_error;

int     pol_socket_mode;
double  pol_guard_bounce, pol_guard_invalid, pol_guard_complaint;

const CFG_PARAM pol_params[] = {
    {VAR_POL_LISTEN, CFG_STR, DEF_POL_LISTEN, &var_pol_listen, 0, 0,
    "where to listen: unix:PATH and/or inet:127.0.0.1:PORT, comma separated"},
    {VAR_POL_SOCKET_MODE, CFG_STR, DEF_POL_SOCKET_MODE, &var_pol_socket_mode, 0, 0,
    "octal permissions of the unix socket"},
    {VAR_POL_ALLOW_REMOTE, CFG_BOOL, DEF_POL_ALLOW_REMOTE, &var_pol_allow_remote, 0, 0,
    "allow inet listen addresses other than loopback"},
    {VAR_POL_USER, CFG_STR, DEF_POL_USER, &var_pol_user, 0, 0,
    "unprivileged user to run as after binding (when started as root)"},
    {VAR_POL_IDLE_TIMEOUT, CFG_TIME, DEF_POL_IDLE_TIMEOUT, &var_pol_idle_timeout, 1, 86400,
    "close a client connection idle this long"},
    {VAR_POL_MAX_CONN, CFG_INT, DEF_POL_MAX_CONN, &var_pol_max_conn, 1, 100000,
    "most client connections at once; more are closed at once"},
    {VAR_POL_THREADS, CFG_INT, DEF_POL_THREADS, &var_pol_threads, 1, 64,
    "event threads serving connections (decisions are taken one at a time)"},
    {VAR_POL_TIME_BASE, CFG_TIME, DEF_POL_TIME_BASE, &var_pol_time_base, 1, 3600,
    "length of the rate \"minute\" (an hour is 60 of them); shorter only for tests"},
    {VAR_POL_RATE_BURST, CFG_INT, DEF_POL_RATE_BURST, &var_pol_rate_burst, 0, 1000000,
    "depth of the per-minute token bucket (1 = evenly spaced messages; 0 = "
    "one second's worth of the group's per-minute rate, at least 1)"},
    {VAR_POL_PERSIST, CFG_TIME, DEF_POL_PERSIST, &var_pol_persist, 1, 3600,
    "how often in-memory day counters are written to the db"},
    {VAR_POL_SUPPRESS, CFG_BOOL, DEF_POL_SUPPRESS, &var_pol_suppress, 0, 0,
    "reject suppressed recipients"},
    {VAR_POL_SUPP_FILTER, CFG_BOOL, DEF_POL_SUPP_FILTER, &var_pol_supp_filter, 0, 0,
    "keep an in-memory filter of the suppressed keys, so that recipients "
    "certainly not suppressed need no db lookup"},
    {VAR_POL_DUPLICATE, CFG_BOOL, DEF_POL_DUPLICATE, &var_pol_duplicate, 0, 0,
    "reject a recipient already recorded in the sender's campaign"},
    {VAR_POL_DUP_GRACE, CFG_TIME, DEF_POL_DUP_GRACE, &var_pol_dup_grace, 1, 86400,
    "how long a campaign record that Postfix has not yet been seen to queue "
    "defers a second copy; after that the copy is let through"},
    {VAR_POL_RATE, CFG_BOOL, DEF_POL_RATE, &var_pol_rate, 0, 0,
    "enforce rates, daily caps, warm-up and backoff of destination groups"},
    {VAR_POL_GUARD, CFG_BOOL, DEF_POL_GUARD, &var_pol_guard, 0, 0,
    "defer mail of sender domains over the reputation thresholds"},
    {VAR_POL_GUARD_MIN, CFG_INT, DEF_POL_GUARD_MIN, &var_pol_guard_min, 1, 1000000000,
    "messages a sender domain must have sent today before the guard judges it"},
    {VAR_POL_GUARD_BOUNCE, CFG_STR, DEF_POL_GUARD_BOUNCE, &var_pol_guard_bounce, 0, 0,
    "hard-bounce rate (hard/sent) that trips the guard"},
    {VAR_POL_GUARD_INVALID, CFG_STR, DEF_POL_GUARD_INVALID, &var_pol_guard_invalid, 0, 0,
    "invalid-address rate (invalid/sent) that trips the guard"},
    {VAR_POL_GUARD_COMPLAINT, CFG_STR, DEF_POL_GUARD_COMPLAINT, &var_pol_guard_complaint, 0, 0,
    "complaint rate (complaint/sent) that trips the guard"},
    {VAR_POL_GUARD_REFRESH, CFG_TIME, DEF_POL_GUARD_REFRESH, &var_pol_guard_refresh, 1, 3600,
    "how often a sender domain's counters are re-read from the db"},
    {VAR_POL_DB_ERROR, CFG_STR, DEF_POL_DB_ERROR, &var_pol_db_error, 0, 0,
    "policy action when the db cannot answer"},
    {0},
};

/* pol_percent - "5%", "0.3%", "0.05" (a fraction when no %) */

static int pol_percent(const char *name, const char *s, double *out, BUF *why)
{
    char   *end;
    double  v = strtod(s, &end);

    if (end == s) {
	buf_sprintf(why, "bad rate for %s: \"%s\"", name, s);
	return (-1);
    }
    if (*end == '%') {
	v /= 100;
	end++;
    }
    if (*end || v <= 0 || v > 1) {
	buf_sprintf(why, "bad rate for %s: \"%s\" (want e.g. 5%% or 0.05)",
		    name, s);
	return (-1);
    }
    *out = v;
    return (0);
}

/* pol_params_check - values the table kinds cannot check */

int     pol_params_check(BUF *why)
{
    char   *end;
    long    mode;
    const char *action = var_pol_db_error;

    mode = strtol(var_pol_socket_mode, &end, 8);
    if (*var_pol_socket_mode == 0 || *end || mode < 0 || mode > 0777) {
	buf_sprintf(why, "bad octal mode for %s: \"%s\"", VAR_POL_SOCKET_MODE,
		    var_pol_socket_mode);
	return (-1);
    }
    pol_socket_mode = (int) mode;
    if (pol_percent(VAR_POL_GUARD_BOUNCE, var_pol_guard_bounce,
		    &pol_guard_bounce, why) < 0
	|| pol_percent(VAR_POL_GUARD_INVALID, var_pol_guard_invalid,
		       &pol_guard_invalid, why) < 0
	|| pol_percent(VAR_POL_GUARD_COMPLAINT, var_pol_guard_complaint,
		       &pol_guard_complaint, why) < 0)
	return (-1);
    if (strncasecmp(action, "DUNNO", 5) != 0
	&& strncasecmp(action, "DEFER", 5) != 0
	&& strncasecmp(action, "REJECT", 6) != 0
	&& !isdigit((unsigned char) *action)) {
	buf_sprintf(why, "%s must be DUNNO, DEFER..., REJECT... or a 4xx/5xx "
		    "reply, not \"%s\"", VAR_POL_DB_ERROR, action);
	return (-1);
    }
    if (strchr(action, '\n')) {
	buf_sprintf(why, "%s must be one line", VAR_POL_DB_ERROR);
	return (-1);
    }
    return (0);
}
