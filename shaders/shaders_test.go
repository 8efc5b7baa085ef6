package shaders

import (
	"strings"
	"testing"
	"testing/fstest"
)

var testFS = fstest.MapFS{
	"k.comp":    {Data: []byte("// kernel\n#include \"h.glsl\"\nvoid main() {\n  x = 1;\n}\n")},
	"h.glsl":    {Data: []byte("// header\nfloat f() { return 1.0; }\n#include \"g.glsl\"\nint y;\n")},
	"g.glsl":    {Data: []byte("int g;\n")},
	"loop.comp": {Data: []byte("#include \"loop.glsl\"\n")},
	"loop.glsl": {Data: []byte("#include \"loop.comp\"\n")},
}

func TestAssembleLines(t *testing.T) {
	src, err := AssembleFS(testFS, "k.comp", []Define{{"WG", "64"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{Version, "#define WG 64", "// kernel", "// header",
		"float f() { return 1.0; }", "int g;", "int y;", "void main() {"}
	got := strings.Split(src.Text, "\n")
	for i, w := range want {
		if got[i] != w {
			t.Fatalf("line %d = %q, want %q\n%s", i, got[i], w, src.Text)
		}
	}
	if l := src.Lines[6]; l != (Loc{"h.glsl", 4}) {
		t.Errorf("line 7 comes from %v, want h.glsl:4", l)
	}
	if l := src.Lines[8]; l != (Loc{"k.comp", 4}) {
		t.Errorf("line 9 comes from %v, want k.comp:4", l)
	}
}

func TestLocate(t *testing.T) {
	src, _ := AssembleFS(testFS, "k.comp", nil)
	for _, c := range []struct{ log, want string }{
		{"0:8(3): error: `x' undeclared", "k.comp:4(3): error: `x' undeclared"},                              // Mesa
		{"0(4) : error C1008: undefined variable \"x\"", "h.glsl:2 : error C1008: undefined variable \"x\""}, // NVIDIA
		{"ERROR: 0:6: 'x' : undeclared identifier", "ERROR: h.glsl:4: 'x' : undeclared identifier"},          // AMD
		{"no location here", "no location here"},
	} {
		if got := src.Locate(c.log); got != c.want {
			t.Errorf("Locate(%q) = %q, want %q", c.log, got, c.want)
		}
	}
}

func TestAssembleErrors(t *testing.T) {
	if _, err := AssembleFS(testFS, "loop.comp", nil); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("include cycle: err = %v", err)
	}
	if _, err := AssembleFS(testFS, "none.comp", nil); err == nil {
		t.Error("missing kernel: no error")
	}
}

func TestEmbeddedKernelsAssemble(t *testing.T) {
	names := Names()
	if len(names) == 0 {
		t.Fatal("no embedded kernels")
	}
	for _, n := range names {
		if _, err := Assemble(n, nil); err != nil {
			t.Error(err)
		}
	}
}

// TestParamsBlock: every scalar uniform, in either branch of an #if and in
// headers, becomes a member of the one parameter block (in order of first
// declaration, 4 bytes each); declarations turn into comments so that
// every later line keeps its origin.
func TestParamsBlock(t *testing.T) {
	fsys := fstest.MapFS{
		"p.comp":   {Data: []byte("#include \"p.glsl\"\nuniform uint n;   // count\n#if V\nuniform int N, K;\n#else\n  uniform int N;\nuniform float eps;\n#endif\nvoid main() { oops; }\n")},
		"p.glsl":   {Data: []byte("uniform bool flag;\n")},
		"bad.comp": {Data: []byte("uniform uint n;\n#if V\nuniform int n;\n#endif\n")},
	}
	src, err := AssembleFS(fsys, "p.comp", []Define{{"V", "1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Param{{"flag", "bool", 0}, {"n", "uint", 4}, {"N", "int", 8}, {"K", "int", 12}, {"eps", "float", 16}}
	if len(src.Params) != len(want) {
		t.Fatalf("params %v, want %v", src.Params, want)
	}
	for i := range want {
		if src.Params[i] != want[i] {
			t.Errorf("param %d = %+v, want %+v", i, src.Params[i], want[i])
		}
	}
	lines := strings.Split(src.Text, "\n")
	if blk := "layout(std140, binding = 15) uniform GlcnnParams { bool flag; uint n; int N; int K; float eps; };"; lines[2] != blk {
		t.Errorf("line 3 = %q, want %q", lines[2], blk)
	}
	if strings.Contains(src.Text, "\nuniform") || strings.Contains(src.Text, "\n  uniform") {
		t.Errorf("a default-block uniform is left:\n%s", src.Text)
	}
	if got := src.Locate("0:12(15): error: `oops' undeclared"); !strings.HasPrefix(got, "p.comp:9(15)") {
		t.Errorf("an error after the block is located at %q, want p.comp:9", got)
	}
	if _, err := AssembleFS(fsys, "p.comp", []Define{{"V", "1"}, {"K", "3"}}); err == nil || !strings.Contains(err.Error(), "define K=3") {
		t.Errorf("a define named like a parameter: err = %v, want one naming the define", err)
	}
	if _, err := AssembleFS(fsys, "bad.comp", nil); err == nil || !strings.Contains(err.Error(), "bad.comp:3") {
		t.Errorf("a parameter declared with two types: err = %v, want one naming bad.comp:3", err)
	}
}
