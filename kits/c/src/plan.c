#include "plan.h"
#include "platform.h"

void plan_begin(plan *p, const grid *g, const ls_observation *obs, uint8_t me,
                ls_action *out, uint32_t cap) {
    p->g = g;
    p->obs = obs;
    p->me = me;
    p->actions = out;
    p->count = 0;
    p->cap = cap;
    clear_bytes(p->who, g->cells * sizeof p->who[0]);
    clear_bytes(p->enemy, g->cells);
    clear_bytes(p->taken, g->cells);
    clear_bytes(p->leaving, g->cells);
    for (uint32_t k = 0; k < obs->unit_count; k++) {
        int32_t c = cell_of(g, obs->units[k].pos);
        if (c == NO_CELL) continue;
        p->who[c] = (uint16_t)(k + 1);
        p->enemy[c] = obs->units[k].owner != me;
    }
}

int plan_can_enter(const plan *p, int32_t cell) {
    return walkable(p->g, cell) && !p->taken[cell] && (!p->who[cell] || p->leaving[cell]);
}

int plan_is_free(const plan *p, int32_t cell) {
    return walkable(p->g, cell) && !p->taken[cell] && !p->who[cell];
}

int plan_enemy_next_to(const plan *p, int32_t cell, int32_t except) {
    for (int d = 0; d < 4; d++) {
        int32_t n = step(p->g, cell, d);
        if (n != NO_CELL && n != except && p->enemy[n]) return 1;
    }
    return 0;
}

int plan_weakest_enemy_dir(const plan *p, int32_t cell) {
    int best = -1;
    const ls_unit_view *weakest = 0;
    for (int d = 0; d < 4; d++) {
        int32_t n = step(p->g, cell, d);
        if (n == NO_CELL || !p->enemy[n]) continue;
        const ls_unit_view *u = &p->obs->units[p->who[n] - 1];
        if (!weakest || u->hp < weakest->hp || (u->hp == weakest->hp && u->id < weakest->id)) {
            weakest = u;
            best = d;
        }
    }
    return best;
}

int plan_enemy_core_dir(const plan *p, int32_t cell) {
    for (uint32_t i = 0; i < p->obs->core_count; i++) {
        const ls_core_view *c = &p->obs->cores[i];
        if (c->owner == p->me || c->hp == 0) continue;
        int d = direction_to(p->g, cell, cell_of(p->g, c->pos));
        if (d >= 0) return d;
    }
    return -1;
}

int plan_lost_contest(const plan *p, uint32_t unit, int32_t cell, int dir) {
    const ls_observation *obs = p->obs;
    for (uint32_t i = 0; i < obs->rejected_count; i++) {
        const ls_rejection *r = &obs->rejected[i];
        if (r->reason == LS_MOVE_COLLIDED && r->action.kind == LS_MOVE &&
            r->action.unit == unit && r->action.dir == dir)
            return plan_enemy_next_to(p, step(p->g, cell, dir), cell);
    }
    return 0;
}

static void push(plan *p, uint8_t kind, uint32_t unit, int dir) {
    if (p->count >= p->cap) return; /* past max_actions: the host would refuse it */
    ls_action *a = &p->actions[p->count++];
    a->kind = kind;
    a->unit = unit;
    a->dir = (uint8_t)dir;
}

void plan_move(plan *p, uint32_t unit, int32_t from, int dir) {
    int32_t to = step(p->g, from, dir);
    if (to == NO_CELL) return;
    p->taken[to] = 1;
    /* An enemy next to `to` may want it too; then both stay, and so would
     * whoever follows us: only a move nobody contests frees our cell. */
    p->leaving[from] = !plan_enemy_next_to(p, to, from);
    push(p, LS_MOVE, unit, dir);
}

void plan_stay(plan *p, uint8_t kind, uint32_t unit, int dir) {
    push(p, kind, unit, dir);
}

void plan_ambush(plan *p, uint32_t unit, int32_t from, int dir) {
    int32_t to = step(p->g, from, dir);
    if (to != NO_CELL) p->taken[to] = 1;
    push(p, LS_ATTACK, unit, dir);
}

void plan_spawn(plan *p, int32_t core, int dir) {
    int32_t to = step(p->g, core, dir);
    if (to == NO_CELL) return;
    p->taken[to] = 1;
    push(p, LS_SPAWN, 0, dir);
}
