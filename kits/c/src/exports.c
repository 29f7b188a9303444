/* The four exports of ABI v1 (docs/abi.md, section 1). They only move bytes:
 * decode the message, call the bot, encode its orders. */
#include "bot.h"
#include "platform.h"
#include "wire.h"

#define EXPORT(name) __attribute__((export_name(name)))

/* Messages are far smaller than this: a 128x128 MatchInfo is about 17 KiB in
 * postcard, 40 KiB in JSON. */
#define INPUT_CAP (1u << 20)
#define ACTION_CAP 1024
#define OUTPUT_CAP 65536

static uint8_t input[INPUT_CAP];
static uint8_t output[OUTPUT_CAP];
static ls_match_info match_info;
static ls_observation observation;
static ls_action actions[ACTION_CAP];
static int ready; /* lockstep_init decoded its MatchInfo */

EXPORT("lockstep_abi") int32_t lockstep_abi(void) {
    return 1 << 8 | ls_encoding; /* ABI v1, this build's encoding */
}

/* One buffer for every message; the host copies each one in before the call
 * that reads it. Too big a message gets an out-of-bounds pointer, which the
 * host reports as `bad_alloc` instead of overwriting our memory. */
EXPORT("lockstep_alloc") int32_t lockstep_alloc(int32_t len) {
    return (uint32_t)len <= INPUT_CAP ? (int32_t)(uintptr_t)input : -1;
}

EXPORT("lockstep_init") int32_t lockstep_init(int32_t ptr, int32_t len) {
    platform_start();
    ready = 0;
    ls_status s = ls_decode_match_info((const uint8_t *)(uintptr_t)ptr, (uint32_t)len, &match_info);
    if (s != LS_OK) {
        bot_logf("cannot decode MatchInfo: %s", ls_status_text(s));
        return 1;
    }
    if (bot_init(&match_info) != 0) return 2;
    ready = 1;
    return 0;
}

static int64_t packed(const uint8_t *ptr, uint32_t len) {
    return (int64_t)((uint64_t)(uint32_t)(uintptr_t)ptr << 32 | len);
}

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

EXPORT("lockstep_tick") int64_t lockstep_tick(int32_t ptr, int32_t len) {
    uint32_t count = 0;
    if (ready) {
        ls_status s = ls_decode_observation((const uint8_t *)(uintptr_t)ptr, (uint32_t)len, &observation);
        if (s == LS_OK)
            count = bot_tick(&observation, actions, min_u32(match_info.limits.max_actions, ACTION_CAP));
        else
            bot_logf("cannot decode Observation: %s", ls_status_text(s));
    }
    uint32_t written = 0;
    uint32_t cap = min_u32(match_info.limits.max_output_bytes, OUTPUT_CAP);
    if (!ready) cap = OUTPUT_CAP;
    /* Too many orders for the output limit: drop from the end until they fit. */
    while (ls_encode_actions(actions, count, output, cap, &written) != LS_OK && count > 0) count--;
    return packed(output, written);
}
