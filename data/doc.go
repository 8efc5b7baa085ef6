// Package data reads, validates, splits and exports the image sets glcnn
// trains on.
//
// Two layouts of the same data are accepted by Load:
//
//   - Fashion-MNIST IDX: the four *-idx?-ubyte files, gzipped or not (the
//     compression is recognised by its magic bytes, not by the name).
//   - The Apparels layout of the Analytics Vidhya "Identify the Apparels"
//     problem: train.csv (id,label) with train/<id>.png, test.csv (id) with
//     test/<id>.png and sample_submission.csv (id,label), or the archive's own
//     names train_LbELtWX/, test_ScVgIM0/ and sample_submission_I5njJSF.csv.
//
// Images are held on the host as 8-bit luminance, one byte per pixel, which is
// also the form they are uploaded to the GPU in. Every problem with the user's
// files is reported as an *InputError naming the file and the line or record.
//
// The GPU side (upload once, gather and normalise batches) lives in gpu*.go.
package data

// ClassNames are the ten Fashion-MNIST classes, indexed by label.
var ClassNames = [10]string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// NumClasses is the number of labels; a label is valid when 0 <= label < NumClasses.
const NumClasses = len(ClassNames)

// MaxImageSide is the largest width or height accepted for one image. PNG and
// IDX headers claiming more are refused before any pixel is read, so a
// hostile header cannot make Load allocate gigabytes.
const MaxImageSide = 4096

// MaxSetImages bounds the number of images (and labels) of one set, 16 Mi,
// 280 times Fashion-MNIST's training set; an IDX header or CSV claiming more
// is refused before any record is read.
const MaxSetImages = 1 << 24

// MaxSetPixels bounds N*H*W of one set (4 GiB of u8 pixels); larger claims are
// refused before allocation.
const MaxSetPixels = 1 << 32
