package bus

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/cases"
	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/pipeline"
	"github.com/redflag-dev/redflag/internal/risk"
	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

// The test detectors are order- and count-sensitive on purpose, so that a
// lost, doubled or misrouted event changes their findings.

var (
	defCount = model.ReasonDef{Code: "TEST_SIGNIN_COUNT", Title: "sign-in count", Family: model.FamBehaviour, Strength: model.Weak}
	defHop   = model.ReasonDef{Code: "TEST_COUNTRY_HOP", Title: "country changed between sign-ins", Family: model.FamNetwork, Strength: model.Moderate}
	defShare = model.ReasonDef{Code: "TEST_SHARED_DEVICE", Title: "device shared across people", Family: model.FamIdentity, Strength: model.Strong}
	defName  = model.ReasonDef{Code: "TEST_KNOWN_PERSON", Title: "event of a known person", Family: model.FamRule, Strength: model.Weak}
)

// counter counts each subject's sign-ins and notes every country change.
type counter struct {
	n    map[string]int
	last map[string]string
}

func (c *counter) Name() string               { return "test_counter" }
func (c *counter) Reasons() []model.ReasonDef { return []model.ReasonDef{defCount, defHop, defName} }
func (c *counter) Observe(_ context.Context, env *detect.Env, ev *model.Event, emit detect.Emit) {
	if ev.SignIn == nil {
		return
	}
	if strings.HasPrefix(ev.ID, "poison") {
		panic("poison event")
	}
	s := ev.SubjectID
	c.n[s]++
	f := model.NewFinding(c.Name(), defCount, s, "count", ev.Time)
	f.Details = map[string]string{"count": fmt.Sprint(c.n[s])}
	f.Severity = float64(min(c.n[s], 40)) / 40
	f.Evidence = []model.EvidenceRef{{Kind: model.EvEvent, ID: ev.ID}}
	emit(f)
	country := ev.SignIn.IPInfo.Country
	if prev, ok := c.last[s]; ok && prev != country {
		h := model.NewFinding(c.Name(), defHop, s, prev+">"+country, ev.Time)
		h.Evidence = []model.EvidenceRef{{Kind: model.EvEvent, ID: ev.ID}}
		emit(h)
	}
	c.last[s] = country
	if sub := env.Subject(s); sub != nil && sub.FullName != "" && c.n[s] == 1 {
		emit(model.NewFinding(c.Name(), defName, s, sub.FullName, ev.Time))
	}
}

// sharer is a finisher: a device seen under several people.
type sharer struct{ dev map[string]map[string]bool }

func (s *sharer) Name() string               { return "test_sharer" }
func (s *sharer) Reasons() []model.ReasonDef { return []model.ReasonDef{defShare} }
func (s *sharer) Observe(_ context.Context, _ *detect.Env, ev *model.Event, _ detect.Emit) {
	if ev.SignIn == nil || ev.SignIn.DeviceID == "" || ev.SubjectID == "" {
		return
	}
	m := s.dev[ev.SignIn.DeviceID]
	if m == nil {
		m = map[string]bool{}
		s.dev[ev.SignIn.DeviceID] = m
	}
	m[ev.SubjectID] = true
}
func (s *sharer) Finish(_ context.Context, env *detect.Env, emit detect.Emit) error {
	for d, subs := range s.dev {
		if len(subs) < 2 {
			continue
		}
		for sub := range subs {
			f := model.NewFinding(s.Name(), defShare, sub, d, env.Now)
			f.Details = map[string]string{"people": fmt.Sprint(len(subs))}
			emit(f)
		}
	}
	return nil
}

func testDetectors() ([]detect.Detector, error) {
	return []detect.Detector{&counter{n: map[string]int{}, last: map[string]string{}}, &sharer{dev: map[string]map[string]bool{}}}, nil
}

var testNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

type dataset struct {
	subjects []model.Subject
	events   []model.Event
}

// makeDataset builds people in several tenants and their sign-ins, with
// shared devices (a "laptop farm") across people.
func makeDataset(tenants []string, people, events int, seed int64) dataset {
	r := rand.New(rand.NewSource(seed))
	var d dataset
	countries := []string{"US", "US", "US", "CN", "RU", "KP", "US"}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tn := range tenants {
		for i := 0; i < people; i++ {
			d.subjects = append(d.subjects, model.Subject{Tenant: tn, ID: fmt.Sprintf("p%03d", i), Kind: model.KindEmployee, FullName: fmt.Sprintf("Person %d of %s", i, tn)})
		}
	}
	for i := 0; i < events; i++ {
		tn := tenants[r.Intn(len(tenants))]
		s := fmt.Sprintf("p%03d", r.Intn(people))
		dev := fmt.Sprintf("dev-%s-%s", tn, s)
		if r.Intn(10) == 0 {
			dev = fmt.Sprintf("farm-%d", r.Intn(3)) // shared
		}
		d.events = append(d.events, model.Event{
			Tenant: tn, ID: fmt.Sprintf("ev%06d", i), Kind: model.EvSignIn, Time: t0.Add(time.Duration(i) * time.Minute),
			SubjectID: s, Source: "test",
			SignIn: &model.SignIn{Provider: "okta", Login: s, Outcome: "success", IP: "192.0.2.1", DeviceID: dev,
				IPInfo: &model.IPInfo{IP: "192.0.2.1", Country: countries[r.Intn(len(countries))]}},
		})
	}
	return d
}

func chunks[T any](xs []T, n int) [][]T {
	var out [][]T
	for i := 0; i < len(xs); i += n {
		out = append(out, xs[i:min(i+n, len(xs))])
	}
	return out
}

// openStore opens a fresh store: PostgreSQL in a new schema when
// REDFLAG_TEST_POSTGRES is set and pg is true, else SQLite in dir.
func openStore(t *testing.T, dir string, pg bool) (store.Store, string) {
	t.Helper()
	ctx := context.Background()
	if dsn := os.Getenv("REDFLAG_TEST_POSTGRES"); pg && dsn != "" {
		schema := fmt.Sprintf("rfbus_%d", time.Now().UnixNano())
		admin, err := sqlstore.OpenPostgres(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.DB().ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			admin.DB().ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			admin.Close()
		})
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		full := dsn + sep + "search_path=" + schema
		s, err := sqlstore.OpenPostgres(ctx, full)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, full
	}
	path := filepath.Join(dir, "redflag.db")
	s, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func pipelineFor(st store.Store) func(tenant string) (*pipeline.Pipeline, error) {
	return func(tenant string) (*pipeline.Pipeline, error) {
		ds, err := testDetectors()
		if err != nil {
			return nil, err
		}
		return &pipeline.Pipeline{Store: st, Engine: detect.NewEngineWith(ds...), Risk: risk.DefaultConfig(), Cases: cases.Policy{OpenAt: model.LevelMedium}, Tenant: tenant}, nil
	}
}

// embeddedRun is the reference: the direct pipeline, no bus.
func embeddedRun(t *testing.T, d dataset, tenants []string) store.Store {
	t.Helper()
	ctx := context.Background()
	st, _ := openStore(t, t.TempDir(), false)
	for _, tn := range tenants {
		p, _ := pipelineFor(st)(tn)
		var subs []model.Subject
		for _, s := range d.subjects {
			if s.Tenant == tn {
				subs = append(subs, s)
			}
		}
		if err := p.Subjects(ctx, subs, nil); err != nil {
			t.Fatal(err)
		}
		var evs []model.Event
		for _, e := range d.events {
			if e.Tenant == tn {
				evs = append(evs, e)
			}
		}
		if err := p.Events(ctx, evs, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Analyze(ctx, testNow); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// snapshot renders a tenant's findings, risks and cases as comparable text.
func snapshot(t *testing.T, st store.Store, tenant string) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	err := st.EachFinding(ctx, tenant, func(f model.Finding) error {
		lines = append(lines, fmt.Sprintf("F %s %s %s %s sev=%.4f t=%s det=%v ev=%v", f.ID, f.SubjectID, f.Detector, f.Code, f.Severity, f.Time.Format(time.RFC3339), f.Details, f.Evidence))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := st.ListRisks(ctx, tenant, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		var rr []string
		for _, x := range r.Reasons {
			rr = append(rr, fmt.Sprintf("%s=%.3f", x.Code, x.Contribution))
		}
		lines = append(lines, fmt.Sprintf("R %s %.1f %s %v", r.SubjectID, r.Score, r.Level, rr))
	}
	cs, err := st.ListCases(ctx, tenant, store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		lines = append(lines, fmt.Sprintf("C %s %v %.1f %s", c.ID, c.SubjectIDs, c.Score, c.State))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func diff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	in := map[string]int{}
	for _, l := range bl {
		in[l]++
	}
	var out []string
	for _, l := range al {
		if in[l] > 0 {
			in[l]--
			continue
		}
		out = append(out, "- "+l)
	}
	for l, n := range in {
		for ; n > 0; n-- {
			out = append(out, "+ "+l)
		}
	}
	if len(out) > 20 {
		out = append(out[:20], fmt.Sprintf("... %d more", len(out)-20))
	}
	return strings.Join(out, "\n")
}
