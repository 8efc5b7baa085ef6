package main

import (
	"os"

	"github.com/spf13/pflag"

	"github.com/glcnn/glcnn/data"
)

// cacheDirFlag adds --cache-dir to fs. The returned apply, called once
// the flags are parsed, sets $GLCNN_CACHE_DIR from it, so that every cache
// (compiled programs, device checks, decoded datasets) reads the one folder
// exactly as when the variable is set by hand.
func cacheDirFlag(fs *pflag.FlagSet) (apply func()) {
	dir := fs.String("cache-dir", "", "folder for glcnn's caches, \"off\" for none (default $"+data.CacheDirEnv+", else ~/.cache/glcnn)")
	return func() {
		if *dir != "" {
			os.Setenv(data.CacheDirEnv, *dir)
		}
	}
}
