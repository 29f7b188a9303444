//go:build wasip1

// The four ABI v1 exports (docs/abi.md, section 1), built as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared
//
// The host calls the reactor's `_initialize` (Go's runtime and package
// initialisation) once after instantiation, then these. This file is glue
// only: messages in, orders out. The strategy is in bot/, the codec in wire/.
package main

import (
	"unsafe"

	"lockstep.dev/kit/bot"
	"lockstep.dev/kit/wire"
)

// Messages are far smaller than this; a bigger len gets an out-of-bounds pointer.
const maxMessage = 16 << 20

var (
	// input is where the host writes each message. Go's garbage collector
	// never moves memory, and this global keeps the buffer alive.
	input       = make([]byte, 4096)
	output      = make([]byte, 0, 256)
	reader      wire.Reader
	observation wire.Observation
	player      *bot.Bot
)

//go:wasmimport lockstep log
func lockstepLog(ptr unsafe.Pointer, len int32)

// log appends one line to this bot's log. Costs 1,000 fuel a call: log sparingly.
func log(line string) {
	if len(line) > 0 {
		lockstepLog(unsafe.Pointer(unsafe.StringData(line)), int32(len(line)))
	}
}

// ABI version 1, encoding 0 (postcard).
//
//go:wasmexport lockstep_abi
func lockstepAbi() int32 { return 1<<8 | 0 }

//go:wasmexport lockstep_alloc
func lockstepAlloc(size int32) int32 {
	if size < 0 || size > maxMessage {
		return -1 // the host reports bad_alloc
	}
	if int(size) > cap(input) {
		input = make([]byte, size)
	}
	input = input[:cap(input)]
	return int32(uintptr(unsafe.Pointer(&input[0])))
}

//go:wasmexport lockstep_init
func lockstepInit(_, size int32) int32 {
	info, err := wire.DecodeMatchInfo(message(size))
	if err != nil {
		log("lockstep_init: undecodable MatchInfo: " + err.Error())
		return 1
	}
	var line string
	player, line = bot.New(info)
	log(line)
	return 0
}

//go:wasmexport lockstep_tick
func lockstepTick(_, size int32) int64 {
	reader.Reset(message(size))
	var orders []wire.Action
	if err := wire.DecodeObservation(&reader, &observation); err != nil {
		log("lockstep_tick: undecodable Observation: " + err.Error())
	} else if player != nil {
		orders = player.Tick(&observation)
	}
	output = wire.AppendActions(output[:0], orders)
	return int64(uintptr(unsafe.Pointer(&output[0])))<<32 | int64(len(output))
}

// message is the host's message. The ABI passes back the pointer
// lockstep_alloc just returned, which is always &input[0], so the bytes are
// read through the slice (bounds-checked) rather than from a raw address.
func message(size int32) []byte {
	return input[:min(max(size, 0), int32(len(input)))]
}

// main is never called in a reactor (c-shared) build, but package main needs one.
func main() {}
