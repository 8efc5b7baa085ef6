package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	pathpkg "path"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines is the longest function allowed outside tests, unless its
// doc comment gives the reason in a line that says "over 80 lines".
const maxFuncLines = 80

// TestCodeShape: every package of the module has a doc comment ("Package
// x ..." or, for a command, "Command x ..."), and no function outside tests
// is over maxFuncLines lines without a reason beside it.
func TestCodeShape(t *testing.T) {
	documented := map[string]bool{} // by folder; present once a file was seen
	eachSourceFile(t, nil, func(rel string, fset *token.FileSet, f *ast.File) {
		dir := pathpkg.Dir(rel)
		documented[dir] = documented[dir] || packageDoc(f)
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			if n > maxFuncLines && !strings.Contains(fd.Doc.Text(), "over 80 lines") {
				t.Errorf("%s: %s is %d lines: split it, or say in its doc comment why it is over 80 lines", rel, fd.Name.Name, n)
			}
		}
	})
	for dir, ok := range documented {
		if !ok {
			t.Errorf("%s: no package doc comment (put one in doc.go)", dir)
		}
	}
}

// eachSourceFile parses every Go file of the module outside tests (from
// cmd/glcnn: the module is two folders up), skipping hidden folders,
// testdata and the folders skipDir names (by slash path from the module
// root), and calls fn with the file's slash path from the root. It fails t
// if it saw fewer than 50 files: the test ran from somewhere else.
func eachSourceFile(t *testing.T, skipDir func(rel string) bool, fn func(rel string, fset *token.FileSet, f *ast.File)) {
	t.Helper()
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var seen int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || skipDir != nil && skipDir(rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		seen++
		fn(rel, fset, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 50 {
		t.Fatalf("saw %d Go files, want the whole module's (run from cmd/glcnn)", seen)
	}
}

// packageDoc reports whether f carries its package's doc comment.
func packageDoc(f *ast.File) bool {
	words := strings.Fields(f.Doc.Text())
	if len(words) < 2 {
		return false
	}
	if f.Name.Name == "main" {
		return words[0] == "Command"
	}
	return words[0] == "Package" && strings.TrimRight(words[1], ".,:;") == f.Name.Name
}
