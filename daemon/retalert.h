/*
 * retalert.h - the alert that a retired CM/ECF login was tried (DESIGN.md
 * "Many servers", invariant 5).
 *
 * A login refused as retired_credential may mail the owner of the PACER
 * account the CM/ECF login is linked to (mail.alert_retired), at most once
 * per policy.alert_interval_s per account, whichever ecflinkd saw the
 * attempts: the time of the last alert is the CM/ECF entry's
 * ecfRetiredAlert at ldap.write_uri, and a daemon mails only after its own
 * Modify of that value succeeded.
 */
#ifndef ECFLINK_RETALERT_H
#define ECFLINK_RETALERT_H

#include "decide.h"
#include "events.h"
#include "request.h"

/* True when d refused a retired (linked) CM/ECF login. */
bool retalert_wanted(const struct decision *d);

/*
 * Claims and spools the alert for the refused login d (p: the request it
 * answered), on w's connections, within p->deadline.  Never changes the
 * decision.  *e gets the outcome for the attempt's log line: alert= off,
 * mailed (with its Transaction ID), skipped_recent (an alert went out
 * less than policy.alert_interval_s ago, or another daemon claimed this
 * one), no_address (the PACER entry has no usable mail), failed (with
 * alert_detail).
 */
void retalert_run(struct worker *w, const struct config *cfg, const struct pam_req *p,
		  const struct decision *d, struct alert_event *e);

#endif
