package data

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Measured on the 2-core development machine while other jobs shared it (so
// rough; several runs of go test ./data/ -run '^$' -bench Load -benchtime 3x):
//
//	BenchmarkLoadApparels/workers=1    70,000 PNGs        3.4 s  (49 µs/image)
//	BenchmarkLoadApparels/workers=all  same, 2 workers    2.0-3.1 s (29-45 µs/image)
//	BenchmarkLoadApparelsCached        second run, cache  0.16-0.5 s
//	BenchmarkLoadIDX                   four .gz IDX files 0.6-1.3 s
//
// About 60% of a PNG's decode time is image/png and its zlib reader (which
// allocates a fresh 32 KiB window per image), the rest is opening and reading
// 70,000 small files.

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

// BenchmarkLoadApparels times decoding the full Apparels layout on one
// worker and on all cores, to show the decode scales.
func BenchmarkLoadApparels(b *testing.B) {
	dir := fullApparels(b)
	for _, workers := range []int{1, 0} {
		name := "workers=all"
		if workers == 1 {
			name = "workers=1"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				ds, err := Load(dir, LoadOptions{Workers: workers})
				if err != nil || ds.Train.N != 60000 || ds.Test.N != 10000 {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/70000, "µs/image")
		})
	}
}

// BenchmarkLoadApparelsCached times the second run: CSVs parsed, 70,000
// files stat'ed for the key, decoded set read from the cache.
func BenchmarkLoadApparelsCached(b *testing.B) {
	dir := fullApparels(b)
	opt := LoadOptions{Cache: true, CacheDir: b.TempDir()}
	if _, err := Load(dir, opt); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ds, err := Load(dir, opt)
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
