package main

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/internal/fsutil"
	"github.com/glcnn/glcnn/trainer"
)

func init() {
	register(&command{
		name:    "predict",
		summary: "predict your own images (PNG, JPEG), or the test set into submission.csv (id,label)",
		usage:   "--model FILE [--probs] [--topk K] [--resize] [--json] [--out FILE.csv] IMAGE|FOLDER...\n  glcnn predict --model FILE [--data PATH] [--out submission.csv] [--json]",
		examples: `  glcnn predict --model runs/latest/model.safetensors shirt.png photos/
  glcnn predict --model model.safetensors --probs --json a.png b.png
  glcnn predict --model model.safetensors --topk 3 --resize --out preds.csv photo.jpg
  glcnn predict --model runs/latest/model.safetensors --data ~/apparels --out submission.csv

With images (files, or folders whose .png, .jpg and .jpeg files are taken, sorted
by name, not recursively), each is read as gray scaled to [0,1] as the training
data are, and must have the model's input size unless --resize scales it. Without
images, the test set of --data is predicted into --out (the contest's ids).`,
		flags: predictFlags,
	})
}

func predictFlags(fs *pflag.FlagSet) func([]string) error {
	var g gpuFlags
	model, path := modelFlags(fs)
	out := fs.String("out", "submission.csv", "where to write the predictions (with images: a CSV, instead of the table)")
	probs := fs.Bool("probs", false, "with images: every class's probability, not only the top ones")
	topk := fs.Int("topk", 1, "with images: the K most probable classes of each image")
	resize := fs.Bool("resize", false, "with images: scale images of another size to the model's input (else they are refused)")
	asJSON := fs.Bool("json", false, "print the results (with images: every probability) as one JSON object on stdout")
	var ck checkFlag
	ck.add(fs)
	ck.addAutotune(fs)
	g.add(fs)
	return func(args []string) error {
		if len(args) > 0 {
			if fs.Changed("data") {
				return usagef("--data predicts a test set; images are given instead: give one or the other")
			}
			outFile := ""
			if fs.Changed("out") {
				outFile = *out
			}
			return predictImages(&g, &ck, *model, args, imageOptions{out: outFile, probs: *probs, topk: *topk, resize: *resize, json: *asJSON})
		}
		for _, name := range []string{"probs", "topk", "resize"} {
			if fs.Changed(name) {
				return usagef("--%s is for images: glcnn predict --model FILE IMAGE|FOLDER...", name)
			}
		}
		return predictTestSet(&g, &ck, *model, *path, *out, *asJSON)
	}
}

// predictTestSet writes the predictions of the test set of the data at
// path to out, with the dataset's ids (for IDX data, the contest's).
func predictTestSet(g *gpuFlags, ck *checkFlag, model, path, out string, asJSON bool) error {
	if err := checkOutFile(out); err != nil {
		return err
	}
	ds, test, s, closeAll, err := openModel(g, ck, model, path, func(ds *data.Dataset) (*data.Set, error) {
		if ds.Test == nil || ds.Test.N == 0 {
			return nil, usagef("%s has no test set", ds.Root)
		}
		return ds.Test, nil
	})
	if err != nil {
		return err
	}
	defer closeAll()
	preds, err := s.Predict(test)
	if err != nil {
		return err
	}
	if err := trainer.WriteSubmission(out, ds, preds); err != nil {
		return err
	}
	if asJSON {
		return printJSON(struct {
			Model       string `json:"model"`
			Data        string `json:"data"`
			Layout      string `json:"layout"`
			Predictions int    `json:"predictions"`
			FirstID     int64  `json:"first_id"`
			LastID      int64  `json:"last_id"`
			Out         string `json:"out"`
			Renderer    string `json:"renderer"`
		}{model, ds.Root, ds.Layout, len(preds), test.ID(0), test.ID(test.N - 1), out, s.Dev.Info().Renderer})
	}
	fmt.Printf("%d predictions written to %s\n", len(preds), out)
	return nil
}

// imageOptions are the flags of predict on images.
type imageOptions struct {
	out          string // CSV to write; "": the table (or JSON) on stdout
	probs        bool
	topk         int
	resize, json bool
}

// predictImages predicts the images of paths (files and folders). Every
// image is read, and its size checked, before the device is opened.
func predictImages(g *gpuFlags, ck *checkFlag, model string, paths []string, opt imageOptions) error {
	if model == "" {
		return usagef("--model is required")
	}
	if opt.topk < 1 || opt.topk > data.NumClasses {
		return usagef("--topk %d: want 1 to %d", opt.topk, data.NumClasses)
	}
	if opt.out != "" {
		if err := checkOutFile(opt.out); err != nil {
			return err
		}
	}
	if err := ck.validate(); err != nil {
		return err
	}
	f, err := trainer.ReadModel(model)
	if err != nil {
		return err
	}
	files, err := imageFiles(paths)
	if err != nil {
		return err
	}
	set, err := readImages(files, f.In, opt.resize, model)
	if err != nil {
		return err
	}
	s, closeAll, err := openSession(g, ck, f)
	if err != nil {
		return err
	}
	defer closeAll()
	probs, err := s.Probabilities(set)
	if err != nil {
		return err
	}
	res := imageResults(files, probs, opt.topk)
	if opt.out != "" {
		if err := fsutil.WriteFileAtomic(opt.out, func(w io.Writer) error { return writeImageCSV(w, res, opt.probs) }); err != nil {
			return err
		}
	}
	switch {
	case opt.json:
		return printJSON(imagesJSON{Model: model, Renderer: s.Dev.Info().Renderer, Classes: data.ClassNames[:], Images: res})
	case opt.out != "":
		fmt.Printf("%d predictions written to %s\n", len(res), opt.out)
		return nil
	}
	return writeImageTable(os.Stdout, res, opt.probs)
}

// imageFiles expands paths: a folder stands for its image files (by
// name: .png, .jpg, .jpeg), sorted; a file stands for itself, whatever its
// name. A folder without images is a usage error.
func imageFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			files = append(files, p) // data.ReadImage says what is wrong with it
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, usagef("%s: %v", p, err)
		}
		n := len(files)
		for _, e := range ents {
			if !e.IsDir() && data.ImageFile(e.Name()) {
				files = append(files, filepath.Join(p, e.Name()))
			}
		}
		if len(files) == n {
			return nil, usagef("%s: no .png, .jpg or .jpeg files in this folder", p)
		}
		sort.Strings(files[n:])
	}
	return files, nil
}

// readImages reads files as one set of the model's input size in (C,H,W):
// an image of another size is refused, naming both sizes, unless resize.
func readImages(files []string, in []int, resize bool, model string) (*data.Set, error) {
	h, w := in[1], in[2]
	imgs := make([]*image.Gray, len(files))
	for i, p := range files {
		img, err := data.ReadImage(p)
		if err != nil {
			return nil, err
		}
		if iw, ih := img.Bounds().Dx(), img.Bounds().Dy(); iw != w || ih != h {
			if !resize {
				return nil, usagef("%s is %dx%d pixels; --model %s takes %dx%d images: give --resize to scale it", p, iw, ih, model, w, h)
			}
			img = data.Resize(img, w, h)
		}
		imgs[i] = img
	}
	return data.NewSet(imgs), nil
}

// classProb is one class of an image and its probability.
type classProb struct {
	Label       int     `json:"label"`
	Class       string  `json:"class"`
	Probability float64 `json:"probability"`
}

// imageResult is the prediction of one image.
type imageResult struct {
	File          string      `json:"file"`
	Top           []classProb `json:"top"`           // the topk most probable classes, most probable first
	Probabilities []float64   `json:"probabilities"` // of every class, in label order
}

// imagesJSON is predict --json on images.
type imagesJSON struct {
	Model    string        `json:"model"`
	Renderer string        `json:"renderer"`
	Classes  []string      `json:"classes"`
	Images   []imageResult `json:"images"`
}

// imageResults ranks the classes of each image by probability (ties by
// label, as argmax takes the first).
func imageResults(files []string, probs [][]float64, topk int) []imageResult {
	res := make([]imageResult, len(files))
	for i, p := range probs {
		order := make([]int, len(p))
		for c := range order {
			order[c] = c
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(p[b], p[a]) }) // descending
		res[i] = imageResult{File: files[i], Probabilities: p}
		for _, c := range order[:min(topk, len(order))] {
			res[i].Top = append(res[i].Top, classProb{Label: c, Class: className(c), Probability: p[c]})
		}
	}
	return res
}

func className(label int) string {
	if label < len(data.ClassNames) {
		return data.ClassNames[label]
	}
	return strconv.Itoa(label)
}

// imageColumns are the header and rows of the table and the CSV: file,
// then class and probability of each of the top classes, then with probs
// every class's probability under its name.
func imageColumns(res []imageResult, probs bool, format func(float64) string) (header []string, rows [][]string) {
	header = []string{"file"}
	k := 0
	if len(res) > 0 {
		k = len(res[0].Top)
	}
	for r := 1; r <= k; r++ {
		if k == 1 {
			header = append(header, "label", "class", "probability")
		} else {
			header = append(header, fmt.Sprintf("label_%d", r), fmt.Sprintf("class_%d", r), fmt.Sprintf("probability_%d", r))
		}
	}
	if probs {
		header = append(header, data.ClassNames[:]...)
	}
	for _, r := range res {
		row := []string{r.File}
		for _, t := range r.Top {
			row = append(row, strconv.Itoa(t.Label), t.Class, format(t.Probability))
		}
		if probs {
			for _, p := range r.Probabilities {
				row = append(row, format(p))
			}
		}
		rows = append(rows, row)
	}
	return header, rows
}

// writeImageCSV writes the predictions as CSV, probabilities in full.
func writeImageCSV(w io.Writer, res []imageResult, probs bool) error {
	header, rows := imageColumns(res, probs, func(p float64) string { return strconv.FormatFloat(p, 'g', -1, 64) })
	cw := csv.NewWriter(w)
	cw.Write(header)
	cw.WriteAll(rows)
	return cw.Error()
}

// writeImageTable writes the predictions as an aligned table.
func writeImageTable(w io.Writer, res []imageResult, probs bool) error {
	header, rows := imageColumns(res, probs, func(p float64) string { return strconv.FormatFloat(p, 'f', 4, 64) })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range append([][]string{header}, rows...) {
		for i, cell := range row {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, cell)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
