/*
 * NAME
 *	postbulk-conf-plan 8 - the Postfix settings postbulk needs, as a plan
 * SYNOPSIS
 *	postbulk-conf-plan [-c POSTBULK_CONFIG] [--mx-rollup [--zone FILE]]
 * DESCRIPTION
 *	Reads the postbulk configuration file (main.cf syntax, default
 *	$POSTBULK_CONFIG or /etc/postbulk/postbulk.cf) and the destination
 *	group table it names (destination_table, parsed by common/desttab.c,
 *	the same parser postbulk-policyd uses), and prints the Postfix
 *	settings that wire postbulk in, one per line, fields separated by
 *	one TAB:
 *
 *	    param	NAME	VALUE		postconf -e "NAME = VALUE"
 *	    list	NAME	ITEM		ITEM must be in list parameter NAME
 *	    service	NAME/TYPE	ENTRY	postconf -M NAME/TYPE="ENTRY"
 *	    option	NAME/TYPE/PARAM	VALUE	postconf -P NAME/TYPE/PARAM=VALUE
 *	    map	KEY	VALUE		a line of the generated transport map
 *	    mapfile	NAME	TYPE		map file name (in the Postfix config
 *					directory) and its lookup table type
 *
 *	postbulk-conf(8) applies the plan with postconf(1); this program
 *	never touches Postfix files itself, so the plan can be read and
 *	tested on its own.
 *
 *	Concurrency unit. Postfix counts NAME_destination_concurrency_limit
 *	per destination (transport + nexthop); a group of several domains
 *	with the default nexthop (the recipient domain) would get the limit
 *	once per domain. The plan therefore also sets the transport's
 *	process limit (master.cf maxproc) to the group's concurrency limit:
 *	no more SMTP client processes, hence connections, exist for the
 *	group as a whole; and the group's rate delay is also the
 *	transport's rate delay (NAME_transport_rate_delay), which spaces
 *	deliveries over the whole group. With --mx-rollup, or with conf_relay_nexthop, the
 *	domains of a group also share one nexthop, so the per-destination
 *	limit and the rate delay hold for the group too.
 *
 *	--mx-rollup looks up the MX hosts of every domain of a group (live
 *	DNS, or the zone file given with --zone, see doctor_dns(3));
 *	domains whose MX host sets are equal
 *	share the nexthop of the first of them, as commercial bulk MTAs'
 *	"MX roll-up" does. Domains whose MX lookup fails keep their own
 *	nexthop.
 * CONFIGURATION
 *	conf_* parameters, see postbulk-conf(8) and postfix-conf/postbulk.cf.
 * DIAGNOSTICS
 *	Errors name the configuration file and line. Exit status 0, or
 *	EX_USAGE, EX_CONFIG (bad configuration or destination table).
 * SEE ALSO
 *	postbulk-conf(8), postconf(1), postconf(5), master(5), transport(5)
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <netdb.h>

#include "log.h"
#include "mem.h"
#include "buf.h"
#include "cfg.h"
#include "params.h"
#include "desttab.h"
#include "doctor_dns.h"

#include "conf_params.h"

/*
 * The daemons' own listen settings and defaults, so that Postfix is
 * pointed at the sockets they really open.
 */
#include "../policyd/pol_params.h"
#include "../milter/mlt_params.h"

/* conf_emit - one plan line, checked for characters that break it */

static void conf_emit(const char *kind, const char *key, const char *value)
{
    const char *s;

    for (s = value; *s; s++)
	if (*s == '\t' || *s == '\n' || *s == '\r')
	    log_fatal_status(EX_CONFIG, "%s: value of %s contains a TAB or newline",
			     kind, key);
    printf("%s\t%s\t%s\n", kind, key, value);
}

/* conf_emitf - conf_emit with a formatted value */

static void PF_PRINTF(3, 4) conf_emitf(const char *kind, const char *key,
				               const char *fmt,...)
{
    BUF    *b = buf_alloc(64);
    va_list ap;

    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
    conf_emit(kind, key, buf_str(b));
    buf_free(b);
}

/* conf_mx_set - sorted, lowercased MX host set of a domain, or NULL */

static char *conf_mx_set(DOCTOR_DNS *dns, const char *domain)
{
    DOCTOR_RR *rr = doctor_dns_query(dns, domain, ns_t_mx);
    BUF    *b;
    char   *res;
    int     i, j;

    if (rr->status != DOCTOR_DNS_OK) {
	doctor_rr_free(rr);
	return (0);
    }
    for (i = 1; i < rr->n; i++)			/* insertion sort: few MX hosts */
	for (j = i; j > 0 && strcmp(rr->data[j - 1], rr->data[j]) > 0; j--) {
	    char   *t = rr->data[j];

	    rr->data[j] = rr->data[j - 1];
	    rr->data[j - 1] = t;
	}
    b = buf_alloc(128);
    for (i = 0; i < rr->n; i++)
	buf_printf(b, "%s%s", i ? " " : "", rr->data[i]);
    res = xstrdup(buf_str(b));
    buf_free(b);
    doctor_rr_free(rr);
    return (res);
}

/* conf_policy_endpoint - Postfix form of the first policyd listener */

static int conf_policy_endpoint(const char *spec, BUF *out, BUF *why)
{
    char   *copy = xstrdup(spec);
    char   *cp = copy;
    char   *item;
    int     ret = -1;

    /* Prefer a unix socket: TCP loopback costs a delayed ACK per request. */
    while ((item = strsep(&cp, ", \t\n")) != 0) {
	if (strncmp(item, "unix:", 5) == 0 && item[5] == '/') {
	    buf_sprintf(out, "unix:%s", item + 5);
	    ret = 0;
	    break;
	}
	if (strncmp(item, "inet:", 5) == 0 && ret < 0) {
	    buf_sprintf(out, "inet:%s", item + 5);
	    ret = 0;
	}
    }
    if (ret < 0)
	buf_sprintf(why, "%s = %s: no unix:/PATH or inet:HOST:PORT listener",
		    VAR_POL_LISTEN, spec);
    free(copy);
    return (ret);
}

/* conf_milter_endpoint - libmilter socket spec to Postfix milter form */

static int conf_milter_endpoint(const char *spec, BUF *out, BUF *why)
{
    const char *at;

    if (strncmp(spec, "unix:/", 6) == 0) {
	buf_sprintf(out, "unix:%s", spec + 5);
    } else if (strncmp(spec, "local:/", 7) == 0) {
	buf_sprintf(out, "unix:%s", spec + 6);
    } else if (strncmp(spec, "inet:", 5) == 0) {
	/* libmilter: inet:PORT@HOST; Postfix: inet:HOST:PORT */
	if ((at = strchr(spec + 5, '@')) != 0)
	    buf_sprintf(out, "inet:%s:%.*s", at + 1, (int) (at - spec - 5), spec + 5);
	else
	    buf_sprintf(out, "inet:127.0.0.1:%s", spec + 5);
    } else {
	buf_sprintf(why, "%s = %s: want unix:/PATH, local:/PATH or inet:PORT@HOST",
		    VAR_MLT_SOCKET, spec);
	return (-1);
    }
    return (0);
}

/* conf_group - transport, limits and map entries of one group */

static void conf_group(const DESTTAB_GROUP *grp, DOCTOR_DNS *dns)
{
    const char *tr = grp->transport;
    BUF    *key = buf_alloc(64);
    char  **mx = 0;
    long    maxproc = grp->concurrency_limit;
    int     i, j;

    /*
     * The default group's transport is "smtp" (Postfix's own default
     * transport): postbulk must not change how the rest of the server's
     * mail is delivered, so it gets no transport, map entry or limit.
     */
    if (strcmp(tr, "smtp") == 0 || grp->ndomains == 0) {
	printf("#\tgroup %s: no own transport (%s)\n", grp->name,
	       grp->ndomains ? "transport = smtp" : "no domains");
	buf_free(key);
	return;
    }

    /*
     * master.cf: maxproc = the group's concurrency limit. This is what
     * makes the limit hold for the group as a whole when its domains
     * have different nexthops. A limit of 0 (none) keeps the default.
     */
    buf_sprintf(key, "%s/unix", tr);
    if (maxproc > 0)
	conf_emitf("service", buf_str(key), "%s unix - - n - %ld smtp", tr, maxproc);
    else
	conf_emitf("service", buf_str(key), "%s unix - - n - - smtp", tr);
    buf_sprintf(key, "%s/unix/syslog_name", tr);
    conf_emitf("option", buf_str(key), "postfix/%s", tr);
    /*
     * Wait for the 221 reply to QUIT before closing: otherwise the
     * server may still count the old session when the next connection
     * (reuse limit reached, or no cache) arrives. Measured at the fake
     * MX: 3 sessions for a limit of 2 without this; one round trip per
     * connection is the price.
     */
    buf_sprintf(key, "%s/unix/smtp_skip_quit_response", tr);
    conf_emit("option", buf_str(key), "no");
    buf_sprintf(key, "%s/unix/smtp_connection_reuse_count_limit", tr);
    conf_emitf("option", buf_str(key), "%ld", grp->messages_per_connection);

    /*
     * main.cf: qmgr's per-destination scheduling for this transport. A
     * table value of 0 ("no limit") leaves Postfix's default in force.
     */
    buf_sprintf(key, "%s_destination_concurrency_limit", tr);
    if (grp->concurrency_limit > 0)
	conf_emitf("param", buf_str(key), "%ld", grp->concurrency_limit);
    buf_sprintf(key, "%s_destination_rate_delay", tr);
    conf_emitf("param", buf_str(key), "%lds", grp->rate_delay);

    /*
     * The destination rate delay spaces deliveries per nexthop, that is
     * per domain unless the group shares one. The transport rate delay
     * (Postfix 3.1) spaces them over the whole transport: the group.
     */
    buf_sprintf(key, "%s_transport_rate_delay", tr);
    conf_emitf("param", buf_str(key), "%lds", grp->rate_delay);
    buf_sprintf(key, "%s_destination_recipient_limit", tr);
    if (grp->recipient_limit > 0)
	conf_emitf("param", buf_str(key), "%ld", grp->recipient_limit);

    /* Nexthops: relay, MX roll-up, or each domain its own. */
    if (dns && *var_conf_relay_nexthop == 0) {
	mx = xcalloc(grp->ndomains, sizeof(*mx));
	for (i = 0; i < grp->ndomains; i++)
	    mx[i] = conf_mx_set(dns, grp->domains[i]);
    }
    for (i = 0; i < grp->ndomains; i++) {
	const char *dom = grp->domains[i];
	const char *nexthop = "";

	if (*var_conf_relay_nexthop) {
	    nexthop = var_conf_relay_nexthop;
	} else if (mx && mx[i]) {
	    for (j = 0; j < i; j++)
		if (mx[j] && strcmp(mx[j], mx[i]) == 0) {
		    nexthop = grp->domains[j];
		    break;
		}
	    if (j == i)
		nexthop = dom;		/* first of its MX set */
	}
	if (mx && mx[i] == 0)
	    printf("#\tgroup %s: %s: no MX hosts found, own nexthop\n",
		   grp->name, dom);
	else if (mx)
	    printf("#\tgroup %s: %s: MX %s\n", grp->name, dom, mx[i]);
	conf_emitf("map", dom, "%s:%s", tr, nexthop);
	/* transport_maps does not match subdomains by default. */
	buf_sprintf(key, ".%s", dom);
	conf_emitf("map", buf_str(key), "%s:%s", tr,
		   *var_conf_relay_nexthop ? nexthop : "");
    }

    /*
     * Idle cached connections belong to no smtp process, so neither the
     * process limit nor the per-destination limit bounds them: the
     * connection cache keeps connections open while the transport's
     * processes open others (measured: 4 connections at the fake MX for
     * a group limit of 2 with several nexthops, and 2x the limit in all
     * six groups of the end-to-end run with one shared relay nexthop).
     * A portal counts every open connection, so a group with a
     * concurrency limit gets no connection cache: the limit then holds
     * for busy and idle connections together, at the cost of one TCP
     * session per delivery (messages_per_connection no longer applies).
     */
    if (grp->concurrency_limit > 0) {
	printf("#\tgroup %s: connection cache off, so that the concurrency limit bounds all open connections\n",
	       grp->name);
	buf_sprintf(key, "%s/unix/smtp_connection_cache_on_demand", tr);
	conf_emit("option", buf_str(key), "no");
    }
    if (mx) {
	for (i = 0; i < grp->ndomains; i++)
	    free(mx[i]);
	free(mx);
    }
    buf_free(key);
}

/* conf_usage - say how to call us */

static _Noreturn void conf_usage(void)
{
    fprintf(stderr, "usage: postbulk-conf-plan [-c POSTBULK_CONFIG] [--mx-rollup [--zone FILE]]\n");
    exit(EX_USAGE);
}

int     main(int argc, char **argv)
{
    const char *config = 0;
    int     rollup = 0;
    BUF    *why = buf_alloc(256);
    BUF    *b = buf_alloc(256);
    DESTTAB *tab;
    DOCTOR_DNS *dns = 0;
    const char *zone = 0;
    BUF    *policy = buf_alloc(100);
    BUF    *milter = buf_alloc(100);
    CFG    *cfg;
    const char *v;
    int     i;

    log_init("postbulk-conf-plan", LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    for (i = 1; i < argc; i++) {
	if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
	    config = argv[++i];
	else if (strcmp(argv[i], "--mx-rollup") == 0)
	    rollup = 1;
	else if (strcmp(argv[i], "--zone") == 0 && i + 1 < argc)
	    zone = argv[++i];
	else
	    conf_usage();
    }
    if (params_load(config, conf_params, "conf_", why) < 0)
	log_fatal_status(EX_CONFIG, "%s", buf_str(why));
    if ((cfg = cfg_load(config ? config : cfg_default_path(), why)) == 0)
	log_fatal_status(EX_CONFIG, "%s", buf_str(why));
    if (conf_policy_endpoint((v = cfg_get(cfg, VAR_POL_LISTEN)) ? v : DEF_POL_LISTEN,
			     policy, why) < 0
	|| conf_milter_endpoint((v = cfg_get(cfg, VAR_MLT_SOCKET)) ? v : DEF_MLT_SOCKET,
				milter, why) < 0)
	log_fatal_status(EX_CONFIG, "%s: %s", cfg_path(cfg), buf_str(why));
    cfg_free(cfg);
    if ((tab = desttab_load(var_dest_table, why)) == 0)
	log_fatal_status(EX_CONFIG, "%s", buf_str(why));
    if (rollup && (dns = doctor_dns_open(zone, why)) == 0)
	log_fatal_status(zone ? EX_DATAERR : EX_UNAVAILABLE, "%s", buf_str(why));

    printf("#\tpostbulk-conf plan from %s and %s\n",
	   config ? config : cfg_default_path(), var_dest_table);

    /* Sockets and restrictions, named once in main.cf. */
    conf_emit("param", "postbulk_milter", buf_str(milter));
    conf_emitf("param", "postbulk_recipient_restrictions",
	       "check_policy_service %s, permit_mynetworks, reject",
	       buf_str(policy));
    conf_emit("param", "milter_default_action", var_conf_milter_action);
    conf_emit("list", "non_smtpd_milters", "$postbulk_milter");

    /*
     * The submission listener. chroot n: the policy and milter sockets
     * live outside the queue directory. mynetworks is pinned so the
     * listener's permit_mynetworks does not depend on the production
     * value; the listener only binds loopback anyway.
     */
    buf_sprintf(b, "%s/inet", var_conf_listener);
    conf_emitf("service", buf_str(b), "%s inet n - n - %ld smtpd",
	       var_conf_listener, var_conf_listener_procs);
    {
	static const char *const opts[][2] = {
	    {"syslog_name", "postfix/postbulk"},
	    {"mynetworks", "127.0.0.0/8,[::1]/128"},
	    {"smtpd_relay_restrictions", "permit_mynetworks,reject"},
	    {"smtpd_recipient_restrictions", "$postbulk_recipient_restrictions"},
	    {"smtpd_milters", "$postbulk_milter"},
	    {"milter_macro_daemon_name", "postbulk"},

	    /*
	     * A bulk client retries recipients that policyd deferred on the
	     * same session: smtpd must neither sleep nor hang up after its
	     * usual 10/20 errors (postbulk-policyd(8)). The hard limit stays
	     * finite: a session whose milter died answers 451 to every MAIL
	     * (Postfix connects milters once per session), and hanging up
	     * makes the client reconnect to a fresh one.
	     */
	    {"smtpd_error_sleep_time", "0"},
	    {"smtpd_soft_error_limit", "100000"},
	    {"smtpd_junk_command_limit", "100000"},
	    {0, 0},
	};

	for (i = 0; opts[i][0]; i++) {
	    buf_sprintf(b, "%s/inet/%s", var_conf_listener, opts[i][0]);
	    conf_emit("option", buf_str(b), opts[i][1]);
	}
	buf_sprintf(b, "%s/inet/smtpd_hard_error_limit", var_conf_listener);
	conf_emitf("option", buf_str(b), "%ld", var_conf_listener_errors);
    }

    /* One transport per destination group. */
    for (i = 0; i < desttab_count(tab); i++)
	conf_group(desttab_group(tab, i), dns);

    /* The bounce domain: relayed to the pipe(8) transport. */
    conf_emit("list", "relay_domains", var_bounce_domain);
    buf_sprintf(b, "%s/unix", var_conf_bounce_service);
    /* A non-default postbulk.cf is passed on to postbulk-bounce. */
    conf_emitf("service", buf_str(b), "%s unix - n n - %ld pipe flags=%s user=%s argv=%s%s%s %s",
	       var_conf_bounce_service, var_conf_bounce_procs,
	       var_conf_bounce_flags, var_conf_bounce_user,
	       var_conf_bounce_command, config ? " -c " : "", config ? config : "",
	       var_conf_bounce_args);
    /* One recipient per pipe run, so ${recipient} is one address. */
    buf_sprintf(b, "%s_destination_recipient_limit", var_conf_bounce_service);
    conf_emit("param", buf_str(b), "1");
    conf_emitf("map", var_bounce_domain, "%s:", var_conf_bounce_service);

    conf_emitf("mapfile", var_conf_transport_map, "%s", var_conf_map_type);
    buf_sprintf(b, "%s:$config_directory/%s", var_conf_map_type, var_conf_transport_map);
    conf_emit("list", "transport_maps", buf_str(b));

    if (dns)
	doctor_dns_close(dns);
    desttab_free(tab);
    buf_free(b);
    buf_free(why);
    buf_free(policy);
    buf_free(milter);
    if (fflush(stdout) != 0 || ferror(stdout))
	log_fatal_status(EX_IOERR, "write error on standard output: %m");
    return (0);
}
