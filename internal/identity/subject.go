package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
)

// Options tune Extract.
type Options struct {
	// PhotoDir resolves relative photo paths; photos are not read when empty.
	PhotoDir string
	// DefaultRegion for phone numbers of subjects without a country ("US").
	DefaultRegion string
}

// Source is the identifier source Extract writes.
const Source = "identity"

// ResumeKey is the exact-duplicate key of a resume: a hash of its
// normalised words (case, spacing and punctuation do not matter).
func ResumeKey(text string) string {
	w := Words(text)
	if len(w) == 0 {
		return ""
	}
	sum := sha256.Sum256([]byte(strings.Join(w, " ")))
	return "sha256:" + hex.EncodeToString(sum[:12])
}

// Extract returns a subject's normalised identifiers and the warnings for
// fields that could not be read. A field that fails to normalise still gives
// a best-effort identifier (digits of a phone, lower-cased e-mail, the
// simple address key) so that nothing is dropped silently.
func Extract(s *model.Subject, o Options) ([]model.Identifier, []model.Warning) {
	var ids []model.Identifier
	var warns []model.Warning
	at := s.UpdatedAt
	if s.HireDate != nil && at.IsZero() {
		at = *s.HireDate
	}
	add := func(k model.IdentifierKind, v string) {
		if v == "" {
			return
		}
		ids = append(ids, model.Identifier{Tenant: s.Tenant, Kind: k, Value: v, SubjectID: s.ID, Source: Source, FirstSeen: at, LastSeen: at})
	}
	warn := func(field string, err error) {
		warns = append(warns, model.Warning{Field: field, Message: err.Error()})
	}
	if strings.TrimSpace(s.Email) != "" {
		if e, err := ParseEmail(s.Email); err == nil {
			add(model.IDEmail, e.Canonical)
		} else {
			warn("email", err)
			add(model.IDEmail, strings.ToLower(strings.TrimSpace(s.Email)))
		}
	}
	if strings.TrimSpace(s.Phone) != "" {
		region := s.Address.Country
		if region == "" {
			region = o.DefaultRegion
		}
		if p, err := ParsePhone(s.Phone, region); err == nil {
			add(model.IDPhone, p.E164)
		} else {
			warn("phone", err)
			add(model.IDPhone, PhoneDigits(s.Phone))
		}
	}
	if !s.Address.IsZero() {
		if a, err := ParseAddress(s.Address); err == nil {
			add(model.IDAddress, a.Key)
		} else {
			warn("address_line", err)
			add(model.IDAddress, s.Address.Key())
		}
	}
	for _, l := range s.IdPLogins {
		add(model.IDIdPLogin, Login(l))
	}
	add(model.IDCodeLogin, CodeLogin(s.GitHubLogin))
	add(model.IDResume, ResumeKey(s.ResumeText))
	if s.PhotoPath != "" && o.PhotoDir != "" {
		p := s.PhotoPath
		if !filepath.IsAbs(p) {
			p = filepath.Join(o.PhotoDir, p)
		}
		if h, err := PHashFile(p); err == nil {
			add(model.IDPhoto, FormatPHash(h))
		} else {
			warn("photo_path", err)
		}
	}
	return ids, warns
}

// EventIdentifiers returns the normalised identifiers an event carries
// (shipping address, serials, devices, IPs, MFA devices, bank fingerprints,
// account holders, crypto addresses). Events without a subject give none.
func EventIdentifiers(ev *model.Event) ([]model.Identifier, []model.Warning) {
	if ev.SubjectID == "" {
		return nil, nil
	}
	var ids []model.Identifier
	var warns []model.Warning
	add := func(k model.IdentifierKind, v string) {
		if v == "" {
			return
		}
		ids = append(ids, model.Identifier{Tenant: ev.Tenant, Kind: k, Value: v, SubjectID: ev.SubjectID, Source: ev.Source, FirstSeen: ev.Time, LastSeen: ev.Time})
	}
	ip := func(field, s string) {
		if s == "" {
			return
		}
		if v, err := IP(s); err == nil {
			add(model.IDIP, v)
		} else {
			warns = append(warns, model.Warning{Field: field, Message: err.Error()})
		}
	}
	switch {
	case ev.Shipment != nil:
		if a, err := ParseAddress(ev.Shipment.Address); err == nil {
			add(model.IDShipAddr, a.Key)
		} else if !ev.Shipment.Address.IsZero() {
			warns = append(warns, model.Warning{Field: "address_line", Message: err.Error()})
			add(model.IDShipAddr, ev.Shipment.Address.Key())
		}
		add(model.IDSerial, Serial(ev.Shipment.Serial))
	case ev.Device != nil:
		add(model.IDDevice, Device(ev.Device.DeviceID))
		add(model.IDSerial, Serial(ev.Device.Serial))
	case ev.SignIn != nil:
		ip("ip", ev.SignIn.IP)
		add(model.IDDevice, Device(ev.SignIn.DeviceID))
		add(model.IDMFADevice, Device(ev.SignIn.MFADeviceID))
	case ev.Endpoint != nil:
		add(model.IDDevice, Device(ev.Endpoint.DeviceID))
		add(model.IDSerial, Serial(ev.Endpoint.Serial))
	case ev.Interview != nil:
		ip("ip", ev.Interview.IP)
	case ev.Payroll != nil:
		add(model.IDBank, ev.Payroll.AccountFP)
		add(model.IDBankHolder, HolderName(ev.Payroll.AccountHolder))
		add(model.IDCrypto, strings.TrimSpace(ev.Payroll.CryptoAddress))
	}
	return ids, warns
}

// Key renders an identifier as "kind:value".
func Key(k model.IdentifierKind, v string) string { return string(k) + ":" + v }

// ParseDate reads a YYYY-MM-DD birth date; it is used by fuzzy linking.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return t, fmt.Errorf("%q is not a YYYY-MM-DD date", s)
	}
	return t, nil
}
