/*
 * NAME
 *	doctor_cli 3 - "postbulk doctor", the CLI entry of doctor(3)
 * SYNOPSIS
 *	#include "cli.h"
 *	int cli_doctor(CLI_CTX *ctx, int argc, char **argv);
 * DESCRIPTION
 *	Runs doctor_main() with the CLI's configuration file; the doctor
 *	needs no database. Registered in cli_table.c.
 */
#include "cli.h"

#include "doctor.h"

/* cli_doctor - postbulk doctor DOMAIN ... */

int     cli_doctor(CLI_CTX *ctx, int argc, char **argv)
{
    return (doctor_main(ctx->config, argc, argv));
}
