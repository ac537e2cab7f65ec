#ifndef PF_POL_SERVER_H
#define PF_POL_SERVER_H

/*
 * NAME
 *	pol_server 3 - policyd's listeners and epoll event loop
 * SYNOPSIS
 *	#include "pol_server.h"
 *	int pol_server_listen(const char *spec, int allow_remote, int mode,
 *			      BUF *why);
 *	int pol_server_chown(uid_t uid, gid_t gid, BUF *why);
 *	int pol_server_run(POL_SERVER_HOOKS *hooks);
 * DESCRIPTION
 *	pol_server_listen() opens every listener of spec, a list of
 *	"unix:PATH" and "inet:HOST:PORT" (comma or space separated). An
 *	inet HOST must be a loopback address (127.0.0.0/8, ::1, localhost)
 *	unless allow_remote is set. A stale unix socket is removed; the
 *	new one gets permissions mode. Call it before dropping privileges;
 *	pol_server_chown() hands the unix sockets to the run user.
 *
 *	pol_server_run() serves until hooks->stop() says so (asked at start
 *	and after each hooks->signal() and hooks->tick()): any number of
 *	persistent connections (up to policyd_max_connections), each
 *	carrying requests one after another (pipelined requests are
 *	answered in order). For each complete request it calls
 *	hooks->decide(); a malformed request is logged and its connection
 *	closed; a connection idle longer than policyd_idle_timeout is
 *	closed. hooks->tick() runs about once a second, hooks->signal() for
 *	SIGHUP/SIGTERM/SIGINT (delivered through a signalfd, so handlers
 *	run in the loop, never in signal context).
 * DIAGNOSTICS
 *	pol_server_listen() returns -1 naming the address; pol_server_run()
 *	returns -1 when epoll itself fails.
 */
#include <sys/types.h>

#include "buf.h"
#include "pol_request.h"

typedef struct POL_SERVER_HOOKS {
    void    (*decide) (const POL_REQUEST *, BUF *action, void *ctx);
    void    (*tick) (void *ctx);
    void    (*signal) (int sig, void *ctx);
    int     (*stop) (void *ctx);
    void   *ctx;
} POL_SERVER_HOOKS;

int     pol_server_listen(const char *, int, int, BUF *);
int     pol_server_chown(uid_t, gid_t, BUF *);
int     pol_server_run(POL_SERVER_HOOKS *);
int     pol_server_connections(void);

#endif
