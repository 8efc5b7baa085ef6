package ref

import (
	"encoding/json"
	"fmt"
	"os"
)

// Tensor is one named array of a golden file: its shape (outermost first) and
// its values in row-major order. A scalar has an empty Shape and one value.
type Tensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// LoadGolden reads a golden file written by layers/testdata/gen_golden.py: a
// JSON object mapping names to {"shape": [...], "data": [...]}. It checks that
// every tensor's data length matches the product of its shape.
func LoadGolden(path string) (map[string]Tensor, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ref: golden: %w", err)
	}
	var m map[string]Tensor
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("ref: golden %s: %w", path, err)
	}
	for name, t := range m {
		size := 1
		for _, d := range t.Shape {
			size *= d
		}
		if size != len(t.Data) {
			return nil, fmt.Errorf("ref: golden %s: %q has shape %v but %d values", path, name, t.Shape, len(t.Data))
		}
	}
	return m, nil
}
