package sanctions

import (
	"regexp"
	"slices"
	"strings"
)

var (
	reParen   = regexp.MustCompile(`\s*\(([^()]*)\)`)
	reFormer  = regexp.MustCompile(`(?i)^\s*(?:ex[- ]|ex\.\s*|formerly\s+|f\.?k\.?a\.?\s+|a\.?k\.?a\.?\s+)(.+)$`)
	reCareOf  = regexp.MustCompile(`(?i)\s+c/o\s+.*$`)
	reFlagOpt = regexp.MustCompile(`(?i)\b(flag|branch)\b`)
)

// nameVariants returns the name plus the readings an annotation allows:
// without parenthesised remarks ("MV X (Panama flag)" → "MV X"), the
// former name inside "(ex-Y)" as a name of its own, and without a trailing
// "c/o …". The first element is always the name itself.
func nameVariants(n string) []string {
	out := []string{n}
	if !strings.ContainsAny(n, "(:") && !strings.Contains(strings.ToLower(n), "c/o") {
		return out
	}
	stripped := n
	// "ORDERING CUSTOMER: X", "FIELD 59: X": payment-message labels
	if i := strings.LastIndex(stripped, ":"); i > 0 && i < len(stripped)-1 && strings.ToUpper(stripped[:i]) == stripped[:i] {
		stripped = strings.TrimSpace(stripped[i+1:])
	}
	for _, m := range reParen.FindAllStringSubmatch(stripped, -1) {
		if f := reFormer.FindStringSubmatch(m[1]); f != nil {
			out = append(out, strings.TrimSpace(f[1]))
		}
	}
	// a parenthesised country names a different (subsidiary) entity: keep it
	stripped = reParen.ReplaceAllStringFunc(stripped, func(p string) string {
		in := strings.Trim(strings.TrimSpace(p), "()")
		if c := CountryCode(in); countryCodes[c] && len(in) > 1 {
			return " " + in
		}
		return ""
	})
	stripped = reCareOf.ReplaceAllString(stripped, "")
	stripped = strings.TrimSpace(stripped)
	if stripped != "" && stripped != n {
		out = append(out, stripped)
	}
	return out
}

// businessVariants adds, for business and vessel names, the part before a
// trailing ", place" or " - X branch" annotation ("MV SIAM ORCHID 7,
// Bangkok" → "MV SIAM ORCHID 7"). Person names are written "SURNAME,
// Given", so this is never applied to them.
func businessVariants(vs []string) []string {
	out := vs
	for k := 0; k < len(out) && k < 8; k++ {
		v := out[k]
		for _, sep := range []string{",", " - "} {
			i := strings.LastIndex(v, sep)
			if i <= 0 {
				continue
			}
			head, tail := strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+len(sep):])
			if len(strings.Fields(head)) >= 2 && len(strings.Fields(tail)) <= 4 && !legalTail(tail) && !slices.Contains(out, head) {
				out = append(out, head)
			}
		}
	}
	return out
}

// legalTail reports whether s is only legal-form words ("Inc.", "Ltd").
func legalTail(s string) bool {
	ws := normaliseName(s, false)
	if len(ws) == 0 {
		return true
	}
	for _, w := range ws {
		if !legalWords[w] {
			return false
		}
	}
	return true
}
