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
