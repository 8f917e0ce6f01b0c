/*
 * report_cmd.h - ecflinkctl report and lint: whole-directory views the
 * daemon computes (ADMIN_REPORT, ADMIN_LINT); the CLI prints the text
 * table, or the JSON with --json.
 */
#ifndef ECFLINK_REPORT_CMD_H
#define ECFLINK_REPORT_CMD_H

#include <stdbool.h>

#include "ctl.h"

/* Prints migration progress; EX_DONE or the exit code of a failure. */
int cmd_report(struct ctl *c, bool json);
/*
 * Prints the pre-go-live check of the bases: EX_DONE (0) when there is
 * nothing to fix, EX_FINDINGS (6) when there are findings (printed), or
 * the exit code of a failure (1 refused or failed, 5 unreachable).
 */
int cmd_lint(struct ctl *c, bool json);

#endif
