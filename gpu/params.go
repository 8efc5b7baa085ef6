package gpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/glcnn/glcnn/internal/gl"
	"github.com/glcnn/glcnn/shaders"
)

// Kernel parameters (see shaders.Param) live in one std140 uniform block
// per program. A Program keeps the block's current image; Dispatch puts it
// in a slot of the device's parameter ring and binds that range.

// setParam stores u's value, converted to the parameter's GLSL type, in
// the program's parameter block image.
func (p *Program) setParam(u Uniform) {
	pa, ok := p.params[u.Name]
	if !ok {
		panic(fmt.Sprintf("gpu: %s declares no uniform %q", p.name, u.Name))
	}
	var bits uint32
	switch pa.Type {
	case "int", "bool":
		bits = uint32(int32(u.Value))
	case "uint":
		if u.Value < 0 {
			panic(fmt.Sprintf("gpu: %s: uniform uint %s = %v", p.name, u.Name, u.Value))
		}
		bits = uint32(u.Value)
	case "float":
		bits = math.Float32bits(float32(u.Value))
	default:
		panic(fmt.Sprintf("gpu: %s: uniform %s has a type (%s) Dispatch cannot set", p.name, u.Name, pa.Type))
	}
	binary.LittleEndian.PutUint32(p.values[pa.Offset:], bits)
}

// paramRing is the uniform buffer that carries kernels' parameter blocks.
// A block goes to the next free slot, at a multiple of
// GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT (16 on llvmpipe, up to 256 on GPUs;
// glBindBufferRange refuses other offsets), so consecutive dispatches read
// distinct slots and a driver that batches them need not wait before
// writing the next block. After a wrap, a write may land on a slot an
// earlier dispatch still reads: GL's ordering keeps that correct, at the
// cost of a stall or a copy in the driver.
//
// Positions are absolute (bytes ever allocated), so that a slot can be
// reused while the ring has not come round to it again: each program
// remembers where it last wrote each distinct image, and a training step,
// which repeats the same shapes, uploads nothing after the first.
type paramRing struct {
	id     uint32
	align  int
	next   int64 // absolute position of the next free byte
	bound  int64 // absolute position bound at ParamsBinding, or -1
	last   int   // ring offset of the latest bound slot (tests)
	writes int   // blocks uploaded (tests)
}

const (
	paramRingBytes = 64 << 10
	maxSlotsKept   = 64 // distinct images a program remembers
)

// alignUp rounds n up to a multiple of a (a > 0).
func alignUp[T int | int64](n, a T) T { return (n + a - 1) / a * a }

// bind makes p's current parameter image the block at ParamsBinding,
// uploading it unless an intact slot already holds it. GL thread only.
func (r *paramRing) bind(d *Device, p *Program) {
	if r.id == 0 {
		r.align, r.bound = max(d.info.UniformAlign, 4), -1
		gl.GenBuffers(1, &r.id)
		gl.BindBuffer(gl.UNIFORM_BUFFER, r.id)
		gl.BufferData(gl.UNIFORM_BUFFER, paramRingBytes, nil, gl.STREAM_DRAW)
	}
	block, size := p.values, int64(len(p.values))
	pos, ok := p.slots[string(block)]           // no allocation for a lookup
	fresh := !ok || r.next > pos+paramRingBytes // never written, or overwritten since
	if fresh {
		pos = alignUp(r.next, int64(r.align))
		if pos%paramRingBytes+size > paramRingBytes {
			pos = alignUp(pos, paramRingBytes) // wrap to the ring's start
		}
		clearErrors()
		gl.BindBuffer(gl.UNIFORM_BUFFER, r.id)
		gl.BufferSubData(gl.UNIFORM_BUFFER, int(pos%paramRingBytes), len(block), unsafe.Pointer(&block[0]))
		mustSucceed(d, "uploading the parameters of", p)
		r.next, r.writes = pos+size, r.writes+1
		if p.slots == nil || len(p.slots) >= maxSlotsKept {
			p.slots = map[string]int64{}
		}
		p.slots[string(block)] = pos
	}
	if pos != r.bound {
		gl.BindBufferRange(gl.UNIFORM_BUFFER, shaders.ParamsBinding, r.id, int(pos%paramRingBytes), len(block))
		if fresh { // a slot's range is checked once; rebinding it cannot fail differently
			mustSucceed(d, "binding the parameters of", p)
		}
		r.bound, r.last = pos, int(pos%paramRingBytes)
	}
}

// mustSucceed panics when the GL call just made failed. Unlike the debug
// checks it is always on: a parameter block the driver refused would
// otherwise leave the kernel reading another dispatch's values, silently.
// It runs once per new slot, not once per dispatch: glGetError makes a
// threaded GPU driver wait for its command queue.
func mustSucceed(d *Device, what string, p *Program) {
	if e := gl.GetError(); e != gl.NO_ERROR {
		panic(fmt.Sprintf("gpu: %s %s: %s (%s)", what, p.name, glErrorName(e), d.info.Renderer))
	}
}

// clearErrors drops GL errors left by earlier unchecked calls, so that
// mustSucceed blames only the call it follows. (Those are reported in
// debug mode, where every call is checked.)
func clearErrors() {
	for range 8 { // GL queues at most one error per kind
		if gl.GetError() == gl.NO_ERROR {
			return
		}
	}
}

// bindParamBlock points prog's parameter block at ParamsBinding. The
// layout qualifier says so already; saying it again through the API keeps
// programs loaded with glProgramBinary right on drivers that have lost
// binding qualifiers there.
func bindParamBlock(prog uint32) {
	if idx := gl.GetUniformBlockIndex(prog, gl.Str(shaders.ParamsBlock+"\x00")); idx != gl.INVALID_INDEX {
		gl.UniformBlockBinding(prog, idx, shaders.ParamsBinding)
	}
}

// paramBlockSize is the bytes to bind for a program's parameter block: the
// driver's GL_UNIFORM_BLOCK_DATA_SIZE, at least n and a multiple of 16.
func paramBlockSize(prog uint32, n int) int {
	size := alignUp(n, 16)
	idx := gl.GetUniformBlockIndex(prog, gl.Str(shaders.ParamsBlock+"\x00"))
	if idx != gl.INVALID_INDEX {
		var v int32
		gl.GetActiveUniformBlockiv(prog, idx, gl.UNIFORM_BLOCK_DATA_SIZE, &v)
		size = max(size, int(v))
	}
	return size
}
