package bot

import (
	"testing"

	"lockstep.dev/kit/wire"
)

// corridor is a closed 9x3 corridor: core A at (1,1), a source in the top
// wall at (3,0), core B at (7,1).
func corridor() *wire.MatchInfo {
	return &wire.MatchInfo{
		AbiVersion: 1, You: 0, Players: 2, Seed: 300, Width: 9, Height: 3,
		Rows:    []string{"###*#####", "#A.....B#", "#########"},
		Sources: []wire.Pos{{X: 3, Y: 0}},
		Cores:   []wire.CoreInfo{{Owner: 0, Pos: wire.Pos{X: 1, Y: 1}}, {Owner: 1, Pos: wire.Pos{X: 7, Y: 1}}},
		Rules:   wire.Rules{CoreHp: 200, UnitHp: 10, UnitDamage: 2, UnitCost: 10, StartEnergy: 30, CoreIncome: 1, HarvestAmount: 1, UnitVision2: 25, CoreVision2: 49, MaxUnits: 50},
		Limits:  wire.Limits{MaxTicks: 500, InitFuel: 200_000_000, TickFuel: 20_000_000, MaxActions: 256, MaxOutputBytes: 65_536, MaxLogLines: 16, MaxLogLineBytes: 256, MaxMemoryBytes: 64 << 20},
	}
}

func expect(t *testing.T, got []wire.Action, want ...wire.Action) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("orders %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("orders %v, want %v", got, want)
		}
	}
}

func TestCorridor(t *testing.T) {
	b, line := New(corridor())
	if len(b.spots) != 1 || b.spots[0].cell != 9+3 || b.spots[0].dir != int(wire.North) {
		t.Fatalf("harvest cells %+v, want one at (3,1) facing north", b.spots)
	}
	if want := "prospector: player 0 goes for the core of player 1, 4 steps away; 1 harvest cells"; line != want {
		t.Fatalf("log line %q", line)
	}
	own := wire.CoreView{Owner: 0, Pos: wire.Pos{X: 1, Y: 1}, Hp: 200}
	obs := &wire.Observation{Energy: 30, Cores: []wire.CoreView{own}}
	expect(t, b.Tick(obs), wire.Action{Kind: wire.Spawn, Dir: wire.East})

	// The first unit is a harvester: it walks to (3,1) and harvests north.
	obs = &wire.Observation{Tick: 1, Cores: obs.Cores, Units: []wire.UnitView{{ID: 1, Pos: wire.Pos{X: 2, Y: 1}, Hp: 10}}}
	expect(t, b.Tick(obs), wire.Action{Kind: wire.Move, Unit: 1, Dir: wire.East})
	obs.Units[0].Pos.X = 3
	expect(t, b.Tick(obs), wire.Action{Kind: wire.Harvest, Unit: 1, Dir: wire.North})

	// Next to an enemy unit it hits back; next to the enemy core it hits the core first.
	obs.Units = append(obs.Units, wire.UnitView{ID: 2, Owner: 1, Pos: wire.Pos{X: 4, Y: 1}, Hp: 10})
	expect(t, b.Tick(obs), wire.Action{Kind: wire.Attack, Unit: 1, Dir: wire.East})
	obs.Units = obs.Units[:1]
	obs.Units[0].Pos.X = 6
	obs.Cores = append(obs.Cores, wire.CoreView{Owner: 1, Pos: wire.Pos{X: 7, Y: 1}, Hp: 200})
	expect(t, b.Tick(obs), wire.Action{Kind: wire.Attack, Unit: 1, Dir: wire.East})
}

// open is a 12x8 room with walls round it, core A top left, B bottom right.
func open() *wire.MatchInfo {
	m := corridor()
	m.Width, m.Height = 12, 8
	m.Rows = []string{
		"############",
		"#A.........#",
		"#..........#",
		"#...*......#",
		"#..........#",
		"#..........#",
		"#.........B#",
		"############",
	}
	m.Sources = []wire.Pos{{X: 4, Y: 3}}
	m.Cores[1].Pos = wire.Pos{X: 10, Y: 6}
	return m
}

func TestWaveMarchesAndDoesNotCollide(t *testing.T) {
	b, _ := New(open())
	if len(b.spots) != 4 {
		t.Fatalf("harvest cells %+v, want the 4 around the source", b.spots)
	}
	// Four harvesters hold their spots; WaveSize soldiers wait near home.
	obs := &wire.Observation{Tick: 50, Cores: []wire.CoreView{{Owner: 0, Pos: wire.Pos{X: 1, Y: 1}, Hp: 200}}}
	id := uint32(0)
	add := func(x, y uint16) {
		id++
		obs.Units = append(obs.Units, wire.UnitView{ID: id, Pos: wire.Pos{X: x, Y: y}, Hp: 10})
	}
	add(4, 2) // the spots, nearest to the core first: ids 1-4 become their harvesters
	add(3, 3)
	add(5, 3)
	add(4, 4)
	for k := 0; k < WaveSize; k++ {
		add(uint16(2+k%3), uint16(1+k/3))
	}
	orders := b.Tick(obs)
	moved := map[int]bool{}
	harvests := 0
	for _, a := range orders {
		switch a.Kind {
		case wire.Harvest:
			harvests++
		case wire.Move:
			u := obs.Units[a.Unit-1]
			to := int(b.grid.Near[b.grid.Idx(u.Pos)*4+int(a.Dir)])
			if moved[to] {
				t.Fatalf("two units sent into cell %d: %v", to, orders)
			}
			moved[to] = true
		}
	}
	if harvests != 4 || len(moved) == 0 {
		t.Fatalf("orders %v: want 4 harvests and the wave moving", orders)
	}
	for _, r := range b.roles[4:] {
		if r.kind != Marching {
			t.Fatalf("roles %+v: the wave should march", b.roles)
		}
	}
	// Once warmed up, a tick allocates nothing (so Go's GC never runs in a match).
	if allocs := testing.AllocsPerRun(20, func() { b.Tick(obs) }); allocs != 0 {
		t.Fatalf("a tick allocates %v times", allocs)
	}
}
