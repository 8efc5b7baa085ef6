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

// gappedKernel has storage blocks at 0 and 2 and a uniform block at 4,
// with a gap at 1 and 3, as the blocked conv kernels have.
const gappedKernel = `layout(local_size_x = 4) in;
layout(std430, binding = 0) readonly buffer Src { float x[]; };
layout(std430, binding = 2) writeonly buffer Dst { float y[]; };
layout(std140, binding = 4) uniform Scale { vec4 s; };
uniform uint n;
void main() { uint i = gl_GlobalInvocationID.x; if (i < n) y[i] = x[i] * s.x; }
`

// TestBindingsByIndex binds by explicit index around gaps, and lists the
// program's blocks as the driver reports them.
func TestBindingsByIndex(t *testing.T) {
	d := gputest.Device(t)
	p := compileTest(t, d, "gapped.comp", gappedKernel)
	want := []gpu.Block{{Name: "Src", Binding: 0}, {Name: "Dst", Binding: 2}, {Name: "Scale", Binding: 4, Uniform: true}}
	if got := p.Blocks(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Blocks() = %v, want %v", got, want)
	}
	x, y, s := buffers(t, d, 8), buffers(t, d, 8), buffers(t, d, 4)
	x.Upload([]float32{1, 2, 3, 4, 5, 6, 7, 8})
	s.Upload([]float32{3, 0, 0, 0})
	d.Dispatch(p, gpu.Grid1(8), gpu.Bindings{0: x, 2: y, 4: d.AsUniformBlock(s)}, gpu.U("n", 8))
	for i, v := range y.Read() {
		if v != float32(3*(i+1)) {
			t.Fatalf("y[%d] = %v, want %v", i, v, 3*(i+1))
		}
	}
}

// TestBindingsChecked: every way of binding the wrong buffers panics with
// the program, the index and the block names, before anything runs.
func TestBindingsChecked(t *testing.T) {
	d := gputest.Device(t)
	p := compileTest(t, d, "gapped.comp", gappedKernel)
	x, y, s := buffers(t, d, 8), buffers(t, d, 8), buffers(t, d, 4)
	u := d.AsUniformBlock(s)
	for _, c := range []struct {
		name string
		bufs gpu.Bindings
		want []string
	}{
		{"by position, as before", gpu.Bindings{x, y, u}, []string{"binding 1 (a storage buffer) is not a block", "0 Src (storage), 2 Dst (storage), 4 Scale (uniform)"}},
		{"placeholder in a gap", gpu.Bindings{0: x, 1: x, 2: y, 4: u}, []string{"binding 1 (a storage buffer) is not a block", "bound: 0 (storage), 1 (storage), 2 (storage), 4 (uniform)"}},
		{"missing storage block", gpu.Bindings{0: x, 4: u}, []string{"block 2 Dst (storage) is not bound"}},
		{"missing uniform block", gpu.Bindings{0: x, 2: y}, []string{"block 4 Scale (uniform) is not bound"}},
		{"storage buffer at a uniform block", gpu.Bindings{0: x, 2: y, 4: s}, []string{"binding 4 is block 4 Scale (uniform), given a storage buffer"}},
		{"uniform buffer at a storage block", gpu.Bindings{0: d.AsUniformBlock(x), 2: y, 4: u}, []string{"binding 0 is block 0 Src (storage), given a uniform buffer"}},
		{"nothing bound", nil, []string{"block 0 Src (storage) is not bound", "bound: none"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dispatches := d.Stats().Dispatches
			defer func() {
				msg := fmt.Sprint(recover())
				for _, w := range append([]string{"gpu: gapped.comp: "}, c.want...) {
					if !strings.Contains(msg, w) {
						t.Errorf("panic %q lacks %q", msg, w)
					}
				}
				if n := d.Stats().Dispatches; n != dispatches {
					t.Errorf("%d dispatches ran", n-dispatches)
				}
			}()
			d.Dispatch(p, gpu.Grid1(8), c.bufs, gpu.U("n", 8))
		})
	}
}

func compileTest(t *testing.T, d *gpu.Device, name, text string) *gpu.Program {
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

func buffers(t *testing.T, d *gpu.Device, n int) *gpu.Buffer[float32] {
	t.Helper()
	b, err := gpu.NewBuffer[float32](d, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Release)
	return b
}
