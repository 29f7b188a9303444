/* The Lockstep ABI v1 wire types (docs/abi.md, section 6) as plain C structs,
 * and the codec that reads and writes them.
 *
 * Two codecs implement this header: postcard.c (the default, encoding 0) and
 * json.c (encoding 1, `build.sh --json`). Both are plain C99 with no libc, so
 * the same files build into the wasm bot and into the native codec test.
 *
 * Everything is fixed-size: no allocator is needed (freestanding wasm has
 * none). The caps below are far above what the reference game sends; a
 * message that exceeds one is refused with LS_ERR_TOO_MANY, never cut short. */
#ifndef LOCKSTEP_WIRE_H
#define LOCKSTEP_WIRE_H

#include <stdint.h>

/* Maps are 8 to 128 cells a side (docs/rules.md). */
#define LS_MAX_SIDE 128
#define LS_MAX_CELLS (LS_MAX_SIDE * LS_MAX_SIDE)
/* Cores are the letters A..H. */
#define LS_MAX_PLAYERS 8
#define LS_MAX_SOURCES 4096
/* Visible units: 8 players x max_units (50 by default) is 400. */
#define LS_MAX_UNITS 4096
#define LS_MAX_REJECTED 1024

typedef struct {
    uint16_t x, y;
} ls_pos;

/* Direction, by variant index: x grows east, y grows south. */
enum { LS_NORTH = 0, LS_EAST = 1, LS_SOUTH = 2, LS_WEST = 3 };

typedef struct {
    uint8_t owner;
    ls_pos pos;
} ls_core_info;

typedef struct {
    uint16_t core_hp, unit_hp, unit_damage;
    uint32_t unit_cost, start_energy, core_income, harvest_amount;
    uint32_t unit_vision2, core_vision2;
    uint16_t max_units;
} ls_rules;

typedef struct {
    uint32_t max_ticks;
    uint64_t init_fuel, tick_fuel;
    uint32_t max_actions, max_output_bytes, max_log_lines, max_log_line_bytes;
    uint64_t max_memory_bytes;
} ls_limits;

typedef struct {
    uint8_t abi_version;
    uint8_t you;
    uint8_t players;
    uint64_t seed;
    uint16_t width, height;
    /* `rows`, concatenated: the cell (x, y) is cells[y * width + x]. */
    uint8_t cells[LS_MAX_CELLS];
    uint32_t source_count;
    ls_pos sources[LS_MAX_SOURCES];
    uint32_t core_count;
    ls_core_info cores[LS_MAX_PLAYERS];
    ls_rules rules;
    ls_limits limits;
} ls_match_info;

typedef struct {
    uint32_t id;
    uint8_t owner;
    ls_pos pos;
    uint16_t hp;
} ls_unit_view;

typedef struct {
    uint8_t owner;
    ls_pos pos;
    uint16_t hp;
} ls_core_view;

/* Action, by variant index. */
enum { LS_SPAWN = 0, LS_MOVE = 1, LS_ATTACK = 2, LS_HARVEST = 3 };

typedef struct {
    uint8_t kind; /* LS_SPAWN .. LS_HARVEST */
    uint8_t dir;  /* LS_NORTH .. LS_WEST */
    uint32_t unit; /* not on the wire for LS_SPAWN */
} ls_action;

/* RejectReason, by variant index. */
enum {
    LS_NO_SUCH_UNIT, LS_NOT_YOUR_UNIT, LS_ALREADY_ORDERED, LS_TOO_MANY_ACTIONS,
    LS_BLOCKED, LS_MOVE_COLLIDED, LS_NO_ENEMY, LS_NO_SOURCE,
    LS_NOT_ENOUGH_ENERGY, LS_UNIT_CAP, LS_SPAWN_BLOCKED,
    LS_REJECT_REASON_COUNT
};

typedef struct {
    uint32_t index;
    ls_action action;
    uint8_t reason;
} ls_rejection;

typedef struct {
    uint32_t tick;
    uint32_t energy;
    uint32_t unit_count;
    ls_unit_view units[LS_MAX_UNITS];
    uint32_t core_count;
    ls_core_view cores[LS_MAX_PLAYERS];
    uint32_t rejected_count;
    ls_rejection rejected[LS_MAX_REJECTED];
    uint32_t eliminated_count;
    uint8_t eliminated[LS_MAX_PLAYERS];
} ls_observation;

typedef enum {
    LS_OK = 0,
    LS_ERR_TRUNCATED,   /* the message ended inside a value */
    LS_ERR_TRAILING,    /* bytes left after the value */
    LS_ERR_RANGE,       /* a number too big for its type, or a bad enum index */
    LS_ERR_TOO_MANY,    /* a list longer than its LS_MAX_* cap */
    LS_ERR_SHAPE,       /* rows that do not match width x height */
    LS_ERR_SYNTAX,      /* JSON only: not the expected JSON */
    LS_ERR_OUTPUT_FULL  /* encoding: the output buffer is too small */
} ls_status;

/* The low byte of lockstep_abi(): 0 = postcard, 1 = JSON. */
extern const int32_t ls_encoding;

ls_status ls_decode_match_info(const uint8_t *bytes, uint32_t len, ls_match_info *out);
ls_status ls_decode_observation(const uint8_t *bytes, uint32_t len, ls_observation *out);

/* Writes `count` actions as one Vec<Action> into out[0..cap]. Sets *written
 * to the byte count; LS_ERR_OUTPUT_FULL if cap is too small. */
ls_status ls_encode_actions(const ls_action *actions, uint32_t count,
                            uint8_t *out, uint32_t cap, uint32_t *written);

/* A short English name of a status, for logs. */
const char *ls_status_text(ls_status status);

#endif
