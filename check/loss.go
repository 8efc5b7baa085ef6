package check

import (
	"fmt"
	"slices"
	"time"

	"github.com/glcnn/glcnn/gpu"
	"github.com/glcnn/glcnn/layers"
	"github.com/glcnn/glcnn/layers/ref"
	"github.com/glcnn/glcnn/trainer"
)

// checkLoss runs the loss head at each batch on seeded logits and labels:
// dlogits (training only), the loss sum and correct count it accumulates,
// and the argmax that predict uses.
func checkLoss(d *gpu.Device, classes int, smoothing float64, opt Options) (rows []Row) {
	base := Row{Layer: -1, Op: "loss", Input: []int{classes}}
	t0 := time.Now()
	defer func() {
		if p := recover(); p != nil {
			r := base
			r.Status, r.Note, r.Kernels, r.Ms = "error", fmt.Sprint(p), []string{"softmax_xent"}, ms(time.Since(t0))
			rows = append(rows, r)
		}
	}()
	maxN := slices.Max(opt.Batches)
	s, err := layers.NewSoftmaxCrossEntropy(d, classes, maxN, smoothing)
	if err != nil {
		panic(err)
	}
	defer s.Release()
	logits, err := layers.NewTensor(d, maxN, classes)
	if err != nil {
		panic(err)
	}
	defer logits.Release()
	labels, err := gpu.NewBuffer[uint32](d, maxN)
	if err != nil {
		panic(err)
	}
	defer labels.Release()
	preds, err := gpu.NewBuffer[uint32](d, maxN)
	if err != nil {
		panic(err)
	}
	defer preds.Release()
	for _, n := range opt.Batches {
		z := ref.RandN(21, n*classes)
		for i := range z {
			z[i] *= 4 // a spread of probabilities, not all near 1/classes
		}
		lab := make([]int32, n)
		lab32 := make([]uint32, n)
		for i, v := range ref.RandN(23, n) {
			lab[i] = int32(float64(classes) * (v + 1) / 2)
			lab32[i] = uint32(lab[i])
		}
		logits.Buf.UploadAt(0, ref.Float32s(z))
		labels.UploadAt(0, lab32)
		loss, dz, correct := ref.SoftmaxCrossEntropy(n, classes, z, lab, smoothing)
		lt := logits.View(n, classes)
		s.ResetSums()
		add := func(output string, kernels []string, got []float32, want []float64, a float64) {
			r := base
			r.Batch, r.Output, r.Kernels, r.Diff, r.Status = n, output, kernels, compare(got, want, tolR, a), "pass"
			if !r.Diff.OK() {
				r.Status = "fail"
			}
			if len(rows) == 0 || rows[len(rows)-1].Batch != n {
				r.Ms = ms(time.Since(t0))
			}
			rows = append(rows, r)
		}
		if opt.Train {
			add("dlogits", []string{"softmax_xent"}, s.Forward(lt, labels, n).Read(), dz, tolA)
		} else {
			s.Eval(lt, labels)
		}
		sum, hits := s.ReadSums()
		add("loss_sum", []string{"softmax_xent", "softmax_xent_sum"}, []float32{float32(sum)}, []float64{loss * float64(n)}, tolA)
		// A count is exact: any difference is a wrong count.
		add("correct", []string{"softmax_xent", "softmax_xent_sum"}, []float32{float32(hits)}, []float64{float64(correct)}, 0.5)
		s.Predict(lt, preds, 0)
		got := make([]float32, n)
		for i, p := range preds.Read()[:n] {
			got[i] = float32(p)
		}
		add("argmax", []string{"argmax"}, got, argmax(n, classes, z), 0.5)
		t0 = time.Now()
	}
	return rows
}

// argmax is the index of the first maximum of each row of z (n, classes).
func argmax(n, classes int, z []float64) []float64 {
	out := make([]float64, n)
	for i := range n {
		row := z[i*classes : (i+1)*classes]
		best := 0
		for c, v := range row {
			if v > row[best] {
				best = c
			}
		}
		out[i] = float64(best)
	}
	return out
}

// checkOptimizer runs two steps of cfg's optimizer (the trainer's own
// constructor, so its hyper-parameters) over parameters shaped like the
// network's, with seeded values and fresh gradients at each step, and
// compares the parameters after each step with layers/ref.
func checkOptimizer(d *gpu.Device, cfg trainer.Config, shapes [][]int) (rows []Row) {
	total := 0
	for _, s := range shapes {
		total += layers.Numel(s)
	}
	base := Row{Layer: -1, Op: cfg.Optimizer, Input: []int{total}}
	t0 := time.Now()
	defer func() {
		if p := recover(); p != nil {
			r := base
			r.Status, r.Note, r.Kernels, r.Ms = "error", fmt.Sprint(p), []string{"optimizer"}, ms(time.Since(t0))
			rows = append(rows, r)
		}
	}()
	ps, value := newParams(d, shapes)
	defer func() {
		for _, p := range ps {
			releaseParam(p)
		}
	}()
	state := make([][]float64, 2*len(ps)) // the reference's optimizer state, 2 per param
	for i := range state {
		state[i] = make([]float64, len(value[i/2]))
	}
	o, err := trainer.NewOptimizer(d, cfg, ps)
	if err != nil {
		panic(err)
	}
	defer o.Release()
	// The update's arithmetic does not depend on the learning rate's size,
	// but its rounding does: at lr 1e9 a float32 step of p - lr*g cancels
	// to a few significant digits, which no fp32 kernel can meet at the
	// check's tolerance. The kernel is checked at a rate no larger than
	// maxCheckLR; a rate that large diverges anyway, and training says so.
	lr := min(cfg.LR0, maxCheckLR)
	for step := 1; step <= 2; step++ {
		var got []float32
		var want []float64
		for i, p := range ps {
			g := ref.RandN(int64(400+10*i+step), p.Grad.Len())
			p.Grad.Buf.Upload(ref.Float32s(g))
			refStep(o, lr, step, value[i], g, state[2*i], state[2*i+1])
		}
		o.Step(lr)
		for i, p := range ps {
			got = append(got, p.Value.Read()...)
			want = append(want, value[i]...)
		}
		r := base
		r.Output, r.Kernels, r.Diff, r.Status = fmt.Sprintf("params after step %d", step), []string{stepKernel(o)}, compare(got, want, tolR, tolA), "pass"
		if !r.Diff.OK() {
			r.Status = "fail"
		}
		r.Ms, t0 = ms(time.Since(t0)), time.Now()
		rows = append(rows, r)
	}
	return rows
}

// maxCheckLR bounds the learning rate the optimizer check runs at.
const maxCheckLR = 1.0

// refStep applies step t of o's update rule, with o's hyper-parameters, to
// p in float64, given the gradient g and the state m (and v for Adam).
func refStep(o layers.Optimizer, lr float64, t int, p, g, m, v []float64) {
	switch o := o.(type) {
	case *layers.Adam:
		c := o.Config
		ref.AdamStep(ref.AdamConfig{LR: lr, Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps, WeightDecay: c.WeightDecay, Decoupled: c.Decoupled}, t, p, g, m, v)
	case *layers.SGD:
		c := o.Config
		ref.SGDStep(ref.SGDConfig{LR: lr, Momentum: c.Momentum, Dampening: c.Dampening, WeightDecay: c.WeightDecay, Nesterov: c.Nesterov}, t, p, g, m)
	default:
		panic(fmt.Sprintf("check: no reference for optimizer %T", o))
	}
}

// stepKernel names the kernel of an optimizer's step.
func stepKernel(o layers.Optimizer) string {
	if _, ok := o.(*layers.SGD); ok {
		return "sgd_step"
	}
	return "adam_step"
}

// newParams allocates a parameter with a gradient of each shape, with
// seeded values, and returns them and their values.
func newParams(d *gpu.Device, shapes [][]int) (ps []*layers.Param, values [][]float64) {
	for i, s := range shapes {
		v, err := layers.NewTensor(d, s...)
		if err != nil {
			panic(err)
		}
		g, err := layers.NewTensor(d, s...)
		if err != nil {
			v.Release()
			panic(err)
		}
		ps = append(ps, &layers.Param{Name: fmt.Sprint(i), Value: v, Grad: g})
		values = append(values, ref.RandN(int64(300+i), v.Len()))
		v.Buf.Upload(ref.Float32s(values[i]))
	}
	return ps, values
}

func releaseParam(p *layers.Param) {
	p.Value.Release()
	p.Grad.Release()
}
