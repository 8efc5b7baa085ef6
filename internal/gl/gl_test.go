package gl

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// header is where Mesa's libgl-dev puts the header gl.go includes.
const header = "/usr/include/GL/glcorearb.h"

// TestConstsMatchHeader: every constant in consts.go has the value of the
// header's #define GL_<name>.
func TestConstsMatchHeader(t *testing.T) {
	h, err := os.ReadFile(header)
	if err != nil {
		t.Skipf("%v (the build found it elsewhere)", err)
	}
	defines := map[string]uint64{}
	for _, m := range regexp.MustCompile(`(?m)^#define GL_(\w+)\s+(0x[0-9A-Fa-f]+|\d+)u?\s*$`).FindAllStringSubmatch(string(h), -1) {
		v, err := strconv.ParseUint(m[2], 0, 64)
		if err != nil {
			t.Fatal(err)
		}
		defines[m[1]] = v
	}
	f, err := parser.ParseFile(token.NewFileSet(), "consts.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok {
			return true
		}
		name := vs.Names[0].Name
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok {
			t.Errorf("%s: want a literal, as in the header", name)
			return false
		}
		got, _ := strconv.ParseUint(lit.Value, 0, 64)
		want, ok := defines[name]
		switch {
		case !ok:
			t.Errorf("%s: no #define GL_%s in %s", name, name, header)
		case got != want:
			t.Errorf("%s = %#x, the header says %#x", name, got, want)
		}
		n++
		return false
	})
	if n < 60 {
		t.Errorf("checked %d constants, want all of consts.go's", n)
	}
}

// TestShape: in gl.go, each function's three pieces name the same GL
// function (a slip there compiles and calls the wrong entry point): procs
// pairs "glFoo" with &gpFoo, func Foo calls C.glcnnFoo(gpFoo, ...), and
// the trampoline glcnnFoo calls through CALL(FOO).
func TestShape(t *testing.T) {
	src, err := os.ReadFile("gl.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	loaded := map[string]bool{}
	for _, m := range regexp.MustCompile(`\{"gl(\w+)", &gp(\w+)\}`).FindAllStringSubmatch(s, -1) {
		if m[1] != m[2] {
			t.Errorf("procs: %q loads into gp%s", "gl"+m[1], m[2])
		}
		loaded[m[1]] = true
	}
	funcs := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^func (\w+)\(.*\n(?:\t.*\n)*?\t.*C\.glcnn(\w+)\(gp(\w+)[,)]`).FindAllStringSubmatch(s, -1) {
		if m[1] != m[2] || m[1] != m[3] {
			t.Errorf("func %s calls C.glcnn%s(gp%s, ...)", m[1], m[2], m[3])
		}
		funcs[m[1]] = true
	}
	tramps := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^static [^(]*\bglcnn(\w+)\(void \*fn.*CALL\((\w+)\)`).FindAllStringSubmatch(s, -1) {
		if strings.ToUpper(m[1]) != m[2] {
			t.Errorf("trampoline glcnn%s calls CALL(%s)", m[1], m[2])
		}
		tramps[m[1]] = true
	}
	if len(loaded) != len(procs) || len(funcs) != len(procs) || len(tramps) != len(procs) {
		t.Errorf("%d entries in procs (%d matched), %d functions calling a trampoline, %d trampolines: want the same number", len(procs), len(loaded), len(funcs), len(tramps))
	}
	for name := range loaded {
		if !funcs[name] || !tramps[name] {
			t.Errorf("gl%s: in procs, function %v, trampoline %v", name, funcs[name], tramps[name])
		}
	}
}

// TestInitNamesMissing: InitWithProcAddrFunc fails naming each function
// getProcAddr has no address for, and succeeds when it has them all.
func TestInitNamesMissing(t *testing.T) {
	defer func() {
		for _, p := range procs {
			*p.addr = nil
		}
	}()
	var dummy byte
	err := InitWithProcAddrFunc(func(name string) unsafe.Pointer {
		if name == "glDispatchCompute" || name == "glGetStringi" {
			return nil
		}
		return unsafe.Pointer(&dummy)
	})
	if err == nil || !strings.Contains(err.Error(), "glDispatchCompute") || !strings.Contains(err.Error(), "glGetStringi") || strings.Contains(err.Error(), "glFinish") {
		t.Errorf("two entry points missing: %v", err)
	}
	var asked []string
	err = InitWithProcAddrFunc(func(name string) unsafe.Pointer {
		asked = append(asked, name)
		return unsafe.Pointer(&dummy)
	})
	if err != nil || len(asked) != len(procs) || gpUseProgram != unsafe.Pointer(&dummy) {
		t.Errorf("all present: %v, asked for %d of %d, gpUseProgram %p", err, len(asked), len(procs), gpUseProgram)
	}
}

// TestConversions: go-gl's helpers behave as there.
func TestConversions(t *testing.T) {
	cs, free := Strs("abc\x00", "de\x00")
	strs := unsafe.Slice(cs, 2)
	if a, b := GoStr(strs[0]), GoStr(strs[1]); a != "abc" || b != "de" {
		t.Errorf("Strs then GoStr: %q %q", a, b)
	}
	free()
	s := "name\x00"
	if got := GoStr(Str(s)); got != "name" {
		t.Errorf("GoStr(Str(%q)) = %q", s, got)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Str without a NUL: no panic")
			}
		}()
		Str("name")
	}()
}
