package gpu

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/go-gl/gl/v4.3-core/gl"

	"github.com/glcnn/glcnn/shaders"
)

// Grid is the number of invocations to launch in each dimension; Dispatch
// turns it into group counts by ceil-division by the kernel's local size.
type Grid struct {
	X, Y, Z int
	flat    bool // a 1-D range that may be folded into y (see Grid1)
}

// Grid1 is a 1-D range of n invocations. When it needs more groups than the
// device allows in x, Dispatch folds the excess into y; kernels recover the
// flat index with gid() from common.glsl and bounds-check it.
func Grid1(n int) Grid { return Grid{X: n, Y: 1, Z: 1, flat: true} }

// Grid2 is a 2-D range of x by y invocations.
func Grid2(x, y int) Grid { return Grid{X: x, Y: y, Z: 1} }

// Grid3 is a 3-D range.
func Grid3(x, y, z int) Grid { return Grid{X: x, Y: y, Z: z} }

// Uniform is a named scalar uniform value. Its GLSL type (int, uint, float,
// bool) is looked up in the program, so callers pass plain Go numbers.
type Uniform struct {
	Name  string
	Value float64
}

// U makes a Uniform from any Go integer or float.
func U[T ~int | ~int32 | ~int64 | ~uint32 | ~uint64 | ~float32 | ~float64](name string, v T) Uniform {
	return Uniform{Name: name, Value: float64(v)}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Groups returns the workgroup counts Dispatch would use for g.
func (d *Device) Groups(p *Program, g Grid) [3]int {
	gx := ceilDiv(max(g.X, 1), p.local[0])
	gy := ceilDiv(max(g.Y, 1), p.local[1])
	gz := ceilDiv(max(g.Z, 1), p.local[2])
	lim := d.info.MaxGroupCount
	if g.flat && gx > lim[0] {
		gy = ceilDiv(gx, lim[0])
		gx = lim[0]
	}
	if gx > lim[0] || gy > lim[1] || gz > lim[2] {
		panic(fmt.Sprintf("gpu: %s: %d x %d x %d groups exceed the device limit %v", p.name, gx, gy, gz, lim))
	}
	return [3]int{gx, gy, gz}
}

// AsUniformBlock makes Dispatch bind b as a uniform buffer (binding i of
// the `uniform` blocks) instead of a storage buffer. Small read-only data
// that every invocation reads — weights of a small layer — loads several
// times faster from a uniform block on some drivers (llvmpipe). It panics
// when b exceeds the device's GL_MAX_UNIFORM_BLOCK_SIZE.
func (d *Device) AsUniformBlock(b Storage) Storage {
	if int64(b.Bytes()) > int64(d.info.MaxUniformBlock) {
		panic(fmt.Sprintf("gpu: a uniform block of %d bytes exceeds the device's %d", b.Bytes(), d.info.MaxUniformBlock))
	}
	return uniformBlock{b}
}

type uniformBlock struct{ Storage }

// Dispatch binds bufs to bindings 0, 1, ..., sets the kernel's parameters
// (us, by name; a parameter not in us keeps its last value), launches the
// kernel over grid g and issues the barrier that makes its writes visible
// to later dispatches and downloads. An empty grid is a no-op. It panics
// when a name in us is not a parameter of the kernel.
func (d *Device) Dispatch(p *Program, g Grid, bufs []Storage, us ...Uniform) {
	if g.X <= 0 || g.Y <= 0 || g.Z <= 0 {
		if g.X == 0 || g.Y == 0 || g.Z == 0 {
			return
		}
		panic(fmt.Sprintf("gpu: %s: negative grid %v", p.name, g))
	}
	groups := d.Groups(p, g)
	d.Call(func() {
		gl.UseProgram(p.id)
		d.check("glUseProgram " + p.name)
		for i, b := range bufs {
			if b.name() == 0 {
				panic(fmt.Sprintf("gpu: %s: binding %d is a released buffer", p.name, i))
			}
			target := uint32(gl.SHADER_STORAGE_BUFFER)
			if _, ok := b.(uniformBlock); ok {
				if i == shaders.ParamsBinding {
					panic(fmt.Sprintf("gpu: %s: uniform binding %d is the parameter block's", p.name, i))
				}
				target = gl.UNIFORM_BUFFER
			}
			gl.BindBufferBase(target, uint32(i), b.name())
		}
		d.check("glBindBufferBase " + p.name)
		for _, u := range us {
			p.setParam(u)
		}
		if p.values != nil {
			d.params.bind(d, p.values)
		}
		gl.DispatchCompute(uint32(groups[0]), uint32(groups[1]), uint32(groups[2]))
		d.check("glDispatchCompute " + p.name)
		gl.MemoryBarrier(gl.SHADER_STORAGE_BARRIER_BIT | gl.BUFFER_UPDATE_BARRIER_BIT)
		d.stats.Dispatches++
	})
}

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

// paramRing is the uniform buffer that carries kernels' parameter blocks:
// each dispatch writes its block to the next free slot and binds that
// range. Slots start at multiples of GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT
// (16 on llvmpipe, up to 256 on GPUs), without which glBindBufferRange
// fails. Successive dispatches use distinct slots, so a driver that
// batches them never has to wait for one to finish before the next
// block is written; after a wrap GL's ordering keeps a rewrite correct.
type paramRing struct {
	id         uint32
	off, align int
	last       int // offset of the latest slot (tests)
}

const paramRingBytes = 64 << 10

// alignUp rounds n up to a multiple of a (a > 0).
func alignUp(n, a int) int { return (n + a - 1) / a * a }

// bind uploads block into a fresh slot and binds it at ParamsBinding.
// GL thread only.
func (r *paramRing) bind(d *Device, block []byte) {
	if r.id == 0 {
		r.align = max(d.info.UniformAlign, 4)
		gl.GenBuffers(1, &r.id)
		gl.BindBuffer(gl.UNIFORM_BUFFER, r.id)
		gl.BufferData(gl.UNIFORM_BUFFER, paramRingBytes, nil, gl.STREAM_DRAW)
	}
	off := alignUp(r.off, r.align)
	if off+len(block) > paramRingBytes {
		off = 0
	}
	gl.BindBuffer(gl.UNIFORM_BUFFER, r.id)
	gl.BufferSubData(gl.UNIFORM_BUFFER, off, len(block), gl.Ptr(block))
	gl.BindBufferRange(gl.UNIFORM_BUFFER, shaders.ParamsBinding, r.id, off, len(block))
	d.check("parameter block")
	r.last, r.off = off, off+len(block)
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
