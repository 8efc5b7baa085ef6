package shaders

import (
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
)

//go:embed *.comp *.glsl
var files embed.FS

// Version is the GLSL version line every kernel is compiled with.
const Version = "#version 430 core"

// Define is one `#define Name Value` supplied by the caller of a kernel.
type Define struct {
	Name, Value string
}

// Source is an assembled kernel: the text handed to the driver and, for each
// of its lines, the file and line it came from.
type Source struct {
	Name   string  // the kernel's .comp file
	Text   string  // what the driver compiles
	Lines  []Loc   // Lines[i] is the origin of line i+1 of Text
	Params []Param // the scalar parameters, in block order
}

// Param is one scalar kernel parameter. Kernels declare their shape and
// hyper-parameters as plain `uniform uint n;` lines; Assemble gathers every
// such declaration into one std140 uniform block, ParamsBlock at binding
// ParamsBinding, where each scalar takes 4 bytes at Offset.
//
// Why not default-block uniforms: drivers may specialise a program on the
// values of default-block uniforms that steer its control flow, and one
// that did so wrongly (zink 22.3 on lavapipe, docs/drivers.md) ran loops
// with the trip counts of an earlier dispatch. Values in a buffer-backed
// block are data to every driver, and one upload binds them all.
type Param struct {
	Name   string
	Type   string // "uint", "int", "float" or "bool"
	Offset int    // bytes from the start of the block
}

const (
	// ParamsBlock is the name of the uniform block holding the parameters.
	ParamsBlock = "GlcnnParams"
	// ParamsBinding is its uniform-buffer binding point. Kernels that bind
	// their own uniform blocks use lower points.
	ParamsBinding = 15
)

// Loc is a line of an embedded file.
type Loc struct {
	File string
	Line int
}

// Names lists the embedded kernels (.comp files), sorted.
func Names() []string {
	entries, _ := fs.Glob(files, "*.comp")
	sort.Strings(entries)
	return entries
}

// Read returns the raw text of an embedded file (a .comp or .glsl).
func Read(name string) (string, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("shaders: no file %q", name)
	}
	return string(b), nil
}

var includeRE = regexp.MustCompile(`^\s*#\s*include\s+"([^"]+)"\s*$`)

// Assemble builds the source of kernel name (a .comp file, ".comp" may be
// omitted) with the given defines. Defines are emitted in the order given.
func Assemble(name string, defines []Define) (*Source, error) {
	if !strings.HasSuffix(name, ".comp") {
		name += ".comp"
	}
	return assemble(files, name, defines)
}

// AssembleFS is Assemble over another file system; tests and the
// benchmark's probe kernels use it.
func AssembleFS(fsys fs.FS, name string, defines []Define) (*Source, error) {
	return assemble(fsys, name, defines)
}

func assemble(fsys fs.FS, name string, defines []Define) (*Source, error) {
	src := &Source{Name: name}
	var b strings.Builder
	b.WriteString(Version + "\n")
	src.Lines = append(src.Lines, Loc{"(version)", 1})
	for i, d := range defines {
		fmt.Fprintf(&b, "#define %s %s\n", d.Name, d.Value)
		src.Lines = append(src.Lines, Loc{"(defines)", i + 1})
	}
	if err := src.include(fsys, &b, name, nil); err != nil {
		return nil, err
	}
	if err := src.gatherParams(b.String(), 1+len(defines)); err != nil {
		return nil, err
	}
	for _, d := range defines {
		for _, p := range src.Params {
			if p.Name == d.Name {
				return nil, fmt.Errorf("shaders: %s: define %s=%s would replace the parameter %s", name, d.Name, d.Value, p.Name)
			}
		}
	}
	return src, nil
}

var paramRE = regexp.MustCompile(`^(\s*)uniform\s+(uint|int|float|bool)\s+(\w+(?:\s*,\s*\w+)*)\s*;`)

// gatherParams turns every scalar `uniform` declaration of text into a
// member of the ParamsBlock, which it inserts as line at (after the
// defines, before the kernel's own lines). A declaration becomes a comment
// in place, so the line table stays true. The text is read before the
// preprocessor runs, so the declarations of every #if branch become
// members (unused ones cost nothing), and a name declared twice must keep
// its type.
func (s *Source) gatherParams(text string, at int) error {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	types := map[string]string{}
	for i, line := range lines {
		m := paramRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, name := range strings.Split(m[3], ",") {
			name = strings.TrimSpace(name)
			if t, ok := types[name]; ok {
				if t != m[2] {
					loc := s.Lines[i]
					return fmt.Errorf("shaders: %s:%d: parameter %s declared as %s and as %s", loc.File, loc.Line, name, t, m[2])
				}
				continue
			}
			types[name] = m[2]
			s.Params = append(s.Params, Param{Name: name, Type: m[2], Offset: 4 * len(s.Params)})
		}
		lines[i] = m[1] + "// (in " + ParamsBlock + ") " + strings.TrimSpace(line)
	}
	if len(s.Params) > 0 {
		var blk strings.Builder
		fmt.Fprintf(&blk, "layout(std140, binding = %d) uniform %s {", ParamsBinding, ParamsBlock)
		for _, p := range s.Params {
			fmt.Fprintf(&blk, " %s %s;", p.Type, p.Name)
		}
		blk.WriteString(" };")
		lines = append(lines[:at], append([]string{blk.String()}, lines[at:]...)...)
		s.Lines = append(s.Lines[:at], append([]Loc{{"(params)", 1}}, s.Lines[at:]...)...)
	}
	s.Text = strings.Join(lines, "\n") + "\n"
	return nil
}

func (s *Source) include(fsys fs.FS, b *strings.Builder, name string, stack []string) error {
	for _, f := range stack {
		if f == name {
			return fmt.Errorf("shaders: %s: include cycle %s -> %s", stack[0], strings.Join(stack, " -> "), name)
		}
	}
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		if len(stack) > 0 {
			return fmt.Errorf("shaders: %s: include of missing file %q", stack[len(stack)-1], name)
		}
		return fmt.Errorf("shaders: no kernel %q", name)
	}
	for i, line := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
		if m := includeRE.FindStringSubmatch(line); m != nil {
			if err := s.include(fsys, b, m[1], append(stack, name)); err != nil {
				return err
			}
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
		s.Lines = append(s.Lines, Loc{name, i + 1})
	}
	return nil
}

// Driver logs locate errors as "0:L(C)" (Mesa), "0(L)" (NVIDIA) or
// "ERROR: 0:L:" (AMD): source-string number, then line.
var locRE = regexp.MustCompile(`\b\d+(?::(\d+)\(|\((\d+)\)|:(\d+):)`)

// Locate rewrites a driver's info log so that each location names the file
// and line it came from: "0:14(5): error" -> "conv2d_fwd.comp:9(5): error".
func (s *Source) Locate(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	for i, line := range lines {
		m := locRE.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		for g := 2; g < len(m); g += 2 {
			if m[g] < 0 {
				continue
			}
			var n int
			fmt.Sscan(line[m[g]:m[g+1]], &n)
			if n < 1 || n > len(s.Lines) {
				break
			}
			loc := s.Lines[n-1]
			tail := line[m[g+1]:]
			if g == 4 { // NVIDIA "0(L)": keep the parenthesis style
				tail = tail[1:]
			}
			lines[i] = line[:m[0]] + fmt.Sprintf("%s:%d", loc.File, loc.Line) + tail
			break
		}
	}
	return strings.Join(lines, "\n")
}
