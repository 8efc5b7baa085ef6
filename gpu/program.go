package gpu

import (
	"fmt"
	"strings"
	"time"

	"github.com/glcnn/glcnn/internal/gl"
	"github.com/glcnn/glcnn/shaders"
)

// Define is a `#define` variant of a kernel (workgroup size, switches).
type Define = shaders.Define

// D is shorthand for a Define with a formatted value: gpu.D("WG", 64).
func D(name string, value any) Define { return Define{Name: name, Value: fmt.Sprint(value)} }

// Program is a linked compute program. Programs are cached by the device
// for its whole life; callers never release them.
type Program struct {
	id     uint32
	name   string
	local  [3]int
	params map[string]shaders.Param // the kernel's parameters by name
	values []byte                   // their current values, std140; GL thread only
	slots  map[string]int64         // ring positions holding earlier images (params.go)
	blocks []Block                  // storage and uniform blocks by binding (bindings.go)
	ran    bool                     // dispatched at least once (startup.go); GL thread only
	warm   int                      // JIT-ahead state (warm.go), under the warmer's lock
}

// Name is the kernel's file name and defines, e.g. "relu_fwd.comp[WG=256]".
func (p *Program) Name() string { return p.name }

// LocalSize is the kernel's workgroup size.
func (p *Program) LocalSize() [3]int { return p.local }

// Program returns the compiled kernel `name` (a .comp in package shaders)
// with the given defines, compiling it on first use. A compile or link error
// names the .comp or header file and the line in that file.
func (d *Device) Program(name string, defines ...Define) (*Program, error) {
	key := programKey(name, defines)
	var p *Program
	var err error
	d.Call(func() {
		if p = d.programs[key]; p != nil {
			return
		}
		var src *shaders.Source
		if src, err = shaders.Assemble(name, defines); err != nil {
			return
		}
		if p, err = d.compile(key, src); err == nil {
			d.programs[key] = p
			d.warm.add(p)
		}
	})
	return p, err
}

// MustProgram is Program for callers to whom a compile failure is a bug
// that no caller can handle — tests and throwaway tools: it panics with the
// compiler's message. No library package calls it (a driver may refuse a
// kernel, so layers, data and bench call Program and return the error,
// which names the file and line); today only gpu's own tests do.
func (d *Device) MustProgram(name string, defines ...Define) *Program {
	p, err := d.Program(name, defines...)
	if err != nil {
		panic(err)
	}
	return p
}

func programKey(name string, defines []Define) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(name, ".comp") + ".comp")
	if len(defines) > 0 {
		b.WriteByte('[')
		for i, d := range defines {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(d.Name + "=" + d.Value)
		}
		b.WriteByte(']')
	}
	return b.String()
}

// CompileSource compiles an assembled source; it exists for tests and for
// kernels built outside package shaders (the benchmark's probes).
func (d *Device) CompileSource(src *shaders.Source) (*Program, error) {
	var p *Program
	var err error
	d.Call(func() { p, err = d.compile(src.Name, src) })
	return p, err
}

// compile builds (or loads from the binary cache) a program and refuses
// one whose workgroup exceeds the device's limits: a driver may accept
// such a kernel and then launch nothing.
func (d *Device) compile(key string, src *shaders.Source) (*Program, error) {
	t0 := time.Now()
	if p := d.cachedProgram(key, src); p != nil { // binary_cache.go
		d.start.loaded(key, time.Since(t0))
		return p, d.fits(p)
	}
	t0 = time.Now()
	p, err := d.build(key, src)
	d.start.built(key, time.Since(t0))
	if err != nil {
		return nil, err
	}
	if err := d.fits(p); err != nil {
		gl.DeleteProgram(p.id)
		return nil, err
	}
	d.storeProgram(src, p) // only programs that can run are cached
	return p, nil
}

// fits checks a program's workgroup size against the device's limits.
func (d *Device) fits(p *Program) error {
	in, l := d.info, p.local
	for i := range l {
		if l[i] > in.MaxGroupSize[i] {
			return fmt.Errorf("gpu: %s: workgroup size %v exceeds this device's %v (%s)", p.name, l, in.MaxGroupSize, in.Renderer)
		}
	}
	if n := l[0] * l[1] * l[2]; n > in.MaxInvocations {
		return fmt.Errorf("gpu: %s: %d invocations per workgroup exceed this device's %d (%s)", p.name, n, in.MaxInvocations, in.Renderer)
	}
	return nil
}

// build compiles and links src.
func (d *Device) build(key string, src *shaders.Source) (*Program, error) {
	sh := gl.CreateShader(gl.COMPUTE_SHADER)
	defer gl.DeleteShader(sh)
	cs, free := gl.Strs(src.Text + "\x00")
	gl.ShaderSource(sh, 1, cs, nil)
	free()
	gl.CompileShader(sh)
	var ok int32
	gl.GetShaderiv(sh, gl.COMPILE_STATUS, &ok)
	if ok == gl.FALSE {
		return nil, fmt.Errorf("gpu: compiling %s:\n%s", key, src.Locate(shaderLog(sh)))
	}
	prog := gl.CreateProgram()
	gl.AttachShader(prog, sh)
	gl.LinkProgram(prog)
	gl.GetProgramiv(prog, gl.LINK_STATUS, &ok)
	if ok == gl.FALSE {
		log := programLog(prog)
		gl.DeleteProgram(prog)
		return nil, fmt.Errorf("gpu: linking %s:\n%s", key, src.Locate(log))
	}
	d.check("glLinkProgram")
	return newProgram(prog, key, src), nil
}

func shaderLog(sh uint32) string {
	return infoLog(sh, gl.GetShaderiv, gl.GetShaderInfoLog)
}

func programLog(p uint32) string {
	return infoLog(p, gl.GetProgramiv, gl.GetProgramInfoLog)
}

// infoLog reads a shader's or a program's info log.
func infoLog(obj uint32, param func(uint32, uint32, *int32), read func(uint32, int32, *int32, *uint8)) string {
	var n int32
	param(obj, gl.INFO_LOG_LENGTH, &n)
	if n <= 1 {
		return "(the driver gave no message)"
	}
	buf := make([]byte, n)
	read(obj, n, nil, &buf[0])
	return strings.TrimRight(string(buf), "\x00\n")
}
