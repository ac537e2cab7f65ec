/*
 * NAME
 *	postbulk-doctor 8 - standalone entry of "postbulk doctor"
 * SYNOPSIS
 *	postbulk-doctor [-c CONFIG] DOMAIN [--ip ADDR]... [--selector S
 *		[--key FILE]]... [--bounce-domain D] [--zone FILE]
 * DESCRIPTION
 *	The same as "postbulk doctor" (doctor(3)), for hosts where only
 *	the Postfix wiring is installed, and for the tests.
 */
#include <string.h>

#include "log.h"

#include "doctor.h"

int     main(int argc, char **argv)
{
    const char *config = 0;

    log_init("postbulk-doctor", LOG_FLAG_STDERR | LOG_FLAG_NOSYSLOG);
    if (argc > 2 && strcmp(argv[1], "-c") == 0) {
	config = argv[2];
	argv += 2;
	argc -= 2;
    }
    argv[0] = "doctor";
    return (doctor_main(config, argc, argv));
}
