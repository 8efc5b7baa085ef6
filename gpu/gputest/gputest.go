// Package gputest gives tests the process's one GL device.
package gputest

import (
	"os"
	"sync"
	"testing"

	"github.com/glcnn/glcnn/gpu"
)

var (
	once sync.Once
	dev  *gpu.Device
	err  error
)

// Device returns the shared device, opening it on first use with the
// backend named by $GLCNN_CONTEXT (default auto). It fails the test — never
// skips — when no OpenGL 4.3 context can be created: CI machines always
// have Mesa's llvmpipe, so a skip would hide a broken set-up.
func Device(tb testing.TB) *gpu.Device {
	tb.Helper()
	once.Do(func() {
		dev, err = gpu.Open(gpu.Options{Context: os.Getenv("GLCNN_CONTEXT")})
	})
	if err != nil {
		tb.Fatalf("no OpenGL 4.3 compute context (run `make deps` to install Mesa's EGL/llvmpipe): %v", err)
	}
	return dev
}
