package autotune

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/glcnn/glcnn/check"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/internal/fsutil"
)

// stderr hears the cache's warnings (a folder that cannot be written).
var stderr io.Writer = os.Stderr

// format is the version of a cache file and of how variants are timed;
// raising it times every layer again.
const format = 1

// DefaultCacheDir is where choices are cached: beside the program-binary
// cache and the self-check's results, in $GLCNN_CACHE_DIR/autotune or
// os.UserCacheDir()/glcnn/autotune; "" (no cache: every run times) when
// $GLCNN_CACHE_DIR is "off" or there is no user cache directory.
func DefaultCacheDir() string {
	dir := gpu.DefaultProgramCacheDir() // <root>/programs
	if dir == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(dir), "autotune")
}

// key is everything a choice depends on; its hash names the cache file,
// and the file repeats it, so that a collision or a file copied from
// another machine is not taken.
type key struct {
	Format   int            `json:"format"`
	Device   check.Identity `json:"device"`
	Build    string         `json:"build"` // check.BuildID
	Op       string         `json:"op"`    // the unit's label: conv:32:3, or a fused chain
	Input    []int          `json:"input"`
	Batch    int            `json:"batch"`
	Train    bool           `json:"train"`
	DX       bool           `json:"dx"`       // the backward computes the input gradient (not the first layer)
	Variants []string       `json:"variants"` // the op's, in its order
	Runs     int            `json:"runs"`
}

func newKey(id check.Identity, la check.LayerAt, req Request, opt Options) key {
	return key{Format: format, Device: id, Build: check.BuildID(), Op: la.Label(), Input: la.In, Batch: req.Batch,
		Train: req.Train, DX: req.Train && la.Index > 0, Variants: la.Item.Op.Variants, Runs: opt.Runs}
}

// path is the key's file in dir; "" when dir is.
func (k key) path(dir string) string {
	if dir == "" {
		return ""
	}
	b, _ := json.Marshal(k)
	h := sha256.Sum256(b)
	return filepath.Join(dir, hex.EncodeToString(h[:16])+".json")
}

// entry is a cache file.
type entry struct {
	Key    key    `json:"key"`
	Choice Choice `json:"choice"`
}

// load reads the choice cached at path for k; nil when there is no file,
// it does not parse, or it is for another key or names a variant the op
// does not have.
func load(path string, k key) *Choice {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var e entry
	if json.Unmarshal(b, &e) != nil {
		return nil
	}
	want, _ := json.Marshal(k)
	got, _ := json.Marshal(e.Key)
	if string(got) != string(want) || !slices.Contains(k.Variants, e.Choice.Winner) {
		return nil
	}
	return &e.Choice
}

// store writes a cache file atomically (a temporary file renamed).
func store(path string, k key, c Choice) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(entry{k, c})
	})
}
