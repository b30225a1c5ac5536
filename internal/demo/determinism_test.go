package demo

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestSameSeedSameFiles: the same options must write byte-identical inputs.
func TestSameSeedSameFiles(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	opt := Options{Seed: 3, Workers: 150, Applicants: 30, Days: 10}
	if _, _, err := Generate(a, opt); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Generate(b, opt); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"people.csv", "payroll.csv", "shipments.csv", "devices.csv", "interviews.jsonl", "travel.csv", "truth.json",
		"okta/system-log.jsonl", "osquery/osqueryd.results.log", "ipintel/city.mmdb", "ipintel/asn-ipv4.csv"} {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, _ := os.ReadFile(filepath.Join(b, f))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}
}
