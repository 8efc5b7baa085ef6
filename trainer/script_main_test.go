package trainer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestMain stops the check script's process and removes the script tests'
// shared fixture after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	checkScript.stop()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

const systemPython = "/usr/bin/python3"

// checkScript is the one scripts/check_safetensors.py --runs process the
// script tests share: it imports torch once, where a process per check
// spent most of the tests' time doing so. Each check is a line of
// arguments in, its output and "== exit N" out, as a process of its own
// would print and exit.
var checkScript scriptProcess

type scriptProcess struct {
	mu    sync.Mutex
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	dead  string // the output of a process that ended (no torch: the import failed)
	start sync.Once
	err   error
}

// run runs one check; err is set when the process could not start or
// ended without answering (its output, say a failed import of torch, is
// then the string).
func (p *scriptProcess) run(args ...string) (string, int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.start.Do(func() {
		p.cmd = exec.Command(systemPython, "-u", "../scripts/check_safetensors.py", "--runs", "-")
		if p.in, p.err = p.cmd.StdinPipe(); p.err != nil {
			return
		}
		r, w := io.Pipe()
		p.cmd.Stdout, p.cmd.Stderr = w, w
		p.out = bufio.NewReader(r)
		if p.err = p.cmd.Start(); p.err != nil {
			return
		}
		go func() { w.CloseWithError(p.cmd.Wait()) }()
	})
	if p.err != nil {
		return p.dead, 0, p.err
	}
	line, _ := json.Marshal(args)
	if _, err := fmt.Fprintf(p.in, "%s\n", line); err != nil {
		p.err = err
		return p.dead, 0, err
	}
	var b strings.Builder
	for {
		s, err := p.out.ReadString('\n')
		if rest, ok := strings.CutPrefix(s, "== exit "); ok && err == nil {
			code, err := strconv.Atoi(strings.TrimSpace(rest))
			return b.String(), code, err
		}
		b.WriteString(s)
		if err != nil {
			p.dead, p.err = b.String(), fmt.Errorf("the script ended: %v", err)
			return p.dead, 0, p.err
		}
	}
}

// stop closes the process's input and waits for it to end.
func (p *scriptProcess) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil && p.cmd.Process != nil {
		p.in.Close()
		io.Copy(io.Discard, p.out)
	}
}

// runCheckScript runs scripts/check_safetensors.py with args (in the shared
// process) and returns its output and exit status. The test is skipped
// when the system python has no PyTorch (Debian's python3-torch): the
// script is a developer tool, not part of the engine.
func runCheckScript(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, code, err := checkScript.run(args...)
	if err != nil {
		if strings.Contains(out, "No module named 'torch'") {
			t.Skipf("no PyTorch on %s: the python check is not run", systemPython)
		}
		t.Fatalf("running the script: %v\n%s", err, out)
	}
	t.Logf("check_safetensors.py %s:\n%s", strings.Join(args, " "), out)
	return out, code
}

// shared is the fixture the script tests share (scriptFixture on seed 8, in
// a folder TestMain removes): one model, set of images and predictions.
var shared struct {
	once   sync.Once
	dir    string
	c      scriptCase
	failed bool
}

func sharedScriptFixture(t *testing.T) scriptCase {
	t.Helper()
	shared.once.Do(func() {
		shared.failed = true // until scriptFixture returns: it may stop the test
		var err error
		if shared.dir, err = os.MkdirTemp("", "glcnn-script-"); err != nil {
			t.Fatal(err)
		}
		shared.c = scriptFixture(t, shared.dir, 8)
		shared.failed = false
	})
	if shared.failed {
		t.Fatal("the script tests' fixture failed in an earlier test")
	}
	return shared.c
}
