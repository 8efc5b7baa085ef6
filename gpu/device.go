package gpu

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/glcnn/glcnn/internal/gl"
)

// Options selects how [Open] creates the context.
type Options struct {
	Context string // "auto" (EGL, then GLFW), "egl" or "glfw"; "" means auto
	GPU     int    // EGL device index, for machines with several
	Debug   bool   // KHR_debug callback and glGetError after every call
	// Warm compiles programs to machine code ahead of their first
	// dispatch, on helper threads, where the driver compiles lazily and
	// keeps the code in a shader cache on disk (llvmpipe) and
	// GLCNN_JIT_AHEAD=1 asks for it: see warm.go.
	Warm bool
}

type context interface {
	procAddr(name string) unsafe.Pointer
	describe() string
	destroy()
}

// Device is an open GL 4.3 compute context and the OS thread that owns it.
// All methods may be called from any goroutine.
type Device struct {
	info  Info
	debug bool

	calls   chan func()
	done    chan struct{}
	glGoID  uint64
	inCall  atomic.Bool
	closed  atomic.Bool
	closeMu sync.Mutex

	ctx      context
	programs map[string]*Program // by kernel name + defines, GL thread only
	stats    Stats               // GL thread only; read through Stats()
	params   paramRing           // kernels' parameter blocks, GL thread only
	peak     int64
	start    startup // start-up accounting (startup.go), GL thread only
	warm     *warmer // JIT-ahead helpers (warm.go), nil without
}

// Open creates the context on a new locked OS thread and returns the device.
// It fails with an error (never a crash) when no OpenGL 4.3 context with
// compute shaders can be created; with Context "auto" the error names the
// failure of both backends.
func Open(opt Options) (*Device, error) {
	d := &Device{
		calls:    make(chan func()),
		done:     make(chan struct{}),
		programs: map[string]*Program{},
		debug:    opt.Debug || debugTag,
	}
	errc := make(chan error)
	go d.loop(opt, errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Device) loop(opt Options, errc chan<- error) {
	runtime.LockOSThread() // never unlocked: the thread dies with the context
	d.glGoID = goid()
	d.mark("before context")
	ctx, err := createContext(opt)
	if err == nil {
		err = d.init(ctx)
		if err != nil {
			ctx.destroy()
		}
	}
	if err != nil {
		errc <- err
		return
	}
	d.ctx = ctx
	if n := warmHelpers(d.info, ctx); opt.Warm && n > 0 {
		d.startWarmer(n)
	}
	d.mark("context")
	errc <- nil
	for f := range d.calls {
		f()
	}
	d.warm.close()
	d.ctx.destroy()
	close(d.done)
}

func createContext(opt Options) (context, error) {
	switch opt.Context {
	case "egl":
		c, err := openEGL(opt.GPU, opt.Debug)
		if err != nil {
			return nil, fmt.Errorf("gpu: %w", err)
		}
		return c, nil
	case "glfw":
		c, err := openGLFW(opt.Debug)
		if err != nil {
			return nil, fmt.Errorf("gpu: %w", err)
		}
		return c, nil
	case "", "auto":
		c, eerr := openEGL(opt.GPU, opt.Debug)
		if eerr == nil {
			return c, nil
		}
		g, gerr := openGLFW(opt.Debug)
		if gerr == nil {
			return g, nil
		}
		return nil, fmt.Errorf("gpu: no OpenGL 4.3 context: %v; %v", eerr, gerr)
	}
	return nil, fmt.Errorf("gpu: unknown context backend %q (want auto, egl or glfw)", opt.Context)
}

// init loads GL entry points, refuses contexts below 4.3 and reads the info.
func (d *Device) init(ctx context) error {
	if err := gl.InitWithProcAddrFunc(ctx.procAddr); err != nil {
		return fmt.Errorf("gpu: loading GL entry points through %s: %w", ctx.describe(), err)
	}
	d.info = readInfo()
	d.info.Context = ctx.describe()
	if err := checkVersion(d.info); err != nil {
		return err
	}
	if d.debug {
		d.enableDebugOutput()
	}
	return nil
}

// checkVersion refuses contexts that cannot run glcnn's kernels.
func checkVersion(in Info) error {
	if in.GLMajor > 4 || (in.GLMajor == 4 && in.GLMinor >= 3) {
		if in.MaxInvocations > 0 {
			return nil
		}
		return fmt.Errorf("gpu: %s (OpenGL %s) reports no compute shader support; update the driver or set MESA_GL_VERSION_OVERRIDE=4.3 on Mesa", in.Renderer, in.Version)
	}
	return fmt.Errorf("gpu: %s offers OpenGL %d.%d (%s); glcnn needs 4.3 with compute shaders: update the GPU driver, try gpu.Options{Context: \"egl\"} (Mesa's llvmpipe works without a GPU) or LIBGL_ALWAYS_SOFTWARE=1", in.Renderer, in.GLMajor, in.GLMinor, in.Version)
}

// Call runs f on the GL thread and waits for it. gpu methods called from f
// run directly. Call panics if the device is closed.
func (d *Device) Call(f func()) {
	if d.inCall.Load() && goid() == d.glGoID {
		f()
		return
	}
	if d.closed.Load() {
		panic("gpu: Call on a closed device")
	}
	var p any
	done := make(chan struct{})
	d.calls <- func() {
		defer func() {
			p = recover()
			d.inCall.Store(false)
			close(done)
		}()
		d.inCall.Store(true)
		f()
	}
	<-done
	if p != nil {
		panic(p)
	}
}

// Close releases the context and stops the GL thread. It is idempotent.
// Buffers still alive are freed with the context.
func (d *Device) Close() {
	d.closeMu.Lock()
	defer d.closeMu.Unlock()
	if d.closed.Swap(true) {
		return
	}
	close(d.calls)
	<-d.done
	caches.Delete(d) // binary_cache.go
	ownNotes.Delete(d)
}

// Info returns what the driver reported when the device was opened.
func (d *Device) Info() Info { return d.info }

// Finish blocks until every GL command issued so far has completed.
func (d *Device) Finish() { d.Call(func() { gl.Finish(); d.check("glFinish") }) }

// goid returns the current goroutine's id (from runtime.Stack's header).
// It is only used to recognise re-entrant calls from the GL thread.
func goid() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

func glString(name uint32) string {
	p := gl.GetString(name)
	if p == nil {
		return ""
	}
	return strings.TrimSpace(gl.GoStr(p))
}
