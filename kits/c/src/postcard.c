/* The postcard codec (encoding 0): docs/abi.md, section 5.2.
 *
 * Postcard has no names, tags or padding: every struct is its fields in
 * declaration order, every u16/u32/u64 a LEB128 varint, every list a varint
 * count then the items. So decoding is one pass, one function per type, in
 * exactly the order of docs/abi.md section 6. */
#include "wire.h"

const int32_t ls_encoding = 0;

typedef struct {
    const uint8_t *at, *end;
    ls_status status; /* the first error; later reads return 0 */
} reader;

static void fail(reader *r, ls_status status) {
    if (r->status == LS_OK) r->status = status;
    r->at = r->end; /* stop every later read */
}

static uint8_t get_u8(reader *r) {
    if (r->at >= r->end) {
        fail(r, LS_ERR_TRUNCATED);
        return 0;
    }
    return *r->at++;
}

/* An unsigned LEB128 varint no bigger than `max`. */
static uint64_t get_varint(reader *r, uint64_t max) {
    uint64_t value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->at >= r->end) {
            fail(r, LS_ERR_TRUNCATED);
            return 0;
        }
        uint8_t b = *r->at++;
        uint64_t group = b & 0x7f;
        /* A group that would not fit in 64 bits is out of range. */
        if (shift == 63 && group > 1) break;
        value |= group << shift;
        if (!(b & 0x80)) {
            if (value > max) break;
            return value;
        }
    }
    fail(r, LS_ERR_RANGE);
    return 0;
}

static uint16_t get_u16(reader *r) { return (uint16_t)get_varint(r, 0xffff); }
static uint32_t get_u32(reader *r) { return (uint32_t)get_varint(r, 0xffffffffu); }
static uint64_t get_u64(reader *r) { return get_varint(r, ~(uint64_t)0); }

/* A list's length, refused if it is over `cap`. */
static uint32_t get_len(reader *r, uint32_t cap) {
    uint32_t n = get_u32(r);
    if (n > cap) {
        fail(r, LS_ERR_TOO_MANY);
        return 0;
    }
    return n;
}

/* An enum's variant index, refused if it is not below `count`. */
static uint8_t get_variant(reader *r, uint32_t count) {
    uint32_t v = get_u32(r);
    if (v >= count) {
        fail(r, LS_ERR_RANGE);
        return 0;
    }
    return (uint8_t)v;
}

static ls_pos get_pos(reader *r) {
    ls_pos p;
    p.x = get_u16(r);
    p.y = get_u16(r);
    return p;
}

static void get_action(reader *r, ls_action *a) {
    a->kind = get_variant(r, 4);
    a->unit = a->kind == LS_SPAWN ? 0 : get_u32(r);
    a->dir = get_variant(r, 4);
}

static ls_status finish(reader *r) {
    if (r->status == LS_OK && r->at != r->end) return LS_ERR_TRAILING;
    return r->status;
}

ls_status ls_decode_match_info(const uint8_t *bytes, uint32_t len, ls_match_info *m) {
    reader r = {bytes, bytes + len, LS_OK};
    m->abi_version = get_u8(&r);
    m->you = get_u8(&r);
    m->players = get_u8(&r);
    m->seed = get_u64(&r);
    m->width = get_u16(&r);
    m->height = get_u16(&r);
    if (m->width > LS_MAX_SIDE || m->height > LS_MAX_SIDE) fail(&r, LS_ERR_TOO_MANY);

    uint32_t rows = get_len(&r, LS_MAX_SIDE);
    if (rows != m->height) fail(&r, LS_ERR_SHAPE);
    for (uint32_t y = 0; y < rows && r.status == LS_OK; y++) {
        uint32_t n = get_len(&r, LS_MAX_SIDE);
        if (n != m->width) fail(&r, LS_ERR_SHAPE);
        for (uint32_t x = 0; x < n; x++) m->cells[y * m->width + x] = get_u8(&r);
    }

    m->source_count = get_len(&r, LS_MAX_SOURCES);
    for (uint32_t i = 0; i < m->source_count; i++) m->sources[i] = get_pos(&r);

    m->core_count = get_len(&r, LS_MAX_PLAYERS);
    for (uint32_t i = 0; i < m->core_count; i++) {
        m->cores[i].owner = get_u8(&r);
        m->cores[i].pos = get_pos(&r);
    }

    ls_rules *ru = &m->rules;
    ru->core_hp = get_u16(&r);
    ru->unit_hp = get_u16(&r);
    ru->unit_damage = get_u16(&r);
    ru->unit_cost = get_u32(&r);
    ru->start_energy = get_u32(&r);
    ru->core_income = get_u32(&r);
    ru->harvest_amount = get_u32(&r);
    ru->unit_vision2 = get_u32(&r);
    ru->core_vision2 = get_u32(&r);
    ru->max_units = get_u16(&r);

    ls_limits *li = &m->limits;
    li->max_ticks = get_u32(&r);
    li->init_fuel = get_u64(&r);
    li->tick_fuel = get_u64(&r);
    li->max_actions = get_u32(&r);
    li->max_output_bytes = get_u32(&r);
    li->max_log_lines = get_u32(&r);
    li->max_log_line_bytes = get_u32(&r);
    li->max_memory_bytes = get_u64(&r);
    return finish(&r);
}

ls_status ls_decode_observation(const uint8_t *bytes, uint32_t len, ls_observation *o) {
    reader r = {bytes, bytes + len, LS_OK};
    o->tick = get_u32(&r);
    o->energy = get_u32(&r);

    o->unit_count = get_len(&r, LS_MAX_UNITS);
    for (uint32_t i = 0; i < o->unit_count; i++) {
        ls_unit_view *u = &o->units[i];
        u->id = get_u32(&r);
        u->owner = get_u8(&r);
        u->pos = get_pos(&r);
        u->hp = get_u16(&r);
    }

    o->core_count = get_len(&r, LS_MAX_PLAYERS);
    for (uint32_t i = 0; i < o->core_count; i++) {
        ls_core_view *c = &o->cores[i];
        c->owner = get_u8(&r);
        c->pos = get_pos(&r);
        c->hp = get_u16(&r);
    }

    o->rejected_count = get_len(&r, LS_MAX_REJECTED);
    for (uint32_t i = 0; i < o->rejected_count; i++) {
        ls_rejection *j = &o->rejected[i];
        j->index = get_u32(&r);
        get_action(&r, &j->action);
        j->reason = get_variant(&r, LS_REJECT_REASON_COUNT);
    }

    o->eliminated_count = get_len(&r, LS_MAX_PLAYERS);
    for (uint32_t i = 0; i < o->eliminated_count; i++) o->eliminated[i] = get_u8(&r);
    return finish(&r);
}

/* Appends the shortest varint of `v`; returns the new position, or 0 when
 * fewer than 5 bytes are left (a u32 varint takes at most 5). */
static uint32_t put_varint(uint8_t *out, uint32_t at, uint32_t cap, uint32_t v) {
    if (cap - at < 5) return 0;
    while (v >= 0x80) {
        out[at++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[at++] = (uint8_t)v;
    return at;
}

ls_status ls_encode_actions(const ls_action *actions, uint32_t count,
                            uint8_t *out, uint32_t cap, uint32_t *written) {
    uint32_t at = put_varint(out, 0, cap, count);
    for (uint32_t i = 0; i < count && at; i++) {
        const ls_action *a = &actions[i];
        at = put_varint(out, at, cap, a->kind);
        if (at && a->kind != LS_SPAWN) at = put_varint(out, at, cap, a->unit);
        if (at) at = put_varint(out, at, cap, a->dir);
    }
    *written = at;
    return at ? LS_OK : LS_ERR_OUTPUT_FULL;
}
