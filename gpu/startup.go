package gpu

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Start-up accounting. A cold start is mostly shader work: the GLSL front
// end when a program is built (or its binary loaded from the cache), and,
// on llvmpipe and other drivers that compile lazily, the back end (LLVM's
// JIT to machine code) inside the first dispatch of each program. The
// device counts both, always (a clock read per build and per first
// dispatch), and callers mark the phases of their start ([Device.Mark]):
// [Device.Startup] then says where the time to the first training step
// went. GLCNN_TRACE=startup prints the breakdown when the trainer's first
// step is done; GLCNN_TRACE=programs also prints each build and first
// dispatch as it happens (both to stderr).

// processStart approximates the start of the process (package
// initialisation runs before main).
var processStart = time.Now()

// ShaderWork is the shader work of an interval of the device's life.
type ShaderWork struct {
	Built      int     `json:"built"`        // programs compiled from source
	BuildMs    float64 `json:"build_ms"`     // their front-end compile and link
	Loaded     int     `json:"loaded"`       // programs loaded from the binary cache
	LoadMs     float64 `json:"load_ms"`      // their glProgramBinary
	FirstRuns  int     `json:"first_runs"`   // programs dispatched for the first time
	FirstRunMs float64 `json:"first_run_ms"` // those dispatches (the back end's JIT, where it is lazy, and the run)
}

func (w ShaderWork) minus(o ShaderWork) ShaderWork {
	return ShaderWork{w.Built - o.Built, w.BuildMs - o.BuildMs, w.Loaded - o.Loaded, w.LoadMs - o.LoadMs,
		w.FirstRuns - o.FirstRuns, w.FirstRunMs - o.FirstRunMs}
}

// Phase is one marked interval of a start.
type Phase struct {
	Name string  `json:"name"`
	Ms   float64 `json:"ms"` // wall time since the previous mark
	ShaderWork
}

// Startup is the phases marked so far, from the start of the process.
type Startup struct {
	Phases  []Phase    `json:"phases"`
	TotalMs float64    `json:"total_ms"`
	Shaders ShaderWork `json:"shaders"` // all phases
}

// startup is a device's accounting; GL thread only but for marks, which
// take the GL thread too.
type startup struct {
	work   ShaderWork
	last   time.Time
	lastW  ShaderWork
	phases []Phase
}

// trace is GLCNN_TRACE: "startup" prints the phases at the first step,
// "programs" each program too ("all" and "1" mean both).
var trace = parseTrace(os.Getenv("GLCNN_TRACE"))

type traceFlags struct{ startup, programs bool }

func parseTrace(v string) traceFlags {
	var t traceFlags
	for _, f := range strings.Split(v, ",") {
		switch strings.TrimSpace(f) {
		case "startup":
			t.startup = true
		case "programs":
			t.startup, t.programs = true, true
		case "1", "all":
			t.startup, t.programs = true, true
		}
	}
	return t
}

// TraceStartup reports whether GLCNN_TRACE asks for the start-up breakdown.
func TraceStartup() bool { return trace.startup }

func traceProgram(format string, args ...any) {
	if trace.programs {
		fmt.Fprintf(os.Stderr, "glcnn trace: %8.1f ms  %s\n", ms(time.Since(processStart)), fmt.Sprintf(format, args...))
	}
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// Mark ends the current phase of the start, naming it: the time and the
// shader work since the previous mark (or since the process started) are
// recorded under name. Open marks "context" (what came before it is
// "before context").
func (d *Device) Mark(name string) {
	d.Call(func() { d.mark(name) })
}

func (d *Device) mark(name string) {
	now := time.Now()
	s := &d.start
	if s.last.IsZero() {
		s.last = processStart
	}
	s.phases = append(s.phases, Phase{Name: name, Ms: ms(now.Sub(s.last)), ShaderWork: s.work.minus(s.lastW)})
	s.last, s.lastW = now, s.work
	traceProgram("phase %s done", name)
}

// Startup returns the phases marked so far.
func (d *Device) Startup() Startup {
	var st Startup
	d.Call(func() {
		st.Phases = append([]Phase(nil), d.start.phases...)
		st.Shaders = d.start.work
		if !d.start.last.IsZero() {
			st.TotalMs = ms(d.start.last.Sub(processStart))
		}
	})
	return st
}

// String is the breakdown on one line: each phase's wall time, with the
// shader work in it.
func (st Startup) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "start-up %.2f s:", st.TotalMs/1e3)
	for i, p := range st.Phases {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " %s %.2f s", p.Name, p.Ms/1e3)
		if w := p.ShaderWork.String(); w != "" {
			fmt.Fprintf(&b, " (%s)", w)
		}
	}
	return b.String()
}

// String says what shader work there was: "" for none.
func (w ShaderWork) String() string {
	var parts []string
	if w.Built > 0 {
		parts = append(parts, fmt.Sprintf("%d built %.2f s", w.Built, w.BuildMs/1e3))
	}
	if w.Loaded > 0 {
		parts = append(parts, fmt.Sprintf("%d loaded %.2f s", w.Loaded, w.LoadMs/1e3))
	}
	if w.FirstRuns > 0 {
		parts = append(parts, fmt.Sprintf("%d first dispatches %.2f s", w.FirstRuns, w.FirstRunMs/1e3))
	}
	return strings.Join(parts, ", ")
}

func (s *startup) built(key string, d time.Duration) {
	s.work.Built++
	s.work.BuildMs += ms(d)
	traceProgram("built %s in %.1f ms", key, ms(d))
}

func (s *startup) loaded(key string, d time.Duration) {
	s.work.Loaded++
	s.work.LoadMs += ms(d)
	traceProgram("loaded %s in %.1f ms", key, ms(d))
}

func (s *startup) firstRun(key string, d time.Duration) {
	s.work.FirstRuns++
	s.work.FirstRunMs += ms(d)
	traceProgram("first dispatch of %s: %.1f ms", key, ms(d))
}
