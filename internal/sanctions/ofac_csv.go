package sanctions

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// OFACFiles are the readers of one OFAC legacy CSV set. SDN is required; the
// others may be nil. The same layout serves the SDN list (sdn.csv, alt.csv,
// add.csv, sdn_comments.csv) and the Consolidated non-SDN list
// (cons_prim.csv, cons_alt.csv, cons_add.csv, cons_comments.csv).
type OFACFiles struct {
	SDN, Alt, Add, Comments io.Reader
}

// ofacCell cleans one OFAC CSV field: "-0-" means empty.
func ofacCell(s string) string {
	s = strings.TrimSpace(s)
	if s == "-0-" {
		return ""
	}
	return s
}

// readOFACCSV reads a headerless OFAC CSV and calls fn for each record with
// its line number. The trailing ^Z end-of-file marker is ignored.
func readOFACCSV(name string, r io.Reader, minFields int, fn func(line int, rec []string)) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return fmt.Errorf("%s:%d: %w", name, pe.Line, err)
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		if len(rec) == 1 && strings.Trim(rec[0], "\x1a \r\n") == "" {
			continue
		}
		if len(rec) < minFields {
			return fmt.Errorf("%s:%d: %d fields, want at least %d", name, line, len(rec), minFields)
		}
		fn(line, rec)
	}
}

// ParseOFACCSV parses an OFAC legacy CSV set into entities, in file order.
func ParseOFACCSV(list string, f OFACFiles) ([]Entity, error) {
	if f.SDN == nil {
		return nil, errors.New("ofac: the primary file (sdn.csv) is required")
	}
	var out []Entity
	idx := map[string]int{}
	remarks := map[string]*strings.Builder{}
	err := readOFACCSV("sdn.csv", f.SDN, 12, func(line int, rec []string) {
		id := strings.TrimSpace(rec[0])
		if id == "" {
			return
		}
		e := Entity{List: list, SourceID: id}
		typ := ofacCell(rec[2])
		if typ == "" {
			e.Type = TypeBusiness
		} else {
			e.Type = normType(typ)
		}
		e.addName(rec[1], "primary")
		for _, p := range strings.Split(ofacCell(rec[3]), "] [") {
			p = strings.Trim(p, "[] ")
			e.Programs = appendUnique(e.Programs, p)
		}
		if v := ofacCell(rec[9]); v != "" {
			e.Nationalities = appendUnique(e.Nationalities, v) // vessel flag
		}
		if v := ofacCell(rec[5]); v != "" {
			e.Documents = append(e.Documents, Document{Type: "Call Sign", Number: v})
		}
		b := &strings.Builder{}
		b.WriteString(ofacCell(rec[11]))
		remarks[id] = b
		idx[id] = len(out)
		out = append(out, e)
	})
	if err != nil {
		return nil, err
	}
	if f.Comments != nil {
		err := readOFACCSV("sdn_comments.csv", f.Comments, 2, func(line int, rec []string) {
			if b, ok := remarks[strings.TrimSpace(rec[0])]; ok {
				b.WriteString(ofacCell(rec[1]))
			}
		})
		if err != nil {
			return nil, err
		}
	}
	if f.Alt != nil {
		err := readOFACCSV("alt.csv", f.Alt, 4, func(line int, rec []string) {
			i, ok := idx[strings.TrimSpace(rec[0])]
			if !ok {
				return
			}
			kind := strings.ToLower(ofacCell(rec[2]))
			if kind == "" {
				kind = "aka"
			}
			if len(rec) > 4 && strings.Contains(strings.ToLower(rec[4]), "low quality") {
				kind = "weak"
			}
			out[i].addName(rec[3], kind)
		})
		if err != nil {
			return nil, err
		}
	}
	if f.Add != nil {
		err := readOFACCSV("add.csv", f.Add, 5, func(line int, rec []string) {
			i, ok := idx[strings.TrimSpace(rec[0])]
			if !ok {
				return
			}
			a := Address{Line: ofacCell(rec[2]), City: ofacCell(rec[3]), Country: ofacCell(rec[4])}
			if a != (Address{}) {
				out[i].Addresses = append(out[i].Addresses, a)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	for i := range out {
		r := remarks[out[i].SourceID].String()
		out[i].Remarks = r
		parseOFACRemarks(&out[i], r)
	}
	return out, nil
}

var (
	reAKA      = regexp.MustCompile(`\b([afn])\.k\.a\.,?\s+'([^']+(?:'[a-zA-Z][^']*)*)'`)
	reCrypto   = regexp.MustCompile(`Digital Currency Address - ([A-Za-z0-9]+)\s+([A-Za-z0-9:]+)`)
	reEmail    = regexp.MustCompile(`Email Address ([^\s;]+)`)
	reWebsite  = regexp.MustCompile(`Website ([^\s;]+)`)
	reLinked   = regexp.MustCompile(`Linked To: ([^;]+)`)
	reDocCtry  = regexp.MustCompile(`\(([^)]+)\)`)
	reDocWords = regexp.MustCompile(`(?i)\b(passport|id|no\.?|number|registration|license|licence|code|card|imo|mmsi|cedula|nit|rfc|curp|ssn|d\.n\.i\.|ruc|serial|certificate|identification|tax)\b`)
)

// parseOFACRemarks extracts structured facts from an OFAC Remarks field.
func parseOFACRemarks(e *Entity, r string) {
	if r == "" {
		return
	}
	for _, m := range reAKA.FindAllStringSubmatch(r, -1) {
		kind := "weak"
		if m[1] == "f" {
			kind = "fka"
		} else if m[1] == "n" {
			kind = "nka"
		}
		e.addName(m[2], kind)
	}
	for _, m := range reCrypto.FindAllStringSubmatch(r, -1) {
		e.Crypto = append(e.Crypto, CryptoAddress{Currency: m[1], Address: strings.TrimRight(m[2], ".")})
	}
	for _, m := range reEmail.FindAllStringSubmatch(r, -1) {
		e.Emails = appendUnique(e.Emails, strings.TrimRight(m[1], ".,"))
	}
	for _, m := range reWebsite.FindAllStringSubmatch(r, -1) {
		e.Websites = appendUnique(e.Websites, strings.TrimRight(m[1], ".,"))
	}
	for _, m := range reLinked.FindAllStringSubmatch(r, -1) {
		e.LinkedTo = appendUnique(e.LinkedTo, strings.TrimRight(strings.TrimSpace(m[1]), "."))
	}
	for _, item := range strings.Split(r, ";") {
		item = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(item), "."))
		item = strings.TrimPrefix(item, "alt. ")
		switch {
		case item == "":
		case strings.HasPrefix(item, "DOB "):
			e.DOBs = appendDates(e.DOBs, item[4:])
		case strings.HasPrefix(item, "POB "):
			e.POBs = appendUnique(e.POBs, item[4:])
		case strings.HasPrefix(item, "nationality "):
			e.Nationalities = appendUnique(e.Nationalities, item[len("nationality "):])
		case strings.HasPrefix(item, "citizen "):
			e.Nationalities = appendUnique(e.Nationalities, item[len("citizen "):])
		case strings.HasPrefix(item, "Gender "):
			e.Gender = strings.ToLower(strings.TrimSpace(item[7:]))
		case strings.Contains(item, "a.k.a.") || strings.Contains(item, "Digital Currency") ||
			strings.HasPrefix(item, "Email") || strings.HasPrefix(item, "Website") || strings.HasPrefix(item, "Linked To") ||
			strings.HasPrefix(item, "Phone") || strings.HasPrefix(item, "Telephone") || strings.HasPrefix(item, "Fax") ||
			strings.HasPrefix(item, "Additional Sanctions") || strings.HasPrefix(item, "Secondary sanctions") ||
			strings.HasPrefix(item, "Listing Date") || strings.HasPrefix(item, "Effective Date") ||
			strings.HasPrefix(item, "Organization Established") || strings.HasPrefix(item, "Transactions Prohibited"):
		default:
			if d, ok := parseDocument(item); ok {
				e.Documents = append(e.Documents, d)
			}
		}
	}
}

// parseDocument reads "TYPE NUMBER (COUNTRY) ..." where NUMBER is the first
// word holding a digit and TYPE names a document.
func parseDocument(item string) (Document, bool) {
	fs := strings.Fields(item)
	for i, f := range fs {
		if i == 0 || !strings.ContainsAny(f, "0123456789") {
			continue
		}
		typ := strings.Join(fs[:i], " ")
		if !reDocWords.MatchString(typ) || len(typ) > 80 {
			return Document{}, false
		}
		d := Document{Type: typ, Number: strings.TrimRight(f, ",.")}
		rest := strings.Join(fs[i+1:], " ")
		if m := reDocCtry.FindStringSubmatch(rest); m != nil && strings.Index(rest, "(") < 3 {
			d.Country = m[1]
		}
		return d, true
	}
	return Document{}, false
}

var monthNum = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// appendDates parses an OFAC date expression ("25 Mar 1977", "Mar 1977",
// "1977", "circa 1977", "1960 to 1962", "01 Jan 1960 to 31 Dec 1962") and
// appends each date as YYYY, YYYY-MM or YYYY-MM-DD.
func appendDates(dst []string, s string) []string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "circa"))
	if a, b, ok := strings.Cut(s, " to "); ok {
		ya, yb := lastYear(a), lastYear(b)
		if ya > 0 && yb >= ya && yb-ya <= 10 {
			for y := ya; y <= yb; y++ {
				dst = appendUnique(dst, strconv.Itoa(y))
			}
			return dst
		}
	}
	if d := ParseDate(s); d != "" {
		dst = appendUnique(dst, d)
	}
	return dst
}

func lastYear(s string) int {
	fs := strings.Fields(s)
	if len(fs) == 0 {
		return 0
	}
	y, err := strconv.Atoi(fs[len(fs)-1])
	if err != nil || y < 1800 || y > 2200 {
		return 0
	}
	return y
}

// ParseDate reads a date in the forms lists use ("25 Mar 1977", "Mar 1977",
// "1977", "1977-03-25", "1977-03", "25/03/1977", "25.03.1977") and returns
// YYYY, YYYY-MM or YYYY-MM-DD, or "" when it cannot.
func ParseDate(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if len(s) >= 4 && isDigits(s[:4]) {
		parts := strings.Split(strings.SplitN(s, "T", 2)[0], "-")
		y, _ := strconv.Atoi(parts[0])
		if y < 1800 || y > 2200 || len(parts[0]) != 4 {
			return ""
		}
		out := parts[0]
		if len(parts) > 1 {
			m, err := strconv.Atoi(parts[1])
			if err != nil || m < 1 || m > 12 {
				return out
			}
			out += fmt.Sprintf("-%02d", m)
			if len(parts) > 2 {
				d, err := strconv.Atoi(parts[2])
				if err == nil && d >= 1 && d <= 31 {
					out += fmt.Sprintf("-%02d", d)
				}
			}
		}
		return out
	}
	if strings.ContainsAny(s, "/.") {
		ps := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '.' })
		if len(ps) == 3 && isDigits(ps[0]) && isDigits(ps[1]) && isDigits(ps[2]) && len(ps[2]) == 4 {
			d, _ := strconv.Atoi(ps[0])
			m, _ := strconv.Atoi(ps[1])
			if d >= 1 && d <= 31 && m >= 1 && m <= 12 {
				return fmt.Sprintf("%s-%02d-%02d", ps[2], m, d)
			}
		}
		return ""
	}
	fs := strings.Fields(s)
	switch len(fs) {
	case 1:
		return ""
	case 2:
		m := monthNum[strings.ToLower(firstN(fs[0], 3))]
		y, err := strconv.Atoi(fs[1])
		if m == 0 || err != nil || y < 1800 || y > 2200 {
			return ""
		}
		return fmt.Sprintf("%04d-%02d", y, m)
	case 3:
		d, err1 := strconv.Atoi(fs[0])
		m := monthNum[strings.ToLower(firstN(fs[1], 3))]
		y, err2 := strconv.Atoi(fs[2])
		if err1 != nil || err2 != nil || m == 0 || d < 1 || d > 31 || y < 1800 || y > 2200 {
			return ""
		}
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	}
	return ""
}

func firstN(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
