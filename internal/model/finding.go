package model

import "time"

// Family groups reason codes; the risk model caps each family's total.
type Family string

const (
	FamNetwork   Family = "network"
	FamEndpoint  Family = "endpoint"
	FamPayroll   Family = "payroll"
	FamIdentity  Family = "identity"  // identity reuse, graph links
	FamApplicant Family = "applicant" // hiring and verification
	FamShipping  Family = "shipping"
	FamSanctions Family = "sanctions"
	FamBehaviour Family = "behaviour"
	FamRule      Family = "rule" // analyst rules
)

// Strength is the diagnostic strength from the threat catalogue.
type Strength int

const (
	Weak     Strength = 1 // ★
	Moderate Strength = 2 // ★★
	Strong   Strength = 3 // ★★★
)

// ReasonDef describes a reason code a detector can emit. Codes are stable:
// once published they are never reused for another meaning.
type ReasonDef struct {
	Code      string   `json:"code"`  // e.g. "NET_VPN_ASTRILL"
	Title     string   `json:"title"` // one line an analyst reads
	Family    Family   `json:"family"`
	Strength  Strength `json:"strength"`
	Catalogue []string `json:"catalogue,omitempty"` // threat-catalogue row IDs, e.g. "N01"
	// LogOdds is the default weight; the risk configuration may override it.
	LogOdds float64 `json:"log_odds"`
}

// EvidenceKind says what an evidence reference points at.
type EvidenceKind string

const (
	EvEvent      EvidenceKind = "event"
	EvSubject    EvidenceKind = "subject"
	EvIdentifier EvidenceKind = "identifier"
	EvCluster    EvidenceKind = "cluster"
	EvListEntry  EvidenceKind = "list_entry"
	EvIndicator  EvidenceKind = "indicator"
)

// EvidenceRef points at something an analyst can open to check a finding.
type EvidenceRef struct {
	Kind EvidenceKind `json:"kind"`
	ID   string       `json:"id"`
	Note string       `json:"note,omitempty"`
}

// Finding is one detector's conclusion about one subject. Its ID is stable
// (detector, code, subject and a detector-chosen key), so re-running
// detection over the same data rewrites the same findings.
type Finding struct {
	Tenant    string            `json:"tenant,omitempty"`
	ID        string            `json:"id"`
	SubjectID string            `json:"subject_id"`
	Detector  string            `json:"detector"`
	Code      string            `json:"code"`
	Title     string            `json:"title"`
	Family    Family            `json:"family"`
	Strength  Strength          `json:"strength"`
	Time      time.Time         `json:"time"`     // when the evidence happened (latest)
	Severity  float64           `json:"severity"` // 0..1 multiplier on the reason weight; 1 when unsure
	Evidence  []EvidenceRef     `json:"evidence"`
	Details   map[string]string `json:"details,omitempty"`
}

// NewFinding builds a finding from its reason definition with a stable ID.
func NewFinding(detector string, def ReasonDef, subjectID, key string, at time.Time) Finding {
	return Finding{
		ID:        StableID("f", detector, def.Code, subjectID, key),
		SubjectID: subjectID,
		Detector:  detector,
		Code:      def.Code,
		Title:     def.Title,
		Family:    def.Family,
		Strength:  def.Strength,
		Time:      at.UTC(),
		Severity:  1,
	}
}

// Reason is one explained contribution to a subject's score.
type Reason struct {
	Code         string        `json:"code"`
	Title        string        `json:"title"`
	Family       Family        `json:"family"`
	Contribution float64       `json:"contribution"` // log-odds after caps and decay
	FindingIDs   []string      `json:"finding_ids"`
	Evidence     []EvidenceRef `json:"evidence"`
}

// Level is a coarse risk band.
type Level string

const (
	LevelLow      Level = "low"
	LevelMedium   Level = "medium"
	LevelHigh     Level = "high"
	LevelCritical Level = "critical"
)

// LevelRank orders levels, low = 0.
func LevelRank(l Level) int {
	switch l {
	case LevelMedium:
		return 1
	case LevelHigh:
		return 2
	case LevelCritical:
		return 3
	}
	return 0
}

// Risk is a subject's explained score.
type Risk struct {
	Tenant    string             `json:"tenant,omitempty"`
	SubjectID string             `json:"person_id"`
	Score     float64            `json:"score"` // 0..100
	Level     Level              `json:"level"`
	PrevLevel Level              `json:"previous_level,omitempty"`
	Reasons   []Reason           `json:"reasons"`
	Families  map[Family]float64 `json:"families,omitempty"`
	Warnings  []Warning          `json:"warnings,omitempty"`
	Computed  time.Time          `json:"computed_at"`
	// WeightsVersion names the risk weight set that produced the score.
	WeightsVersion string `json:"weights_version,omitempty"`
}

// CaseState is the workflow state of a case.
type CaseState string

const (
	CaseOpen           CaseState = "open"
	CaseTriage         CaseState = "triage"
	CaseEscalatedLegal CaseState = "escalated_legal"
	CaseEscalatedHR    CaseState = "escalated_hr"
	CaseConfirmed      CaseState = "closed_confirmed"
	CaseCleared        CaseState = "closed_cleared"
)

// Closed reports whether the state is terminal.
func (s CaseState) Closed() bool { return s == CaseConfirmed || s == CaseCleared }

// Case is an investigation covering one or several linked subjects.
type Case struct {
	Tenant     string    `json:"tenant,omitempty"`
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	SubjectIDs []string  `json:"subject_ids"`
	State      CaseState `json:"state"`
	Assignee   string    `json:"assignee,omitempty"`
	Score      float64   `json:"score"`
	Level      Level     `json:"level"`
	Decision   string    `json:"decision,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	// FindingIDs are the findings the case was opened or last reviewed on; a
	// cleared case suppresses exactly these, and new ones reopen it.
	FindingIDs []string   `json:"finding_ids,omitempty"`
	OpenedAt   time.Time  `json:"opened_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
}

// CaseNote is a note or an attachment reference on a case.
type CaseNote struct {
	ID        string    `json:"id"`
	CaseID    string    `json:"case_id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	Reference string    `json:"reference,omitempty"` // attachment by reference (URL or path)
	At        time.Time `json:"at"`
}

// AuditEntry is one append-only audit record.
type AuditEntry struct {
	Tenant string    `json:"tenant,omitempty"`
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"` // e.g. "case.state", "subject.view", "login"
	Object string    `json:"object"` // e.g. "case:c_123"
	Before string    `json:"before,omitempty"`
	After  string    `json:"after,omitempty"`
}
