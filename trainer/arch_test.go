package trainer

import (
	"strings"
	"testing"

	"github.com/glcnn/glcnn/layers"
)

func TestParseSpec(t *testing.T) {
	s, err := ParseSpec("conv:16:3,bn,relu,maxpool:2,conv:32:3:1:1,bn,relu,maxpool:2,dropout:0.25,fc:128,bn,relu,fc:10")
	if err != nil {
		t.Fatal(err)
	}
	want := "conv:16:3,bn,relu,maxpool:2,conv:32:3:1:1,bn,relu,maxpool:2,dropout:0.25,flatten,fc:128,bn,relu,fc:10"
	if s.String() != want {
		t.Errorf("spec = %s\nwant   %s", s, want)
	}
	shapes, err := s.Shapes([]int{1, 28, 28}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := shapeString(shapes[7]); got != "(32,7,7)" {
		t.Errorf("after the second pool: %s", got)
	}
	if got := shapeString(shapes[9]); got != "(1568)" {
		t.Errorf("after flatten: %s", got)
	}
}

func TestSpecErrors(t *testing.T) {
	for spec, want := range map[string]string{
		"conv:16":                "takes 2 to 4 arguments",
		"conv:16:3,pool:2,fc:10": `layer 2 "pool:2": unknown kind`,
		"conv:4:3,maxpool:2,maxpool:2,maxpool:2,maxpool:2,maxpool:2,fc:10": `layer 6 "maxpool:2" on input (4,1,1): pool window 2 is larger`,
		"conv:4:31:1:0,fc:10": "kernel 31 is larger than the padded input",
		"fc:10,conv:4:3":      "conv after flatten",
		"conv:4:3,fc:7":       "must end with fc:10",
		"dropout:1.5,fc:10":   "probability",
		"conv:4.5:3,fc:10":    "bad argument",
	} {
		s, err := ParseSpec(spec)
		if err == nil {
			_, err = s.Shapes([]int{1, 28, 28}, 10)
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", spec, err, want)
		}
	}
}

func TestItemArgsAsWritten(t *testing.T) {
	s, err := ParseSpec("CONV:16:3.0,dropout:.50,maxpool:2:1,fc:10")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "conv:16:3,dropout:0.5,maxpool:2:1,flatten,fc:10"; got != want {
		t.Errorf("spec = %s, want %s", got, want)
	}
	if a, ok := s[0].Attrs.(layers.ConvArgs); !ok || a != (layers.ConvArgs{Out: 16, K: 3, Stride: 1, Pad: 1}) {
		t.Errorf("conv attrs = %#v", s[0].Attrs)
	}
}

func TestModulesJSON(t *testing.T) {
	s, err := ParseSpec("conv:4:3:2,bn,relu,maxpool:2,dropout:0.25,fc:8,bn,fc:10")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ModulesJSON(s, []int{1, 28, 28})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"type":"Conv2d","args":[1,4,3],"kwargs":{"padding":1,"stride":2}},{"type":"BatchNorm2d","args":[4]},` +
		`{"type":"ReLU"},{"type":"MaxPool2d","args":[2],"kwargs":{"stride":2}},{"type":"Dropout","args":[0.25]},` +
		`{"type":"Flatten"},{"type":"Linear","args":[196,8]},{"type":"BatchNorm1d","args":[8]},{"type":"Linear","args":[8,10]}]`
	if got != want {
		t.Errorf("modules\n%s\nwant\n%s", got, want)
	}
}

// TestItemByHand: an Item written as a literal, without Op, is parsed
// from its Kind and Args where it is used.
func TestItemByHand(t *testing.T) {
	s := Spec{{Kind: "conv", Args: []string{"4", "3"}}, {Kind: "relu"}, {Kind: "flatten"}, {Kind: "fc", Args: []string{"10"}}}
	shapes, err := s.Shapes([]int{1, 6, 6}, 10)
	if err != nil || shapeString(shapes[0]) != "(4,6,6)" {
		t.Errorf("shapes %v, %v", shapes, err)
	}
	if _, err := (Spec{{Kind: "pool"}}).Shapes([]int{1, 6, 6}, 10); err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Errorf("pool: %v", err)
	}
}
