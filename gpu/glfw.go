package gpu

import (
	"fmt"
	"os"
	"unsafe"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// glfwContext is a hidden 1x1 GLFW window whose context we compute with.
type glfwContext struct {
	win *glfw.Window
}

func openGLFW(debug bool) (c *glfwContext, err error) {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, fmt.Errorf("glfw: no display (DISPLAY is not set): use gpu.Options{Context: \"egl\"} for headless machines, or run under xvfb-run")
	}
	if err := glfw.Init(); err != nil {
		return nil, fmt.Errorf("glfw: %v (use gpu.Options{Context: \"egl\"}, or run under xvfb-run)", err)
	}
	glfw.WindowHint(glfw.Visible, glfw.False)
	glfw.WindowHint(glfw.ContextVersionMajor, 4)
	glfw.WindowHint(glfw.ContextVersionMinor, 3)
	glfw.WindowHint(glfw.OpenGLProfile, glfw.OpenGLCoreProfile)
	glfw.WindowHint(glfw.OpenGLForwardCompatible, glfw.True)
	if debug {
		glfw.WindowHint(glfw.OpenGLDebugContext, glfw.True)
	}
	win, err := glfw.CreateWindow(1, 1, "glcnn", nil, nil)
	if err != nil {
		glfw.Terminate()
		return nil, fmt.Errorf("glfw: creating an OpenGL 4.3 core context: %v", err)
	}
	win.MakeContextCurrent()
	return &glfwContext{win: win}, nil
}

func (g *glfwContext) procAddr(name string) unsafe.Pointer { return glfw.GetProcAddress(name) }
func (g *glfwContext) describe() string                    { return "GLFW hidden window" }

func (g *glfwContext) destroy() {
	g.win.Destroy()
	glfw.Terminate()
}
