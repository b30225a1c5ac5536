package demo

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strings"
	"time"
)

// Truth is the generator's ground truth.
type Truth struct {
	Seed      int64      `json:"seed"`
	DPRK      []string   `json:"dprk"`  // person_ids of planted DPRK IT workers
	Cells     []Cell     `json:"cells"` // how they were planted
	Negatives []Negative `json:"hard_negatives"`
}

// Cell is one planted group.
type Cell struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Members []string `json:"members"`
	Signals []string `json:"signals"` // threat-catalogue rows planted
	Notes   string   `json:"notes,omitempty"`
}

// Negative is a planted innocent look-alike.
type Negative struct {
	PersonID string `json:"person_id"`
	Kind     string `json:"kind"`
	Notes    string `json:"notes,omitempty"`
}

func (o *org) cell(c Cell) {
	o.truth.Cells = append(o.truth.Cells, c)
	o.truth.DPRK = append(o.truth.DPRK, c.Members...)
}

func (o *org) negative(p *person, kind, notes string) {
	p.neg = kind
	o.truth.Negatives = append(o.truth.Negatives, Negative{p.ID, kind, notes})
}

// remoteIPPlan: mostly Astrill or another VPN, sometimes the real Chinese
// address leaks through.
func remoteIPPlan(p *person, rng *rand.Rand, leak City) func(r *rand.Rand, day time.Time) (netip.Addr, City) {
	vpnA := hostIn(astrill1.Block, rng)
	vpnB := hostIn(astrill2.Block, rng)
	vpnO := hostIn(otherVPN.Block, rng)
	leakIP := hostIn(leak.Block, rng)
	return func(r *rand.Rand, day time.Time) (netip.Addr, City) {
		x := r.Float64()
		switch {
		case x < 0.55:
			return vpnA, astrill1
		case x < 0.75:
			return vpnB, astrill2
		case x < 0.9:
			return vpnO, otherVPN
		}
		return leakIP, leak
	}
}

func (o *org) plantLaptopFarm(n int, referralTargets *[]string) {
	fac := pick(o.r, usCities)
	facLine, facPostal := streetAddress(o.r), postal(o.r, fac)
	facIP := hostIn(fac.Block, o.r)
	facName := pick(o.r, firstNames) + " " + pick(o.r, lastNames)
	shared := o.newBank(facName, fac)
	sharedMFA := "guo" + model16(o.r)
	farmSession := 0
	var members []string
	for i := 0; i < 4; i++ {
		p := o.add(o.newWorker(pick(o.r, []string{"employee", "contractor"})))
		hire := o.start.AddDate(0, 0, -20-o.r.IntN(120))
		o.rehire(p, hire)
		p.cell = fmt.Sprintf("farm-%d", n)
		p.schedule = "remote"
		p.opTZ = mustLoc("Asia/Pyongyang")
		p.corpShare = 0
		p.homeIP = facIP // everyone's laptop sits in the facilitator's house
		p.ipPlan = func(r *rand.Rand, day time.Time) (netip.Addr, City) { return facIP, fac }
		p.longSess = true
		farmSession++
		p.dev.Enrolled = hire.Add(-48 * time.Hour)
		p.dev.Egress = facIP
		p.dev.Apps = append(p.dev.Apps, "AnyDesk")
		p.dev.Procs = append(p.dev.Procs, proc{"AnyDesk", anyDeskPath(p.dev.Platform), anyDeskPath(p.dev.Platform) + " --service"})
		if i == 0 {
			// The IP-KVM: a PiKVM USB gadget is the laptop's only keyboard/mouse.
			p.dev.USB = []usb{{"0x1d6b", "0x0104", "PiKVM", "PiKVM Composite Device"}}
			p.dev.Displays = []string{"PiKVM V4"}
		}
		if i == 1 {
			p.dev.Displays = []string{"TinyPilot"}
		}
		p.ships = []shipment{{ID: "SHP-" + p.ID, Item: "laptop", Serial: p.dev.Serial, Line: facLine, PostalCode: facPostal, City: fac, At: hire.Add(-72 * time.Hour), Status: "delivered"}}
		if i < 2 {
			p.banks = []bankChange{{At: hire, B: p.banks[0].B}, {At: hire.AddDate(0, 0, 9), B: shared}}
			p.mfa = sharedMFA
		}
		p.ivs = []interview{
			{At: hire.AddDate(0, 0, -21), Step: "video_interview", Result: "pass", IP: hostIn(astrill1.Block, o.r).String(), Camera: 0.2, HasCamera: true, Notes: "camera froze repeatedly"},
			{At: hire.AddDate(0, 0, -18), Step: "id_document", Result: "pass"},
			{At: hire.AddDate(0, 0, -15), Step: "in_person", Result: "refused", Notes: "cited family travel"},
		}
		members = append(members, p.ID)
	}
	*referralTargets = append(*referralTargets, members[0])
	o.cell(Cell{Name: fmt.Sprintf("farm-%d", n), Kind: "laptop_farm", Members: members,
		Signals: []string{"N04", "O02", "E04", "E01", "E02", "F01", "N05", "N09", "N07", "A01", "A15", "O04"},
		Notes:   fmt.Sprintf("laptops shipped to and signing in from a facilitator's home in %s, %s; workers keep Pyongyang office hours", fac.Name, fac.Region)})
}

// rehire moves a worker's hire date and everything that hangs on it.
func (o *org) rehire(p *person, hire time.Time) {
	hire = time.Date(hire.Year(), hire.Month(), hire.Day(), 0, 0, 0, 0, time.UTC)
	p.Hire = &hire
	p.dev.Enrolled = hire.Add(-48 * time.Hour)
	p.banks[0].At = hire
	p.ships[0].At = hire.Add(-72 * time.Hour)
	p.ivs = nil
}

func anyDeskPath(plat string) string {
	if plat == "windows" {
		return `C:\Program Files (x86)\AnyDesk\AnyDesk.exe`
	}
	return "/Applications/AnyDesk.app/Contents/MacOS/AnyDesk"
}

func (o *org) plantVPNWorkers(n int) {
	var members []string
	for i := 0; i < 3; i++ {
		p := o.add(o.newWorker("contractor"))
		hire := o.start.AddDate(0, 0, 5+o.r.IntN(max(1, o.opt.Days/3)))
		o.rehire(p, hire)
		p.cell = fmt.Sprintf("vpn-%d", n)
		p.schedule = "remote"
		p.opTZ = mustLoc("Asia/Shanghai")
		p.corpShare = 0
		leak := shenyang
		if i == 1 {
			leak = dandong
		}
		p.ipPlan = remoteIPPlan(p, o.r, leak)
		first := hostIn(leak.Block, o.r)
		p.dev.Enrolled = hire.Add(-24 * time.Hour)
		p.dev.Egress = hostIn(astrill1.Block, o.r)
		p.dev.TZ = "Asia/Shanghai"
		p.dev.Apps = append(p.dev.Apps, "Astrill VPN", "AnyDesk")
		crdStart := `"C:\Program Files (x86)\Google\Chrome Remote Desktop\CurrentVersion\remoting_start_host.exe" --code="4/0AX4XfWh" --redirect-url="https://remotedesktop.google.com/_/oauthredirect" --name=%COMPUTERNAME% --pin=246810`
		if p.dev.Platform == "darwin" {
			crdStart = `/Library/PrivilegedHelperTools/ChromeRemoteDesktopHost.app/Contents/MacOS/remoting_me2me_host --pin=246810 --headless`
		}
		p.dev.Procs = append(p.dev.Procs, proc{"remoting_start_host", "", crdStart}, proc{"AnyDesk", anyDeskPath(p.dev.Platform), anyDeskPath(p.dev.Platform)},
			proc{"astrill", "", "AstrillDialer.exe"})
		if i == 0 {
			p.dev.Layouts = append(p.dev.Layouts, layout(p.dev.Platform, "Korean"))
		}
		// First sign-ins of the new account come straight from China.
		p.ipPlan = firstDays(p.ipPlan, hire, 3, first, leak)
		b := o.newBank(p.Name, p.City)
		switch i {
		case 0:
			b.Rail, b.Routing, b.Account, b.Country = "payoneer", "PAYONEER", fmt.Sprintf("PY%010d", o.r.Int64N(1e10)), "HK"
		case 1:
			b = bank{Holder: p.Name, Rail: "crypto", Asset: "USDT", Crypto: "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE", Country: ""}
		case 2:
			// Paid to an address on the OFAC SDN list (LAZARUS GROUP).
			b = bank{Holder: p.Name, Rail: "crypto", Asset: "ETH", Crypto: "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"}
		}
		p.banks = []bankChange{{At: hire, B: b}}
		p.ivs = []interview{
			{At: hire.AddDate(0, 0, -14), Step: "video_interview", Result: "pass", IP: hostIn(astrill2.Block, o.r).String(), Camera: 0.05, HasCamera: true, Notes: "camera off, said webcam broken"},
			{At: hire.AddDate(0, 0, -12), Step: "id_document", Result: "not_done"},
			{At: hire.AddDate(0, 0, -10), Step: "background_check", Result: "pass"},
		}
		members = append(members, p.ID)
	}
	o.cell(Cell{Name: fmt.Sprintf("vpn-%d", n), Kind: "vpn_remote_workers", Members: members,
		Signals: []string{"N01", "N02", "N03", "N09", "O06", "E01", "E02", "E03", "E06", "E11", "F03", "F04", "A01", "A15"},
		Notes:   "new contractors working Shenyang/Dandong hours through Astrill; first sign-ins straight from China; Payoneer and crypto payouts, one to an OFAC-listed address"})
}

func firstDays(plan func(*rand.Rand, time.Time) (netip.Addr, City), hire time.Time, days int, ip netip.Addr, c City) func(*rand.Rand, time.Time) (netip.Addr, City) {
	cut := hire.AddDate(0, 0, days)
	return func(r *rand.Rand, day time.Time) (netip.Addr, City) {
		if day.Before(cut) {
			return ip, c
		}
		return plan(r, day)
	}
}

func (o *org) plantApplicantRing(n int, referrers []string) {
	phone := fmt.Sprintf("+1 %03d-555-%04d", 200+o.r.IntN(700), o.r.IntN(10000))
	base := resumeFor(o.r, "Senior Full-Stack Developer", usCities[0], 9)
	sharedMail := fmt.Sprintf("dev.%s%d@gmail.com", strings.ToLower(pick(o.r, lastNames)), o.r.IntN(1000))
	var members []string
	for i := 0; i < 5; i++ {
		p := o.add(o.newApplicant())
		p.cell = fmt.Sprintf("ring-%d", n)
		p.Phone = phone
		if i < 3 {
			// The same resume, lightly reworded.
			p.Resume = strings.Replace(base, "years of experience", []string{"years of experience", "years experience", "years of hands-on experience"}[i], 1)
		}
		if i == 1 || i == 2 {
			local, dom, _ := strings.Cut(sharedMail, "@")
			p.Email = []string{strings.ReplaceAll(local, ".", "") + "@" + dom, local + "+jobs@" + dom}[i-1]
		}
		if len(referrers) > 0 && i == 3 {
			p.Referrer = referrers[0]
			p.Source = "referral"
		}
		p.Status = "interviewing"
		at := o.start.AddDate(0, 0, o.r.IntN(max(1, o.opt.Days-5)))
		p.ivs = []interview{
			{At: at, Step: "video_interview", Result: "refused", IP: hostIn([]City{astrill1, shenyang, otherVPN}[i%3].Block, o.r).String(), Camera: 0, HasCamera: true, Notes: "declined to turn on camera"},
			{At: at.AddDate(0, 0, 2), Step: "id_document", Result: "fail", Notes: "document photo appears edited"},
		}
		members = append(members, p.ID)
	}
	// A rejected applicant who comes back under a new name with the same resume and phone.
	old := o.byID[members[0]]
	old.Status = "rejected"
	re := o.add(o.newApplicant())
	re.cell = fmt.Sprintf("ring-%d", n)
	re.Phone, re.Resume, re.Status = phone, old.Resume, "applied"
	members = append(members, re.ID)
	o.cell(Cell{Name: fmt.Sprintf("ring-%d", n), Kind: "applicant_ring", Members: members,
		Signals: []string{"A05", "A12", "A15", "A01", "A14", "A22", "A23"},
		Notes:   "several applicant names sharing one phone number, e-mail variants and resume text; one re-applies after rejection; one referred by a farm worker"})
}

func (o *org) plantVendorFront(n int) {
	var members []string
	for i := 0; i < 2; i++ {
		p := o.add(o.newWorker("contractor"))
		p.cell = fmt.Sprintf("vendor-%d", n)
		p.Vendor = "Yanbian Silver Star Network Technology Co."
		p.Source = "staffing_vendor"
		p.schedule = "remote"
		p.opTZ = mustLoc("Asia/Shanghai")
		p.corpShare = 0
		p.ipPlan = remoteIPPlan(p, o.r, vladivostok)
		members = append(members, p.ID)
	}
	o.cell(Cell{Name: fmt.Sprintf("vendor-%d", n), Kind: "staffing_vendor_front", Members: members,
		Signals: []string{"A21", "F07", "N01", "N09"}, Notes: "contractors supplied by a staffing vendor that is an alias of an OFAC-designated DPRK front company"})
}

func (o *org) plantSanctionedName() {
	p := o.add(o.newApplicant())
	p.Name = "Chong Song-hwa"
	p.DOB = "1970-02-05"
	p.Email = "songhwa.chong@outlook.com"
	p.cell = "sanctioned-name"
	p.Status = "applied"
	o.cell(Cell{Name: "sanctioned-name", Kind: "sanctioned_person", Members: []string{p.ID}, Signals: []string{"F07"},
		Notes: "an applicant whose name and birth date match an OFAC SDN entry (JONG, Song Hwa) under another romanisation"})
}

// Hard negatives: innocent people who look a little like the cells.
func (o *org) plantNegatives(workers []*person) {
	pickFree := func() *person {
		for {
			p := workers[o.r.IntN(len(workers))]
			if p.neg == "" && p.cell == "" && p.City.Country == "US" {
				return p
			}
		}
	}
	scale := max(1, o.opt.Workers/1000)
	for i := 0; i < 6*scale; i++ { // travellers, with registered travel
		p := pickFree()
		dest := pick(o.r, []City{intlCities[1], intlCities[7], intlCities[9], intlCities[8]})
		s := o.start.AddDate(0, 0, 5+o.r.IntN(max(1, o.opt.Days-15)))
		tr := trip{City: dest, Start: s, End: s.AddDate(0, 0, 5+o.r.IntN(5))}
		p.trips = append(p.trips, tr)
		hotel := hostIn(dest.Block, o.r)
		home := p.ipPlan
		p.ipPlan = func(r *rand.Rand, day time.Time) (netip.Addr, City) {
			if !day.Before(tr.Start) && day.Before(tr.End) {
				return hotel, dest
			}
			return home(r, day)
		}
		o.negative(p, "traveller", "signs in from "+dest.Name+" during a registered trip")
	}
	for i := 0; i < 8*scale; i++ { // night owls: evenings in their own zone, every weekday incl. Friday
		p := pickFree()
		p.schedule = "night"
		o.negative(p, "night_owl", "works late evenings in the claimed time zone")
	}
	for i := 0; i < 10*scale; i++ { // heavy corporate VPN users
		p := pickFree()
		p.corpShare = 0.95
		o.negative(p, "corporate_vpn", "almost every sign-in through the corporate VPN egress")
	}
	for i := 0; i < 3*scale; i++ { // families: two workers at one home, laptops shipped home
		a, b := pickFree(), pickFree()
		if a == b {
			continue
		}
		b.City, b.Line, b.PostalCode, b.homeIP = a.City, a.Line, a.PostalCode, a.homeIP
		b.Name = strings.Fields(b.Name)[0] + " " + strings.Fields(a.Name)[len(strings.Fields(a.Name))-1]
		b.opTZ = a.opTZ
		b.ipPlan = func(r *rand.Rand, day time.Time) (netip.Addr, City) { return a.homeIP, a.City }
		b.dev.Egress, b.dev.TZ = a.homeIP, a.City.TZ
		b.ships[0].Line, b.ships[0].PostalCode, b.ships[0].City = a.Line, a.PostalCode, a.City
		b.banks[0].B.Holder = b.Name
		o.negative(a, "family_same_home", "shares a home address and internet line with "+b.ID)
		o.negative(b, "family_same_home", "shares a home address and internet line with "+a.ID)
	}
	for i := 0; i < 2*scale; i++ { // moved house mid-window
		p := pickFree()
		nc := pick(o.r, usCities)
		at := o.start.AddDate(0, 0, o.opt.Days/2)
		m := &move{At: at, From: p.City, FromLine: p.Line, FromPostal: p.PostalCode, FromHomeIP: p.homeIP}
		p.moved = m
		p.City, p.Line, p.PostalCode, p.homeIP = nc, streetAddress(o.r), postal(o.r, nc), hostIn(nc.Block, o.r)
		p.dev.Egress, p.dev.TZ = p.homeIP, nc.TZ
		p.opTZ = mustLoc(nc.TZ)
		newIP := p.homeIP
		p.ipPlan = func(r *rand.Rand, day time.Time) (netip.Addr, City) {
			if day.Before(m.At) {
				return m.FromHomeIP, m.From
			}
			return newIP, nc
		}
		p.banks = append(p.banks, bankChange{At: at.AddDate(0, 0, 3), B: o.newBank(p.Name, nc)})
		o.negative(p, "moved_house", "moved from "+m.From.Name+" to "+nc.Name+"; laptop shipped to the old address before the move")
	}
	for i := 0; i < 2; i++ { // IT admins with an allow-listed remote-access tool
		p := pickFree()
		p.Role = "IT Administrator"
		p.dev.Apps = append(p.dev.Apps, "TeamViewer")
		p.dev.Procs = append(p.dev.Procs, proc{"TeamViewer", `C:\Program Files\TeamViewer\TeamViewer.exe`, `"C:\Program Files\TeamViewer\TeamViewer.exe"`})
		o.negative(p, "it_admin_rmm", "IT administrator with TeamViewer, which the company allow-lists")
	}
	{ // a legitimate worker whose name resembles a listed person but whose birth date does not match
		p := pickFree()
		p.Name, p.DOB = "Song Hwa Jung", "1994-07-19"
		p.Email = o.uniqueEmail("Songhwa", "Jung", "example.com")
		p.Logins = []string{p.Email}
		p.banks[0].B.Holder = p.Name
		o.negative(p, "sanctions_lookalike_name", "name resembles an SDN entry; birth date contradicts it")
	}
}

// Generate builds the organisation.
func generate(opt Options) *org {
	o := newOrg(opt)
	o.truth.Seed = o.opt.Seed
	cells := max(1, o.opt.Workers/1000)
	// Planted people take the place of ordinary ones, so the totals match the options.
	var workers []*person
	for i := 0; i < o.opt.Workers-9*cells; i++ {
		kind := "employee"
		if o.r.Float64() < 0.2 {
			kind = "contractor"
		}
		workers = append(workers, o.add(o.newWorker(kind)))
	}
	// Managers for everyone, from the first 5 % of workers.
	nm := max(1, len(workers)/20)
	for i, p := range workers {
		if i >= nm {
			p.Manager = workers[o.r.IntN(nm)].ID
		}
	}
	for i := 0; i < o.opt.Applicants-6*cells-1; i++ {
		o.add(o.newApplicant())
	}
	var referrers []string
	for n := 1; n <= cells; n++ {
		o.plantLaptopFarm(n, &referrers)
		o.plantVPNWorkers(n)
		o.plantVendorFront(n)
	}
	for n := 1; n <= cells; n++ {
		o.plantApplicantRing(n, referrers)
	}
	o.plantSanctionedName()
	o.plantNegatives(workers)
	sort.Strings(o.truth.DPRK)
	// Files list people in a random order: the position of a row says nothing.
	o.r.Shuffle(len(o.people), func(i, j int) { o.people[i], o.people[j] = o.people[j], o.people[i] })
	return o
}
