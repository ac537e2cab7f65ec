#ifndef PF_HANGUL_H
#define PF_HANGUL_H

/*
 * NAME
 *	hangul 3 - undo typing in 한글 mode (standard 2-set keyboard)
 * SYNOPSIS
 *	#include "hangul.h"
 *	int sub_hangul_keys(const char *in, BUF *out);
 * DESCRIPTION
 *	Replaces each Hangul syllable (U+AC00..U+D7A3) and compatibility
 *	jamo (U+3131..U+3163) in the UTF-8 string in by the Latin keys
 *	that produce it on the standard 2-set (두벌식) layout: "ㅜㅁㅍㄷㄱ"
 *	-> "naver", "채ㅡ" -> "com", "ㅗㅐㅜㅎ" -> "hong". Shifted
 *	jamo (ㅃㅉㄸㄲㅆㅒㅖ) become Q W E R T O P. Other characters are
 *	copied. Returns the number of Hangul characters converted.
 */
#include "buf.h"

int     sub_hangul_keys(const char *, BUF *);

#endif
