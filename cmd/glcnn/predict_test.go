package main

import (
	"encoding/csv"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/glcnn/glcnn/trainer"
)

// writeImage writes img as a PNG, or a JPEG when the name ends in .jpg.
func writeImage(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".jpg") {
		err = jpeg.Encode(f, img, nil)
	} else {
		err = png.Encode(f, img)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// pattern is a side x side RGBA image.
func pattern(side, seed int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	for y := range side {
		for x := range side {
			img.Set(x, y, color.RGBA{uint8(x*9 + seed), uint8(y*7 + seed), uint8(x * y), 255})
		}
	}
	return img
}

// TestPredictImages: predict on image files and folders: --probs --json
// gives every class's probability (summing to 1) and the top class; the
// folder's images are taken in name order; the classes of the Apparels test
// images, given as files, are those predict writes for that test set (the
// images are read and scaled alike); --topk and --out write a CSV.
func TestPredictImages(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", t.TempDir())
	model := filepath.Join(trainTiny(t), trainer.ModelFile)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.jpg")
	writeImage(t, a, pattern(28, 1))
	writeImage(t, b, pattern(28, 50))

	code, stdout, stderr := captureBoth(t, "predict", "--model", model, "--check", "off", "--probs", "--json", a, b)
	if code != 0 {
		t.Fatalf("predict --probs --json: status %d: %s", code, stderr)
	}
	var got imagesJSON
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("predict --json: %v:\n%s", err, stdout)
	}
	if len(got.Images) != 2 || got.Images[0].File != a || got.Images[1].File != b || len(got.Classes) != 10 {
		t.Fatalf("predict --json: %+v", got)
	}
	for _, im := range got.Images {
		sum, best := 0.0, 0
		for c, p := range im.Probabilities {
			sum += p
			if p > im.Probabilities[best] {
				best = c
			}
		}
		if len(im.Probabilities) != 10 || math.Abs(sum-1) > 1e-5 || len(im.Top) != 1 || im.Top[0].Label != best || im.Top[0].Class != got.Classes[best] {
			t.Errorf("%s: probabilities %v (sum %g), top %+v", im.File, im.Probabilities, sum, im.Top)
		}
	}

	// The Apparels test images, as a folder, get the classes predict gives
	// the test set.
	data := apparels(t, 12, 28, true)
	sub := filepath.Join(dir, "sub.csv")
	if code, _, stderr := captureBoth(t, "predict", "--model", model, "--check", "off", "--data", data, "--out", sub); code != 0 {
		t.Fatalf("predict --data: status %d: %s", code, stderr)
	}
	want := map[string]string{}
	for _, r := range readCSV(t, sub)[1:] {
		want[filepath.Join(data, "test", r[0]+".png")] = r[1]
	}
	code, stdout, stderr = captureBoth(t, "predict", "--model", model, "--check", "off", filepath.Join(data, "test"))
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || len(lines) != 13 || strings.Fields(lines[0])[0] != "file" {
		t.Fatalf("predict FOLDER: status %d: %s\n%s", code, stderr, stdout)
	}
	for i, l := range lines[1:] {
		f := strings.Fields(l)
		if wantName := filepath.Join(data, "test", sortedNames(12)[i]); f[0] != wantName || f[1] != want[f[0]] {
			t.Errorf("row %d: %q, want %s with label %s", i, l, wantName, want[wantName])
		}
	}

	// --topk 3 --out writes a CSV with three classes an image.
	out := filepath.Join(dir, "preds.csv")
	if code, _, stderr := captureBoth(t, "predict", "--model", model, "--check", "off", "--topk", "3", "--out", out, a, b); code != 0 {
		t.Fatalf("predict --out: status %d: %s", code, stderr)
	}
	rows := readCSV(t, out)
	if len(rows) != 3 || strings.Join(rows[0], ",") != "file,label_1,class_1,probability_1,label_2,class_2,probability_2,label_3,class_3,probability_3" {
		t.Errorf("preds.csv: %v", rows)
	}
}

// sortedNames are 1.png .. n.png in name order.
func sortedNames(n int) []string {
	var names []string
	for i := 1; i <= n; i++ {
		names = append(names, strconv.Itoa(i)+".png")
	}
	slices.Sort(names)
	return names
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestPredictImageRefused: an image of another size than the model's is
// refused with status 2, naming the file and both sizes, unless --resize;
// a FIFO, a folder without images and a file that is no image are refused
// with status 2 before the device is opened.
func TestPredictImageRefused(t *testing.T) {
	t.Setenv("GLCNN_CACHE_DIR", t.TempDir())
	model := filepath.Join(trainTiny(t), trainer.ModelFile)
	dir := t.TempDir()
	good, big := filepath.Join(dir, "good.png"), filepath.Join(dir, "big.png")
	writeImage(t, good, pattern(28, 3))
	writeImage(t, big, pattern(32, 3))
	code, _, stderr := captureBoth(t, "predict", "--model", model, "--check", "off", good, big)
	if code != exitUsage || !strings.Contains(stderr, big) || !strings.Contains(stderr, "32x32") || !strings.Contains(stderr, "28x28") || !strings.Contains(stderr, "--resize") {
		t.Errorf("a 32x32 image for a 28x28 model: status %d: %s", code, stderr)
	}
	if code, stdout, stderr := captureBoth(t, "predict", "--model", model, "--check", "off", "--resize", good, big); code != 0 || !strings.Contains(stdout, big) {
		t.Errorf("--resize: status %d: %s%s", code, stdout, stderr)
	}
	fifo := filepath.Join(dir, "fifo.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	text := filepath.Join(dir, "notes.png")
	os.WriteFile(text, []byte("not an image"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{fifo}, "not a regular file"},
		{[]string{empty}, "no .png, .jpg or .jpeg files"},
		{[]string{text}, "not a PNG or JPEG"},
		{[]string{filepath.Join(dir, "missing.png")}, "no such file"},
		{[]string{"--topk", "11", good}, "--topk 11"},
		{[]string{"--data", dir, good}, "give one or the other"},
	} {
		args := append([]string{"predict", "--model", model, "--check", "off"}, c.args...)
		if code, _, stderr := captureBoth(t, args...); code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("glcnn %s: status %d, want 2 and %q: %s", strings.Join(c.args, " "), code, c.want, stderr)
		}
	}
	if code, _, stderr := captureBoth(t, "predict", "--model", model, "--probs"); code != exitUsage || !strings.Contains(stderr, "--probs is for images") {
		t.Errorf("predict --probs without images: status %d: %s", code, stderr)
	}
}
