package graph

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/redflag-dev/redflag/internal/er"
	"github.com/redflag-dev/redflag/internal/identity"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// Link reasons the Builder adds.
const (
	LinkSamePerson = "same_person" // fuzzy name + birth date + address (internal/er)
	LinkResume     = "resume_near" // near-duplicate resume text (MinHash)
	LinkPhoto      = "photo_near"  // photos within identity.PhotoMatchDistance
)

// BuildConfig tunes the Builder.
type BuildConfig struct {
	Graph Config `koanf:"graph" json:"graph"`
	// FuzzyMinProb is the posterior probability from which fuzzy person
	// matching links two subjects (0 disables it). Default 0.9.
	FuzzyMinProb float64 `koanf:"fuzzy_min_prob" json:"fuzzy_min_prob"`
	// ResumeMinSimilarity is the estimated Jaccard similarity of resume
	// shingles (3-word) from which two resumes are near-duplicates. Default
	// 0.8: lightly reworded copies in the demo measure 0.88-0.93, unrelated
	// resumes written from one template up to 0.66.
	ResumeMinSimilarity float64 `koanf:"resume_min_similarity" json:"resume_min_similarity"`
	// PhotoDir resolves relative photo paths; photos are not hashed when empty.
	PhotoDir string `koanf:"photo_dir" json:"photo_dir"`
	// LinkVPNIPs lets VPN, proxy, Tor and hosting IPs link subjects. Off by
	// default: such exits are shared infrastructure, not a personal link.
	LinkVPNIPs bool `koanf:"link_vpn_ips" json:"link_vpn_ips"`
}

// DefaultBuildConfig returns the defaults.
func DefaultBuildConfig() BuildConfig {
	return BuildConfig{Graph: DefaultConfig(), FuzzyMinProb: 0.9, ResumeMinSimilarity: 0.8}
}

// Builder feeds subjects and events into a Graph: it normalises their
// identifiers, declares shared-infrastructure IPs generic, and adds fuzzy
// person, resume and photo links.
type Builder struct {
	G   *Graph
	cfg BuildConfig

	mu       sync.Mutex
	matcher  *er.Matcher
	resumes  *identity.TextIndex
	photos   map[string]uint64
	resumeOf map[string]string // subject -> exact resume key
	warnings map[string][]model.Warning
}

// NewBuilder returns a builder over a new graph.
func NewBuilder(cfg BuildConfig) *Builder {
	b := &Builder{G: New(cfg.Graph), cfg: cfg, resumes: identity.NewTextIndex(), photos: map[string]uint64{}, resumeOf: map[string]string{}, warnings: map[string][]model.Warning{}}
	if cfg.FuzzyMinProb > 0 {
		b.matcher = er.NewMatcher(er.DefaultModel(), cfg.FuzzyMinProb)
	}
	return b
}

// Warnings returns the normalisation warnings per subject.
func (b *Builder) Warnings() map[string][]model.Warning {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.warnings
}

// AddSubject adds a subject's own identifiers and its fuzzy links.
func (b *Builder) AddSubject(s *model.Subject) []Event {
	ids, warns := identity.Extract(s, identity.Options{PhotoDir: b.cfg.PhotoDir})
	if len(warns) > 0 {
		b.mu.Lock()
		b.warnings[s.ID] = append(b.warnings[s.ID], warns...)
		b.mu.Unlock()
	}
	var photo uint64
	hasPhoto := false
	resumeKey := ""
	for i := range ids {
		if ids[i].Kind == model.IDResume {
			resumeKey = ids[i].Value
		}
		if ids[i].Kind == model.IDPhoto {
			if h, err := identity.ParsePHash(ids[i].Value); err == nil {
				photo, hasPhoto = h, true
			}
		}
	}
	ev := b.G.Add(s.ID, ids)
	if b.matcher != nil && s.FullName != "" {
		for _, m := range b.matcher.Add(er.FromSubject(s)) {
			ev = append(ev, b.G.AddLink(Link{A: m.A, B: m.B, Reason: LinkSamePerson, Weight: m.Weight})...)
		}
	}
	if s.ResumeText != "" && b.cfg.ResumeMinSimilarity > 0 {
		if sig, ok := identity.MinHash(s.ResumeText); ok {
			key := resumeKey
			b.mu.Lock()
			b.resumeOf[s.ID] = key
			b.mu.Unlock()
			for _, m := range b.resumes.QuerySignature(&sig, b.cfg.ResumeMinSimilarity, s.ID) {
				b.mu.Lock()
				same := b.resumeOf[m.ID] == key
				b.mu.Unlock()
				if same {
					continue // identical text already links through the resume identifier
				}
				ev = append(ev, b.G.AddLink(Link{A: m.ID, B: s.ID, Reason: LinkResume, Weight: m.Similarity})...)
			}
			b.resumes.AddSignature(s.ID, sig)
		}
	}
	if hasPhoto {
		b.mu.Lock()
		var near []string
		for other, h := range b.photos {
			if other != s.ID && identity.SamePhoto(h, photo) && h != photo {
				near = append(near, other) // exact equals already link through the identifier
			}
		}
		b.photos[s.ID] = photo
		b.mu.Unlock()
		sort.Strings(near)
		for _, o := range near {
			ev = append(ev, b.G.AddLink(Link{A: o, B: s.ID, Reason: LinkPhoto, Weight: float64(identity.PhotoDistance(b.photos[o], photo))})...)
		}
	}
	return ev
}

// SharedInfrastructure reports whether IP intelligence says an address is
// shared infrastructure (the company's own egress, a VPN, proxy, Tor exit
// or hosting provider) rather than a personal connection.
func SharedInfrastructure(info *model.IPInfo) bool {
	return info != nil && (info.Corporate || info.VPN || info.Proxy || info.Tor || info.Hosting || info.ProviderProxy)
}

// AddEvent adds the identifiers an event carries.
func (b *Builder) AddEvent(ev *model.Event) []Event {
	if ev.SubjectID == "" {
		return nil
	}
	var info *model.IPInfo
	switch {
	case ev.SignIn != nil:
		info = ev.SignIn.IPInfo
	case ev.Interview != nil:
		info = ev.Interview.IPInfo
	}
	ids, _ := identity.EventIdentifiers(ev)
	var out []Event
	for _, id := range ids {
		if id.Kind == model.IDIP && info != nil && (info.Corporate || !b.cfg.LinkVPNIPs && SharedInfrastructure(info)) {
			out = append(out, b.G.MarkGeneric(model.IDIP, id.Value)...)
		}
		if id.Kind == model.IDBankHolder {
			continue // holder names are compared by the payroll detector, not linked
		}
		out = append(out, b.G.AddIdentifier(ev.SubjectID, id.Kind, id.Value)...)
	}
	return out
}

// FromStore builds the graph of a tenant from the stored subjects and events.
func FromStore(ctx context.Context, st store.Store, tenant string, cfg BuildConfig) (*Builder, error) {
	b := NewBuilder(cfg)
	n, _ := st.CountSubjects(ctx, tenant)
	b.G.Grow(n, 8*n)
	var subjects []model.Subject
	if err := st.EachSubject(ctx, tenant, func(s model.Subject) error { subjects = append(subjects, s); return nil }); err != nil {
		return nil, fmt.Errorf("load subjects: %w", err)
	}
	sort.Slice(subjects, func(i, j int) bool { return subjects[i].ID < subjects[j].ID })
	for i := range subjects {
		b.AddSubject(&subjects[i])
	}
	err := st.EachEvent(ctx, tenant, store.EventQuery{}, func(ev model.Event) error {
		b.AddEvent(&ev)
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("load events: %w", err)
	}
	return b, nil
}
