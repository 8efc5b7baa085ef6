package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/trainer"
)

// capture runs the CLI in-process and returns its exit status and stderr.
func capture(t *testing.T, args ...string) (int, string) {
	t.Helper()
	r, w, _ := os.Pipe()
	old := os.Stderr
	os.Stderr = w
	code := run(args)
	w.Close()
	os.Stderr = old
	b := make([]byte, 1<<16)
	n, _ := r.Read(b)
	return code, string(b[:n])
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(filepath.Join(bad, "train"), 0o755)
	os.WriteFile(filepath.Join(bad, "train.csv"), []byte("id,label\n1,3\n2,11\n"), 0o644)
	out := filepath.Join(dir, "run")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, 0, "train"},
		{nil, 2, "Commands:"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"info", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"train", "--help"}, 0, "Examples:"},
		{[]string{"train", "--preset", "nope"}, 2, "want one of"},
		{[]string{"train", "--lr", "-1"}, 2, "--lr"},
		{[]string{"train", "--resume"}, 2, "--resume needs --out"},
		{[]string{"train", "--data", bad, "--out", out}, 2, "train.csv line 3: label \"11\""},
		{[]string{"train", "--data", filepath.Join(dir, "missing")}, 2, "missing"},
		{[]string{"train", "--arch", "conv:4:3,fc:7"}, 2, "must end with fc:10"},
		{[]string{"train", "--arch", "conv:4:3,pool:2,fc:10"}, 2, `layer 2 "pool:2": unknown kind`},
		{[]string{"eval"}, 2, "--model is required"},
		{[]string{"data"}, 2, "want a subcommand: export"},
		{[]string{"data", "--help"}, 0, "export"},
		{[]string{"help", "data"}, 0, "export"},
		{[]string{"help", "data", "export"}, 0, "--format"},
		{[]string{"help", "nope"}, 2, `unknown command "nope"`},
		{[]string{"completion", "tcsh"}, 2, `shell "tcsh"`},
		{[]string{"data", "export", "--format", "csv", "--out", out}, 2, "only apparels"},
	} {
		// Help asked for goes to stdout, errors to stderr.
		code, stdout, stderr := captureBoth(t, c.args...)
		got := stderr
		if c.code == 0 {
			got = stdout
		}
		if code != c.code || !strings.Contains(got, c.want) {
			t.Errorf("glcnn %s: status %d, want %d; stdout %q, stderr %q, want %q in the first if the status is 0", strings.Join(c.args, " "), code, c.code, stdout, stderr, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused run left an output folder")
	}
}

func TestHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}} {
		code, stdout, stderr := captureBoth(t, args...)
		if code != 0 || stderr != "" {
			t.Errorf("glcnn %s: status %d, stderr %q; want 0 and nothing", args[0], code, stderr)
		}
		for _, c := range []string{"info", "check", "train", "eval", "predict", "bench", "show", "data export", "version", "completion"} {
			if !strings.Contains(stdout, "  "+c) {
				t.Errorf("glcnn %s does not list %q on stdout:\n%s", args[0], c, stdout)
			}
		}
	}
	// A bare glcnn is a usage error: the list goes to stderr.
	if code, stdout, stderr := captureBoth(t); code != exitUsage || stdout != "" || !strings.Contains(stderr, "Commands:") {
		t.Errorf("glcnn: status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestPresetConfig: flags the user gives override the chosen preset, and
// the preset's other values stay.
func TestPresetConfig(t *testing.T) {
	c := commands["train"]
	fs := pflag.NewFlagSet("train", pflag.ContinueOnError)
	c.flags(fs)
	if err := fs.Parse([]string{"--preset", "tutorial", "--lr", "0.01", "--epochs", "2", "--flip"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := presetConfig(fs, "tutorial")
	if err != nil {
		t.Fatal(err)
	}
	want := trainer.Presets["tutorial"].Config
	if cfg.LR0 != 0.01 || cfg.Epochs != 2 || !cfg.Flip || cfg.Batch != want.Batch || cfg.Arch != want.Arch || cfg.Optimizer != want.Optimizer || cfg.Preset != "tutorial" {
		t.Errorf("config %+v", cfg)
	}
}
