package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/trainer"
)

// These checks run before any data is read or a device is opened, so that
// a mistake in --out costs nothing and writes nothing.

// checkRunDir refuses a train --out that cannot take the run: a file; a
// folder that holds files, unless the run resumes it or --force starts
// over in it; with --resume, a folder without a checkpoint.
func checkRunDir(dir string, resume, force bool) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !resume:
		return nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return usagef("--out %s: %v", dir, err)
	case err == nil && !st.IsDir():
		return usagef("--out %s is a file, not a run folder", dir)
	case resume:
		if _, err := os.Stat(filepath.Join(dir, trainer.CheckpointFile)); err != nil {
			return usagef("--resume: no checkpoint in %s", dir)
		}
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return usagef("--out %s: %v", dir, err)
	}
	if len(ents) > 0 && !force {
		names := make([]string, 0, 3)
		for _, e := range ents[:min(3, len(ents))] {
			names = append(names, e.Name())
		}
		if len(ents) > 3 {
			names = append(names, "...")
		}
		return usagef("--out %s already holds %d files (%s): continue that run with --resume, or start over with --force, which first deletes the outputs of the run there",
			dir, len(ents), strings.Join(names, ", "))
	}
	return nil
}

// checkOutFile refuses an --out file that names a folder, or whose folder
// does not exist.
func checkOutFile(path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usagef("--out %s is a folder: name the file to write", path)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return usagef("--out %s: no folder %s to write it in", path, filepath.Dir(path))
	}
	return nil
}

// checkNewDir refuses an --out folder to create that exists and is not an
// empty folder.
func checkNewDir(dir string) error {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return usagef("--out %s: %v", dir, err)
	}
	if !st.IsDir() {
		return usagef("--out %s is a file", dir)
	}
	if ents, err := os.ReadDir(dir); err != nil || len(ents) > 0 {
		return usagef("--out %s exists and is not an empty folder", dir)
	}
	return nil
}

// configUsage turns a trainer.ConfigError into a usage error that names
// the flag (the config.json value, for a resumed run, whose flags are its
// config.json); other errors of Config.Validate (an arch spec) become
// usage errors as they are.
func configUsage(err error, resumed bool) error {
	var ce *trainer.ConfigError
	switch {
	case !errors.As(err, &ce):
		return usageError{err.Error()}
	case resumed:
		return usagef("--resume: %s: %s %v: %s", trainer.ConfigFile, ce.Field, ce.Value, ce.Want)
	}
	return usagef("--%s %v: %s", strings.ReplaceAll(ce.Field, "_", "-"), ce.Value, ce.Want)
}

// countFlag defines an int flag, default 0, that refuses negative values
// as it is parsed.
func countFlag(fs *pflag.FlagSet, name, usage string) *int {
	p := new(int)
	fs.Var(countValue{p}, name, usage)
	return p
}

// countValue is an int flag that refuses negative values as it is parsed.
type countValue struct{ p *int }

func (v countValue) String() string {
	if v.p == nil {
		return "0"
	}
	return strconv.Itoa(*v.p)
}

func (v countValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("not an integer")
	}
	if n < 0 {
		return errors.New("must be 0 or more")
	}
	*v.p = n
	return nil
}

func (v countValue) Type() string { return "int" }
