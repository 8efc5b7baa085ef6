package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestModulesCommand(t *testing.T) {
	code, stdout, stderr := captureBoth(t, "modules", "--preset", "tutorial")
	var mods []struct {
		Type   string         `json:"type"`
		Args   []float64      `json:"args"`
		Kwargs map[string]any `json:"kwargs"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &mods) != nil {
		t.Fatalf("status %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if len(mods) != 10 || mods[0].Type != "Conv2d" || mods[0].Kwargs["padding"] != 1.0 || mods[9].Type != "Linear" || mods[9].Args[0] != 196 {
		t.Errorf("tutorial modules: %s", stdout)
	}
	if code, _, stderr := captureBoth(t, "modules", "--arch", "conv:4:3,pool:2"); code != exitUsage || !strings.Contains(stderr, "unknown kind") {
		t.Errorf("bad arch: status %d, stderr %q", code, stderr)
	}
}
