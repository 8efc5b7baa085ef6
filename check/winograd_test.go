package check

import (
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/trainer"
)

// TestWinogradNetwork checks the default network with its two 3x3 convs
// asking for the Winograd variant: the check runs and validates those
// kernels (the filter transform with y and dx) and keeps the variant.
func TestWinogradNetwork(t *testing.T) {
	d := gputest.Device(t)
	cfg := trainer.Presets["default"].Config
	cfg.Variants = map[int]string{0: layers.VariantWinograd, 4: layers.VariantWinograd}
	res, err := Run(d, cfg, []int{1, 28, 28}, Options{Train: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed() || len(res.Fallbacks) > 0 {
		t.Fatalf("on %s: %v\n%s", d.Info().Renderer, res.Err(), table(res))
	}
	if res.Variants[0] != layers.VariantWinograd || res.Variants[4] != layers.VariantWinograd {
		t.Errorf("variants %v, want winograd for layers 0 and 4", res.Variants)
	}
	outputs := map[string]bool{}
	for _, r := range res.Rows {
		for _, k := range r.Kernels {
			if k == "conv2d_winograd_pack" {
				outputs[r.Output] = true
			}
		}
	}
	if !outputs["y"] || !outputs["dx"] {
		t.Errorf("rows checking conv2d_winograd_pack: %v, want y and dx", outputs)
	}
}
