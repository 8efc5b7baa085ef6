package trainer

import (
	"fmt"
	"math"
	"os"
	"time"

	"github.com/glcnn/glcnn/data"
	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/layers"
)

// Session is a model with its loss, optimizer and batch buffers on a device.
type Session struct {
	Cfg   Config
	Dev   *gpu.Device
	Model *Model
	Loss  *layers.SoftmaxCrossEntropy
	Opt   layers.Optimizer
	Chunk int // rows per forward/backward pass

	x      *layers.Tensor
	labels *gpu.Buffer[uint32]
	finite *layers.FiniteCheck // counts non-finite values of params and optimizer state
	info   RunInfo             // what Run records in config.json
	ran    bool                // a step was taken (firstStep)
}

// chunkRows picks the rows of one pass: the batch, capped so that no layer's
// activation buffer passes the device's storage-block limit and the
// activations stay under about 1 GiB. shapes are the layers' output shapes
// for one image of shape in (Spec.Shapes).
func chunkRows(d *gpu.Device, shapes [][]int, in []int, batch, want int) int {
	largest, total := prod(in), prod(in)
	for _, s := range shapes {
		largest = max(largest, prod(s))
		total += 2 * prod(s) // output and input gradient
	}
	limit := int(d.Info().MaxStorageBlock / int64(4*largest))
	limit = min(limit, (1<<30)/(4*total), 8192)
	if want > 0 {
		limit = min(limit, want)
	}
	return max(1, min(batch, limit))
}

// ChunkRows is the rows of one forward/backward pass (Session.Chunk, the
// model's MaxBatch) of a session of cfg for batches of `batch` images of
// shape in on d; the error is the arch's.
func ChunkRows(d *gpu.Device, cfg Config, in []int, batch int) (int, error) {
	spec, err := ParseSpec(cfg.Arch)
	if err != nil {
		return 0, err
	}
	shapes, err := spec.Shapes(in, len(data.ClassNames))
	if err != nil {
		return 0, err
	}
	return chunkRows(d, shapes, in, batch, cfg.Chunk), nil
}

// NewSession builds the model (uninitialised), loss and optimizer for
// batches of `batch` rows of images of shape in.
func NewSession(d *gpu.Device, cfg Config, in []int, batch int) (*Session, error) {
	spec, err := ParseSpec(cfg.Arch)
	if err != nil {
		return nil, err
	}
	shapes, err := spec.Shapes(in, len(data.ClassNames))
	if err != nil {
		return nil, err
	}
	s := &Session{Cfg: cfg, Dev: d, Chunk: chunkRows(d, shapes, in, batch, cfg.Chunk)}
	if s.Model, err = NewModel(d, spec, in, len(data.ClassNames), s.Chunk, ModelOptions{Variants: cfg.Variants, NoFuse: cfg.NoFuse}); err != nil {
		return nil, err
	}
	if s.Loss, err = layers.NewSoftmaxCrossEntropy(d, len(data.ClassNames), s.Chunk, cfg.Smoothing); err == nil {
		s.x, err = layers.NewTensor(d, append([]int{s.Chunk}, in...)...)
	}
	if err == nil {
		s.labels, err = gpu.NewBuffer[uint32](d, s.Chunk)
	}
	if err == nil {
		s.Opt, err = NewOptimizer(d, cfg, s.Model.Params())
	}
	if err == nil {
		_, ts := s.stateTensors()
		s.finite, err = layers.NewFiniteCheck(d, max(1, len(ts)))
	}
	if err != nil {
		s.Release()
		return nil, err
	}
	return s, nil
}

// NewOptimizer returns the optimizer cfg names (Config.Optimizer: sgd,
// adam or adamw, in any case, with its hyper-parameters; Adam's betas and
// eps are PyTorch's defaults) over ps. An unknown name is an error, never
// a default.
func NewOptimizer(d *gpu.Device, cfg Config, ps []*layers.Param) (layers.Optimizer, error) {
	kind, _ := optimizerKind(cfg.Optimizer)
	switch kind {
	case "sgd":
		return layers.NewSGD(d, ps, layers.SGDConfig{Momentum: cfg.Momentum, WeightDecay: cfg.WeightDecay, Nesterov: cfg.Nesterov})
	case "adam", "adamw":
		return layers.NewAdam(d, ps, layers.AdamConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: cfg.WeightDecay, Decoupled: kind == "adamw"})
	}
	return nil, &ConfigError{"optimizer", fmt.Sprintf("%q", cfg.Optimizer), "want sgd, adam or adamw"}
}

// optimizerName names the optimizer o is, from what was built: a
// checkpoint records it, so that what trained a run can be checked.
func optimizerName(o layers.Optimizer) string {
	switch o := o.(type) {
	case *layers.SGD:
		return "sgd"
	case *layers.Adam:
		if o.Config.Decoupled {
			return "adamw"
		}
		return "adam"
	}
	return fmt.Sprintf("%T", o)
}

// Release frees everything the session allocated; idempotent.
func (s *Session) Release() {
	if s.Opt != nil {
		s.Opt.Release()
	}
	if s.Loss != nil {
		s.Loss.Release()
	}
	if s.Model != nil {
		s.Model.Release()
	}
	s.x.Release()
	s.labels.Release()
	s.finite.Release()
}

// input returns the batch tensor viewed for n rows.
func (s *Session) input(n int) *layers.Tensor {
	return s.x.View(append([]int{n}, s.Model.In...)...)
}

// TrainStep runs one optimizer step over rows [start, start+n) of the
// epoch's permutation of r, in chunks, with gradients accumulated; it adds
// the loss and correct count to the loss's GPU sums.
func (s *Session) TrainStep(r *data.Resident, start, n int, lr float64, seed uint32) {
	layers.ZeroGrads(s.Model.Params())
	for off := 0; off < n; off += s.Chunk {
		m := min(s.Chunk, n-off)
		r.Gather(s.x.Buf, s.labels, data.Batch{
			Start: start + off, N: m, Shuffled: true, Seed: seed,
			Augment:   data.Augment{Flip: s.Cfg.Flip, Shift: s.Cfg.Shift},
			Normalize: s.normalize(),
		})
		// Each chunk draws its own dropout masks (augmentation is per row).
		logits := s.Model.Forward(s.input(m), layers.Mode{Train: true, Seed: seed ^ uint32(off)*0x9e3779b9})
		dlogits := s.Loss.Forward(logits, s.labels, n)
		s.Model.Backward(dlogits)
	}
	s.Opt.Step(lr)
	if !s.ran {
		s.firstStep()
	}
}

// firstStep marks the end of the device's start-up at the session's first
// step (gpu.Device.Startup) and, with GLCNN_TRACE=startup, waits for the
// step and prints where the start-up went.
func (s *Session) firstStep() {
	s.ran = true
	if gpu.TraceStartup() {
		s.Dev.Finish()
	}
	s.Dev.Mark("first step")
	if gpu.TraceStartup() {
		fmt.Fprintf(os.Stderr, "glcnn trace: %s on %s\n", s.Dev.Startup(), s.Dev.Info().Renderer)
	}
}

func (s *Session) normalize() data.Normalize {
	return data.Normalize{Scale: 1.0 / 255, Mean: s.Cfg.Mean, Std: s.Cfg.Std}
}

// Evaluate runs r in eval mode (running BN statistics, no dropout), in
// order. It returns the mean loss and accuracy (NaN without labels) and,
// when preds is non-nil, fills it with the predicted class of every row; it
// panics when preds is non-nil and not r.N long. The only readbacks are the sums and the
// predictions, once each. The error is the device's, when it cannot hold
// the predictions (gpu.NewBuffer: out of memory, over its limits).
func (s *Session) Evaluate(r *data.Resident, preds []int32) (loss, acc float64, err error) {
	if preds != nil && len(preds) != r.N {
		panic(fmt.Sprintf("trainer: Evaluate: %d predictions for %d rows", len(preds), r.N))
	}
	var out *gpu.Buffer[uint32]
	if preds != nil {
		if out, err = gpu.NewBuffer[uint32](s.Dev, r.N); err != nil {
			return math.NaN(), math.NaN(), fmt.Errorf("trainer: evaluate %d images: %w", r.N, err)
		}
		defer out.Release()
	}
	s.Loss.ResetSums()
	for off := 0; off < r.N; off += s.Chunk {
		m := min(s.Chunk, r.N-off)
		r.Gather(s.x.Buf, s.labels, data.Batch{Start: off, N: m, Normalize: s.normalize()})
		logits := s.Model.Forward(s.input(m), layers.Mode{})
		if r.Labelled {
			s.Loss.Forward(logits, s.labels, r.N)
		}
		if out != nil {
			s.Loss.Predict(logits, out, off)
		}
	}
	if out != nil {
		for i, p := range out.Read() {
			preds[i] = int32(p)
		}
	}
	if !r.Labelled {
		return math.NaN(), math.NaN(), nil
	}
	sum, correct := s.Loss.ReadSums()
	return sum / float64(r.N), float64(correct) / float64(r.N), nil
}

// stepSeed derives the dropout and augmentation seed of optimizer step t,
// so a resumed run draws the same masks as an uninterrupted one.
func stepSeed(seed uint64, t int) uint32 {
	h := seed*0x9e3779b97f4a7c15 + uint64(t)*0xbf58476d1ce4e5b9
	h ^= h >> 31
	return uint32(h) ^ uint32(h>>32)
}

// throughput is images per second.
func throughput(images int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(images) / d.Seconds()
}

// upload puts set on the device after checking that its images have the
// model's input shape.
func (s *Session) upload(set *data.Set) (*data.Resident, error) {
	if err := checkInput("the model", s.Model.In, set); err != nil {
		return nil, err
	}
	return data.Upload(s.Dev, set)
}

// Predict returns the predicted class of every image of set; images of
// another shape than the model's input are an error.
func (s *Session) Predict(set *data.Set) ([]int32, error) {
	r, err := s.upload(set)
	if err != nil {
		return nil, err
	}
	defer r.Release()
	preds := make([]int32, set.N)
	if _, _, err := s.Evaluate(r, preds); err != nil {
		return nil, err
	}
	return preds, nil
}
