package sanctions

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// header maps column names (case-insensitive, trimmed) to positions.
type header map[string]int

func newHeader(rec []string) header {
	h := header{}
	for i, c := range rec {
		c = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")))
		if _, dup := h[c]; !dup {
			h[c] = i
		}
	}
	return h
}

// get returns the first present column among names.
func (h header) get(rec []string, names ...string) string {
	for _, n := range names {
		if i, ok := h[n]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
	}
	return ""
}

func (h header) has(names ...string) bool {
	for _, n := range names {
		if _, ok := h[n]; ok {
			return true
		}
	}
	return false
}

func splitList(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %w", name, pe.Line, err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// ParseCSL parses the US Consolidated Screening List CSV (the current
// trade.gov layout with _id, and the older one without it).
func ParseCSL(r io.Reader) ([]Entity, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	rec, err := cr.Read()
	if err != nil {
		return nil, csvError("csl", err)
	}
	h := newHeader(rec)
	if !h.has("name") || !h.has("source") {
		return nil, errors.New("csl: header lacks name/source columns")
	}
	var out []Entity
	line := 1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			return nil, csvError("csl", err)
		}
		name := h.get(rec, "name")
		if name == "" {
			continue
		}
		id := h.get(rec, "entity_number")
		if id == "" {
			id = h.get(rec, "_id")
		}
		if id == "" {
			id = "row" + strconv.Itoa(line)
		}
		src := h.get(rec, "source")
		if i := strings.LastIndex(src, "("); i >= 0 {
			if j := strings.Index(src[i:], ")"); j > 0 {
				id = src[i+1:i+j] + "-" + id
			}
		}
		e := Entity{List: ListCSL, SourceID: id, Type: cslType(h.get(rec, "type"), name)}
		e.addName(name, "primary")
		for _, a := range splitList(h.get(rec, "alt_names"), ";") {
			e.addName(a, "aka")
		}
		for _, p := range splitList(h.get(rec, "programs"), ";") {
			e.Programs = appendUnique(e.Programs, p)
		}
		if src != "" {
			e.Programs = appendUnique(e.Programs, src)
		}
		for _, a := range splitList(h.get(rec, "addresses"), ";") {
			parts := splitList(a, ",")
			ad := Address{Line: a}
			if len(parts) > 0 {
				ad.Country = parts[len(parts)-1]
			}
			e.Addresses = append(e.Addresses, ad)
		}
		for _, c := range splitList(h.get(rec, "citizenships")+";"+h.get(rec, "nationalities"), ";") {
			e.Nationalities = appendUnique(e.Nationalities, c)
		}
		for _, d := range splitList(h.get(rec, "dates_of_birth"), ";") {
			e.DOBs = appendDates(e.DOBs, d)
		}
		for _, p := range splitList(h.get(rec, "places_of_birth"), ";") {
			e.POBs = appendUnique(e.POBs, p)
		}
		for _, d := range splitList(h.get(rec, "ids"), ";") {
			ps := splitList(d, ",")
			if len(ps) >= 2 {
				doc := Document{Type: ps[0], Number: ps[1]}
				if len(ps) >= 3 {
					doc.Country = ps[2]
				}
				if strings.HasPrefix(doc.Type, "Digital Currency Address") {
					cur := strings.TrimSpace(strings.TrimPrefix(doc.Type, "Digital Currency Address -"))
					e.Crypto = append(e.Crypto, CryptoAddress{Currency: cur, Address: doc.Number})
				} else {
					e.Documents = append(e.Documents, doc)
				}
			}
		}
		if v := h.get(rec, "remarks"); v != "" {
			e.Remarks = v
			parseOFACRemarks(&e, v)
		}
		out = append(out, e)
	}
	return out, nil
}

func cslType(t, name string) string {
	switch strings.ToLower(t) {
	case "individual":
		return TypePerson
	case "vessel":
		return TypeVessel
	case "aircraft":
		return TypeAircraft
	}
	return TypeBusiness
}

// ParseEUCSV parses the EU Financial Sanctions File in its CSV form
// (semicolon separated, one row per name, address, birth date, document or
// citizenship, grouped by Entity_LogicalId).
func ParseEUCSV(r io.Reader) ([]Entity, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	cr := csv.NewReader(br)
	cr.Comma = ';'
	if !bytes.Contains(head, []byte(";")) && bytes.Contains(head, []byte(",")) {
		cr.Comma = ','
	}
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	rec, err := cr.Read()
	if err != nil {
		return nil, csvError("eu csv", err)
	}
	h := newHeader(rec)
	if !h.has("entity_logicalid") {
		return nil, errors.New("eu csv: header lacks Entity_LogicalId")
	}
	var out []Entity
	idx := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError("eu csv", err)
		}
		id := h.get(rec, "entity_logicalid")
		if id == "" {
			continue
		}
		i, ok := idx[id]
		if !ok {
			typ := TypeBusiness
			if strings.EqualFold(h.get(rec, "entity_subjecttype"), "person") || h.get(rec, "entity_subjecttype_classificationcode") == "P" {
				typ = TypePerson
			}
			out = append(out, Entity{List: ListEU, SourceID: id, Type: typ, Remarks: h.get(rec, "entity_remark")})
			i = len(out) - 1
			idx[id] = i
		}
		e := &out[i]
		if p := h.get(rec, "entity_regulation_programme"); p != "" {
			e.Programs = appendUnique(e.Programs, "EU "+p)
		}
		whole := h.get(rec, "namealias_wholename")
		if whole == "" {
			whole = strings.Join(nonEmpty(h.get(rec, "namealias_firstname"), h.get(rec, "namealias_middlename"), h.get(rec, "namealias_lastname")), " ")
		}
		kind := "aka"
		if len(e.Names) == 0 {
			kind = "primary"
		}
		e.addName(whole, kind)
		switch strings.ToUpper(h.get(rec, "namealias_gender")) {
		case "M":
			e.Gender = "male"
		case "F":
			e.Gender = "female"
		}
		if d := h.get(rec, "birthdate_birthdate"); d != "" {
			e.DOBs = appendUnique(e.DOBs, ParseDate(d))
		} else if y := h.get(rec, "birthdate_year"); y != "" {
			e.DOBs = appendUnique(e.DOBs, ParseDate(y))
		}
		if c := h.get(rec, "birthdate_city"); c != "" || h.get(rec, "birthdate_countrydescription") != "" {
			e.POBs = appendUnique(e.POBs, strings.Join(nonEmpty(c, h.get(rec, "birthdate_countrydescription")), ", "))
		}
		if c := h.get(rec, "citizenship_countryiso2code"); c != "" {
			e.Nationalities = appendUnique(e.Nationalities, c)
		}
		if n := h.get(rec, "identification_number"); n != "" {
			e.Documents = append(e.Documents, Document{Type: h.get(rec, "identification_identificationtypedescription", "identification_identificationtypecode"), Number: n, Country: h.get(rec, "identification_countryiso2code")})
		}
		ad := Address{Line: h.get(rec, "address_street"), City: h.get(rec, "address_city"), Country: h.get(rec, "address_countryiso2code", "address_countrydescription")}
		if ad != (Address{}) {
			e.Addresses = append(e.Addresses, ad)
		}
	}
	for i := range out {
		if len(out[i].Names) == 0 {
			out[i].addName(out[i].SourceID, "primary")
		}
	}
	return out, nil
}

// ParseUKCSV parses the UK sanctions list CSV: the FCDO "UK Sanctions
// List" layout (Unique ID, Name type, Designation Type ...) and the OFSI
// consolidated list layout (Group ID, Alias Type, Group Type ...). Both
// start with a line giving the report date, returned as the version.
func ParseUKCSV(r io.Reader) ([]Entity, string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var h header
	version := ""
	for i := 0; i < 5; i++ {
		rec, err := cr.Read()
		if err != nil {
			return nil, "", csvError("uk csv", err)
		}
		hh := newHeader(rec)
		if hh.has("name 6") {
			h = hh
			break
		}
		version = strings.TrimSpace(strings.Join(rec, " "))
		version = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(version, "Report Date:"), "Last Updated"))
	}
	if h == nil {
		return nil, "", errors.New("uk csv: no header row with a \"Name 6\" column")
	}
	var out []Entity
	idx := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", csvError("uk csv", err)
		}
		id := h.get(rec, "unique id", "group id")
		if id == "" {
			continue
		}
		i, ok := idx[id]
		if !ok {
			typ := h.get(rec, "designation type", "group type", "type of entity")
			t := TypeBusiness
			switch strings.ToLower(typ) {
			case "individual":
				t = TypePerson
			case "ship":
				t = TypeVessel
			}
			out = append(out, Entity{List: ListUK, SourceID: id, Type: t})
			i = len(out) - 1
			idx[id] = i
		}
		e := &out[i]
		given := nonEmpty(h.get(rec, "name 1"), h.get(rec, "name 2"), h.get(rec, "name 3"), h.get(rec, "name 4"), h.get(rec, "name 5"))
		name := strings.Join(append(given, h.get(rec, "name 6")), " ")
		kind := strings.ToLower(h.get(rec, "name type", "alias type"))
		strength := strings.ToLower(h.get(rec, "alias strength", "alias quality"))
		switch {
		case strings.HasPrefix(kind, "primary name") && !strings.Contains(kind, "variation"):
			kind = "primary"
		case strings.Contains(strength, "weak") || strings.Contains(strength, "low"):
			kind = "weak"
		default:
			kind = "aka"
		}
		if kind == "primary" && len(e.Names) > 0 && e.Names[0].Kind != "primary" {
			e.Names = append([]Name{{Name: strings.TrimSpace(name), Kind: "primary"}}, e.Names...)
		} else {
			e.addName(name, kind)
		}
		e.addName(h.get(rec, "name non-latin script"), "original")
		if p := h.get(rec, "regime name", "regime"); p != "" {
			e.Programs = appendUnique(e.Programs, p)
		}
		for _, d := range splitList(h.get(rec, "d.o.b", "dob"), "|") {
			e.DOBs = appendUnique(e.DOBs, ukDate(d))
		}
		for _, n := range splitList(h.get(rec, "nationality(/ies)", "nationality"), "|") {
			e.Nationalities = appendUnique(e.Nationalities, strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(n, "(1)"), "(2)")))
		}
		if g := strings.ToLower(h.get(rec, "gender")); g == "male" || g == "female" {
			e.Gender = g
		}
		if p := h.get(rec, "passport number"); p != "" {
			e.Documents = append(e.Documents, Document{Type: "Passport", Number: p})
		}
		if p := h.get(rec, "national identifier number", "national identification number"); p != "" {
			e.Documents = append(e.Documents, Document{Type: "National ID", Number: p})
		}
		if p := h.get(rec, "imo number"); p != "" {
			e.Documents = append(e.Documents, Document{Type: "IMO", Number: p})
		}
		if c := h.get(rec, "country of birth"); c != "" {
			e.POBs = appendUnique(e.POBs, strings.Join(nonEmpty(h.get(rec, "town of birth"), c), ", "))
		}
		ad := Address{Line: h.get(rec, "address line 1", "address 1"), City: h.get(rec, "address line 5", "address 5"), Country: h.get(rec, "address country", "country")}
		if ad != (Address{}) {
			e.Addresses = append(e.Addresses, ad)
		}
		for _, w := range splitList(h.get(rec, "website"), "|") {
			e.Websites = appendUnique(e.Websites, w)
		}
		for _, w := range splitList(h.get(rec, "email address"), "|") {
			e.Emails = appendUnique(e.Emails, w)
		}
		if v := h.get(rec, "other information"); v != "" && e.Remarks == "" {
			e.Remarks = v
		}
	}
	return out, version, nil
}

// ukDate reads dd/mm/yyyy where unknown parts are 00.
func ukDate(s string) string {
	ps := strings.Split(strings.TrimSpace(s), "/")
	if len(ps) != 3 || len(ps[2]) != 4 || !isDigits(ps[2]) {
		return ParseDate(s)
	}
	if ps[1] == "00" || ps[1] == "" {
		return ps[2]
	}
	if ps[0] == "00" || ps[0] == "" {
		return ParseDate(ps[2] + "-" + ps[1])
	}
	return ParseDate(s)
}
