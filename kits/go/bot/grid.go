package bot

import "lockstep.dev/kit/wire"

// Inf is the distance of a cell no search reached.
const Inf int32 = 0x3fffffff

// MaxPenalty is the largest extra cost Weighted accepts for entering a cell.
const MaxPenalty = 15

// Grid is the static map: cells numbered y*Width + x. Every search reuses
// buffers allocated once in NewGrid, so a tick allocates nothing.
type Grid struct {
	Width, Height, Cells int
	// Floor: the only cells a unit may stand on.
	Floor []bool
	// Near[i*4+d]: the cell in direction d (N, E, S, W) of cell i, or -1 off the map.
	Near []int32
	// FloorNear is Near but -1 unless that cell is floor: precomputed so
	// searches do no coordinate math.
	FloorNear []int32

	queue []int32
	// Dial's bucket queue as linked lists in flat slices (no per-bucket
	// slices to grow): entry e holds cell entryCell[e], next entry entryNext[e].
	bucketHead [MaxPenalty + 2]int32
	entryCell  []int32
	entryNext  []int32
}

func NewGrid(info *wire.MatchInfo) *Grid {
	w, h := int(info.Width), int(info.Height)
	g := &Grid{Width: w, Height: h, Cells: w * h}
	g.Floor = make([]bool, g.Cells)
	for y := 0; y < h && y < len(info.Rows); y++ {
		row := info.Rows[y]
		for x := 0; x < w && x < len(row); x++ {
			g.Floor[y*w+x] = row[x] == '.'
		}
	}
	g.Near = make([]int32, g.Cells*4)
	g.FloorNear = make([]int32, g.Cells*4)
	for i := 0; i < g.Cells; i++ {
		x, y := i%w, i/w
		near := [4]int{-1, -1, -1, -1}
		if y > 0 {
			near[wire.North] = i - w
		}
		if x+1 < w {
			near[wire.East] = i + 1
		}
		if y+1 < h {
			near[wire.South] = i + w
		}
		if x > 0 {
			near[wire.West] = i - 1
		}
		for d, n := range near {
			g.Near[i*4+d] = int32(n)
			g.FloorNear[i*4+d] = -1
			if n >= 0 && g.Floor[n] {
				g.FloorNear[i*4+d] = int32(n)
			}
		}
	}
	g.queue = make([]int32, g.Cells)
	// Each cell enters the bucket queue at most once per improvement, and an
	// improvement comes from one of its 4 neighbours (or the first seeding).
	g.entryCell = make([]int32, g.Cells*5+4)
	g.entryNext = make([]int32, g.Cells*5+4)
	return g
}

// Idx is the cell of a position.
func (g *Grid) Idx(p wire.Pos) int { return int(p.Y)*g.Width + int(p.X) }

// Inside reports whether p is on the map.
func (g *Grid) Inside(p wire.Pos) bool { return int(p.X) < g.Width && int(p.Y) < g.Height }

// DirTo is the direction from cell a to the orthogonally adjacent cell b, or -1.
func (g *Grid) DirTo(a, b int) int {
	for d := 0; d < 4; d++ {
		if int(g.Near[a*4+d]) == b {
			return d
		}
	}
	return -1
}

// BFS fills field with the steps over floor from the nearest of goals
// (floor cells; others are ignored), Inf where unreachable.
func (g *Grid) BFS(goals []int32, field []int32) {
	for i := range field {
		field[i] = Inf
	}
	head, tail := 0, 0
	for _, c := range goals {
		if c >= 0 && g.Floor[c] && field[c] == Inf {
			field[c] = 0
			g.queue[tail] = c
			tail++
		}
	}
	for head < tail {
		i := g.queue[head]
		head++
		next := field[i] + 1
		for _, j := range g.FloorNear[i*4 : i*4+4] {
			if j >= 0 && field[j] == Inf {
				field[j] = next
				g.queue[tail] = j
				tail++
			}
		}
	}
}

// BFSAround is BFS from the floor cells around target (a core or a source).
func (g *Grid) BFSAround(target int, field []int32) {
	g.BFS(g.FloorNear[target*4:target*4+4], field)
}

// Weighted fills field with the cost from the floor around target, where
// entering cell i costs 1 + penalty[i] (penalty <= MaxPenalty). Dial's
// algorithm: costs in flight span at most MaxPenalty + 1, so a ring of
// MaxPenalty + 2 buckets never wraps onto the one being drained. O(cells),
// no heap, no allocation.
func (g *Grid) Weighted(target int, penalty []uint8, field []int32) {
	const ring = MaxPenalty + 2
	for i := range field {
		field[i] = Inf
	}
	for b := range g.bucketHead {
		g.bucketHead[b] = -1
	}
	entries, pending := int32(0), 0
	push := func(cell, cost int32) {
		field[cell] = cost
		g.entryCell[entries] = cell
		g.entryNext[entries] = g.bucketHead[cost%ring]
		g.bucketHead[cost%ring] = entries
		entries++
		pending++
	}
	for _, i := range g.FloorNear[target*4 : target*4+4] {
		if i >= 0 && int32(penalty[i]) < field[i] {
			push(i, int32(penalty[i]))
		}
	}
	for cur := int32(0); pending > 0; cur++ {
		e := g.bucketHead[cur%ring]
		g.bucketHead[cur%ring] = -1 // new entries always land in later buckets
		for e >= 0 {
			pending--
			i := g.entryCell[e]
			e = g.entryNext[e]
			if field[i] != cur {
				continue // stale: reached more cheaply since
			}
			for _, j := range g.FloorNear[i*4 : i*4+4] {
				if j >= 0 {
					if c := cur + 1 + int32(penalty[j]); c < field[j] {
						push(j, c)
					}
				}
			}
		}
	}
}
