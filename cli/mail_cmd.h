/*
 * mail_cmd.h - ecflinkctl mail [--retry]: the link notices waiting in
 * ecflinkd's spool (ADMIN_MAIL), and a retry of them now.
 */
#ifndef ECFLINK_MAIL_CMD_H
#define ECFLINK_MAIL_CMD_H

#include "ctl.h"

/* Prints the waiting notices; EX_DONE, EX_USAGE or a failure's exit code. */
int cmd_mail(struct ctl *c, int argc, char **argv);

#endif
