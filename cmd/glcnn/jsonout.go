package main

import (
	"math"

	"github.com/glcnn/glcnn/report"
	"github.com/glcnn/glcnn/trainer"
)

// The --json summaries of eval and train: one object on stdout when the
// command ends, its logs on stderr. A value that does not exist (no
// validation split, no test labels) is null, never NaN, which JSON lacks.

// num is v, or nil (null) when v is NaN or infinite.
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// classJSON is one row of eval's per-class table.
type classJSON struct {
	Class     string   `json:"class"`
	Precision *float64 `json:"precision"`
	Recall    *float64 `json:"recall"`
	F1        *float64 `json:"f1"`
	Support   int      `json:"support"`
}

// evalJSON is eval --json.
type evalJSON struct {
	Model     string      `json:"model"`
	Data      string      `json:"data"`
	Layout    string      `json:"layout"`
	Split     string      `json:"split"`
	Images    int         `json:"images"`
	Accuracy  *float64    `json:"accuracy"`
	Classes   []classJSON `json:"classes"`
	Confusion [][]int     `json:"confusion"` // [true][predicted]
	Renderer  string      `json:"renderer"`
	Glcnn     string      `json:"glcnn"`
}

func newEvalJSON(cm [][]int, names []string) evalJSON {
	stats, acc := report.ClassReport(cm, names)
	e := evalJSON{Accuracy: num(acc), Confusion: cm, Glcnn: trainer.Build().Version}
	for _, s := range stats {
		e.Classes = append(e.Classes, classJSON{s.Name, num(s.Precision), num(s.Recall), num(s.F1), s.Support})
	}
	return e
}

// epochJSON is one epoch of train --json, as in metrics.csv.
type epochJSON struct {
	Epoch     int      `json:"epoch"`
	TrainLoss *float64 `json:"train_loss"`
	ValLoss   *float64 `json:"val_loss"`
	TrainAcc  *float64 `json:"train_acc"`
	ValAcc    *float64 `json:"val_acc"`
	LR        float64  `json:"lr"`
	Seconds   float64  `json:"seconds"`
	ImgPerSec float64  `json:"img_per_s"`
}

// trainJSON is train --json.
type trainJSON struct {
	Out          string      `json:"out"`
	Interrupted  bool        `json:"interrupted"`
	Data         string      `json:"data"`
	Layout       string      `json:"layout"`
	Config       any         `json:"config"`
	Epochs       []epochJSON `json:"epochs"`
	ValAccuracy  *float64    `json:"val_accuracy"`
	TestAccuracy *float64    `json:"test_accuracy"`
	TrainSeconds float64     `json:"train_seconds"`
	Model        string      `json:"model,omitempty"`      // absent when interrupted
	Submission   string      `json:"submission,omitempty"` // when the data have a test set
	Steps        string      `json:"steps,omitempty"`      // with --log-every
	Renderer     string      `json:"renderer"`
	// Variants is the kernel variant each conv and fc layer ran, by
	// index in the arch (autotuned, or the self-check's fallback).
	Variants map[int]string `json:"variants"`
	Glcnn    string         `json:"glcnn"`
}

func newTrainJSON(res *trainer.Result) trainJSON {
	t := trainJSON{Out: res.Dir, Interrupted: res.Interrupted, ValAccuracy: num(res.ValAcc), TestAccuracy: num(res.TestAcc),
		TrainSeconds: res.TrainSeconds, Glcnn: trainer.Build().Version, Epochs: []epochJSON{}}
	for _, m := range res.Metrics {
		t.Epochs = append(t.Epochs, epochJSON{m.Epoch, num(m.TrainLoss), num(m.ValLoss), num(m.TrainAcc), num(m.ValAcc), m.LR, m.Seconds, m.ImgPerSec})
	}
	return t
}
