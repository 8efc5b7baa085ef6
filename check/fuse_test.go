package check

import (
	"slices"
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/trainer"
)

// TestFusedUnits: the check validates what the trainer runs. With fusion
// (the default) each bn and the relu after it are one unit, "bn+relu",
// against the composition of the two references, and the relu has no rows
// of its own; with NoFuse they are checked apart, with their own kernels.
func TestFusedUnits(t *testing.T) {
	d := gputest.Device(t)
	for _, noFuse := range []bool{false, true} {
		cfg := small
		cfg.NoFuse = noFuse
		res, err := Run(d, cfg, smallIn, Options{Train: true})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Passed() {
			t.Fatalf("NoFuse %v: %v\n%s", noFuse, res.Err(), table(res))
		}
		ops := map[int]string{}
		kernels := map[string]bool{}
		for _, r := range res.Rows {
			if r.Layer >= 0 {
				ops[r.Layer] = r.Op
			}
			for _, k := range r.Kernels {
				kernels[k] = true
			}
		}
		// small: conv:4:3,bn,relu,maxpool:2,dropout:0.2,flatten,fc:8,bn,relu,fc:10
		want := map[int]string{0: "conv:4:3", 1: "bn+relu", 3: "maxpool:2", 4: "dropout:0.2", 6: "fc:8", 7: "bn+relu", 9: "fc:10"}
		ks := []string{"batchnorm_relu_fwd", "batchnorm_relu_bwd_partial", "batchnorm_relu_bwd"}
		if noFuse {
			want[1], want[2], want[7], want[8] = "bn", "relu", "bn", "relu"
			ks = []string{"batchnorm_fwd", "batchnorm_bwd_partial", "batchnorm_bwd", "relu_fwd", "relu_bwd"}
		}
		if len(ops) != len(want) {
			t.Errorf("NoFuse %v: layers checked %v, want %v", noFuse, ops, want)
		}
		for i, op := range want {
			if ops[i] != op {
				t.Errorf("NoFuse %v: layer %d checked as %q, want %q", noFuse, i, ops[i], op)
			}
		}
		for _, k := range ks {
			if !kernels[k] {
				t.Errorf("NoFuse %v: no row checks %s", noFuse, k)
			}
		}
	}
}

// TestNetworkLayersFused: a fused unit lists the layers it absorbs, which
// stay in their places marked Absorbed and build no layer.
func TestNetworkLayersFused(t *testing.T) {
	spec, err := trainer.ParseSpec(small.Arch)
	if err != nil {
		t.Fatal(err)
	}
	las, err := NetworkLayers(spec, smallIn, 10, false)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, la := range las {
		if !la.Absorbed {
			labels = append(labels, la.Label())
		} else if NewLayer(la, "") != nil {
			t.Errorf("absorbed layer %d builds a layer", la.Index)
		}
	}
	want := []string{"conv:4:3", "bn+relu", "maxpool:2", "dropout:0.2", "flatten", "fc:8", "bn+relu", "fc:10"}
	if !slices.Equal(labels, want) {
		t.Errorf("units %v, want %v", labels, want)
	}
	if k := las[1].Key(); k != "bn+relu@[4 8 8]" {
		t.Errorf("key %q", k)
	}
	if l := NewLayer(las[1], ""); l == nil || l.Kind() != "bn+relu" {
		t.Errorf("unit 1 builds %v", l)
	}
}
