package check

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/internal/fsutil"
	"github.com/glcnn/glcnn/shaders"
	"github.com/glcnn/glcnn/trainer"
)

// Identity is what makes a device's results its own: the renderer, the GL
// version string (which carries the driver version) and the driver build
// (gpu.Device.DriverID, which changes when the driver's libraries do).
type Identity struct {
	Renderer string `json:"renderer"`
	Version  string `json:"gl_version"`
	DriverID string `json:"driver_id"`
}

// driverID is the device's driver build; tests replace it to play a
// driver update.
var driverID = (*gpu.Device).DriverID

// DeviceIdentity returns d's identity.
func DeviceIdentity(d *gpu.Device) Identity {
	in := d.Info()
	return Identity{Renderer: in.Renderer, Version: in.Version, DriverID: driverID(d)}
}

// DefaultCacheDir is where check results are cached: beside the
// program-binary cache, in $GLCNN_CACHE_DIR/checks or
// os.UserCacheDir()/glcnn/checks; "" (no cache) when $GLCNN_CACHE_DIR is
// "off" or there is no user cache directory.
func DefaultCacheDir() string {
	dir := gpu.DefaultProgramCacheDir() // <root>/programs
	if dir == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(dir), "checks")
}

// cacheKey names the cache entry of a check: the device's identity, the
// glcnn build (its kernels and its executable), the network and its input,
// what the check covers, the variants asked for, whether layers fuse
// (which changes the units checked), and the tolerance. Anything else that changes a result must be added here.
func cacheKey(id Identity, cfg trainer.Config, in []int, opt Options) string {
	key := struct {
		Format    int
		Device    Identity
		Build     string
		Arch      string
		Input     []int
		Train     bool
		Optimizer trainer.Config // only the fields the optimizer and loss read
		Variants  map[int]string
		Order     map[int][]string `json:",omitempty"` // absent from the keys of checks without it
		NoFuse    bool
		Batches   []int
		R, A      float64
	}{format, id, BuildID(), cfg.Arch, in, opt.Train, trainer.Config{}, cfg.Variants, opt.Order, cfg.NoFuse, opt.Batches, tolR, tolA}
	if spec, err := trainer.ParseSpec(cfg.Arch); err == nil {
		key.Arch = spec.String()
	}
	if opt.Train {
		key.Optimizer = trainer.Config{Optimizer: cfg.Optimizer, LR0: cfg.LR0, Momentum: cfg.Momentum,
			Nesterov: cfg.Nesterov, WeightDecay: cfg.WeightDecay, Smoothing: cfg.Smoothing}
	}
	b, _ := json.Marshal(key)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

var (
	buildOnce sync.Once
	build     string
)

// BuildID identifies this glcnn build: a hash of every kernel source and of
// the executable's path, size and modification time, so that a new glcnn
// (whose kernels or dispatch code may differ) is checked afresh. Package
// autotune keys its timings on it too.
func BuildID() string {
	buildOnce.Do(func() {
		h := sha256.New()
		for _, name := range shaders.Names() {
			src, _ := shaders.Read(name)
			fmt.Fprintf(h, "%s\x00%s\x00", name, src)
		}
		if exe, err := os.Executable(); err == nil {
			if fi, err := os.Stat(exe); err == nil {
				fmt.Fprintf(h, "%s\x00%d\x00%d", exe, fi.Size(), fi.ModTime().UnixNano())
			}
		}
		build = hex.EncodeToString(h.Sum(nil)[:16])
	})
	return build
}

// Ensure returns the check's result for cfg's network on input in: a
// passing result from the cache in dir ("" for none) when one exists for
// this device, network and glcnn build and always is false (cached is then
// true), or else the result of [Run], stored in dir whether it passed or
// not. Only a passing result is ever taken from the cache, so a device
// refused once is checked again next time.
func Ensure(d *gpu.Device, cfg trainer.Config, in []int, opt Options, dir string, always bool) (res *Result, cached bool, err error) {
	if opt.Batches == nil {
		opt.Batches = DefaultBatches
	}
	id := DeviceIdentity(d)
	path := ""
	if dir != "" {
		path = filepath.Join(dir, cacheKey(id, cfg, in, opt)+".json")
	}
	if path != "" && !always {
		if res := load(path, id); res != nil && res.Passed() {
			return res, true, nil
		}
	}
	if res, err = Run(d, cfg, in, opt); err != nil {
		return nil, false, err
	}
	if path != "" {
		if err := store(path, res); err != nil {
			fmt.Fprintln(os.Stderr, "glcnn: warning: self-check cache:", err)
		}
	}
	return res, false, nil
}

// load reads a cache entry; nil when there is none, it does not parse, or
// it is for another device or format (a hash collision, or a hand edit).
func load(path string, id Identity) *Result {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var r Result
	if json.Unmarshal(b, &r) != nil || r.Format != format || r.Device != id {
		return nil
	}
	return &r
}

// store writes a cache entry atomically (a temporary file renamed).
func store(path string, r *Result) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(r)
	})
}
