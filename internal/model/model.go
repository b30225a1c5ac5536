// Package model holds the types every other package shares: subjects and their
// identifiers, normalised events, findings with their reasons and evidence,
// subject risk, and cases. It has no dependencies beyond the standard library,
// so that every parser, detector and store can import it cheaply.
//
// All timestamps are UTC. IDs are stable: the same input always produces the
// same ID, which is what makes re-ingesting a file a no-op.
package model

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// DefaultTenant is the tenant of records that name none (single-company mode).
const DefaultTenant = "default"

// SubjectKind says what relation a person has to the organisation.
type SubjectKind string

const (
	KindApplicant  SubjectKind = "applicant"
	KindEmployee   SubjectKind = "employee"
	KindContractor SubjectKind = "contractor"
)

// Valid reports whether k is one of the known kinds.
func (k SubjectKind) Valid() bool {
	switch k {
	case KindApplicant, KindEmployee, KindContractor:
		return true
	}
	return false
}

// Address is a postal address as claimed or observed.
type Address struct {
	Line       string `json:"line,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"` // ISO 3166-1 alpha-2, upper case
}

// IsZero reports whether no part of the address is set.
func (a Address) IsZero() bool { return a == Address{} }

// Key is a canonical key for the address that survives case, spacing and the
// most common abbreviation differences. The identity package offers a richer
// normaliser; this one is the fallback every package can use.
func (a Address) Key() string {
	if a.IsZero() {
		return ""
	}
	parts := []string{a.Line, a.City, a.Region, a.PostalCode, a.Country}
	for i, p := range parts {
		parts[i] = strings.Join(strings.Fields(strings.ToLower(strings.NewReplacer(",", " ", ".", " ", "#", " ").Replace(p))), " ")
	}
	return strings.Join(parts, "|")
}

// Subject is a person: an applicant, an employee or a contractor.
type Subject struct {
	Tenant          string      `json:"tenant,omitempty"`
	ID              string      `json:"person_id"`
	Kind            SubjectKind `json:"kind"`
	FullName        string      `json:"full_name"`
	Email           string      `json:"email,omitempty"`
	Phone           string      `json:"phone,omitempty"`
	DateOfBirth     string      `json:"date_of_birth,omitempty"` // YYYY-MM-DD
	Address         Address     `json:"address"`
	ClaimedTimezone string      `json:"claimed_timezone,omitempty"` // IANA name
	HireDate        *time.Time  `json:"hire_date,omitempty"`
	EndDate         *time.Time  `json:"end_date,omitempty"`
	Status          string      `json:"status,omitempty"`
	Role            string      `json:"role,omitempty"`
	ManagerID       string      `json:"manager_id,omitempty"`
	ReferrerID      string      `json:"referrer_id,omitempty"`
	SourceChannel   string      `json:"source_channel,omitempty"`
	StaffingVendor  string      `json:"staffing_vendor,omitempty"`
	ResumeText      string      `json:"resume_text,omitempty"`
	PhotoPath       string      `json:"photo_path,omitempty"`
	GitHubLogin     string      `json:"github_login,omitempty"`
	IdPLogins       []string    `json:"idp_logins,omitempty"`
	UpdatedAt       time.Time   `json:"updated_at"`
	// Warnings are problems with the record that did not stop it landing,
	// such as a phone number that does not parse. Each names its field.
	Warnings []Warning `json:"warnings,omitempty"`
}

// Warning is a non-fatal problem with one field of an input record.
type Warning struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// IdentifierKind names a kind of identifier that can link subjects.
type IdentifierKind string

const (
	IDEmail      IdentifierKind = "email"
	IDPhone      IdentifierKind = "phone"
	IDAddress    IdentifierKind = "address"
	IDBank       IdentifierKind = "bank_account" // keyed fingerprint, never clear text
	IDBankHolder IdentifierKind = "bank_holder"
	IDDevice     IdentifierKind = "device"
	IDSerial     IdentifierKind = "serial"
	IDHostname   IdentifierKind = "hostname"
	IDIdPLogin   IdentifierKind = "idp_login"
	IDCodeLogin  IdentifierKind = "code_login"
	IDIP         IdentifierKind = "ip"
	IDMFADevice  IdentifierKind = "mfa_device"
	IDResume     IdentifierKind = "resume"
	IDPhoto      IdentifierKind = "photo"
	IDDocument   IdentifierKind = "id_document" // keyed fingerprint
	IDCrypto     IdentifierKind = "crypto_address"
	IDShipAddr   IdentifierKind = "ship_address"
)

// Identifier ties one normalised value to a subject.
type Identifier struct {
	Tenant    string         `json:"tenant,omitempty"`
	Kind      IdentifierKind `json:"kind"`
	Value     string         `json:"value"`
	SubjectID string         `json:"subject_id"`
	Source    string         `json:"source"`
	FirstSeen time.Time      `json:"first_seen"`
	LastSeen  time.Time      `json:"last_seen"`
}

// StableID hashes its parts into a short, stable identifier with a prefix.
// Parts are joined with a separator that cannot occur in normal text.
func StableID(prefix string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0x1f})
	}
	return prefix + "_" + hex.EncodeToString(h.Sum(nil)[:12])
}
