package trainer

import (
	"errors"
	"testing"

	"github.com/glcnn/glcnn/layers"
)

// TestConfigAutotune: an empty mode is on, an unknown one a ConfigError
// naming the field; RunVariants fills in each op's default.
func TestConfigAutotune(t *testing.T) {
	c := Presets["default"].Config
	if err := c.Validate(); err != nil || c.Autotune != AutotuneOn {
		t.Errorf("default preset: autotune %q, %v", c.Autotune, err)
	}
	c.Autotune = "auto"
	var ce *ConfigError
	if err := c.Validate(); !errors.As(err, &ce) || ce.Field != "autotune" {
		t.Errorf("autotune %q: %v", c.Autotune, err)
	}
	spec, err := ParseSpec(c.Arch) // conv:16:3,maxpool:2,bn,relu,conv:32:3,maxpool:2,bn,relu,flatten,fc:64,relu,fc:10
	if err != nil {
		t.Fatal(err)
	}
	got := RunVariants(spec, map[int]string{4: layers.VariantDirect})
	want := map[int]string{0: layers.DefaultConvVariant, 4: layers.VariantDirect, 9: layers.DefaultVariant, 11: layers.DefaultVariant}
	if len(got) != len(want) {
		t.Fatalf("RunVariants %v, want %v", got, want)
	}
	for i, v := range want {
		if got[i] != v {
			t.Errorf("RunVariants %v, want %v", got, want)
		}
	}
}
