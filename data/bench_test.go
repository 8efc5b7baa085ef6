package data

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Measured on the 2-core development machine (shared with other jobs, so
// treat as rough; go test ./data/ -run '^$' -bench Load -benchtime 3x):
//
//	BenchmarkLoadApparels        70,000 PNGs decoded on 2 workers   FIGURE_APPARELS
//	BenchmarkLoadApparelsCached  same folder, second run from cache FIGURE_CACHED
//	BenchmarkLoadIDX             the four gzipped IDX files         FIGURE_IDX

var (
	exportOnce sync.Once
	exportDir  string
	exportErr  error
)

// fullApparels exports the whole real dataset (60,000 + 10,000 PNGs) to a
// temporary folder once per test binary.
func fullApparels(b *testing.B) string {
	ds := realDataset(b)
	exportOnce.Do(func() {
		parent, err := os.MkdirTemp("", "glcnn-bench-")
		if err != nil {
			exportErr = err
			return
		}
		benchDirs = append(benchDirs, parent)
		exportDir = filepath.Join(parent, "apparels")
		exportErr = ExportApparels(ds, exportDir, 0)
	})
	if exportErr != nil {
		b.Fatal(exportErr)
	}
	return exportDir
}

// BenchmarkLoadApparels times decoding the full Apparels layout on all cores.
func BenchmarkLoadApparels(b *testing.B) {
	dir := fullApparels(b)
	for b.Loop() {
		ds, err := Load(dir, LoadOptions{})
		if err != nil || ds.Train.N != 60000 || ds.Test.N != 10000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/70000, "µs/image")
}

// BenchmarkLoadApparelsCached times the second run: CSVs parsed, 70,000
// files stat'ed for the key, decoded set read from the cache.
func BenchmarkLoadApparelsCached(b *testing.B) {
	dir := fullApparels(b)
	b.Setenv("XDG_CACHE_HOME", b.TempDir())
	if _, err := Load(dir, LoadOptions{Cache: true}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ds, err := Load(dir, LoadOptions{Cache: true})
		if err != nil || !ds.FromCache {
			b.Fatal("not from cache", err)
		}
	}
}

// BenchmarkLoadIDX times reading the real gzipped IDX files.
func BenchmarkLoadIDX(b *testing.B) {
	realDataset(b)
	for b.Loop() {
		if _, err := Load(DefaultDir, LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
