package report

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestConfusion(t *testing.T) {
	labels := []int32{0, 0, 0, 1, 1, 2, 2, 2, 2, 0}
	pred := []int32{0, 1, 0, 1, 2, 2, 2, 0, 2, 0}
	want := [][]int{
		{3, 1, 0}, // class 0: samples 0, 1, 2, 9
		{0, 1, 1}, // class 1: samples 3, 4
		{1, 0, 3}, // class 2: samples 5..8
	}
	if got := Confusion(pred, labels, 3); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, tc := range []struct {
		name         string
		pred, labels []int32
		classes      int
	}{
		{"lengths", []int32{0}, []int32{0, 1}, 2},
		{"prediction out of range", []int32{2}, []int32{0}, 2},
		{"negative label", []int32{0}, []int32{-1}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "report: Confusion") {
					t.Errorf("want a report: Confusion panic, got %v", r)
				}
			}()
			Confusion(tc.pred, tc.labels, tc.classes)
		})
	}
}

// handCM has a class with no images but some predictions (2), so precision
// and recall differ and the zero-denominator rule is exercised.
var handCM = [][]int{
	{5, 1, 2},
	{2, 3, 0},
	{0, 0, 0},
}

func TestClassReportHand(t *testing.T) {
	stats, acc := ClassReport(handCM, []string{"cat", "dog"})
	// Column sums 7, 4, 2; row sums 8, 5, 0; trace 8 of 13.
	// F1 = 2TP/(2TP+FP+FN): class 0 10/15, class 1 6/9.
	want := []ClassStats{
		{Name: "cat", Precision: 5.0 / 7, Recall: 5.0 / 8, F1: 2.0 / 3, Support: 8},
		{Name: "dog", Precision: 3.0 / 4, Recall: 3.0 / 5, F1: 2.0 / 3, Support: 5},
		{Name: "2", Precision: 0, Recall: 0, F1: 0, Support: 0},
	}
	if want := 8.0 / 13; math.Abs(acc-want) > 1e-15 {
		t.Errorf("accuracy %v, want %v", acc, want)
	}
	for i, w := range want {
		g := stats[i]
		if g.Name != w.Name || g.Support != w.Support ||
			math.Abs(g.Precision-w.Precision) > 1e-15 || math.Abs(g.Recall-w.Recall) > 1e-15 || math.Abs(g.F1-w.F1) > 1e-15 {
			t.Errorf("class %d: got %+v, want %+v", i, g, w)
		}
	}
	if _, acc := ClassReport([][]int{{0, 0}, {0, 0}}, nil); !math.IsNaN(acc) {
		t.Errorf("empty matrix: accuracy %v, want NaN", acc)
	}
}

func TestWriteReportHand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.txt")
	r := Text{
		Title:   "glcnn run",
		Lines:   []string{"preset: tutorial", "arch: fc:3"},
		Classes: []string{"cat", "dog", "T-shirt/top"},
		Sections: []Section{
			{Name: "validation", CM: handCM},
			{Name: "test", CM: nil},
		},
	}
	if err := WriteText(path, r); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Macro precision (5/7+3/4+0)/3 = 0.4881, recall (5/8+3/5)/3 = 0.4083,
	// F1 (4/3)/3 = 0.4444; weighted by support 8, 5, 0 over 13:
	// precision (40/7+15/4)/13 = 0.7280, recall (5+3)/13 = 0.6154,
	// F1 (16/3+10/3)/13 = 0.6667.
	want := `glcnn run
=========
preset: tutorial
arch: fc:3

validation
----------
accuracy: 61.54% (8/13)

class         precision  recall      f1  support
cat              0.7143  0.6250  0.6667        8
dog              0.7500  0.6000  0.6667        5
T-shirt/top      0.0000  0.0000  0.0000        0
macro avg        0.4881  0.4083  0.4444       13
weighted avg     0.7280  0.6154  0.6667       13

confusion matrix (rows: true class, columns: predicted class)
true \ pred      0    1    2
0 cat            5    1    2
1 dog            2    3    0
2 T-shirt/top    0    0    0

test
----
no labels: not scored
`
	if string(got) != want {
		t.Errorf("report.txt:\n%s\nwant:\n%s", got, want)
	}
}
