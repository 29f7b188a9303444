package main

import "unsafe"

var buf [1 << 16]byte

//go:wasmexport lockstep_abi
func abi() int32 { return 257 }

//go:wasmexport lockstep_alloc
func alloc(n int32) int32 { return int32(uintptr(unsafe.Pointer(&buf[0]))) }

//go:wasmexport lockstep_init
func initBot(ptr, n int32) int32 { return 0 }

//go:wasmexport lockstep_tick
func tick(ptr, n int32) int64 { return 0 }

func main() {}
