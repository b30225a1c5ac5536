// Package demo generates a realistic synthetic organisation with hidden DPRK
// IT-worker cells and hard negatives, writes it as input files in the real
// formats (Okta System Log, osquery result logs, HR/payroll/shipping/
// interview/device records, IP databases, an OFAC list extract), and keeps
// the ground truth so a run can be scored for precision and recall.
//
// The cells follow ../shared/docs/threat-catalogue.md: a laptop farm (N04,
// O02, E04, F01, N05), VPN-routed remote workers (N01, N09, O06, E03, E06,
// E11, F03, F04), an applicant ring (A05, A15, A22, A23), a staffing-vendor
// front (A21, F07) and a sanctioned-name applicant (F07). Everyone's name is
// drawn from one pool: a name never carries the label.
package demo

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"time"
)

// Options control the generated organisation.
type Options struct {
	Seed       int64
	Workers    int
	Applicants int
	Days       int
	// End is the last instant of the window (default 2026-11-01T00:00Z, fixed
	// so that runs with the same seed are identical).
	End time.Time
}

// DefaultEnd is the fixed end of the demo window.
var DefaultEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 1000
	}
	if o.Workers < 100 {
		o.Workers = 100 // room for the planted cells and look-alikes
	}
	if o.Applicants < 0 {
		o.Applicants = 0
	}
	if o.Days <= 0 {
		o.Days = 60
	}
	if o.Days < 14 {
		o.Days = 14 // room for a hire, a trip and a move inside the window
	}
	if o.End.IsZero() {
		o.End = DefaultEnd
	}
}

type device struct {
	ID, Serial, Hostname, Platform string
	Enrolled                       time.Time
	Apps                           []string // installed application names
	Procs                          []proc
	USB                            []usb
	Displays                       []string // EDID monitor names
	TZ                             string
	Layouts                        []string // Windows KLIDs or macOS input source names
	Locale                         string
	Egress                         netip.Addr
}

type proc struct{ Name, Path, Cmdline string }
type usb struct{ VendorID, ProductID, Vendor, Model string }

type bank struct {
	Routing, Account, Holder, Country, Rail, Asset, Crypto string
}

type trip struct {
	City       City
	Start, End time.Time
}

type person struct {
	ID, Kind, Name, Email, Phone, DOB string
	Line, PostalCode                  string
	City                              City
	Hire, End                         *time.Time
	Status, Role, Manager, Referrer   string
	Source, Vendor, Resume, GitHub    string
	Logins                            []string

	// behaviour
	schedule  string         // day | night | remote
	opTZ      *time.Location // where the working day really happens
	homeIP    netip.Addr
	ipPlan    func(r *rand.Rand, day time.Time) (netip.Addr, City)
	corpShare float64 // share of sessions through the corporate VPN
	mfa       string
	longSess  bool // keeps one session open for days
	dev       *device
	banks     []bankChange
	ships     []shipment
	trips     []trip
	moved     *move
	ivs       []interview

	cell string // "" for legitimate people
	neg  string // hard-negative kind, "" if none
}

type bankChange struct {
	At time.Time
	B  bank
}

type shipment struct {
	ID, Item, Serial, Line, PostalCode string
	City                               City
	At                                 time.Time
	Status                             string
}

type move struct {
	At         time.Time
	From       City
	FromLine   string
	FromPostal string
	FromHomeIP netip.Addr
}

type interview struct {
	At               time.Time
	Step, Result, IP string
	Camera           float64
	HasCamera        bool
	Notes            string
}

// org is the generated world.
type org struct {
	opt        Options
	start, end time.Time
	people     []*person
	byID       map[string]*person
	truth      Truth
	r          *rand.Rand
	usedIDs    map[string]bool
	usedMail   map[string]bool
	signins    []signin
}

// uniqueEmail makes an address no one else in the organisation has: a
// company never gives two people one mailbox.
func (o *org) uniqueEmail(first, last, domain string) string {
	for i := 0; ; i++ {
		e := emailFor(first, last, domain, o.r)
		if i > 0 {
			local, dom, _ := strings.Cut(e, "@")
			e = fmt.Sprintf("%s%d@%s", local, i+1, dom)
		}
		if !o.usedMail[e] {
			o.usedMail[e] = true
			return e
		}
	}
}

func newOrg(opt Options) *org {
	opt.defaults()
	o := &org{opt: opt, end: opt.End, start: opt.End.AddDate(0, 0, -opt.Days), byID: map[string]*person{}, usedIDs: map[string]bool{}, usedMail: map[string]bool{},
		r: rand.New(rand.NewPCG(uint64(opt.Seed), 0x9e3779b97f4a7c15))}
	return o
}

func (o *org) add(p *person) *person {
	o.people = append(o.people, p)
	o.byID[p.ID] = p
	return p
}

// nextID draws an unused random ID, so that an ID's position says nothing
// about who was planted.
func (o *org) nextID(prefix string) string {
	for {
		id := fmt.Sprintf("%s%05d", prefix, 10000+o.r.IntN(90000))
		if !o.usedIDs[id] {
			o.usedIDs[id] = true
			return id
		}
	}
}

func (o *org) name() (first, last string) { return pick(o.r, firstNames), pick(o.r, lastNames) }

func emailFor(first, last, domain string, r *rand.Rand) string {
	f := strings.ToLower(strings.ReplaceAll(first, "-", ""))
	l := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(last, "'", ""), " ", ""))
	switch r.IntN(3) {
	case 0:
		return fmt.Sprintf("%s.%s@%s", f, l, domain)
	case 1:
		return fmt.Sprintf("%s%s%d@%s", f[:1], l, r.IntN(90)+10, domain)
	}
	return fmt.Sprintf("%s_%s@%s", f, l, domain)
}

func phoneFor(c City, r *rand.Rand) string {
	switch c.Country {
	case "US", "CA":
		return fmt.Sprintf("+1 %03d-555-%04d", 200+r.IntN(700), r.IntN(10000))
	case "GB":
		return fmt.Sprintf("+44 7700 9%05d", r.IntN(100000))
	case "DE":
		return fmt.Sprintf("+49 151 %08d", r.IntN(100000000))
	case "KR":
		return fmt.Sprintf("+82 10-%04d-%04d", r.IntN(10000), r.IntN(10000))
	case "JP":
		return fmt.Sprintf("+81 90-%04d-%04d", r.IntN(10000), r.IntN(10000))
	case "IN":
		return fmt.Sprintf("+91 98%08d", r.IntN(100000000))
	case "BR":
		return fmt.Sprintf("+55 11 9%04d-%04d", r.IntN(10000), r.IntN(10000))
	case "MX":
		return fmt.Sprintf("+52 55 %04d %04d", r.IntN(10000), r.IntN(10000))
	case "FR":
		return fmt.Sprintf("+33 6 %02d %02d %02d %02d", r.IntN(100), r.IntN(100), r.IntN(100), r.IntN(100))
	}
	return fmt.Sprintf("+48 5%02d %03d %03d", r.IntN(100), r.IntN(1000), r.IntN(1000))
}

func resumeFor(r *rand.Rand, role string, school City, years int) string {
	sk := make([]string, 0, 6)
	for len(sk) < 6 {
		s := pick(r, skills)
		dup := false
		for _, x := range sk {
			dup = dup || x == s
		}
		if !dup {
			sk = append(sk, s)
		}
	}
	e1, e2 := pick(r, employers), pick(r, employers)
	return fmt.Sprintf("%s with %d years of experience. Skills: %s. Experience: %s (%d-%d), %s (%d-present). Education: B.S. Computer Science, %s.",
		role, years, strings.Join(sk, ", "), e1, 2026-years, 2026-years/2, e2, 2026-years/2, schoolFor(r, school))
}

func schoolFor(r *rand.Rand, c City) string {
	switch c.Country {
	case "CA":
		return "University of Toronto"
	case "PL":
		return "University of Warsaw"
	case "IN":
		return "IIT Bombay"
	case "BR":
		return "University of Sao Paulo"
	case "KR":
		return "Seoul National University"
	case "JP":
		return "University of Tokyo"
	}
	return pick(r, schools[:9])
}

func (o *org) randDOB() string {
	return time.Date(1965+o.r.IntN(36), time.Month(1+o.r.IntN(12)), 1+o.r.IntN(28), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}

func (o *org) newBank(holder string, c City) bank {
	rail := "ach"
	if c.Country != "US" {
		rail = "wire"
	}
	return bank{Routing: fmt.Sprintf("%09d", 10000000+o.r.IntN(89999999)), Account: fmt.Sprintf("%012d", o.r.Int64N(1e12)),
		Holder: holder, Country: c.Country, Rail: rail}
}

func (o *org) newDevice(p *person, enrolled time.Time) *device {
	plat := "darwin"
	if o.r.Float64() < 0.4 {
		plat = "windows"
	}
	serial := fmt.Sprintf("C02%c%c%06d", 'A'+rune(o.r.IntN(26)), 'A'+rune(o.r.IntN(26)), o.r.IntN(1000000))
	if plat == "windows" {
		serial = fmt.Sprintf("PF%c%06d", 'A'+rune(o.r.IntN(26)), o.r.IntN(1000000))
	}
	host := strings.ToLower(fmt.Sprintf("lt-%s-%04d", strings.ReplaceAll(strings.ToLower(p.ID), "_", ""), o.r.IntN(10000)))
	d := &device{ID: "dev-" + strings.ToLower(p.ID), Serial: serial, Hostname: host, Platform: plat, Enrolled: enrolled,
		TZ: p.City.TZ, Locale: localeFor(p.City.Country)}
	d.Apps = []string{"Google Chrome", "Slack", "Zoom", "Visual Studio Code", "1Password"}
	if plat == "darwin" {
		d.USB = []usb{{"0x05ac", "0x0342", "Apple Inc.", "Apple Internal Keyboard / Trackpad"}, {"0x046d", "0xc52b", "Logitech", "USB Receiver"}}
		d.Layouts = []string{"com.apple.keylayout.US"}
	} else {
		d.USB = []usb{{"0x046d", "0xc52b", "Logitech", "USB Receiver"}, {"0x8087", "0x0026", "Intel Corp.", "AX201 Bluetooth"}}
		d.Layouts = []string{"00000409"}
	}
	switch p.City.Country {
	case "DE":
		d.Layouts = []string{layout(plat, "German")}
	case "FR":
		d.Layouts = []string{layout(plat, "French")}
	case "KR":
		d.Layouts = append(d.Layouts, layout(plat, "Korean"))
	case "JP":
		d.Layouts = append(d.Layouts, layout(plat, "Japanese"))
	case "PL":
		d.Layouts = []string{layout(plat, "Polish")}
	case "BR":
		d.Layouts = []string{layout(plat, "Brazilian")}
	}
	d.Egress = p.homeIP
	p.dev = d
	return d
}

func layout(plat, lang string) string {
	win := map[string]string{"German": "00000407", "French": "0000040c", "Korean": "00000412", "Japanese": "00000411", "Polish": "00000415", "Brazilian": "00000416", "US": "00000409"}
	mac := map[string]string{"German": "com.apple.keylayout.German", "French": "com.apple.keylayout.French",
		"Korean": "com.apple.inputmethod.Korean.2SetKorean", "Japanese": "com.apple.inputmethod.Kotoeri.RomajiTyping.Japanese",
		"Polish": "com.apple.keylayout.PolishPro", "Brazilian": "com.apple.keylayout.Brazilian-ABNT2", "US": "com.apple.keylayout.US"}
	if plat == "windows" {
		return win[lang]
	}
	return mac[lang]
}

func localeFor(cc string) string {
	m := map[string]string{"US": "en_US", "CA": "en_CA", "GB": "en_GB", "DE": "de_DE", "PL": "pl_PL", "BR": "pt_BR", "IN": "en_IN", "KR": "ko_KR", "JP": "ja_JP", "MX": "es_MX", "FR": "fr_FR"}
	if l, ok := m[cc]; ok {
		return l
	}
	return "en_US"
}

func (o *org) pickHome() City {
	if o.r.Float64() < 0.85 {
		return pick(o.r, usCities)
	}
	return pick(o.r, intlCities[:9])
}

// newWorker makes an ordinary, legitimate worker.
func (o *org) newWorker(kind string) *person {
	first, last := o.name()
	c := o.pickHome()
	p := &person{ID: o.nextID("W"), Kind: kind, Name: first + " " + last, DOB: o.randDOB(), City: c,
		Line: streetAddress(o.r), PostalCode: postal(o.r, c), Status: "active", Role: pick(o.r, roles),
		schedule: "day", corpShare: 0.15 + o.r.Float64()*0.2, Source: pick(o.r, []string{"job_board", "referral", "recruiter", "careers_site"})}
	p.Email = o.uniqueEmail(first, last, "example.com")
	p.Logins = []string{p.Email}
	p.Phone = phoneFor(c, o.r)
	p.opTZ = mustLoc(c.TZ)
	hire := o.start.AddDate(0, 0, -30-o.r.IntN(1500))
	if o.r.Float64() < 0.06 { // hired during the window
		hire = o.start.AddDate(0, 0, o.r.IntN(max(1, o.opt.Days-7)))
	}
	hire = time.Date(hire.Year(), hire.Month(), hire.Day(), 0, 0, 0, 0, time.UTC)
	p.Hire = &hire
	p.Resume = resumeFor(o.r, p.Role, c, 3+o.r.IntN(15))
	if o.r.Float64() < 0.5 {
		p.GitHub = strings.ToLower(strings.ReplaceAll(first+last, "-", "")) + fmt.Sprint(o.r.IntN(100))
	}
	p.homeIP = hostIn(c.Block, o.r)
	p.mfa = "guo" + model16(o.r)
	o.newDevice(p, hire.Add(-48*time.Hour))
	p.banks = []bankChange{{At: hire, B: o.newBank(p.Name, c)}}
	p.ships = []shipment{{ID: "SHP-" + p.ID, Item: "laptop", Serial: p.dev.Serial, Line: p.Line, PostalCode: p.PostalCode, City: c, At: hire.Add(-72 * time.Hour), Status: "delivered"}}
	if hire.After(o.start.AddDate(0, 0, -30)) {
		p.ivs = o.cleanInterviews(hire.AddDate(0, 0, -20), p.homeIP.String())
	}
	p.ipPlan = func(r *rand.Rand, day time.Time) (netip.Addr, City) { return p.homeIP, p.City }
	return p
}

func model16(r *rand.Rand) string {
	const al = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 16)
	for i := range b {
		b[i] = al[r.IntN(len(al))]
	}
	return string(b)
}

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func (o *org) cleanInterviews(at time.Time, ip string) []interview {
	return []interview{
		{At: at, Step: "video_interview", Result: "pass", IP: ip, Camera: 0.85 + o.r.Float64()*0.15, HasCamera: true},
		{At: at.AddDate(0, 0, 3), Step: "id_document", Result: "pass"},
		{At: at.AddDate(0, 0, 4), Step: "liveness", Result: "pass"},
		{At: at.AddDate(0, 0, 7), Step: "reference_check", Result: "pass"},
		{At: at.AddDate(0, 0, 9), Step: "background_check", Result: "pass"},
	}
}

func (o *org) newApplicant() *person {
	first, last := o.name()
	c := o.pickHome()
	p := &person{ID: o.nextID("A"), Kind: "applicant", Name: first + " " + last, DOB: o.randDOB(), City: c,
		Line: streetAddress(o.r), PostalCode: postal(o.r, c), Status: pick(o.r, []string{"applied", "interviewing", "offer", "rejected"}),
		Role: pick(o.r, roles), Source: pick(o.r, []string{"job_board", "referral", "recruiter", "careers_site", "linkedin"})}
	p.Email = o.uniqueEmail(first, last, pick(o.r, []string{"gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com"}))
	p.Phone = phoneFor(c, o.r)
	p.Resume = resumeFor(o.r, p.Role, c, 2+o.r.IntN(15))
	p.homeIP = hostIn(c.Block, o.r)
	if p.Status != "applied" {
		at := o.start.AddDate(0, 0, o.r.IntN(o.opt.Days))
		p.ivs = o.cleanInterviews(at, p.homeIP.String())[:1+o.r.IntN(3)]
	}
	return p
}
