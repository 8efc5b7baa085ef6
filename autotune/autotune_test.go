package autotune

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/glcnn/glcnn/check"
	"github.com/glcnn/glcnn/gpu/gputest"
	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/trainer"
)

// small has a conv (three variants), two fc layers (two each) and layers
// without variants, small enough to time in a fraction of a second.
var small = trainer.Config{Arch: "conv:4:3,bn,relu,maxpool:2,flatten,fc:8,relu,fc:10", Optimizer: "adam", LR0: 0.01}

var smallReq = Request{Config: small, In: []int{1, 8, 8}, Batch: 32, Train: true}

// fakeClock plays a device on which each variant takes perRow[variant] µs
// a row (running the pass all the same), and counts the runs. Variants it
// does not name (those registered after the test was written) take
// slowRow, far more than the others.
type fakeClock struct {
	perRow map[string]float64
	runs   int
	// busy[v] is how many more of v's runs take 10x as long (a burst of
	// other work on a shared machine).
	busy map[string]int
}

const slowRow = 1000

func (c *fakeClock) time(_ check.LayerAt, v string, batch int, f func()) time.Duration {
	f()
	c.runs++
	us, ok := c.perRow[v]
	if !ok {
		us = slowRow
	}
	if c.busy[v] > 0 {
		c.busy[v]--
		us *= 10
	}
	return time.Duration(us * float64(batch) * 1e3)
}

// vecFastest: vec fastest, then direct, blocked slowest; fc direct fastest.
func vecFastest() *fakeClock {
	return &fakeClock{perRow: map[string]float64{layers.VariantVec: 10, layers.VariantDirect: 15, layers.VariantBlocked: 20}}
}

// TestTune: every variant of every conv and fc layer is timed or
// estimated, the fastest wins, and Apply hands the winners and the
// rankings over.
func TestTune(t *testing.T) {
	d := gputest.Device(t)
	clock := vecFastest()
	res, err := Tune(d, smallReq, Options{Time: clock.time})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(res.Layers); got != 3 {
		t.Fatalf("%d layers tuned, want 3 (conv, fc, fc): %+v", got, res.Layers)
	}
	want := map[int]string{0: layers.VariantVec, 5: layers.VariantDirect, 7: layers.VariantDirect}
	if got := res.Variants(); !mapsEqual(got, want) {
		t.Errorf("winners %v, want %v", got, want)
	}
	if got := res.Order()[0]; !slices.Equal(got[:3], []string{"vec", "direct", "blocked"}) {
		t.Errorf("conv ranking %v", got)
	}
	c := res.Layers[0]
	if r, ratio, ok := c.RunnerUp(); !ok || r.Variant != "direct" || ratio < 1.49 || ratio > 1.51 {
		t.Errorf("runner-up %+v %.2f %v", r, ratio, ok)
	}
	if s := c.String(); !strings.Contains(s, "layer 0 conv:4:3 (1x8x8, batch 32, forward+backward)") || !strings.Contains(s, "direct 0.48 ms (1.50x)") {
		t.Errorf("summary %q", s)
	}
	cfg := small
	cfg.Variants = map[int]string{7: layers.VariantBlocked} // asked for: kept
	var opt check.Options
	res.Apply(&cfg, &opt)
	if cfg.Variants[0] != "vec" || cfg.Variants[7] != "blocked" || !slices.Equal(opt.Order[5], []string{"direct", "blocked"}) {
		t.Errorf("applied %v %v", cfg.Variants, opt.Order)
	}
}

// TestTuneReal times on the device's own clock: every variant runs (or
// is estimated far slower) without an error, and a winner is chosen.
func TestTuneReal(t *testing.T) {
	res, err := Tune(gputest.Device(t), smallReq, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Layers {
		if c.Winner == "" || len(c.Timings) != len(layers.LookupOp(strings.Split(c.Op, ":")[0], nil).Variants) {
			t.Errorf("%s", c)
		}
		for _, tm := range c.Timings {
			if strings.HasPrefix(tm.Note, "error") || tm.Ms == 0 && tm.EstimateMs == 0 {
				t.Errorf("%s: %+v", c.Op, tm)
			}
		}
		t.Log(c)
	}
	eval := smallReq
	eval.Train = false
	if res, err = Tune(gputest.Device(t), eval, Options{}); err != nil || len(res.Variants()) != 3 {
		t.Errorf("eval: %v %v", res, err)
	}
}

// TestMargin: a variant within Margin of the op's default does not win.
func TestMargin(t *testing.T) {
	clock := &fakeClock{perRow: map[string]float64{layers.VariantVec: 10, layers.VariantDirect: 9.8, layers.VariantBlocked: 9.7}}
	res, err := Tune(gputest.Device(t), smallReq, Options{Time: clock.time})
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Variants()[0]; v != layers.DefaultConvVariant {
		t.Errorf("conv: %s won by under %.0f%%", v, 100*Margin)
	}
	if v := res.Variants()[5]; v != layers.VariantBlocked { // fc's default, and the fastest
		t.Errorf("fc: %s won", v)
	}
}

// TestConfirm: a variant that beat the default only because the
// default's runs fell in a burst of other work does not win: the two are
// timed again, and the default keeps its best time. A variant that is
// faster wins both rounds.
func TestConfirm(t *testing.T) {
	req := smallReq
	req.Config.Arch = "conv:4:3,fc:10"
	clock := vecFastest()
	clock.busy = map[string]int{layers.VariantVec: 4} // its warm-up and 3 runs
	res, err := Tune(gputest.Device(t), req, Options{Time: clock.time})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Layers[0]
	if c.Winner != layers.VariantVec {
		t.Errorf("conv: %s won, want vec (slow only in its first round): %s", c.Winner, c)
	}
	if v := c.timing(layers.VariantVec); v.Runs != 6 || v.Ms > 0.33 {
		t.Errorf("vec: %+v, want 6 runs and its unhindered 0.32 ms", v)
	}
	if v := res.Layers[1].Winner; v != layers.VariantDirect { // fc: direct is faster in both rounds
		t.Errorf("fc: %s won, want direct", v)
	}
}

// TestPrune: a variant estimated far slower than the best is not timed at
// the full rows; the runs are few.
func TestPrune(t *testing.T) {
	clock := &fakeClock{perRow: map[string]float64{layers.VariantVec: 1, layers.VariantDirect: 50, layers.VariantBlocked: 1.5}}
	others := len(layers.LookupOp("conv", nil).Variants) - 3 // variants registered since: slowRow
	req := smallReq
	req.Config.Arch = "conv:4:3,fc:10"
	res, err := Tune(gputest.Device(t), req, Options{Time: clock.time})
	if err != nil {
		t.Fatal(err)
	}
	direct := res.Layers[0].timing("direct")
	if direct.Ms != 0 || direct.EstimateMs == 0 || !strings.Contains(direct.Note, "estimated") {
		t.Errorf("direct conv: %+v, want estimated and not timed", direct)
	}
	// conv: vec (the default: the first) 1 warm-up + 3, blocked 1 + 2
	// (estimate: batches 2 and 1) + 3, direct and the others 1 + 1
	// (slower at 2 rows than 3x vec at 32: dropped); fc: blocked 1 + 3,
	// direct 1 + 2 (estimated from batches 2 and 1: dropped).
	if want := 19 + 2*others; clock.runs != want {
		t.Errorf("%d runs, want %d", clock.runs, want)
	}
}

// TestCache: the second tuning comes from the cache and times nothing; a
// corrupt or foreign file is ignored, timed again and rewritten; another
// batch or mode is another entry.
func TestCache(t *testing.T) {
	d := gputest.Device(t)
	dir := t.TempDir()
	clock := vecFastest()
	opt := Options{Time: clock.time}
	res1, err := Ensure(d, smallReq, opt, dir)
	if err != nil || res1.Cached() || clock.runs == 0 {
		t.Fatalf("first: cached %v, %d runs, %v", res1.Cached(), clock.runs, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 3 {
		t.Fatalf("%d cache files, want 3 (one a layer)", len(files))
	}
	n := clock.runs
	res2, err := Ensure(d, smallReq, opt, dir)
	if err != nil || !res2.Cached() || clock.runs != n || res2.Seconds != 0 || len(res2.Summary()) != 0 {
		t.Fatalf("second: cached %v, %d more runs, %v", res2.Cached(), clock.runs-n, err)
	}
	if !mapsEqual(res1.Variants(), res2.Variants()) || !mapsEqual(res1.Variants(), map[int]string{0: "vec", 5: "direct", 7: "direct"}) {
		t.Errorf("cached %v, timed %v", res2.Variants(), res1.Variants())
	}

	// Corrupt one file, make another foreign (another device's), and
	// one naming a variant the op does not have.
	os.WriteFile(files[0], []byte("{\"key\": {\"format\": 1, "), 0o644)
	rewrite(t, files[1], func(e *entry) { e.Key.Device.DriverID = "another driver" })
	rewrite(t, files[2], func(e *entry) { e.Choice.Winner = "winograd-from-the-future" })
	n = clock.runs
	res3, err := Ensure(d, smallReq, opt, dir)
	if err != nil || res3.Cached() || clock.runs == n || !mapsEqual(res3.Variants(), res1.Variants()) {
		t.Fatalf("after corruption: %v, %d runs, %v", res3.Variants(), clock.runs-n, err)
	}
	for _, l := range res3.Layers {
		if l.Cached {
			t.Errorf("layer %d taken from a bad file", l.Layer)
		}
	}
	for _, f := range files {
		var e entry
		if b, err := os.ReadFile(f); err != nil || json.Unmarshal(b, &e) != nil || e.Key.Device.DriverID == "another driver" {
			t.Errorf("%s not rewritten: %v", f, err)
		}
	}
	n = clock.runs
	if res, _ := Ensure(d, smallReq, opt, dir); !res.Cached() || clock.runs != n {
		t.Error("the rewritten files were not used")
	}

	other := smallReq
	other.Batch = 16
	if res, _ := Ensure(d, other, opt, dir); res.Cached() {
		t.Error("another batch came from the cache")
	}
	other = smallReq
	other.Train = false
	if res, _ := Ensure(d, other, opt, dir); res.Cached() {
		t.Error("eval came from training's cache")
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.json")); len(files) != 9 {
		t.Errorf("%d cache files, want 9", len(files))
	}
}

func rewrite(t *testing.T, path string, f func(*entry)) {
	t.Helper()
	var e entry
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &e)
	}
	if err != nil {
		t.Fatal(err)
	}
	f(&e)
	b, _ = json.Marshal(e)
	os.WriteFile(path, b, 0o644)
}

// TestGivenVariants: a layer whose variant the config names is not timed.
func TestGivenVariants(t *testing.T) {
	req := smallReq
	req.Config.Variants = map[int]string{0: layers.VariantDirect}
	clock := vecFastest()
	res, err := Tune(gputest.Device(t), req, Options{Time: clock.time})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Variants()[0]; ok || len(res.Layers) != 2 {
		t.Errorf("the conv given a variant was tuned: %v", res.Variants())
	}
}

// corrupt is a layer whose forward output has one element off, as the
// self-check's tests inject one.
type corrupt struct{ layers.Layer }

func (c corrupt) Forward(x *layers.Tensor, m layers.Mode) *layers.Tensor {
	y := c.Layer.Forward(x, m)
	v := y.Read()
	y.Buf.UploadAt(5, []float32{v[5] + 0.5})
	return y
}

// TestCheckedChoice: on a device where the vec conv is fastest and wrong,
// the self-check validates autotune's winner first, finds it wrong and
// falls back to the next fastest (direct), not to the check's own next
// (blocked): autotuning never runs a variant that fails the check.
func TestCheckedChoice(t *testing.T) {
	d := gputest.Device(t)
	clock := vecFastest()
	res, err := Tune(d, smallReq, Options{Time: clock.time})
	if err != nil {
		t.Fatal(err)
	}
	cfg := small
	opt := check.Options{Train: true, NewLayer: func(la check.LayerAt, v string) layers.Layer {
		l := check.NewLayer(la, v)
		if v == layers.VariantVec {
			return corrupt{l}
		}
		return l
	}}
	res.Apply(&cfg, &opt)
	chk, err := check.Run(d, cfg, smallReq.In, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !chk.Passed() || chk.Variants[0] != layers.VariantDirect || len(chk.Fallbacks) != 1 || chk.Fallbacks[0].From != "vec" {
		t.Fatalf("check: variants %v, fallbacks %+v, %v", chk.Variants, chk.Fallbacks, chk.Err())
	}
	cfg.Variants = chk.Variants
	s, err := trainer.NewSession(d, cfg, smallReq.In, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	if v := s.Model.Layers[0].(*layers.Conv2D).Variant; v != layers.VariantDirect {
		t.Errorf("the session's conv runs %q, want direct", v)
	}
}

func mapsEqual(a, b map[int]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
