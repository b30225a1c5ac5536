package sanctions

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Hangul syllable decomposition (Unicode §3.12): S = 0xAC00 + (L*21+V)*28 + T.
const (
	hangulBase = 0xAC00
	hangulLast = 0xD7A3
)

var (
	// Revised Romanisation (2000).
	rrInitial = []string{"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"}
	rrMedial  = []string{"a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"}
	rrFinal   = []string{"", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"}
	// McCune–Reischauer without breves and apostrophes (as DPRK and most
	// lists print it): ŏ → o, ŭ → u, ch' → ch.
	mrInitial = []string{"k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "ch", "tch", "ch", "k", "t", "p", "h"}
	mrMedial  = []string{"a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "u", "ui", "i"}
)

// Korean compound surnames (two syllables).
var koreanCompoundSurnames = map[string]bool{"남궁": true, "황보": true, "제갈": true, "선우": true, "독고": true, "사공": true, "서문": true}

// romaniseHangulSyllable renders one precomposed syllable.
func romaniseHangulSyllable(r rune, mr bool) string {
	i := int(r - hangulBase)
	l, v, t := i/(21*28), (i%(21*28))/28, i%28
	if mr {
		return mrInitial[l] + mrMedial[v] + rrFinal[t]
	}
	return rrInitial[l] + rrMedial[v] + rrFinal[t]
}

// romaniseHangulWord romanises a run of Hangul syllables. A run of 2–4
// syllables is read as a personal name: the surname (one syllable, or two for
// compound surnames) is split from the given name, which stays joined, the
// way names are written in Latin script ("김정은" → "gim jeongeun").
func romaniseHangulWord(run []rune, mr bool, personSplit bool) string {
	var b strings.Builder
	split := 0
	if personSplit && len(run) >= 2 && len(run) <= 4 {
		split = 1
		if len(run) >= 3 && koreanCompoundSurnames[string(run[:2])] {
			split = 2
		}
	}
	for i, r := range run {
		if split > 0 && i == split {
			b.WriteByte(' ')
		}
		b.WriteString(romaniseHangulSyllable(r, mr))
	}
	return b.String()
}

// Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Bulgarian letters),
// a simplified BGN/PCGN-style table.
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "",
	'э': "e", 'ю': "yu", 'я': "ya", 'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g", 'ў': "u", 'ђ': "dj", 'ј': "j",
	'љ': "lj", 'њ': "nj", 'ћ': "c", 'џ': "dz", 'ѓ': "g", 'ќ': "k", 'ѕ': "dz",
}

// Greek, ISO 843-like (after NFD has removed the tonos).
var greek = map[rune]string{
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th", 'ι': "i", 'κ': "k",
	'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p", 'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t",
	'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps", 'ω': "o",
}

// Georgian (Mkhedruli), national romanisation.
var georgian = map[rune]string{
	'ა': "a", 'ბ': "b", 'გ': "g", 'დ': "d", 'ე': "e", 'ვ': "v", 'ზ': "z", 'თ': "t", 'ი': "i", 'კ': "k",
	'ლ': "l", 'მ': "m", 'ნ': "n", 'ო': "o", 'პ': "p", 'ჟ': "zh", 'რ': "r", 'ს': "s", 'ტ': "t", 'უ': "u",
	'ფ': "p", 'ქ': "k", 'ღ': "gh", 'ყ': "q", 'შ': "sh", 'ჩ': "ch", 'ც': "ts", 'ძ': "dz", 'წ': "ts", 'ჭ': "ch",
	'ხ': "kh", 'ჯ': "j", 'ჰ': "h",
}

// Armenian, BGN/PCGN-like.
var armenian = map[rune]string{
	'ա': "a", 'բ': "b", 'գ': "g", 'դ': "d", 'ե': "e", 'զ': "z", 'է': "e", 'ը': "y", 'թ': "t", 'ժ': "zh",
	'ի': "i", 'լ': "l", 'խ': "kh", 'ծ': "ts", 'կ': "k", 'հ': "h", 'ձ': "dz", 'ղ': "gh", 'ճ': "ch", 'մ': "m",
	'յ': "y", 'ն': "n", 'շ': "sh", 'ո': "o", 'չ': "ch", 'պ': "p", 'ջ': "j", 'ռ': "r", 'ս': "s", 'վ': "v",
	'տ': "t", 'ր': "r", 'ց': "ts", 'ւ': "v", 'փ': "p", 'ք': "k", 'օ': "o", 'ֆ': "f", 'և': "ev",
}

// Latin letters that NFD does not decompose.
var latinSpecial = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ð': "d", 'þ': "th", 'ł': "l", 'ı': "i", 'ħ': "h",
	'ŀ': "l", 'ŋ': "ng", 'ĸ': "k", 'ſ': "s", 'ʼ': "", '’': "", '‘': "", 'ʻ': "",
}

// Legal-form phrases in CJK script, replaced before transliteration so they
// become the legal-form words the matcher already discounts.
var cjkLegalForms = []struct{ from, to string }{
	{"股份有限公司", " co ltd "}, {"有限责任公司", " co ltd "}, {"有限公司", " co ltd "}, {"株式会社", " kk "},
	{"有限会社", " yk "}, {"주식회사", " jusikhoesa "}, {"유한회사", " yuhanhoesa "}, {"集团", " group "},
	{"公司", " company "}, {"会社", " company "},
}

// Transliterate returns s in lower-case Latin letters, digits and spaces:
// accents are removed, Hangul, Cyrillic, Greek and common Han characters are
// romanised, and every other character becomes a space. With mr set, Hangul
// is rendered in McCune–Reischauer instead of Revised Romanisation.
func Transliterate(s string, mr bool) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	if ascii {
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c >= 'A' && c <= 'Z':
				// split camelCase joins ("GroupeDiarra"); joined pairs undo it
				if i > 0 && s[i-1] >= 'a' && s[i-1] <= 'z' {
					b.WriteByte(' ')
				}
				b.WriteByte(c + 32)
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				b.WriteByte(c)
			case c == '\'' || c == '`':
				// O'Doyle → odoyle; the matcher also tries split forms.
			default:
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	for _, lf := range cjkLegalForms {
		if strings.Contains(s, lf.from) {
			s = strings.ReplaceAll(s, lf.from, lf.to)
		}
	}
	if HasHangul(s) {
		// romanise Hangul first: NFD would split syllables into jamo
		var hb strings.Builder
		rs := []rune(s)
		for i := 0; i < len(rs); i++ {
			if rs[i] >= hangulBase && rs[i] <= hangulLast {
				j := i
				for j < len(rs) && rs[j] >= hangulBase && rs[j] <= hangulLast {
					j++
				}
				hb.WriteByte(' ')
				hb.WriteString(romaniseHangulWord(rs[i:j], mr, true))
				hb.WriteByte(' ')
				i = j - 1
				continue
			}
			hb.WriteRune(rs[i])
		}
		s = hb.String()
	}
	s = norm.NFD.String(s)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r < 0x80:
			switch {
			case r >= 'A' && r <= 'Z':
				b.WriteRune(r + 32)
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				b.WriteRune(r)
			case r == '\'' || r == '`':
			default:
				b.WriteByte(' ')
			}
		case unicode.Is(unicode.Mn, r):
			// combining mark (accent) dropped
		case r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z':
		default:
			lr := unicode.ToLower(r)
			if t, ok := latinSpecial[lr]; ok {
				b.WriteString(t)
			} else if t, ok := cyrillic[lr]; ok {
				b.WriteString(t)
			} else if t, ok := greek[lr]; ok {
				b.WriteString(t)
			} else if t, ok := georgian[lr]; ok {
				b.WriteString(t)
			} else if t, ok := armenian[lr]; ok {
				if lr == 'ո' && i+1 < len(rs) && rs[i+1] == 'ւ' {
					t = "u"
					i++
				}
				b.WriteString(t)
			} else if t, ok := hanPinyin[r]; ok {
				b.WriteByte(' ')
				b.WriteString(t)
				b.WriteByte(' ')
			} else if unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) {
				// an unknown ideograph or kana is kept as its own word, so
				// that names in the same script still compare
				b.WriteByte(' ')
				b.WriteRune(r)
				b.WriteByte(' ')
			} else if unicode.IsLetter(lr) {
				b.WriteRune(lr)
			} else if unicode.IsDigit(r) {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		}
	}
	return b.String()
}

// HasHangul reports whether s contains Hangul syllables.
func HasHangul(s string) bool {
	for _, r := range s {
		if r >= hangulBase && r <= hangulLast {
			return true
		}
	}
	return false
}
