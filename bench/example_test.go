package bench_test

import (
	"fmt"
	"log"

	"github.com/glcnn/glcnn/bench"
	"github.com/glcnn/glcnn/gpu"
)

// Validate and time every kernel of a preset's network from Go: the kernel
// part of `glcnn bench`, on one small batch. Each row is one pass of one
// layer (forward, backward, ...) with one kernel variant, validated against
// the float64 reference of layers/ref before it is timed; a row whose
// kernel gives wrong results has Status "failed" and is not timed.
func ExampleRun() {
	d, err := gpu.Open(gpu.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()

	rep, err := bench.Run(d, bench.Options{
		Quick:      true,
		Presets:    []string{"tutorial"},
		Batches:    []int{8},
		Runs:       1,
		SkipTime:   -1,   // time every row, however slow: a fixed set of rows
		NoEndToEnd: true, // no training or inference throughput
		NoStartup:  true,
	})
	if err != nil {
		log.Fatal(err)
	}
	status := map[string]int{}
	for _, row := range rep.Kernels {
		status[row.Status]++
		// row.MinMs, row.GFLOPs and row.PctPeak (of the device's roofline,
		// rep.Peaks) are the measurements; they vary from run to run.
	}
	// rep.Print(os.Stdout) prints the tables of `glcnn bench`.
	fmt.Println("kernel rows:", len(rep.Kernels))
	fmt.Println("validated and timed:", status["ok"], "failed:", status["failed"], "skipped:", status["skipped"])
	// Output:
	// kernel rows: 40
	// validated and timed: 40 failed: 0 skipped: 0
}
