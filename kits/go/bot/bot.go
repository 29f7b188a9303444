// Package bot is Prospector: harvest, hold, then strike in waves.
//
// Every unit gets a role for life when it is first seen:
//   - harvester (the first units, one per source-side cell near the core, at
//     most MaxHarvesters): walks to its own cell next to an energy source and
//     harvests every tick. Each one adds an energy per tick to the core's one,
//     so the core soon spawns every other tick instead of every tenth.
//   - soldier: waits on a rally cell a few steps out, on the side facing the
//     enemy, and goes for any enemy unit that comes near the core. When
//     WaveSize soldiers are waiting they all march, together, to the nearest
//     enemy core and hit it. Late in the match, or at the unit cap, whoever
//     waits marches, so the core is hit before the tick limit.
//
// Everyone first hits an adjacent enemy core, else the weakest adjacent enemy.
//
// Paths: plain BFS fields for the static goals (home, each harvest cell, the
// rally cells), computed once; for marching, a weighted field from the target
// core every tick (Dial's algorithm): a cell with one of our marching units
// costs a little more, an enemy more, a settled unit of ours (harvesting or
// waiting) most, so the wave flows round the crowd and spreads over every
// side of the core. Units act nearest-to-goal first, so a column follows its
// leader in the same tick, and no two of ours are sent into one cell.
package bot

import (
	"slices"
	"strconv"

	"lockstep.dev/kit/wire"
)

const (
	MaxHarvesters = 4
	// HarvestReach: source-side cells farther than this from the core are not worth the walk.
	HarvestReach = 16
	// WaveSize soldiers gathered make a wave march.
	WaveSize = 6
	// ThreatSteps: enemy units this many steps from the core (or closer) are intruders.
	ThreatSteps = 6
	// GuardSteps: units this close to home answer intruders.
	GuardSteps = 10
	// Rally cells lie RallyMin..RallyMax steps from the core.
	RallyMin, RallyMax, RallyCells = 2, 4, 12
	// LateMargin: waiting soldiers leave anyway when the tick limit is this close, beyond the march.
	LateMargin = 40
	// Extra march cost of a cell holding one of our marching units, an enemy, a settled unit of ours.
	MarchPenalty, EnemyPenalty, SettledPenalty = 2, 4, 8
)

// Role of one of our units.
type Role uint8

const (
	Harvester Role = iota
	Waiting
	Marching
)

type role struct {
	id   uint32
	kind Role
	spot int // index into spots for a harvester, else -1
}

type spot struct {
	cell  int
	dir   int     // from the cell to its source
	field []int32 // BFS to the cell
	held  bool
}

type target struct {
	owner uint8
	cell  int
	dist  int32 // steps from our core
}

// actor is one of our units this tick, in the order they act.
type actor struct {
	unit, role int // indices into obs.Units and Bot.roles
	key        int32
}

type Bot struct {
	me       uint8
	grid     *Grid
	plan     *Plan
	core     int // -1 without a core of ours on the map
	unitCost uint32
	maxUnits int
	maxTicks uint32
	rng      uint64 // splitmix64 state, seeded from MatchInfo.Seed: the only randomness

	home       []int32  // steps from the floor around our core
	targets    []target // enemy cores, nearest first by walking distance
	current    int      // index into targets of the core we go for; -1 before the first tick
	rallyField []int32  // BFS from the rally cells, which face the current target
	spots      []spot   // harvest cells, nearest first

	roles, oldRoles []role // our living units, sorted by id; rebuilt each tick

	// This tick.
	penalty    []uint8
	marchField []int32
	defField   []int32
	defending  bool
	actors     []actor
	goals      []int32
}

// New prepares the bot for a match; the returned line is for the bot's log.
func New(info *wire.MatchInfo) (*Bot, string) {
	g := NewGrid(info)
	b := &Bot{
		me: info.You, grid: g, plan: NewPlan(info.You, g), core: -1, current: -1,
		unitCost: info.Rules.UnitCost, maxUnits: int(info.Rules.MaxUnits),
		maxTicks: info.Limits.MaxTicks, rng: info.Seed,
		home:       make([]int32, g.Cells),
		rallyField: make([]int32, g.Cells),
		penalty:    make([]uint8, g.Cells),
		marchField: make([]int32, g.Cells),
		defField:   make([]int32, g.Cells),
		goals:      make([]int32, 0, g.Cells),
	}
	for _, c := range info.Cores {
		if c.Owner == info.You && g.Inside(c.Pos) {
			b.core = g.Idx(c.Pos)
		}
	}
	if b.core < 0 {
		return b, "prospector: no core of ours on the map; idle"
	}
	g.BFSAround(b.core, b.home)
	b.findTargets(info)
	b.findSpots(info)
	if len(b.targets) == 0 {
		return b, "prospector: no enemy core"
	}
	t := b.targets[0]
	// strconv, not fmt: fmt would add about 0.6 MB (reflection, Unicode tables) to the module.
	return b, "prospector: player " + strconv.Itoa(int(b.me)) + " goes for the core of player " +
		strconv.Itoa(int(t.owner)) + ", " + strconv.Itoa(int(t.dist)) + " steps away; " +
		strconv.Itoa(len(b.spots)) + " harvest cells"
}

// Tick returns this tick's orders (a slice reused by the next tick).
func (b *Bot) Tick(obs *wire.Observation) []wire.Action {
	b.plan.Begin(obs)
	if b.core < 0 {
		return b.plan.Orders
	}
	b.syncRoles(obs)
	b.pickTarget(obs)
	b.decideWave(obs)
	b.findIntruders(obs)
	b.computeMarchField(obs)
	b.sortActors(obs)
	for _, a := range b.actors {
		b.act(obs, a.unit, a.role)
	}
	b.spawn(obs)
	return b.plan.Orders
}

// ---- Setup (once) ---------------------------------------------------------

func (b *Bot) findTargets(info *wire.MatchInfo) {
	g := b.grid
	for _, c := range info.Cores {
		if c.Owner == b.me || !g.Inside(c.Pos) {
			continue
		}
		cell, dist := g.Idx(c.Pos), Inf
		for _, f := range g.FloorNear[cell*4 : cell*4+4] {
			if f >= 0 {
				dist = min(dist, b.home[f])
			}
		}
		b.targets = append(b.targets, target{c.Owner, cell, dist})
	}
	// Stable: cores arrive by owner, so ties stay in owner order.
	slices.SortStableFunc(b.targets, func(x, y target) int { return int(x.dist - y.dist) })
}

func (b *Bot) findSpots(info *wire.MatchInfo) {
	g := b.grid
	// Every floor cell next to a source, at most HarvestReach steps out but
	// not next to the core (those cells are where units are spawned).
	var cand []spot
	for _, s := range info.Sources {
		if !g.Inside(s) {
			continue
		}
		src := g.Idx(s)
		for d, f := range g.FloorNear[src*4 : src*4+4] {
			if f < 0 || b.home[f] == 0 || b.home[f] > HarvestReach {
				continue
			}
			if slices.ContainsFunc(cand, func(c spot) bool { return c.cell == int(f) }) {
				continue // next to two sources: still one harvester
			}
			cand = append(cand, spot{cell: int(f), dir: (d + 2) % 4}) // back to the source
		}
	}
	slices.SortFunc(cand, func(x, y spot) int {
		if dx, dy := b.home[x.cell], b.home[y.cell]; dx != dy {
			return int(dx - dy)
		}
		return x.cell - y.cell
	})
	for _, s := range cand[:min(len(cand), MaxHarvesters)] {
		s.field = make([]int32, g.Cells)
		g.BFS([]int32{int32(s.cell)}, s.field)
		b.spots = append(b.spots, s)
	}
}

// placeRally picks the rally cells: RallyMin..RallyMax steps out, nearest to the target first.
func (b *Bot) placeRally(target int) {
	g := b.grid
	toTarget := b.marchField // scratch: rebuilt before any march
	g.BFSAround(target, toTarget)
	b.goals = b.goals[:0]
	for i := 0; i < g.Cells; i++ {
		h := b.home[i]
		if h < RallyMin || h > RallyMax || toTarget[i] == Inf || b.isSpot(i) {
			continue
		}
		b.goals = append(b.goals, int32(i))
	}
	slices.SortStableFunc(b.goals, func(x, y int32) int { return int(toTarget[x] - toTarget[y]) })
	g.BFS(b.goals[:min(len(b.goals), RallyCells)], b.rallyField)
}

func (b *Bot) isSpot(cell int) bool {
	for _, s := range b.spots {
		if s.cell == cell {
			return true
		}
	}
	return false
}
