/*
 * live_config.h - the configuration in force, swapped whole on SIGHUP.
 *
 * A reader takes a reference with live_config_get() (never blocking on a
 * reload) and gives it back with live_config_put().  live_config_set()
 * publishes a new configuration, numbering it in cfg->generation (1, 2,
 * ...) so that LDAP handles made for an older one are remade; a replaced
 * configuration is freed when its last reference is given back, so a
 * reload never waits for slow LDAP work and never stalls under load.
 * live_config_set(NULL) retires the last one at stop.
 */
#ifndef ECFLINK_LIVE_CONFIG_H
#define ECFLINK_LIVE_CONFIG_H

#include "config.h"

/* The configuration in force (NULL before the first set), referenced. */
const struct config *live_config_get(void);
/* Gives back a reference from live_config_get (NULL is fine). */
void live_config_put(const struct config *cfg);
/* Publishes cfg (owned from now on), or retires the current one (NULL). */
void live_config_set(struct config *cfg);

#endif
