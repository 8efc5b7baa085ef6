package layers

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

func TestLeakyReLU(t *testing.T) {
	for i, in := range [][]int{{1}, {3, 5, 7}, {13, 13}, {257}, {4, 14, 14}} {
		for j, slope := range []float64{0, 0.01, 0.1, 1, 2.5} {
			for _, n := range []int{1, 3} {
				t.Run(fmt.Sprintf("%v_n%d_slope%g", in, n, slope), func(t *testing.T) {
					checkLayer(t, NewLeakyReLU(slope), layerCase{in: in, n: n, mode: Mode{Train: true}, seed: int64(4000 + 100*i + 10*j + n)},
						func(x []float64, _ map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
							return ref.LeakyReLUForward(x, slope), ref.LeakyReLUBackward(x, dy, slope), nil
						})
				})
			}
		}
	}
}

// TestLeakyReLUAtZero checks the gradient at x = 0, which PyTorch takes as
// slope·dy (x > 0 ? dy : slope·dy), on an input with many exact zeros and
// negative zeros, in both the vec4 and the scalar kernels.
func TestLeakyReLUAtZero(t *testing.T) {
	d := gputest.Device(t)
	const slope = 0.25
	for _, in := range [][]int{{2, 4, 4}, {3, 5}} {
		l := NewLeakyReLU(slope)
		if _, err := l.Setup(d, in, 2); err != nil {
			t.Fatal(err)
		}
		k := 2 * Numel(in)
		xv, dyv := ref.RandN(11, k), ref.RandN(12, k)
		for i := range xv {
			switch i % 3 {
			case 0:
				xv[i] = 0
			case 1:
				xv[i] = math.Copysign(0, -1)
			}
		}
		x := tensorOf(t, xv, append([]int{2}, in...)...)
		dy := tensorOf(t, dyv, append([]int{2}, in...)...)
		report(t, "y", l.Forward(x, Mode{Train: true}).Read(), ref.LeakyReLUForward(xv, slope), tolR, tolA)
		want := ref.LeakyReLUBackward(xv, dyv, slope)
		for i := 0; i < k; i += 3 {
			if want[i] != slope*dyv[i] {
				t.Fatalf("reference dx[%d] at x = 0 is %v, want slope·dy = %v", i, want[i], slope*dyv[i])
			}
		}
		report(t, "dx", l.Backward(dy, true).Read(), want, tolR, tolA)
		x.Release()
		dy.Release()
		l.Release()
		l.Release()
	}
}

func TestLeakyReLUParse(t *testing.T) {
	for args, want := range map[string]float64{"": DefaultLeakySlope, "0.1": 0.1, "0": 0, "1e-3": 1e-3, "2": 2} {
		f := []string{}
		if args != "" {
			f = strings.Split(args, ":")
		}
		a, err := LeakyReLUOp.Parse(f)
		if err != nil || a.(LeakyReLUArgs).Slope != want {
			t.Errorf("leakyrelu:%s = %+v, %v; want slope %v", args, a, err, want)
		}
	}
	for _, args := range []string{"-0.1", "nan", "inf", "1e40", "1e999", "x", "0.1:2"} {
		if _, err := LeakyReLUOp.Parse(strings.Split(args, ":")); err == nil {
			t.Errorf("leakyrelu:%s: no error", args)
		} else {
			t.Logf("leakyrelu:%s: %v", args, err)
		}
	}
}
