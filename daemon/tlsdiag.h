/*
 * tlsdiag.h - why a TLS connection to an LDAP server failed, in words a
 * sysadmin can act on.
 *
 * libldap (over GnuTLS) reports every certificate fault as "Can't contact
 * LDAP server" or "Connect error", with "(unknown error code)" as its
 * diagnostic.  After such a failure the daemon connects once more without
 * verifying, takes the certificate the server presents and checks it the
 * way libldap would have: validity dates, issuer against ldap.ca_file (or
 * the system store), and the name in the URI.  Nothing learnt this way is
 * trusted or used: the connection is closed and the login still fails.
 */
#ifndef ECFLINK_TLSDIAG_H
#define ECFLINK_TLSDIAG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Writes into out the cause of the TLS failure on uri ("the server's
 * certificate expired on ..."), with starttls for an ldap:// URI that
 * uses StartTLS and ca_file as ldap.ca_file (NULL: the system store),
 * spending at most timeout_ms.  Returns 0 with a sentence, or -1 with out
 * empty when the server cannot be reached, speaks no TLS, or presents a
 * certificate that passes every check (the fault is elsewhere).
 */
int tlsdiag_explain(const char *uri, bool starttls, const char *ca_file, int timeout_ms,
		    char *out, size_t len);

#endif
