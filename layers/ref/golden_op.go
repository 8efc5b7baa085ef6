package ref

import (
	"encoding/json"
	"fmt"
	"os"
)

// OpGolden is a golden file of one op, written by
// layers/testdata/gen_op_golden.py from the op's PyTorch module: the
// arch-spec item, the input shape (batch first), whether the training-mode
// pass was recorded, and the tensors by name (x, param.<name>,
// buffer.<name>, y, dy, dx, grad.<name>, buffer_after.<name>, y_eval).
type OpGolden struct {
	Item    string            `json:"item"`
	Input   []int             `json:"input"`
	Train   bool              `json:"train"`
	Tensors map[string]Tensor `json:"tensors"`
}

// LoadOpGolden reads an op golden file and checks that every tensor's data
// length matches its shape and that the input x is there.
func LoadOpGolden(path string) (*OpGolden, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ref: op golden: %w", err)
	}
	var g OpGolden
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("ref: op golden %s: %w", path, err)
	}
	for name, t := range g.Tensors {
		size := 1
		for _, d := range t.Shape {
			size *= d
		}
		if size != len(t.Data) {
			return nil, fmt.Errorf("ref: op golden %s: %q has shape %v but %d values", path, name, t.Shape, len(t.Data))
		}
	}
	if x, ok := g.Tensors["x"]; !ok || fmt.Sprint(x.Shape) != fmt.Sprint(g.Input) {
		return nil, fmt.Errorf("ref: op golden %s: no input x of shape %v", path, g.Input)
	}
	return &g, nil
}
