#ifndef PF_DOCTOR_H
#define PF_DOCTOR_H

/*
 * NAME
 *	doctor 3 - postbulk doctor: is DNS ready for bulk mail from this host?
 * SYNOPSIS
 *	#include "doctor.h"
 *
 *	int doctor_main(const char *config, int argc, char **argv);
 * DESCRIPTION
 *	doctor_main() runs "postbulk doctor" with argv[0] = "doctor" and
 *	the options after it (see postbulk-doctor(8)); config is the
 *	postbulk configuration file (NULL = default). It prints the
 *	checklist on standard output and returns the exit status: 0 when
 *	every check passed, 1 when one failed, or a <sysexits.h> code for
 *	bad usage (EX_USAGE), a bad zone file (EX_DATAERR, EX_NOINPUT) or
 *	configuration (EX_CONFIG).
 */

int     doctor_main(const char *, int, char **);

#endif
