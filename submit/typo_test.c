/*
 * NAME
 *	typo_test 1 - golden-file driver for typo(3)
 * SYNOPSIS
 *	typo_test [fix|report|off] < addresses
 * DESCRIPTION
 *	For each input line prints ">>> line", then "out: ADDRESS" and,
 *	when something changed, "change: DESCRIPTION", then "syntax: ok"
 *	or "syntax: REASON" from addr_normalize().
 */

/* System library. */
#include <stdio.h>
#include <string.h>

/* Project library. */
#include "buf.h"
#include "addr.h"
#include "log.h"

/* Application-specific. */
#include "typo.h"

int     main(int argc, char **argv)
{
    char    line[4096];
    int     mode = SUB_TYPO_FIX;
    BUF    *out = buf_alloc(256), *change = buf_alloc(256);
    BUF    *norm = buf_alloc(256), *why = buf_alloc(256);

    log_init("typo_test", LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    if (argc > 1)
	mode = strcmp(argv[1], "off") == 0 ? SUB_TYPO_OFF :
	    strcmp(argv[1], "report") == 0 ? SUB_TYPO_REPORT : SUB_TYPO_FIX;
    while (fgets(line, sizeof(line), stdin)) {
	line[strcspn(line, "\n")] = 0;
	printf(">>> %s\n", line);
	sub_typo_fix(line, mode, out, change);
	printf("out: %s\n", buf_str(out));
	if (buf_len(change))
	    printf("change: %s\n", buf_str(change));
	if (addr_normalize(buf_str(out), 0, norm, why) < 0
	    || addr_check_syntax(buf_str(norm), why) < 0)
	    printf("syntax: %s\n", buf_str(why));
	else
	    printf("syntax: ok\n");
    }
    buf_free(out);
    buf_free(change);
    buf_free(norm);
    buf_free(why);
    return (0);
}
