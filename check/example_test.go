package check_test

import (
	"fmt"
	"log"
	"os"

	"github.com/glcnn/glcnn/check"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/trainer"
)

// Check every kernel a network runs on this device against the float64
// reference before trusting it, as `glcnn check` and `glcnn train` do.
// Ensure keeps a passing result in a cache folder, so the second call reads
// it instead of running the kernels.
func ExampleEnsure() {
	d, err := gpu.Open(gpu.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	cfg := trainer.Presets["tutorial"].Config
	in := []int{1, 28, 28} // per-sample input: channels, height, width
	// check.DefaultCacheDir() is the CLI's cache; a folder of its own keeps
	// this example from reading a result cached earlier.
	dir, err := os.MkdirTemp("", "glcnn-example-check-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	for range 2 {
		res, cached, err := check.Ensure(d, cfg, in, check.Options{Train: true}, dir, false)
		if err != nil {
			log.Fatal(err) // the arch does not fit the input
		}
		if err := res.Err(); err != nil {
			log.Fatal(err) // the device is refused: err says which kernel failed and what to report
		}
		fmt.Printf("passed: %v, from the cache: %v\n", res.Passed(), cached)
		// res.Variants is what trainer.Config.Variants should be for
		// training on this device (a fallback where a default kernel
		// variant is wrong); res.WriteText prints the table of `glcnn check`.
	}
	// Output:
	// passed: true, from the cache: false
	// passed: true, from the cache: true
}

// Run checks without a cache, here what eval and predict run (Train false).
// Each Row is one output of one kernel compared with the reference.
func ExampleRun() {
	d, err := gpu.Open(gpu.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	cfg := trainer.Config{Arch: "conv:4:3,relu,maxpool:2,fc:10"}
	res, err := check.Run(d, cfg, []int{1, 28, 28}, check.Options{})
	if err != nil {
		log.Fatal(err)
	}
	var ops []string // the spec items checked, in order, once each (flatten runs no kernel)
	for _, row := range res.Rows {
		if row.Bad() {
			fmt.Println(row.Problem())
		}
		if len(ops) == 0 || ops[len(ops)-1] != row.Op {
			ops = append(ops, row.Op)
		}
	}
	fmt.Println("checked:", ops)
	fmt.Println("passed:", res.Passed())
	// Output:
	// checked: [conv:4:3 relu maxpool:2 fc:10 loss]
	// passed: true
}
