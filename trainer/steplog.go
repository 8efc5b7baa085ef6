package trainer

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/glcnn/glcnn/modelfile"
	"github.com/glcnn/glcnn/report"
)

// stepLog is steps.csv of a run with Config.LogEvery > 0: a row each time
// the running loss is read, the file rewritten (atomically) with the
// checkpoint, so that it always ends where the checkpoint does.
type stepLog struct {
	path string
	rows []report.StepMetrics
}

// newStepLog is the step log of the run in dir; nil when every is 0 (no
// steps.csv). A resumed run keeps the rows of the earlier sessions up to
// the checkpoint ck it resumes from; a run that kept none (it logged no
// steps) starts the file afresh.
func newStepLog(dir string, every int, resume bool, ck modelfile.Checkpoint) (*stepLog, error) {
	if every == 0 {
		return nil, nil
	}
	l := &stepLog{path: filepath.Join(dir, StepsFile)}
	if !resume {
		return l, nil
	}
	rows, err := report.ReadStepsCSV(l.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return l, nil
	case err != nil:
		return nil, fmt.Errorf("trainer: resume the step log: %w (remove %s to start it afresh)", err, l.path)
	}
	for _, r := range rows {
		if r.Epoch <= ck.Epoch || r.Epoch == ck.Epoch+1 && r.Step <= ck.StepInEpoch {
			l.rows = append(l.rows, r)
		}
	}
	return l, nil
}

// add records a row; a nil log ignores it.
func (l *stepLog) add(r report.StepMetrics) {
	if l != nil {
		l.rows = append(l.rows, r)
	}
}

// write replaces steps.csv with every row so far; a nil log writes nothing.
func (l *stepLog) write() error {
	if l == nil {
		return nil
	}
	return report.WriteStepsCSV(l.path, l.rows)
}
