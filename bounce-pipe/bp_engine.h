#ifndef PF_BP_ENGINE_H
#define PF_BP_ENGINE_H

/*
 * NAME
 *	bp_engine 3 - facts only the producing MTA's format tells
 * SYNOPSIS
 *	#include "bp_engine.h"
 *	void bp_engine_facts(const BUF *headers, const char *dsn,
 *			BP_RCPT *r);
 * DESCRIPTION
 *	See bp_engine.c.
 */
#include "buf.h"
#include "bp_report.h"

void    bp_engine_facts(const BUF *, const char *, BP_RCPT *);

#endif
