package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/trainer"
)

// StartupRun is one start of a fresh process: context creation, building
// every preset's session (which compiles every program training needs),
// and a first training step of each (on llvmpipe this is where the JIT
// turns each program into machine code, on the GL thread or, with
// GLCNN_JIT_AHEAD=1, ahead of it on the device's helpers: gpu.Options.Warm).
type StartupRun struct {
	Case        string  `json:"case"` // cold, warm, warm+driver
	ContextMs   float64 `json:"context_ms"`
	ProgramsMs  float64 `json:"programs_ms"`
	FirstStepMs float64 `json:"first_step_ms"`
	TotalMs     float64 `json:"total_ms"`
	Programs    int     `json:"programs"` // compiled or loaded
	CacheHits   int     `json:"cache_hits"`
	CacheMisses int     `json:"cache_misses"`
	// BuildMs is the GLSL front end (compiles and links, or binaries
	// loaded from the cache); FirstDispatchMs the programs' first
	// dispatches, where llvmpipe JITs them (gpu.Device.Startup).
	BuildMs         float64 `json:"build_ms"`
	FirstDispatchMs float64 `json:"first_dispatch_ms"`
}

// Startup compares start-up cold (empty program-binary cache, empty driver
// cache) with warm (glcnn's cache filled, the driver's still empty: what
// glcnn's cache alone saves) and warm+driver (both filled: a user's second
// run on Mesa, whose own shader cache also helps).
type Startup struct {
	Runs []StartupRun `json:"runs"`
	// Speedup is cold total / warm total; DriverSpeedup cold / warm+driver.
	Speedup       float64 `json:"speedup"`
	DriverSpeedup float64 `json:"driver_speedup"`
	Note          string  `json:"note,omitempty"`
}

// StartupChild is the body of the child process: it measures one start and
// prints it as JSON on stdout. presets nil means all of trainer.Presets.
func StartupChild(opt gpu.Options, presets []string) error {
	if presets == nil {
		presets = trainer.PresetNames()
	}
	t0 := time.Now()
	opt.Warm = true // as glcnn's commands open it: JIT ahead with GLCNN_JIT_AHEAD=1
	d, err := gpu.Open(opt)
	if err != nil {
		return err
	}
	defer d.Close()
	d.Finish()
	var run StartupRun
	run.ContextMs = ms(time.Since(t0))

	set := syntheticSet(64)
	t1 := time.Now()
	var sessions []*trainer.Session
	defer func() {
		for _, s := range sessions {
			s.Release()
		}
	}()
	r, err := data.Upload(d, set)
	if err != nil {
		return err
	}
	defer r.Release()
	for _, name := range presets {
		s, err := trainer.NewSession(d, trainer.Presets[name].Config, []int{1, 28, 28}, 2)
		if err != nil {
			return fmt.Errorf("preset %s: %w", name, err)
		}
		sessions = append(sessions, s)
	}
	d.Finish()
	run.ProgramsMs = ms(time.Since(t1))

	t2 := time.Now()
	r.Shuffle(1, 0)
	for _, s := range sessions {
		s.TrainStep(r, 0, 2, s.Cfg.LR0, 1)
		s.Evaluate(r, nil)
	}
	d.Finish()
	run.FirstStepMs = ms(time.Since(t2))
	run.TotalMs = ms(time.Since(t0))
	cs := d.ProgramCacheStats()
	run.CacheHits, run.CacheMisses, run.Programs = cs.Hits, cs.Misses, cs.Hits+cs.Misses
	sw := d.Startup().Shaders
	run.BuildMs, run.FirstDispatchMs = sw.BuildMs+sw.LoadMs, sw.FirstRunMs
	return json.NewEncoder(os.Stdout).Encode(run)
}

// syntheticSet is n labelled 28x28 images of a fixed pattern: start-up
// does not depend on the pixels, and reading the dataset is not start-up.
func syntheticSet(n int) *data.Set {
	s := &data.Set{N: n, H: 28, W: 28, Pixels: make([]uint8, n*28*28), Labels: make([]int32, n), IDs: make([]int64, n)}
	for i := range s.Pixels {
		s.Pixels[i] = uint8(i * 7)
	}
	for i := range s.Labels {
		s.Labels[i] = int32(i % 10)
		s.IDs[i] = int64(i + 1)
	}
	return s
}

// MeasureStartup runs argv (a command that ends up in StartupChild) in
// fresh processes with private cache directories: cold, then warm, then
// warm+driver. The driver's cache is Mesa's (MESA_SHADER_CACHE_DIR); other
// drivers keep theirs where they like, so there "cold" may be warmer.
func MeasureStartup(argv []string) (*Startup, error) {
	tmp, err := os.MkdirTemp("", "glcnn-startup-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	ours := tmp + "/glcnn"
	driver := func(i int) string { return fmt.Sprintf("%s/driver%d", tmp, i) }
	cases := []struct {
		name string
		env  []string
	}{
		{"cold", []string{"GLCNN_CACHE_DIR=" + ours, "MESA_SHADER_CACHE_DIR=" + driver(0)}},
		{"warm", []string{"GLCNN_CACHE_DIR=" + ours, "MESA_SHADER_CACHE_DIR=" + driver(1)}},
		{"warm+driver", []string{"GLCNN_CACHE_DIR=" + ours, "MESA_SHADER_CACHE_DIR=" + driver(1)}},
	}
	st := &Startup{}
	for _, c := range cases {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), c.env...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("bench: start-up child (%s): %v\n%s", c.name, err, errb.String())
		}
		var run StartupRun
		if err := json.Unmarshal(out.Bytes(), &run); err != nil {
			return nil, fmt.Errorf("bench: start-up child (%s) printed %q: %v", c.name, out.String(), err)
		}
		run.Case = c.name
		st.Runs = append(st.Runs, run)
	}
	if st.Runs[1].TotalMs > 0 {
		st.Speedup = st.Runs[0].TotalMs / st.Runs[1].TotalMs
	}
	if st.Runs[2].TotalMs > 0 {
		st.DriverSpeedup = st.Runs[0].TotalMs / st.Runs[2].TotalMs
	}
	return st, nil
}
