// Package sanctions is the detector that screens every subject's name, every
// staffing vendor, every payroll account holder and every crypto payout
// address against the loaded sanctions lists (the detect.SvcSanctions
// service, a *sanctions.Screener) and turns hits into findings.
//
// A hit an analyst cleared (ClearHit) does not alert again until the list
// entry or the screened value changes: the clearance is stored in store Meta
// under "sanctions/cleared/<subject>/<list>:<source_id>/<field>" with a hash
// over both the entry's content and the screened value.
package sanctions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/model"
	lists "github.com/redflag-dev/redflag/internal/sanctions"
	"github.com/redflag-dev/redflag/internal/store"
)

// Name is the detector's name.
const Name = "sanctions"

// ClearedPrefix is the Meta key prefix of cleared hits.
const ClearedPrefix = "sanctions/cleared/"

// Reason definitions.
var (
	ReasonName = model.ReasonDef{Code: "SANCTIONS_NAME_MATCH", Title: "Name matches a sanctions-list entry",
		Family: model.FamSanctions, Strength: model.Strong, Catalogue: []string{"F07"}}
	ReasonVendor = model.ReasonDef{Code: "SANCTIONS_VENDOR_MATCH", Title: "Staffing vendor matches a sanctions-list entry",
		Family: model.FamSanctions, Strength: model.Strong, Catalogue: []string{"F07"}}
	ReasonPayee = model.ReasonDef{Code: "SANCTIONS_PAYEE_MATCH", Title: "Payroll account holder matches a sanctions-list entry",
		Family: model.FamSanctions, Strength: model.Strong, Catalogue: []string{"F07"}}
	ReasonCrypto = model.ReasonDef{Code: "SANCTIONS_CRYPTO_ADDRESS", Title: "Crypto payout address is on a sanctions list",
		Family: model.FamSanctions, Strength: model.Strong, Catalogue: []string{"F03"}}
)

// Config are the detector's settings (detectors.sanctions).
type Config struct {
	// Threshold is the lowest match score that alerts (0..1).
	Threshold float64 `koanf:"threshold"`
	// MaxHits is the most list entries reported per screened value.
	MaxHits int `koanf:"max_hits"`
}

func init() {
	detect.Register(Name, func(deps detect.Deps) (detect.Detector, error) {
		s, _ := deps.Services[detect.SvcSanctions].(*lists.Screener)
		if s == nil || s.Index() == nil {
			return nil, fmt.Errorf("%w: no sanctions lists loaded (run `redflag lists update`)", detect.ErrUnavailable)
		}
		cfg := Config{Threshold: lists.Threshold, MaxHits: 3}
		if deps.Config != nil {
			if err := deps.Config.Unmarshal("detectors."+Name, &cfg); err != nil {
				return nil, fmt.Errorf("detectors.%s: %w", Name, err)
			}
		}
		return New(s, deps.Store, cfg), nil
	})
}

// Detector screens subjects and payroll events.
type Detector struct {
	s   *lists.Screener
	st  store.Store
	cfg Config

	mu      sync.Mutex
	cleared map[string]map[string]string // tenant -> key -> hash
	memo    map[string][]lists.Match
}

// New builds the detector; st may be nil (no cleared-hit suppression).
func New(s *lists.Screener, st store.Store, cfg Config) *Detector {
	if cfg.Threshold <= 0 {
		cfg.Threshold = lists.Threshold
	}
	if cfg.MaxHits <= 0 {
		cfg.MaxHits = 3
	}
	return &Detector{s: s, st: st, cfg: cfg, cleared: map[string]map[string]string{}, memo: map[string][]lists.Match{}}
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// Reasons implements detect.Detector.
func (d *Detector) Reasons() []model.ReasonDef {
	return []model.ReasonDef{ReasonName, ReasonVendor, ReasonPayee, ReasonCrypto}
}

// screen screens one value, remembering results within the detector's life.
func (d *Detector) screen(q lists.Query, crypto bool) []lists.Match {
	key := fmt.Sprintf("%t|%s|%s|%s", crypto, q.Type, q.BirthDate, q.Name)
	d.mu.Lock()
	ms, ok := d.memo[key]
	d.mu.Unlock()
	if ok {
		return ms
	}
	if crypto {
		ms = d.s.ScreenCrypto(q.Name)
	} else {
		q.Limit = d.cfg.MaxHits
		q.MinScore = d.cfg.Threshold
		ms = d.s.Screen(q)
	}
	d.mu.Lock()
	d.memo[key] = ms
	d.mu.Unlock()
	return ms
}

// Observe screens payroll account holders and crypto payout addresses.
func (d *Detector) Observe(ctx context.Context, env *detect.Env, ev *model.Event, emit detect.Emit) {
	if ev.Kind != model.EvPayroll || ev.Payroll == nil || ev.SubjectID == "" {
		return
	}
	p := ev.Payroll
	if a := strings.TrimSpace(p.CryptoAddress); a != "" {
		for _, m := range d.screen(lists.Query{Name: a}, true) {
			d.emit(ctx, env, emit, ReasonCrypto, ev.SubjectID, "crypto_address", a, m, ev)
		}
	}
	if h := strings.TrimSpace(p.AccountHolder); h != "" {
		// the holder's own name is screened as a subject name already
		if s := env.Subject(ev.SubjectID); s != nil && strings.EqualFold(strings.Join(strings.Fields(s.FullName), " "), strings.Join(strings.Fields(h), " ")) {
			return
		}
		for _, m := range d.screen(lists.Query{Name: h}, false) {
			d.emit(ctx, env, emit, ReasonPayee, ev.SubjectID, "account_holder", h, m, ev)
		}
	}
}

// Finish screens every subject's name and staffing vendor.
func (d *Detector) Finish(ctx context.Context, env *detect.Env, emit detect.Emit) error {
	env.Subjects(func(s *model.Subject) {
		if ctx.Err() != nil {
			return
		}
		if n := strings.TrimSpace(s.FullName); n != "" {
			for _, m := range d.screen(lists.Query{Name: n, Type: lists.TypePerson, BirthDate: s.DateOfBirth}, false) {
				d.emit(ctx, env, emit, ReasonName, s.ID, "full_name", n+"|"+s.DateOfBirth, m, nil)
			}
		}
		if v := strings.TrimSpace(s.StaffingVendor); v != "" {
			for _, m := range d.screen(lists.Query{Name: v, Type: lists.TypeBusiness}, false) {
				d.emit(ctx, env, emit, ReasonVendor, s.ID, "staffing_vendor", v, m, nil)
			}
		}
	})
	return ctx.Err()
}

func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// ClearKey is the Meta key of a cleared hit.
func ClearKey(subjectID, list, sourceID, field string) string {
	return ClearedPrefix + subjectID + "/" + list + ":" + sourceID + "/" + field
}

func (d *Detector) emit(ctx context.Context, env *detect.Env, emit detect.Emit, def model.ReasonDef, subjectID, field, value string, m lists.Match, ev *model.Event) {
	entityHash := ""
	if ix := d.s.Index(); ix != nil {
		entityHash = ix.HashOf(m)
	}
	valueHash := hashOf(value)
	clearHash := hashOf(entityHash, valueHash)
	if d.isCleared(ctx, env.Tenant, ClearKey(subjectID, m.List, m.SourceID, field), clearHash) {
		return
	}
	at := env.Now
	if ev != nil {
		at = ev.Time
	}
	f := model.NewFinding(Name, def, subjectID, m.List+":"+m.SourceID+"/"+field, at)
	f.Severity = m.Score
	f.Evidence = []model.EvidenceRef{{Kind: model.EvListEntry, ID: m.List + ":" + m.SourceID,
		Note: fmt.Sprintf("%s %q matched %q (%s), score %.2f", field, displayValue(field, value), m.MatchedName, m.Name, m.Score)}}
	if ev != nil {
		f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvEvent, ID: ev.ID, Note: ev.SourceRef})
	} else {
		f.Evidence = append(f.Evidence, model.EvidenceRef{Kind: model.EvSubject, ID: subjectID, Note: field})
	}
	reasons := make([]string, 0, len(m.Reasons))
	for _, r := range m.Reasons {
		reasons = append(reasons, r.Detail)
	}
	f.Details = map[string]string{
		"field": field, "value": displayValue(field, value), "list": m.List, "source_id": m.SourceID,
		"entry_name": m.Name, "matched_name": m.MatchedName, "programs": strings.Join(m.Programs, ", "),
		"score": fmt.Sprintf("%.3f", m.Score), "reasons": strings.Join(reasons, "; "),
		"entity_hash": entityHash, "value_hash": valueHash,
	}
	emit(f)
}

func displayValue(field, v string) string {
	if field == "full_name" {
		n, _, _ := strings.Cut(v, "|")
		return n
	}
	return v
}

func (d *Detector) isCleared(ctx context.Context, tenant, key, hash string) bool {
	if d.st == nil {
		return false
	}
	tenant = store.TenantOr(tenant)
	d.mu.Lock()
	c, ok := d.cleared[tenant]
	d.mu.Unlock()
	if !ok {
		raw, err := d.st.ListMeta(ctx, tenant, ClearedPrefix)
		c = map[string]string{}
		if err == nil {
			for k, v := range raw {
				var rec Clearance
				if json.Unmarshal(v, &rec) == nil {
					c[k] = rec.Hash
				}
			}
		}
		d.mu.Lock()
		d.cleared[tenant] = c
		d.mu.Unlock()
	}
	return c[key] == hash
}

// Clearance is a stored analyst decision that a hit is a false positive.
type Clearance struct {
	SubjectID string    `json:"subject_id"`
	List      string    `json:"list"`
	SourceID  string    `json:"source_id"`
	Field     string    `json:"field"`
	Hash      string    `json:"hash"` // over the entry's content hash and the screened value's hash
	By        string    `json:"by"`
	Reason    string    `json:"reason,omitempty"`
	At        time.Time `json:"at"`
}

// ClearHit records that a sanctions finding is a false positive, so that
// the same hit does not alert again until the list entry or the screened
// value changes. It writes an audit entry too.
func ClearHit(ctx context.Context, st store.Store, f model.Finding, actor, reason string, now time.Time) error {
	if f.Detector != Name {
		return fmt.Errorf("finding %s is not a sanctions finding", f.ID)
	}
	det := f.Details
	if det["list"] == "" || det["source_id"] == "" || det["field"] == "" {
		return fmt.Errorf("finding %s lacks list, source_id or field details", f.ID)
	}
	c := Clearance{SubjectID: f.SubjectID, List: det["list"], SourceID: det["source_id"], Field: det["field"],
		Hash: hashOf(det["entity_hash"], det["value_hash"]), By: actor, Reason: reason, At: now.UTC()}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	tenant := store.TenantOr(f.Tenant)
	key := ClearKey(f.SubjectID, c.List, c.SourceID, c.Field)
	if err := st.PutMeta(ctx, tenant, key, b); err != nil {
		return fmt.Errorf("store clearance: %w", err)
	}
	if _, err := st.AppendAudit(ctx, model.AuditEntry{Tenant: tenant, At: now.UTC(), Actor: actor, Action: "sanctions.clear",
		Object: "finding:" + f.ID, After: string(b)}); err != nil {
		return fmt.Errorf("audit clearance: %w", err)
	}
	return nil
}
