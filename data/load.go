package data

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// DefaultDir is where Debian's dataset-fashion-mnist package (installed by
// `make deps`) puts the four IDX files; Load("") reads it.
const DefaultDir = "/usr/share/datasets/fashion-mnist"

// Layout names reported in Dataset.Layout.
const (
	LayoutIDX      = "idx"
	LayoutApparels = "apparels"
)

// Dataset is everything Load found in one folder.
type Dataset struct {
	Layout        string  // LayoutIDX or LayoutApparels
	Root          string  // the folder it was read from
	Train, Test   *Set    // Test is nil when the folder has no test set
	SubmissionIDs []int64 // order of the sample submission (else test.csv, IDX: test records), for submission.csv
	FromCache     bool    // the pixels came from the decoded-set cache
}

// String describes the dataset in one line, for the CLI to say what it found.
func (ds *Dataset) String() string {
	s := fmt.Sprintf("%s layout in %s: train %v", ds.Layout, ds.Root, ds.Train)
	if ds.Test != nil {
		s += fmt.Sprintf("; test %v", ds.Test)
	}
	if ds.FromCache {
		s += " (cached)"
	}
	return s
}

// LoadOptions tune Load; the zero value is a quiet, uncached load on all cores.
type LoadOptions struct {
	// Progress receives a progress bar while PNGs are decoded, but only when
	// it is a terminal; nil means no progress output.
	Progress io.Writer
	// Cache keeps the decoded set in CacheDir, keyed by the input files'
	// sizes and modification times, and uses it when it is still current.
	// A corrupt or stale cache is ignored and rewritten. Nothing is ever
	// written beside the data.
	Cache bool
	// CacheDir is the folder of the decoded-set cache; "" means
	// DefaultCacheDir(), and when that is "" too there is no cache.
	CacheDir string
	// Workers is the number of decoding goroutines; 0 means GOMAXPROCS.
	Workers int
}

// cacheDir is the cache folder to use, or "" for none.
func (o LoadOptions) cacheDir() string {
	switch {
	case !o.Cache:
		return ""
	case o.CacheDir != "":
		return o.CacheDir
	}
	return DefaultCacheDir()
}

func (o LoadOptions) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Load reads the dataset in the folder path ("" means DefaultDir), detecting
// its layout: the Apparels layout (plain names or the archive's names) when
// a train.csv is found, else Fashion-MNIST IDX files, gzipped or not. The
// train set is required; the test set is optional but must be complete when
// present, and every image must have the train set's size.
//
// Problems with the files are returned as *InputError.
func Load(path string, opt LoadOptions) (*Dataset, error) {
	if path == "" {
		path = DefaultDir
	}
	st, err := os.Stat(path)
	if err != nil {
		msg := missingMsg(err)
		if path == DefaultDir {
			msg += " (`make deps` installs the Debian package dataset-fashion-mnist there)"
		}
		return nil, &InputError{File: path, Msg: msg}
	}
	if !st.IsDir() {
		return nil, &InputError{File: path, Msg: "not a folder; give the folder holding the dataset"}
	}
	if af := findApparels(path); af != nil {
		return loadApparels(af, opt)
	}
	if tr := findIDX(path, "train", "images"); tr != "" {
		return loadIDX(path, opt)
	}
	return nil, &InputError{File: path, Msg: "no dataset found: want Fashion-MNIST IDX files " +
		"(train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-...) " +
		"or the Apparels layout (train.csv with train/<id>.png, test.csv with test/<id>.png)"}
}

// loadIDX reads the train pair and, when present, the t10k pair of IDX files.
func loadIDX(root string, opt LoadOptions) (*Dataset, error) {
	var pairs [2][2]string
	for i, prefix := range []string{"train", "t10k"} {
		img, lab := findIDX(root, prefix, "images"), findIDX(root, prefix, "labels")
		if i == 1 && img == "" && lab == "" {
			break // no test set
		}
		for _, m := range []struct{ path, kind string }{{img, "images"}, {lab, "labels"}} {
			if m.path == "" {
				name := filepath.Join(root, idxNames(prefix, m.kind)[0]+"[.gz]")
				return nil, &InputError{File: name, Msg: "no such file"}
			}
		}
		pairs[i] = [2]string{img, lab}
	}
	inputs := []string{pairs[0][0], pairs[0][1], pairs[1][0], pairs[1][1]}
	var key []byte
	cache := opt.cacheDir()
	if cache != "" {
		key = cacheKey(LayoutIDX, root, inputs)
		if ds := readCache(cache, root, key); ds != nil {
			return ds, nil
		}
	}
	ds := &Dataset{Layout: LayoutIDX, Root: root}
	// Every header first, so that no body is read before all four agree.
	var files [2][2]*idxFile // train, test; images, labels
	defer func() {
		for _, pair := range files {
			pair[0].close()
			pair[1].close()
		}
	}()
	for i, pair := range pairs {
		if pair[0] == "" {
			continue
		}
		img, lab, err := openIDXPair(pair[0], pair[1])
		if err != nil {
			return nil, err
		}
		files[i] = [2]*idxFile{img, lab}
	}
	if test, train := files[1][0], files[0][0]; test != nil && (test.h != train.h || test.w != train.w) {
		return nil, &InputError{File: test.path, Msg: fmt.Sprintf("images are %dx%d but the train images are %dx%d",
			test.h, test.w, train.h, train.w)}
	}
	// Gunzipping dominates; read the test pair alongside the train pair.
	var testErr error
	var wg sync.WaitGroup
	if files[1][0] != nil {
		wg.Go(func() { ds.Test, testErr = readIDXPair(files[1][0], files[1][1]) })
	}
	var err error
	ds.Train, err = readIDXPair(files[0][0], files[0][1])
	wg.Wait()
	if err == nil {
		err = testErr // the train error, when both fail
	}
	if err != nil {
		return nil, err
	}
	if ds.Test != nil {
		numberIDX(ds.Test, IDXTestFirstID(ds.Train.N))
		ds.SubmissionIDs = ds.Test.IDs
	}
	if cache != "" {
		writeCache(cache, root, key, ds)
	}
	return ds, nil
}
