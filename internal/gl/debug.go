package gl

// This file's preamble may only declare: it holds an //export. DebugProc
// and glcnnDebugCallback (glowDebugCallback_glcore43 there) are go-gl's,
// from v4.3-core/gl/debug.go (MIT; the notice is in conversions.go).

import "C"

import "unsafe"

// DebugProc receives the context's KHR_debug messages (DebugMessageCallback).
type DebugProc func(
	source uint32,
	gltype uint32,
	id uint32,
	severity uint32,
	length int32,
	message string,
	userParam unsafe.Pointer)

var userDebugCallback DebugProc

// glcnnDebugCallback is what the C callback installed by
// DebugMessageCallback calls: it passes each message on to the Go callback.
//
//export glcnnDebugCallback
func glcnnDebugCallback(
	source uint32,
	gltype uint32,
	id uint32,
	severity uint32,
	length int32,
	message *uint8,
	userParam unsafe.Pointer) {
	if userDebugCallback != nil {
		userDebugCallback(source, gltype, id, severity, length, GoStr(message), userParam)
	}
}
