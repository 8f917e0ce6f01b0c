/*
 * namecmp.h - how alike two display names (cn) are, for the confirmation
 * a link asks for when the CM/ECF and PACER names are not the same.
 *
 * Pure and thread-safe: no allocation, no locale, no global state.  Bytes
 * >= 0x80 (UTF-8) are compared as they are; only ASCII is case folded.
 */
#ifndef ECFLINK_NAMECMP_H
#define ECFLINK_NAMECMP_H

#include "proto.h"

/* Only the first NAMECMP_MAX_BYTES bytes of a name are graded. */
#define NAMECMP_MAX_BYTES 256

/*
 * Grades two names:
 * PG_EXACT       equal after trimming blanks and collapsing inner runs of them;
 * PG_EQUIVALENT  equal after ASCII case folding, dropping every character
 *                but letters and digits, and spelling each digit run as
 *                English words ("Attorney03" = "Attorneythree");
 * PG_SIMILAR     the same folded words in another order, folded strings
 *                within Damerau-Levenshtein distance 2 (1 when the longer
 *                is under 8 characters), or one name's words (at least two)
 *                all found in the other's, a one-letter word matching a
 *                word with that initial ("Robert J. Smith" / "Robert Smith");
 * PG_DIFFERENT   anything else, and a NULL or blank name on either side.
 * Symmetric: namecmp_grade(a, b) == namecmp_grade(b, a).
 */
enum proto_grade namecmp_grade(const char *cmecf_name, const char *pacer_name);

/* "exact", "equivalent", "similar", "different"; "unknown" for other values. */
const char *namecmp_grade_name(enum proto_grade g);

#endif
