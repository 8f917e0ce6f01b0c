/*
 * txn.c - Transaction IDs (see txn.h).
 */
#include "txn.h"

#include <lber.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Builds a post-read control asking for ecfNextTransaction. */
static int
postread_control(LDAPControl **ctrl)
{
	char *attrs[] = { "ecfNextTransaction", NULL };
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval bv;
	int rc = -1;

	if (ber == NULL)
		return -1;
	if (ber_printf(ber, "{v}", attrs) != -1 && ber_flatten2(ber, &bv, 0) == 0)
		rc = ldap_control_create(LDAP_CONTROL_POST_READ, 1, &bv, 1, ctrl) == LDAP_SUCCESS
			     ? 0
			     : -1;
	ber_free(ber, 1);
	return rc;
}

/* Finds ecfNextTransaction in a post-read response control. */
static int
postread_value(LDAPControl **ctrls, uint64_t *value)
{
	LDAPControl *c = ldap_control_find(LDAP_CONTROL_POST_READ, ctrls, NULL);
	struct berval dn, attr, *vals = NULL;
	BerElement *ber;
	int rc = -1;

	if (c == NULL || (ber = ber_init(&c->ldctl_value)) == NULL)
		return -1;
	if (ber_scanf(ber, "{m{", &dn) == LBER_ERROR)
		goto out;
	while (rc < 0 && ber_scanf(ber, "{m", &attr) != LBER_ERROR) {
		if (ber_scanf(ber, "[W]", &vals) == LBER_ERROR)
			break;
		if (vals != NULL && vals[0].bv_val != NULL && vals[0].bv_len < 21 &&
		    attr.bv_len == strlen("ecfNextTransaction") &&
		    strncasecmp(attr.bv_val, "ecfNextTransaction", attr.bv_len) == 0) {
			char buf[24], *end;

			memcpy(buf, vals[0].bv_val, vals[0].bv_len);
			buf[vals[0].bv_len] = '\0';
			*value = strtoull(buf, &end, 10);
			if (*end == '\0' && buf[0] != '\0' && buf[0] != '-')
				rc = 0;
		}
		ber_bvarray_free(vals);
		vals = NULL;
	}
out:
	ber_free(ber, 1);
	return rc;
}

enum dir_rc
txn_next(struct dir_conns *dc, const struct ldop *op, uint64_t *txn)
{
	const struct config *cfg = op->cfg;
	char *one[] = { "1", NULL };
	LDAPMod inc = { .mod_op = LDAP_MOD_INCREMENT, .mod_type = "ecfNextTransaction",
			.mod_vals.modv_strvals = one };
	LDAPMod *mods[] = { &inc, NULL };
	LDAPControl *ctrl = NULL, *ctrls[2] = { NULL, NULL };
	struct ldwrite wr = { .dn = cfg->counter_dn, .mods = mods, .ctrls = ctrls,
			      .want_resctrls = true };
	uint64_t next;
	enum dir_rc rc;

	if (postread_control(&ctrl) < 0) {
		snprintf(op->err->msg, sizeof(op->err->msg), "cannot encode the post-read control");
		return DIR_ERROR;
	}
	ctrls[0] = ctrl;
	rc = ldconn_modify(&dc->write, op, &wr);
	ldap_control_free(ctrl);
	if (rc != DIR_OK)
		return rc;
	if (postread_value(wr.resctrls, &next) < 0 || next == 0) {
		snprintf(op->err->msg, sizeof(op->err->msg),
			 "%s: no usable ecfNextTransaction in the post-read control",
			 cfg->counter_dn);
		rc = DIR_ERROR;
	} else {
		/* The counter holds the next ID to issue; ours is the one before. */
		*txn = next - 1;
	}
	ldap_controls_free(wr.resctrls);
	return rc;
}
