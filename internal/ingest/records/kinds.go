package records

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/fingerprint"
	"github.com/redflag-dev/redflag/internal/identity"
	"github.com/redflag-dev/redflag/internal/model"
)

// Kind is a record kind.
type Kind string

const (
	People     Kind = "people"
	Payroll    Kind = "payroll"
	Shipments  Kind = "shipments"
	Interviews Kind = "interviews"
	Devices    Kind = "devices"
)

// Kinds lists the record kinds in the order an initial load should use
// (people first, so that everything else resolves).
var Kinds = []Kind{People, Devices, Interviews, Shipments, Payroll}

// Columns lists each kind's columns; the first ones named in Required must
// be present.
var Columns = map[Kind][]string{
	People: {"person_id", "kind", "full_name", "email", "phone", "date_of_birth", "address_line", "city", "region",
		"postal_code", "country", "claimed_timezone", "hire_date", "end_date", "status", "role", "manager_id",
		"referrer_id", "source_channel", "staffing_vendor", "resume_text", "photo_path", "github_login", "idp_logins"},
	Payroll: {"person_id", "date", "event", "account_number", "routing_or_bank_id", "account_holder", "bank_country",
		"rail", "crypto_asset", "crypto_address", "amount", "currency"},
	Shipments: {"person_id", "shipment_id", "date", "item", "serial", "address_line", "city", "region",
		"postal_code", "country", "status"},
	Interviews: {"person_id", "date", "step", "result", "ip", "camera_on_ratio", "notes"},
	Devices:    {"device_id", "serial", "person_id", "hostname", "platform", "enrolled_at"},
}

// Required are the columns a row must have.
var Required = map[Kind][]string{
	People:     {"person_id", "full_name"},
	Payroll:    {"person_id", "date", "event"},
	Shipments:  {"person_id", "shipment_id", "date"},
	Interviews: {"person_id", "date", "step", "result"},
	Devices:    {"device_id", "person_id"},
}

var enums = map[string][]string{
	"people.kind":       {"applicant", "employee", "contractor"},
	"payroll.event":     {"account_added", "account_changed", "payment"},
	"payroll.rail":      {"ach", "wire", "payoneer", "wise", "paypal", "crypto", "check"},
	"interviews.step":   {"video_interview", "id_document", "liveness", "in_person", "e_verify", "reference_check", "background_check"},
	"interviews.result": {"pass", "fail", "refused", "not_done"},
}

// FieldError is a problem with one field of a row.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return fmt.Sprintf("field %q: %s", e.Field, e.Msg) }

// Parsed is what one row becomes.
type Parsed struct {
	Subject     *model.Subject
	Event       *model.Event
	Identifiers []model.Identifier
	Warnings    []model.Warning
}

// Parser turns rows of one kind into model records.
type Parser struct {
	Kind   Kind
	Keyer  *fingerprint.Keyer
	Tenant string
	Source string // file name, for SourceRef
}

// Parse validates and converts one row.
func (p *Parser) Parse(r Row) (Parsed, error) {
	for _, f := range Required[p.Kind] {
		if !r.Has(f) {
			return Parsed{}, &FieldError{f, "is required"}
		}
	}
	for key, vals := range enums {
		k, field, _ := strings.Cut(key, ".")
		if Kind(k) != p.Kind || !r.Has(field) {
			continue
		}
		if !contains(vals, strings.ToLower(r.Get(field))) {
			return Parsed{}, &FieldError{field, fmt.Sprintf("%q is not one of %s", r.Get(field), strings.Join(vals, ", "))}
		}
	}
	switch p.Kind {
	case People:
		return p.people(r)
	case Payroll:
		return p.payroll(r)
	case Shipments:
		return p.shipment(r)
	case Interviews:
		return p.interview(r)
	case Devices:
		return p.device(r)
	}
	return Parsed{}, fmt.Errorf("unknown record kind %q", p.Kind)
}

func contains(vals []string, v string) bool {
	for _, x := range vals {
		if x == v {
			return true
		}
	}
	return false
}

// ParseTime accepts YYYY-MM-DD, RFC 3339 and "YYYY-MM-DD HH:MM:SS" (UTC).
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD or RFC 3339)", s)
}

func (p *Parser) time(r Row, field string) (time.Time, error) {
	t, err := ParseTime(r.Get(field))
	if err != nil {
		return t, &FieldError{field, err.Error()}
	}
	return t, nil
}

func (p *Parser) optTime(r Row, field string) (*time.Time, error) {
	if !r.Has(field) {
		return nil, nil
	}
	t, err := p.time(r, field)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// NormEmail lower-cases and trims an e-mail address.
func NormEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NormPhone keeps a leading + and the digits. The identity package has the
// full E.164 normaliser; this one only makes formatting differences equal.
func NormPhone(s string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		if r == '+' && i == 0 {
			b.WriteRune(r)
		}
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (p *Parser) ident(kind model.IdentifierKind, value, subject string, at time.Time) model.Identifier {
	return model.Identifier{Tenant: p.Tenant, Kind: kind, Value: value, SubjectID: subject, Source: "records/" + string(p.Kind), FirstSeen: at, LastSeen: at}
}

func (p *Parser) people(r Row) (Parsed, error) {
	s := model.Subject{
		Tenant: p.Tenant, ID: r.Get("person_id"), Kind: model.SubjectKind(strings.ToLower(r.Get("kind"))),
		FullName: r.Get("full_name"), Email: r.Get("email"), Phone: r.Get("phone"),
		Address: model.Address{Line: r.Get("address_line"), City: r.Get("city"), Region: r.Get("region"),
			PostalCode: r.Get("postal_code"), Country: strings.ToUpper(r.Get("country"))},
		ClaimedTimezone: r.Get("claimed_timezone"), Status: r.Get("status"), Role: r.Get("role"),
		ManagerID: r.Get("manager_id"), ReferrerID: r.Get("referrer_id"), SourceChannel: r.Get("source_channel"),
		StaffingVendor: r.Get("staffing_vendor"), ResumeText: r.Get("resume_text"), PhotoPath: r.Get("photo_path"),
		GitHubLogin: r.Get("github_login"),
	}
	if s.Kind == "" {
		s.Kind = model.KindEmployee
	}
	var err error
	if s.HireDate, err = p.optTime(r, "hire_date"); err != nil {
		return Parsed{}, err
	}
	if s.EndDate, err = p.optTime(r, "end_date"); err != nil {
		return Parsed{}, err
	}
	if r.Has("date_of_birth") {
		t, err := p.time(r, "date_of_birth")
		if err != nil {
			return Parsed{}, err
		}
		s.DateOfBirth = t.Format("2006-01-02")
	}
	if s.ClaimedTimezone != "" {
		if _, err := time.LoadLocation(s.ClaimedTimezone); err != nil {
			return Parsed{}, &FieldError{"claimed_timezone", fmt.Sprintf("%q is not an IANA time zone", s.ClaimedTimezone)}
		}
	}
	if c := s.Address.Country; c != "" && (len(c) != 2 || !isAlpha(c)) {
		return Parsed{}, &FieldError{"country", fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 code", c)}
	}
	for _, l := range strings.Split(r.Get("idp_logins"), ";") {
		if l = strings.TrimSpace(l); l != "" {
			s.IdPLogins = append(s.IdPLogins, l)
		}
	}
	var at time.Time
	if s.HireDate != nil {
		at = *s.HireDate
	}
	out := Parsed{Subject: &s}
	if s.Email != "" {
		if emailRE.MatchString(s.Email) {
			out.Identifiers = append(out.Identifiers, p.ident(model.IDEmail, NormEmail(s.Email), s.ID, at))
		} else {
			s.Warnings = append(s.Warnings, model.Warning{Field: "email", Message: fmt.Sprintf("%q is not an e-mail address", s.Email)})
		}
	}
	if s.Phone != "" {
		if ph := NormPhone(s.Phone); len(strings.TrimPrefix(ph, "+")) >= 7 {
			out.Identifiers = append(out.Identifiers, p.ident(model.IDPhone, ph, s.ID, at))
		} else {
			s.Warnings = append(s.Warnings, model.Warning{Field: "phone", Message: fmt.Sprintf("%q is not a phone number", s.Phone)})
		}
	}
	if !s.Address.IsZero() {
		out.Identifiers = append(out.Identifiers, p.ident(model.IDAddress, s.Address.Key(), s.ID, at))
	}
	for _, l := range s.IdPLogins {
		out.Identifiers = append(out.Identifiers, p.ident(model.IDIdPLogin, strings.ToLower(l), s.ID, at))
	}
	if s.GitHubLogin != "" {
		out.Identifiers = append(out.Identifiers, p.ident(model.IDCodeLogin, strings.ToLower(s.GitHubLogin), s.ID, at))
	}
	// The identity normalisers (E.164, canonical mailbox, address key) are
	// stricter than the checks above: add their warnings for fields not
	// warned about yet, so an unparseable phone or address is never silent.
	_, iw := identity.Extract(&s, identity.Options{})
	for _, w := range iw {
		if !hasWarning(s.Warnings, w.Field) {
			s.Warnings = append(s.Warnings, w)
		}
	}
	out.Warnings = s.Warnings
	return out, nil
}

func hasWarning(ws []model.Warning, field string) bool {
	for _, w := range ws {
		if w.Field == field {
			return true
		}
	}
	return false
}

func isAlpha(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// event builds the common part of an event whose ID hashes the row's
// canonical content, so the same row always gives the same event.
func (p *Parser) event(kind model.EventKind, r Row, at time.Time, raw map[string]string) model.Event {
	keys := Columns[p.Kind]
	parts := make([]string, 0, len(keys)+1)
	parts = append(parts, string(kind))
	for _, k := range keys {
		parts = append(parts, k+"="+raw[k])
	}
	rawJSON, _ := json.Marshal(raw)
	return model.Event{
		Tenant: p.Tenant, ID: model.StableID("ev", parts...), Kind: kind, Time: at,
		SubjectID: r.Get("person_id"), Source: "records/" + string(p.Kind),
		SourceRef: fmt.Sprintf("%s:%d", p.Source, r.Line), Raw: rawJSON,
	}
}

// canonicalRow is the row restricted to the kind's columns, trimmed.
func canonicalRow(k Kind, r Row) map[string]string {
	out := map[string]string{}
	for _, c := range Columns[k] {
		if v := r.Get(c); v != "" {
			out[c] = v
		}
	}
	return out
}

func (p *Parser) payroll(r Row) (Parsed, error) {
	at, err := p.time(r, "date")
	if err != nil {
		return Parsed{}, err
	}
	pay := &model.Payroll{
		Event: strings.ToLower(r.Get("event")), BankID: r.Get("routing_or_bank_id"), AccountHolder: r.Get("account_holder"),
		BankCountry: strings.ToUpper(r.Get("bank_country")), Rail: strings.ToLower(r.Get("rail")),
		CryptoAsset: strings.ToUpper(r.Get("crypto_asset")), CryptoAddress: r.Get("crypto_address"), Currency: strings.ToUpper(r.Get("currency")),
	}
	if r.Has("amount") {
		a, err := strconv.ParseFloat(r.Get("amount"), 64)
		if err != nil || a < 0 {
			return Parsed{}, &FieldError{"amount", fmt.Sprintf("%q is not a non-negative number", r.Get("amount"))}
		}
		pay.Amount = a
	}
	if pay.Rail == "crypto" && pay.CryptoAddress == "" {
		return Parsed{}, &FieldError{"crypto_address", "is required when rail is crypto"}
	}
	raw := canonicalRow(Payroll, r)
	if acct := r.Get("account_number"); acct != "" {
		if p.Keyer == nil {
			return Parsed{}, &FieldError{"account_number", "no fingerprint key is configured, so account numbers cannot be stored"}
		}
		pay.AccountFP = p.Keyer.BankAccount(pay.BankID, acct)
		raw["account_number"] = pay.AccountFP // never keep the number in clear, not even in the raw record
	}
	ev := p.event(model.EvPayroll, r, at, raw)
	ev.Payroll = pay
	out := Parsed{Event: &ev}
	if pay.AccountFP != "" {
		out.Identifiers = append(out.Identifiers, p.ident(model.IDBank, pay.AccountFP, ev.SubjectID, at))
	}
	if h := strings.Join(strings.Fields(strings.ToLower(pay.AccountHolder)), " "); h != "" {
		out.Identifiers = append(out.Identifiers, p.ident(model.IDBankHolder, h, ev.SubjectID, at))
	}
	if pay.CryptoAddress != "" {
		out.Identifiers = append(out.Identifiers, p.ident(model.IDCrypto, pay.CryptoAddress, ev.SubjectID, at))
	}
	return out, nil
}

func (p *Parser) shipment(r Row) (Parsed, error) {
	at, err := p.time(r, "date")
	if err != nil {
		return Parsed{}, err
	}
	sh := &model.Shipment{
		ShipmentID: r.Get("shipment_id"), Item: r.Get("item"), Serial: r.Get("serial"), Status: strings.ToLower(r.Get("status")),
		Address: model.Address{Line: r.Get("address_line"), City: r.Get("city"), Region: r.Get("region"),
			PostalCode: r.Get("postal_code"), Country: strings.ToUpper(r.Get("country"))},
	}
	if sh.Address.IsZero() {
		return Parsed{}, &FieldError{"address_line", "a shipment needs an address"}
	}
	ev := p.event(model.EvShipment, r, at, canonicalRow(Shipments, r))
	ev.Shipment = sh
	out := Parsed{Event: &ev}
	out.Identifiers = append(out.Identifiers, p.ident(model.IDShipAddr, sh.Address.Key(), ev.SubjectID, at))
	if sh.Serial != "" {
		out.Identifiers = append(out.Identifiers, p.ident(model.IDSerial, strings.ToUpper(sh.Serial), ev.SubjectID, at))
	}
	return out, nil
}

func (p *Parser) interview(r Row) (Parsed, error) {
	at, err := p.time(r, "date")
	if err != nil {
		return Parsed{}, err
	}
	iv := &model.Interview{Step: strings.ToLower(r.Get("step")), Result: strings.ToLower(r.Get("result")), Notes: r.Get("notes")}
	if r.Has("ip") {
		a, err := netip.ParseAddr(r.Get("ip"))
		if err != nil {
			return Parsed{}, &FieldError{"ip", fmt.Sprintf("%q is not an IP address", r.Get("ip"))}
		}
		iv.IP = a.Unmap().String()
	}
	if r.Has("camera_on_ratio") {
		v, err := strconv.ParseFloat(r.Get("camera_on_ratio"), 64)
		if err != nil || v < 0 || v > 1 {
			return Parsed{}, &FieldError{"camera_on_ratio", fmt.Sprintf("%q is not a number from 0 to 1", r.Get("camera_on_ratio"))}
		}
		iv.CameraOnRatio = &v
	}
	ev := p.event(model.EvInterview, r, at, canonicalRow(Interviews, r))
	ev.Interview = iv
	out := Parsed{Event: &ev}
	if iv.IP != "" {
		out.Identifiers = append(out.Identifiers, p.ident(model.IDIP, iv.IP, ev.SubjectID, at))
	}
	return out, nil
}

func (p *Parser) device(r Row) (Parsed, error) {
	enrolled, err := p.optTime(r, "enrolled_at")
	if err != nil {
		return Parsed{}, err
	}
	d := &model.Device{DeviceID: r.Get("device_id"), Serial: strings.ToUpper(r.Get("serial")), Hostname: r.Get("hostname"),
		Platform: strings.ToLower(r.Get("platform")), EnrolledAt: enrolled}
	var at time.Time
	if enrolled != nil {
		at = *enrolled
	}
	ev := p.event(model.EvDevice, r, at, canonicalRow(Devices, r))
	ev.Device = d
	out := Parsed{Event: &ev}
	out.Identifiers = append(out.Identifiers, p.ident(model.IDDevice, strings.ToLower(d.DeviceID), ev.SubjectID, at))
	if d.Serial != "" {
		out.Identifiers = append(out.Identifiers, p.ident(model.IDSerial, d.Serial, ev.SubjectID, at))
	}
	if d.Hostname != "" {
		out.Identifiers = append(out.Identifiers, p.ident(model.IDHostname, strings.ToLower(d.Hostname), ev.SubjectID, at))
	}
	return out, nil
}
