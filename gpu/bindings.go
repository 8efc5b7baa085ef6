package gpu

import (
	"fmt"
	"sort"
	"strings"

	"github.com/glcnn/glcnn/internal/gl"
	"github.com/glcnn/glcnn/shaders"
)

// Bindings are the buffers of one dispatch by binding index: Bindings[i]
// is bound at the block declared with `layout(..., binding = i)`; a nil
// entry leaves index i unbound. Write them as keyed literals, so that each
// index is explicit and matches the kernel's header:
//
//	gpu.Bindings{0: x, 2: y, 4: d.AsUniformBlock(w)}
//
// Dispatch checks them against the program's interface (Program.Blocks)
// and panics on any mismatch, naming the program, the index and the
// blocks: a buffer at an index the kernel does not declare (or declares
// unused, which the driver may drop), a storage buffer at a uniform block
// or the reverse, or a block of the kernel left unbound. A mismatch would
// otherwise read or write the wrong buffer silently.
type Bindings []Storage

// Block is a buffer-backed interface block of a program, as the driver
// reports it (active blocks only; the parameter block is not listed).
type Block struct {
	Name    string // the block's name in GLSL, e.g. "X" for `buffer X { float x[]; }`
	Binding int    // its binding index
	Uniform bool   // a uniform block (bind with AsUniformBlock); else a storage block
}

func (b Block) String() string {
	kind := "storage"
	if b.Uniform {
		kind = "uniform"
	}
	return fmt.Sprintf("%d %s (%s)", b.Binding, b.Name, kind)
}

// Blocks lists the program's storage and uniform blocks by binding index,
// read from the driver once, when the program is built or loaded.
func (p *Program) Blocks() []Block { return append([]Block(nil), p.blocks...) }

// programBlocks reads the active storage and uniform blocks of prog, less
// the parameter block, sorted by binding. GL thread only.
func programBlocks(prog uint32) []Block {
	var out []Block
	for _, in := range []struct {
		iface   uint32
		uniform bool
	}{{gl.SHADER_STORAGE_BLOCK, false}, {gl.UNIFORM_BLOCK, true}} {
		var n, maxLen int32
		gl.GetProgramInterfaceiv(prog, in.iface, gl.ACTIVE_RESOURCES, &n)
		gl.GetProgramInterfaceiv(prog, in.iface, gl.MAX_NAME_LENGTH, &maxLen)
		name := make([]byte, max(maxLen, 1))
		for i := uint32(0); i < uint32(n); i++ {
			prop := uint32(gl.BUFFER_BINDING)
			var binding, length int32
			gl.GetProgramResourceiv(prog, in.iface, i, 1, &prop, 1, nil, &binding)
			gl.GetProgramResourceName(prog, in.iface, i, int32(len(name)), &length, &name[0])
			b := Block{Name: string(name[:length]), Binding: int(binding), Uniform: in.uniform}
			if b.Uniform && b.Name == shaders.ParamsBlock {
				continue
			}
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Binding < out[j].Binding })
	return out
}

// checkBindings panics unless bufs bind exactly p's blocks, each with the
// right kind of buffer. It allocates nothing unless it panics.
func (p *Program) checkBindings(bufs Bindings) {
	for i, b := range bufs {
		if b == nil {
			continue
		}
		_, uniform := b.(uniformBlock)
		found := false
		for _, blk := range p.blocks {
			if blk.Binding != i {
				continue
			}
			found = true
			if blk.Uniform != uniform {
				p.bindingPanic(bufs, fmt.Sprintf("binding %d is block %s, given a %s buffer", i, blk, kindName(uniform)))
			}
		}
		if !found {
			p.bindingPanic(bufs, fmt.Sprintf("binding %d (a %s buffer) is not a block of this kernel", i, kindName(uniform)))
		}
	}
	for _, blk := range p.blocks {
		if blk.Binding >= len(bufs) || bufs[blk.Binding] == nil {
			p.bindingPanic(bufs, fmt.Sprintf("block %s is not bound", blk))
		}
	}
}

func kindName(uniform bool) string {
	if uniform {
		return "uniform"
	}
	return "storage"
}

func (p *Program) bindingPanic(bufs Bindings, what string) {
	var bound []string
	for i, b := range bufs {
		if b != nil {
			_, u := b.(uniformBlock)
			bound = append(bound, fmt.Sprintf("%d (%s)", i, kindName(u)))
		}
	}
	blocks := make([]string, len(p.blocks))
	for i, b := range p.blocks {
		blocks[i] = b.String()
	}
	panic(fmt.Sprintf("gpu: %s: %s; the kernel's blocks: %s; bound: %s", p.name, what,
		orNone(strings.Join(blocks, ", ")), orNone(strings.Join(bound, ", "))))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
