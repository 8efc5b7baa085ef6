package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/glcnn/glcnn/safetensors"
	"github.com/glcnn/glcnn/trainer"
)

// cliArgsEnv makes TestCLIChild run the CLI with these arguments (a JSON
// list), so that a test can signal a real glcnn process.
const cliArgsEnv = "GLCNN_TEST_CLI_ARGS"

// TestCLIChild is the child of tests that need glcnn as its own process.
// It does nothing in a normal test run.
func TestCLIChild(t *testing.T) {
	raw := os.Getenv(cliArgsEnv)
	if raw == "" {
		t.Skip("the child of TestInterruptedTrain")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(run(args))
}

// readmeStatuses parses the exit-status table of the README: the rows of
// the first table after the "## Exit status" heading.
func readmeStatuses(t *testing.T) map[int]string {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "\n## Exit status\n")
	if !ok {
		t.Fatal(`README.md has no "## Exit status" section`)
	}
	row := regexp.MustCompile(`^\|\s*(\d+)\s*\|\s*(.+?)\s*\|$`)
	rows := map[int]string{}
	inTable := false
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "|") {
			inTable = true
			if m := row.FindStringSubmatch(line); m != nil {
				n, _ := strconv.Atoi(m[1])
				rows[n] = m[2]
			}
		} else if inTable {
			break
		}
	}
	return rows
}

// TestExitStatusTable: the README's table lists exactly the statuses the
// CLI returns, and each row's cases give that status.
func TestExitStatusTable(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", t.TempDir())
	table := readmeStatuses(t)
	code := map[int]string{}
	for n, name := range exitStatuses {
		code[n] = name
		if _, ok := table[n]; !ok {
			t.Errorf("status %d (%s) is not in the README's table", n, name)
		}
	}
	for n := range table {
		if _, ok := code[n]; !ok {
			t.Errorf("the README's table lists status %d, which the CLI never returns", n)
		}
	}
	if exitOK != 0 || exitUsage != 2 || exitFailure != 1 || exitInterrupted != 130 {
		t.Errorf("statuses %d %d %d %d, want 0 1 2 130", exitOK, exitFailure, exitUsage, exitInterrupted)
	}

	// What each row promises, case by case.
	run := trainTiny(t)
	model := filepath.Join(run, trainer.ModelFile)
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.safetensors")
	raw, _ := os.ReadFile(model)
	os.WriteFile(truncated, raw[:len(raw)/2], 0o644)
	foreign := filepath.Join(dir, "foreign.safetensors")
	safetensors.WriteFile(foreign, []safetensors.Tensor{{Name: "w", DType: safetensors.F32, Shape: []int{2}, F32: []float32{1, 2}}}, nil)
	other := filepath.Join(dir, "other.safetensors")
	ts, meta, _ := safetensors.ReadFile(model)
	meta["arch"] = "flatten,fc:10"
	safetensors.WriteFile(other, ts, meta)
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o644)
	full := filepath.Join(dir, "full")
	os.MkdirAll(full, 0o755)
	os.WriteFile(filepath.Join(full, "x"), nil, 0o644)
	data := apparels(t, 20, 28, true)
	big := filepath.Join(dir, "big.png")
	writeImage(t, big, pattern(32, 0))
	fifo := filepath.Join(dir, "fifo.png")
	syscall.Mkfifo(fifo, 0o644)
	cases := map[int][][]string{
		exitOK: {{"predict", "--model", model, "--data", data, "--out", filepath.Join(dir, "sub.csv"), "--check", "off"}},
		exitFailure: { // training that diverges
			quick(data, filepath.Join(dir, "diverged"), "--optimizer", "sgd", "--lr", "1e9", "--schedule", "constant", "--batch", "4", "--epochs", "2")},
		exitUsage: {
			{"train", "--lr", "NaN"},
			{"eval", "--model", filepath.Join(dir, "missing.safetensors"), "--data", data},
			{"eval", "--model", truncated, "--data", data},
			{"eval", "--model", foreign, "--data", data},
			{"eval", "--model", "/dev/zero", "--data", data},
			{"eval", "--model", other, "--data", data, "--check", "off"},
			{"check", "--model", truncated},
			{"train", "--data", data, "--out", notDir},
			{"predict", "--model", model, "--data", data, "--out", full},
			{"predict", "--model", model, "--check", "off", big},
			{"predict", "--model", model, "--check", "off", fifo},
			{"data", "export", "--data", data, "--out", full},
		},
	}
	for want, list := range cases {
		for _, args := range list {
			if got, _, stderr := captureBoth(t, args...); got != want {
				t.Errorf("glcnn %s: status %d, want %d (%s): %s", strings.Join(args, " "), got, want, table[want], stderr)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "diverged", trainer.ModelFile)); err == nil {
		t.Error("a diverged run wrote a model")
	}
}

// TestInterruptedTrain: SIGINT stops glcnn train with status 130 (so that
// `glcnn train && glcnn predict` stops too) and a checkpoint; --resume then
// finishes, and report.txt counts the training time of both sessions.
func TestInterruptedTrain(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", t.TempDir())
	out := filepath.Join(t.TempDir(), "run")
	args, _ := json.Marshal(append(quick(apparels(t, 200, 28, false), out), "--batch", "2", "--epochs", "4"))
	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIChild$")
	cmd.Env = append(os.Environ(), cliArgsEnv+"="+string(args))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "epoch  1/4") {
			cmd.Process.Signal(os.Interrupt)
		}
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || !strings.Contains(stderr.String(), "--resume") {
		t.Fatalf("interrupted train: status %d, want %d; stdout:\n%s\nstderr:\n%s", code, exitInterrupted, log.String(), stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, trainer.ModelFile)); err == nil {
		t.Error("an interrupted run wrote its model")
	}
	code, stdoutText, errText := captureBoth(t, "train", "--resume", "--out", out, "--check", "off")
	if code != 0 {
		t.Fatalf("--resume: status %d: %s", code, errText)
	}
	f, _ := os.Open(filepath.Join(out, trainer.MetricsFile))
	rows, _ := csv.NewReader(f).ReadAll()
	f.Close()
	total := 0.0
	for _, r := range rows[1:] {
		s, _ := strconv.ParseFloat(r[6], 64)
		total += s
	}
	if len(rows) != 5 || rows[0][6] != "seconds" {
		t.Fatalf("metrics.csv: %v", rows)
	}
	rep, _ := os.ReadFile(filepath.Join(out, trainer.ReportFile))
	if want := "training time " + strconv.FormatFloat(total, 'f', 1, 64) + " s"; !strings.Contains(string(rep), want) {
		t.Errorf("report.txt lacks %q (the sum of metrics.csv's seconds):\n%s", want, rep)
	}
	if want := strconv.FormatFloat(total, 'f', 0, 64) + " s of training"; !strings.Contains(stdoutText, want) {
		t.Errorf("the summary lacks %q:\n%s", want, stdoutText)
	}
}
