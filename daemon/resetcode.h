/*
 * resetcode.h - the clerk's link-only reset codes: made from getrandom(2),
 * shown once, stored only as a salted yescrypt hash in ecfLinkSecret.
 *
 * A code is 20 base32 characters (A-Z 2-7, 100 bits) shown in four groups
 * of five joined by '-'.  Users may type it in any case, with or without
 * the dashes.  Thread-safe (crypt_rn with a per-call crypt_data); every
 * buffer that held a code is wiped before it is freed or goes out of scope.
 */
#ifndef ECFLINK_RESETCODE_H
#define ECFLINK_RESETCODE_H

#include <stdbool.h>
#include <stddef.h>

#define RESETCODE_LEN 24	/* "XXXXX-XXXXX-XXXXX-XXXXX" + NUL */
#define RESETCODE_CHARS 20	/* base32 characters in a code */
#define RESETCODE_HASH_MAX 512	/* enough for "{CRYPT}" + any crypt output */

/* Makes a new random code into out.  0, or -1 with err (getrandom failed). */
int resetcode_new(char out[RESETCODE_LEN], char *err, size_t errlen);

/*
 * Canonical form for hashing and comparing: drops '-' and blanks (space,
 * tab, CR, LF), upper-cases; out gets the 20 characters and a NUL.  -1
 * (out wiped) when any other character is not base32 or the count is not 20.
 */
int resetcode_normalize(const char *in, char out[RESETCODE_CHARS + 1]);

/*
 * Hashes code (any accepted form) for ecfLinkSecret: "{CRYPT}$y$..." with a
 * fresh salt.  out (outlen >= RESETCODE_HASH_MAX is always enough) gets the
 * value; 0, or -1 with err (malformed code, crypt failure, out too small).
 */
int resetcode_hash(const char *code, char *out, size_t outlen, char *err, size_t errlen);

/*
 * True when code (any case, with or without '-') matches the stored
 * "{CRYPT}..." value (prefix in any case), compared in constant time;
 * false for a malformed code or stored value.
 */
bool resetcode_verify(const char *code, const char *stored);

#endif
