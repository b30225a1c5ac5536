package risk

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

var defs = map[string]model.ReasonDef{
	"END_IPKVM":       {Code: "END_IPKVM", Title: "IP-KVM attached", Family: model.FamEndpoint, Strength: model.Strong, Catalogue: []string{"E04"}},
	"NET_MANY_IPS":    {Code: "NET_MANY_IPS", Title: "Many IPs", Family: model.FamNetwork, Strength: model.Weak, Catalogue: []string{"N03"}},
	"NET_VPN_ASTRILL": {Code: "NET_VPN_ASTRILL", Title: "Astrill", Family: model.FamNetwork, Strength: model.Strong, Catalogue: []string{"N01"}},
	"BEH_HOURS":       {Code: "BEH_HOURS", Title: "Hours", Family: model.FamBehaviour, Strength: model.Moderate},
	"NET_OWN":         {Code: "NET_OWN", Title: "Own", Family: model.FamNetwork, Strength: model.Weak, LogOdds: 1.25},
}

func fnd(code, key string, at time.Time) model.Finding {
	f := model.NewFinding("test", defs[code], "s1", key, at)
	f.Evidence = []model.EvidenceRef{{Kind: model.EvEvent, ID: "e_" + key}}
	return f
}

func TestDefaultConfigParsesAndIsVersioned(t *testing.T) {
	c := DefaultConfig()
	if c.Version == "" || c.Prior >= 0 {
		t.Fatalf("version %q prior %v", c.Version, c.Prior)
	}
	if c.Catalogue["E04"] <= c.Strength[model.Strong] {
		t.Fatalf("E04 weight %v should exceed plain strong %v", c.Catalogue["E04"], c.Strength[model.Strong])
	}
	if c.HalfLife != 180*24*time.Hour {
		t.Fatalf("half life %v", c.HalfLife)
	}
	if _, err := ParseConfig([]byte("version: x\nlevels: {medium: 50, high: 40, critical: 90}\nrepeat_factor: 0.5\n")); err == nil {
		t.Fatal("falling levels accepted")
	}
}

func TestWeightResolution(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Weights = map[string]float64{"NET_VPN_ASTRILL": 1.5}
	s := New(cfg, defs)
	cases := []struct {
		code, src string
		w         float64
	}{
		{"NET_VPN_ASTRILL", "code", 1.5},
		{"END_IPKVM", "catalogue:E04", cfg.Catalogue["E04"]},
		{"NET_OWN", "detector", 1.25},
		{"BEH_HOURS", "strength", cfg.Strength[model.Moderate]},
	}
	for _, c := range cases {
		w, src := s.WeightSource(c.code, 0)
		if w != c.w || src != c.src {
			t.Errorf("%s: got %v from %s, want %v from %s", c.code, w, src, c.w, c.src)
		}
	}
}

func TestFamilyCapKeepsWeakSignalsBelowOneStrong(t *testing.T) {
	s := New(DefaultConfig(), defs)
	var weak []model.Finding
	for i := 0; i < 20; i++ {
		f := fnd("NET_MANY_IPS", string(rune('a'+i)), now)
		f.Code = "NET_MANY_IPS_" + string(rune('A'+i)) // distinct codes so repetition damping does not apply
		f.Family = model.FamNetwork
		f.Strength = model.Moderate
		weak = append(weak, f)
	}
	rw := s.Score("s1", weak, now, "")
	rs := s.Score("s1", []model.Finding{fnd("END_IPKVM", "k", now)}, now, "")
	if rw.Families[model.FamNetwork] > DefaultConfig().FamilyCaps[model.FamNetwork]+1e-9 {
		t.Fatalf("network family %v above cap", rw.Families[model.FamNetwork])
	}
	if rw.Score >= rs.Score {
		t.Fatalf("20 moderate network signals scored %v, one IP-KVM %v", rw.Score, rs.Score)
	}
	sum := 0.0
	for _, r := range rw.Reasons {
		sum += r.Contribution
	}
	if math.Abs(sum-rw.Families[model.FamNetwork]) > 0.05 {
		t.Fatalf("reason contributions %v do not add up to family %v", sum, rw.Families[model.FamNetwork])
	}
}

func TestDecayRepeatAndLevels(t *testing.T) {
	s := New(DefaultConfig(), defs)
	fresh := s.Score("s1", []model.Finding{fnd("NET_VPN_ASTRILL", "a", now)}, now, "")
	old := s.Score("s1", []model.Finding{fnd("NET_VPN_ASTRILL", "a", now.Add(-180*24*time.Hour))}, now, "")
	if got, want := old.Reasons[0].Contribution, fresh.Reasons[0].Contribution/2; math.Abs(got-want) > 0.01 {
		t.Fatalf("one half-life old contribution %v, want %v", got, want)
	}
	two := s.Score("s1", []model.Finding{fnd("NET_VPN_ASTRILL", "a", now), fnd("NET_VPN_ASTRILL", "b", now)}, now, model.LevelLow)
	if got, want := two.Reasons[0].Contribution, fresh.Reasons[0].Contribution*1.5; math.Abs(got-want) > 0.01 && two.Families[model.FamNetwork] < DefaultConfig().FamilyCaps[model.FamNetwork] {
		t.Fatalf("repeat contribution %v, want %v", got, want)
	}
	if len(two.Reasons[0].FindingIDs) != 2 || len(two.Reasons[0].Evidence) != 2 {
		t.Fatalf("reason should carry both findings and evidence: %+v", two.Reasons[0])
	}
	if two.PrevLevel != model.LevelLow {
		t.Fatalf("previous level %q", two.PrevLevel)
	}
	empty := s.Score("s1", nil, now, "")
	if empty.Score != 0 || empty.Level != model.LevelLow {
		t.Fatalf("no findings: %+v", empty)
	}
	all := s.Score("s1", []model.Finding{fnd("END_IPKVM", "k", now), fnd("NET_VPN_ASTRILL", "a", now), fnd("BEH_HOURS", "h", now)}, now, "")
	if all.Level != model.LevelCritical || all.Score < 85 || all.Score > 100 {
		t.Fatalf("strong evidence: %v %v", all.Score, all.Level)
	}
	if all.Reasons[0].Code != "END_IPKVM" {
		t.Fatalf("reasons not sorted by contribution: %v", all.Reasons[0].Code)
	}
	if all.WeightsVersion != DefaultConfig().Version {
		t.Fatalf("weights version %q", all.WeightsVersion)
	}
}

func TestWarningsAboutBadInput(t *testing.T) {
	s := New(DefaultConfig(), defs)
	other := fnd("END_IPKVM", "o", now)
	other.SubjectID = "s2"
	sev := fnd("NET_VPN_ASTRILL", "s", now)
	sev.Severity = 7
	future := fnd("BEH_HOURS", "f", now.Add(48*time.Hour))
	future.Evidence = nil
	r := s.Score("s1", []model.Finding{other, sev, future}, now, "")
	if len(r.Warnings) != 4 {
		t.Fatalf("want 4 warnings (other subject, severity, future, no evidence), got %+v", r.Warnings)
	}
	for _, re := range r.Reasons {
		if re.Code == "END_IPKVM" {
			t.Fatal("another subject's finding was scored")
		}
	}
	capped := s.Score("s1", []model.Finding{fnd("NET_VPN_ASTRILL", "s", now)}, now, "")
	if capped.Reasons[0].Contribution != r.Reasons[0].Contribution && r.Reasons[0].Code == "NET_VPN_ASTRILL" {
		t.Fatalf("severity 7 not clamped to 1: %v vs %v", r.Reasons[0].Contribution, capped.Reasons[0].Contribution)
	}
}

func TestFeedbackStoredAndReported(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	put := func(subj, code, actor string, v Verdict) {
		t.Helper()
		if err := RecordFeedback(ctx, st, "default", Feedback{SubjectID: subj, Code: code, Verdict: v, Actor: actor, At: now}); err != nil {
			t.Fatal(err)
		}
	}
	put("s1", "NET_VPN_ASTRILL", "ann", TruePositive)
	put("s2", "NET_VPN_ASTRILL", "ann", TruePositive)
	put("s3", "NET_MANY_IPS", "ann", FalsePositive)
	put("s4", "NET_MANY_IPS", "bob", TruePositive)
	put("s4", "NET_MANY_IPS", "bob", FalsePositive) // replaces bob's earlier verdict
	if err := RecordFeedback(ctx, st, "default", Feedback{SubjectID: "s1", Code: "X", Verdict: "maybe", Actor: "ann"}); err == nil {
		t.Fatal("bad verdict accepted")
	}
	fb, err := ListFeedback(ctx, st, "default", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(fb) != 4 {
		t.Fatalf("want 4 stored verdicts, got %d", len(fb))
	}
	rep := FeedbackReport(fb, New(DefaultConfig(), defs))
	if len(rep) != 2 || rep[0].Code != "NET_MANY_IPS" || rep[0].FP != 2 || rep[0].TP != 0 || rep[1].TP != 2 {
		t.Fatalf("report %+v", rep)
	}
	if rep[0].Suggested >= rep[0].Weight || rep[1].Suggested <= rep[1].Weight {
		t.Fatalf("suggestions should move against FPs and towards TPs: %+v", rep)
	}
	audit, err := st.Audit(ctx, "default", "subject:s4", 10)
	if err != nil || len(audit) != 2 || audit[0].Before != "tp" {
		t.Fatalf("audit %+v %v", audit, err)
	}
}

// BenchmarkScore10k scores 10,000 subjects with 5 findings each (scoring
// only; loading and storing are in the web benchmarks).
func BenchmarkScore10k(b *testing.B) {
	s := New(DefaultConfig(), defs)
	fs := []model.Finding{fnd("END_IPKVM", "k", now), fnd("NET_VPN_ASTRILL", "a", now.Add(-24*time.Hour)), fnd("NET_VPN_ASTRILL", "b", now.Add(-48*time.Hour)), fnd("BEH_HOURS", "h", now), fnd("NET_MANY_IPS", "m", now)}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for j := 0; j < 10000; j++ {
			s.Score("s1", fs, now, model.LevelLow)
		}
	}
}
