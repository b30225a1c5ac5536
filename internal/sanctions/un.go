package sanctions

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

type unValue struct {
	Value string `xml:"VALUE"`
}

type unAlias struct {
	Quality string `xml:"QUALITY"`
	Name    string `xml:"ALIAS_NAME"`
}

type unAddress struct {
	Street  string `xml:"STREET"`
	City    string `xml:"CITY"`
	State   string `xml:"STATE_PROVINCE"`
	Country string `xml:"COUNTRY"`
}

type unDOB struct {
	Type string `xml:"TYPE_OF_DATE"`
	Date string `xml:"DATE"`
	Year string `xml:"YEAR"`
	From string `xml:"FROM_YEAR"`
	To   string `xml:"TO_YEAR"`
}

type unPOB struct {
	City    string `xml:"CITY"`
	State   string `xml:"STATE_PROVINCE"`
	Country string `xml:"COUNTRY"`
}

type unDoc struct {
	Type    string `xml:"TYPE_OF_DOCUMENT"`
	Type2   string `xml:"TYPE_OF_DOCUMENT2"`
	Number  string `xml:"NUMBER"`
	Country string `xml:"ISSUING_COUNTRY"`
}

type unRecord struct {
	DataID       string      `xml:"DATAID"`
	First        string      `xml:"FIRST_NAME"`
	Second       string      `xml:"SECOND_NAME"`
	Third        string      `xml:"THIRD_NAME"`
	Fourth       string      `xml:"FOURTH_NAME"`
	ListType     string      `xml:"UN_LIST_TYPE"`
	Reference    string      `xml:"REFERENCE_NUMBER"`
	Gender       string      `xml:"GENDER"`
	Comments     string      `xml:"COMMENTS1"`
	Original     string      `xml:"NAME_ORIGINAL_SCRIPT"`
	Nationality  []unValue   `xml:"NATIONALITY"`
	IndAliases   []unAlias   `xml:"INDIVIDUAL_ALIAS"`
	EntAliases   []unAlias   `xml:"ENTITY_ALIAS"`
	IndAddresses []unAddress `xml:"INDIVIDUAL_ADDRESS"`
	EntAddresses []unAddress `xml:"ENTITY_ADDRESS"`
	DOBs         []unDOB     `xml:"INDIVIDUAL_DATE_OF_BIRTH"`
	POBs         []unPOB     `xml:"INDIVIDUAL_PLACE_OF_BIRTH"`
	Docs         []unDoc     `xml:"INDIVIDUAL_DOCUMENT"`
}

// ParseUNXML parses the UN Security Council Consolidated List XML. It
// returns the entities and the list's dateGenerated attribute.
func ParseUNXML(r io.Reader) ([]Entity, string, error) {
	d := xml.NewDecoder(r)
	var out []Entity
	var generated string
	sawRoot := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			return nil, "", fmt.Errorf("un xml line %d: %w", line, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "CONSOLIDATED_LIST":
			sawRoot = true
			for _, a := range se.Attr {
				if a.Name.Local == "dateGenerated" {
					generated = a.Value
				}
			}
		case "INDIVIDUAL", "ENTITY":
			var rec unRecord
			if err := d.DecodeElement(&rec, &se); err != nil {
				line, _ := d.InputPos()
				return nil, "", fmt.Errorf("un xml line %d: %w", line, err)
			}
			out = append(out, unEntity(&rec, se.Name.Local == "INDIVIDUAL"))
		}
	}
	if !sawRoot {
		return nil, "", fmt.Errorf("un xml: no CONSOLIDATED_LIST element")
	}
	return out, generated, nil
}

func unEntity(rec *unRecord, person bool) Entity {
	e := Entity{List: ListUN, SourceID: strings.TrimSpace(rec.Reference), Type: TypeBusiness}
	if e.SourceID == "" {
		e.SourceID = strings.TrimSpace(rec.DataID)
	}
	if person {
		e.Type = TypePerson
	}
	parts := []string{}
	for _, p := range []string{rec.First, rec.Second, rec.Third, rec.Fourth} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	e.addName(strings.Join(parts, " "), "primary")
	e.addName(rec.Original, "original")
	aliases := rec.IndAliases
	if !person {
		aliases = rec.EntAliases
	}
	for _, a := range aliases {
		kind := "aka"
		if strings.EqualFold(strings.TrimSpace(a.Quality), "low") {
			kind = "weak"
		}
		for _, n := range strings.Split(a.Name, ";") {
			e.addName(n, kind)
		}
	}
	if l := strings.TrimSpace(rec.ListType); l != "" {
		e.Programs = append(e.Programs, "UN "+l)
	}
	for _, n := range rec.Nationality {
		e.Nationalities = appendUnique(e.Nationalities, n.Value)
	}
	if g := strings.ToLower(strings.TrimSpace(rec.Gender)); g == "male" || g == "female" {
		e.Gender = g
	}
	for _, a := range append(rec.IndAddresses, rec.EntAddresses...) {
		ad := Address{Line: strings.TrimSpace(strings.Join(nonEmpty(a.Street, a.State), ", ")), City: strings.TrimSpace(a.City), Country: strings.TrimSpace(a.Country)}
		if ad != (Address{}) {
			e.Addresses = append(e.Addresses, ad)
		}
	}
	for _, d := range rec.DOBs {
		switch {
		case d.Date != "":
			e.DOBs = appendUnique(e.DOBs, ParseDate(d.Date))
		case d.Year != "":
			e.DOBs = appendUnique(e.DOBs, ParseDate(d.Year))
		case d.From != "" && d.To != "":
			e.DOBs = appendDates(e.DOBs, d.From+" to "+d.To)
		}
	}
	for _, p := range rec.POBs {
		if s := strings.Join(nonEmpty(p.City, p.State, p.Country), ", "); s != "" {
			e.POBs = appendUnique(e.POBs, s)
		}
	}
	for _, d := range rec.Docs {
		if n := strings.TrimSpace(d.Number); n != "" {
			e.Documents = append(e.Documents, Document{Type: strings.TrimSpace(d.Type), Number: n, Country: strings.TrimSpace(d.Country)})
		}
	}
	e.Remarks = strings.TrimSpace(rec.Comments)
	return e
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
