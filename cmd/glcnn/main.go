// Command glcnn trains and runs convolutional networks on any GPU with
// OpenGL 4.3 — or on the CPU through Mesa's llvmpipe — without CUDA.
package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
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

// usageError is a mistake on the command line: exit status 2, as is bad
// input data (*data.InputError). Every other failure exits with 1.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// gpuFlags are the device options every GPU command takes.
type gpuFlags struct{ opt gpu.Options }

func (g *gpuFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&g.opt.Context, "context", "auto", "OpenGL context backend: auto (EGL, then GLFW), egl (headless) or glfw (needs X or xvfb-run)")
	fs.IntVar(&g.opt.GPU, "gpu", 0, "EGL device index on machines with several GPUs")
	fs.BoolVar(&g.opt.Debug, "gl-debug", false, "KHR_debug messages and glGetError after every GL call (slow)")
}

func (g *gpuFlags) open() (*gpu.Device, error) {
	switch g.opt.Context {
	case "auto", "egl", "glfw":
	default:
		return nil, usagef("--context %q: want auto, egl or glfw", g.opt.Context)
	}
	return gpu.Open(g.opt)
}

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 {
			if c := commands[args[1]]; c != nil {
				return runCommand(c, []string{"--help"})
			}
		}
		printHelp()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	name := args[0]
	if name == "data" {
		if len(args) < 2 || commands["data "+args[1]] == nil {
			fmt.Fprintln(os.Stderr, "glcnn data: want a subcommand: export (see glcnn data export --help)")
			return 2
		}
		name, args = "data "+args[1], args[1:]
	}
	c := commands[name]
	if c == nil {
		fmt.Fprintf(os.Stderr, "glcnn: unknown command %q (see glcnn --help)\n", args[0])
		return 2
	}
	return runCommand(c, args[1:])
}

func runCommand(c *command, args []string) int {
	fs := pflag.NewFlagSet("glcnn "+c.name, pflag.ContinueOnError)
	fs.SortFlags = false
	action := c.flags(fs)
	applyCacheDir := cacheDirFlag(fs)
	fs.Usage = func() {
		fmt.Fprintf(os.Stderr, "glcnn %s — %s\n\nUsage:\n  glcnn %s %s\n\nFlags:\n%s", c.name, c.summary, c.name, c.usage, fs.FlagUsages())
		if c.examples != "" {
			fmt.Fprintf(os.Stderr, "\nExamples:\n%s\n", c.examples)
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "glcnn %s: %v (see glcnn %s --help)\n", c.name, err, c.name)
		return 2
	}
	applyCacheDir()
	err := action(fs.Args())
	if err == nil {
		return 0
	}
	fmt.Fprintf(os.Stderr, "glcnn %s: %v\n", c.name, err)
	var ue usageError
	var ie *data.InputError
	if errors.As(err, &ue) || errors.As(err, &ie) {
		return 2
	}
	return 1
}

func printHelp() {
	fmt.Fprint(os.Stderr, `glcnn trains and runs CNNs on any GPU with OpenGL 4.3 (or the CPU through Mesa's llvmpipe).

Usage:
  glcnn <command> [flags]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'glcnn <command> --help' for a command's flags and examples.")
}

// noArgs refuses positional arguments.
func noArgs(args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", strings.Join(args, " "))
	}
	return nil
}
