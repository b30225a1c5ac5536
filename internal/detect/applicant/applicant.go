// Package applicant screens applicants (and checks the hiring record of new
// workers): sanctions hits, seized or front-company domains in the e-mail or
// portfolio URLs, disposable e-mail domains, VoIP or foreign phone numbers
// against the claimed location, interviews joined through a VPN or from
// another country, camera refused, failed or missing verification steps,
// and education or work-history countries that contradict the address (a
// weak signal). Reuse of identifiers across applicants is the identity
// detector's job (internal/detect/identity); Screen turns all findings of
// an applicant into a verdict of clear, review or block.
package applicant

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redflag-dev/redflag/internal/detect"
	idn "github.com/redflag-dev/redflag/internal/identity"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// Name is the detector name.
const Name = "applicant"

func def(code, title string, st model.Strength, cat ...string) model.ReasonDef {
	return model.ReasonDef{Code: code, Title: title, Family: model.FamApplicant, Strength: st, Catalogue: cat}
}

// Reason definitions.
var (
	SeizedDomain      = def("APP_SEIZED_DOMAIN", "E-mail or portfolio on a seized or front-company domain", model.Strong, "A08", "F07")
	DisposableEmail   = def("APP_DISPOSABLE_EMAIL", "E-mail address on a disposable (throw-away) domain", model.Moderate, "A07")
	VoIPPhone         = def("APP_VOIP_PHONE", "Phone number is a VoIP number", model.Moderate, "A05")
	PhoneCountry      = def("APP_PHONE_COUNTRY_MISMATCH", "Phone number's country differs from the claimed address", model.Moderate, "A07")
	InterviewVPN      = def("APP_INTERVIEW_VPN", "Interview or verification joined through a VPN, proxy or hosting provider", model.Strong, "A15")
	InterviewCountry  = def("APP_INTERVIEW_COUNTRY_MISMATCH", "Interview joined from a country other than the claimed one", model.Strong, "A15")
	CameraRefused     = def("APP_CAMERA_REFUSED", "Refused to turn the camera on, or kept it off most of the interview", model.Moderate, "A16")
	VerificationFail  = def("APP_VERIFICATION_FAILED", "Failed an identity verification step (ID document, liveness, E-Verify, background)", model.Strong, "A14", "A16", "A19")
	VerificationRefus = def("APP_VERIFICATION_REFUSED", "Refused a verification step (e.g. in-person or notarised check)", model.Moderate, "A16", "A19")
	HiredUnverified   = def("APP_HIRED_UNVERIFIED", "Hired although a required verification step did not pass", model.Moderate, "A19")
	EducationCountry  = def("APP_EDUCATION_COUNTRY_MISMATCH", "Education or work history in a country other than the claimed address", model.Weak, "A11")
)

// Steps are the verification steps of the hiring checklist.
var Steps = []string{"video_interview", "id_document", "liveness", "in_person", "e_verify", "reference_check", "background_check"}

// Config tunes the detector (detectors.applicant).
type Config struct {
	// Required steps must pass before onboarding.
	Required []string `koanf:"required"`
	// CameraMinRatio: a video interview with the camera on less than this
	// share of the time counts as camera refused. Default 0.5.
	CameraMinRatio float64 `koanf:"camera_min_ratio"`
	// EducationCountry enables the weak resume-country check. Default true.
	EducationCountry bool `koanf:"education_country"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Required: []string{"video_interview", "id_document", "liveness", "background_check"}, CameraMinRatio: 0.5, EducationCountry: true}
}

// MetaDisposable is the store Meta key of the updated disposable-domain
// list (one domain per line), written by `redflag emaildomains update`.
const MetaDisposable = "lists/disposable_email_domains"

// Disposable returns the disposable-domain list: the stored one merged with
// the embedded seed.
func Disposable(ctx context.Context, st store.Store, tenant string) (*idn.DomainSet, error) {
	set := idn.SeedDisposable()
	if st == nil {
		return set, nil
	}
	b, ok, err := st.GetMeta(ctx, store.TenantOr(tenant), MetaDisposable)
	if err != nil {
		return nil, fmt.Errorf("read disposable e-mail domains: %w", err)
	}
	if ok {
		stored, err := idn.ParseDomainList(strings.NewReader(string(b)))
		if err != nil {
			return nil, err
		}
		set.Merge(stored)
	}
	return set, nil
}

func init() {
	detect.Register(Name, func(deps detect.Deps) (detect.Detector, error) {
		cfg := DefaultConfig()
		if deps.Config != nil {
			if err := deps.Config.Unmarshal("detectors."+Name, &cfg); err != nil {
				return nil, fmt.Errorf("detectors.%s: %w", Name, err)
			}
		}
		for _, s := range cfg.Required {
			if !validStep(s) {
				return nil, fmt.Errorf("detectors.%s.required: unknown step %q (want %s)", Name, s, strings.Join(Steps, ", "))
			}
		}
		disp, err := Disposable(context.Background(), deps.Store, "")
		if err != nil {
			return nil, err
		}
		return New(cfg, disp, LookupsFrom(deps.Services)), nil
	})
}

func validStep(s string) bool {
	for _, x := range Steps {
		if x == s {
			return true
		}
	}
	return false
}

// StepResult is the latest result of one verification step.
type StepResult struct {
	Step   string `json:"step"`
	Result string `json:"result"` // pass|fail|refused|not_done, or "missing"
	Event  string `json:"event,omitempty"`
}

// Detector is the applicant-screening detector.
type Detector struct {
	cfg   Config
	disp  *idn.DomainSet
	lists Lookups
	steps map[string]map[string]StepResult // subject -> step -> latest
	// interview findings are emitted in Observe; the checklist in Finish
}

// New returns a detector.
func New(cfg Config, disp *idn.DomainSet, lists Lookups) *Detector {
	if disp == nil {
		disp = idn.SeedDisposable()
	}
	return &Detector{cfg: cfg, disp: disp, lists: lists, steps: map[string]map[string]StepResult{}}
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// Reasons implements detect.Detector.
func (d *Detector) Reasons() []model.ReasonDef {
	return []model.ReasonDef{SeizedDomain, DisposableEmail, VoIPPhone, PhoneCountry, InterviewVPN, InterviewCountry,
		CameraRefused, VerificationFail, VerificationRefus, HiredUnverified, EducationCountry}
}

// Steps returns the latest result of each verification step per subject.
func (d *Detector) StepResults(subject string) map[string]StepResult { return d.steps[subject] }

// Observe implements detect.EventDetector: interview and verification events.
func (d *Detector) Observe(_ context.Context, env *detect.Env, ev *model.Event, emit detect.Emit) {
	iv := ev.Interview
	if iv == nil || ev.SubjectID == "" {
		return
	}
	m := d.steps[ev.SubjectID]
	if m == nil {
		m = map[string]StepResult{}
		d.steps[ev.SubjectID] = m
	}
	m[iv.Step] = StepResult{Step: iv.Step, Result: iv.Result, Event: ev.ID}
	s := env.Subject(ev.SubjectID)
	ref := []model.EvidenceRef{{Kind: model.EvEvent, ID: ev.ID, Note: iv.Step + ": " + iv.Result}}
	put := func(def model.ReasonDef, key string, details map[string]string, extra ...model.EvidenceRef) {
		f := model.NewFinding(Name, def, ev.SubjectID, key, ev.Time)
		f.Evidence = append(append([]model.EvidenceRef(nil), ref...), extra...)
		f.Details = details
		emit(f)
	}
	if info := iv.IPInfo; info != nil {
		if info.VPN || info.Proxy || info.Tor || info.Hosting || info.ProviderProxy {
			what := "VPN"
			switch {
			case info.VPNOperator != "":
				what = "VPN " + info.VPNOperator
			case info.Tor:
				what = "Tor"
			case info.Proxy || info.ProviderProxy:
				what = "proxy"
			case info.Hosting:
				what = "hosting provider " + info.ASOrg
			}
			put(InterviewVPN, ev.ID, map[string]string{"ip": info.IP, "via": what, "step": iv.Step},
				model.EvidenceRef{Kind: model.EvIndicator, ID: "ip:" + info.IP, Note: what})
		} else if s != nil && info.Country != "" && s.Address.Country != "" && !strings.EqualFold(info.Country, s.Address.Country) {
			put(InterviewCountry, ev.ID, map[string]string{"ip": info.IP, "ip_country": info.Country, "claimed_country": s.Address.Country, "step": iv.Step},
				model.EvidenceRef{Kind: model.EvIndicator, ID: "ip:" + info.IP, Note: "IP located in " + info.Country + ", claimed " + s.Address.Country})
		}
	}
	if iv.Step == "video_interview" {
		if iv.Result == "refused" {
			put(CameraRefused, ev.ID, map[string]string{"result": iv.Result, "notes": iv.Notes})
		} else if iv.CameraOnRatio != nil && *iv.CameraOnRatio < d.cfg.CameraMinRatio {
			put(CameraRefused, ev.ID, map[string]string{"camera_on_ratio": strconv.FormatFloat(*iv.CameraOnRatio, 'f', 2, 64), "notes": iv.Notes})
		}
	}
	switch iv.Result {
	case "fail":
		put(VerificationFail, ev.ID, map[string]string{"step": iv.Step, "notes": iv.Notes})
	case "refused":
		if iv.Step != "video_interview" {
			put(VerificationRefus, ev.ID, map[string]string{"step": iv.Step, "notes": iv.Notes})
		}
	}
}

// Finish implements detect.Finisher: per-subject record checks and the
// hired-without-verification check.
func (d *Detector) Finish(_ context.Context, env *detect.Env, emit detect.Emit) error {
	env.Subjects(func(s *model.Subject) { d.checkSubject(env, s, emit) })
	return nil
}

func (d *Detector) checkSubject(env *detect.Env, s *model.Subject, emit detect.Emit) {
	put := func(def model.ReasonDef, key string, details map[string]string, ev ...model.EvidenceRef) {
		f := model.NewFinding(Name, def, s.ID, key, env.Now)
		if s.HireDate != nil {
			f.Time = s.HireDate.UTC()
		}
		f.Evidence = append([]model.EvidenceRef{{Kind: model.EvSubject, ID: s.ID, Note: "person record"}}, ev...)
		f.Details = details
		emit(f)
	}
	// domains of the e-mail and portfolio URLs
	var domains []string
	if s.Email != "" {
		if e, err := idn.ParseEmail(s.Email); err == nil {
			domains = append(domains, e.Domain)
			if dd, ok := d.disp.Contains(e.Domain); ok {
				put(DisposableEmail, dd, map[string]string{"domain": e.Domain, "list_entry": dd},
					model.EvidenceRef{Kind: model.EvListEntry, ID: "disposable_email_domains:" + dd, Note: "disposable e-mail provider"})
			}
		}
	}
	for _, u := range URLs(s.ResumeText) {
		if dm := idn.DomainOf(u); dm != "" {
			domains = append(domains, dm)
		}
	}
	if d.lists.Domain != nil {
		seen := map[string]bool{}
		for _, dm := range domains {
			if seen[dm] {
				continue
			}
			seen[dm] = true
			if h, ok := d.lists.Domain.LookupDomain(dm); ok {
				put(SeizedDomain, dm, map[string]string{"domain": dm, "list": h.List, "entry": h.Entry},
					model.EvidenceRef{Kind: model.EvListEntry, ID: h.List + ":" + h.Entry, Note: h.Note})
			}
		}
	}
	// phone
	if s.Phone != "" {
		if p, err := idn.ParsePhone(s.Phone, s.Address.Country); err == nil {
			if p.IsVoIP() {
				put(VoIPPhone, p.E164, map[string]string{"phone": p.E164, "line_type": p.LineType, "carrier": p.Carrier},
					model.EvidenceRef{Kind: model.EvIdentifier, ID: "phone:" + p.E164, Note: "line type voip"})
			}
			if c := s.Address.Country; c != "" {
				if want := idn.CallingCodeFor(c); want != 0 && want != p.CallingCode {
					put(PhoneCountry, p.E164, map[string]string{"phone": p.E164, "phone_country": p.Country, "claimed_country": c},
						model.EvidenceRef{Kind: model.EvIdentifier, ID: "phone:" + p.E164, Note: "number from " + p.Country + ", address in " + c})
				}
			}
		}
	}
	// education / work-history countries
	if d.cfg.EducationCountry && s.ResumeText != "" && s.Address.Country != "" {
		var other []string
		for _, c := range ResumeCountries(s.ResumeText) {
			if !SameRegion(c, s.Address.Country) {
				other = append(other, c)
			}
		}
		if len(other) > 0 {
			put(EducationCountry, strings.Join(other, ","), map[string]string{"resume_countries": strings.Join(other, ","), "claimed_country": s.Address.Country})
		}
	}
	// hired although the checklist did not pass (only when there is a hiring record)
	if s.Kind != model.KindApplicant {
		if steps := d.steps[s.ID]; len(steps) > 0 {
			var missing []string
			var ev []model.EvidenceRef
			for _, st := range d.cfg.Required {
				r, ok := steps[st]
				if !ok {
					missing = append(missing, st+"=missing")
					continue
				}
				if r.Result != "pass" {
					missing = append(missing, st+"="+r.Result)
					ev = append(ev, model.EvidenceRef{Kind: model.EvEvent, ID: r.Event, Note: st + ": " + r.Result})
				}
			}
			if len(missing) > 0 {
				put(HiredUnverified, strings.Join(missing, ","), map[string]string{"steps": strings.Join(missing, ",")}, ev...)
			}
		}
	}
}

// Required lists the required verification steps.
func (d *Detector) Required() []string { return append([]string(nil), d.cfg.Required...) }
