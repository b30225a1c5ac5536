package model

import (
	"encoding/json"
	"time"
)

// EventKind is the type of a normalised event.
type EventKind string

const (
	EvSignIn    EventKind = "signin"
	EvEndpoint  EventKind = "endpoint"
	EvPayroll   EventKind = "payroll"
	EvShipment  EventKind = "shipment"
	EvInterview EventKind = "interview"
	EvDevice    EventKind = "device" // a device record: enrolment, ownership
)

// Event is one normalised observation about a subject. Exactly one of the
// typed payloads is set, matching Kind. Raw keeps the source record as it
// arrived, for evidence.
type Event struct {
	Tenant    string          `json:"tenant,omitempty"`
	ID        string          `json:"id"`
	Kind      EventKind       `json:"kind"`
	Time      time.Time       `json:"time"`
	SubjectID string          `json:"subject_id,omitempty"` // empty when it could not be resolved
	Source    string          `json:"source"`               // e.g. "okta", "osquery", "records/payroll"
	SourceRef string          `json:"source_ref,omitempty"` // file:line or upstream event id
	SignIn    *SignIn         `json:"signin,omitempty"`
	Endpoint  *EndpointObs    `json:"endpoint,omitempty"`
	Payroll   *Payroll        `json:"payroll,omitempty"`
	Shipment  *Shipment       `json:"shipment,omitempty"`
	Interview *Interview      `json:"interview,omitempty"`
	Device    *Device         `json:"device,omitempty"`
	Raw       json.RawMessage `json:"raw,omitempty"`
}

// IPInfo is what IP intelligence knows about an address. The identity
// provider's own enrichment, when present, is kept beside ours in
// Provider* fields so that both values survive.
type IPInfo struct {
	IP          string   `json:"ip"`
	Country     string   `json:"country,omitempty"`
	Region      string   `json:"region,omitempty"`
	City        string   `json:"city,omitempty"`
	Lat         float64  `json:"lat,omitempty"`
	Lon         float64  `json:"lon,omitempty"`
	HasCoords   bool     `json:"has_coords,omitempty"`
	ASN         uint32   `json:"asn,omitempty"`
	ASOrg       string   `json:"as_org,omitempty"`
	VPN         bool     `json:"vpn,omitempty"`
	VPNOperator string   `json:"vpn_operator,omitempty"` // e.g. "astrill"
	Proxy       bool     `json:"proxy,omitempty"`
	Tor         bool     `json:"tor,omitempty"`
	Hosting     bool     `json:"hosting,omitempty"`
	Residential bool     `json:"residential,omitempty"`
	Corporate   bool     `json:"corporate,omitempty"` // the company's own egress range (config)
	Sources     []string `json:"sources,omitempty"`   // which databases answered
	// The identity provider's own view (Okta securityContext, Entra, Google networkInfo).
	ProviderCountry string `json:"provider_country,omitempty"`
	ProviderASN     uint32 `json:"provider_asn,omitempty"`
	ProviderASOrg   string `json:"provider_as_org,omitempty"`
	ProviderProxy   bool   `json:"provider_proxy,omitempty"`
	// Added by issue 4: the provider's own geolocation, used when no city
	// database is loaded (impossible travel, region checks).
	ProviderRegion    string  `json:"provider_region,omitempty"`
	ProviderCity      string  `json:"provider_city,omitempty"`
	ProviderLat       float64 `json:"provider_lat,omitempty"`
	ProviderLon       float64 `json:"provider_lon,omitempty"`
	ProviderHasCoords bool    `json:"provider_has_coords,omitempty"`
}

// SignIn is an authentication event from an identity provider.
type SignIn struct {
	Provider    string  `json:"provider"` // okta|entra|gworkspace
	Login       string  `json:"login"`    // the login the provider reports
	EventType   string  `json:"event_type"`
	Outcome     string  `json:"outcome"` // success|failure|challenge|other
	IP          string  `json:"ip,omitempty"`
	UserAgent   string  `json:"user_agent,omitempty"`
	DeviceID    string  `json:"device_id,omitempty"`
	Managed     *bool   `json:"managed,omitempty"` // device managed/compliant, when known
	MFADeviceID string  `json:"mfa_device_id,omitempty"`
	MFAMethod   string  `json:"mfa_method,omitempty"`
	SessionID   string  `json:"session_id,omitempty"`
	IPInfo      *IPInfo `json:"ip_info,omitempty"`
}

// EndpointObs is one row of endpoint telemetry (an osquery result row).
type EndpointObs struct {
	HostIdentifier string            `json:"host_identifier"`
	DeviceID       string            `json:"device_id,omitempty"`
	Serial         string            `json:"serial,omitempty"`
	Query          string            `json:"query"` // pack query name
	Table          string            `json:"table,omitempty"`
	Action         string            `json:"action"` // added|removed|snapshot
	Columns        map[string]string `json:"columns"`
	// PublicIP is the device's public egress address when the row reports
	// it (the egress query or a public_ip decoration); IPInfo is filled by
	// IP intelligence during enrichment.
	PublicIP string  `json:"public_ip,omitempty"`
	IPInfo   *IPInfo `json:"ip_info,omitempty"`
}

// Payroll is a payroll or payment record. Account numbers are never kept in
// clear: AccountFP is a keyed fingerprint (HMAC) of routing + account.
type Payroll struct {
	Event         string  `json:"event"` // account_added|account_changed|payment
	AccountFP     string  `json:"account_fp,omitempty"`
	AccountLast4  string  `json:"account_last4,omitempty"`
	BankID        string  `json:"bank_id,omitempty"`
	AccountHolder string  `json:"account_holder,omitempty"`
	BankCountry   string  `json:"bank_country,omitempty"`
	Rail          string  `json:"rail,omitempty"` // ach|wire|payoneer|wise|paypal|crypto|check
	CryptoAsset   string  `json:"crypto_asset,omitempty"`
	CryptoAddress string  `json:"crypto_address,omitempty"`
	Amount        float64 `json:"amount,omitempty"`
	Currency      string  `json:"currency,omitempty"`
}

// Shipment is an equipment shipment to a worker.
type Shipment struct {
	ShipmentID string  `json:"shipment_id"`
	Item       string  `json:"item,omitempty"`
	Serial     string  `json:"serial,omitempty"`
	Address    Address `json:"address"`
	Status     string  `json:"status,omitempty"`
}

// Interview is one step of hiring verification.
type Interview struct {
	Step          string   `json:"step"`   // video_interview|id_document|liveness|in_person|e_verify|reference_check|background_check
	Result        string   `json:"result"` // pass|fail|refused|not_done
	IP            string   `json:"ip,omitempty"`
	CameraOnRatio *float64 `json:"camera_on_ratio,omitempty"`
	Notes         string   `json:"notes,omitempty"`
	IPInfo        *IPInfo  `json:"ip_info,omitempty"`
}

// Device is a device record: a managed laptop assigned to a subject.
type Device struct {
	DeviceID   string     `json:"device_id"`
	Serial     string     `json:"serial,omitempty"`
	Hostname   string     `json:"hostname,omitempty"`
	Platform   string     `json:"platform,omitempty"`
	EnrolledAt *time.Time `json:"enrolled_at,omitempty"`
}
