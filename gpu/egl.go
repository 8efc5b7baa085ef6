package gpu

/*
#cgo pkg-config: egl
#include <stdlib.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>

#ifndef EGL_PLATFORM_SURFACELESS_MESA
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#endif

static EGLint eglcnn_query_devices(EGLDeviceEXT *devs, EGLint max) {
	PFNEGLQUERYDEVICESEXTPROC q = (PFNEGLQUERYDEVICESEXTPROC)eglGetProcAddress("eglQueryDevicesEXT");
	EGLint n = 0;
	if (!q || !q(max, devs, &n)) return -1;
	return n;
}

static const char *eglcnn_device_string(EGLDeviceEXT dev, EGLint name) {
	PFNEGLQUERYDEVICESTRINGEXTPROC q = (PFNEGLQUERYDEVICESTRINGEXTPROC)eglGetProcAddress("eglQueryDeviceStringEXT");
	if (!q) return NULL;
	return q(dev, name);
}

static EGLDisplay eglcnn_platform_display(EGLenum platform, void *native) {
	PFNEGLGETPLATFORMDISPLAYEXTPROC g = (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (!g) return EGL_NO_DISPLAY;
	return g(platform, native, NULL);
}

static EGLContext eglcnn_create_context(EGLDisplay dpy, int debug, EGLint *err) {
	EGLConfig cfg = NULL;
	EGLint n = 0;
	EGLint attrs[] = { EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, 0, EGL_NONE };
	if (!eglChooseConfig(dpy, attrs, &cfg, 1, &n) || n < 1) cfg = NULL; // EGL_KHR_no_config_context
	EGLint ctxattrs[] = {
		EGL_CONTEXT_MAJOR_VERSION, 4, EGL_CONTEXT_MINOR_VERSION, 3,
		EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
		EGL_CONTEXT_OPENGL_DEBUG, debug ? EGL_TRUE : EGL_FALSE,
		EGL_NONE };
	EGLContext ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, ctxattrs);
	*err = eglGetError();
	return ctx;
}

// eglcnn_create_shared makes a context that shares objects with share
// (programs, buffers), for a helper thread (warm.go).
static EGLContext eglcnn_create_shared(EGLDisplay dpy, EGLContext share, EGLint *err) {
	EGLConfig cfg = NULL;
	EGLint n = 0;
	EGLint attrs[] = { EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, 0, EGL_NONE };
	if (!eglChooseConfig(dpy, attrs, &cfg, 1, &n) || n < 1) cfg = NULL;
	EGLint ctxattrs[] = {
		EGL_CONTEXT_MAJOR_VERSION, 4, EGL_CONTEXT_MINOR_VERSION, 3,
		EGL_CONTEXT_OPENGL_PROFILE_MASK, EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT,
		EGL_NONE };
	EGLContext ctx = eglCreateContext(dpy, cfg, share, ctxattrs);
	*err = eglGetError();
	return ctx;
}

static void *eglcnn_proc(const char *name) { return (void *)eglGetProcAddress(name); }
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// eglContext is a headless context: no window, no surface, no display server.
type eglContext struct {
	dpy C.EGLDisplay
	ctx C.EGLContext
	how string // which platform gave the display
}

func eglError(what string) error {
	return fmt.Errorf("%s failed (EGL error 0x%x)", what, int(C.eglGetError()))
}

// openEGL creates a GL 4.3 core context on EGL device number gpuIndex
// (EGL_EXT_platform_device), falling back to Mesa's surfaceless platform.
func openEGL(gpuIndex int, debug bool) (*eglContext, error) {
	var devs [16]C.EGLDeviceEXT
	n := int(C.eglcnn_query_devices(&devs[0], 16))
	var tried []string
	if n > 0 {
		if gpuIndex >= n {
			return nil, fmt.Errorf("Options.GPU %d: only %d EGL device(s) found", gpuIndex, n)
		}
		dpy := C.eglcnn_platform_display(C.EGL_PLATFORM_DEVICE_EXT, unsafe.Pointer(devs[gpuIndex]))
		name := "device"
		if s := C.eglcnn_device_string(devs[gpuIndex], C.EGL_DRM_DEVICE_FILE_EXT); s != nil {
			name += " " + C.GoString(s)
		}
		c, err := eglInit(dpy, debug, fmt.Sprintf("EGL %s (%d of %d)", name, gpuIndex, n))
		if err == nil {
			return c, nil
		}
		tried = append(tried, err.Error())
	} else {
		tried = append(tried, "EGL_EXT_device_enumeration: no devices")
	}
	if gpuIndex > 0 {
		return nil, fmt.Errorf("Options.GPU %d: %s", gpuIndex, tried[0])
	}
	dpy := C.eglcnn_platform_display(C.EGL_PLATFORM_SURFACELESS_MESA, nil)
	c, err := eglInit(dpy, debug, "EGL surfaceless (Mesa)")
	if err == nil {
		return c, nil
	}
	tried = append(tried, err.Error())
	return nil, fmt.Errorf("egl: %s; %s", tried[0], tried[len(tried)-1])
}

func eglInit(dpy C.EGLDisplay, debug bool, how string) (*eglContext, error) {
	if dpy == C.EGLDisplay(C.EGL_NO_DISPLAY) {
		return nil, fmt.Errorf("%s: no display", how)
	}
	var major, minor C.EGLint
	if C.eglInitialize(dpy, &major, &minor) == C.EGL_FALSE {
		return nil, fmt.Errorf("%s: %w", how, eglError("eglInitialize"))
	}
	if C.eglBindAPI(C.EGL_OPENGL_API) == C.EGL_FALSE {
		C.eglTerminate(dpy)
		return nil, fmt.Errorf("%s: %w", how, eglError("eglBindAPI(OpenGL)"))
	}
	dbg := C.int(0)
	if debug {
		dbg = 1
	}
	var code C.EGLint
	ctx := C.eglcnn_create_context(dpy, dbg, &code)
	if ctx == C.EGLContext(C.EGL_NO_CONTEXT) {
		C.eglTerminate(dpy)
		return nil, fmt.Errorf("%s: eglCreateContext(OpenGL 4.3 core) failed (EGL error 0x%x)", how, int(code))
	}
	if C.eglMakeCurrent(dpy, C.EGLSurface(C.EGL_NO_SURFACE), C.EGLSurface(C.EGL_NO_SURFACE), ctx) == C.EGL_FALSE {
		C.eglDestroyContext(dpy, ctx)
		C.eglTerminate(dpy)
		return nil, fmt.Errorf("%s: %w", how, eglError("eglMakeCurrent(surfaceless)"))
	}
	return &eglContext{dpy: dpy, ctx: ctx, how: how}, nil
}

func (e *eglContext) procAddr(name string) unsafe.Pointer {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return C.eglcnn_proc(cs)
}

func (e *eglContext) describe() string { return e.how }

func (e *eglContext) destroy() {
	C.eglMakeCurrent(e.dpy, C.EGLSurface(C.EGL_NO_SURFACE), C.EGLSurface(C.EGL_NO_SURFACE), C.EGLContext(C.EGL_NO_CONTEXT))
	C.eglDestroyContext(e.dpy, e.ctx)
	C.eglTerminate(e.dpy)
}

// sharedContext makes a context sharing e's objects and makes it current
// on the calling thread (which must be locked to its OS thread); release
// undoes both.
func (e *eglContext) sharedContext() (release func(), err error) {
	if C.eglBindAPI(C.EGL_OPENGL_API) == C.EGL_FALSE { // the bound API is per thread
		return nil, eglError("eglBindAPI(OpenGL)")
	}
	var code C.EGLint
	ctx := C.eglcnn_create_shared(e.dpy, e.ctx, &code)
	if ctx == C.EGLContext(C.EGL_NO_CONTEXT) {
		return nil, fmt.Errorf("eglCreateContext(shared) failed (EGL error 0x%x)", int(code))
	}
	if C.eglMakeCurrent(e.dpy, C.EGLSurface(C.EGL_NO_SURFACE), C.EGLSurface(C.EGL_NO_SURFACE), ctx) == C.EGL_FALSE {
		C.eglDestroyContext(e.dpy, ctx)
		return nil, eglError("eglMakeCurrent(shared)")
	}
	return func() {
		C.eglMakeCurrent(e.dpy, C.EGLSurface(C.EGL_NO_SURFACE), C.EGLSurface(C.EGL_NO_SURFACE), C.EGLContext(C.EGL_NO_CONTEXT))
		C.eglDestroyContext(e.dpy, ctx)
	}, nil
}
