package identity

import (
	"fmt"
	"image"
	_ "image/gif"  // decoders for photos
	_ "image/jpeg" // decoders for photos
	_ "image/png"  // decoders for photos
	"io"
	"math/bits"
	"os"
	"strconv"

	"github.com/corona10/goimagehash"
)

// PhotoMatchDistance is the largest Hamming distance between two 64-bit
// pHashes that we call the same photo. Calibrated in photo_test.go
// (TestPHashCalibration) on five real photos and their re-encoded (JPEG
// q=30, q=90), resized (50%, 200%), cropped (3% and 5% per edge), brightened
// and grey-scaled copies: copies measured 0..12 bits apart (only the 5% crop
// exceeds 8), different photos 20..38 bits. 14 sits between the two with a
// margin of 2 towards copies and 6 towards different photos; see
// docs/identity.md.
const PhotoMatchDistance = 14

// PHash computes the perceptual hash (DCT pHash) of an image.
func PHash(img image.Image) (uint64, error) {
	h, err := goimagehash.PerceptionHash(img)
	if err != nil {
		return 0, fmt.Errorf("perceptual hash: %w", err)
	}
	return h.GetHash(), nil
}

// PHashReader decodes an image (JPEG, PNG, GIF) and hashes it.
func PHashReader(r io.Reader) (uint64, error) {
	img, _, err := image.Decode(r)
	if err != nil {
		return 0, fmt.Errorf("decode image: %w", err)
	}
	return PHash(img)
}

// PHashFile hashes the image in a file.
func PHashFile(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("open photo: %w", err)
	}
	defer f.Close()
	h, err := PHashReader(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// PhotoDistance is the Hamming distance of two pHashes.
func PhotoDistance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// SamePhoto reports whether two pHashes are within PhotoMatchDistance.
func SamePhoto(a, b uint64) bool { return PhotoDistance(a, b) <= PhotoMatchDistance }

// FormatPHash renders a pHash as 16 hex digits (the identifier value).
func FormatPHash(h uint64) string { return fmt.Sprintf("%016x", h) }

// ParsePHash reads FormatPHash's output.
func ParsePHash(s string) (uint64, error) {
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("pHash %q: %w", s, err)
	}
	return v, nil
}
