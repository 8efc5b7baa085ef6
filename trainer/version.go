package trainer

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// ModulePath is glcnn's Go module path.
const ModulePath = "github.com/glcnn/glcnn"

// BuildInfo says which glcnn made a file or runs a command.
type BuildInfo struct {
	// Version is glcnn's module version: a tag such as v0.3.0, a
	// pseudo-version, or "(devel)" for a build from a checkout.
	Version string `json:"version"`
	// Revision is the VCS commit the binary was built from, with
	// "+dirty" when the tree had changes; "" when the build did not
	// record it (go test, go run, or a build outside a checkout).
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"` // the commit's time, RFC 3339
	Go       string `json:"go"`             // the Go version that built it
}

// Build returns glcnn's BuildInfo from runtime/debug.ReadBuildInfo: the
// main module's when glcnn is the program, the dependency's when a program
// of another module imports glcnn.
func Build() BuildInfo {
	b := BuildInfo{Version: "(devel)", Go: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Go = info.GoVersion
	mod := &info.Main
	if mod.Path != ModulePath {
		for _, d := range info.Deps {
			if d.Path == ModulePath {
				mod = d
				break
			}
		}
	}
	if mod.Path == ModulePath && mod.Version != "" {
		b.Version = mod.Version
	}
	if mod != &info.Main {
		return b // the VCS settings are those of the other module
	}
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && b.Revision != "" {
		b.Revision += "+dirty"
	}
	return b
}

// String is "glcnn VERSION (REVISION) GOVERSION", the revision left out
// when unknown.
func (b BuildInfo) String() string {
	if b.Revision == "" {
		return fmt.Sprintf("glcnn %s %s", b.Version, b.Go)
	}
	return fmt.Sprintf("glcnn %s (%s) %s", b.Version, b.Revision, b.Go)
}
