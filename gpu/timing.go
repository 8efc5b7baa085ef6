package gpu

import (
	"time"

	"github.com/glcnn/glcnn/internal/gl"
)

// Clock says how a duration was measured.
type Clock string

const (
	// GPUTimer is a GL_TIME_ELAPSED query: time the GPU spent on the work.
	GPUTimer Clock = "gpu-timer"
	// WallFinish is a wall clock around the work and glFinish, used on
	// software renderers, whose timer queries are meaningless.
	WallFinish Clock = "wall+glFinish"
)

// Time runs f (which issues GL work, e.g. dispatches) and returns how long
// the device took, with GPU timer queries where they are meaningful and the
// wall clock with glFinish otherwise.
func (d *Device) Time(f func()) (time.Duration, Clock) {
	var dur time.Duration
	clock := WallFinish
	d.Call(func() {
		d.warm.pause() // no JIT ahead while timing (warm.go)
		defer d.warm.resume()
		if !d.info.TimerQueries {
			gl.Finish()
			t0 := time.Now()
			f()
			gl.Finish()
			dur = time.Since(t0)
			return
		}
		clock = GPUTimer
		var q uint32
		gl.GenQueries(1, &q)
		gl.BeginQuery(gl.TIME_ELAPSED, q)
		f()
		gl.EndQuery(gl.TIME_ELAPSED)
		var ns uint64
		gl.GetQueryObjectui64v(q, gl.QUERY_RESULT, &ns)
		gl.DeleteQueries(1, &q)
		d.check("glGetQueryObjectui64v")
		dur = time.Duration(ns)
	})
	return dur, clock
}
