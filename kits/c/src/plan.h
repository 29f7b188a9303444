/* This tick's orders under construction, with who stands where, so that no
 * two of our units are sent into one cell, nobody walks into a unit that
 * stays, and the core never spawns onto a cell that will still be taken. */
#ifndef LOCKSTEP_PLAN_H
#define LOCKSTEP_PLAN_H

#include "map.h"

typedef struct {
    const grid *g;
    const ls_observation *obs;
    uint8_t me;
    /* 1 + index into obs->units of the unit standing on a cell; 0 = nobody. */
    uint16_t who[LS_MAX_CELLS];
    /* An enemy unit stands here. */
    uint8_t enemy[LS_MAX_CELLS];
    /* One of our moves (or the spawn) targets this cell. */
    uint8_t taken[LS_MAX_CELLS];
    /* Our unit here was ordered away, to a cell no enemy can contest, so the
     * cell will be free after the moves. */
    uint8_t leaving[LS_MAX_CELLS];
    ls_action *actions;
    uint32_t count, cap;
} plan;

/* Starts a tick: forgets the last one and notes where every visible unit is. */
void plan_begin(plan *p, const grid *g, const ls_observation *obs, uint8_t me,
                ls_action *out, uint32_t cap);

/* Whether one of our units may be sent into `cell`: floor, no other order
 * heading there, and empty or being left by one of ours. */
int plan_can_enter(const plan *p, int32_t cell);

/* Like plan_can_enter, but only cells that are empty right now. */
int plan_is_free(const plan *p, int32_t cell);

/* Whether an enemy unit stands next to `cell` (other than on `except`). */
int plan_enemy_next_to(const plan *p, int32_t cell, int32_t except);

/* The direction of the weakest enemy unit next to `cell` (ties: lowest id),
 * or -1. */
int plan_weakest_enemy_dir(const plan *p, int32_t cell);

/* The direction of a live enemy core next to `cell`, or -1. */
int plan_enemy_core_dir(const plan *p, int32_t cell);

/* Whether last tick `unit`'s move in `dir` collided (obs->rejected) and an
 * enemy still stands next to that cell: moving again would just collide
 * again, so the caller attacks the cell instead and hits whoever steps in. */
int plan_lost_contest(const plan *p, uint32_t unit, int32_t cell, int dir);

void plan_move(plan *p, uint32_t unit, int32_t from, int dir);
/* Any order that keeps the unit where it is (attack, harvest). */
void plan_stay(plan *p, uint8_t kind, uint32_t unit, int dir);
/* Attacks the cell in `dir` and keeps our other units out of it. */
void plan_ambush(plan *p, uint32_t unit, int32_t from, int dir);
void plan_spawn(plan *p, int32_t core, int dir);

#endif
