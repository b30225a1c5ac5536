package identity

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// calibrationPhotos are real photographs available on every machine that
// builds this module: the Go distribution's image test data, plus
// goimagehash's own samples when the module cache holds them.
func calibrationPhotos(t *testing.T) map[string]image.Image {
	paths := []string{
		filepath.Join(runtime.GOROOT(), "src/image/testdata/video-001.png"),
		filepath.Join(runtime.GOROOT(), "src/image/testdata/video-005.gray.png"),
	}
	if gm := os.Getenv("GOMODCACHE"); gm != "" || true {
		if gm == "" {
			gm = filepath.Join(os.Getenv("HOME"), "go/pkg/mod")
		}
		for _, s := range []string{"sample1.jpg", "sample2.jpg", "sample4.jpg"} {
			paths = append(paths, filepath.Join(gm, "github.com/corona10/goimagehash@v1.1.0/_examples", s))
		}
	}
	out := map[string]image.Image{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err == nil {
			if b := img.Bounds(); b.Dx() > 800 {
				img = scale(img, 800/float64(b.Dx())) // keeps the test fast; pHash works on 32x32 anyway
			}
			out[filepath.Base(p)] = img
		}
	}
	if len(out) < 2 {
		t.Skip("fewer than two calibration photos found (GOROOT image testdata missing)")
	}
	return out
}

func scale(img image.Image, f float64) image.Image {
	b := img.Bounds()
	w, h := int(float64(b.Dx())*f), int(float64(b.Dy())*f)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.Set(x, y, img.At(b.Min.X+int(float64(x)/f), b.Min.Y+int(float64(y)/f)))
		}
	}
	return out
}

func crop(img image.Image, frac float64) image.Image {
	b := img.Bounds()
	dx, dy := int(float64(b.Dx())*frac), int(float64(b.Dy())*frac)
	r := image.Rect(b.Min.X+dx, b.Min.Y+dy, b.Max.X-dx, b.Max.Y-dy)
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			out.Set(x, y, img.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	return out
}

func mapPixels(img image.Image, fn func(r, g, b uint8) color.Color) image.Image {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			c := color.RGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.RGBA)
			out.Set(x, y, fn(c.R, c.G, c.B))
		}
	}
	return out
}

func rejpeg(t *testing.T, img image.Image, q int) image.Image {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPHashCalibration measures pHash distances between real photos and
// their everyday copies, and between different photos, and checks that
// PhotoMatchDistance separates them. Run with -v to see the figures that
// docs/identity.md reports.
func TestPHashCalibration(t *testing.T) {
	photos := calibrationPhotos(t)
	sat := func(v int) uint8 {
		if v > 255 {
			return 255
		}
		return uint8(v)
	}
	transforms := map[string]func(image.Image) image.Image{
		"jpeg-q30":   func(i image.Image) image.Image { return rejpeg(t, i, 30) },
		"jpeg-q90":   func(i image.Image) image.Image { return rejpeg(t, i, 90) },
		"scale-50%":  func(i image.Image) image.Image { return scale(i, 0.5) },
		"scale-200%": func(i image.Image) image.Image { return scale(i, 2) },
		"crop-3%":    func(i image.Image) image.Image { return crop(i, 0.03) },
		"crop-5%":    func(i image.Image) image.Image { return crop(i, 0.05) },
		"brighter": func(i image.Image) image.Image {
			return mapPixels(i, func(r, g, b uint8) color.Color {
				return color.RGBA{sat(int(r) + 25), sat(int(g) + 25), sat(int(b) + 25), 255}
			})
		},
		"grey": func(i image.Image) image.Image {
			return mapPixels(i, func(r, g, b uint8) color.Color {
				return color.Gray{uint8((299*int(r) + 587*int(g) + 114*int(b)) / 1000)}
			})
		},
	}
	hashes := map[string]uint64{}
	maxCopy, minOther := 0, 64
	for name, img := range photos {
		h, err := PHash(img)
		if err != nil {
			t.Fatal(err)
		}
		hashes[name] = h
		for tn, tf := range transforms {
			h2, err := PHash(tf(img))
			if err != nil {
				t.Fatal(err)
			}
			d := PhotoDistance(h, h2)
			t.Logf("copy  %-22s %-10s distance %2d", name, tn, d)
			if d > maxCopy {
				maxCopy = d
			}
		}
	}
	for a, ha := range hashes {
		for b, hb := range hashes {
			if a < b {
				d := PhotoDistance(ha, hb)
				t.Logf("other %-22s %-22s distance %2d", a, b, d)
				if d < minOther {
					minOther = d
				}
			}
		}
	}
	t.Logf("copies: max distance %d; different photos: min distance %d; threshold %d", maxCopy, minOther, PhotoMatchDistance)
	if maxCopy > PhotoMatchDistance {
		t.Errorf("a copy is %d bits away, above the threshold %d", maxCopy, PhotoMatchDistance)
	}
	if minOther <= PhotoMatchDistance {
		t.Errorf("two different photos are %d bits apart, within the threshold %d", minOther, PhotoMatchDistance)
	}
}

func TestPHashRoundTrip(t *testing.T) {
	for _, h := range []uint64{0, 1, 0xdeadbeefcafebabe, ^uint64(0)} {
		v, err := ParsePHash(FormatPHash(h))
		if err != nil || v != h {
			t.Errorf("%x -> %x %v", h, v, err)
		}
	}
	if _, err := PHashReader(bytes.NewReader([]byte("not an image"))); err == nil {
		t.Error("garbage decoded")
	}
}
