package main

import (
	"fmt"
	"go/ast"
	"go/token"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// flagName matches a command-line flag in text: "--" and a letter, at the
// start or after a space, quote or bracket (not "---" rules or "a--b").
var flagName = regexp.MustCompile("(^|[\\s(\\[`'\"])--[a-z]")

// pendingFlagNames are library files that still name CLI flags in their
// messages, each with who is to fix it; this test skips them, and fails on
// any other library file that names one.
var pendingFlagNames = map[string]string{
	// Generates docs/benchmarks.md, a page about the CLI: its command
	// lines are documentation, not messages.
	"bench/markdown.go": "",
}

// TestLibraryNamesNoFlags: no string in a library package (everything but
// cmd/) names a command-line flag. Library errors and logs speak of
// library concepts (Config.LR0, RunOptions.Resume); the CLI translates
// them to its flags (configUsage, DivergedError.Message).
func TestLibraryNamesNoFlags(t *testing.T) {
	eachSourceFile(t, func(rel string) bool { return rel == "cmd" }, func(rel string, _ *token.FileSet, f *ast.File) {
		if why, ok := pendingFlagNames[rel]; ok {
			if why != "" {
				t.Logf("skipped %s: %s", rel, why)
			}
			return
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && flagName.MatchString(s) {
				t.Errorf("%s: %s names a CLI flag; say it in library terms and let the CLI translate", rel, lit.Value)
			}
			return true
		})
	})
}

// TestGPUErrorsNameFlags: the gpu package's errors speak of gpu.Options;
// the CLI tells them with its flags.
func TestGPUErrorsNameFlags(t *testing.T) {
	code, _, stderr := captureBoth(t, "info", "--context", "egl", "--gpu", "7")
	if code != exitFailure || !strings.Contains(stderr, "--gpu 7") || strings.Contains(stderr, "Options.") {
		t.Errorf("info --gpu 7 on a machine with fewer EGL devices: status %d, want %d naming --gpu 7 and no gpu.Options field: %s", code, exitFailure, stderr)
	}
	err := gpuFlagError{fmt.Errorf("gpu: no OpenGL 4.3 context: egl: x; glfw: no display: use gpu.Options{Context: \"egl\"} for headless machines")}
	if got := err.Error(); !strings.Contains(got, "use --context egl for headless") {
		t.Errorf("translated: %s", got)
	}
}
