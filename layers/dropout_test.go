package layers

import (
	"fmt"
	"testing"

	"github.com/glcnn/glcnn/layers/ref"
)

func TestDropout(t *testing.T) {
	for _, c := range []struct {
		p  float64
		in []int
		n  int
	}{
		{0, []int{3, 5, 7}, 2},
		{0.25, []int{3, 5, 7}, 2},
		{0.5, []int{13, 13}, 1},
		{0.5, []int{37}, 33}, // 1221 elements: the last mask word is partial
		{0.25, []int{4, 28, 28}, 3},
		{0.9, []int{64}, 5},
	} {
		for _, train := range []bool{true, false} {
			t.Run(fmt.Sprintf("p%v_%v_n%d_train=%v", c.p, c.in, c.n, train), func(t *testing.T) {
				const step, salt = 0xdeadbeef, 3
				checkLayer(t, NewDropout(c.p, salt), layerCase{in: c.in, n: c.n, mode: Mode{Train: train, Seed: step}, seed: 11},
					func(x []float64, _ map[string][]float64, dy []float64) ([]float64, []float64, map[string][]float64) {
						if !train {
							return x, nil, nil
						}
						y, mask := ref.DropoutForward(x, c.p, DropoutSeed(step, salt))
						return y, ref.DropoutBackward(mask, dy), nil
					})
			})
		}
	}
}

func TestDropoutSeed(t *testing.T) {
	if DropoutSeed(5, 1) == DropoutSeed(5, 2) {
		t.Error("salts 1 and 2 give the same stream")
	}
}
