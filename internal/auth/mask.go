package auth

import (
	"strings"
	"unicode/utf8"
)

// MaskEmail keeps the first character of the local part and the domain:
// "jane.doe@example.com" → "j•••@example.com".
func MaskEmail(s string) string {
	if s == "" {
		return ""
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return "•••"
	}
	r, _ := utf8.DecodeRuneInString(s)
	return string(r) + "•••" + s[at:]
}

// MaskPhone keeps the last two digits: "+1 555 010 2233" → "•••33".
func MaskPhone(s string) string {
	var d []rune
	for _, r := range s {
		if r >= '0' && r <= '9' {
			d = append(d, r)
		}
	}
	if len(d) < 4 {
		return "•••"
	}
	return "•••" + string(d[len(d)-2:])
}

// MaskDOB keeps the year only: "1990-04-12" → "1990-••-••".
func MaskDOB(s string) string {
	if len(s) >= 4 {
		return s[:4] + "-••-••"
	}
	if s == "" {
		return ""
	}
	return "•••"
}

// MaskLine hides a street line completely.
func MaskLine(s string) string {
	if s == "" {
		return ""
	}
	return "•••"
}
