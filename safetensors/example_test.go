package safetensors_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/glcnn/glcnn/safetensors"
)

// Write two tensors, a matrix and a scalar, with metadata, and read them
// back: in file order, checked before a value is decoded.
func Example() {
	dir, err := os.MkdirTemp("", "safetensors-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "t.safetensors")

	ts := []safetensors.Tensor{
		{Name: "0.weight", DType: safetensors.F32, Shape: []int{2, 3}, F32: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "1.num_batches_tracked", DType: safetensors.I64, Shape: []int{}, I64: []int64{42}},
	}
	if err := safetensors.WriteFile(path, ts, map[string]string{"note": "an example"}); err != nil {
		log.Fatal(err) // an invalid tensor, or the file could not be written
	}

	got, meta, err := safetensors.ReadFile(path)
	if err != nil {
		log.Fatal(err) // not a regular file, truncated, a header that lies, ...
	}
	for _, t := range got {
		fmt.Println(t.Name, t.DType, t.Shape, t.NumElements(), t.F32, t.I64)
	}
	fmt.Println(meta["note"])
	// Output:
	// 0.weight F32 [2 3] 6 [1 2 3 4 5 6] []
	// 1.num_batches_tracked I64 [] 1 [] [42]
	// an example
}
