package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
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
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	documented := map[string]bool{} // by folder; present once a file was seen
	var checked int
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		dir = filepath.ToSlash(dir)
		documented[dir] = documented[dir] || packageDoc(f)
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			if n > maxFuncLines && !strings.Contains(fd.Doc.Text(), "over 80 lines") {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s: %s is %d lines: split it, or say in its doc comment why it is over 80 lines", filepath.ToSlash(rel), fd.Name.Name, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked %d files, want the whole module's (run from cmd/glcnn)", checked)
	}
	for dir, ok := range documented {
		if !ok {
			t.Errorf("%s: no package doc comment (put one in doc.go)", dir)
		}
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
