package bot

import (
	"slices"

	"lockstep.dev/kit/wire"
)

// syncRoles carries each unit's role over from last tick (both lists are
// sorted by id, so one merge walk does it); new units get one.
func (b *Bot) syncRoles(obs *wire.Observation) {
	b.roles, b.oldRoles = b.oldRoles[:0], b.roles
	for s := range b.spots {
		b.spots[s].held = false
	}
	k := 0
	for _, u := range obs.Units {
		if u.Owner != b.me {
			continue
		}
		for k < len(b.oldRoles) && b.oldRoles[k].id < u.ID {
			k++
		}
		r := role{id: u.ID, kind: Waiting, spot: -1}
		if k < len(b.oldRoles) && b.oldRoles[k].id == u.ID {
			r = b.oldRoles[k]
			if r.spot >= 0 {
				b.spots[r.spot].held = true
			}
		} else {
			r.spot = -2 // new: decided below, once the survivors hold their spots
		}
		b.roles = append(b.roles, r)
	}
	for i := range b.roles {
		if b.roles[i].spot != -2 {
			continue
		}
		b.roles[i].spot = b.freeSpot()
		if b.roles[i].spot >= 0 {
			b.roles[i].kind = Harvester
			b.spots[b.roles[i].spot].held = true
		}
	}
}

func (b *Bot) freeSpot() int {
	for s := range b.spots {
		if !b.spots[s].held {
			return s
		}
	}
	return -1
}

// pickTarget keeps the nearest enemy core still in the match; the rally cells face it.
func (b *Bot) pickTarget(obs *wire.Observation) {
	t := max(b.current, 0)
	for t < len(b.targets) && slices.Contains(obs.Eliminated, b.targets[t].owner) {
		t++
	}
	if t >= len(b.targets) {
		t = -1
	}
	if t != b.current && t >= 0 {
		b.placeRally(b.targets[t].cell)
	}
	b.current = t
}

// decideWave sends the waiting soldiers when there are enough, when time runs
// short, or at the unit cap.
func (b *Bot) decideWave(obs *wire.Observation) {
	if b.current < 0 {
		return
	}
	waiting := 0
	for _, r := range b.roles {
		if r.kind == Waiting {
			waiting++
		}
	}
	late := int64(obs.Tick)+int64(b.targets[b.current].dist)+LateMargin >= int64(b.maxTicks)
	full := len(b.roles) >= b.maxUnits-1
	if waiting >= WaveSize || (waiting > 0 && (late || full)) {
		for i := range b.roles {
			if b.roles[i].kind == Waiting {
				b.roles[i].kind = Marching
			}
		}
	}
}

// findIntruders: enemy units near our core give a BFS field for the guards to walk down.
func (b *Bot) findIntruders(obs *wire.Observation) {
	g := b.grid
	b.goals = b.goals[:0]
	for _, u := range obs.Units {
		if u.Owner != b.me && g.Inside(u.Pos) && b.home[g.Idx(u.Pos)] <= ThreatSteps {
			b.goals = append(b.goals, int32(g.Idx(u.Pos)))
		}
	}
	b.defending = len(b.goals) > 0
	if b.defending {
		g.BFS(b.goals, b.defField)
	}
}

func (b *Bot) computeMarchField(obs *wire.Observation) {
	if b.current < 0 || !slices.ContainsFunc(b.roles, func(r role) bool { return r.kind == Marching }) {
		return
	}
	g := b.grid
	clear(b.penalty)
	r := 0
	for _, u := range obs.Units {
		cost := uint8(EnemyPenalty)
		if u.Owner == b.me {
			cost = SettledPenalty
			if b.roles[r].kind == Marching {
				cost = MarchPenalty
			}
			r++
		}
		if g.Inside(u.Pos) {
			b.penalty[g.Idx(u.Pos)] = cost
		}
	}
	g.Weighted(b.targets[b.current].cell, b.penalty, b.marchField)
}

// fieldOf is the field a unit walks down this tick, by its role.
func (b *Bot) fieldOf(r role, cell int) []int32 {
	switch {
	case r.kind == Harvester:
		return b.spots[r.spot].field
	case b.defending && b.home[cell] <= GuardSteps && (r.kind == Waiting || b.home[cell] <= ThreatSteps):
		return b.defField
	case r.kind == Marching && b.current >= 0:
		return b.marchField
	}
	return b.rallyField
}

// sortActors lists our units nearest to their goal first, so a column
// follows its leader in one tick.
func (b *Bot) sortActors(obs *wire.Observation) {
	g := b.grid
	b.actors = b.actors[:0]
	r := -1
	for n, u := range obs.Units {
		if u.Owner != b.me {
			continue
		}
		r++
		if !g.Inside(u.Pos) || !g.Floor[g.Idx(u.Pos)] {
			continue
		}
		c := g.Idx(u.Pos)
		b.actors = append(b.actors, actor{unit: n, role: r, key: b.fieldOf(b.roles[r], c)[c]})
	}
	// Stable, so ties stay in id order.
	slices.SortStableFunc(b.actors, func(x, y actor) int { return int(x.key - y.key) })
}

func (b *Bot) act(obs *wire.Observation, n, ri int) {
	p := b.plan
	u := &obs.Units[n]
	c := b.grid.Idx(u.Pos)
	dir := p.EnemyCoreNextTo(c)
	if dir < 0 {
		dir = p.WeakestEnemyNextTo(c)
	}
	if dir >= 0 {
		p.Order(wire.Attack, u.ID, dir)
		return
	}
	r := b.roles[ri]
	if r.kind == Harvester && c == b.spots[r.spot].cell {
		p.Order(wire.Harvest, u.ID, b.spots[r.spot].dir)
		return
	}
	field := b.fieldOf(r, c)
	weighted := r.kind == Marching && &field[0] == &b.marchField[0]
	if dir = b.downhill(field, c, weighted); dir < 0 {
		return
	}
	// Lost this very contest last tick? Half the time, hold and hit the cell
	// instead (at random, so two such bots cannot lock each other up).
	if p.Contested(u.ID, c, dir) && b.nextRandom()&1 == 0 {
		p.OrderAmbush(u.ID, c, dir)
	} else {
		p.OrderMove(u.ID, c, dir)
	}
}

// downhill is the best step down field from cell c into a cell we may enter,
// or -1. On the weighted march field our own units' penalties do not count
// where they are leaving (their cell is free this tick) nor on our own cell.
func (b *Bot) downhill(field []int32, c int, weighted bool) int {
	here := field[c]
	if here == Inf {
		return -1
	}
	best, dir := here, -1
	if weighted {
		best -= int32(b.penalty[c])
	}
	for d, n := range b.grid.FloorNear[c*4 : c*4+4] {
		if n < 0 || !b.plan.CanEnter(int(n)) {
			continue
		}
		v := field[n]
		if weighted && b.plan.who[n] != 0 {
			v -= int32(b.penalty[n])
		}
		if v < best {
			best, dir = v, d
		}
	}
	return dir
}

func (b *Bot) spawn(obs *wire.Observation) {
	if obs.Energy < b.unitCost || len(b.roles) >= b.maxUnits {
		return
	}
	p := b.plan
	// Towards the harvest cell it will take, else towards the rally cells.
	field := b.rallyField
	if s := b.freeSpot(); s >= 0 {
		field = b.spots[s].field
	}
	// Prefer a cell that is empty and no enemy can step into; else any empty
	// one; else one our own unit is leaving this tick.
	bestDir, bestKey := -1, int64(1)<<62
	for d, n := range b.grid.FloorNear[b.core*4 : b.core*4+4] {
		if n < 0 || !p.CanEnter(int(n)) {
			continue
		}
		tier := int64(2)
		if p.IsFree(int(n)) {
			tier = 0
			if p.EnemyNextTo(int(n), -1) {
				tier = 1
			}
		}
		if key := tier<<32 + int64(field[n]); key < bestKey {
			bestDir, bestKey = d, key
		}
	}
	if bestDir >= 0 {
		p.OrderSpawn(b.core, bestDir)
	}
}

// nextRandom is splitmix64.
func (b *Bot) nextRandom() uint64 {
	b.rng += 0x9e3779b97f4a7c15
	z := b.rng
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
