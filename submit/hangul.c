/*
 * NAME
 *	hangul 3 - undo typing in 한글 mode (standard 2-set keyboard)
 * SYNOPSIS
 *	#include "hangul.h"
 * DESCRIPTION
 *	See hangul.h. A syllable is decomposed arithmetically (Unicode
 *	3.12: S = 0xAC00 + (L * 21 + V) * 28 + T) into its initial,
 *	medial and final jamo; each jamo maps to one or two keys
 *	(compound vowels and final clusters are typed as two keys).
 */

/* System library. */
#include <string.h>

/* Project library. */
#include "buf.h"

/* Application-specific. */
#include "hangul.h"

/* Compatibility jamo U+3131..U+3163, in code point order. */
static const char *const sub_jamo_keys[] = {
    "r", "R", "rt", "s", "sw", "sg", "e", "E", "f", "fr", "fa", "fq", "ft",
    "fx", "fv", "fg", "a", "q", "Q", "qt", "t", "T", "d", "w", "W", "c", "z",
    "x", "v", "g",			/* ㄱ .. ㅎ */
    "k", "o", "i", "O", "j", "p", "u", "P", "h", "hk", "ho", "hl", "y", "n",
    "nj", "np", "nl", "b", "m", "ml", "l",	/* ㅏ .. ㅣ */
};

/* Syllable parts. */
static const char *const sub_lead_keys[19] = {
    "r", "R", "s", "e", "E", "f", "a", "q", "Q", "t", "T", "d", "w", "W",
    "c", "z", "x", "v", "g",
};
static const char *const sub_vowel_keys[21] = {
    "k", "o", "i", "O", "j", "p", "u", "P", "h", "hk", "ho", "hl", "y", "n",
    "nj", "np", "nl", "b", "m", "ml", "l",
};
static const char *const sub_tail_keys[28] = {
    "", "r", "R", "rt", "s", "sw", "sg", "e", "f", "fr", "fa", "fq", "ft",
    "fx", "fv", "fg", "a", "q", "qt", "t", "T", "d", "w", "c", "z", "x", "v",
    "g",
};

/* sub_hangul_keys - map Hangul back to the keys typed */

int     sub_hangul_keys(const char *in, BUF *out)
{
    const unsigned char *s = (const unsigned char *) in;
    int     count = 0;

    buf_reset(out);
    while (*s) {
	/* Every Hangul code point here is a 3-octet UTF-8 sequence. */
	if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
	    unsigned cp = ((unsigned) (s[0] & 0x0F) << 12)
	    | ((unsigned) (s[1] & 0x3F) << 6) | (unsigned) (s[2] & 0x3F);

	    if (cp >= 0xAC00 && cp <= 0xD7A3) {
		unsigned idx = cp - 0xAC00;

		buf_puts(out, sub_lead_keys[idx / (21 * 28)]);
		buf_puts(out, sub_vowel_keys[(idx % (21 * 28)) / 28]);
		buf_puts(out, sub_tail_keys[idx % 28]);
		count++;
		s += 3;
		continue;
	    }
	    if (cp >= 0x3131 && cp <= 0x3163) {
		buf_puts(out, sub_jamo_keys[cp - 0x3131]);
		count++;
		s += 3;
		continue;
	    }
	}
	buf_putc(out, *s++);
    }
    return (count);
}
