#ifndef PF_PARAMS_H
#define PF_PARAMS_H

/*
 * NAME
 *	params 3 - configuration parameters shared by every postbulk program
 * SYNOPSIS
 *	#include "params.h"
 *	extern char *var_db_directory; ...
 *	int params_load(const char *path, const CFG_PARAM *own,
 *			const char *own_prefix, BUF *why);
 * DESCRIPTION
 *	params_load() reads the postbulk configuration file (NULL = the
 *	default path, see cfg_default_path()), sets the shared parameters
 *	below and then the program's own table (may be NULL), and
 *	reports unknown names that start with own_prefix. Every
 *	parameter is documented in the sample postfix-conf/postbulk.cf
 *	(generated from the tables) and in its program's man page.
 * DIAGNOSTICS
 *	-1 with the file, line and reason in why.
 */
#include "buf.h"
#include "cfg.h"

#define VAR_DB_DIRECTORY	"db_directory"
#define DEF_DB_DIRECTORY	"/var/lib/postbulk"
extern char *var_db_directory;

#define VAR_BOUNCE_DOMAIN	"bounce_domain"
#define DEF_BOUNCE_DOMAIN	"bounces.localhost.localdomain"
extern char *var_bounce_domain;

#define VAR_BOUNCE_PREFIX	"bounce_address_prefix"
#define DEF_BOUNCE_PREFIX	"bounce"
extern char *var_bounce_prefix;

#define VAR_UNSUB_PREFIX	"unsubscribe_address_prefix"
#define DEF_UNSUB_PREFIX	"unsubscribe"
extern char *var_unsub_prefix;

#define VAR_TOKEN_KEY_FILE	"token_key_file"
#define DEF_TOKEN_KEY_FILE	"/etc/postbulk/token.key"
extern char *var_token_key_file;

#define VAR_DEST_TABLE		"destination_table"
#define DEF_DEST_TABLE		"/etc/postbulk/destinations.cf"
extern char *var_dest_table;

#define VAR_STRIP_TAG		"address_strip_tag"
#define DEF_STRIP_TAG		"no"
extern int var_strip_tag;

#define VAR_DB_TIMEOUT		"db_lock_timeout"
#define DEF_DB_TIMEOUT		"10s"
extern long var_db_timeout;

extern const CFG_PARAM params_common[];

int     params_load(const char *, const CFG_PARAM *, const char *, BUF *);

#endif
