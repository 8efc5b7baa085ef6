// Command glcnn trains and runs convolutional networks on any GPU with
// OpenGL 4.3 — or on the CPU through Mesa's llvmpipe — without CUDA.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/trainer"
)

// command is one subcommand: its flags, usage text and action.
type command struct {
	name     string
	summary  string
	usage    string // after "glcnn NAME "
	examples string
	flags    func(fs *pflag.FlagSet) func(args []string) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// Exit statuses, one rule for every command (the README's "Exit status"
// table lists them; TestExitStatusTable checks it against these).
const (
	exitOK      = 0
	exitFailure = 1 // a runtime failure: the device, a refused self-check, a diverged run, a failed write
	exitUsage   = 2 // a usage error or a bad input file, found before any output is written
	// exitInterrupted is 128+SIGINT, what a shell reports for a process
	// that Ctrl-C killed: an interrupted run is not a success.
	exitInterrupted = 130
)

// exitStatuses names every status the CLI returns.
var exitStatuses = map[int]string{exitOK: "success", exitFailure: "runtime failure",
	exitUsage: "usage error or bad input", exitInterrupted: "interrupted"}

// usageError is a mistake on the command line: exit status 2, as is bad
// input data (*data.InputError) and a bad model or checkpoint file
// (*trainer.ModelError). Every other failure exits with 1, but an
// interrupted command (interruptedError, or a context cancelled by a
// signal) with 130.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// gpuFlags are the device options every GPU command takes.
type gpuFlags struct{ opt gpu.Options }

func (g *gpuFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&g.opt.Context, "context", "auto", "OpenGL context backend: auto (EGL, then GLFW), egl (headless) or glfw (needs X or xvfb-run)")
	fs.Var(countValue{&g.opt.GPU}, "gpu", "EGL device index on machines with several GPUs")
	fs.BoolVar(&g.opt.Debug, "gl-debug", false, "KHR_debug messages and glGetError after every GL call (slow)")
}

func (g *gpuFlags) open() (*gpu.Device, error) {
	switch g.opt.Context {
	case "auto", "egl", "glfw":
	default:
		return nil, usagef("--context %q: want auto, egl or glfw", g.opt.Context)
	}
	opt := g.opt
	opt.Warm = true // JIT ahead on llvmpipe, with GLCNN_JIT_AHEAD=1 (gpu/warm.go)
	d, err := gpu.Open(opt)
	if err != nil {
		return nil, gpuFlagError{err}
	}
	return d, nil
}

// gpuFlagNames translates the gpu package's words for its Options into
// this command's flags.
var gpuFlagNames = strings.NewReplacer(`gpu.Options{Context: "egl"}`, "--context egl", "Options.GPU ", "--gpu ")

// gpuFlagError is a gpu.Open error told in terms of the command line (the
// library's advice names gpu.Options fields); it unwraps to the original.
type gpuFlagError struct{ err error }

func (e gpuFlagError) Error() string { return gpuFlagNames.Replace(e.err.Error()) }
func (e gpuFlagError) Unwrap() error { return e.err }

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) == 0 {
		printHelp(os.Stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		return runHelp(args[1:])
	case "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	name := args[0]
	if name == "data" {
		if len(args) >= 2 && (args[1] == "-h" || args[1] == "--help") {
			printGroupHelp(os.Stdout, "data")
			return exitOK
		}
		if len(args) < 2 || commands["data "+args[1]] == nil {
			fmt.Fprintln(os.Stderr, "glcnn data: want a subcommand: export (see glcnn data --help)")
			return exitUsage
		}
		name, args = "data "+args[1], args[1:]
	}
	c := commands[name]
	if c == nil {
		fmt.Fprintf(os.Stderr, "glcnn: unknown command %q (see glcnn --help)\n", args[0])
		return exitUsage
	}
	return runCommand(c, args[1:])
}

// runHelp is glcnn help [COMMAND]: the help goes to stdout (it was asked
// for), an unknown command is a usage error.
func runHelp(args []string) int {
	name := strings.Join(args, " ")
	switch {
	case name == "":
		printHelp(os.Stdout)
		return exitOK
	case commands[name] != nil:
		return runCommand(commands[name], []string{"--help"})
	case isGroup(name):
		printGroupHelp(os.Stdout, name)
		return exitOK
	}
	fmt.Fprintf(os.Stderr, "glcnn help: unknown command %q (see glcnn --help)\n", name)
	return exitUsage
}

func runCommand(c *command, args []string) int {
	fs := pflag.NewFlagSet("glcnn "+c.name, pflag.ContinueOnError)
	fs.SortFlags = false
	action := c.flags(fs)
	applyCacheDir := cacheDirFlag(fs)
	// pflag calls Usage only for --help (ContinueOnError): help asked
	// for goes to stdout.
	fs.Usage = func() {
		fmt.Fprintf(os.Stdout, "glcnn %s — %s\n\nUsage:\n  glcnn %s %s\n\nFlags:\n%s", c.name, c.summary, c.name, c.usage, fs.FlagUsages())
		if c.examples != "" {
			fmt.Fprintf(os.Stdout, "\nExamples:\n%s\n", c.examples)
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(os.Stderr, "glcnn %s: %v (see glcnn %s --help)\n", c.name, err, c.name)
		return exitUsage
	}
	applyCacheDir()
	err := action(fs.Args())
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(os.Stderr, "glcnn %s: %v\n", c.name, err)
	return exitStatus(err)
}

// exitStatus is the status for an error of a command.
func exitStatus(err error) int {
	var ue usageError
	var ie *data.InputError
	var me *trainer.ModelError
	var ce *trainer.ConfigError
	var ir interruptedError
	switch {
	case errors.As(err, &ue), errors.As(err, &ie), errors.As(err, &me), errors.As(err, &ce):
		return exitUsage
	case errors.As(err, &ir), errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	return exitFailure
}

// interruptedError is a command stopped by SIGINT or SIGTERM after it
// saved what lets it continue.
type interruptedError struct{ msg string }

func (e interruptedError) Error() string { return e.msg }

// printHelp writes the list of commands to w: stdout when help was asked
// for, stderr after a bare glcnn.
func printHelp(w io.Writer) {
	fmt.Fprint(w, `glcnn trains and runs CNNs on any GPU with OpenGL 4.3 (or the CPU through Mesa's llvmpipe).

Usage:
  glcnn <command> [flags]
  glcnn help <command>
  glcnn --version

Commands:
`)
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'glcnn <command> --help' for a command's flags and examples.")
}

// commandNames lists the commands, sorted ("data export" among them).
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// isGroup reports whether name is a group of commands ("data" for "data
// export").
func isGroup(name string) bool {
	for n := range commands {
		if strings.HasPrefix(n, name+" ") {
			return true
		}
	}
	return false
}

// printGroupHelp writes the commands of a group, such as data, to w.
func printGroupHelp(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage:\n  glcnn %s <command> [flags]\n\nCommands:\n", group)
	for _, n := range commandNames() {
		if sub, ok := strings.CutPrefix(n, group+" "); ok {
			fmt.Fprintf(w, "  %-12s %s\n", sub, commands[n].summary)
		}
	}
	fmt.Fprintf(w, "\nRun 'glcnn %s <command> --help' for a command's flags and examples.\n", group)
}

// noArgs refuses positional arguments.
func noArgs(args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", strings.Join(args, " "))
	}
	return nil
}
