package report

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plotDir is where the plot tests write their PNGs: $GLCNN_PLOT_DIR when set,
// so a person can look at them (go test ./report/ -run Plot with
// GLCNN_PLOT_DIR=/tmp/plots), else a temporary directory.
func plotDir(t *testing.T) string {
	if d := os.Getenv("GLCNN_PLOT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// fakeRun is a plausible training history: losses falling and accuracies
// rising towards a plateau, validation a little worse than training, a dip at
// epoch 3; no validation columns when noVal.
func fakeRun(epochs int, noVal bool) []EpochMetrics {
	rows := make([]EpochMetrics, epochs)
	for i := range rows {
		e := float64(i + 1)
		f := math.Exp(-e / 5)
		r := EpochMetrics{
			Epoch: i + 1, TrainLoss: 0.35 + 1.95*f, ValLoss: 0.42 + 1.85*f + 0.004*e,
			TrainAcc: 0.9 - 0.8*f, ValAcc: 0.87 - 0.77*f, LR: 0.07, Seconds: 10, ImgPerSec: 5400,
		}
		if i == 2 {
			r.ValLoss += 0.3
			r.ValAcc -= 0.08
		}
		if noVal {
			r.ValLoss, r.ValAcc = math.NaN(), math.NaN()
		}
		rows[i] = r
	}
	return rows
}

// readPNG decodes path and checks it is an 800x600 image.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != 800 || b.Dy() != 600 {
		t.Errorf("%s is %dx%d, want 800x600", path, b.Dx(), b.Dy())
	}
	return img
}

// countColor counts the pixels of img within a small distance of c.
func countColor(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			d := math.Abs(float64(r>>8)-float64(c.R)) + math.Abs(float64(g>>8)-float64(c.G)) + math.Abs(float64(bl>>8)-float64(c.B))
			if d < 30 {
				n++
			}
		}
	}
	return n
}

func TestPlotCurves(t *testing.T) {
	dir := plotDir(t)
	tests := []struct {
		name    string
		rows    []EpochMetrics
		wantVal bool
	}{
		{"1epoch", fakeRun(1, false), true},
		{"25epochs", fakeRun(25, false), true},
		{"120epochs", fakeRun(120, false), true},
		{"noval", fakeRun(8, true), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, kind := range []string{"loss", "accuracy"} {
				path := filepath.Join(dir, kind+"-"+tc.name+".png")
				plotFn := PlotLoss
				if kind == "accuracy" {
					plotFn = PlotAccuracy
				}
				if err := plotFn(path, tc.rows, "tutorial preset, seed 1: "+kind); err != nil {
					t.Fatal(err)
				}
				img := readPNG(t, path)
				// A single epoch is only its two markers; a legend entry alone
				// is a few dozen pixels.
				if n := countColor(img, trainColor); n < 60 {
					t.Errorf("%s: %d train-coloured pixels: no train curve?", path, n)
				}
				if n := countColor(img, valColor); (n >= 60) != tc.wantVal {
					t.Errorf("%s: %d validation-coloured pixels, want a curve: %v", path, n, tc.wantVal)
				}
			}
		})
	}
}

func TestPlotCurvesRefuseNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loss.png")
	if err := PlotLoss(path, nil, "x"); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("no rows: got %v, want an error naming the file", err)
	}
	nan := math.NaN()
	rows := []EpochMetrics{{Epoch: 1, TrainLoss: nan, ValLoss: nan}}
	if err := PlotLoss(path, rows, "x"); err == nil {
		t.Error("all-NaN losses were plotted")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a refused plot left a file: %v", err)
	}
}

// TestValueAxisLeavesLegendBand checks the y range keeps a quarter of the
// plot free of data on the legend's side, so the legend cannot hide a curve.
func TestValueAxisLeavesLegendBand(t *testing.T) {
	for _, tc := range []struct {
		lo, hi, scale float64
		top           bool
	}{
		{0.3, 2.3, 1, true}, {1.2, 1.2, 1, true}, {10, 72, 100, false}, {85, 93, 100, false}, {90, 90, 100, false},
	} {
		p, _ := curvePlot([]EpochMetrics{{Epoch: 1, TrainLoss: tc.lo / tc.scale, TrainAcc: tc.lo / tc.scale}}, "", "", tc.scale, tc.top,
			func(r EpochMetrics) float64 { return r.TrainLoss }, func(r EpochMetrics) float64 { return math.NaN() })
		setValueAxis(p, tc.lo, tc.hi, tc.scale, tc.top)
		free := (p.Y.Max - tc.hi) / (p.Y.Max - p.Y.Min)
		if !tc.top {
			free = (tc.lo - p.Y.Min) / (p.Y.Max - p.Y.Min)
		}
		// Accuracies may clamp at 0%: the band then shrinks, but curves that
		// start near 0% leave the bottom right empty anyway.
		if free < 0.2 && !(tc.scale == 100 && p.Y.Min == 0) {
			t.Errorf("%+v: y range [%g, %g] leaves %.0f%% free for the legend", tc, p.Y.Min, p.Y.Max, 100*free)
		}
		if tc.scale == 100 && (p.Y.Max > 100 || p.Y.Min < 0) {
			t.Errorf("%+v: accuracy axis [%g, %g] outside [0, 100]", tc, p.Y.Min, p.Y.Max)
		}
	}
}

func TestIntegerTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi     float64
		wantLabels string
	}{
		{0.5, 1.5, "1"},
		{1, 5, "1 2 3 4 5"},
		{1, 25, "5 10 15 20 25"},
		{1, 120, "20 40 60 80 100 120"},
	} {
		var labels []string
		for _, tk := range (integerTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Value != math.Trunc(tk.Value) {
				t.Errorf("[%g, %g]: tick at %g is not a whole epoch", tc.lo, tc.hi, tk.Value)
			}
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if got := strings.Join(labels, " "); got != tc.wantLabels {
			t.Errorf("[%g, %g]: labels %q, want %q", tc.lo, tc.hi, got, tc.wantLabels)
		}
	}
}

// fashionCM is a plausible Fashion-MNIST test confusion matrix (~90%).
var fashionCM = [][]int{
	{862, 1, 17, 18, 3, 1, 91, 0, 7, 0},
	{3, 975, 1, 15, 3, 0, 2, 0, 1, 0},
	{17, 1, 842, 9, 67, 0, 63, 0, 1, 0},
	{19, 6, 10, 911, 28, 0, 23, 0, 3, 0},
	{1, 1, 60, 27, 860, 0, 50, 0, 1, 0},
	{0, 0, 0, 0, 0, 975, 0, 17, 1, 7},
	{128, 1, 64, 26, 77, 0, 695, 0, 9, 0},
	{0, 0, 0, 0, 0, 8, 0, 972, 0, 20},
	{4, 1, 2, 4, 2, 2, 4, 3, 978, 0},
	{0, 0, 0, 0, 0, 5, 1, 35, 0, 959},
}

var fashionNames = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

func TestPlotConfusion(t *testing.T) {
	dir := plotDir(t)
	path := filepath.Join(dir, "confusion.png")
	if err := PlotConfusion(path, fashionCM, fashionNames, "test set: 90.29% accuracy"); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	if n := countColor(img, cellHigh); n < 10*1000 {
		t.Errorf("%d dark-cell pixels: is the diagonal drawn?", n)
	}
	// Three classes without names: indices label the axes.
	small := filepath.Join(dir, "confusion-3.png")
	if err := PlotConfusion(small, handCM, nil, "3 classes"); err != nil {
		t.Fatal(err)
	}
	readPNG(t, small)

	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "report: PlotConfusion") {
			t.Errorf("non-square matrix: want a report: PlotConfusion panic, got %v", r)
		}
	}()
	PlotConfusion(filepath.Join(dir, "bad.png"), [][]int{{1, 2}}, nil, "")
}
