package layers

import (
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers/ref"
)

func reluRef(x []float64, _ map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
	return ref.ReLUForward(x), ref.ReLUBackward(x, dy), nil
}

func TestReLU(t *testing.T) {
	for i, in := range [][]int{{1}, {3, 5, 7}, {13, 13}, {257}} {
		for _, n := range []int{1, 3} {
			checkLayer(t, NewReLU(), layerCase{in: in, n: n, mode: Mode{Train: true}, seed: int64(2000 + 10*i + n)}, reluRef)
		}
	}
}

// TestReLUInPlace checks that Backward with InPlace writes dx over dy (a
// case checkLayer cannot run: it refills dx with a canary between calls).
func TestReLUInPlace(t *testing.T) {
	d := gputest.Device(t)
	const n = 3
	in := []int{2, 5, 7}
	l := &ReLU{InPlace: true}
	if _, err := l.Setup(d, in, n); err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	xv, dyv := ref.RandN(1, n*70), ref.RandN(2, n*70)
	x, _ := NewTensor(d, n, 2, 5, 7)
	defer x.Release()
	x.Buf.Upload(ref.Float32s(xv))
	dy, _ := NewTensor(d, n, 2, 5, 7)
	defer dy.Release()
	dy.Buf.Upload(ref.Float32s(dyv))
	report(t, "y", l.Forward(x, Mode{Train: true}).Read(), ref.ReLUForward(xv), tolR, tolA)
	dx := l.Backward(dy, true)
	if dx.Buf != dy.Buf {
		t.Errorf("InPlace: dx is not dy's buffer")
	}
	report(t, "dx", dx.Read(), ref.ReLUBackward(xv, dyv), tolR, tolA)
}
