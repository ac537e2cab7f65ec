/*
 * NAME
 *	postbulk-policyd 8 - Postfix policy server for bulk mail
 * SYNOPSIS
 *	postbulk-policyd [-dtv] [-c config] [-u user]
 *	postbulk-policyd [-c config] -R sender-domain
 * DESCRIPTION
 *	Answers Postfix SMTP access policy delegation requests
 *	(check_policy_service) with suppression, duplicate, destination
 *	rate / daily cap / warm-up / backoff and reputation guard
 *	decisions. See postbulk-policyd.8 for the whole manual.
 *
 *	-c config  the postbulk configuration file (default
 *		   $POSTBULK_CONFIG or /etc/postbulk/postbulk.cf)
 *	-d	   stay in the foreground, log to stderr instead of syslog
 *		   (without -d: detach into the background, log to syslog)
 *	-t	   check the configuration, destination table and token
 *		   key, print a summary and exit
 *	-u user	   run as this user after binding (overrides policyd_user)
 *	-v	   verbose logging
 *	-R domain  reset the reputation guard of a sender domain for today
 *		   (what "postbulk guard reset DOMAIN" does) and exit
 * EXIT STATUS
 *	0 after SIGTERM/SIGINT or a good -t; EX_USAGE for bad options;
 *	EX_CONFIG for a bad configuration or table; EX_NOUSER for an
 *	unknown user; EX_UNAVAILABLE when the db cannot be opened;
 *	EX_OSERR when a listener cannot be opened.
 */

/* System library. */
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* Project library. */
#include "buf.h"
#include "log.h"
#include "mem.h"
#include "cfg.h"
#include "params.h"
#include "addr.h"
#include "token.h"
#include "desttab.h"
#include "pfdb.h"

/* Application-specific. */
#include "pol_clock.h"
#include "pol_guard.h"
#include "pol_params.h"
#include "pol_request.h"
#include "pol_rules.h"
#include "pol_server.h"

typedef struct POL_MAIN {
    const char *config;
    PFDB   *db;
    DESTTAB *tab;
    TOKEN_KEY key;
    POL_RULES *rules;
    int     stop;
} POL_MAIN;

/* pol_usage - complain and exit */

static _Noreturn void pol_usage(const char *prog)
{
    fprintf(stderr, "usage: %s [-dtv] [-c config] [-u user]\n"
	    "       %s [-c config] -R sender-domain\n", prog, prog);
    exit(EX_USAGE);
}

/* pol_load - config, table and key; NULL table with why on error */

static DESTTAB *pol_load(const char *config, TOKEN_KEY *key, BUF *why)
{
    DESTTAB *tab;

    if (params_load(config, pol_params, "policyd_", why) < 0
	|| pol_params_check(why) < 0)
	return (0);
    if ((tab = desttab_load(var_dest_table, why)) == 0)
	return (0);
    if (key && token_key_load(var_token_key_file, key, why) < 0) {
	desttab_free(tab);
	return (0);
    }
    return (tab);
}

/* pol_decide - server hook */

static void pol_decide(const POL_REQUEST *req, BUF *action, void *ctx)
{
    POL_MAIN *m = ctx;

    pol_rules_decide(m->rules, req, action);
}

/* pol_tick - server hook, about once a second */

static void pol_tick(void *ctx)
{
    POL_MAIN *m = ctx;

    pol_clock_refresh();
    if (pfdb_maintain(m->db) < 0)
	log_warn("db maintenance: %s", pfdb_strerror(m->db));
    pol_rules_tick(m->rules);
}

/* pol_reload - SIGHUP: new config and table, same connections */

static void pol_reload(POL_MAIN *m)
{
    BUF    *why = buf_alloc(100);
    DESTTAB *tab;
    char   *old_listen = xstrdup(var_pol_listen);
    char   *old_dbdir = xstrdup(var_db_directory);
    CFG_SAVED *common = cfg_save(params_common);
    CFG_SAVED *own = cfg_save(pol_params);

    pol_clock_refresh();
    if ((tab = pol_load(m->config, 0, why)) == 0) {
	/* All or nothing: no value of the failed reload stays in force. */
	cfg_restore(common);
	cfg_restore(own);
	if (pol_params_check(why) < 0)		/* the derived values, again */
	    log_panic("restored configuration fails its check: %s", buf_str(why));
	log_error("reload failed, keeping the running configuration: %s",
		  buf_str(why));
    } else {
	cfg_saved_free(common);
	cfg_saved_free(own);
	/* The key file may be root-only: keep the one read at start. */
	pol_rules_set_table(m->rules, tab);
	desttab_free(m->tab);
	m->tab = tab;
	if (strcmp(old_listen, var_pol_listen) != 0)
	    log_warn("%s changed: takes effect after a restart", VAR_POL_LISTEN);
	if (strcmp(old_dbdir, var_db_directory) != 0)
	    log_warn("%s changed: takes effect after a restart", VAR_DB_DIRECTORY);
	log_info("reloaded: config=%s table=%s groups=%d connections=%d",
		 m->config ? m->config : cfg_default_path(), var_dest_table,
		 desttab_count(tab), pol_server_connections());
    }
    free(old_listen);
    free(old_dbdir);
    buf_free(why);
}

/* pol_signal - server hook */

static void pol_signal(int sig, void *ctx)
{
    POL_MAIN *m = ctx;

    if (sig == SIGHUP)
	pol_reload(m);
    else
	m->stop = 1;
}

/* pol_stop - server hook */

static int pol_stop(void *ctx)
{
    return (((POL_MAIN *) ctx)->stop);
}

/* pol_drop - become the unprivileged user */

static void pol_drop(const char *user)
{
    struct passwd *pw;
    BUF    *why = buf_alloc(100);

    if (getuid() != 0 && geteuid() != 0) {
	buf_free(why);
	return;					/* already unprivileged */
    }
    if ((pw = getpwnam(user)) == 0)
	log_fatal_status(EX_NOUSER, "unknown user \"%s\" (%s)", user,
			 VAR_POL_USER);
    if (pw->pw_uid == 0)
	log_fatal_status(EX_CONFIG, "%s must not be root", VAR_POL_USER);
    if (pol_server_chown(pw->pw_uid, pw->pw_gid, why) < 0)
	log_fatal_status(EX_OSERR, "%s", buf_str(why));
    if (setgroups(0, 0) < 0 || initgroups(user, pw->pw_gid) < 0
	|| setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
	log_fatal_status(EX_OSERR, "cannot become user %s: %m", user);
    if (setuid(0) == 0)
	log_panic("could get root back after dropping privileges");
    buf_free(why);
}

/* pol_detach - become a background daemon (without -d) */

static void pol_detach(POL_MAIN *m)
{
    pid_t   pid;
    int     fd;

    /* SIGHUP re-reads the file after chdir("/"): keep its absolute name. */
    if (m->config && m->config[0] != '/') {
	char   *abs = realpath(m->config, 0);

	if (abs == 0)
	    log_fatal_status(EX_CONFIG, "%s: %m", m->config);
	m->config = abs;
    }
    if ((pid = fork()) < 0)
	log_fatal_status(EX_OSERR, "fork: %m");
    if (pid > 0)
	_exit(0);
    if (setsid() < 0)
	log_fatal_status(EX_OSERR, "setsid: %m");
    if (chdir("/") < 0)
	log_fatal_status(EX_OSERR, "chdir /: %m");
    if ((fd = open("/dev/null", O_RDWR)) >= 0) {
	(void) dup2(fd, 0);
	(void) dup2(fd, 1);
	(void) dup2(fd, 2);
	if (fd > 2)
	    close(fd);
    }
}

/* pol_today - local day name of the policy clock */

static void pol_today(char *day, size_t len)
{
    double  end;

    pol_rules_day(pol_clock_now(), day, len, &end);
}

int     main(int argc, char **argv)
{
    POL_MAIN m;
    BUF    *why = buf_alloc(100);
    int     debug = 0, test = 0, verbose = 0;
    const char *user = 0;
    const char *reset = 0;
    int     ch;
    POL_SERVER_HOOKS hooks;

    memset(&m, 0, sizeof(m));
    while ((ch = getopt(argc, argv, "c:dtu:vR:")) != -1) {
	switch (ch) {
	case 'c':
	    m.config = optarg;
	    break;
	case 'd':
	    debug = 1;
	    break;
	case 't':
	    test = 1;
	    break;
	case 'u':
	    user = optarg;
	    break;
	case 'v':
	    verbose = 1;
	    break;
	case 'R':
	    reset = optarg;
	    break;
	default:
	    pol_usage(argv[0]);
	}
    }
    if (optind != argc)
	pol_usage(argv[0]);
    log_init(argv[0], (debug || test || reset ? LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG : 0)
	     | (verbose ? LOG_FLAG_VERBOSE : 0));
    if (pol_clock_init(getenv("POSTBULK_FAKE_TIME"), why) < 0)
	log_fatal_status(EX_CONFIG, "%s", buf_str(why));

    /* Read everything once, as root when started as root. */
    if ((m.tab = pol_load(m.config, reset ? 0 : &m.key, why)) == 0)
	log_fatal_status(EX_CONFIG, "%s", buf_str(why));
    if (user == 0)
	user = var_pol_user;
    if (test) {
	printf("%s: configuration ok: table=%s groups=%d listen=%s user=%s\n",
	       argv[0], var_dest_table, desttab_count(m.tab), var_pol_listen, user);
	for (int i = 0; i < desttab_count(m.tab); i++) {
	    const DESTTAB_GROUP *g = desttab_group(m.tab, i);

	    printf("group %s: domains=%d rate=%ld/min,%ld/hour daily_cap=%ld "
		   "today_cap=%ld warmup_day=%d\n", g->name, g->ndomains,
		   g->rate_per_minute, g->rate_per_hour, g->daily_cap,
		   desttab_day_cap(g, (time_t) pol_clock_now()),
		   desttab_warmup_day(g, (time_t) pol_clock_now()));
	}
	exit(0);
    }
    if (reset) {
	char    day[16];
	BUF    *dom = buf_alloc(100);

	BUF    *at = buf_alloc(100);

	buf_sprintf(at, "@%s", reset[0] == '@' ? reset + 1 : reset);
	if (addr_normalize(buf_str(at), 0, dom, why) < 0)
	    log_fatal_status(EX_DATAERR, "-R %s: %s", reset, buf_str(why));
	buf_sprintf(at, "%s", buf_str(dom) + 1);
	buf_sprintf(dom, "%s", buf_str(at));
	buf_free(at);
	if ((m.db = pfdb_open(var_db_directory, 0, why)) == 0)
	    log_fatal_status(EX_UNAVAILABLE, "%s", buf_str(why));
	pol_today(day, sizeof(day));
	if (pol_guard_reset(m.db, buf_str(dom), day, why) < 0)
	    log_fatal_status(EX_UNAVAILABLE, "guard reset %s: %s",
			     buf_str(dom), buf_str(why));
	log_info("NOQUEUE: policy=guard-reset sender_domain=%s day=%s",
		 buf_str(dom), day);
	pfdb_close(m.db);
	exit(0);
    }
    /*
     * Block the signals the event loop takes through a signalfd before
     * libpfdb starts its threads: a thread that did not block SIGTERM
     * would take the default action and kill us without persisting.
     */
    {
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, 0);
    }
    if (pol_server_listen(var_pol_listen, var_pol_allow_remote,
			  pol_socket_mode, why) < 0)
	log_fatal_status(EX_OSERR, "%s", buf_str(why));
    if (!debug)
	pol_detach(&m);
    pol_drop(user);
    if ((m.db = pfdb_open(var_db_directory, PFDB_CREATE, why)) == 0)
	log_fatal_status(EX_UNAVAILABLE, "%s", buf_str(why));
    m.rules = pol_rules_create(m.db, m.tab, &m.key);
    log_info("started: listen=%s table=%s groups=%d db=%s", var_pol_listen,
	     var_dest_table, desttab_count(m.tab), var_db_directory);

    hooks.decide = pol_decide;
    hooks.tick = pol_tick;
    hooks.signal = pol_signal;
    hooks.stop = pol_stop;
    hooks.ctx = &m;
    if (pol_server_run(&hooks) < 0)
	log_fatal_status(EX_OSERR, "event loop failed");
    if (pol_rules_persist(m.rules) < 0)
	log_warn("could not persist every counter at shutdown");
    log_info("stopped: counters persisted");
    pol_rules_free(m.rules);
    pfdb_close(m.db);
    desttab_free(m.tab);
    buf_free(why);
    return (0);
}
