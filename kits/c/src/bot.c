/* # Harvest, gather, strike: the C kit's bot
 *
 * Every new unit gets a role for life:
 * - harvester (every other unit at first, up to the number of safe spots
 *   next to an energy source near home): walks to its own spot and harvests
 *   every tick, which soon pays for a unit every tick or two where a bot
 *   that never harvests gets one every ten;
 * - soldier: gathers a few steps out from the core, towards the enemy. When
 *   WAVE_SIZE soldiers are waiting, they all march on the nearest live enemy
 *   core down a weighted distance field (our own units are soft obstacles,
 *   so the wave spreads round the core instead of queueing in one corridor)
 *   and hit it. Late in the match, or at the unit cap, they go anyway.
 * Everyone hits an enemy core or the weakest enemy unit next to it first.
 * Enemy units close to the core pull the waiting soldiers (and marching ones
 * still near home) onto them, down a BFS field from the intruders.
 *
 * Settled units (harvesting, waiting) never stand on a cut cell or on the
 * path to a harvest spot, so they cannot wall their own base in.
 *
 * No randomness and no clock: the same match gives the same orders. */
#include "bot.h"
#include "map.h"
#include "plan.h"
#include "platform.h"

/* At most this many harvesters (more income than one unit a tick is waste). */
#define MAX_HARVESTERS 8
/* Harvest spots farther than this from the core are not worth the walk. */
#define SPOT_REACH 20
/* Soldiers that wait for each other before marching. */
#define WAVE_SIZE 6
/* Waiting soldiers stand at least this many steps out from the core. */
#define RALLY_STEPS 3
/* Enemy units this close to the core (in steps) are intruders. */
#define THREAT_STEPS 6
/* Marching soldiers still this close to home turn back for intruders. */
#define GUARD_STEPS 8
/* A wave leaves anyway when the tick limit is this close, beyond the march. */
#define LATE_MARGIN 40
/* March costs of a cell with one of our units / an enemy unit on it. */
#define OWN_PENALTY 3
#define ENEMY_PENALTY 4

enum { HARVESTER, SOLDIER };

typedef struct {
    uint32_t id;
    uint8_t role;
    uint8_t spot; /* harvesters: index into spots */
    uint8_t marching;
} member;

typedef struct {
    uint8_t owner;
    int32_t cell;
    uint32_t steps; /* from our core */
} target;

typedef struct {
    int32_t cell;
    uint8_t dir; /* towards its source */
} spot;

static const ls_match_info *info;
static grid g;
static plan p;
static uint8_t me;
static int32_t core_cell = NO_CELL;

static uint32_t home[LS_MAX_CELLS];      /* steps from the floor round our core */
static uint32_t enemy_home[LS_MAX_CELLS]; /* steps from the floor round any enemy core */
static uint32_t march[LS_MAX_CELLS];     /* this tick: weighted steps to the target core */
static uint32_t door[LS_MAX_CELLS];      /* this tick: steps to the nearest intruder */
static uint8_t penalty[LS_MAX_CELLS];
static uint8_t keep_clear[LS_MAX_CELLS]; /* spots and the paths to them */

static spot spots[MAX_HARVESTERS];
static uint32_t spot_count, harvester_cap;
static uint32_t spot_field[MAX_HARVESTERS][LS_MAX_CELLS];

static target targets[LS_MAX_PLAYERS];
static uint32_t target_count;

static member roster[LS_MAX_UNITS], next_roster[LS_MAX_UNITS];
static uint32_t roster_count;
/* Our units this tick, as indices into obs->units, nearest the target first. */
static uint32_t order[LS_MAX_UNITS];

static uint32_t min_home_around(int32_t cell) {
    int32_t around[4];
    uint32_t n = floor_around(&g, cell, around), best = FAR;
    for (uint32_t i = 0; i < n; i++)
        if (home[around[i]] < best) best = home[around[i]];
    return best;
}

static int is_source(int32_t cell) {
    return cell != NO_CELL && info->cells[cell] == '*';
}

/* The best MAX_HARVESTERS floor cells next to a source: reachable, nearer to
 * us than to any enemy, not a cut cell, not on the spawn ring; nearest first. */
static void choose_spots(void) {
    spot_count = 0;
    for (uint32_t c = 0; c < g.cells; c++) {
        int32_t cell = (int32_t)c;
        if (!g.walk[c] || g.cut[c] || home[c] == 0 || home[c] > SPOT_REACH) continue;
        if (home[c] >= enemy_home[c]) continue;
        int dir = -1;
        for (int d = 0; d < 4 && dir < 0; d++)
            if (is_source(step(&g, cell, d))) dir = d;
        if (dir < 0) continue;
        /* Insertion into the sorted short list. */
        uint32_t at = spot_count < MAX_HARVESTERS ? spot_count : MAX_HARVESTERS;
        while (at > 0 && home[spots[at - 1].cell] > home[c]) at--;
        if (at >= MAX_HARVESTERS) continue;
        uint32_t last = spot_count < MAX_HARVESTERS ? spot_count : MAX_HARVESTERS - 1;
        for (uint32_t k = last; k > at; k--) spots[k] = spots[k - 1];
        spots[at].cell = cell;
        spots[at].dir = (uint8_t)dir;
        if (spot_count < MAX_HARVESTERS) spot_count++;
    }
    for (uint32_t s = 0; s < spot_count; s++) {
        bfs_field(&g, &spots[s].cell, 1, spot_field[s]);
        /* Mark the spot and a shortest path from home to it. */
        int32_t c = spots[s].cell;
        keep_clear[c] = 1;
        while (home[c] > 0) {
            int32_t next = NO_CELL;
            for (int d = 0; d < 4 && next == NO_CELL; d++) {
                int32_t n = step(&g, c, d);
                if (walkable(&g, n) && home[n] + 1 == home[c]) next = n;
            }
            if (next == NO_CELL) break;
            c = next;
            keep_clear[c] = 1;
        }
    }
    const ls_rules *r = &info->rules;
    uint32_t worth = r->harvest_amount ? r->unit_cost / r->harvest_amount : 0;
    if (worth < 2) worth = r->harvest_amount ? 2 : 0;
    harvester_cap = spot_count < worth ? spot_count : worth;
}

/* Enemy cores, nearest first by walking distance from ours. */
static void choose_targets(void) {
    target_count = 0;
    int32_t goals[4 * LS_MAX_PLAYERS];
    uint32_t goal_count = 0;
    for (uint32_t i = 0; i < info->core_count; i++) {
        const ls_core_info *c = &info->cores[i];
        int32_t cell = cell_of(&g, c->pos);
        if (c->owner == me || cell == NO_CELL) continue;
        goal_count += floor_around(&g, cell, goals + goal_count);
        target t = {c->owner, cell, min_home_around(cell)};
        uint32_t at = target_count++;
        while (at > 0 && targets[at - 1].steps > t.steps) {
            targets[at] = targets[at - 1];
            at--;
        }
        targets[at] = t;
    }
    bfs_field(&g, goals, goal_count, enemy_home);
}

int bot_init(const ls_match_info *match) {
    info = match;
    me = match->you;
    grid_init(&g, match);
    core_cell = NO_CELL;
    for (uint32_t i = 0; i < match->core_count; i++)
        if (match->cores[i].owner == me) core_cell = cell_of(&g, match->cores[i].pos);
    if (core_cell == NO_CELL) {
        bot_logf("no core of mine (player %u) in MatchInfo", me);
        return 1;
    }
    int32_t ring[4];
    bfs_field(&g, ring, floor_around(&g, core_cell, ring), home);
    clear_bytes(keep_clear, g.cells);
    choose_targets();
    choose_spots();
    roster_count = 0;
    if (target_count)
        bot_logf("c-kit: player %u, %u harvesters planned, target: core %c, %u steps away",
                 me, harvester_cap, 'A' + targets[0].owner, targets[0].steps);
    return 0;
}

static int eliminated(const ls_observation *obs, uint8_t player) {
    for (uint32_t i = 0; i < obs->eliminated_count; i++)
        if (obs->eliminated[i] == player) return 1;
    return 0;
}

/* Carries the roles of units still alive over, and gives new units theirs. */
static void update_roster(const ls_observation *obs) {
    static uint8_t fresh[LS_MAX_UNITS];
    uint32_t old = 0, count = 0, harvesters = 0, soldiers = 0;
    uint8_t claimed[MAX_HARVESTERS] = {0};
    for (uint32_t k = 0; k < obs->unit_count; k++) {
        const ls_unit_view *u = &obs->units[k];
        if (u->owner != me) continue;
        while (old < roster_count && roster[old].id < u->id) old++;
        fresh[count] = !(old < roster_count && roster[old].id == u->id);
        member m = fresh[count] ? (member){u->id, SOLDIER, 0, 0} : roster[old];
        if (!fresh[count]) {
            if (m.role == HARVESTER) claimed[m.spot] = 1;
            harvesters += m.role == HARVESTER;
            soldiers += m.role == SOLDIER;
        }
        next_roster[count++] = m;
    }
    /* New units: every other one harvests until the spots are taken. */
    for (uint32_t i = 0; i < count; i++) {
        if (!fresh[i]) continue;
        member *m = &next_roster[i];
        uint32_t s = 0;
        while (s < harvester_cap && claimed[s]) s++;
        if (s < harvester_cap && harvesters <= soldiers + 1) {
            m->role = HARVESTER;
            m->spot = (uint8_t)s;
            claimed[s] = 1;
            harvesters++;
        } else {
            soldiers++;
        }
    }
    for (uint32_t i = 0; i < count; i++) roster[i] = next_roster[i];
    roster_count = count;
}

/* Sends every waiting soldier when the wave is full, the match nearly over,
 * or the unit cap reached. */
static void update_wave(const ls_observation *obs, const target *t) {
    uint32_t waiting = 0;
    for (uint32_t i = 0; i < roster_count; i++)
        waiting += roster[i].role == SOLDIER && !roster[i].marching;
    if (!waiting || !t) return;
    int late = obs->tick + t->steps + LATE_MARGIN >= info->limits.max_ticks;
    int full = roster_count + 1 >= info->rules.max_units;
    if (waiting < WAVE_SIZE && !late && !full) return;
    for (uint32_t i = 0; i < roster_count; i++)
        if (roster[i].role == SOLDIER) roster[i].marching = 1;
    if (!late && !full) bot_logf("tick %u: a wave of %u marches", obs->tick, waiting);
}

/* One step down `field` to a cell we may enter, if that gets strictly closer
 * than `here`; -1 if none does. */
static int downhill(const uint32_t *field, int32_t cell, uint32_t here) {
    int best = -1;
    uint32_t best_value = here;
    for (int d = 0; d < 4; d++) {
        int32_t n = step(&g, cell, d);
        if (!plan_can_enter(&p, n)) continue;
        uint32_t v = field[n];
        if (field == march && p.who[n] && v >= OWN_PENALTY) v -= OWN_PENALTY; /* ours, leaving */
        if (v < best_value) {
            best_value = v;
            best = d;
        }
    }
    return best;
}

static void go(uint32_t unit, int32_t cell, int dir) {
    if (dir < 0) return;
    if (plan_lost_contest(&p, unit, cell, dir)) plan_ambush(&p, unit, cell, dir);
    else plan_move(&p, unit, cell, dir);
}

static void act(const ls_unit_view *u, const member *m, int defend) {
    int32_t cell = cell_of(&g, u->pos);
    int dir = plan_enemy_core_dir(&p, cell);
    if (dir < 0) dir = plan_weakest_enemy_dir(&p, cell);
    if (dir >= 0) {
        plan_stay(&p, LS_ATTACK, u->id, dir);
        return;
    }

    if (m->role == HARVESTER) {
        const spot *s = &spots[m->spot];
        const uint32_t *field = spot_field[m->spot];
        if (cell == s->cell) plan_stay(&p, LS_HARVEST, u->id, s->dir);
        else go(u->id, cell, downhill(field, cell, field[cell]));
        return;
    }
    if (defend && (!m->marching || home[cell] <= GUARD_STEPS)) {
        go(u->id, cell, downhill(door, cell, door[cell]));
        return;
    }
    if (!m->marching && home[cell] >= RALLY_STEPS && !g.cut[cell] && !keep_clear[cell])
        return; /* in place: wait for the wave */
    /* Our own cell carries our own penalty; a step must beat the true cost. */
    uint32_t here = march[cell];
    if (here == FAR) return;
    go(u->id, cell, downhill(march, cell, here >= OWN_PENALTY ? here - OWN_PENALTY : 0));
}

static void spawn(const ls_observation *obs) {
    if (obs->energy < info->rules.unit_cost || roster_count >= info->rules.max_units) return;
    int best = -1;
    uint32_t best_score = FAR;
    for (int d = 0; d < 4; d++) {
        int32_t n = step(&g, core_cell, d);
        if (!plan_can_enter(&p, n)) continue;
        /* Prefer empty cells no enemy can step into, then the way to the target. */
        uint32_t score = (march[n] == FAR ? 0xffff : march[n] & 0xffff);
        if (!plan_is_free(&p, n)) score += 1u << 17;
        if (plan_enemy_next_to(&p, n, NO_CELL)) score += 1u << 16;
        if (score < best_score) {
            best_score = score;
            best = d;
        }
    }
    if (best >= 0) plan_spawn(&p, core_cell, best);
}

uint32_t bot_tick(const ls_observation *obs, ls_action *out, uint32_t cap) {
    plan_begin(&p, &g, obs, me, out, cap);

    const target *t = 0;
    for (uint32_t i = 0; i < target_count && !t; i++)
        if (!eliminated(obs, targets[i].owner)) t = &targets[i];

    clear_bytes(penalty, g.cells);
    for (uint32_t k = 0; k < obs->unit_count; k++) {
        int32_t c = cell_of(&g, obs->units[k].pos);
        if (c != NO_CELL) penalty[c] = obs->units[k].owner == me ? OWN_PENALTY : ENEMY_PENALTY;
    }
    if (t) weighted_field(&g, t->cell, penalty, march);
    else
        for (uint32_t c = 0; c < g.cells; c++) march[c] = FAR;

    /* Intruders: enemy units a few steps from our core. */
    static int32_t intruders[LS_MAX_UNITS];
    uint32_t intruder_count = 0;
    for (uint32_t k = 0; k < obs->unit_count; k++) {
        int32_t c = cell_of(&g, obs->units[k].pos);
        if (obs->units[k].owner != me && c != NO_CELL && home[c] <= THREAT_STEPS)
            intruders[intruder_count++] = c;
    }
    if (intruder_count) bfs_field(&g, intruders, intruder_count, door);

    update_roster(obs);
    update_wave(obs, t);

    /* Our units nearest the target first, so a column follows its leader in
     * the same tick (the leader's cell is free once it is ordered away).
     * obs->units and the roster are both sorted by id. */
    uint32_t n = 0;
    for (uint32_t k = 0; k < obs->unit_count; k++) {
        if (obs->units[k].owner != me) continue;
        uint32_t key = march[cell_of(&g, obs->units[k].pos)];
        uint32_t at = n++;
        while (at > 0 && march[cell_of(&g, obs->units[order[at - 1]].pos)] > key) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = k;
    }
    for (uint32_t i = 0; i < n; i++) {
        const ls_unit_view *u = &obs->units[order[i]];
        /* The roster is sorted by id: binary search. */
        uint32_t lo = 0, hi = roster_count;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (roster[mid].id < u->id) lo = mid + 1;
            else hi = mid;
        }
        act(u, &roster[lo], intruder_count > 0);
    }
    spawn(obs);
    return p.count;
}
