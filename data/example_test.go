package data_test

import (
	"fmt"
	"log"

	"github.com/glcnn/glcnn/data"
)

// Load Fashion-MNIST (or an Apparels folder: the layout is detected) and
// look at what it holds. IDX records get the contest's ids: train 1..60000,
// test 60001..70000, in record order.
func ExampleLoad() {
	// "" is data.DefaultDir; LoadOptions{Cache: true} would keep the decoded
	// set in data.DefaultCacheDir() for the next load.
	ds, err := data.Load("", data.LoadOptions{})
	if err != nil {
		log.Fatal(err) // a *data.InputError names the file and the record or line
	}
	fmt.Println(ds.Layout, "train:", ds.Train, "test:", ds.Test)
	fmt.Println("train ids", ds.Train.ID(0), "to", ds.Train.ID(ds.Train.N-1))
	fmt.Println("test ids", ds.Test.ID(0), "to", ds.Test.ID(ds.Test.N-1))
	fmt.Println("first train image:", data.ClassNames[ds.Train.Labels[0]], len(ds.Train.Image(0)), "pixels")

	train, valid := data.Split(ds.Train, 0.1, 1) // stratified, seeded
	fmt.Println("split:", train.N, "+", valid.N)
	// Output:
	// idx train: 60000 images 28x28, labelled test: 10000 images 28x28, labelled
	// train ids 1 to 60000
	// test ids 60001 to 70000
	// first train image: Ankle boot 784 pixels
	// split: 54000 + 6000
}
