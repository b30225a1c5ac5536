package app

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/knadh/koanf/v2"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/detect/applicant"
	"github.com/redflag-dev/redflag/internal/indicators"
)

// The indicator service must serve both the endpoint detector (the whole
// pack, through indicators.Provider) and the applicant/payroll look-ups.
func TestIndicatorServiceViews(t *testing.T) {
	p, err := indicators.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	k := koanf.New(".")
	k.Set("data_dir", t.TempDir())
	svc, err := serviceProviders[detect.SvcIndicators](context.Background(), &App{K: k, Log: slog.Default()})
	if err != nil {
		t.Fatal(err)
	}
	svcs := map[string]any{detect.SvcIndicators: svc}
	l := applicant.LookupsFrom(svcs)
	if l.Domain == nil || l.Crypto == nil || l.Entity == nil {
		t.Fatalf("look-up views missing: %+v", l)
	}
	if h, ok := l.Domain.LookupDomain("jobs.hopanatech.com"); !ok || h.Entry != "hopanatech.com" {
		t.Fatalf("domain: %+v %v", h, ok)
	}
	if _, ok := l.Domain.LookupDomain("example.org"); ok {
		t.Fatal("example.org matched")
	}
	if h, ok := l.Crypto.LookupCryptoAddress("0x098B716B8Aaf21512996dC57EB0615e2383E2f96"); !ok || h.Score != 1 {
		t.Fatalf("crypto: %+v %v", h, ok)
	}
	if _, ok := l.Entity.LookupEntity("Tony WKJ LLC"); !ok {
		t.Fatal("front company not found")
	}
	prov, ok := svcs[detect.SvcIndicators].(indicators.Provider)
	if !ok || prov.IndicatorPack().Len() != p.Len() {
		t.Fatal("the service must hand the pack to the endpoint detector")
	}
}

// The CLI refuses a bad pack as a whole and keeps the pack in force.
func TestIndicatorsUpdateCLI(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	pack := filepath.Join(dir, "pack")
	if _, errs, code := run(t, "--data-dir", data, "indicators", "export", "--to", pack); code != 0 {
		t.Fatalf("export: %s", errs)
	}
	manifest := filepath.Join(pack, indicators.ManifestFile)
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	good := strings.Replace(string(b), `"version": "`, `"version": "9.`, 1)
	if err := os.WriteFile(manifest, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := run(t, "--data-dir", data, "indicators", "update", "--from", pack); code != 0 || !strings.Contains(out, "installed") {
		t.Fatalf("good pack refused: %s %s", out, errs)
	}
	f, err := os.OpenFile(filepath.Join(pack, "vpn.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("Bad VPN,Bad,consumer,ip,not-an-ip,analyst,high\n")
	f.Close()
	os.WriteFile(manifest, []byte(strings.Replace(good, `"version": "9.`, `"version": "10.`, 1)), 0o644)
	_, errs, code := run(t, "--data-dir", data, "indicators", "update", "--from", pack)
	if code == 0 || !strings.Contains(errs, "vpn.csv:") || !strings.Contains(errs, "still in force") {
		t.Fatalf("bad pack: code %d, %s", code, errs)
	}
	out, _, _ := run(t, "--data-dir", data, "indicators", "list")
	if !strings.Contains(out, "version 9.") || !strings.Contains(out, "installed in") {
		t.Fatalf("the good pack must stay in force: %s", out)
	}
}
