package bench

import (
	"testing"

	"github.com/glcnn/glcnn/gpu/gputest"
)

func TestPeaks(t *testing.T) {
	pk, err := MeasurePeaks(gputest.Device(t), testing.Short())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", pk)
	if pk.FMAGFLOPs <= 0 || pk.PlainFMAGFLOPs <= 0 || pk.ReadGBs <= 0 || pk.WriteGBs <= 0 || pk.CopyGBs <= 0 {
		t.Errorf("a probe measured nothing: %+v", pk)
	}
}
