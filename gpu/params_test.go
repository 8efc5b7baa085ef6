package gpu_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/shaders"
)

// windowMax is maxpool's loop path reduced to its core: the window size K
// and the shape are parameters that steer the loops.
const windowMax = `layout(local_size_x = 8) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
uniform uint n;
uniform uint H;
uniform uint W;
uniform uint OH;
uniform uint OW;
uniform uint K;
uniform uint S;
void main() {
    uint o = gl_GlobalInvocationID.x;
    if (o >= n) return;
    uint t = o / OW;
    uint plane = (t / OH) * H * W;
    uint y0 = (t % OH) * S, x0 = (o % OW) * S;
    float best = x[plane + y0 * W + x0];
    for (uint i = 0u; i < K; i++)
        for (uint j = 0u; j < K; j++)
            best = max(best, x[plane + (y0 + i) * W + x0 + j]);
    y[o] = best;
}
`

func compileFS(t *testing.T, d *gpu.Device, name, text string) *gpu.Program {
	t.Helper()
	src, err := shaders.AssembleFS(fstest.MapFS{name: {Data: []byte(text)}}, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.CompileSource(src)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// windowSum stands for the backward kernel that ran between the forward
// dispatches: another program with parameters of the same names.
const windowSum = `layout(local_size_x = 8) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
uniform uint n;
uniform uint K;
void main() {
    uint o = gl_GlobalInvocationID.x;
    if (o >= n) return;
    float s = 0.0;
    for (uint i = 0u; i < K; i++) s += x[o];
    y[o] = s;
}
`

// TestParamsSteerLoops alternates two programs whose loops are bounded by
// parameters, the pattern of maxpool's forward and backward in the layer
// tests: with default-block uniforms, zink 22.3 on lavapipe ran the fourth
// forward with the K of an earlier dispatch (docs/drivers.md). Every
// dispatch must see its own values.
func TestParamsSteerLoops(t *testing.T) {
	d := gputest.Device(t)
	p := compileFS(t, d, "winmax.comp", windowMax)
	other := compileFS(t, d, "winsum.comp", windowSum)
	for _, c := range []struct{ planes, h, w, k, s int }{
		{1, 5, 7, 2, 2}, {39, 13, 13, 2, 2}, {6, 13, 13, 3, 2}, {1, 5, 7, 3, 2}, {2, 9, 9, 1, 1}, {3, 9, 9, 4, 1},
	} {
		x := make([]float32, c.planes*c.h*c.w)
		for i := range x {
			x[i] = float32((i*7919)%101) / 101
		}
		oh, ow := (c.h-c.k)/c.s+1, (c.w-c.k)/c.s+1
		xb, _ := gpu.NewBuffer[float32](d, len(x))
		n := c.planes * oh * ow
		yb, _ := gpu.NewBuffer[float32](d, n)
		xb.Upload(x)
		d.Dispatch(p, gpu.Grid1(n), gpu.Bindings{0: xb, 1: yb}, gpu.U("n", n), gpu.U("H", c.h), gpu.U("W", c.w),
			gpu.U("OH", oh), gpu.U("OW", ow), gpu.U("K", c.k), gpu.U("S", c.s))
		got := yb.Read()
		d.Dispatch(other, gpu.Grid1(n), gpu.Bindings{0: xb, 1: yb}, gpu.U("n", n), gpu.U("K", c.k))
		xb.Release()
		yb.Release()
		for o := range got {
			plane, y0, x0 := o/(oh*ow)*c.h*c.w, (o/ow%oh)*c.s, (o%ow)*c.s
			want := x[plane+y0*c.w+x0]
			for i := 0; i < c.k; i++ {
				for j := 0; j < c.k; j++ {
					want = max(want, x[plane+(y0+i)*c.w+x0+j])
				}
			}
			if got[o] != want {
				t.Fatalf("%s: case %+v: y[%d] = %v, want %v", d.Info().Renderer, c, o, got[o], want)
			}
		}
	}
}

// TestParamRingAlignment dispatches often enough to wrap the parameter
// ring, with slots aligned as a GPU with 256-byte uniform offset alignment
// demands: every bound offset must be a multiple of it (glBindBufferRange
// refuses others) and every dispatch must read its own values.
func TestParamRingAlignment(t *testing.T) {
	d := gputest.Private(t) // its ring's alignment changes
	p := compileFS(t, d, "params.comp", `layout(local_size_x = 1) in;
layout(std430, binding = 0) writeonly buffer Y { float y[]; };
uniform uint slot;
uniform float v;
uniform int unused;
void main() { y[slot] = v; }
`)
	const align = 256
	gpu.SetParamAlign(d, align)
	const n = 600 // 600 slots of 256 bytes: the 64 KiB ring wraps twice
	y, _ := gpu.NewBuffer[float32](d, n)
	defer y.Release()
	for i := range n {
		d.Dispatch(p, gpu.Grid1(1), gpu.Bindings{0: y}, gpu.U("slot", i), gpu.U("v", float32(i)+0.5))
		if off := gpu.LastParamOffset(d); off%align != 0 || off%d.Info().UniformAlign != 0 {
			t.Fatalf("%s: dispatch %d bound its parameters at offset %d, not a multiple of %d", d.Info().Renderer, i, off, align)
		}
	}
	for i, v := range y.Read() {
		if v != float32(i)+0.5 {
			t.Fatalf("%s: y[%d] = %v, want %v", d.Info().Renderer, i, v, float32(i)+0.5)
		}
	}
}

// TestParamsPersist: a parameter left out of a dispatch keeps the value
// the program last had, as a GL uniform would.
func TestParamsPersist(t *testing.T) {
	d := gputest.Device(t)
	p := compileFS(t, d, "persist.comp", `layout(local_size_x = 1) in;
layout(std430, binding = 0) writeonly buffer Y { float y[]; };
uniform float a;
uniform int b;
void main() { y[0] = a + float(b); }
`)
	y, _ := gpu.NewBuffer[float32](d, 1)
	defer y.Release()
	d.Dispatch(p, gpu.Grid1(1), gpu.Bindings{0: y}, gpu.U("a", 1.5), gpu.U("b", -4))
	d.Dispatch(p, gpu.Grid1(1), gpu.Bindings{0: y}, gpu.U("a", 2.5))
	if got := y.Read()[0]; got != -1.5 {
		t.Errorf("%s: y = %v, want 2.5 + -4 = -1.5", d.Info().Renderer, got)
	}
}

// TestWorkgroupLimit: a kernel whose workgroup exceeds the device's
// invocation limit is refused when it is built, with both numbers named,
// rather than dispatched.
func TestWorkgroupLimit(t *testing.T) {
	d := gputest.Private(t) // its limit changes
	gpu.SetMaxInvocations(d, 64)
	_, err := d.Program("fill_f32", gpu.D("WG", 96))
	if err == nil || !strings.Contains(err.Error(), "96 invocations") || !strings.Contains(err.Error(), "64") {
		t.Fatalf("%s: a 96-invocation workgroup on a 64-invocation device: err = %v", d.Info().Renderer, err)
	}
	if _, err := d.Program("fill_f32", gpu.D("WG", 48)); err != nil {
		t.Fatalf("%s: a 48-invocation workgroup: %v", d.Info().Renderer, err)
	}
}

// TestParamSlotsReused: a dispatch that repeats an earlier dispatch's
// parameters binds the slot already written, unless the ring has come
// round and overwritten it since.
func TestParamSlotsReused(t *testing.T) {
	d := gputest.Device(t)
	src := `layout(local_size_x = 1) in;
layout(std430, binding = 0) writeonly buffer Y { float y[]; };
uniform uint slot;
uniform float v;
void main() { y[slot] = v; }
`
	a := compileFS(t, d, "reuse_a.comp", src)
	b := compileFS(t, d, "reuse_b.comp", src)
	y, _ := gpu.NewBuffer[float32](d, 2)
	defer y.Release()
	run := func(p *gpu.Program, slot int, v float32) {
		d.Dispatch(p, gpu.Grid1(1), gpu.Bindings{0: y}, gpu.U("slot", slot), gpu.U("v", v))
	}
	run(a, 0, 1)
	w := gpu.ParamWrites(d)
	run(b, 1, 2)
	run(a, 0, 1)
	run(a, 0, 1)
	if got := gpu.ParamWrites(d) - w; got != 1 {
		t.Errorf("%s: %d blocks uploaded for one new image and two repeats, want 1", d.Info().Renderer, got)
	}
	for i := range 5000 { // 5000 distinct 16-byte or larger blocks: the 64 KiB ring wraps
		run(b, 1, float32(i))
	}
	y.Upload([]float32{0, 0})
	run(a, 0, 1)
	if got := y.Read()[0]; got != 1 {
		t.Errorf("%s: after the ring wrapped, a repeated image read %v, want 1", d.Info().Renderer, got)
	}
}

// TestParamBindRefused: a parameter range the driver refuses (here one at
// an offset that is no multiple of GL_UNIFORM_BUFFER_OFFSET_ALIGNMENT) is
// a panic naming the kernel, in every build — not a dispatch that silently
// reads the previous parameters.
func TestParamBindRefused(t *testing.T) {
	d := gputest.Private(t) // its ring is misaligned
	if d.Info().UniformAlign <= 4 {
		t.Skipf("%s accepts uniform ranges at any 4-byte offset: nothing to refuse", d.Info().Renderer)
	}
	p := compileFS(t, d, "refused.comp", `layout(local_size_x = 1) in;
layout(std430, binding = 0) writeonly buffer Y { float y[]; };
uniform float v;
void main() { y[0] = v; }
`)
	y, _ := gpu.NewBuffer[float32](d, 1)
	defer y.Release()
	gpu.SetParamAlign(d, 4)
	gpu.SkewParamRing(d, 4)
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "refused.comp") {
			t.Errorf("%s: a refused parameter range: recover() = %v, want a panic naming the kernel", d.Info().Renderer, r)
		}
	}()
	d.Dispatch(p, gpu.Grid1(1), gpu.Bindings{0: y}, gpu.U("v", 1))
}
