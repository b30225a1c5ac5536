package records

import (
	"strings"
	"testing"
)

// TestPeopleIdentityWarnings: a phone that does not parse as a number of
// any numbering plan and an address with no street line land with a
// warning naming each field (the identity normalisers' checks).
func TestPeopleIdentityWarnings(t *testing.T) {
	in := "person_id,full_name,phone,address_line,city,country\n" +
		"P1,Ann Lee,+1 (000) 000-0000,,Austin,US\n" +
		"P2,Bob Ray,+1 512 555 0100,12 Oak St,Austin,US\n"
	rr, err := NewRowReader(strings.NewReader(in), CSV, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &Parser{Kind: People, Source: "people.csv"}
	var fields [][]string
	for i := 0; i < 2; i++ {
		row, err := rr.Next()
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.Parse(row)
		if err != nil {
			t.Fatal(err)
		}
		var fs []string
		for _, w := range out.Warnings {
			fs = append(fs, w.Field)
		}
		fields = append(fields, fs)
	}
	if strings.Join(fields[0], ",") != "phone,address_line" {
		t.Errorf("P1 warnings %v", fields[0])
	}
	if len(fields[1]) != 0 {
		t.Errorf("P2 warnings %v", fields[1])
	}
}
