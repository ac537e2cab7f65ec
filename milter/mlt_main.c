/*
 * NAME
 *	postbulk-milter 8 - template merge, VERP, List-Unsubscribe, DKIM,
 *	message records and scheduled hold for Postfix
 * SYNOPSIS
 *	postbulk-milter [-dtv] [-c config]
 * DESCRIPTION
 *	A libmilter daemon wired into Postfix with smtpd_milters (the
 *	postbulk listener) and non_smtpd_milters. See postbulk-milter(8)
 *	and mlt_filter(3) for what it does to a message.
 *
 *	-c config  the postbulk configuration file (default
 *		   $POSTBULK_CONFIG or /etc/postbulk/postbulk.cf).
 *	-d	   stay in the foreground and log to stderr too.
 *	-t	   check the configuration, the token key, the DKIM keys, the
 *		   template directory and the footer, then exit.
 *	-v	   verbose logging.
 * DIAGNOSTICS
 *	Refuses to start (exit 78, EX_CONFIG) naming the file when the
 *	configuration, the token key, a DKIM key or the footer cannot be
 *	used; exit 71 (EX_OSERR) when the socket or the db cannot be set
 *	up. The unix socket is created with milter_socket_mode and
 *	milter_socket_group, then privileges are dropped to milter_user.
 * EXIT STATUS
 *	0 after SIGTERM/SIGINT (libmilter's orderly shutdown), else as
 *	above.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "log.h"
#include "mem.h"
#include "buf.h"
#include "cfg.h"
#include "params.h"
#include "token.h"

#include "mlt_params.h"
#include "mlt_mime.h"
#include "mlt_dkim.h"
#include "mlt_record.h"
#include "mlt_filter.h"

/* mlt_read_file - whole small file, or NULL with a reason */

static char *mlt_read_file(const char *path, BUF *why)
{
    FILE   *fp;
    BUF    *data;
    char    chunk[4096];
    size_t  n;
    char   *ret;

    if ((fp = fopen(path, "r")) == 0) {
	buf_sprintf(why, "%s: %s", path, strerror(errno));
	return (0);
    }
    data = buf_alloc(1024);
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
	buf_append(data, chunk, n);
    fclose(fp);
    ret = xstrdup(buf_str(data));
    buf_free(data);
    return (ret);
}

/* mlt_socket_path - PATH of unix:PATH / local:PATH, else NULL */

static const char *mlt_socket_path(const char *conn)
{
    if (strncmp(conn, "unix:", 5) == 0)
	return (conn + 5);
    if (strncmp(conn, "local:", 6) == 0)
	return (conn + 6);
    if (*conn == '/')
	return (conn);
    return (0);
}

/* mlt_drop_privileges - become milter_user when root */

static void mlt_drop_privileges(void)
{
    struct passwd *pw;

    if (geteuid() != 0)
	return;
    if ((pw = getpwnam(var_mlt_user)) == 0)
	log_fatal_status(EX_CONFIG, "%s: unknown user \"%s\"", VAR_MLT_USER, var_mlt_user);
    if (pw->pw_uid == 0)
	log_fatal_status(EX_CONFIG, "%s: refusing to run as root", VAR_MLT_USER);
    if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0
	|| setuid(pw->pw_uid) < 0)
	log_fatal_status(EX_OSERR, "cannot become user %s: %m", pw->pw_name);
}

int     main(int argc, char **argv)
{
    const char *config = 0;
    int     ch, debug = 0, check = 0, verbose = 0;
    BUF    *why = buf_alloc(200);
    TOKEN_KEY key;
    char   *footer = 0;
    const char *path;
    struct stat st;
    int     records = 0;

    while ((ch = getopt(argc, argv, "c:dtv")) > 0) {
	switch (ch) {
	case 'c':
	    config = optarg;
	    break;
	case 'd':
	    debug = 1;
	    break;
	case 't':
	    check = 1;
	    break;
	case 'v':
	    verbose = 1;
	    break;
	default:
	    fprintf(stderr, "usage: %s [-dtv] [-c config]\n", argv[0]);
	    exit(EX_USAGE);
	}
    }
    log_init("postbulk-milter", (debug || check ? LOG_FLAG_STDERR : 0)
	     | (check ? LOG_FLAG_NOSYSLOG : 0) | (verbose ? LOG_FLAG_VERBOSE : 0));

    /*
     * Everything that can be wrong with the set-up is found here, before
     * Postfix hands us one message.
     */
    if (params_load(config, mlt_params, "milter_", why) < 0)
	log_fatal_status(EX_CONFIG, "%s", buf_str(why));
    if (token_key_load(var_token_key_file, &key, why) < 0)
	log_fatal_status(EX_CONFIG, "%s", buf_str(why));
    if (mlt_dkim_load(var_mlt_key_table, var_mlt_dkim_engine, why) < 0)
	log_fatal_status(EX_CONFIG, "%s", buf_str(why));
    if (*var_mlt_footer && (footer = mlt_read_file(var_mlt_footer, why)) == 0)
	log_fatal_status(EX_CONFIG, "%s: %s", VAR_MLT_FOOTER, buf_str(why));
    if (stat(var_mlt_template_dir, &st) < 0 || !S_ISDIR(st.st_mode))
	log_warn("%s: %s is not a directory: mail naming a template will be rejected",
		 VAR_MLT_TEMPLATE_DIR, var_mlt_template_dir);
    if (mlt_filter_init(&key, footer, var_mlt_records, why) < 0)
	log_fatal_status(EX_CONFIG, "%s", buf_str(why));
    free(footer);				/* the filter keeps its copy */
    mlt_mime_init();
    if (check) {
	printf("postbulk-milter: configuration ok, %d DKIM key(s), socket %s\n",
	       mlt_dkim_key_count(), var_mlt_socket);
	exit(0);
    }

    /*
     * The socket is made while still root, so it can sit in a
     * directory only root may write and be handed to Postfix's group.
     */
    if (smfi_register(mlt_filter_desc) != MI_SUCCESS)
	log_fatal_status(EX_SOFTWARE, "smfi_register failed");
    if (smfi_setconn(var_mlt_socket) != MI_SUCCESS)
	log_fatal_status(EX_CONFIG, "%s: bad socket \"%s\"", VAR_MLT_SOCKET, var_mlt_socket);
    smfi_settimeout((int) var_mlt_timeout);
    if (smfi_opensocket(1) != MI_SUCCESS)
	log_fatal_status(EX_OSERR, "cannot open the milter socket %s", var_mlt_socket);
    if ((path = mlt_socket_path(var_mlt_socket)) != 0) {
	long    mode = strtol(var_mlt_socket_mode, 0, 8);

	if (chmod(path, (mode_t) mode) < 0)
	    log_fatal_status(EX_OSERR, "chmod %s: %m", path);
	if (*var_mlt_socket_group && geteuid() == 0) {
	    struct group *gr = getgrnam(var_mlt_socket_group);
	    struct passwd *pw = getpwnam(var_mlt_user);

	    if (gr == 0)
		log_fatal_status(EX_CONFIG, "%s: unknown group \"%s\"",
				 VAR_MLT_SOCKET_GROUP, var_mlt_socket_group);
	    if (chown(path, pw ? pw->pw_uid : (uid_t) -1, gr->gr_gid) < 0)
		log_fatal_status(EX_OSERR, "chown %s: %m", path);
	}
    }
    mlt_drop_privileges();
    if (!debug && daemon(0, 0) < 0)
	log_fatal_status(EX_OSERR, "daemon: %m");
    /*
     * libmilter takes SIGTERM/SIGINT/SIGHUP with sigwait() in its own
     * thread; threads we start before smfi_main() (db maintenance) must
     * block them too, or the kernel hands SIGTERM to one of them and the
     * process dies without closing the db.
     */
    {
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, 0);
    }
    if (var_mlt_records) {
	if (mlt_record_open(var_db_directory, why) < 0)
	    log_fatal_status(EX_OSERR, "%s", buf_str(why));
	records = 1;
    }
    log_info("started: socket=%s, dkim_keys=%d, records=%s, user=%s", var_mlt_socket,
	     mlt_dkim_key_count(), records ? "yes" : "no",
	     geteuid() == 0 ? "root" : var_mlt_user);
    ch = smfi_main();
    if (records)
	mlt_record_close();
    log_info("stopped");
    buf_free(why);
    return (ch == MI_SUCCESS ? 0 : EX_SOFTWARE);
}
