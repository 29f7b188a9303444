// Package wire holds the ABI v1 wire types (docs/abi.md, section 6) and a
// hand-written postcard codec for them.
//
// Postcard, not JSON: encoding/json alone makes the module 2.7 MB larger and
// costs several times the fuel per tick (it reflects over every field);
// postcard is a loop of byte reads, with no reflection and no allocation.
//
// Decoding reuses memory: DecodeObservation refills the slices of the
// Observation it is given (append into [:0] keeps their capacity), so a tick
// allocates nothing once the slices have grown, and Go's garbage collector
// never has to run during a match.
package wire

import "errors"

// Direction is also the postcard tag of the Direction enum.
type Direction = uint8

const (
	North Direction = iota // towards y = 0
	East
	South
	West
)

// ActionKind is the postcard tag of the Action enum.
type ActionKind = uint8

const (
	Spawn ActionKind = iota
	Move
	Attack
	Harvest
)

// RejectReason is the postcard tag of the RejectReason enum.
type RejectReason = uint8

const (
	NoSuchUnit RejectReason = iota
	NotYourUnit
	AlreadyOrdered
	TooManyActions
	Blocked
	MoveCollided
	NoEnemy
	NoSource
	NotEnoughEnergy
	UnitCap
	SpawnBlocked
)

// Pos is a cell: x grows east, y grows south, (0, 0) is the top-left corner.
type Pos struct{ X, Y uint16 }

type CoreInfo struct {
	Owner uint8
	Pos   Pos
}

type Rules struct {
	CoreHp        uint16
	UnitHp        uint16
	UnitDamage    uint16
	UnitCost      uint32
	StartEnergy   uint32
	CoreIncome    uint32
	HarvestAmount uint32
	UnitVision2   uint32
	CoreVision2   uint32
	MaxUnits      uint16
}

type Limits struct {
	MaxTicks        uint32
	InitFuel        uint64
	TickFuel        uint64
	MaxActions      uint32
	MaxOutputBytes  uint32
	MaxLogLines     uint32
	MaxLogLineBytes uint32
	MaxMemoryBytes  uint64
}

// MatchInfo comes once, to lockstep_init.
type MatchInfo struct {
	AbiVersion uint8
	You        uint8
	Players    uint8
	Seed       uint64
	Width      uint16
	Height     uint16
	Rows       []string // Height rows of Width bytes: '#' wall, '.' floor, '*' source, 'A'.. cores
	Sources    []Pos    // sorted by (y, x)
	Cores      []CoreInfo
	Rules      Rules
	Limits     Limits
}

type UnitView struct {
	ID    uint32
	Owner uint8
	Pos   Pos
	Hp    uint16
}

type CoreView struct {
	Owner uint8
	Pos   Pos
	Hp    uint16
}

// Action is one order. Unit is unused by Spawn.
type Action struct {
	Kind ActionKind
	Unit uint32
	Dir  Direction
}

type Rejection struct {
	Index  uint32
	Action Action
	Reason RejectReason
}

// Observation comes every tick, to lockstep_tick.
type Observation struct {
	Tick       uint32
	Energy     uint32
	Units      []UnitView  // yours and the enemy units you see, by id
	Cores      []CoreView  // yours and the enemy cores you see, by owner
	Rejected   []Rejection // last tick's orders that did not take effect
	Eliminated []uint8     // players out of the match, sorted
}

// ---- Reader ---------------------------------------------------------------

var (
	ErrTruncated = errors.New("truncated message")
	ErrVarint    = errors.New("varint out of range")
	ErrVariant   = errors.New("unknown enum variant")
	ErrLength    = errors.New("list longer than the message")
	ErrTrailing  = errors.New("trailing bytes")
)

// Reader reads postcard. The first error sticks; later reads return zeros.
type Reader struct {
	buf []byte
	at  int
	Err error
}

func NewReader(b []byte) *Reader { return &Reader{buf: b} }

// Reset points the reader at a new message, so a tick needs no new Reader.
func (r *Reader) Reset(b []byte) { *r = Reader{buf: b} }

func (r *Reader) fail(err error) {
	if r.Err == nil {
		r.Err = err
	}
}

func (r *Reader) Byte() uint8 {
	if r.at >= len(r.buf) {
		r.fail(ErrTruncated)
		return 0
	}
	b := r.buf[r.at]
	r.at++
	return b
}

// Varint reads unsigned LEB128, refusing values above max (too big for the type).
func (r *Reader) Varint(max uint64) uint64 {
	var v uint64
	for shift := uint(0); shift < 70; shift += 7 {
		b := r.Byte()
		if r.Err != nil {
			return 0
		}
		if shift == 63 && b&0x7e != 0 {
			break // would overflow 64 bits
		}
		v |= uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			if v > max {
				break
			}
			return v
		}
	}
	r.fail(ErrVarint)
	return 0
}

func (r *Reader) U16() uint16 { return uint16(r.Varint(0xffff)) }
func (r *Reader) U32() uint32 { return uint32(r.Varint(0xffffffff)) }
func (r *Reader) U64() uint64 { return r.Varint(^uint64(0)) }

// Len reads a list length, checked against the bytes left (every element is at least one byte).
func (r *Reader) Len() int {
	n := r.Varint(0x7fffffff)
	if n > uint64(len(r.buf)-r.at) {
		r.fail(ErrLength)
		return 0
	}
	return int(n)
}

func (r *Reader) Str() string {
	n := r.Len()
	s := string(r.buf[r.at : r.at+n])
	r.at += n
	return s
}

func (r *Reader) Tag(variants uint8) uint8 {
	t := r.Varint(255)
	if t >= uint64(variants) {
		r.fail(ErrVariant)
	}
	return uint8(t)
}

func (r *Reader) Pos() Pos { return Pos{X: r.U16(), Y: r.U16()} }

func (r *Reader) Action() Action {
	a := Action{Kind: r.Tag(4)}
	if a.Kind != Spawn {
		a.Unit = r.U32()
	}
	a.Dir = r.Tag(4)
	return a
}

// Finish refuses trailing bytes: they make a message undecodable (docs/abi.md, section 5).
func (r *Reader) Finish() error {
	if r.Err == nil && r.at != len(r.buf) {
		r.fail(ErrTrailing)
	}
	return r.Err
}

// ---- Decoders -------------------------------------------------------------

func DecodeMatchInfo(b []byte) (*MatchInfo, error) {
	r := NewReader(b)
	m := &MatchInfo{AbiVersion: r.Byte(), You: r.Byte(), Players: r.Byte(), Seed: r.U64()}
	m.Width, m.Height = r.U16(), r.U16()
	for i, n := 0, r.Len(); i < n && r.Err == nil; i++ {
		m.Rows = append(m.Rows, r.Str())
	}
	for i, n := 0, r.Len(); i < n && r.Err == nil; i++ {
		m.Sources = append(m.Sources, r.Pos())
	}
	for i, n := 0, r.Len(); i < n && r.Err == nil; i++ {
		m.Cores = append(m.Cores, CoreInfo{Owner: r.Byte(), Pos: r.Pos()})
	}
	u := &m.Rules
	u.CoreHp, u.UnitHp, u.UnitDamage = r.U16(), r.U16(), r.U16()
	u.UnitCost, u.StartEnergy, u.CoreIncome = r.U32(), r.U32(), r.U32()
	u.HarvestAmount, u.UnitVision2, u.CoreVision2 = r.U32(), r.U32(), r.U32()
	u.MaxUnits = r.U16()
	l := &m.Limits
	l.MaxTicks, l.InitFuel, l.TickFuel = r.U32(), r.U64(), r.U64()
	l.MaxActions, l.MaxOutputBytes = r.U32(), r.U32()
	l.MaxLogLines, l.MaxLogLineBytes = r.U32(), r.U32()
	l.MaxMemoryBytes = r.U64()
	if err := r.Finish(); err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeObservation refills o from an Observation message, reusing its slices.
func DecodeObservation(r *Reader, o *Observation) error {
	o.Tick, o.Energy = r.U32(), r.U32()
	o.Units = o.Units[:0]
	for i, n := 0, r.Len(); i < n && r.Err == nil; i++ {
		o.Units = append(o.Units, UnitView{ID: r.U32(), Owner: r.Byte(), Pos: r.Pos(), Hp: r.U16()})
	}
	o.Cores = o.Cores[:0]
	for i, n := 0, r.Len(); i < n && r.Err == nil; i++ {
		o.Cores = append(o.Cores, CoreView{Owner: r.Byte(), Pos: r.Pos(), Hp: r.U16()})
	}
	o.Rejected = o.Rejected[:0]
	for i, n := 0, r.Len(); i < n && r.Err == nil; i++ {
		o.Rejected = append(o.Rejected, Rejection{Index: r.U32(), Action: r.Action(), Reason: r.Tag(11)})
	}
	o.Eliminated = o.Eliminated[:0]
	for i, n := 0, r.Len(); i < n && r.Err == nil; i++ {
		o.Eliminated = append(o.Eliminated, r.Byte())
	}
	return r.Finish()
}

// ---- Encoder --------------------------------------------------------------

func appendVarint(out []byte, v uint64) []byte {
	for v >= 0x80 {
		out = append(out, byte(v)|0x80)
		v >>= 7
	}
	return append(out, byte(v))
}

// AppendActions appends the postcard encoding of a Vec<Action> to out.
func AppendActions(out []byte, actions []Action) []byte {
	out = appendVarint(out, uint64(len(actions)))
	for _, a := range actions {
		out = append(out, a.Kind)
		if a.Kind != Spawn {
			out = appendVarint(out, uint64(a.Unit))
		}
		out = append(out, a.Dir)
	}
	return out
}
