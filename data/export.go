package data

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/glcnn/glcnn/internal/fsutil"
)

// ExportApparels is ExportApparelsContext with a context that is never
// cancelled.
func ExportApparels(ds *Dataset, dir string, limit int) error {
	return ExportApparelsContext(context.Background(), ds, dir, limit)
}

// ExportApparelsContext writes ds in the Apparels layout to the folder dir:
// train.csv (id,label) with train/<id>.png, and when ds has a test set
// test.csv (id) with test/<id>.png and sample_submission.csv (id,label,
// every label 0) in ds.SubmissionIDs order. limit > 0 keeps only the first
// limit images of each set. Images are 8-bit gray PNGs, named by the sets'
// IDs (Set.ID): for an IDX dataset from Load, the contest's ids, train
// 1..60000 and test 60001..70000 (with limit, a prefix of each).
//
// The export is atomic: everything is written to a temporary folder
// ".<dir>.tmp-*" next to dir, which is renamed to dir at the end; dir must
// not exist or be empty. (The PNGs are not fsync'ed one by one, which would
// make exporting 70,000 of them take minutes; the CSVs are.) When ctx is
// cancelled (the CLI cancels it on SIGINT and SIGTERM) the export stops,
// removes its temporary folder and returns an error wrapping ctx.Err(). The
// temporary folder is locked (flock) while it is written, so the next export
// to dir removes the folders of exports that died without cleaning up
// (SIGKILL, a crash) and leaves those of running ones alone.
func ExportApparelsContext(ctx context.Context, ds *Dataset, dir string, limit int) (err error) {
	if ds == nil || ds.Train == nil || ds.Train.Labels == nil {
		return errors.New("data: export: no labelled train set")
	}
	if st, err := os.Lstat(dir); err == nil {
		ents, _ := os.ReadDir(dir)
		if !st.IsDir() || len(ents) > 0 {
			return fmt.Errorf("data: export: %s exists and is not an empty folder", dir)
		}
	}
	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	removeStaleExports(parent, base)
	tmp, unlock, err := makeExportTemp(parent, base)
	if err != nil {
		return fmt.Errorf("data: export: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
		unlock()
	}()
	train := ds.Train.Limit(limit)
	if err = exportSet(ctx, tmp, "train", train, true); err != nil {
		return err
	}
	if ds.Test != nil {
		test := ds.Test.Limit(limit)
		if err = exportSet(ctx, tmp, "test", test, false); err != nil {
			return err
		}
		if err = writeSample(filepath.Join(tmp, "sample_submission.csv"), test, ds.SubmissionIDs); err != nil {
			return err
		}
	}
	if err = ctx.Err(); err != nil {
		return fmt.Errorf("data: export: %w", err)
	}
	os.Remove(dir) // only an empty folder can be there, checked above
	if err = os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("data: export: %w", err)
	}
	fsutil.SyncDir(parent)
	return nil
}

// exportTempPrefix starts the names of the temporary folders of exports to
// the folder base.
func exportTempPrefix(base string) string { return "." + base + ".tmp-" }

// makeExportTemp creates the temporary folder of an export to parent/base
// and locks it; unlock releases the lock.
func makeExportTemp(parent, base string) (tmp string, unlock func(), err error) {
	tmp, err = os.MkdirTemp(parent, exportTempPrefix(base))
	if err != nil {
		return "", nil, err
	}
	// Between MkdirTemp and Flock a concurrent export to the same folder
	// could take this one for stale; two exports to one folder cannot both
	// succeed anyway.
	f, err := os.Open(tmp)
	if err == nil {
		if err = fsutil.TryLock(f); errors.Is(err, errors.ErrUnsupported) {
			err = nil // no locks here: the folder just is not protected
		}
		if err != nil {
			f.Close()
		}
	}
	if err == nil {
		err = os.Chmod(tmp, 0o755)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return "", nil, err
	}
	return tmp, func() { f.Close() }, nil
}

// removeStaleExports removes the temporary folders of exports to
// parent/base whose lock nobody holds: their process is gone. Folders only
// (never a file or a symlink of that name); failures are ignored, as the
// folders are only litter.
func removeStaleExports(parent, base string) {
	ents, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), exportTempPrefix(base)) {
			continue
		}
		p := filepath.Join(parent, e.Name())
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		if fsutil.TryLock(f) == nil {
			os.RemoveAll(p)
		}
		f.Close()
	}
}

// exportSet writes <name>.csv and the folder <name>/ of PNGs under root,
// stopping with ctx's error once ctx is cancelled.
func exportSet(ctx context.Context, root, name string, s *Set, labelled bool) error {
	imgDir := filepath.Join(root, name)
	if err := os.Mkdir(imgDir, 0o755); err != nil {
		return fmt.Errorf("data: export: %w", err)
	}
	err := fsutil.WriteFileAtomic(filepath.Join(root, name+".csv"), func(w io.Writer) error {
		if labelled {
			io.WriteString(w, "id,label\n")
		} else {
			io.WriteString(w, "id\n")
		}
		for i := range s.N {
			line := strconv.FormatInt(s.ID(i), 10)
			if labelled {
				line += "," + strconv.Itoa(int(s.Labels[i]))
			}
			if _, err := io.WriteString(w, line+"\n"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("data: export: %w", err)
	}
	enc := png.Encoder{BufferPool: &pngBuffers{}}
	return parallelFor(s.N, runtime.GOMAXPROCS(0), func(int) {}, func(_, i int) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("data: export: %w", err)
		}
		p := imagePath(imgDir, s.ID(i))
		f, err := os.Create(p)
		if err != nil {
			return fmt.Errorf("data: export: %w", err)
		}
		img := &image.Gray{Pix: s.Image(i), Stride: s.W, Rect: image.Rect(0, 0, s.W, s.H)}
		err = enc.Encode(f, img)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("data: export %s: %w", p, err)
		}
		return nil
	})
}

// writeSample writes the sample submission: every id of the test set, in
// order (ds.SubmissionIDs restricted to the exported images when given), with
// label 0.
func writeSample(path string, test *Set, order []int64) error {
	ids := make([]int64, 0, test.N)
	inTest := make(map[int64]bool, test.N)
	for i := range test.N {
		inTest[test.ID(i)] = true
	}
	for _, id := range order {
		if inTest[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) != test.N { // no usable order: test.csv's order
		ids = ids[:0]
		for i := range test.N {
			ids = append(ids, test.ID(i))
		}
	}
	err := fsutil.WriteFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "id,label\n")
		for _, id := range ids {
			if _, err := io.WriteString(w, strconv.FormatInt(id, 10)+",0\n"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("data: export: %w", err)
	}
	return nil
}

// pngBuffers is a png.EncoderBufferPool shared by the export workers.
type pngBuffers struct{ pool sync.Pool }

// Get returns a free encoder buffer, or nil to let the encoder allocate one.
func (p *pngBuffers) Get() *png.EncoderBuffer {
	b, _ := p.pool.Get().(*png.EncoderBuffer)
	return b
}

// Put keeps b for reuse.
func (p *pngBuffers) Put(b *png.EncoderBuffer) { p.pool.Put(b) }
