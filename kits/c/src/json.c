/* The JSON codec (encoding 1): docs/abi.md, section 5.1. Build with
 * `build.sh --json`. It exists to compare with postcard (README.md has the
 * numbers): JSON messages are 3 to 10 times longer and every field name is
 * read and compared, so it costs more code and more fuel.
 *
 * A recursive-descent reader driven by the schema: each type's reader knows
 * its field names, takes them in any order, and skips unknown ones. Numbers
 * are plain unsigned integers (serde writes nothing else for these types). */
#include "wire.h"

const int32_t ls_encoding = 1;

typedef struct {
    const uint8_t *at, *end;
    ls_status status;
} reader;

static void fail(reader *r, ls_status status) {
    if (r->status == LS_OK) r->status = status;
    r->at = r->end;
}

static void skip_space(reader *r) {
    while (r->at < r->end && (*r->at == ' ' || *r->at == '\t' || *r->at == '\n' || *r->at == '\r'))
        r->at++;
}

/* The next non-space byte, not consumed; 0 at the end. */
static uint8_t peek(reader *r) {
    skip_space(r);
    return r->at < r->end ? *r->at : 0;
}

static void expect(reader *r, uint8_t c) {
    if (peek(r) == c) r->at++;
    else fail(r, r->at >= r->end ? LS_ERR_TRUNCATED : LS_ERR_SYNTAX);
}

/* Whether the next byte is `c`; consumes it if so. */
static int accept(reader *r, uint8_t c) {
    if (peek(r) != c) return 0;
    r->at++;
    return 1;
}

static uint64_t get_number(reader *r, uint64_t max) {
    skip_space(r);
    if (r->at >= r->end || *r->at < '0' || *r->at > '9') {
        fail(r, r->at >= r->end ? LS_ERR_TRUNCATED : LS_ERR_SYNTAX);
        return 0;
    }
    uint64_t v = 0;
    while (r->at < r->end && *r->at >= '0' && *r->at <= '9') {
        uint64_t digit = (uint64_t)(*r->at++ - '0');
        if (v > (max - digit) / 10) {
            fail(r, LS_ERR_RANGE);
            return 0;
        }
        v = v * 10 + digit;
    }
    return v;
}

static uint8_t get_u8(reader *r) { return (uint8_t)get_number(r, 0xff); }
static uint16_t get_u16(reader *r) { return (uint16_t)get_number(r, 0xffff); }
static uint32_t get_u32(reader *r) { return (uint32_t)get_number(r, 0xffffffffu); }
static uint64_t get_u64(reader *r) { return get_number(r, ~(uint64_t)0); }

static int hex_digit(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A JSON string: its first `cap` bytes into `out` (none if out is 0);
 * returns its whole length. Escapes are decoded; a \u escape above U+007F
 * is refused (no wire string needs one). */
static uint32_t get_string(reader *r, uint8_t *out, uint32_t cap) {
    expect(r, '"');
    uint32_t n = 0;
    while (r->status == LS_OK) {
        if (r->at >= r->end) {
            fail(r, LS_ERR_TRUNCATED);
            break;
        }
        uint8_t c = *r->at++;
        if (c == '"') return n;
        if (c == '\\') {
            if (r->at >= r->end) {
                fail(r, LS_ERR_TRUNCATED);
                break;
            }
            c = *r->at++;
            switch (c) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': {
                int v = 0;
                for (int i = 0; i < 4; i++) {
                    int h = r->at < r->end ? hex_digit(*r->at++) : -1;
                    if (h < 0) v = 0x10000;
                    v = v * 16 + h;
                }
                if (v > 0x7f) fail(r, LS_ERR_RANGE);
                c = (uint8_t)v;
                break;
            }
            default: break; /* \" \\ \/ stand for themselves */
            }
        }
        if (out && n < cap) out[n] = c;
        n++;
    }
    return 0;
}

/* A field or variant name, NUL-terminated. A name too long to be one of
 * ours comes back as "?", which matches nothing. */
typedef struct {
    char text[24];
} name;

static void get_name(reader *r, name *k) {
    uint32_t n = get_string(r, (uint8_t *)k->text, sizeof k->text - 1);
    if (n > sizeof k->text - 1) k->text[0] = '?', n = 1;
    k->text[n] = 0;
}

static int is(const name *k, const char *s) {
    const char *t = k->text;
    while (*t && *t == *s) t++, s++;
    return *t == *s;
}

/* Skips any JSON value (an unknown field's). */
static void skip_value(reader *r, int depth) {
    uint8_t c = peek(r);
    if (depth > 64) {
        fail(r, LS_ERR_SYNTAX);
    } else if (c == '"') {
        get_string(r, 0, 0);
    } else if (c == '{' || c == '[') {
        uint8_t close = c == '{' ? '}' : ']';
        r->at++;
        if (accept(r, close)) return;
        do {
            if (c == '{') {
                name k;
                get_name(r, &k);
                expect(r, ':');
            }
            skip_value(r, depth + 1);
        } while (accept(r, ','));
        expect(r, close);
    } else {
        /* A number, true, false or null: up to the next delimiter. */
        const uint8_t *start = r->at;
        while (r->at < r->end && *r->at != ',' && *r->at != '}' && *r->at != ']' &&
               *r->at != ' ' && *r->at != '\n' && *r->at != '\r' && *r->at != '\t')
            r->at++;
        if (r->at == start) fail(r, LS_ERR_SYNTAX);
    }
}

/* Objects and arrays:
 *     if (object_begin(r)) do { get_name(r, &k); expect(r, ':'); ... } while (object_next(r));
 * Both stop at the first error (every read after it fails). */
static int object_begin(reader *r) {
    expect(r, '{');
    return r->status == LS_OK && !accept(r, '}');
}

static int object_next(reader *r) {
    if (accept(r, ',')) return 1;
    expect(r, '}');
    return 0;
}

static int array_begin(reader *r) {
    expect(r, '[');
    return r->status == LS_OK && !accept(r, ']');
}

static int array_next(reader *r) {
    if (accept(r, ',')) return 1;
    expect(r, ']');
    return 0;
}

/* Reads a field name and its colon. */
static void field(reader *r, name *k) {
    get_name(r, k);
    expect(r, ':');
}

/* Every field must be there, as serde requires: `seen` has one bit per field. */
static void require(reader *r, uint32_t seen, uint32_t field_count) {
    if (seen != (1u << field_count) - 1) fail(r, LS_ERR_SYNTAX);
}

static uint8_t get_variant(reader *r, const char *const *names, uint32_t count) {
    name k;
    get_name(r, &k);
    for (uint32_t i = 0; i < count; i++)
        if (is(&k, names[i])) return (uint8_t)i;
    fail(r, LS_ERR_RANGE);
    return 0;
}

static const char *const DIRECTIONS[4] = {"North", "East", "South", "West"};
static const char *const ACTIONS[4] = {"Spawn", "Move", "Attack", "Harvest"};
static const char *const REASONS[LS_REJECT_REASON_COUNT] = {
    "NoSuchUnit", "NotYourUnit", "AlreadyOrdered", "TooManyActions", "Blocked", "MoveCollided",
    "NoEnemy", "NoSource", "NotEnoughEnergy", "UnitCap", "SpawnBlocked"};

static ls_pos get_pos(reader *r) {
    ls_pos p = {0, 0};
    uint32_t seen = 0;
    name k;
    if (object_begin(r)) do {
        field(r, &k);
        if (is(&k, "x")) p.x = get_u16(r), seen |= 1;
        else if (is(&k, "y")) p.y = get_u16(r), seen |= 2;
        else skip_value(r, 0);
    } while (object_next(r));
    require(r, seen, 2);
    return p;
}

/* An externally tagged Action: {"Move":{"unit":3,"dir":"East"}}. */
static void get_action(reader *r, ls_action *a) {
    name k;
    expect(r, '{');
    a->kind = get_variant(r, ACTIONS, 4);
    a->unit = 0;
    expect(r, ':');
    uint32_t seen = a->kind == LS_SPAWN ? 1 : 0; /* Spawn has no unit */
    if (object_begin(r)) do {
        field(r, &k);
        if (is(&k, "unit") && a->kind != LS_SPAWN) a->unit = get_u32(r), seen |= 1;
        else if (is(&k, "dir")) a->dir = get_variant(r, DIRECTIONS, 4), seen |= 2;
        else skip_value(r, 0);
    } while (object_next(r));
    require(r, seen, 2);
    expect(r, '}');
}

static void get_rules(reader *r, ls_rules *ru) {
    uint32_t seen = 0;
    name k;
    if (object_begin(r)) do {
        field(r, &k);
        if (is(&k, "core_hp")) ru->core_hp = get_u16(r), seen |= 1 << 0;
        else if (is(&k, "unit_hp")) ru->unit_hp = get_u16(r), seen |= 1 << 1;
        else if (is(&k, "unit_damage")) ru->unit_damage = get_u16(r), seen |= 1 << 2;
        else if (is(&k, "unit_cost")) ru->unit_cost = get_u32(r), seen |= 1 << 3;
        else if (is(&k, "start_energy")) ru->start_energy = get_u32(r), seen |= 1 << 4;
        else if (is(&k, "core_income")) ru->core_income = get_u32(r), seen |= 1 << 5;
        else if (is(&k, "harvest_amount")) ru->harvest_amount = get_u32(r), seen |= 1 << 6;
        else if (is(&k, "unit_vision2")) ru->unit_vision2 = get_u32(r), seen |= 1 << 7;
        else if (is(&k, "core_vision2")) ru->core_vision2 = get_u32(r), seen |= 1 << 8;
        else if (is(&k, "max_units")) ru->max_units = get_u16(r), seen |= 1 << 9;
        else skip_value(r, 0);
    } while (object_next(r));
    require(r, seen, 10);
}

static void get_limits(reader *r, ls_limits *li) {
    uint32_t seen = 0;
    name k;
    if (object_begin(r)) do {
        field(r, &k);
        if (is(&k, "max_ticks")) li->max_ticks = get_u32(r), seen |= 1 << 0;
        else if (is(&k, "init_fuel")) li->init_fuel = get_u64(r), seen |= 1 << 1;
        else if (is(&k, "tick_fuel")) li->tick_fuel = get_u64(r), seen |= 1 << 2;
        else if (is(&k, "max_actions")) li->max_actions = get_u32(r), seen |= 1 << 3;
        else if (is(&k, "max_output_bytes")) li->max_output_bytes = get_u32(r), seen |= 1 << 4;
        else if (is(&k, "max_log_lines")) li->max_log_lines = get_u32(r), seen |= 1 << 5;
        else if (is(&k, "max_log_line_bytes")) li->max_log_line_bytes = get_u32(r), seen |= 1 << 6;
        else if (is(&k, "max_memory_bytes")) li->max_memory_bytes = get_u64(r), seen |= 1 << 7;
        else skip_value(r, 0);
    } while (object_next(r));
    require(r, seen, 8);
}

/* Rows may come before width and height: they are read into `cells` at the
 * widest stride and packed once both are known. */
static void get_rows(reader *r, ls_match_info *m, uint32_t *row_count, uint32_t *row_width) {
    uint32_t n = 0;
    *row_width = 0;
    if (array_begin(r)) do {
        if (n >= LS_MAX_SIDE) {
            fail(r, LS_ERR_TOO_MANY);
            break;
        }
        uint32_t w = get_string(r, m->cells + n * LS_MAX_SIDE, LS_MAX_SIDE);
        if (w > LS_MAX_SIDE) fail(r, LS_ERR_TOO_MANY);
        if (n > 0 && w != *row_width) fail(r, LS_ERR_SHAPE);
        *row_width = w;
        n++;
    } while (array_next(r));
    *row_count = n;
}

static void get_core_info(reader *r, ls_core_info *c) {
    uint32_t seen = 0;
    name k;
    if (object_begin(r)) do {
        field(r, &k);
        if (is(&k, "owner")) c->owner = get_u8(r), seen |= 1;
        else if (is(&k, "pos")) c->pos = get_pos(r), seen |= 2;
        else skip_value(r, 0);
    } while (object_next(r));
    require(r, seen, 2);
}

static ls_status finish(reader *r) {
    skip_space(r);
    if (r->status == LS_OK && r->at != r->end) return LS_ERR_TRAILING;
    return r->status;
}

ls_status ls_decode_match_info(const uint8_t *bytes, uint32_t len, ls_match_info *m) {
    reader r = {bytes, bytes + len, LS_OK};
    uint32_t seen = 0, rows = 0, row_width = 0;
    name k;
    if (object_begin(&r)) do {
        field(&r, &k);
        if (is(&k, "abi_version")) m->abi_version = get_u8(&r), seen |= 1 << 0;
        else if (is(&k, "you")) m->you = get_u8(&r), seen |= 1 << 1;
        else if (is(&k, "players")) m->players = get_u8(&r), seen |= 1 << 2;
        else if (is(&k, "seed")) m->seed = get_u64(&r), seen |= 1 << 3;
        else if (is(&k, "width")) m->width = get_u16(&r), seen |= 1 << 4;
        else if (is(&k, "height")) m->height = get_u16(&r), seen |= 1 << 5;
        else if (is(&k, "rows")) get_rows(&r, m, &rows, &row_width), seen |= 1 << 6;
        else if (is(&k, "sources")) {
            seen |= 1 << 7;
            m->source_count = 0;
            if (array_begin(&r)) do {
                if (m->source_count >= LS_MAX_SOURCES) fail(&r, LS_ERR_TOO_MANY);
                else m->sources[m->source_count++] = get_pos(&r);
            } while (array_next(&r));
        } else if (is(&k, "cores")) {
            seen |= 1 << 8;
            m->core_count = 0;
            if (array_begin(&r)) do {
                if (m->core_count >= LS_MAX_PLAYERS) fail(&r, LS_ERR_TOO_MANY);
                else get_core_info(&r, &m->cores[m->core_count++]);
            } while (array_next(&r));
        } else if (is(&k, "rules")) get_rules(&r, &m->rules), seen |= 1 << 9;
        else if (is(&k, "limits")) get_limits(&r, &m->limits), seen |= 1 << 10;
        else skip_value(&r, 0);
    } while (object_next(&r));
    require(&r, seen, 11);
    ls_status s = finish(&r);
    if (s != LS_OK) return s;
    if (m->width > LS_MAX_SIDE || m->height > LS_MAX_SIDE) return LS_ERR_TOO_MANY;
    if (rows != m->height || (rows && row_width != m->width)) return LS_ERR_SHAPE;
    /* Pack the rows from stride LS_MAX_SIDE to stride width (in place: the
     * target never overtakes the source). */
    for (uint32_t y = 0; y < rows; y++)
        for (uint32_t x = 0; x < m->width; x++)
            m->cells[y * m->width + x] = m->cells[y * LS_MAX_SIDE + x];
    return LS_OK;
}

static void get_unit_view(reader *r, ls_unit_view *u) {
    uint32_t seen = 0;
    name k;
    if (object_begin(r)) do {
        field(r, &k);
        if (is(&k, "id")) u->id = get_u32(r), seen |= 1;
        else if (is(&k, "owner")) u->owner = get_u8(r), seen |= 2;
        else if (is(&k, "pos")) u->pos = get_pos(r), seen |= 4;
        else if (is(&k, "hp")) u->hp = get_u16(r), seen |= 8;
        else skip_value(r, 0);
    } while (object_next(r));
    require(r, seen, 4);
}

static void get_core_view(reader *r, ls_core_view *c) {
    uint32_t seen = 0;
    name k;
    if (object_begin(r)) do {
        field(r, &k);
        if (is(&k, "owner")) c->owner = get_u8(r), seen |= 1;
        else if (is(&k, "pos")) c->pos = get_pos(r), seen |= 2;
        else if (is(&k, "hp")) c->hp = get_u16(r), seen |= 4;
        else skip_value(r, 0);
    } while (object_next(r));
    require(r, seen, 3);
}

static void get_rejection(reader *r, ls_rejection *j) {
    uint32_t seen = 0;
    name k;
    if (object_begin(r)) do {
        field(r, &k);
        if (is(&k, "index")) j->index = get_u32(r), seen |= 1;
        else if (is(&k, "action")) get_action(r, &j->action), seen |= 2;
        else if (is(&k, "reason")) j->reason = get_variant(r, REASONS, LS_REJECT_REASON_COUNT), seen |= 4;
        else skip_value(r, 0);
    } while (object_next(r));
    require(r, seen, 3);
}

ls_status ls_decode_observation(const uint8_t *bytes, uint32_t len, ls_observation *o) {
    reader r = {bytes, bytes + len, LS_OK};
    uint32_t seen = 0;
    name k;
    if (object_begin(&r)) do {
        field(&r, &k);
        if (is(&k, "tick")) o->tick = get_u32(&r), seen |= 1 << 0;
        else if (is(&k, "energy")) o->energy = get_u32(&r), seen |= 1 << 1;
        else if (is(&k, "units")) {
            seen |= 1 << 2;
            o->unit_count = 0;
            if (array_begin(&r)) do {
                if (o->unit_count >= LS_MAX_UNITS) fail(&r, LS_ERR_TOO_MANY);
                else get_unit_view(&r, &o->units[o->unit_count++]);
            } while (array_next(&r));
        } else if (is(&k, "cores")) {
            seen |= 1 << 3;
            o->core_count = 0;
            if (array_begin(&r)) do {
                if (o->core_count >= LS_MAX_PLAYERS) fail(&r, LS_ERR_TOO_MANY);
                else get_core_view(&r, &o->cores[o->core_count++]);
            } while (array_next(&r));
        } else if (is(&k, "rejected")) {
            seen |= 1 << 4;
            o->rejected_count = 0;
            if (array_begin(&r)) do {
                if (o->rejected_count >= LS_MAX_REJECTED) fail(&r, LS_ERR_TOO_MANY);
                else get_rejection(&r, &o->rejected[o->rejected_count++]);
            } while (array_next(&r));
        } else if (is(&k, "eliminated")) {
            seen |= 1 << 5;
            o->eliminated_count = 0;
            if (array_begin(&r)) do {
                if (o->eliminated_count >= LS_MAX_PLAYERS) fail(&r, LS_ERR_TOO_MANY);
                else o->eliminated[o->eliminated_count++] = get_u8(&r);
            } while (array_next(&r));
        } else skip_value(&r, 0);
    } while (object_next(&r));
    require(&r, seen, 6);
    return finish(&r);
}

/* The writer: appends to out[0..cap], remembering if anything did not fit. */
typedef struct {
    uint8_t *out;
    uint32_t at, cap;
    int full;
} writer;

static void put_text(writer *w, const char *s) {
    for (; *s; s++) {
        if (w->at >= w->cap) {
            w->full = 1;
            return;
        }
        w->out[w->at++] = (uint8_t)*s;
    }
}

static void put_number(writer *w, uint32_t v) {
    char digits[11];
    int n = 10;
    digits[n] = 0;
    do {
        digits[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_text(w, digits + n);
}

ls_status ls_encode_actions(const ls_action *actions, uint32_t count,
                            uint8_t *out, uint32_t cap, uint32_t *written) {
    writer w = {out, 0, cap, 0};
    put_text(&w, "[");
    for (uint32_t i = 0; i < count && !w.full; i++) {
        const ls_action *a = &actions[i];
        if (i) put_text(&w, ",");
        put_text(&w, "{\"");
        put_text(&w, ACTIONS[a->kind & 3]);
        put_text(&w, "\":{");
        if (a->kind != LS_SPAWN) {
            put_text(&w, "\"unit\":");
            put_number(&w, a->unit);
            put_text(&w, ",");
        }
        put_text(&w, "\"dir\":\"");
        put_text(&w, DIRECTIONS[a->dir & 3]);
        put_text(&w, "\"}}");
    }
    put_text(&w, "]");
    *written = w.full ? 0 : w.at;
    return w.full ? LS_ERR_OUTPUT_FULL : LS_OK;
}
