/*
 * config_check.h - the checks of single configuration values.
 *
 * Each checker takes the value as written and, when it is not usable,
 * writes into why what is wrong and how to fix it (a sentence without the
 * file, line or key, which config.c puts in front) and returns -1; 0 when
 * the value is fine.  They read the file system and the user and group
 * databases where the value names something there, and never contact
 * LDAP.  Unit-tested one by one in tests/test_config_check.c.
 */
#ifndef ECFLINK_CONFIG_CHECK_H
#define ECFLINK_CONFIG_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef int (*cc_fn)(const char *v, char *why, size_t len);

int cc_dn(const char *v, char *why, size_t len);
/* ldap://, ldaps:// or ldapi:// naming a server only, port 1..65535. */
int cc_uri(const char *v, char *why, size_t len);
/* A zone name whose file under /usr/share/zoneinfo is a TZif file. */
int cc_timezone(const char *v, char *why, size_t len);
int cc_abs_path(const char *v, char *why, size_t len);
/* An absolute path to a regular file this process can open. */
int cc_readable_file(const char *v, char *why, size_t len);
/* The same, and not empty (the redaction notice). */
int cc_notice_file(const char *v, char *why, size_t len);
/* An absolute path to a directory (the mail spool). */
int cc_directory(const char *v, char *why, size_t len);
/* An absolute path to a regular file (or none yet) in an existing directory. */
int cc_append_file(const char *v, char *why, size_t len);
/* An absolute path short enough for sockaddr_un. */
int cc_socket_path(const char *v, char *why, size_t len);
/* An existing group or user name. */
int cc_group(const char *v, char *why, size_t len);
int cc_user(const char *v, char *why, size_t len);
/* A command whose first word is the absolute path of a program. */
int cc_sendmail(const char *v, char *why, size_t len);
int cc_smtp_url(const char *v, char *why, size_t len);
int cc_mail_from(const char *v, char *why, size_t len);
/* An http:// or https:// URL a mail may show on a line of its own. */
int cc_web_url(const char *v, char *why, size_t len);
/* A message used with the go-live date: "%s" at most once, "%%" allowed. */
int cc_golive_message(const char *v, char *why, size_t len);

/* True when s holds a control byte (a newline allowed when allow_newline). */
bool cc_has_control(const char *s, bool allow_newline);

/*
 * Parses YYYY-MM-DDTHH:MM:SS followed by Z or +HH:MM / -HH:MM, every field
 * checked, into *out; -1 with why otherwise.
 */
int cc_golive(const char *v, time_t *out, char *why, size_t len);

/* The syslog facility called v (authpriv, auth, daemon, user, local0-7). */
int cc_facility(const char *v, int *out, char *why, size_t len);

/* -1 (why says so) when v is an ldap:// URI to a host other than
 * loopback: passwords would cross the network in clear text. */
int cc_uri_plaintext(const char *v, char *why, size_t len);

#endif
