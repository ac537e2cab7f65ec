/*
 * NAME
 *	postbulk-submit 1 - sendmail-compatible submission and CSV campaigns
 * SYNOPSIS
 *	postbulk-submit [sendmail options] [--] [recipient ...] < message
 *	postbulk-submit campaign --name NAME ... (see postbulk-submit(1))
 * DESCRIPTION
 *	Dispatches on the first argument: "campaign" runs campaign mode
 *	(campaign.c), anything else is sendmail mode (sendmail.c).
 *	Unprivileged by design: no code path opens the postbulk db.
 * DIAGNOSTICS
 *	sysexits(3) codes; see the man page.
 */

/* System library. */
#include <string.h>

/* Project library. */
#include "log.h"

/* Application-specific. */
#include "sendmail.h"
#include "campaign.h"

int     main(int argc, char **argv)
{
    log_init("postbulk-submit", LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    if (argc > 1 && strcmp(argv[1], "campaign") == 0)
	return (sub_campaign_main(argc - 1, argv + 1));
    return (sub_sendmail_main(argc, argv));
}
