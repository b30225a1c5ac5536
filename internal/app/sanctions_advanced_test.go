package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestListsUpdateAndStatusOFACAdvanced(t *testing.T) {
	src := filepath.Join(t.TempDir(), "lists")
	os.MkdirAll(src, 0o755)
	b, err := os.ReadFile(filepath.Join("..", "sanctions", "testdata", "ofac_advanced", "sdn_advanced.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "SDN_ADVANCED.XML"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	out, errs, code := run(t, "--data-dir", data, "lists", "update", "--from", src)
	if code != 0 || !strings.Contains(out, "us_ofac_sdn") || !strings.Contains(out, "2026-11-20") {
		t.Fatalf("lists update (%d): %s %s", code, out, errs)
	}
	out, errs, code = run(t, "--data-dir", data, "lists", "status")
	var row string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "us_ofac_sdn") {
			row = l
		}
	}
	if code != 0 || !strings.Contains(row, "ofac_advanced_xml") || !strings.Contains(row, " 6 ") || !strings.Contains(row, "2026-11-20") {
		t.Fatalf("lists status (%d): %q\n%s %s", code, row, out, errs)
	}
	out, errs, code = run(t, "--data-dir", data, "screen", "정찰총국")
	if code != 0 || !strings.Contains(out, "90005") {
		t.Fatalf("screen the Hangul name (%d): %s %s", code, out, errs)
	}
	_, errs, code = run(t, "--data-dir", data, "lists", "update", "--ofac-format", "pdf")
	if code == 0 || !strings.Contains(errs, `OFAC format "pdf"`) {
		t.Fatalf("bad --ofac-format accepted (%d): %s", code, errs)
	}
}
