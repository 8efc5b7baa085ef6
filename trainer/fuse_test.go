package trainer

import (
	"path/filepath"
	"slices"
	"testing"
)

// TestFusions: in the default network each bn fuses the relu after it; the
// relu after fc does not fuse, and NoFuse fuses nothing.
func TestFusions(t *testing.T) {
	spec, err := ParseSpec(Presets["default"].Config.Arch)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Fusions(spec, []int{1, 28, 28}, 10, ModelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var fused []string
	for i, f := range got {
		if f {
			fused = append(fused, spec[i-1].String()+","+spec[i].String())
		}
	}
	if want := []string{"bn,relu", "bn,relu"}; !slices.Equal(fused, want) || !got[3] || !got[7] {
		t.Errorf("fused pairs %v (%v), want %v at items 3 and 7", fused, got, want)
	}
	none, _ := Fusions(spec, []int{1, 28, 28}, 10, ModelOptions{NoFuse: true})
	if slices.Contains(none, true) {
		t.Errorf("NoFuse fused %v", none)
	}
}

// TestFusedTrainingBits trains the same run fused and with NoFuse: the
// models must be identical bit for bit, and the fused run must dispatch
// fewer kernels (the relu's two per step are gone).
func TestFusedTrainingBits(t *testing.T) {
	cfg := small()
	cfg.Arch = "conv:4:3,bn,relu,maxpool:2,dropout:0.2,flatten,fc:16,bn,relu,fc:10" // BatchNorm2d and 1d
	cfg.Epochs = 1
	dir := t.TempDir()
	var fused, apart probe
	run(t, cfg, filepath.Join(dir, "fused"), false, &fused)
	cfg.NoFuse = true
	run(t, cfg, filepath.Join(dir, "apart"), false, &apart)
	if !sameModel(t, filepath.Join(dir, "fused", "model.safetensors"), filepath.Join(dir, "apart", "model.safetensors")) {
		t.Error("the fused run's model differs from the unfused run's")
	}
	nf := fused.end[0].Dispatches - fused.start[0].Dispatches
	na := apart.end[0].Dispatches - apart.start[0].Dispatches
	if nf >= na {
		t.Errorf("fused run: %d dispatches, unfused %d", nf, na)
	}
	t.Logf("dispatches in the epoch: fused %d, unfused %d", nf, na)
}
