package wire

import (
	"bytes"
	"reflect"
	"testing"
)

// The worked examples of docs/abi.md, section 7.
var (
	matchInfoBytes = []byte{
		0x01, 0x00, 0x02, 0xac, 0x02, 0x05, 0x03, 0x03, 0x05, 0x23, 0x23, 0x23, 0x23, 0x23, 0x05, 0x23,
		0x41, 0x2a, 0x42, 0x23, 0x05, 0x23, 0x23, 0x23, 0x23, 0x23, 0x01, 0x02, 0x01, 0x02, 0x00, 0x01,
		0x01, 0x01, 0x03, 0x01, 0xc8, 0x01, 0x0a, 0x02, 0x0a, 0x1e, 0x01, 0x01, 0x19, 0x31, 0x32, 0xf4,
		0x03, 0x80, 0x84, 0xaf, 0x5f, 0x80, 0xda, 0xc4, 0x09, 0x40, 0x80, 0x80, 0x04, 0x10, 0x80, 0x02,
		0x80, 0x80, 0x80, 0x20,
	}
	observationBytes = []byte{
		0x07, 0x19, 0x02, 0x03, 0x00, 0x02, 0x01, 0x0a, 0x09, 0x01, 0x03, 0x01, 0x04, 0x01, 0x00, 0x01,
		0x01, 0xc8, 0x01, 0x01, 0x01, 0x01, 0x03, 0x01, 0x05, 0x00,
	}
	actionsBytes = []byte{0x02, 0x02, 0x03, 0x01, 0x00, 0x02}
)

func TestMatchInfoExample(t *testing.T) {
	m, err := DecodeMatchInfo(matchInfoBytes)
	if err != nil {
		t.Fatal(err)
	}
	want := &MatchInfo{
		AbiVersion: 1, You: 0, Players: 2, Seed: 300, Width: 5, Height: 3,
		Rows:    []string{"#####", "#A*B#", "#####"},
		Sources: []Pos{{2, 1}},
		Cores:   []CoreInfo{{0, Pos{1, 1}}, {1, Pos{3, 1}}},
		Rules:   Rules{200, 10, 2, 10, 30, 1, 1, 25, 49, 50},
		Limits:  Limits{500, 200_000_000, 20_000_000, 64, 65_536, 16, 256, 67_108_864},
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %+v\nwant %+v", m, want)
	}
}

func TestObservationExample(t *testing.T) {
	var o Observation
	if err := DecodeObservation(NewReader(observationBytes), &o); err != nil {
		t.Fatal(err)
	}
	want := Observation{
		Tick: 7, Energy: 25,
		Units:      []UnitView{{3, 0, Pos{2, 1}, 10}, {9, 1, Pos{3, 1}, 4}},
		Cores:      []CoreView{{0, Pos{1, 1}, 200}},
		Rejected:   []Rejection{{1, Action{Move, 3, East}, MoveCollided}},
		Eliminated: nil, // an empty list decodes to a nil slice
	}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("got %+v\nwant %+v", o, want)
	}
	// A second decode into the same Observation reuses its slices.
	first := &o.Units[0]
	if err := DecodeObservation(NewReader(observationBytes), &o); err != nil || &o.Units[0] != first {
		t.Fatalf("second decode: %v, slice reused: %v", err, &o.Units[0] == first)
	}
	allocs := testing.AllocsPerRun(100, func() {
		var r Reader
		r.Reset(observationBytes)
		_ = DecodeObservation(&r, &o)
	})
	if allocs != 0 {
		t.Fatalf("decoding allocates %v times per observation", allocs)
	}
}

func TestActionsExample(t *testing.T) {
	got := AppendActions(nil, []Action{{Attack, 3, East}, {Spawn, 0, South}})
	if !bytes.Equal(got, actionsBytes) {
		t.Fatalf("got % x, want % x", got, actionsBytes)
	}
	if got := AppendActions(nil, nil); !bytes.Equal(got, []byte{0}) {
		t.Fatalf("no orders: got % x, want 00", got)
	}
	if got := AppendActions(nil, []Action{{Move, 300, East}}); !bytes.Equal(got, []byte{1, 1, 0xac, 0x02, 1}) {
		t.Fatalf("unit 300: got % x", got)
	}
}

func TestMalformed(t *testing.T) {
	var o Observation
	cases := []struct {
		name string
		msg  []byte
		want error
	}{
		{"trailing byte", append(append([]byte{}, observationBytes...), 0), ErrTrailing},
		{"truncated inside a varint", observationBytes[:18], ErrTruncated},
		{"list cut short", observationBytes[:20], ErrLength},
		{"impossible length", []byte{7, 0x19, 0x7f}, ErrLength},
		{"bad reason", []byte{0, 0, 0, 0, 1, 0, 1, 3, 1, 11, 0}, ErrVariant},
		{"u32 overflow", []byte{0x80, 0x80, 0x80, 0x80, 0x10}, ErrVarint},
	}
	for _, c := range cases {
		if err := DecodeObservation(NewReader(c.msg), &o); err != c.want {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := DecodeMatchInfo(matchInfoBytes[:len(matchInfoBytes)-1]); err != ErrTruncated {
		t.Errorf("truncated MatchInfo: got %v", err)
	}
}
