/* Grid and searches. Everything here runs on static arrays: a freestanding
 * module has no allocator, and the biggest map (128x128) is small. */
#include "map.h"
#include "platform.h"

/* The order of the Direction enum: north, east, south, west. */
static const int8_t DX[4] = {0, 1, 0, -1};
static const int8_t DY[4] = {-1, 0, 1, 0};

int32_t step(const grid *g, int32_t cell, int dir) {
    if (cell == NO_CELL) return NO_CELL;
    int32_t x = cell % (int32_t)g->width + DX[dir];
    int32_t y = cell / (int32_t)g->width + DY[dir];
    if (x < 0 || y < 0 || x >= (int32_t)g->width || y >= (int32_t)g->height) return NO_CELL;
    return y * (int32_t)g->width + x;
}

int direction_to(const grid *g, int32_t from, int32_t to) {
    for (int d = 0; d < 4; d++)
        if (step(g, from, d) == to && to != NO_CELL) return d;
    return -1;
}

/* Whether the floor cell `cell` links neighbours that have no other way round
 * inside its 3x3 square. Orthogonal floor neighbours N, E, S, W form a ring;
 * two ring-neighbours are joined round the corner when the diagonal cell
 * between them is floor too. More than one group left = a cut. */
static int local_cut(const grid *g, int32_t cell) {
    int side[4], count = 0, links = 0;
    for (int d = 0; d < 4; d++) {
        side[d] = walkable(g, step(g, cell, d));
        count += side[d];
    }
    for (int d = 0; d < 4; d++) {
        int e = (d + 1) & 3;
        if (side[d] && side[e] && walkable(g, step(g, step(g, cell, d), e))) links++;
    }
    int groups = links == 4 ? 1 : count - links;
    return groups > 1;
}

void grid_init(grid *g, const ls_match_info *info) {
    g->width = info->width;
    g->height = info->height;
    g->cells = g->width * g->height;
    for (uint32_t c = 0; c < g->cells; c++) g->walk[c] = info->cells[c] == '.';
    for (uint32_t c = 0; c < g->cells; c++) {
        g->cut[c] = g->walk[c] && local_cut(g, (int32_t)c);
        for (int d = 0; d < 4; d++) {
            int32_t n = step(g, (int32_t)c, d);
            g->floor_next[c][d] = (int16_t)(walkable(g, n) ? n : NO_CELL);
        }
    }
}

uint32_t floor_around(const grid *g, int32_t cell, int32_t goals[4]) {
    uint32_t n = 0;
    for (int d = 0; d < 4; d++) {
        int32_t next = step(g, cell, d);
        if (walkable(g, next)) goals[n++] = next;
    }
    return n;
}

static uint16_t queue[LS_MAX_CELLS];

void bfs_field(const grid *g, const int32_t *goals, uint32_t goal_count, uint32_t *field) {
    for (uint32_t c = 0; c < g->cells; c++) field[c] = FAR;
    uint32_t head = 0, tail = 0;
    for (uint32_t i = 0; i < goal_count; i++) {
        int32_t c = goals[i];
        if (walkable(g, c) && field[c] == FAR) {
            field[c] = 0;
            queue[tail++] = (uint16_t)c;
        }
    }
    while (head < tail) {
        int32_t c = queue[head++];
        uint32_t next_cost = field[c] + 1;
        for (int d = 0; d < 4; d++) {
            int32_t n = g->floor_next[c][d];
            if (n != NO_CELL && field[n] == FAR) {
                field[n] = next_cost;
                queue[tail++] = (uint16_t)n;
            }
        }
    }
}

/* Dial's buckets: every queued cost lies in cur .. cur + MAX_PENALTY + 1,
 * so a ring one longer than that never wraps onto the bucket being drained.
 * Each bucket is a stack of entries in one pool. A cell is pushed again when
 * its cost drops, which happens at most once per neighbour: the pool never
 * needs more than 4 entries a cell. Entries whose cost is no longer the
 * cell's are stale and skipped. */
#define RING (MAX_PENALTY + 2)
typedef struct {
    int32_t cell;
    int32_t below; /* the next entry down this bucket's stack, or -1 */
} entry;
static int32_t bucket_top[RING];
static entry pool[4 * LS_MAX_CELLS + 4];

void weighted_field(const grid *g, int32_t target, const uint8_t *penalty, uint32_t *field) {
    for (uint32_t c = 0; c < g->cells; c++) field[c] = FAR;
    for (int i = 0; i < RING; i++) bucket_top[i] = -1;
    int32_t used = 0;
    uint32_t pending = 0;

    int32_t starts[4];
    uint32_t start_count = floor_around(g, target, starts);
    for (uint32_t i = 0; i < start_count; i++) {
        int32_t c = starts[i];
        uint32_t cost = penalty[c];
        if (cost >= field[c]) continue;
        field[c] = cost;
        pool[used] = (entry){c, bucket_top[cost % RING]};
        bucket_top[cost % RING] = used++;
        pending++;
    }
    for (uint32_t cur = 0; pending > 0; cur++) {
        uint32_t slot = cur % RING;
        while (bucket_top[slot] >= 0) {
            entry e = pool[bucket_top[slot]];
            bucket_top[slot] = e.below;
            pending--;
            if (field[e.cell] != cur) continue; /* stale: reached more cheaply since */
            for (int d = 0; d < 4; d++) {
                int32_t n = g->floor_next[e.cell][d];
                if (n == NO_CELL) continue;
                uint32_t cost = cur + 1 + penalty[n];
                if (cost >= field[n]) continue;
                field[n] = cost;
                pool[used] = (entry){n, bucket_top[cost % RING]};
                bucket_top[cost % RING] = used++;
                pending++;
            }
        }
    }
}
