#ifndef PF_SENDMAIL_H
#define PF_SENDMAIL_H

/*
 * NAME
 *	sendmail 3 - sendmail(1)-compatible mode of postbulk-submit
 * SYNOPSIS
 *	#include "sendmail.h"
 *	int sub_sendmail_main(int argc, char **argv);
 * DESCRIPTION
 *	Parses sendmail flags, reads the message from stdin, submits it
 *	over ESMTP to submit_server or hands it to Postfix's sendmail
 *	when the listener is unreachable. Returns a sysexits(3) code.
 */

int     sub_sendmail_main(int, char **);

#endif
