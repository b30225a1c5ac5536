package sanctions

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

type ofacXMLEntry struct {
	UID       string   `xml:"uid"`
	LastName  string   `xml:"lastName"`
	FirstName string   `xml:"firstName"`
	Type      string   `xml:"sdnType"`
	Programs  []string `xml:"programList>program"`
	IDs       []struct {
		Type    string `xml:"idType"`
		Number  string `xml:"idNumber"`
		Country string `xml:"idCountry"`
	} `xml:"idList>id"`
	AKAs []struct {
		Type      string `xml:"type"`
		Category  string `xml:"category"`
		LastName  string `xml:"lastName"`
		FirstName string `xml:"firstName"`
	} `xml:"akaList>aka"`
	Addresses []struct {
		Address1 string `xml:"address1"`
		Address2 string `xml:"address2"`
		City     string `xml:"city"`
		State    string `xml:"stateOrProvince"`
		Country  string `xml:"country"`
	} `xml:"addressList>address"`
	Nationalities []string `xml:"nationalityList>nationality>country"`
	Citizenships  []string `xml:"citizenshipList>citizenship>country"`
	DOBs          []string `xml:"dateOfBirthList>dateOfBirthItem>dateOfBirth"`
	POBs          []string `xml:"placeOfBirthList>placeOfBirthItem>placeOfBirth"`
	Vessel        struct {
		CallSign string `xml:"callSign"`
		Flag     string `xml:"vesselFlag"`
	} `xml:"vesselInfo"`
	Remarks string `xml:"remarks"`
}

func ofacXMLName(last, first string) string {
	last, first = strings.TrimSpace(last), strings.TrimSpace(first)
	if first == "" {
		return last
	}
	if last == "" {
		return first
	}
	return last + ", " + first
}

// ParseOFACXML parses the OFAC SDN (or Consolidated) list in the classic
// sdn.xml layout and returns its publish date as the version. The
// "advanced" XML (sdn_advanced.xml) is a different schema: ParseOFACAdvanced.
func ParseOFACXML(list string, r io.Reader) ([]Entity, string, error) {
	d := xml.NewDecoder(r)
	var out []Entity
	version := ""
	root := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			return nil, "", fmt.Errorf("ofac xml line %d: %w", line, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "sdnList":
			root = true
		case "Publish_Date":
			var s string
			if err := d.DecodeElement(&s, &se); err == nil {
				version = strings.TrimSpace(s)
			}
		case "sdnEntry":
			var x ofacXMLEntry
			if err := d.DecodeElement(&x, &se); err != nil {
				line, _ := d.InputPos()
				return nil, "", fmt.Errorf("ofac xml line %d: %w", line, err)
			}
			e := Entity{List: list, SourceID: strings.TrimSpace(x.UID), Type: TypeBusiness}
			if t := strings.TrimSpace(x.Type); t != "" && !strings.EqualFold(t, "entity") {
				e.Type = normType(t)
			}
			e.addName(ofacXMLName(x.LastName, x.FirstName), "primary")
			for _, p := range x.Programs {
				e.Programs = appendUnique(e.Programs, p)
			}
			for _, a := range x.AKAs {
				kind := strings.ToLower(strings.TrimSuffix(strings.ReplaceAll(a.Type, ".", ""), " "))
				if strings.EqualFold(a.Category, "weak") {
					kind = "weak"
				}
				e.addName(ofacXMLName(a.LastName, a.FirstName), kind)
			}
			for _, id := range x.IDs {
				addOFACIdentifier(&e, id.Type, id.Number, id.Country)
			}
			for _, a := range x.Addresses {
				ad := Address{Line: strings.Join(nonEmpty(a.Address1, a.Address2), ", "), City: strings.Join(nonEmpty(a.City, a.State), ", "), Country: strings.TrimSpace(a.Country)}
				if ad != (Address{}) {
					e.Addresses = append(e.Addresses, ad)
				}
			}
			for _, n := range append(x.Nationalities, x.Citizenships...) {
				e.Nationalities = appendUnique(e.Nationalities, n)
			}
			for _, dob := range x.DOBs {
				e.DOBs = appendDates(e.DOBs, dob)
			}
			for _, p := range x.POBs {
				e.POBs = appendUnique(e.POBs, p)
			}
			if x.Vessel.Flag != "" {
				e.Nationalities = appendUnique(e.Nationalities, x.Vessel.Flag)
			}
			if x.Vessel.CallSign != "" {
				e.Documents = append(e.Documents, Document{Type: "Call Sign", Number: x.Vessel.CallSign})
			}
			e.Remarks = strings.TrimSpace(x.Remarks)
			parseOFACRemarks(&e, e.Remarks)
			out = append(out, e)
		}
	}
	if !root {
		return nil, "", fmt.Errorf("ofac xml: no sdnList element")
	}
	return out, version, nil
}

// addOFACIdentifier files one OFAC identifier (an idList entry of the
// classic XML, an IDRegDocument or identifier Feature of the advanced XML)
// under the entity field its type names.
func addOFACIdentifier(e *Entity, typ, number, country string) {
	t, n := strings.TrimSpace(typ), strings.TrimSpace(number)
	switch {
	case n == "":
	case strings.HasPrefix(t, "Digital Currency Address"):
		e.Crypto = append(e.Crypto, CryptoAddress{Currency: strings.TrimSpace(strings.TrimPrefix(t, "Digital Currency Address -")), Address: n})
	case t == "Email Address":
		e.Emails = appendUnique(e.Emails, n)
	case t == "Website":
		e.Websites = appendUnique(e.Websites, n)
	case t == "Gender":
		e.Gender = strings.ToLower(n)
	default:
		e.Documents = append(e.Documents, Document{Type: t, Number: n, Country: strings.TrimSpace(country)})
	}
}

type euAttrs []xml.Attr

func (a euAttrs) get(name string) string {
	for _, x := range a {
		if x.Name.Local == name {
			return strings.TrimSpace(x.Value)
		}
	}
	return ""
}

// ParseEUXML parses the EU Financial Sanctions File XML (fsd export 1.1)
// and returns its generationDate as the version.
func ParseEUXML(r io.Reader) ([]Entity, string, error) {
	d := xml.NewDecoder(r)
	var out []Entity
	version := ""
	root := false
	var cur *Entity
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			return nil, "", fmt.Errorf("eu xml line %d: %w", line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			a := euAttrs(t.Attr)
			switch t.Name.Local {
			case "export":
				root = true
				version = a.get("generationDate")
			case "sanctionEntity":
				id := a.get("logicalId")
				if id == "" {
					id = a.get("euReferenceNumber")
				}
				out = append(out, Entity{List: ListEU, SourceID: id, Type: TypeBusiness})
				cur = &out[len(out)-1]
			}
			if cur == nil {
				continue
			}
			switch t.Name.Local {
			case "subjectType":
				if a.get("code") == "person" || a.get("classificationCode") == "P" {
					cur.Type = TypePerson
				}
			case "regulation":
				if p := a.get("programme"); p != "" {
					cur.Programs = appendUnique(cur.Programs, "EU "+p)
				}
			case "nameAlias":
				n := a.get("wholeName")
				if n == "" {
					n = strings.Join(nonEmpty(a.get("firstName"), a.get("middleName"), a.get("lastName")), " ")
				}
				kind := "aka"
				if len(cur.Names) == 0 {
					kind = "primary"
				} else if a.get("strong") == "false" {
					kind = "weak"
				}
				cur.addName(n, kind)
				switch a.get("gender") {
				case "M":
					cur.Gender = "male"
				case "F":
					cur.Gender = "female"
				}
			case "birthdate":
				if b := a.get("birthdate"); b != "" {
					cur.DOBs = appendUnique(cur.DOBs, ParseDate(b))
				} else if y := a.get("year"); y != "" {
					cur.DOBs = appendUnique(cur.DOBs, ParseDate(y))
				}
				if p := strings.Join(nonEmpty(a.get("city"), a.get("place"), a.get("countryDescription")), ", "); p != "" {
					cur.POBs = appendUnique(cur.POBs, p)
				}
			case "citizenship":
				if c := a.get("countryIso2Code"); c != "" && c != "00" {
					cur.Nationalities = appendUnique(cur.Nationalities, c)
				}
			case "identification":
				if n := a.get("number"); n != "" {
					typ := a.get("identificationTypeDescription")
					if typ == "" {
						typ = a.get("identificationTypeCode")
					}
					cur.Documents = append(cur.Documents, Document{Type: typ, Number: n, Country: a.get("countryIso2Code")})
				}
			case "address":
				ad := Address{Line: a.get("street"), City: a.get("city"), Country: a.get("countryIso2Code")}
				if ad.Country == "00" {
					ad.Country = ""
				}
				if ad != (Address{}) {
					cur.Addresses = append(cur.Addresses, ad)
				}
			case "remark":
				var s string
				if err := d.DecodeElement(&s, &t); err == nil && cur.Remarks == "" {
					cur.Remarks = strings.TrimSpace(s)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "sanctionEntity" {
				if cur != nil && len(cur.Names) == 0 {
					cur.addName(cur.SourceID, "primary")
				}
				cur = nil
			}
		}
	}
	if !root {
		return nil, "", fmt.Errorf("eu xml: no export element")
	}
	return out, version, nil
}
