package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/glcnn/glcnn/trainer"
)

// TestHelpCommand: glcnn help train prints train's help to stdout with
// status 0, so that `glcnn help train | head` shows its usage first.
func TestHelpCommand(t *testing.T) {
	for _, args := range [][]string{{"help", "train"}, {"train", "--help"}, {"train", "-h"}} {
		code, stdout, stderr := captureBoth(t, args...)
		first, _, _ := strings.Cut(stdout, "\n")
		if code != 0 || stderr != "" || !strings.HasPrefix(first, "glcnn train — ") || !strings.Contains(stdout, "--epochs") {
			t.Errorf("glcnn %s: status %d, stderr %q, stdout starts %q", strings.Join(args, " "), code, stderr, first)
		}
	}
}

// TestVersion: glcnn --version and glcnn version print the module version
// and the Go version; --json prints them as an object.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, stdout, stderr := captureBoth(t, args...)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "glcnn ") || !strings.Contains(stdout, "\nrevision ") || !strings.Contains(stdout, runtime.Version()) {
			t.Errorf("glcnn %s: status %d, stderr %q, stdout %q", args[0], code, stderr, stdout)
		}
	}
	code, stdout, _ := captureBoth(t, "version", "--json")
	var b trainer.BuildInfo
	if err := json.Unmarshal([]byte(stdout), &b); code != 0 || err != nil || b.Go != runtime.Version() || b.Version == "" {
		t.Errorf("version --json: status %d, %v: %q", code, err, stdout)
	}
}

// TestVersionRevision: a glcnn built from this checkout names its commit.
// go test records no VCS information, so this builds the command.
func TestVersionRevision(t *testing.T) {
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "glcnn")
	if out, err := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "revision " + strings.TrimSpace(string(head)); !strings.Contains(string(out), want) {
		t.Errorf("glcnn --version:\n%s\nwant %q", out, want)
	}
}

// TestCompletionBash sources the bash script and completes a command, a
// subcommand, a flag and a flag's values, as bash would on Tab.
func TestCompletionBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	code, script, stderr := captureBoth(t, "completion", "bash")
	if code != 0 {
		t.Fatalf("completion bash: status %d: %s", code, stderr)
	}
	path := filepath.Join(t.TempDir(), "glcnn.bash")
	os.WriteFile(path, []byte(script), 0o644)
	probe := `source "$1" || exit 1
complete -p glcnn >/dev/null || exit 1
t() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _glcnn; echo "${COMPREPLY[*]}"; }
t glcnn tr
t glcnn train --res
t glcnn train --preset t
t glcnn data ex
t glcnn data export --fo
t glcnn help pre
t glcnn eval --model m --spl
t glcnn predict --json --model m --to
t glcnn completion z
`
	cmd := exec.Command(bash, "--norc", "-c", probe, "probe", path)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bash: %v: %s", err, errb.String())
	}
	want := "train\n--resume\ntutorial\nexport\n--format\npredict\n--split\n--topk\nzsh\n"
	if string(out) != want || errb.Len() > 0 {
		t.Errorf("completions:\n%s\nwant:\n%s\nstderr: %s", out, want, errb.String())
	}
}

// TestCompletionZshFish: the zsh script loads the bash function through
// bashcompinit, and the fish script completes every command and its flags.
func TestCompletionZshFish(t *testing.T) {
	_, zsh, _ := captureBoth(t, "completion", "zsh")
	if !strings.HasPrefix(zsh, "#compdef glcnn") || !strings.Contains(zsh, "bashcompinit") || !strings.Contains(zsh, "complete -o filenames -o bashdefault -F _glcnn glcnn") {
		t.Errorf("zsh script:\n%s", zsh)
	}
	_, fish, _ := captureBoth(t, "completion", "fish")
	for _, want := range []string{
		"-n __fish_use_subcommand -a train ",
		"-n __fish_use_subcommand -a data ",
		"-n '__fish_seen_subcommand_from train' -l preset ",
		"-n '__fish_seen_subcommand_from data; and __fish_seen_subcommand_from export' -l format ",
	} {
		if !strings.Contains(fish, want) {
			t.Errorf("fish script lacks %q", want)
		}
	}
	for _, shell := range []string{"zsh", "fish"} {
		if path, err := exec.LookPath(shell); err == nil {
			_, script, _ := captureBoth(t, "completion", shell)
			f := filepath.Join(t.TempDir(), "glcnn."+shell)
			os.WriteFile(f, []byte(script), 0o644)
			if out, err := exec.Command(path, "-n", f).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v: %s", shell, err, out)
			}
		}
	}
}
