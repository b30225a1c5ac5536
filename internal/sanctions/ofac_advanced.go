package sanctions

// The OFAC "advanced" sanctions data format (SDN_ADVANCED.XML,
// CONS_ADVANCED.XML; schema sdn_advanced.xsd, root <Sanctions> in the
// namespace https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML,
// or http://www.un.org/sanctions/1.0 in files published before 2024) is a
// normalised export: a document starts with lookup tables
// (ReferenceValueSets), then Locations and IDRegDocuments, then the
// DistinctParties themselves, then ProfileRelationships and
// SanctionsEntries, which refer back to the parties by profile ID.
//
// ParseOFACAdvanced reads it as an encoding/xml token stream and reads one
// top-level record at a time (a Location, an IDRegDocument, a DistinctParty,
// a SanctionsEntry ...), never the whole document. Each record is kept with
// its references unresolved (IDs only) and everything is resolved once, at
// the end of the document: so the parser needs one pass whatever order the
// sections come in (the published files put the tables first, but nothing
// in the schema requires it), and its memory is that of the entities it
// returns plus the tables. We wrote it on encoding/xml because no well-kept
// Go library reads this format; OpenSanctions' us_ofac crawler and the
// published schema were the references for its shape.

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// Namespaces of the advanced XML (current, and the one used before 2024).
const (
	OFACAdvancedNS    = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML"
	OFACAdvancedOldNS = "http://www.un.org/sanctions/1.0"
)

// advRef is one value of a reference table: its text and the attributes
// the parser follows (PartyTypeID of a PartySubType, ScriptCode of a
// Script, ISO2 of a Country, CountryID of an AreaCode).
type advRef struct {
	text  string
	attrs []xml.Attr
}

func (r advRef) attr(name string) string {
	for _, a := range r.attrs {
		if a.Name.Local == name {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

type advLocPart struct {
	TypeID string      // LocPartTypeID
	Values [][2]string // LocationPartValue: Primary, Value
}

type advLocation struct {
	ID        string
	Parts     []advLocPart
	Countries []string // LocationCountry/@CountryID
	AreaCodes []string // LocationAreaCode/@AreaCodeID
	line      int
}

type advDocument struct {
	ID         string
	TypeID     string // IDRegDocTypeID
	IdentityID string
	CountryID  string // IssuedBy-CountryID
	Number     string // IDRegistrationNo
	line       int
}

type advDate struct{ Year, Month, Day string }

type advBound struct{ From, To *advDate }

type advPeriod struct{ Start, End *advBound }

type advNamePart struct {
	GroupID  string
	ScriptID string
	Text     string
}

type advDocName struct {
	Parts []advNamePart // the NamePartValues of its DocumentedNameParts, in order
}

type advAlias struct {
	TypeID     string
	Primary    string
	LowQuality string
	Names      []advDocName
}

type advGroup struct{ ID, TypeID string }

type advIdentity struct {
	ID      string
	Primary string
	Aliases []advAlias
	Groups  []advGroup // NamePartGroups/MasterNamePartGroup/NamePartGroup
}

type advDetail struct{ RefID, Text string }

type advVersion struct {
	Periods   []advPeriod
	Details   []advDetail
	Locations []string // VersionLocation/@LocationID
}

type advFeature struct {
	ID       string
	TypeID   string
	Versions []advVersion
}

type advProfile struct {
	ID         string
	SubTypeID  string
	Identities []advIdentity
	Features   []advFeature
}

type advParty struct {
	FixedRef string
	Comment  string
	Profiles []advProfile
	line     int
}

type advMeasure struct{ TypeID, Comment string }

type advEntry struct {
	ID        string
	ProfileID string
	Measures  []advMeasure // SanctionsMeasure: SanctionsTypeID, Comment
	line      int
}

type advRelation struct{ ID, From, To string } // From-ProfileID, To-ProfileID

// advTokens reads the raw token stream (Decoder.RawToken: no namespace
// translation, which this format does not need and which took a quarter of
// Decoder.Token's time) and checks the nesting of elements itself, as
// Decoder.Token would.
type advTokens struct {
	d     *xml.Decoder
	stack []string
}

func elemName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func (t *advTokens) next() (xml.Token, error) {
	tok, err := t.d.RawToken()
	if err != nil {
		if err == io.EOF && len(t.stack) > 0 {
			return nil, fmt.Errorf("unexpected end of file inside <%s>", t.stack[len(t.stack)-1])
		}
		return nil, err
	}
	switch x := tok.(type) {
	case xml.StartElement:
		t.stack = append(t.stack, elemName(x.Name))
	case xml.EndElement:
		n := elemName(x.Name)
		if len(t.stack) == 0 {
			return nil, fmt.Errorf("unexpected end element </%s>", n)
		}
		if top := t.stack[len(t.stack)-1]; top != n {
			return nil, fmt.Errorf("element <%s> closed by </%s>", top, n)
		}
		t.stack = t.stack[:len(t.stack)-1]
	}
	return tok, nil
}

// advNode is a small element read whole (a Location, an IDRegDocument, a
// SanctionsEntry ...): name, attributes, text and children.
type advNode struct {
	name  string
	attrs euAttrs
	text  string
	kids  []*advNode
}

// node reads the element that start opened, up to its end.
func (t *advTokens) node(start xml.StartElement) (*advNode, error) {
	root := &advNode{name: start.Name.Local, attrs: start.Attr}
	path := []*advNode{root}
	var text []byte
	for {
		tok, err := t.next()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return root, err
		}
		cur := path[len(path)-1]
		switch x := tok.(type) {
		case xml.StartElement:
			n := &advNode{name: x.Name.Local, attrs: x.Attr}
			cur.kids = append(cur.kids, n)
			path = append(path, n)
			text = text[:0]
		case xml.CharData:
			text = append(text, x...)
		case xml.EndElement:
			if len(cur.kids) == 0 {
				cur.text = strings.TrimSpace(string(text))
			}
			text = text[:0]
			path = path[:len(path)-1]
			if len(path) == 0 {
				return root, nil
			}
		}
	}
}

func (n *advNode) child(name string) *advNode {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return &advNode{}
}

func advLocationOf(n *advNode, line int) *advLocation {
	l := &advLocation{ID: n.attrs.get("ID"), line: line}
	for _, k := range n.kids {
		switch k.name {
		case "LocationPart":
			p := advLocPart{TypeID: k.attrs.get("LocPartTypeID")}
			for _, v := range k.kids {
				if v.name == "LocationPartValue" {
					p.Values = append(p.Values, [2]string{v.attrs.get("Primary"), v.child("Value").text})
				}
			}
			l.Parts = append(l.Parts, p)
		case "LocationCountry":
			l.Countries = append(l.Countries, k.attrs.get("CountryID"))
		case "LocationAreaCode":
			l.AreaCodes = append(l.AreaCodes, k.attrs.get("AreaCodeID"))
		}
	}
	return l
}

func advEntryOf(n *advNode, line int) *advEntry {
	e := &advEntry{ID: n.attrs.get("ID"), ProfileID: n.attrs.get("ProfileID"), line: line}
	for _, k := range n.kids {
		if k.name == "SanctionsMeasure" {
			e.Measures = append(e.Measures, advMeasure{k.attrs.get("SanctionsTypeID"), k.child("Comment").text})
		}
	}
	return e
}

// advDoc holds one advanced XML document, references unresolved.
type advDoc struct {
	list      string
	version   string
	refs      map[string]map[string]advRef // table (element name, e.g. "AliasType") -> ID -> value
	locations map[string]*advLocation
	docs      map[string][]*advDocument // by IdentityID
	parties   []*advParty               // read before the tables they refer to: resolved at the end
	entries   []*advEntry
	relations []advRelation

	tablesDone map[string]bool // ReferenceValueSets, Locations, IDRegDocuments read in full
	out        []Entity
	byProfile  map[string]int // profile ID -> index in out
}

// ParseOFACAdvanced parses the OFAC SDN or Consolidated list in the
// advanced XML format (sdn_advanced.xml, cons_advanced.xml) and returns its
// DateOfIssue (YYYY-MM-DD) as the version. Every ID reference (alias,
// name-part, feature, document and sanctions types, countries, locations,
// profiles of sanctions entries) must resolve; one that does not is an error
// naming the element, its ID and the line. Relationships to profiles that
// are not in the file (the Consolidated list links to SDN parties) are
// skipped.
func ParseOFACAdvanced(list string, r io.Reader) ([]Entity, string, error) {
	doc := &advDoc{
		list:       list,
		refs:       map[string]map[string]advRef{},
		locations:  map[string]*advLocation{},
		docs:       map[string][]*advDocument{},
		tablesDone: map[string]bool{},
		byProfile:  map[string]int{},
	}
	if _, ok := r.(io.ByteReader); !ok {
		r = bufio.NewReaderSize(r, 64<<10) // fewer, larger reads than the decoder's own 4 KB buffer
	}
	d := xml.NewDecoder(r)
	tk := &advTokens{d: d}
	lineOf := func() int { l, _ := d.InputPos(); return l }
	fail := func(what string, err error) error {
		if what != "" {
			return fmt.Errorf("ofac advanced xml line %d: %s: %w", lineOf(), what, err)
		}
		return fmt.Errorf("ofac advanced xml line %d: %w", lineOf(), err)
	}
	root := false
	for {
		tok, err := tk.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", fail("", err)
		}
		if ee, ok := tok.(xml.EndElement); ok {
			if ee.Name.Local == "Locations" || ee.Name.Local == "IDRegDocuments" {
				doc.tablesDone[ee.Name.Local] = true
			}
			continue
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !root {
			if se.Name.Local != "Sanctions" {
				return nil, "", fmt.Errorf("ofac advanced xml: root element is <%s>, want <Sanctions>", se.Name.Local)
			}
			root = true
			continue
		}
		line := lineOf()
		switch se.Name.Local {
		case "DateOfIssue":
			n, err := tk.node(se)
			if err != nil {
				return nil, "", fail("DateOfIssue", err)
			}
			doc.version = formatAdvDate(advDate{n.child("Year").text, n.child("Month").text, n.child("Day").text})
		case "ReferenceValueSets":
			if err := doc.readRefs(tk); err != nil {
				return nil, "", fail("ReferenceValueSets", err)
			}
			doc.tablesDone["ReferenceValueSets"] = true
		case "Location":
			n, err := tk.node(se)
			if err != nil {
				return nil, "", fail("Location "+euAttrs(se.Attr).get("ID"), err)
			}
			x := advLocationOf(n, line)
			if x.ID == "" {
				return nil, "", fmt.Errorf("ofac advanced xml line %d: Location without ID", line)
			}
			doc.locations[x.ID] = x
		case "IDRegDocument":
			n, err := tk.node(se)
			if err != nil {
				return nil, "", fail("IDRegDocument "+euAttrs(se.Attr).get("ID"), err)
			}
			x := &advDocument{ID: n.attrs.get("ID"), TypeID: n.attrs.get("IDRegDocTypeID"), IdentityID: n.attrs.get("IdentityID"),
				CountryID: n.attrs.get("IssuedBy-CountryID"), Number: n.child("IDRegistrationNo").text, line: line}
			doc.docs[x.IdentityID] = append(doc.docs[x.IdentityID], x)
		case "DistinctParty":
			x, err := readAdvParty(tk, se, line)
			if err != nil {
				return nil, "", fail("DistinctParty "+x.FixedRef, err)
			}
			if len(doc.parties) == 0 && len(doc.tablesDone) == 3 {
				// The usual order: every table is known, so the party
				// becomes an entity now and its raw form is dropped.
				if err := doc.addParty(x); err != nil {
					return nil, "", fmt.Errorf("ofac advanced xml %w", err)
				}
			} else {
				doc.parties = append(doc.parties, x)
			}
		case "SanctionsEntry":
			n, err := tk.node(se)
			if err != nil {
				return nil, "", fail("SanctionsEntry "+euAttrs(se.Attr).get("ID"), err)
			}
			doc.entries = append(doc.entries, advEntryOf(n, line))
		case "ProfileRelationship":
			n, err := tk.node(se)
			if err != nil {
				return nil, "", fail("ProfileRelationship "+euAttrs(se.Attr).get("ID"), err)
			}
			doc.relations = append(doc.relations, advRelation{n.attrs.get("ID"), n.attrs.get("From-ProfileID"), n.attrs.get("To-ProfileID")})
		}
	}
	if !root {
		return nil, "", errors.New("ofac advanced xml: no Sanctions element")
	}
	ents, err := doc.resolve()
	if err != nil {
		return nil, "", fmt.Errorf("ofac advanced xml %w", err)
	}
	return ents, doc.version, nil
}

// readAdvParty reads one DistinctParty from the token stream. It is written
// out by hand rather than with DecodeElement: the parties are most of the
// file, and reflection-driven decoding ran at well under half the speed of
// the bare token stream.
func readAdvParty(tk *advTokens, start xml.StartElement, line int) (*advParty, error) {
	p := &advParty{FixedRef: euAttrs(start.Attr).get("FixedRef"), line: line}
	var (
		stack []string // element names below DistinctParty
		text  []byte
		prof  *advProfile
		idn   *advIdentity
		al    *advAlias
		dn    *advDocName
		feat  *advFeature
		ver   *advVersion
		per   *advPeriod
		bound *advBound
		date  *advDate
	)
	parent := func() string {
		if len(stack) < 2 {
			return ""
		}
		return stack[len(stack)-2]
	}
	for {
		tok, err := tk.next()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return p, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name.Local)
			text = text[:0]
			a := euAttrs(t.Attr)
			switch par := parent(); t.Name.Local {
			case "Profile":
				if len(stack) == 1 {
					p.Profiles = append(p.Profiles, advProfile{ID: a.get("ID"), SubTypeID: a.get("PartySubTypeID")})
					prof = &p.Profiles[len(p.Profiles)-1]
				}
			case "Identity":
				if par == "Profile" && prof != nil {
					prof.Identities = append(prof.Identities, advIdentity{ID: a.get("ID"), Primary: a.get("Primary")})
					idn = &prof.Identities[len(prof.Identities)-1]
				}
			case "Alias":
				if par == "Identity" && idn != nil {
					idn.Aliases = append(idn.Aliases, advAlias{TypeID: a.get("AliasTypeID"), Primary: a.get("Primary"), LowQuality: a.get("LowQuality")})
					al = &idn.Aliases[len(idn.Aliases)-1]
				}
			case "DocumentedName":
				if par == "Alias" && al != nil {
					al.Names = append(al.Names, advDocName{})
					dn = &al.Names[len(al.Names)-1]
				}
			case "NamePartValue":
				if par == "DocumentedNamePart" && dn != nil {
					dn.Parts = append(dn.Parts, advNamePart{GroupID: a.get("NamePartGroupID"), ScriptID: a.get("ScriptID")})
				}
			case "NamePartGroup":
				if par == "MasterNamePartGroup" && idn != nil {
					idn.Groups = append(idn.Groups, advGroup{ID: a.get("ID"), TypeID: a.get("NamePartTypeID")})
				}
			case "Feature":
				if par == "Profile" && prof != nil {
					prof.Features = append(prof.Features, advFeature{ID: a.get("ID"), TypeID: a.get("FeatureTypeID")})
					feat = &prof.Features[len(prof.Features)-1]
				}
			case "FeatureVersion":
				if par == "Feature" && feat != nil {
					feat.Versions = append(feat.Versions, advVersion{})
					ver = &feat.Versions[len(feat.Versions)-1]
				}
			case "DatePeriod":
				if par == "FeatureVersion" && ver != nil {
					ver.Periods = append(ver.Periods, advPeriod{})
					per = &ver.Periods[len(ver.Periods)-1]
				}
			case "Start", "End":
				if par == "DatePeriod" && per != nil {
					bound = &advBound{}
					if t.Name.Local == "Start" {
						per.Start = bound
					} else {
						per.End = bound
					}
				}
			case "From", "To":
				if (par == "Start" || par == "End") && bound != nil {
					date = &advDate{}
					if t.Name.Local == "From" {
						bound.From = date
					} else {
						bound.To = date
					}
				}
			case "VersionDetail":
				if par == "FeatureVersion" && ver != nil {
					ver.Details = append(ver.Details, advDetail{RefID: a.get("DetailReferenceID")})
				}
			case "VersionLocation":
				if par == "FeatureVersion" && ver != nil {
					ver.Locations = append(ver.Locations, a.get("LocationID"))
				}
			}
		case xml.CharData:
			text = append(text, t...)
		case xml.EndElement:
			if len(stack) == 0 {
				return p, nil // </DistinctParty>
			}
			par := parent()
			switch t.Name.Local {
			case "Comment":
				if len(stack) == 1 {
					p.Comment = string(text)
				}
			case "NamePartValue":
				if par == "DocumentedNamePart" && dn != nil && len(dn.Parts) > 0 {
					dn.Parts[len(dn.Parts)-1].Text = string(text)
				}
			case "VersionDetail":
				if par == "FeatureVersion" && ver != nil && len(ver.Details) > 0 {
					ver.Details[len(ver.Details)-1].Text = string(text)
				}
			case "Year", "Month", "Day":
				if (par == "From" || par == "To") && date != nil {
					switch t.Name.Local {
					case "Year":
						date.Year = string(text)
					case "Month":
						date.Month = string(text)
					default:
						date.Day = string(text)
					}
				}
			case "Profile":
				prof, idn, al, dn, feat, ver, per, bound, date = nil, nil, nil, nil, nil, nil, nil, nil, nil
			case "Identity":
				idn, al, dn = nil, nil, nil
			case "Alias":
				al, dn = nil, nil
			case "DocumentedName":
				dn = nil
			case "Feature":
				feat, ver, per, bound, date = nil, nil, nil, nil, nil
			case "FeatureVersion":
				ver, per, bound, date = nil, nil, nil, nil
			case "DatePeriod":
				per, bound, date = nil, nil, nil
			case "Start", "End":
				bound, date = nil, nil
			case "From", "To":
				date = nil
			}
			stack = stack[:len(stack)-1]
			text = text[:0]
		}
	}
}

// readRefs reads <ReferenceValueSets>: <XxxValues><Xxx ID="..">text</Xxx>...
func (doc *advDoc) readRefs(tk *advTokens) error {
	depth := 0
	var cur *xml.StartElement
	var text strings.Builder
	for {
		tok, err := tk.next()
		if err != nil {
			if err == io.EOF {
				return io.ErrUnexpectedEOF
			}
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				se := t.Copy()
				cur = &se
				text.Reset()
			}
		case xml.CharData:
			if depth == 2 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 0 {
				return nil // </ReferenceValueSets>
			}
			if depth == 2 && cur != nil {
				table := cur.Name.Local
				id := euAttrs(cur.Attr).get("ID")
				if id != "" {
					m := doc.refs[table]
					if m == nil {
						m = map[string]advRef{}
						doc.refs[table] = m
					}
					m[id] = advRef{text: strings.TrimSpace(text.String()), attrs: cur.Attr}
				}
				cur = nil
			}
			depth--
		}
	}
}

// ref looks up a reference value; what names the referring element.
func (doc *advDoc) ref(table, id, what string) (advRef, error) {
	v, ok := doc.refs[table][strings.TrimSpace(id)]
	if !ok {
		return advRef{}, fmt.Errorf("%s: %sID %q is not defined in ReferenceValueSets", what, table, id)
	}
	return v, nil
}

type advName struct {
	name, kind string
	primary    bool // of the primary identity
}

// addParty turns a DistinctParty into entities, one per Profile.
func (doc *advDoc) addParty(p *advParty) error {
	if len(p.Profiles) == 0 {
		return fmt.Errorf("line %d: DistinctParty %s has no Profile", p.line, p.FixedRef)
	}
	for i := range p.Profiles {
		e, err := doc.entity(p, &p.Profiles[i])
		if err != nil {
			return fmt.Errorf("line %d: DistinctParty %s: %w", p.line, p.FixedRef, err)
		}
		if _, dup := doc.byProfile[e.SourceID]; dup {
			return fmt.Errorf("line %d: DistinctParty %s: Profile %s appears twice", p.line, p.FixedRef, e.SourceID)
		}
		doc.byProfile[e.SourceID] = len(doc.out)
		doc.out = append(doc.out, e)
	}
	return nil
}

// resolve turns the parties not yet resolved into entities and applies the
// sanctions entries (programmes) and relationships (linked to).
func (doc *advDoc) resolve() ([]Entity, error) {
	for _, p := range doc.parties {
		if err := doc.addParty(p); err != nil {
			return nil, err
		}
	}
	doc.parties = nil
	out, byProfile := doc.out, doc.byProfile
	for _, en := range doc.entries {
		i, ok := byProfile[strings.TrimSpace(en.ProfileID)]
		if !ok {
			return nil, fmt.Errorf("line %d: SanctionsEntry %s: ProfileID %q is not a profile in the file", en.line, en.ID, en.ProfileID)
		}
		for _, m := range en.Measures {
			t, err := doc.ref("SanctionsType", m.TypeID, "SanctionsEntry "+en.ID+": SanctionsMeasure")
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", en.line, err)
			}
			if strings.EqualFold(t.text, "Program") {
				out[i].Programs = appendUnique(out[i].Programs, m.Comment)
			}
		}
	}
	for _, rel := range doc.relations {
		from, ok1 := byProfile[strings.TrimSpace(rel.From)]
		to, ok2 := byProfile[strings.TrimSpace(rel.To)]
		if !ok1 || !ok2 {
			continue // a party of another list
		}
		out[from].LinkedTo = appendUnique(out[from].LinkedTo, out[to].PrimaryName())
	}
	return out, nil
}

func (doc *advDoc) entity(p *advParty, pr *advProfile) (Entity, error) {
	id := strings.TrimSpace(pr.ID)
	if id == "" {
		id = strings.TrimSpace(p.FixedRef)
	}
	if id == "" {
		return Entity{}, errors.New("Profile without ID")
	}
	what := "Profile " + id
	e := Entity{List: doc.list, SourceID: id, Remarks: strings.TrimSpace(p.Comment)}
	sub, err := doc.ref("PartySubType", pr.SubTypeID, what)
	if err != nil {
		return e, err
	}
	typ := sub.text
	if !strings.EqualFold(typ, "Vessel") && !strings.EqualFold(typ, "Aircraft") {
		if ptID := sub.attr("PartyTypeID"); ptID != "" {
			pt, err := doc.ref("PartyType", ptID, what+": PartySubType "+pr.SubTypeID)
			if err != nil {
				return e, err
			}
			typ = pt.text
		}
	}
	e.Type = advType(typ)

	// Names: primary names first, then the others in file order.
	var ns []advName
	sawPartTypes := map[string]bool{}
	for ii := range pr.Identities {
		idn := &pr.Identities[ii]
		groups := map[string]string{}
		for _, g := range idn.Groups {
			t, err := doc.ref("NamePartType", g.TypeID, what+": NamePartGroup "+g.ID)
			if err != nil {
				return e, err
			}
			groups[strings.TrimSpace(g.ID)] = t.text
		}
		primaryIdentity := idn.Primary != "false"
		for _, al := range idn.Aliases {
			at, err := doc.ref("AliasType", al.TypeID, what+": Alias")
			if err != nil {
				return e, err
			}
			for _, dn := range al.Names {
				var parts []namePart
				nonLatin := false
				for _, v := range dn.Parts {
					txt := strings.TrimSpace(v.Text)
					if txt == "" {
						continue
					}
					pt, ok := groups[strings.TrimSpace(v.GroupID)]
					if !ok && v.GroupID != "" {
						return e, fmt.Errorf("%s: NamePartValue %q: NamePartGroupID %q is not defined in the identity's NamePartGroups", what, txt, v.GroupID)
					}
					sawPartTypes[pt] = true
					if doc.nonLatin(v.ScriptID, txt) {
						nonLatin = true
					}
					parts = append(parts, namePart{pt, txt})
				}
				n := formatAdvName(parts, nonLatin)
				if n == "" {
					continue
				}
				kind := aliasKind(at.text)
				isPrimary := false
				switch {
				case al.LowQuality == "true":
					kind = "weak"
				case nonLatin:
					kind = "original"
				case al.Primary == "true" && primaryIdentity:
					kind, isPrimary = "primary", true
				}
				ns = append(ns, advName{n, kind, isPrimary})
			}
		}
	}
	for pass := 0; pass < 2; pass++ {
		for _, n := range ns {
			if n.primary == (pass == 0) {
				e.addName(n.name, n.kind)
			}
		}
	}
	if len(e.Names) == 0 {
		return e, fmt.Errorf("%s has no name", what)
	}
	if e.Names[0].Kind != "primary" {
		// No alias flagged primary: the first Latin-script name stands in.
		for i, n := range e.Names {
			if n.Kind != "original" {
				e.Names[0], e.Names[i] = e.Names[i], e.Names[0]
				e.Names[0].Kind = "primary"
				break
			}
		}
	}
	if e.Type == TypeBusiness && sub.attr("PartyTypeID") == "" && strings.EqualFold(sub.text, "Unknown") {
		// Without a PartyType table, the name parts tell a person.
		if sawPartTypes["First Name"] || sawPartTypes["Last Name"] {
			e.Type = TypePerson
		}
	}

	// Identity documents, linked to the profile's identities.
	for _, idn := range pr.Identities {
		for _, dc := range doc.docs[strings.TrimSpace(idn.ID)] {
			w := fmt.Sprintf("%s: IDRegDocument %s (line %d)", what, dc.ID, dc.line)
			t, err := doc.ref("IDRegDocType", dc.TypeID, w)
			if err != nil {
				return e, err
			}
			country := ""
			if dc.CountryID != "" {
				c, err := doc.ref("Country", dc.CountryID, w)
				if err != nil {
					return e, err
				}
				country = c.text
			}
			addOFACIdentifier(&e, t.text, dc.Number, country)
		}
	}

	for _, f := range pr.Features {
		if err := doc.feature(&e, &f, what); err != nil {
			return e, err
		}
	}
	return e, nil
}

// feature applies one Profile/Feature to the entity.
func (doc *advDoc) feature(e *Entity, f *advFeature, what string) error {
	w := what + ": Feature " + f.ID
	ft, err := doc.ref("FeatureType", f.TypeID, w)
	if err != nil {
		return err
	}
	name := ft.text
	lname := strings.ToLower(name)
	for _, v := range f.Versions {
		var texts []string
		for _, dt := range v.Details {
			if dt.RefID != "" {
				r, err := doc.ref("DetailReference", dt.RefID, w)
				if err != nil {
					return err
				}
				texts = append(texts, r.text)
			} else if s := strings.TrimSpace(dt.Text); s != "" {
				texts = append(texts, s)
			}
		}
		var locs []Address
		for _, vl := range v.Locations {
			a, err := doc.location(vl, w)
			if err != nil {
				return err
			}
			locs = append(locs, a)
		}
		switch {
		case lname == "birthdate":
			for _, p := range v.Periods {
				e.DOBs = appendPeriod(e.DOBs, p)
			}
			for _, t := range texts {
				e.DOBs = appendDates(e.DOBs, t)
			}
		case lname == "place of birth":
			for _, t := range texts {
				e.POBs = appendUnique(e.POBs, t)
			}
			for _, a := range locs {
				e.POBs = appendUnique(e.POBs, strings.Join(nonEmpty(a.Line, a.City, a.Country), ", "))
			}
		case lname == "nationality country", lname == "citizenship country", lname == "nationality", lname == "citizenship", lname == "vessel flag":
			for _, t := range texts {
				e.Nationalities = appendUnique(e.Nationalities, t)
			}
			for _, a := range locs {
				e.Nationalities = appendUnique(e.Nationalities, a.Country)
			}
		case lname == "location":
			for _, a := range locs {
				if a != (Address{}) {
					e.Addresses = append(e.Addresses, a)
				}
			}
		case lname == "vessel call sign", lname == "other vessel call sign", lname == "call sign":
			for _, t := range texts {
				e.Documents = append(e.Documents, Document{Type: "Call Sign", Number: t})
			}
		case lname == "phone number":
			// not screened (the CSV and classic XML parsers skip phones too)
		case lname == "gender", lname == "email address", lname == "website", strings.HasPrefix(lname, "digital currency address"),
			lname == "swift/bic", strings.Contains(lname, "number"), strings.Contains(lname, "transponder code"):
			for _, t := range texts {
				addOFACIdentifier(e, name, t, "")
			}
		}
	}
	return nil
}

// location resolves a LocationID into an Address.
func (doc *advDoc) location(id, what string) (Address, error) {
	l, ok := doc.locations[strings.TrimSpace(id)]
	if !ok {
		return Address{}, fmt.Errorf("%s: LocationID %q is not a Location in the file", what, id)
	}
	w := fmt.Sprintf("Location %s (line %d)", l.ID, l.line)
	var line, city []string
	var a1, a2, a3, unknown, cty, state, postal, region string
	for _, p := range l.Parts {
		t, err := doc.ref("LocPartType", p.TypeID, w)
		if err != nil {
			return Address{}, err
		}
		val := ""
		for _, v := range p.Values {
			if val == "" || v[0] == "true" {
				val = strings.TrimSpace(v[1])
			}
		}
		switch strings.ToUpper(t.text) {
		case "ADDRESS1":
			a1 = val
		case "ADDRESS2":
			a2 = val
		case "ADDRESS3":
			a3 = val
		case "CITY":
			cty = val
		case "STATE/PROVINCE":
			state = val
		case "POSTAL CODE":
			postal = val
		case "REGION":
			region = val
		default:
			unknown = strings.Join(nonEmpty(unknown, val), ", ")
		}
	}
	line = nonEmpty(a1, a2, a3, unknown)
	city = nonEmpty(cty, state, postal, region)
	a := Address{Line: strings.Join(line, ", "), City: strings.Join(city, ", ")}
	for _, c := range l.Countries {
		r, err := doc.ref("Country", c, w)
		if err != nil {
			return Address{}, err
		}
		if a.Country == "" {
			a.Country = r.text
		}
	}
	for _, ac := range l.AreaCodes {
		if a.Country != "" {
			break
		}
		r, err := doc.ref("AreaCode", ac, w)
		if err != nil {
			return Address{}, err
		}
		if cid := r.attr("CountryID"); cid != "" {
			c, err := doc.ref("Country", cid, w+": AreaCode "+ac)
			if err != nil {
				return Address{}, err
			}
			a.Country = c.text
		}
	}
	return a, nil
}

// nonLatin reports whether a name part is in another script than Latin,
// by its ScriptID when the Script table defines it, and by its letters.
func (doc *advDoc) nonLatin(scriptID, text string) bool {
	if s, ok := doc.refs["Script"][strings.TrimSpace(scriptID)]; ok {
		code := s.attr("ScriptCode")
		if code != "" && code != "Latn" || code == "" && !strings.EqualFold(s.text, "Latin") {
			return true
		}
	}
	for _, r := range text {
		if unicode.IsLetter(r) && r > unicode.MaxASCII && !unicode.Is(unicode.Latin, r) {
			return true
		}
	}
	return false
}

type namePart struct{ typ, text string }

// formatAdvName writes a documented name the way the OFAC CSV and classic
// XML do: "LAST, First Middle" for a person, the whole name otherwise.
// Names in other scripts keep the parts' order, joined by spaces, except
// Korean and Chinese ones: surname then given name, joined without a space.
func formatAdvName(parts []namePart, nonLatin bool) string {
	if len(parts) == 0 {
		return ""
	}
	var last, given []string
	whole := nonLatin
	for _, p := range parts {
		switch p.typ {
		case "Last Name", "Maiden Name":
			last = append(last, p.text)
		case "First Name", "Middle Name", "Patronymic", "Matronymic", "Nickname":
		default:
			whole = true
		}
	}
	if nonLatin && allCJK(parts) {
		// Korean and Chinese names are written surname first, without spaces
		// (정송화), which is the form the matcher's Hangul reading expects.
		var b strings.Builder
		for _, t := range []string{"Last Name", "Maiden Name", "First Name", "Middle Name"} {
			for _, p := range parts {
				if p.typ == t {
					b.WriteString(strings.ReplaceAll(p.text, " ", ""))
				}
			}
		}
		for _, p := range parts {
			switch p.typ {
			case "Last Name", "Maiden Name", "First Name", "Middle Name":
			default:
				b.WriteString(strings.ReplaceAll(p.text, " ", ""))
			}
		}
		if len(parts) > 1 {
			return b.String()
		}
	}
	if whole || len(last) == 0 {
		var all []string
		for _, p := range parts {
			all = append(all, p.text)
		}
		return strings.Join(all, " ")
	}
	for _, t := range []string{"First Name", "Middle Name", "Patronymic", "Matronymic", "Nickname"} {
		for _, p := range parts {
			if p.typ == t {
				given = append(given, p.text)
			}
		}
	}
	if len(given) == 0 {
		return strings.Join(last, " ")
	}
	return strings.Join(last, " ") + ", " + strings.Join(given, " ")
}

// allCJK reports whether every letter of the parts is Hangul or Han.
func allCJK(parts []namePart) bool {
	for _, p := range parts {
		for _, r := range p.text {
			if unicode.IsLetter(r) && !unicode.Is(unicode.Hangul, r) && !unicode.Is(unicode.Han, r) {
				return false
			}
		}
	}
	return true
}

func aliasKind(aliasType string) string {
	switch strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(aliasType), ".", "")) {
	case "FKA":
		return "fka"
	case "NKA":
		return "nka"
	default:
		return "aka"
	}
}

// advType maps a PartyType (or PartySubType) value to ours.
func advType(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "individual":
		return TypePerson
	case "vessel":
		return TypeVessel
	case "aircraft":
		return TypeAircraft
	default:
		return TypeBusiness
	}
}

type ymd struct{ y, m, d int }

func advYMD(x *advDate, end bool) (ymd, bool) {
	if x == nil {
		return ymd{}, false
	}
	y, err := strconv.Atoi(strings.TrimSpace(x.Year))
	if err != nil || y < 1 {
		return ymd{}, false
	}
	v := ymd{y, 1, 1}
	if end {
		v.m, v.d = 12, 31
	}
	if m, err := strconv.Atoi(strings.TrimSpace(x.Month)); err == nil && m >= 1 && m <= 12 {
		v.m = m
		if end {
			v.d = daysIn(y, m)
		}
		if d, err := strconv.Atoi(strings.TrimSpace(x.Day)); err == nil && d >= 1 && d <= 31 {
			v.d = d
		}
	}
	return v, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// appendPeriod appends a birth-date DatePeriod with the precision the CSV
// parser gives its text: one day (YYYY-MM-DD), one month (YYYY-MM: from the
// 1st to the last day), one year (YYYY: 1 Jan to 31 Dec), or a range (every
// year it covers, up to ten; a wider range says nothing useful and is
// dropped, as "1950 to 1975" is in the CSV). "circa" (Approximate) is
// dropped, as the CSV parser drops it.
func appendPeriod(dst []string, p advPeriod) []string {
	var lo, hi ymd
	var okLo, okHi bool
	if p.Start != nil {
		if lo, okLo = advYMD(p.Start.From, false); !okLo {
			lo, okLo = advYMD(p.Start.To, false)
		}
	}
	if p.End != nil {
		if hi, okHi = advYMD(p.End.To, true); !okHi {
			hi, okHi = advYMD(p.End.From, true)
		}
	}
	if !okLo && p.End != nil {
		lo, okLo = advYMD(p.End.From, false)
	}
	if !okHi && p.Start != nil {
		if hi, okHi = advYMD(p.Start.To, true); !okHi {
			hi, okHi = advYMD(p.Start.From, true)
		}
	}
	if !okLo || !okHi || hi.y < lo.y || lo.y < 1800 || hi.y > 2200 {
		return dst
	}
	var s string
	switch {
	case lo == hi:
		s = fmt.Sprintf("%04d-%02d-%02d", lo.y, lo.m, lo.d)
	case lo.y == hi.y && lo.m == hi.m && lo.d == 1 && hi.d == daysIn(hi.y, hi.m):
		s = fmt.Sprintf("%04d-%02d", lo.y, lo.m)
	case hi.y-lo.y <= 10:
		for y := lo.y; y <= hi.y; y++ {
			dst = appendUnique(dst, strconv.Itoa(y))
		}
		return dst
	default:
		return dst
	}
	return appendUnique(dst, s)
}

func formatAdvDate(x advDate) string {
	v, ok := advYMD(&x, false)
	if !ok {
		return strings.TrimSpace(x.Year)
	}
	if strings.TrimSpace(x.Month) == "" {
		return strconv.Itoa(v.y)
	}
	return fmt.Sprintf("%04d-%02d-%02d", v.y, v.m, v.d)
}
