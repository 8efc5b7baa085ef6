package modelfile_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/glcnn/glcnn/modelfile"
	"github.com/glcnn/glcnn/safetensors"
)

// Write a model file and read back what it says about its network, as
// trainer.ReadModel does before it builds the network on a device.
func Example() {
	dir, err := os.MkdirTemp("", "glcnn-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	meta := modelfile.Meta{Arch: "flatten,fc:2", Input: []int{1, 2, 2}, Classes: []string{"no", "yes"}, Mean: 0.5, Std: 0.25}
	weights := []safetensors.Tensor{
		{Name: "1.weight", DType: safetensors.F32, Shape: []int{2, 4}, F32: []float32{1, 0, 0, 1, 0, 1, 1, 0}},
		{Name: "1.bias", DType: safetensors.F32, Shape: []int{2}, F32: []float32{0, 0.5}},
	}
	if err := modelfile.Write(path, meta, weights); err != nil {
		log.Fatal(err)
	}

	got, ts, err := modelfile.Read(path)
	if err != nil {
		log.Fatal(err) // not glcnn's, a normalisation or a value that is not finite, ...
	}
	fmt.Printf("arch %s on %v images, normalised by (x-%g)/%g\n", got.Arch, got.Input, got.Mean, got.Std)
	for _, t := range ts {
		fmt.Println(t.Name, t.DType, t.Shape)
	}
	// Output:
	// arch flatten,fc:2 on [1 2 2] images, normalised by (x-0.5)/0.25
	// 1.weight F32 [2 4]
	// 1.bias F32 [2]
}
