/*
 * tlsdiag.c - the cause of a failed TLS connection (see tlsdiag.h).
 */
#include "tlsdiag.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <ldap.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The certificate the server at uri presents, unverified, as DER in *der
 * (free with ber_memfree); -1 when there is none to be had. */
static int
peer_cert(const char *uri, bool starttls, int timeout_ms, struct berval *der)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int v3 = LDAP_VERSION3, allow = LDAP_OPT_X_TLS_ALLOW, zero = 0, rc = -1;
	struct berval bv = { 0, NULL };
	LDAP *ld = NULL;

	if (ldap_initialize(&ld, uri) != LDAP_SUCCESS)
		return -1;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &allow);
	ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	if (starttls ? ldap_start_tls_s(ld, NULL, NULL) : ldap_connect(ld))
		goto out;
	/* libldap fills the berval with a copy of the DER certificate. */
	if (ldap_get_option(ld, LDAP_OPT_X_TLS_PEERCERT, &bv) != LDAP_OPT_SUCCESS ||
	    bv.bv_val == NULL)
		goto out;
	*der = bv;
	rc = 0;
out:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return rc;
}

static void
when(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}

/* Checks crt as libldap does; writes the first fault found into out. */
static int
check(gnutls_x509_crt_t crt, const char *host, const char *ca_file, char *out, size_t len)
{
	gnutls_x509_trust_list_t list = NULL;
	unsigned char ip[16];
	char t[64], subject[256];
	size_t slen = sizeof(subject);
	time_t now = time(NULL);
	unsigned int status = 0;
	int rc = -1;

	if (gnutls_x509_crt_get_dn(crt, subject, &slen) < 0)
		snprintf(subject, sizeof(subject), "(unreadable)");
	if (gnutls_x509_crt_get_expiration_time(crt) < now) {
		when(gnutls_x509_crt_get_expiration_time(crt), t, sizeof(t));
		snprintf(out, len, "the server's certificate (%s) expired on %s; renew it", subject,
			 t);
		return 0;
	}
	if (gnutls_x509_crt_get_activation_time(crt) > now) {
		when(gnutls_x509_crt_get_activation_time(crt), t, sizeof(t));
		snprintf(out, len, "the server's certificate (%s) is not valid before %s; check "
			 "the clocks", subject, t);
		return 0;
	}
	if (gnutls_x509_trust_list_init(&list, 0) < 0)
		return -1;
	if ((ca_file != NULL
		     ? gnutls_x509_trust_list_add_trust_file(list, ca_file, NULL,
							     GNUTLS_X509_FMT_PEM, 0, 0)
		     : gnutls_x509_trust_list_add_system_trust(list, 0, 0)) < 0)
		goto out;
	if (gnutls_x509_trust_list_verify_crt2(list, &crt, 1, NULL, 0, 0, &status, NULL) == 0 &&
	    status != 0) {
		gnutls_datum_t why = { NULL, 0 };
		char issuer[256];
		size_t ilen = sizeof(issuer);

		if (gnutls_x509_crt_get_issuer_dn(crt, issuer, &ilen) < 0)
			snprintf(issuer, sizeof(issuer), "(unreadable)");
		gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0);
		snprintf(out, len, "the server's certificate (%s, issued by %s) is not trusted by %s: "
			 "%s", subject, issuer,
			 ca_file != NULL ? ca_file : "the system's CA store (ldap.ca_file unset)",
			 why.data != NULL ? (const char *)why.data : "verification failed");
		gnutls_free(why.data);
		rc = 0;
		goto out;
	}
	if (inet_pton(AF_INET, host, ip) == 1 ? !gnutls_x509_crt_check_ip(crt, ip, 4, 0)
	    : inet_pton(AF_INET6, host, ip) == 1 ? !gnutls_x509_crt_check_ip(crt, ip, 16, 0)
						  : !gnutls_x509_crt_check_hostname2(crt, host, 0)) {
		snprintf(out, len, "the server's certificate (%s) does not name %s, the host in the "
			 "URI; use a name the certificate carries", subject, host);
		rc = 0;
	}
out:
	gnutls_x509_trust_list_deinit(list, 1);	/* 1: with the CAs it holds */
	return rc;
}

int
tlsdiag_explain(const char *uri, bool starttls, const char *ca_file, int timeout_ms,
		char *out, size_t len)
{
	LDAPURLDesc *lud = NULL;
	gnutls_x509_crt_t crt = NULL;
	struct berval der = { 0, NULL };
	gnutls_datum_t d;
	int rc = -1;

	out[0] = '\0';
	if (timeout_ms < 1 || ldap_url_parse(uri, &lud) != LDAP_URL_SUCCESS)
		return -1;
	if (strcasecmp(lud->lud_scheme, "ldapi") == 0 ||
	    (strcasecmp(lud->lud_scheme, "ldap") == 0 && !starttls))
		goto out;
	if (peer_cert(uri, starttls && strcasecmp(lud->lud_scheme, "ldap") == 0, timeout_ms,
		      &der) < 0)
		goto out;
	d.data = (unsigned char *)der.bv_val;
	d.size = (unsigned int)der.bv_len;
	if (gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) < 0)
		goto out;
	rc = check(crt, lud->lud_host != NULL && *lud->lud_host ? lud->lud_host : "localhost",
		   ca_file, out, len);
out:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	ber_memfree(der.bv_val);
	ldap_free_urldesc(lud);
	if (rc < 0)
		out[0] = '\0';
	return rc;
}
