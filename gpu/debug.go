package gpu

import (
	"fmt"
	"os"
	"unsafe"

	"github.com/glcnn/glcnn/internal/gl"
)

// check panics with the failing call's name when debug mode is on and the
// driver has recorded an error. Outside debug mode it costs nothing.
func (d *Device) check(call string) {
	if !d.debug {
		return
	}
	if e := gl.GetError(); e != gl.NO_ERROR {
		panic(fmt.Sprintf("gpu: %s: %s (%s)", call, glErrorName(e), d.info.Renderer))
	}
}

func glErrorName(e uint32) string {
	switch e {
	case gl.INVALID_ENUM:
		return "GL_INVALID_ENUM"
	case gl.INVALID_VALUE:
		return "GL_INVALID_VALUE"
	case gl.INVALID_OPERATION:
		return "GL_INVALID_OPERATION"
	case gl.OUT_OF_MEMORY:
		return "GL_OUT_OF_MEMORY"
	case gl.INVALID_FRAMEBUFFER_OPERATION:
		return "GL_INVALID_FRAMEBUFFER_OPERATION"
	}
	return fmt.Sprintf("GL error 0x%x", e)
}

// enableDebugOutput installs the KHR_debug callback: driver messages of
// medium and high severity go to stderr as they happen.
func (d *Device) enableDebugOutput() {
	gl.Enable(gl.DEBUG_OUTPUT)
	gl.Enable(gl.DEBUG_OUTPUT_SYNCHRONOUS)
	gl.DebugMessageCallback(func(source, gltype, id, severity uint32, length int32, message string, _ unsafe.Pointer) {
		if severity == gl.DEBUG_SEVERITY_NOTIFICATION || severity == gl.DEBUG_SEVERITY_LOW {
			return
		}
		fmt.Fprintf(os.Stderr, "gl debug: %s\n", message)
	}, nil)
	d.check("glDebugMessageCallback")
}
