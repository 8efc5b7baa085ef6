package gpu

import (
	"strings"
	"testing"
)

func TestVersionRefusal(t *testing.T) {
	old := Info{Renderer: "Intel HD Graphics 3000", Version: "3.3 (Core Profile) Mesa 20.0", GLMajor: 3, GLMinor: 3}
	err := checkVersion(old)
	if err == nil {
		t.Fatal("GL 3.3 accepted")
	}
	for _, want := range []string{"3.3", "Intel HD Graphics 3000", "4.3", `Options{Context: "egl"}`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not mention %q", err, want)
		}
	}
	noCompute := Info{Renderer: "X", Version: "4.3", GLMajor: 4, GLMinor: 3}
	if err := checkVersion(noCompute); err == nil || !strings.Contains(err.Error(), "compute") {
		t.Errorf("4.3 without compute: %v", err)
	}
	ok := Info{Renderer: "llvmpipe", GLMajor: 4, GLMinor: 5, MaxInvocations: 1024}
	if err := checkVersion(ok); err != nil {
		t.Error(err)
	}
}

func TestIsSoftware(t *testing.T) {
	for r, want := range map[string]bool{
		"llvmpipe (LLVM 15.0.6, 256 bits)": true, "softpipe": true, "Google SwiftShader": true,
		"NVIDIA H200/PCIe/SSE2": false, "AMD Radeon RX 6800 (radeonsi, navi21, LLVM 15.0.7, DRM 3.49)": false,
	} {
		if IsSoftware(r) != want {
			t.Errorf("IsSoftware(%q) = %v", r, !want)
		}
	}
}
