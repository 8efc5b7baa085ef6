package gputest

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/glcnn/glcnn/gpu"
)

var (
	once  sync.Once
	dev   *gpu.Device
	err   error
	noted sync.Map // testing.TB -> struct{}: tests whose failure will name the renderer
)

// Device returns the shared device, opening it on first use with the
// backend named by $GLCNN_CONTEXT (default auto). It fails the test — never
// skips — when no OpenGL 4.3 context can be created: CI machines always
// have Mesa's llvmpipe, so a skip would hide a broken set-up. When
// $GLCNN_WANT_RENDERER is set, a renderer that does not contain it fails
// the test too: a suite meant for a second driver must not pass on the
// first one because the driver override was ignored.
//
// A test that fails after calling Device logs the GL renderer and version,
// so that every failure says which driver it came from.
func Device(tb testing.TB) *gpu.Device {
	tb.Helper()
	once.Do(func() { dev, err = open() })
	checked(tb, dev, err)
	return dev
}

// Private opens a device of the test's own, closed when the test ends, as
// Device opens the shared one. A test that changes a device's state (its
// program cache, its reported limits, its parameter ring) takes one, so
// that no other test sees the change, whatever the order or parallelism.
// Its programs are compiled afresh (the driver's shader cache still
// serves them).
func Private(tb testing.TB) *gpu.Device {
	tb.Helper()
	d, err := open()
	checked(tb, d, err)
	tb.Cleanup(d.Close)
	return d
}

func open() (*gpu.Device, error) {
	return gpu.Open(gpu.Options{Context: os.Getenv("GLCNN_CONTEXT")})
}

// checked fails tb when the device could not be opened or is not the
// renderer asked for, and otherwise has tb name the renderer on failure.
func checked(tb testing.TB, dev *gpu.Device, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("no OpenGL 4.3 compute context (run `make deps` to install Mesa's EGL/llvmpipe): %v", err)
	}
	in := dev.Info()
	if want := os.Getenv("GLCNN_WANT_RENDERER"); want != "" && !strings.Contains(in.Renderer, want) {
		tb.Fatalf("GL renderer %q does not contain %q ($GLCNN_WANT_RENDERER): the driver override did not take", in.Renderer, want)
	}
	if _, dup := noted.LoadOrStore(tb, struct{}{}); !dup {
		tb.Cleanup(func() {
			noted.Delete(tb)
			if tb.Failed() {
				tb.Logf("GL renderer: %s, OpenGL %s", in.Renderer, in.Version)
			}
		})
	}
}
