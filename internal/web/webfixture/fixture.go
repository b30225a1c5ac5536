// Package webfixture builds a small synthetic organisation in a store for
// the web tests, the browser test and the web benchmarks, so that they do
// not depend on the demo generator. Suspicious "cells" share a bank account
// and a shipping address, sign in through Astrill and have an IP-KVM.
package webfixture

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/redflag-dev/redflag/internal/cases"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/risk"
	"github.com/redflag-dev/redflag/internal/store"
)

// Reasons are the reason codes the fixture's findings use.
var Reasons = map[string]model.ReasonDef{
	"END_IPKVM_USB":    {Code: "END_IPKVM_USB", Title: "IP-KVM device attached to the company laptop", Family: model.FamEndpoint, Strength: model.Strong, Catalogue: []string{"E04"}},
	"NET_VPN_ASTRILL":  {Code: "NET_VPN_ASTRILL", Title: "Signs in through Astrill VPN", Family: model.FamNetwork, Strength: model.Strong, Catalogue: []string{"N01"}},
	"PAY_SHARED_BANK":  {Code: "PAY_SHARED_BANK", Title: "Salary paid into an account shared with other workers", Family: model.FamPayroll, Strength: model.Strong, Catalogue: []string{"F01"}},
	"SHIP_SHARED_ADDR": {Code: "SHIP_SHARED_ADDR", Title: "Laptop shipped to an address shared with other hires", Family: model.FamShipping, Strength: model.Strong, Catalogue: []string{"O02"}},
	"BEH_OFF_HOURS":    {Code: "BEH_OFF_HOURS", Title: "Activity hours fit UTC+9, not the claimed zone", Family: model.FamBehaviour, Strength: model.Moderate, Catalogue: []string{"N09"}},
}

// Fixture is what Build made.
type Fixture struct {
	Subjects   int
	Events     int
	Suspicious []string // subject IDs in cells
	XSSSubject string   // subject whose name holds a <script> tag
	Now        time.Time
}

// XSSName is the hostile name of Fixture.XSSSubject.
const XSSName = `<script>alert("xss")</script> Mallory`

// Build writes n subjects (at least 12) with events, identifiers and
// findings, scores them and opens cases at level high. eventsPer sets the
// sign-ins per ordinary subject.
func Build(ctx context.Context, st store.Store, n, eventsPer int, now time.Time) (Fixture, error) {
	if n < 12 {
		n = 12
	}
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	fx := Fixture{Now: now}
	first := []string{"Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Drew", "Harper"}
	last := []string{"Smith", "Garcia", "Miller", "Davis", "Lopez", "Wilson", "Moore", "Clark", "Lewis", "Young", "Hall", "Allen"}
	cities := []struct{ city, region, tz string }{{"Austin", "TX", "America/Chicago"}, {"Seattle", "WA", "America/Los_Angeles"}, {"Boston", "MA", "America/New_York"}, {"Denver", "CO", "America/Denver"}}
	var subs []model.Subject
	var ids []model.Identifier
	var evs []model.Event
	var findings []model.Finding
	flush := func(force bool) error {
		if len(subs) >= 2000 || force {
			if err := st.UpsertSubjects(ctx, subs); err != nil {
				return fmt.Errorf("subjects: %w", err)
			}
			subs = subs[:0]
		}
		if len(ids) >= 5000 || force {
			if err := st.PutIdentifiers(ctx, ids); err != nil {
				return fmt.Errorf("identifiers: %w", err)
			}
			ids = ids[:0]
		}
		if len(evs) >= 5000 || force {
			if _, err := st.PutEvents(ctx, evs); err != nil {
				return fmt.Errorf("events: %w", err)
			}
			evs = evs[:0]
		}
		return nil
	}
	hire := now.AddDate(0, -2, 0)
	cell := 0
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("p%05d", i)
		c := cities[i%len(cities)]
		s := model.Subject{
			ID: id, Kind: model.KindEmployee, FullName: first[i%len(first)] + " " + last[(i/len(first))%len(last)],
			Email: fmt.Sprintf("%s@example.com", id), Phone: fmt.Sprintf("+1 512 555 %04d", i%10000), DateOfBirth: "1990-04-12",
			Address:         model.Address{Line: fmt.Sprintf("%d Elm St", 10+i), City: c.city, Region: c.region, PostalCode: "78701", Country: "US"},
			ClaimedTimezone: c.tz, HireDate: &hire, Status: "active", Role: "Software engineer", IdPLogins: []string{id + "@example.com"}, UpdatedAt: now,
		}
		suspicious := i%50 == 3 || i == 1 || i == 2 || i == 5
		if i == 4 {
			s.FullName = XSSName
			fx.XSSSubject = id
		}
		subs = append(subs, s)
		ids = append(ids,
			model.Identifier{Kind: model.IDEmail, Value: s.Email, SubjectID: id, Source: "fixture", FirstSeen: hire, LastSeen: now},
			model.Identifier{Kind: model.IDPhone, Value: s.Phone, SubjectID: id, Source: "fixture", FirstSeen: hire, LastSeen: now},
			model.Identifier{Kind: model.IDDevice, Value: "dev-" + id, SubjectID: id, Source: "fixture", FirstSeen: hire, LastSeen: now},
		)
		k := eventsPer
		loc, _ := time.LoadLocation(c.tz)
		for j := 0; j < k; j++ {
			day := now.AddDate(0, 0, -1-j%40)
			hour := 9 + rng.IntN(9)
			info := &model.IPInfo{IP: fmt.Sprintf("198.51.%d.%d", i%200, j%250), Country: "US", City: c.city, ASN: 7922, ASOrg: "Comcast", Residential: true}
			if suspicious {
				hour = (hour + 14) % 24 // works Korean hours
				if j%3 == 0 {
					info = &model.IPInfo{IP: "203.0.113.77", Country: "JP", City: "Tokyo", VPN: true, VPNOperator: "astrill", ASN: 64512, ASOrg: "Astrill"}
				}
			}
			t := time.Date(day.Year(), day.Month(), day.Day(), hour, rng.IntN(60), 0, 0, loc).UTC()
			evs = append(evs, model.Event{ID: fmt.Sprintf("e_%s_%03d", id, j), Kind: model.EvSignIn, Time: t, SubjectID: id, Source: "okta", SourceRef: fmt.Sprintf("okta.jsonl:%d", i*k+j+1),
				SignIn: &model.SignIn{Provider: "okta", Login: s.Email, EventType: "user.session.start", Outcome: "success", IP: info.IP, IPInfo: info},
				Raw:    []byte(fmt.Sprintf(`{"eventType":"user.session.start","actor":{"alternateId":%q},"client":{"ipAddress":%q}}`, s.Email, info.IP))})
			fx.Events++
		}
		if suspicious {
			fx.Suspicious = append(fx.Suspicious, id)
			group := fmt.Sprintf("cell%d", cell/3)
			cell++
			kvm := model.Event{ID: "e_kvm_" + id, Kind: model.EvEndpoint, Time: now.AddDate(0, 0, -3), SubjectID: id, Source: "osquery", SourceRef: "osquery.log:1",
				Endpoint: &model.EndpointObs{HostIdentifier: "lt-" + id, Query: "usb_devices", Action: "added", Columns: map[string]string{"vendor_id": "1d6b", "model_id": "0104", "model": "PiKVM Composite"}}}
			pay := model.Event{ID: "e_pay_" + id, Kind: model.EvPayroll, Time: now.AddDate(0, 0, -10), SubjectID: id, Source: "records/payroll", SourceRef: "payroll.csv:2",
				Payroll: &model.Payroll{Event: "account_changed", AccountFP: "fp_" + group, AccountHolder: "Yanbian Holdings", Rail: "ach", BankCountry: "US"}}
			ship := model.Event{ID: "e_ship_" + id, Kind: model.EvShipment, Time: hire, SubjectID: id, Source: "records/shipments", SourceRef: "shipments.csv:2",
				Shipment: &model.Shipment{ShipmentID: "sh_" + id, Item: "laptop", Status: "delivered", Address: model.Address{Line: "77 Farm Rd", City: "Nashville", Region: "TN", Country: "US"}}}
			evs = append(evs, kvm, pay, ship)
			fx.Events += 3
			ids = append(ids,
				model.Identifier{Kind: model.IDBank, Value: "fp_" + group, SubjectID: id, Source: "fixture", FirstSeen: hire, LastSeen: now},
				model.Identifier{Kind: model.IDShipAddr, Value: "77 farm rd|nashville|tn||us", SubjectID: id, Source: "fixture", FirstSeen: hire, LastSeen: now},
			)
			mk := func(code, key string, at time.Time, ev ...model.EvidenceRef) {
				f := model.NewFinding("fixture", Reasons[code], id, key, at)
				f.Evidence = ev
				findings = append(findings, f)
			}
			if cell%3 != 2 { // not every cell member has the KVM: scores differ
				mk("END_IPKVM_USB", "kvm", kvm.Time, model.EvidenceRef{Kind: model.EvEvent, ID: kvm.ID, Note: "USB 1d6b:0104 PiKVM Composite"})
			}
			mk("NET_VPN_ASTRILL", "vpn", now.AddDate(0, 0, -1), model.EvidenceRef{Kind: model.EvEvent, ID: fmt.Sprintf("e_%s_%03d", id, 0), Note: "203.0.113.77 Astrill"})
			mk("PAY_SHARED_BANK", group, pay.Time, model.EvidenceRef{Kind: model.EvEvent, ID: pay.ID}, model.EvidenceRef{Kind: model.EvIdentifier, ID: "bank_account:fp_" + group, Note: "account shared by the cell"})
			if cell%2 == 1 {
				continue
			}
			mk("SHIP_SHARED_ADDR", "ship", ship.Time, model.EvidenceRef{Kind: model.EvEvent, ID: ship.ID}, model.EvidenceRef{Kind: model.EvIdentifier, ID: "ship_address:77 farm rd|nashville|tn||us"})
			mk("BEH_OFF_HOURS", "hours", now.AddDate(0, 0, -1), model.EvidenceRef{Kind: model.EvSubject, ID: id, Note: "hour-of-day histogram"})
		} else if i%7 == 0 {
			f := model.NewFinding("fixture", Reasons["BEH_OFF_HOURS"], id, "hours", now.AddDate(0, 0, -30))
			f.Evidence = []model.EvidenceRef{{Kind: model.EvSubject, ID: id, Note: "hour-of-day histogram"}}
			f.Severity = 0.6
			findings = append(findings, f)
		}
		if err := flush(false); err != nil {
			return fx, err
		}
	}
	if err := flush(true); err != nil {
		return fx, err
	}
	fx.Subjects = n
	if err := st.ReplaceFindings(ctx, "", []string{"fixture"}, findings); err != nil {
		return fx, fmt.Errorf("findings: %w", err)
	}
	if _, err := Rescore(ctx, st, now); err != nil {
		return fx, err
	}
	if o, ok := st.(interface{ Optimize(context.Context) error }); ok {
		if err := o.Optimize(ctx); err != nil {
			return fx, err
		}
	}
	return fx, nil
}

// Rescore recomputes every subject's risk from stored findings, the way the
// pipeline does, and syncs cases at level high. It returns the risks.
func Rescore(ctx context.Context, st store.Store, now time.Time) ([]model.Risk, error) {
	scorer := risk.New(risk.DefaultConfig(), Reasons)
	byS := map[string][]model.Finding{}
	if err := st.EachFinding(ctx, "", func(f model.Finding) error { byS[f.SubjectID] = append(byS[f.SubjectID], f); return nil }); err != nil {
		return nil, err
	}
	prev := map[string]model.Level{}
	old, err := st.ListRisks(ctx, "", 0)
	if err != nil {
		return nil, err
	}
	for _, r := range old {
		prev[r.SubjectID] = r.Level
	}
	var risks []model.Risk
	err = st.EachSubject(ctx, "", func(s model.Subject) error {
		r := scorer.Score(s.ID, byS[s.ID], now, prev[s.ID])
		r.Tenant = model.DefaultTenant
		risks = append(risks, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := st.PutRisks(ctx, risks); err != nil {
		return nil, err
	}
	if _, err := cases.Sync(ctx, st, "", risks, cases.Policy{OpenAt: model.LevelHigh}, now); err != nil {
		return nil, err
	}
	return risks, nil
}
