#ifndef PF_CAMPAIGN_H
#define PF_CAMPAIGN_H

/*
 * NAME
 *	campaign 3 - campaign mode of postbulk-submit
 * SYNOPSIS
 *	#include "campaign.h"
 *	int sub_campaign_main(int argc, char **argv);
 * DESCRIPTION
 *	argv[0] is "campaign". Returns a sysexits(3) code.
 */

int     sub_campaign_main(int, char **);

#endif
