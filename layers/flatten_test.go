package layers

import (
	"slices"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
)

// TestFlatten checks that Flatten is a view both ways: same buffer, no
// dispatch, the shapes of PyTorch's Flatten. (checkLayer cannot run it: its
// canary fill of y would overwrite x, which y is.)
func TestFlatten(t *testing.T) {
	d := gputest.Device(t)
	l := NewFlatten()
	out, err := l.Setup(d, []int{4, 7, 7}, 5)
	if err != nil || !slices.Equal(out, []int{196}) {
		t.Fatalf("Setup: %v, %v", out, err)
	}
	x, _ := NewTensor(d, 5, 4, 7, 7)
	defer x.Release()
	x = x.View(3, 4, 7, 7)
	before := d.Stats().Dispatches
	y := l.Forward(x, Mode{Train: true})
	if y.Buf != x.Buf || !slices.Equal(y.Shape, []int{3, 196}) {
		t.Errorf("Forward: %v, same buffer %v", y.Shape, y.Buf == x.Buf)
	}
	dy, _ := NewTensor(d, 3, 196)
	defer dy.Release()
	dx := l.Backward(dy, true)
	if dx.Buf != dy.Buf || !slices.Equal(dx.Shape, []int{3, 4, 7, 7}) {
		t.Errorf("Backward: %v, same buffer %v", dx.Shape, dx.Buf == dy.Buf)
	}
	if l.Backward(dy, false) != nil {
		t.Error("Backward(needDX=false) != nil")
	}
	if n := d.Stats().Dispatches - before; n != 0 {
		t.Errorf("%d dispatches", n)
	}
	if l.Kind() != "flatten" || len(l.Params()) != 0 || len(l.Costs(3)) != 0 {
		t.Errorf("Kind %q Params %v Costs %v", l.Kind(), l.Params(), l.Costs(3))
	}
	l.Release()
}
