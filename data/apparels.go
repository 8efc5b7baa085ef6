package data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/glcnn/glcnn/internal/fsutil"
)

// The Apparels archive's own names, recognised next to the plain ones.
const (
	archiveTrainDir = "train_LbELtWX"
	archiveTestDir  = "test_ScVgIM0"
	archiveSample   = "sample_submission_I5njJSF.csv"
)

// apparelsFiles are the paths of one Apparels layout; the test and sample
// fields are "" when absent.
type apparelsFiles struct {
	root               string
	trainCSV, trainDir string
	testCSV, testDir   string
	sampleCSV          string
}

// findApparels returns the Apparels files under root, or nil when root holds
// no train.csv under either naming.
func findApparels(root string) *apparelsFiles {
	af := &apparelsFiles{root: root}
	af.trainCSV = firstFile(filepath.Join(root, "train.csv"), filepath.Join(root, archiveTrainDir, "train.csv"))
	if af.trainCSV == "" {
		return nil
	}
	af.trainDir = filepath.Join(filepath.Dir(af.trainCSV), "train")
	af.testCSV = firstFile(filepath.Join(root, "test.csv"), filepath.Join(root, archiveTestDir, "test.csv"))
	if af.testCSV != "" {
		af.testDir = filepath.Join(filepath.Dir(af.testCSV), "test")
	}
	af.sampleCSV = firstFile(filepath.Join(root, "sample_submission.csv"), filepath.Join(root, archiveSample))
	return af
}

// firstFile returns the first of paths that is a regular file (symlinks
// followed), else the first that exists, which opening it will refuse with
// a message saying what it is (a FIFO, a device), or "" when none exists.
func firstFile(paths ...string) string {
	other := ""
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			continue
		}
		if st.Mode().IsRegular() {
			return p
		}
		if other == "" {
			other = p
		}
	}
	return other
}

// loadApparels validates the CSVs, then decodes every listed PNG (or takes
// the decoded set from the cache when it is current).
func loadApparels(af *apparelsFiles, opt LoadOptions) (*Dataset, error) {
	trainRows, testRows, subIDs, err := readApparelsCSVs(af)
	if err != nil {
		return nil, err
	}
	var key []byte
	cache := opt.cacheDir()
	if cache != "" {
		inputs := []string{af.trainCSV, af.testCSV, af.sampleCSV}
		inputs = append(inputs, imagePaths(af.trainDir, trainRows)...)
		inputs = append(inputs, imagePaths(af.testDir, testRows)...)
		key = cacheKey(LayoutApparels, af.root, inputs)
		if ds := readCache(cache, af.root, key); ds != nil {
			return ds, nil
		}
	}
	w, h, err := firstImageSize(af.trainCSV, af.trainDir, trainRows[0])
	if err != nil {
		return nil, err
	}
	bar := newProgress(opt.Progress, len(trainRows)+len(testRows), "decoding PNGs")
	defer bar.finish()
	ds := &Dataset{Layout: LayoutApparels, Root: af.root, SubmissionIDs: subIDs}
	if ds.Train, err = decodeSet(af.trainCSV, af.trainDir, trainRows, w, h, true, opt.workers(), bar); err != nil {
		return nil, err
	}
	if testRows != nil {
		if ds.Test, err = decodeSet(af.testCSV, af.testDir, testRows, w, h, false, opt.workers(), bar); err != nil {
			return nil, err
		}
	}
	if cache != "" {
		writeCache(cache, af.root, key, ds)
	}
	return ds, nil
}

// readApparelsCSVs parses the three CSVs and checks that the sample
// submission lists exactly the test ids. subIDs is the submission order.
func readApparelsCSVs(af *apparelsFiles) (train, test []csvRow, subIDs []int64, err error) {
	for _, dir := range []string{af.trainDir, af.testDir} {
		if dir == "" {
			continue
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, nil, nil, &InputError{File: dir, Msg: "no such folder; the images go there as <id>.png"}
		}
	}
	if train, err = readCSV(af.trainCSV, classLabel); err != nil {
		return nil, nil, nil, err
	}
	if af.testCSV == "" {
		if af.sampleCSV != "" {
			return nil, nil, nil, &InputError{File: filepath.Join(af.root, "test.csv"), Msg: "no such file, but there is a sample submission"}
		}
		return train, nil, nil, nil
	}
	if test, err = readCSV(af.testCSV, noLabel); err != nil {
		return nil, nil, nil, err
	}
	if af.sampleCSV == "" {
		return train, test, rowIDs(test), nil
	}
	sample, err := readCSV(af.sampleCSV, anyLabel)
	if err != nil {
		return nil, nil, nil, err
	}
	inTest := make(map[int64]bool, len(test))
	for _, r := range test {
		inTest[r.id] = true
	}
	for _, r := range sample {
		if !inTest[r.id] {
			return nil, nil, nil, lineErr(af.sampleCSV, r.line, "id %d is not in %s", r.id, filepath.Base(af.testCSV))
		}
	}
	if len(sample) != len(test) {
		return nil, nil, nil, &InputError{File: af.sampleCSV, Msg: fmt.Sprintf("lists %d ids but %s lists %d",
			len(sample), filepath.Base(af.testCSV), len(test))}
	}
	return train, test, rowIDs(sample), nil
}

func rowIDs(rows []csvRow) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	return ids
}

// imagePath is where the image of id lives.
func imagePath(dir string, id int64) string {
	return filepath.Join(dir, strconv.FormatInt(id, 10)+".png")
}

func imagePaths(dir string, rows []csvRow) []string {
	paths := make([]string, len(rows))
	for i, r := range rows {
		paths[i] = imagePath(dir, r.id)
	}
	return paths
}

// listedAt names the CSV line that listed an image, for PNG errors.
func listedAt(csvPath string, r csvRow) string {
	return fmt.Sprintf(" (listed on %s line %d)", filepath.Base(csvPath), r.line)
}

// firstImageSize reads the size every image must have from the header of
// the first train image.
func firstImageSize(csvPath, dir string, r csvRow) (w, h int, err error) {
	p := imagePath(dir, r.id)
	f, size, err := fsutil.OpenRegular(p)
	if err != nil {
		return 0, 0, imageErr(csvPath, dir, r, err)
	}
	defer f.Close()
	cfg, err := pngFileHeader(f, size)
	if err != nil {
		return 0, 0, &InputError{File: p, Msg: err.Error() + listedAt(csvPath, r)}
	}
	return cfg.Width, cfg.Height, nil
}

// imageErr reports a listed image that could not be opened: one that is
// missing (or unreadable) on the CSV line that lists it, one that is not a
// regular file as a problem of the file itself.
func imageErr(csvPath, dir string, r csvRow, err error) error {
	var nr *fsutil.NotRegularError
	if errors.As(err, &nr) {
		return &InputError{File: imagePath(dir, r.id), Msg: nr.Error() + listedAt(csvPath, r)}
	}
	rel := filepath.Join(filepath.Base(dir), strconv.FormatInt(r.id, 10)+".png")
	return lineErr(csvPath, r.line, "image %s: %s", rel, missingMsg(err))
}

// decodeBudget bounds the memory the decoding workers use at once for
// decoded images (besides the set itself): large images are decoded by
// fewer workers, down to one.
const decodeBudget = 64 << 20

// decodeWorkers is how many of workers may decode w x h images at once
// within decodeBudget: image/png decodes into up to 8 bytes a pixel (16-bit
// RGBA). At least one.
func decodeWorkers(workers, w, h int) int {
	return max(1, min(workers, decodeBudget/(8*w*h)))
}

// decodeSet decodes the listed PNGs of one set in parallel into a Set of
// w x h images.
func decodeSet(csvPath, dir string, rows []csvRow, w, h int, labelled bool, workers int, bar *progress) (*Set, error) {
	n := len(rows)
	if uint64(n)*uint64(w)*uint64(h) > MaxSetPixels {
		return nil, &InputError{File: csvPath, Msg: fmt.Sprintf("%d images of %dx%d exceed %d pixels in all", n, w, h, uint64(MaxSetPixels))}
	}
	s := &Set{N: n, H: h, W: w, Pixels: make([]uint8, n*w*h), IDs: rowIDs(rows)}
	if labelled {
		s.Labels = make([]int32, n)
		for i, r := range rows {
			s.Labels[i] = r.label
		}
	}
	workers = decodeWorkers(workers, w, h)
	bufs := make([][]byte, workers)
	err := parallelFor(n, workers, bar.add, func(worker, i int) error {
		p := imagePath(dir, rows[i].id)
		f, size, err := fsutil.OpenRegular(p)
		if err != nil {
			return imageErr(csvPath, dir, rows[i], err)
		}
		b, err := readPNG(bufs[worker], f, size)
		f.Close()
		bufs[worker] = b
		if err == nil {
			err = decodePNGGray(s.Image(i), b, w, h)
		}
		if err != nil {
			return &InputError{File: p, Msg: err.Error() + listedAt(csvPath, rows[i])}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}
