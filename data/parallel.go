package data

import (
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// parallelChunk is how many items a worker claims at once: large enough that
// the shared counter and the progress bar's lock are touched rarely, small
// enough that the two cores finish together.
const parallelChunk = 64

// parallelFor calls fn(worker, i) for every i in [0, n) on workers
// goroutines. It returns the error of the lowest failing i, the same error a
// sequential loop would return: after a failure no higher index is started,
// but every lower one still runs. done is told how many items each finished
// chunk held.
func parallelFor(n, workers int, done func(int), fn func(worker, i int) error) error {
	var next, firstBad atomic.Int64 // firstBad only decreases, under mu
	firstBad.Store(int64(n))
	var mu sync.Mutex
	var badErr error
	var wg sync.WaitGroup
	for worker := range max(1, min(workers, n)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := next.Add(parallelChunk) - parallelChunk
				if start >= int64(n) || start > firstBad.Load() {
					return
				}
				end := min(start+parallelChunk, int64(n))
				for i := start; i < end && i < firstBad.Load(); i++ {
					if err := fn(worker, int(i)); err != nil {
						mu.Lock()
						if i < firstBad.Load() {
							firstBad.Store(i)
							badErr = err
						}
						mu.Unlock()
						return
					}
				}
				done(int(end - start))
			}
		}()
	}
	wg.Wait()
	return badErr
}

// progress is a progress bar on a terminal, or nothing.
type progress struct {
	bar *progressbar.ProgressBar
}

// newProgress returns a bar of max steps written to w when w is a terminal;
// otherwise a progress whose methods do nothing.
func newProgress(w io.Writer, max int, desc string) *progress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions(max,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("img"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

func (p *progress) add(k int) {
	if p.bar != nil {
		p.bar.Add(k)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
