/* The static map as a walkability grid, and the distance fields the bot
 * steers by. Cells are numbered y * width + x. */
#ifndef LOCKSTEP_MAP_H
#define LOCKSTEP_MAP_H

#include "wire.h"

/* Distance of a cell no search reached. */
#define FAR 0xffffffffu
/* No cell (off the map). */
#define NO_CELL (-1)

typedef struct {
    uint32_t width, height, cells;
    /* Floor: the only cells a unit may stand on. */
    uint8_t walk[LS_MAX_CELLS];
    /* floor_next[c][d]: the floor neighbour of cell c in direction d, or
     * NO_CELL. Precomputed so that the searches, which run every tick, do no
     * coordinate arithmetic: this halves their fuel. */
    int16_t floor_next[LS_MAX_CELLS][4];
    /* Floor cells whose blocking cuts their own neighbours apart, seen from
     * the 3x3 square around them. A unit that settles on one may wall off a
     * corridor, so settled units (harvesters, waiting soldiers) avoid them. */
    uint8_t cut[LS_MAX_CELLS];
} grid;

void grid_init(grid *g, const ls_match_info *info);

static inline int32_t cell_of(const grid *g, ls_pos p) {
    return p.x < g->width && p.y < g->height ? (int32_t)(p.y * g->width + p.x) : NO_CELL;
}

/* The neighbour of `cell` in direction `dir` (LS_NORTH..LS_WEST), or NO_CELL. */
int32_t step(const grid *g, int32_t cell, int dir);

static inline int walkable(const grid *g, int32_t cell) {
    return cell != NO_CELL && g->walk[cell];
}

/* The direction from `from` to the neighbouring cell `to`, or -1. */
int direction_to(const grid *g, int32_t from, int32_t to);

/* Plain multi-source BFS over floor: field[c] = steps from the nearest of the
 * walkable `goals` (FAR where unreachable). */
void bfs_field(const grid *g, const int32_t *goals, uint32_t goal_count, uint32_t *field);

/* The walkable neighbours of `cell` (a core, a source...), as goals: returns
 * how many were written to goals[0..4]. */
uint32_t floor_around(const grid *g, int32_t cell, int32_t goals[4]);

/* Highest penalty weighted_field accepts. */
#define MAX_PENALTY 8

/* Weighted distance from the floor around `target`: entering cell c costs
 * 1 + penalty[c] (penalty[c] <= MAX_PENALTY), the start cells cost their
 * penalty. Dial's algorithm: a ring of buckets of (cell, cost) entries,
 * stale ones skipped, so it needs no heap and no allocator. */
void weighted_field(const grid *g, int32_t target, const uint8_t *penalty, uint32_t *field);

#endif
