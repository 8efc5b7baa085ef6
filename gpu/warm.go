package gpu

import (
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/glcnn/glcnn/internal/gl"
	"github.com/glcnn/glcnn/shaders"
)

// JIT ahead (Options.Warm). llvmpipe turns a program into machine code
// (LLVM) at its first dispatch, on the GL thread, one program after
// another: most of a cold start. It does not share that code between
// contexts (its shaders are not shareable), but it keeps it in Mesa's
// shader cache on disk and looks there first. So helper threads, each
// with a context sharing the device's programs, dispatch every program
// once as soon as it is built — one workgroup, zero parameters, scratch
// buffers — and the device's own first dispatch then finds the machine
// code in Mesa's cache instead of compiling it again. The GL thread never
// compiles a program a helper is compiling: it waits for that helper, and
// takes for itself a program no helper has started; and while it times
// work (Device.Time: the benchmark, autotuning) the helpers wait, so that
// they do not slow what is timed. Nothing of the helpers' runs reaches the
// device's buffers: they bind scratch buffers of their own, in their own
// contexts, so no result changes.
//
// Helpers run only with GLCNN_JIT_AHEAD=1, and only where the mechanism
// works: Mesa's llvmpipe over EGL with Mesa's shader cache on
// (MESA_SHADER_CACHE_DISABLE and MESA_GLSL_CACHE_DISABLE unset or false)
// and more than one CPU. They are off by default because they have not
// yet been shown to pay: on the 2-core development machine, shared with
// other work, `glcnn check` on empty caches took a median 15.5 s with
// them and 14.0 s without (4 alternated pairs), the self-check building
// each layer's programs just before it dispatches them, which leaves a
// helper little to do ahead of the GL thread (docs/performance.md,
// Start-up).

// Program states for the helpers, under warmer.mu.
const (
	warmNone    = iota // not queued (or taken by the GL thread)
	warmQueued         // waiting for a helper
	warmRunning        // a helper is dispatching it
	warmDone           // a helper has dispatched it
)

// warmer is a device's helpers and their queue.
type warmer struct {
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []*Program
	running int // programs the helpers are dispatching
	paused  int // Device.Time calls in progress: no helper starts a program
	stop    bool
	wg      sync.WaitGroup
}

// warmHelpers is how many helper threads a device gets on this machine:
// 0 where JIT ahead cannot help.
func warmHelpers(in Info, ctx context) int {
	if _, ok := ctx.(*eglContext); !ok || !strings.HasPrefix(in.Renderer, "llvmpipe") {
		return 0
	}
	for _, env := range []string{"MESA_SHADER_CACHE_DISABLE", "MESA_GLSL_CACHE_DISABLE"} {
		if v := strings.ToLower(os.Getenv(env)); v != "" && v != "false" && v != "0" {
			return 0
		}
	}
	if os.Getenv("GLCNN_JIT_AHEAD") != "1" {
		return 0
	}
	return min(runtime.NumCPU()-1, 3)
}

// startWarmer starts n helpers on d's context; GL thread.
func (d *Device) startWarmer(n int) {
	e := d.ctx.(*eglContext)
	w := &warmer{}
	w.cond = sync.NewCond(&w.mu)
	for range n {
		w.wg.Add(1)
		go w.helper(e)
	}
	d.warm = w
}

// helper is one helper thread: its own context, scratch buffers, and a
// dispatch of each program it takes from the queue.
func (w *warmer) helper(e *eglContext) {
	defer w.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	release, err := e.sharedContext()
	if err != nil {
		traceProgram("JIT ahead: no helper context: %v", err)
		return
	}
	defer release()
	var bufs [2]uint32 // storage, uniform: zeros
	gl.GenBuffers(2, &bufs[0])
	gl.BindBuffer(gl.SHADER_STORAGE_BUFFER, bufs[0])
	gl.BufferData(gl.SHADER_STORAGE_BUFFER, 4<<20, nil, gl.STATIC_DRAW)
	gl.BindBuffer(gl.UNIFORM_BUFFER, bufs[1])
	gl.BufferData(gl.UNIFORM_BUFFER, 16<<10, nil, gl.STATIC_DRAW)
	defer gl.DeleteBuffers(2, &bufs[0])
	for {
		p := w.next()
		if p == nil {
			return
		}
		gl.UseProgram(p.id)
		for _, b := range p.blocks {
			if b.Uniform {
				gl.BindBufferBase(gl.UNIFORM_BUFFER, uint32(b.Binding), bufs[1])
			} else {
				gl.BindBufferBase(gl.SHADER_STORAGE_BUFFER, uint32(b.Binding), bufs[0])
			}
		}
		if p.values != nil {
			gl.BindBufferRange(gl.UNIFORM_BUFFER, shaders.ParamsBinding, bufs[1], 0, len(p.values))
		}
		gl.DispatchCompute(1, 1, 1)
		gl.Finish()
		gl.GetError()
		w.mu.Lock()
		p.warm = warmDone
		w.running--
		w.cond.Broadcast()
		w.mu.Unlock()
		traceProgram("JIT ahead: %s", p.name)
	}
}

// next takes the oldest queued program, waiting for one; nil when the
// helpers stop.
func (w *warmer) next() *Program {
	w.mu.Lock()
	defer w.mu.Unlock()
	for (len(w.queue) == 0 || w.paused > 0) && !w.stop {
		w.cond.Wait()
	}
	if w.stop {
		return nil
	}
	p := w.queue[0]
	w.queue = w.queue[1:]
	p.warm = warmRunning
	w.running++
	return p
}

// pause waits for the helpers' running programs and keeps them from
// starting others until resume: Device.Time measures the device alone.
func (w *warmer) pause() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.paused++
	for w.running > 0 {
		w.cond.Wait()
	}
}

func (w *warmer) resume() {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.paused--
	w.cond.Broadcast()
	w.mu.Unlock()
}

// add queues a newly built program; GL thread.
func (w *warmer) add(p *Program) {
	if w == nil {
		return
	}
	w.mu.Lock()
	p.warm = warmQueued
	w.queue = append(w.queue, p)
	w.cond.Broadcast()
	w.mu.Unlock()
}

// claim is called before p's first dispatch on the GL thread: a queued p
// leaves the queue (the GL thread compiles it), a running one is waited
// for.
func (w *warmer) claim(p *Program) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch p.warm {
	case warmQueued:
		for i, q := range w.queue {
			if q == p {
				w.queue = append(w.queue[:i], w.queue[i+1:]...)
				break
			}
		}
		p.warm = warmNone
	case warmRunning:
		for p.warm == warmRunning {
			w.cond.Wait()
		}
	}
}

// close stops the helpers after the programs they are running, and
// waits for them; GL thread, before the device's context goes.
func (w *warmer) close() {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.stop = true
	w.queue = nil
	w.cond.Broadcast()
	w.mu.Unlock()
	w.wg.Wait()
}
