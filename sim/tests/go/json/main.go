package main

import (
	"encoding/json"
	"fmt"
	"unsafe"
)

var in [1 << 16]byte
var out []byte

type Pos struct{ X, Y int }
type Unit struct {
	ID  uint32 `json:"id"`
	Pos Pos    `json:"pos"`
	HP  int    `json:"hp"`
}
type Obs struct {
	Tick  uint32 `json:"tick"`
	Units []Unit `json:"units"`
}
type Action struct {
	Move *struct {
		Unit uint32 `json:"unit"`
		Dir  string `json:"dir"`
	} `json:"move,omitempty"`
}

//go:wasmexport lockstep_abi
func abi() int32 { return 257 }

//go:wasmexport lockstep_alloc
func alloc(n int32) int32 { return int32(uintptr(unsafe.Pointer(&in[0]))) }

//go:wasmexport lockstep_init
func initBot(ptr, n int32) int32 { return 0 }

//go:wasmexport lockstep_tick
func tick(ptr, n int32) int64 {
	var obs Obs
	if err := json.Unmarshal(in[:n], &obs); err != nil {
		out = []byte(fmt.Sprintf("error: %v", err))
	} else {
		acts := []Action{}
		out, _ = json.Marshal(acts)
	}
	p := int64(uintptr(unsafe.Pointer(&out[0])))
	return p<<32 | int64(len(out))
}

func main() {}
