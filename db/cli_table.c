/*
 * NAME
 *	cli_table 3 - the postbulk command groups
 * DESCRIPTION
 *	One line per group; see cli.h for how to add one. The groups of
 *	other parts are weak references: when their object is not linked
 *	(a part not built yet), the entry's function is NULL and postbulk
 *	says so instead of failing to link.
 */
#include <stddef.h>

#include "cli.h"

#pragma weak cli_release
#pragma weak cli_cancel
#pragma weak cli_guard
#pragma weak cli_bounces
#pragma weak cli_doctor

const CLI_CMD cli_commands[] = {
    {"suppress", cli_suppress,
	"suppress add ADDRESS|@DOMAIN [REASON]\n"
	"suppress del ADDRESS|@DOMAIN\n"
	"suppress show ADDRESS|@DOMAIN\n"
	"suppress list\n"
	"suppress import FILE|-\n"
	"suppress export"},
    {"status", cli_status, "status [CAMPAIGN]"},
    {"export", cli_export, "export [--campaign C] [--since T] [-o FILE]"},
    {"db", cli_dbcmd, "db verify\ndb checkpoint\ndb recover"},
    {"release", cli_release, "release --due"},
    {"cancel", cli_cancel, "cancel CAMPAIGN"},
    {"guard", cli_guard, "guard show DOMAIN [DAY]\nguard reset DOMAIN"},
    {"bounces", cli_bounces, "bounces --unparsed|--forged|--unmatched"},
    {"doctor", cli_doctor, "doctor"},
    {0, 0, 0},
};
