package layers

import (
	"fmt"
	"testing"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

func TestLinear(t *testing.T) {
	cases := []struct {
		in   []int
		n    int
		out  int
		bias bool
	}{
		{[]int{1, 7}, 1, 3, true},
		{[]int{13}, 33, 10, true},
		{[]int{196}, 1, 10, false},
		{[]int{4, 7, 7}, 33, 10, true}, // the article's head, input not yet flat
		{[]int{5}, 9, 1, false},
		{[]int{37}, 5, 67, true}, // more outputs than a workgroup's tile row
	}
	for _, v := range variants {
		for i, c := range cases {
			t.Run(fmt.Sprintf("%s/%v_n%d_out%d_bias%v", v, c.in, c.n, c.out, c.bias), func(t *testing.T) {
				l := NewLinear(c.out, c.bias)
				l.Variant = v
				f := Numel(c.in)
				checkLayer(t, l, layerCase{in: c.in, n: c.n, mode: Mode{Train: true}, seed: int64(1000 + i)},
					func(x []float64, params map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
						y := ref.LinearForward(c.n, f, c.out, x, params["weight"], params["bias"])
						dx, dw, db := ref.LinearBackward(c.n, f, c.out, x, params["weight"], dy)
						grads := map[string][]float64{"weight": dw}
						if c.bias {
							grads["bias"] = db
						}
						return y, dx, grads
					})
			})
		}
	}
}

func TestLinearCosts(t *testing.T) {
	d := gputest.Device(t)
	l := NewLinear(10, true)
	if _, err := l.Setup(d, []int{4, 7, 7}, 8); err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	c := l.Costs(8)
	if c["linear_fwd"].FLOPs != 2*8*196*10+80 || c["linear_bwd_filter"].Bytes != 4*(80+8*196+2*1960) || c["bias_bwd"].FLOPs != 80 {
		t.Errorf("costs %+v", c)
	}
	if l.Kind() != "fc" {
		t.Errorf("Kind %q", l.Kind())
	}
}

// BenchmarkLinear times the default preset's head (32*7*7 -> 10, batch 128)
// per kernel and variant; llvmpipe figures are software-renderer figures.
func BenchmarkLinear(b *testing.B) {
	d := gputest.Device(b)
	b.Logf("GL_RENDERER %s", d.Info().Renderer)
	const n, in, out = 128, 32 * 7 * 7, 10
	for _, v := range variants {
		for _, pass := range []string{"fwd", "bwd_data", "bwd_filter"} {
			b.Run(v+"/"+pass, func(b *testing.B) {
				l := NewLinear(out, false)
				l.Variant = v
				if _, err := l.Setup(d, []int{in}, n); err != nil {
					b.Fatal(err)
				}
				defer l.Release()
				x, _ := NewTensor(d, n, in)
				defer x.Release()
				dy, _ := NewTensor(d, n, out)
				defer dy.Release()
				l.Forward(x, Mode{Train: true})
				run := map[string]func(){
					"fwd": func() { l.Forward(x, Mode{Train: true}) },
					"bwd_data": func() {
						l.dev.Dispatch(l.data, l.grid(n, in), []gpu.Storage{dy.Buf, l.weight.Value.Buf, l.dx.Buf}, l.uniforms(n)...)
					},
					"bwd_filter": func() { l.Backward(dy, false) },
				}[pass]
				run()
				d.Finish()
				for b.Loop() {
					run()
				}
				d.Finish()
				b.ReportMetric(float64(l.Costs(n)["linear_"+pass].FLOPs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
