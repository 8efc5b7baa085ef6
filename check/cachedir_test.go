package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDefaultCacheDir: check results sit beside the other caches, under
// $GLCNN_CACHE_DIR when set, else the user's cache folder.
func TestDefaultCacheDir(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", "/some/where")
	if got, want := DefaultCacheDir(), filepath.Join("/some/where", "checks"); got != want {
		t.Errorf("GLCNN_CACHE_DIR=/some/where: %q, want %q", got, want)
	}
	t.Setenv("GLCNN_CACHE_DIR", "off")
	if got := DefaultCacheDir(); got != "" {
		t.Errorf("GLCNN_CACHE_DIR=off: %q, want no cache", got)
	}
	os.Unsetenv("GLCNN_CACHE_DIR")
	if got := DefaultCacheDir(); !strings.HasSuffix(got, filepath.Join("glcnn", "checks")) {
		t.Errorf("default: %q, want .../glcnn/checks", got)
	}
}
