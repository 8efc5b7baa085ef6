package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ClassStats are the scores of one class, as scikit-learn's
// classification_report computes them: Precision = TP/(TP+FP) (of the images
// predicted as this class, the fraction that are), Recall = TP/(TP+FN) (of
// the images of this class, the fraction found), F1 their harmonic mean, and
// Support the number of images of the class. A score whose denominator is zero
// is 0, as scikit-learn's default does.
type ClassStats struct {
	Name              string
	Precision, Recall float64
	F1                float64
	Support           int
}

// Confusion returns the classes x classes confusion matrix of predictions
// against labels: cm[true][predicted] counts the images of class true that
// were predicted as predicted. It panics when pred and labels differ in length
// or a value is outside [0, classes): the caller built them.
func Confusion(pred, labels []int32, classes int) [][]int {
	if len(pred) != len(labels) {
		panic(fmt.Sprintf("report: Confusion: %d predictions for %d labels", len(pred), len(labels)))
	}
	cm := make([][]int, classes)
	for i := range cm {
		cm[i] = make([]int, classes)
	}
	for i, p := range pred {
		l := labels[i]
		if p < 0 || int(p) >= classes || l < 0 || int(l) >= classes {
			panic(fmt.Sprintf("report: Confusion: sample %d: prediction %d or label %d outside [0,%d)", i, p, l, classes))
		}
		cm[l][p]++
	}
	return cm
}

// ClassReport returns the per-class scores of a confusion matrix
// (cm[true][predicted], as Confusion makes) and the overall accuracy, the
// trace over the total (NaN for an empty matrix). names[i] names class i;
// missing names are the class index. It panics when cm is not square.
func ClassReport(cm [][]int, names []string) (stats []ClassStats, accuracy float64) {
	k := len(cm)
	colSum := make([]int, k)
	total, correct := 0, 0
	for i, row := range cm {
		if len(row) != k {
			panic(fmt.Sprintf("report: ClassReport: row %d has %d columns, want %d", i, len(row), k))
		}
		for j, v := range row {
			colSum[j] += v
			total += v
		}
		correct += row[i]
	}
	stats = make([]ClassStats, k)
	for i, row := range cm {
		support := 0
		for _, v := range row {
			support += v
		}
		tp := float64(row[i])
		s := ClassStats{Name: className(names, i), Support: support}
		s.Precision = ratio(tp, float64(colSum[i]))
		s.Recall = ratio(tp, float64(support))
		s.F1 = ratio(2*s.Precision*s.Recall, s.Precision+s.Recall)
		stats[i] = s
	}
	if total == 0 {
		return stats, math.NaN()
	}
	return stats, float64(correct) / float64(total)
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func className(names []string, i int) string {
	if i < len(names) && names[i] != "" {
		return names[i]
	}
	return strconv.Itoa(i)
}

// Text is the content of report.txt: a title, free-text header lines
// (preset, arch, renderer, epochs, time...) and one section per evaluated set.
// Classes names the classes by label; the label index is used where a name is
// missing.
type Text struct {
	Title    string
	Lines    []string
	Classes  []string
	Sections []Section
}

// Section is one evaluated set, e.g. "validation" or "test", with its
// confusion matrix (cm[true][predicted]). A nil CM means the set has no labels
// (the Apparels test set): the section says so instead of scoring it.
type Section struct {
	Name string
	CM   [][]int
}

// WriteText writes r as aligned plain text to path, atomically: for each
// section its accuracy, a per-class precision/recall/F1/support table with
// macro and support-weighted averages, and the confusion matrix.
func WriteText(path string, r Text) error {
	return writeAtomic(path, r.Render)
}

// Render writes r as WriteText does, to w (e.g. os.Stdout for glcnn eval).
func (r Text) Render(w io.Writer) error {
	var b strings.Builder
	if r.Title != "" {
		b.WriteString(r.Title + "\n" + strings.Repeat("=", len([]rune(r.Title))) + "\n")
	}
	for _, l := range r.Lines {
		b.WriteString(l + "\n")
	}
	for _, s := range r.Sections {
		b.WriteString("\n")
		writeSection(&b, s, r.Classes)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSection writes one section: accuracy, class table, confusion matrix.
func writeSection(b *strings.Builder, s Section, classes []string) {
	title := s.Name
	b.WriteString(title + "\n" + strings.Repeat("-", len([]rune(title))) + "\n")
	if s.CM == nil {
		b.WriteString("no labels: not scored\n")
		return
	}
	stats, acc := ClassReport(s.CM, classes)
	total, correct := 0, 0
	for i, row := range s.CM {
		correct += row[i]
		for _, v := range row {
			total += v
		}
	}
	if total == 0 {
		b.WriteString("no images\n")
		return
	}
	fmt.Fprintf(b, "accuracy: %.2f%% (%d/%d)\n\n", 100*acc, correct, total)
	writeClassTable(b, stats)
	b.WriteString("\nconfusion matrix (rows: true class, columns: predicted class)\n")
	writeConfusion(b, s.CM, stats)
}

// writeClassTable writes the per-class scores and their macro and weighted
// averages, one class per line, columns aligned.
func writeClassTable(b *strings.Builder, stats []ClassStats) {
	width := len("weighted avg")
	for _, s := range stats {
		width = max(width, len([]rune(s.Name)))
	}
	line := func(name, p, r, f, n string) {
		fmt.Fprintf(b, "%s  %9s  %6s  %6s  %7s\n", padRight(name, width), p, r, f, n)
	}
	score := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	line("class", "precision", "recall", "f1", "support")
	var macro, weighted ClassStats
	total := 0
	for _, s := range stats {
		line(s.Name, score(s.Precision), score(s.Recall), score(s.F1), strconv.Itoa(s.Support))
		macro.Precision += s.Precision / float64(len(stats))
		macro.Recall += s.Recall / float64(len(stats))
		macro.F1 += s.F1 / float64(len(stats))
		weighted.Precision += s.Precision * float64(s.Support)
		weighted.Recall += s.Recall * float64(s.Support)
		weighted.F1 += s.F1 * float64(s.Support)
		total += s.Support
	}
	n := strconv.Itoa(total)
	line("macro avg", score(macro.Precision), score(macro.Recall), score(macro.F1), n)
	w := float64(total)
	line("weighted avg", score(weighted.Precision/w), score(weighted.Recall/w), score(weighted.F1/w), n)
}

// writeConfusion writes cm with the class index as column header (names are
// too long for columns) and "index name" as row header.
func writeConfusion(b *strings.Builder, cm [][]int, stats []ClassStats) {
	cell := len("pred")
	for _, row := range cm {
		for _, v := range row {
			cell = max(cell, len(strconv.Itoa(v)))
		}
	}
	idx := len(strconv.Itoa(len(cm) - 1))
	const corner = "true \\ pred"
	head := len(corner)
	for i, s := range stats {
		head = max(head, len(rowLabel(i, s.Name, idx)))
	}
	b.WriteString(padRight(corner, head))
	for j := range cm {
		fmt.Fprintf(b, " %*d", cell, j)
	}
	b.WriteString("\n")
	for i, row := range cm {
		b.WriteString(padRight(rowLabel(i, stats[i].Name, idx), head))
		for _, v := range row {
			fmt.Fprintf(b, " %*d", cell, v)
		}
		b.WriteString("\n")
	}
}

func rowLabel(i int, name string, width int) string {
	l := fmt.Sprintf("%*d", width, i)
	if name != strconv.Itoa(i) {
		l += " " + name
	}
	return l
}

// padRight pads s with spaces to width runes (class names may be non-ASCII).
func padRight(s string, width int) string {
	if n := len([]rune(s)); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}
