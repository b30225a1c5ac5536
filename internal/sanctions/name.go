package sanctions

import (
	"strings"
)

// wordClass says how much a word says about identity.
type wordClass uint8

const (
	wcName  wordClass = iota // a distinctive word
	wcStop                   // and, of, the, de, al- ...
	wcLegal                  // LLC, LTD, CO, GMBH, vessel prefixes ...
)

// legalWords are legal forms, their common abbreviations and vessel or
// aircraft prefixes. They neither create nor block a match.
var legalWords = setOf(`llc ltd limited co company companies corp corporation inc incorporated plc sa sarl sas sau gmbh ag kg ohg
pvt private pty pte bhd sdn berhad sendirian ooo oao zao pao jsc ojsc cjsc pjsc tov ip chp srl spa spzoo
bv nv kk yk asa oy oyj aps sl snc scs sca cv ccv sab de rl fze fzco fzc fz dmcc llp lp lllp ltda
eireli epp eood ead doo dno sro spol akciova apb uab sia ou tmi ltee pt tbk cia cie et ets
est
jusikhoesa chusikhoesa yuhanhoesa hoesa kabushiki kaisha gaisha yugen mv mt ms ss fv tss sts mtv
public joint stock closed open liability societe sociedad anonima anonim sirketi sti sirket lda
perseroan terbatas commanditaire vennootschap share shares
spk spj ska sk kft zrt nyrt bt prat chao pao zat vat pat tdv dp kt tb nm`)

// stopWords are connecting words and honorifics.
var stopWords = setOf(`and und et e y of the for von van der den de del della di da dos das du la le les el al ul bin ben ibn bint
establishment trading enterprise enterprises international
abu umm mr mrs ms dr messrs haji hajji sheikh shaikh sayed sayyid general gen col colonel capt captain
nr`)

// abbreviations expand common business abbreviations to the full word so
// "Intl" and "International" compare equal.
var abbreviations = map[string]string{
	"intl": "international", "bros": "brothers", "mfg": "manufacturing", "mgmt": "management",
	"assoc": "associates", "svcs": "services", "svc": "services", "engg": "engineering", "cia": "compania",
	"natl": "national", "dept": "department", "univ": "university", "trdg": "trading", "devt": "development",
	"grp": "group", "ctr": "center", "centre": "center", "flli": "fratelli", "co": "co",
}

// legalPhrases are multi-word legal forms collapsed to one token before
// tokenising ("limited liability company" → llc).
var legalPhrases = []struct{ from, to string }{
	{" limited liability company ", " llc "}, {" public limited company ", " plc "},
	{" private limited ", " pvt ltd "}, {" sendirian berhad ", " sdn bhd "}, {" company limited ", " co ltd "},
	{" perseroan terbatas ", " pt "}, {" commanditaire vennootschap ", " cv "}, {" societe anonyme ", " sa "},
	{" sociedad anonima ", " sa "}, {" joint stock company ", " jsc "}, {" s a de c v ", " sa de cv "}, {" sp z o o ", " spzoo "}, {" spolka z ograniczona odpowiedzialnoscia ", " spzoo "},
	{" spolka komandytowo akcyjna ", " ska "}, {" spolka komandytowa ", " spk "}, {" spolka jawna ", " spj "},
	{" sp k ", " spk "}, {" sp j ", " spj "}, {" korlatolt felelossegu tarsasag ", " kft "},
	{" zartkoruen mukodo reszvenytarsasag ", " zrt "}, {" obshchestvo s ogranichennoy otvetstvennostyu ", " ooo "},
	{" obshchestvo s ogranichennoi otvetstvennostyu ", " ooo "}, {" aktsionernoe obshchestvo ", " jsc "}, {" m v ", " mv "}, {" m t ", " mt "},
}

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// token is one normalised word of a name.
type token struct {
	s     string
	key   string
	class wordClass
	w     float64 // weight in the name score: class weight times rarity
	mask  uint32  // letters present in s
	kmask uint32  // letters present in key
}

func letterMask(s string) uint32 {
	var m uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			m |= 1 << (c - 'a')
		} else {
			m |= 1 << 26
		}
	}
	return m
}

func newToken(s string, c wordClass) token {
	k := phoneticKey(s)
	return token{s: s, key: k, class: c, w: classWeight[c], mask: letterMask(s), kmask: letterMask(k)}
}

// normaliseName transliterates a name to lower-case Latin words, removes
// punctuation, expands abbreviations and collapses multi-word legal forms.
func normaliseName(s string, mr bool) []string {
	t := Transliterate(s, mr)
	t = " " + strings.Join(strings.Fields(t), " ") + " "
	for _, p := range legalPhrases {
		if strings.Contains(t, p.from) {
			t = strings.ReplaceAll(t, p.from, p.to)
		}
	}
	fs := mergeInitials(strings.Fields(t))
	out := fs[:0]
	for _, f := range fs {
		if x, ok := abbreviations[f]; ok {
			f = x
		}
		out = append(out, f)
	}
	return out
}

// mergeInitials joins runs of two or more single letters ("s a" from
// "S.A.", "n k" from "N.K.") into one word.
func mergeInitials(fs []string) []string {
	out := fs[:0]
	for i := 0; i < len(fs); {
		j := i
		for j < len(fs) && len(fs[j]) == 1 && fs[j][0] >= 'a' && fs[j][0] <= 'z' {
			j++
		}
		if j-i >= 2 {
			out = append(out, strings.Join(fs[i:j], ""))
			i = j
			continue
		}
		out = append(out, fs[i])
		i++
	}
	return out
}

// tokenise builds tokens with their phonetic keys and classes.
func tokenise(words []string) []token {
	toks := make([]token, 0, len(words))
	for i, w := range words {
		c := wcName
		if legalWords[w] {
			c = wcLegal
		} else if stopWords[w] {
			c = wcStop
		} else if w == "no" && i+1 < len(words) && words[i+1][0] >= '0' && words[i+1][0] <= '9' {
			c = wcStop // "No. 8" in vessel names
		}
		toks = append(toks, newToken(w, c))
	}
	// A name made only of legal or stop words keeps them as name words.
	all := true
	for _, t := range toks {
		if t.class == wcName {
			all = false
			break
		}
	}
	if all {
		for i := range toks {
			toks[i].class = wcName
			toks[i].w = classWeight[wcName]
		}
	}
	return toks
}

// koreanSurnames maps the romanisations of common Korean surnames (RR, MR,
// DPRK usage and customary spellings) to one key.
var koreanSurnames = map[string]string{
	"lee": "li", "li": "li", "ri": "li", "rhee": "li", "yi": "li", "i": "li", "rhie": "li", "yee": "li", "rie": "li",
	"park": "pak", "pak": "pak", "bak": "pak", "bark": "pak", "pag": "pak", "baek": "paek", "paek": "paek", "baik": "paek", "paik": "paek",
	"choe": "choe", "choi": "choe", "chwe": "choe", "choy": "choe", "chey": "choe",
	"o": "o", "oh": "o", "yu": "yu", "yoo": "yu", "ryu": "yu", "ryoo": "yu", "you": "yu", "yeu": "yu", "rew": "yu",
	"im": "im", "lim": "im", "rim": "im", "yim": "im", "no": "no", "noh": "no", "ro": "no", "roh": "no", "rho": "no",
	"yang": "yang", "ryang": "yang", "yom": "yom", "yeom": "yom", "ryom": "yom", "yum": "yom",
	"so": "so", "seo": "so", "suh": "so", "sur": "so", "sin": "sin", "shin": "sin",
	"u": "u", "woo": "u", "wu": "u", "ku": "ku", "koo": "ku", "gu": "ku", "goo": "ku",
	"song": "song", "sung": "song", "seong": "song",
	"kang": "kang", "gang": "kang", "kim": "kim", "gim": "kim", "keem": "kim",
	"jon": "jon", "jeon": "jon", "chon": "jon", "chun": "jon", "jun": "jon",
	"jo": "jo", "cho": "jo", "joe": "jo", "yun": "yun", "yoon": "yun", "youn": "yun",
	"ryo": "yo", "yeo": "yo", "yo": "yo", "ra": "na", "na": "na", "ryeom": "yom", "rye": "ye", "ye": "ye",
}

// phoneticKey reduces a word to a key under which common romanisation and
// transliteration variants coincide: voiced and unvoiced stops (g/k, d/t,
// b/p, j/ch), r/l, vowel spellings (eo/o/u, eu/u, ae/e, y/i, doubled
// letters) and digraphs (kh, gh, th, sh, ph). Korean surnames use a table.
func phoneticKey(w string) string {
	if k, ok := koreanSurnames[w]; ok {
		return "~" + k
	}
	if len(w) == 0 {
		return w
	}
	isDigit := w[0] >= '0' && w[0] <= '9'
	if isDigit {
		return w
	}
	b := make([]byte, 0, len(w))
	for i := 0; i < len(w); i++ {
		c := w[i]
		var n byte
		if i+1 < len(w) {
			n = w[i+1]
		}
		switch c {
		case 'p':
			if n == 'h' {
				b = append(b, 'f')
				i++
				continue
			}
			b = append(b, 'p')
		case 'b':
			b = append(b, 'p')
		case 'g', 'q', 'c', 'k':
			if c == 'c' && n == 'h' {
				b = append(b, 'j')
				i++
				continue
			}
			if (c == 'c') && (n == 'e' || n == 'i' || n == 'y') {
				b = append(b, 's')
				continue
			}
			if c == 'k' && n == 'h' || c == 'g' && n == 'h' {
				i++
			}
			if c == 'c' && n == 'k' {
				i++
			}
			b = append(b, 'k')
		case 'x':
			b = append(b, 'k', 's')
		case 'd':
			if n == 'h' {
				i++
			}
			if n == 'z' || n == 'j' {
				b = append(b, 'j')
				i++
				continue
			}
			b = append(b, 't')
		case 't':
			if n == 'h' {
				i++
			} else if n == 's' || n == 'z' {
				b = append(b, 's')
				i++
				continue
			} else if n == 'c' && i+2 < len(w) && w[i+2] == 'h' {
				b = append(b, 'j')
				i += 2
				continue
			}
			b = append(b, 't')
		case 'j':
			b = append(b, 'j')
		case 'z':
			if n == 'h' {
				b = append(b, 'j')
				i++
				continue
			}
			b = append(b, 's')
		case 's':
			if n == 'h' {
				i++
			}
			b = append(b, 's')
		case 'r', 'l':
			b = append(b, 'l')
		case 'v', 'w':
			b = append(b, 'v')
		case 'f':
			b = append(b, 'f')
		case 'h':
			// h is kept at the start of a word and between vowels.
			if i == 0 || (i+1 < len(w) && isVowel(w[i-1]) && isVowel(n)) {
				b = append(b, 'h')
			}
		case 'a':
			if n == 'e' {
				i++
				b = append(b, 'e')
				continue
			}
			b = append(b, 'a')
		case 'e':
			if n == 'o' || n == 'u' {
				i++
				b = append(b, 'o')
				continue
			}
			if n == 'e' || n == 'i' {
				i++
				b = append(b, 'i')
				continue
			}
			b = append(b, 'e')
		case 'o':
			if n == 'o' || n == 'u' {
				i++
			}
			b = append(b, 'o')
		case 'u':
			b = append(b, 'o')
		case 'y', 'i':
			b = append(b, 'i')
		default:
			b = append(b, c)
		}
	}
	// collapse doubled letters
	out := b[:0]
	for i, c := range b {
		if i > 0 && c == b[i-1] {
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}
