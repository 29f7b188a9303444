/* The strategy: what exports.c calls once the messages are decoded. */
#ifndef LOCKSTEP_BOT_H
#define LOCKSTEP_BOT_H

#include "wire.h"

/* Once per match (and again after a `reset`). `info` stays valid for the
 * whole match. Returns 0 if all is well. */
int bot_init(const ls_match_info *info);

/* Every tick: writes at most `cap` orders to `out`, returns how many. */
uint32_t bot_tick(const ls_observation *obs, ls_action *out, uint32_t cap);

#endif
