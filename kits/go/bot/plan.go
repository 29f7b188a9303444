package bot

import "lockstep.dev/kit/wire"

// Plan is this tick's orders under construction, with who stands where, so
// that no two of our units are sent into one cell, nobody walks into a unit
// that stays, and the core never spawns onto a cell that will still be
// occupied.
type Plan struct {
	me   uint8
	grid *Grid
	obs  *wire.Observation
	// Orders are this tick's actions; the slice is reused from tick to tick.
	Orders []wire.Action
	// who[c]: 1 + index into obs.Units of the unit on cell c; 0 = nobody.
	who     []int32
	enemyAt []bool
	// taken: one of our moves or the spawn targets this cell.
	taken []bool
	// leaving: our unit here moves away this tick, to a cell no enemy can contest.
	leaving []bool
	// bumped: last tick's moves that collided (from obs.Rejected).
	bumped []wire.Action
}

func NewPlan(me uint8, g *Grid) *Plan {
	return &Plan{
		me: me, grid: g,
		who:     make([]int32, g.Cells),
		enemyAt: make([]bool, g.Cells),
		taken:   make([]bool, g.Cells),
		leaving: make([]bool, g.Cells),
	}
}

// Begin starts a tick: forgets the last one and records where every visible unit is.
func (p *Plan) Begin(obs *wire.Observation) {
	p.obs = obs
	p.Orders = p.Orders[:0]
	clear(p.who)
	clear(p.enemyAt)
	clear(p.taken)
	clear(p.leaving)
	p.bumped = p.bumped[:0]
	for _, r := range obs.Rejected {
		if r.Action.Kind == wire.Move && r.Reason == wire.MoveCollided {
			p.bumped = append(p.bumped, r.Action)
		}
	}
	for k, u := range obs.Units {
		if p.grid.Inside(u.Pos) {
			c := p.grid.Idx(u.Pos)
			p.who[c] = int32(k + 1)
			p.enemyAt[c] = u.Owner != p.me
		}
	}
}

// CanEnter: one of our units may be sent into cell c (floor, not claimed, empty or being left).
func (p *Plan) CanEnter(c int) bool {
	return c >= 0 && p.grid.Floor[c] && !p.taken[c] && (p.who[c] == 0 || p.leaving[c])
}

// IsFree is CanEnter, but only for cells that are empty right now.
func (p *Plan) IsFree(c int) bool {
	return c >= 0 && p.grid.Floor[c] && !p.taken[c] && p.who[c] == 0
}

// EnemyNextTo reports whether an enemy unit stands next to cell c, other than on cell except.
func (p *Plan) EnemyNextTo(c, except int) bool {
	for _, n := range p.grid.Near[c*4 : c*4+4] {
		if n >= 0 && int(n) != except && p.enemyAt[n] {
			return true
		}
	}
	return false
}

func (p *Plan) OrderMove(unit uint32, from, dir int) {
	to := int(p.grid.Near[from*4+dir])
	p.taken[to] = true
	// An enemy next to `to` may want it too; then both stay, and so would
	// anyone following us: only a safe move frees our cell for the next one.
	p.leaving[from] = !p.EnemyNextTo(to, from)
	p.Orders = append(p.Orders, wire.Action{Kind: wire.Move, Unit: unit, Dir: uint8(dir)})
}

// OrderAmbush attacks the cell in dir (whoever steps in gets hit) and keeps our own out of it.
func (p *Plan) OrderAmbush(unit uint32, from, dir int) {
	p.taken[p.grid.Near[from*4+dir]] = true
	p.Orders = append(p.Orders, wire.Action{Kind: wire.Attack, Unit: unit, Dir: uint8(dir)})
}

func (p *Plan) OrderSpawn(core, dir int) {
	p.taken[p.grid.Near[core*4+dir]] = true
	p.Orders = append(p.Orders, wire.Action{Kind: wire.Spawn, Dir: uint8(dir)})
}

func (p *Plan) Order(kind wire.ActionKind, unit uint32, dir int) {
	p.Orders = append(p.Orders, wire.Action{Kind: kind, Unit: unit, Dir: uint8(dir)})
}

// Contested reports whether moving unit from cell `from` in dir is a contest
// it lost last tick: the same move collided, and an enemy stands next to the
// cell, ready to step in again. Moving again would just collide again.
func (p *Plan) Contested(unit uint32, from, dir int) bool {
	for _, a := range p.bumped {
		if a.Unit == unit && int(a.Dir) == dir {
			return p.EnemyNextTo(int(p.grid.Near[from*4+dir]), from)
		}
	}
	return false
}

// WeakestEnemyNextTo is the direction of the weakest enemy unit next to cell c
// (ties: lowest id), or -1.
func (p *Plan) WeakestEnemyNextTo(c int) int {
	best, bestHp, bestID := -1, 1<<30, uint32(1<<32-1)
	for d, n := range p.grid.Near[c*4 : c*4+4] {
		if n < 0 || !p.enemyAt[n] {
			continue
		}
		u := &p.obs.Units[p.who[n]-1]
		if int(u.Hp) < bestHp || (int(u.Hp) == bestHp && u.ID < bestID) {
			best, bestHp, bestID = d, int(u.Hp), u.ID
		}
	}
	return best
}

// EnemyCoreNextTo is the direction of a visible live enemy core next to cell c
// (lowest owner first), or -1.
func (p *Plan) EnemyCoreNextTo(c int) int {
	for _, core := range p.obs.Cores {
		if core.Owner != p.me && core.Hp > 0 && p.grid.Inside(core.Pos) {
			if d := p.grid.DirTo(c, p.grid.Idx(core.Pos)); d >= 0 {
				return d
			}
		}
	}
	return -1
}
