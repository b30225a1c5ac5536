package web

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/auth"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/risk"
	"github.com/redflag-dev/redflag/internal/store"
)

// EvidenceLink is an evidence reference an analyst can open.
type EvidenceLink struct {
	Kind  model.EvidenceKind `json:"kind"`
	ID    string             `json:"id"`
	Label string             `json:"label"`
	Note  string             `json:"note,omitempty"`
	URL   string             `json:"url"`
}

func evidenceURL(e model.EvidenceRef) string {
	switch e.Kind {
	case model.EvEvent:
		return "/events/" + url.PathEscape(e.ID)
	case model.EvSubject:
		return "/subjects/" + url.PathEscape(e.ID)
	}
	return "/evidence?kind=" + url.QueryEscape(string(e.Kind)) + "&id=" + url.QueryEscape(e.ID)
}

func (s *Server) evidenceLinks(refs []model.EvidenceRef, masked bool) []EvidenceLink {
	out := make([]EvidenceLink, 0, len(refs))
	for _, e := range refs {
		label := e.ID
		if e.Kind == model.EvIdentifier && masked {
			label = maskIdentRef(e.ID)
		}
		out = append(out, EvidenceLink{Kind: e.Kind, ID: e.ID, Label: label, Note: e.Note, URL: evidenceURL(e)})
	}
	return out
}

// maskIdentRef masks the value of a "kind:value" identifier reference when
// the kind is personal data.
func maskIdentRef(ref string) string {
	kind, val, ok := strings.Cut(ref, ":")
	if !ok {
		return ref
	}
	return kind + ":" + maskIdent(model.IdentifierKind(kind), val)
}

func maskIdent(kind model.IdentifierKind, v string) string {
	switch kind {
	case model.IDEmail:
		return auth.MaskEmail(v)
	case model.IDPhone:
		return auth.MaskPhone(v)
	case model.IDAddress, model.IDShipAddr:
		return "•••"
	}
	return v
}

func maskSubject(sub model.Subject) model.Subject {
	sub.Email = auth.MaskEmail(sub.Email)
	sub.Phone = auth.MaskPhone(sub.Phone)
	sub.DateOfBirth = auth.MaskDOB(sub.DateOfBirth)
	sub.Address.Line = auth.MaskLine(sub.Address.Line)
	sub.Address.PostalCode = auth.MaskLine(sub.Address.PostalCode)
	logins := make([]string, len(sub.IdPLogins))
	for i, l := range sub.IdPLogins {
		if strings.Contains(l, "@") {
			l = auth.MaskEmail(l)
		}
		logins[i] = l
	}
	sub.IdPLogins = logins
	sub.ResumeText = ""
	sub.PhotoPath = ""
	return sub
}

// ReasonView is one reason as shown.
type ReasonView struct {
	model.Reason
	Weight   float64        `json:"weight"`
	Source   string         `json:"weight_source"`
	Catalog  []string       `json:"catalogue,omitempty"`
	Links    []EvidenceLink `json:"evidence_links"`
	Share    float64        `json:"-"` // bar width 0..100
	Feedback string         `json:"-"` // the viewing analyst's verdict
}

// Link is one linked subject in the graph neighbourhood.
type Link struct {
	SubjectID string         `json:"subject_id"`
	Name      string         `json:"name"`
	Score     float64        `json:"score"`
	Level     model.Level    `json:"level"`
	Via       []LinkIdent    `json:"via"`
	Subject   *model.Subject `json:"-"`
}

// LinkIdent is an identifier two subjects share.
type LinkIdent struct {
	Kind    model.IdentifierKind `json:"kind"`
	Value   string               `json:"value"`
	Display string               `json:"display"`
	URL     string               `json:"url"`
}

// Graph is a subject's neighbourhood through shared identifiers.
type Graph struct {
	SubjectID string `json:"subject_id"`
	Links     []Link `json:"links"`
	// Common are identifiers shared by too many subjects to be a link
	// (a corporate egress IP, a shared office address).
	Common []CommonIdent `json:"common,omitempty"`
}

// CommonIdent is an identifier shared too widely to list.
type CommonIdent struct {
	Kind    model.IdentifierKind `json:"kind"`
	Display string               `json:"display"`
	Count   int                  `json:"count"`
}

const maxShare = 25 // identifiers shared by more subjects are "common"

func identURL(kind model.IdentifierKind, v string) string {
	return "/evidence?kind=identifier&id=" + url.QueryEscape(string(kind)+":"+v)
}

func (s *Server) graph(ctx context.Context, subjectID string, masked bool) (Graph, error) {
	g := Graph{SubjectID: subjectID}
	ids, err := s.opt.Store.IdentifiersOf(ctx, s.opt.Tenant, subjectID)
	if err != nil {
		return g, fmt.Errorf("identifiers of %s: %w", subjectID, err)
	}
	by := map[string]*Link{}
	var order []string
	for _, id := range ids {
		others, err := s.opt.Store.SubjectsByIdentifier(ctx, s.opt.Tenant, id.Kind, id.Value)
		if err != nil {
			return g, fmt.Errorf("subjects by %s: %w", id.Kind, err)
		}
		disp := id.Value
		if masked {
			disp = maskIdent(id.Kind, id.Value)
		}
		if len(others) > maxShare {
			g.Common = append(g.Common, CommonIdent{Kind: id.Kind, Display: disp, Count: len(others)})
			continue
		}
		for _, o := range others {
			if o == subjectID {
				continue
			}
			l := by[o]
			if l == nil {
				l = &Link{SubjectID: o}
				by[o] = l
				order = append(order, o)
			}
			l.Via = append(l.Via, LinkIdent{Kind: id.Kind, Value: id.Value, Display: disp, URL: identURL(id.Kind, id.Value)})
		}
	}
	for _, o := range order {
		l := by[o]
		if sub, err := s.opt.Store.GetSubject(ctx, s.opt.Tenant, o); err == nil {
			l.Name = sub.FullName
			l.Subject = &sub
		}
		if r, err := s.opt.Store.GetRisk(ctx, s.opt.Tenant, o); err == nil {
			l.Score, l.Level = r.Score, r.Level
		}
		g.Links = append(g.Links, *l)
	}
	sort.SliceStable(g.Links, func(i, j int) bool {
		if len(g.Links[i].Via) != len(g.Links[j].Via) {
			return len(g.Links[i].Via) > len(g.Links[j].Via)
		}
		return g.Links[i].Score > g.Links[j].Score
	})
	return g, nil
}

// LocCount is an observed location and how often it was seen.
type LocCount struct {
	Place  string `json:"place"`
	Source string `json:"source"`
	Count  int    `json:"count"`
	Flag   string `json:"flag,omitempty"` // vpn, proxy, hosting, tor
	// Match is "city" or "region" when it agrees with the claimed address
	// that closely, "country" when only the country agrees, "" otherwise.
	Match string `json:"match"`
}

func locMatch(claimed model.Address, city, region, country string) string {
	switch {
	case claimed.Country == "" || !strings.EqualFold(claimed.Country, country):
		return ""
	case claimed.City != "" && strings.EqualFold(claimed.City, city):
		return "city"
	case claimed.Region != "" && strings.EqualFold(claimed.Region, region):
		return "region"
	}
	return "country"
}

// SubjectView is everything the subject page shows.
type SubjectView struct {
	Subject     model.Subject
	Masked      bool
	Risk        model.Risk
	HasRisk     bool
	Reasons     []ReasonView
	Families    []FamilyBar
	Screening   []model.Finding
	Events      []model.Event // newest first
	EventCount  int
	Activity    Activity
	Observed    []LocCount
	Claimed     string
	Graph       Graph
	GraphSVG    string
	HourSVG     string
	Cases       []model.Case
	Identifiers []model.Identifier
}

// FamilyBar is one family's contribution.
type FamilyBar struct {
	Family model.Family
	Value  float64
	Cap    float64
	Share  float64 // of the cap, 0..100
}

const timelineLen = 150

func (s *Server) subjectView(ctx context.Context, id string, u *user) (*SubjectView, error) {
	st, t := s.opt.Store, s.opt.Tenant
	sub, err := st.GetSubject(ctx, t, id)
	if err != nil {
		return nil, err
	}
	v := &SubjectView{Subject: sub, Masked: u.Masked()}
	if v.Masked {
		v.Subject = maskSubject(sub)
	}
	if r, err := st.GetRisk(ctx, t, id); err == nil {
		v.Risk, v.HasRisk = r, true
	} else if !isNotFound(err) {
		return nil, err
	}
	findings, err := st.FindingsOf(ctx, t, id)
	if err != nil {
		return nil, err
	}
	for _, f := range findings {
		if f.Family == model.FamSanctions {
			v.Screening = append(v.Screening, f)
		}
	}
	mine := map[string]string{}
	if u != nil {
		if fb, err := risk.ListFeedback(ctx, st, t, id); err == nil {
			for _, f := range fb {
				if f.Actor == u.Name {
					mine[f.Code] = string(f.Verdict)
				}
			}
		}
	}
	v.Reasons = s.reasonViews(v.Risk, mine, v.Masked)
	for fam, val := range v.Risk.Families {
		c := s.opt.Risk.FamilyCaps[fam]
		share := 0.0
		if c > 0 {
			share = 100 * val / c
		}
		v.Families = append(v.Families, FamilyBar{Family: fam, Value: val, Cap: c, Share: share})
	}
	sort.Slice(v.Families, func(i, j int) bool { return v.Families[i].Value > v.Families[j].Value })

	// Events: one pass for the timeline, the activity chart and locations.
	ring := make([]model.Event, 0, timelineLen)
	var times []time.Time
	obs := map[string]*LocCount{}
	addLoc := func(info *model.IPInfo, src string) {
		if info == nil || (info.Country == "" && info.City == "") {
			return
		}
		place := placeName(info.City, info.Region, info.Country)
		flag := ""
		switch {
		case info.VPNOperator != "":
			flag = "VPN " + info.VPNOperator
		case info.VPN:
			flag = "VPN"
		case info.Tor:
			flag = "Tor"
		case info.Proxy:
			flag = "proxy"
		case info.Hosting:
			flag = "hosting"
		}
		k := place + "|" + src + "|" + flag
		lc := obs[k]
		if lc == nil {
			lc = &LocCount{Place: place, Source: src, Flag: flag, Match: locMatch(sub.Address, info.City, info.Region, info.Country)}
			obs[k] = lc
		}
		lc.Count++
	}
	err = st.EachEvent(ctx, t, store.EventQuery{SubjectID: id}, func(e model.Event) error {
		v.EventCount++
		if len(ring) == timelineLen {
			copy(ring, ring[1:])
			ring = ring[:timelineLen-1]
		}
		ring = append(ring, e)
		switch e.Kind {
		case model.EvSignIn:
			if e.SignIn != nil {
				times = append(times, e.Time)
				addLoc(e.SignIn.IPInfo, "sign-in")
			}
		case model.EvEndpoint:
			times = append(times, e.Time)
		case model.EvInterview:
			if e.Interview != nil {
				addLoc(e.Interview.IPInfo, "interview")
			}
		case model.EvShipment:
			if e.Shipment != nil {
				a := e.Shipment.Address
				place := placeName(a.City, a.Region, a.Country)
				if place != "" {
					k := place + "|shipment|"
					if obs[k] == nil {
						obs[k] = &LocCount{Place: place, Source: "shipment", Match: locMatch(sub.Address, a.City, a.Region, a.Country)}
					}
					obs[k].Count++
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", id, err)
	}
	for i := len(ring) - 1; i >= 0; i-- {
		v.Events = append(v.Events, ring[i])
	}
	for _, lc := range obs {
		v.Observed = append(v.Observed, *lc)
	}
	sort.Slice(v.Observed, func(i, j int) bool {
		if v.Observed[i].Count != v.Observed[j].Count {
			return v.Observed[i].Count > v.Observed[j].Count
		}
		return v.Observed[i].Place < v.Observed[j].Place
	})
	a := sub.Address
	v.Claimed = placeName(a.City, a.Region, a.Country)
	v.Activity = activity(times, sub.ClaimedTimezone)
	v.HourSVG = hourChartSVG(v.Activity)
	if v.Graph, err = s.graph(ctx, id, v.Masked); err != nil {
		return nil, err
	}
	v.GraphSVG = graphSVG(sub, v.Graph)
	if v.Cases, err = st.ListCases(ctx, t, store.CaseFilter{SubjectID: id}); err != nil {
		return nil, err
	}
	if !v.Masked {
		if v.Identifiers, err = st.IdentifiersOf(ctx, t, id); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (s *Server) reasonViews(r model.Risk, mine map[string]string, masked bool) []ReasonView {
	max := 0.0
	for _, re := range r.Reasons {
		if re.Contribution > max {
			max = re.Contribution
		}
	}
	out := make([]ReasonView, 0, len(r.Reasons))
	for _, re := range r.Reasons {
		w, src := s.scorer.WeightSource(re.Code, 0)
		rv := ReasonView{Reason: re, Weight: w, Source: src, Links: s.evidenceLinks(re.Evidence, masked), Feedback: mine[re.Code]}
		if d, ok := s.opt.Reasons[re.Code]; ok {
			rv.Catalog = d.Catalogue
		}
		if max > 0 {
			rv.Share = 100 * re.Contribution / max
		}
		out = append(out, rv)
	}
	return out
}

func isNotFound(err error) bool { return err != nil && errCode(err) == 404 }

func placeName(parts ...string) string {
	return strings.Join(nonEmpty(append([]string(nil), parts...)), ", ")
}
