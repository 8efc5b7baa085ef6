package gpu

import (
	"fmt"
	"time"

	"github.com/glcnn/glcnn/internal/gl"
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

// Dispatch binds bufs (by binding index, see Bindings), sets the kernel's
// parameters (us, by name; a parameter not in us keeps its last value),
// launches the kernel over grid g and issues the barrier that makes its
// writes visible to later dispatches and downloads. An empty grid is a
// no-op. It panics when bufs do not match the kernel's blocks (see
// Bindings), when a buffer is released, or when a name in us is not a
// parameter of the kernel.
func (d *Device) Dispatch(p *Program, g Grid, bufs Bindings, us ...Uniform) {
	p.checkBindings(bufs)
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
			if b == nil {
				continue
			}
			if b.name() == 0 {
				panic(fmt.Sprintf("gpu: %s: binding %d is a released buffer", p.name, i))
			}
			target := uint32(gl.SHADER_STORAGE_BUFFER)
			if _, ok := b.(uniformBlock); ok {
				target = gl.UNIFORM_BUFFER // checkBindings keeps it off the parameter block's binding
			}
			gl.BindBufferBase(target, uint32(i), b.name())
		}
		d.check("glBindBufferBase " + p.name)
		for _, u := range us {
			p.setParam(u)
		}
		if p.values != nil {
			d.params.bind(d, p)
		}
		if !p.ran {
			t0 := time.Now()
			d.warm.claim(p) // warm.go
			gl.DispatchCompute(uint32(groups[0]), uint32(groups[1]), uint32(groups[2]))
			p.ran = true
			d.start.firstRun(p.name, time.Since(t0))
		} else {
			gl.DispatchCompute(uint32(groups[0]), uint32(groups[1]), uint32(groups[2]))
		}
		d.check("glDispatchCompute " + p.name)
		gl.MemoryBarrier(gl.SHADER_STORAGE_BARRIER_BIT | gl.BUFFER_UPDATE_BARRIER_BIT)
		d.stats.Dispatches++
	})
}
