package sanctions

import "strings"

// countryTable maps ISO 3166-1 alpha-2 codes to the names lists use for them.
const countryTable = `AF afghanistan|AL albania|DZ algeria|AO angola|AR argentina|AM armenia|AU australia|AT austria|
AZ azerbaijan|BH bahrain|BD bangladesh|BY belarus|BE belgium|BZ belize|BJ benin|BO bolivia|BA bosnia and herzegovina|
BR brazil|BG bulgaria|BF burkina faso|MM burma;myanmar|BI burundi|KH cambodia|CM cameroon|CA canada|CF central african republic|
TD chad|CL chile|CN china;people's republic of china;prc|CO colombia|KM comoros|CG congo;republic of the congo|
CD democratic republic of the congo;congo, democratic republic of the;drc|CR costa rica|CI cote d'ivoire;ivory coast|HR croatia|
CU cuba|CY cyprus|CZ czech republic;czechia|DK denmark|DJ djibouti|DO dominican republic|EC ecuador|EG egypt|SV el salvador|
ER eritrea|EE estonia|ET ethiopia|FI finland|FR france|GA gabon|GM gambia|GE georgia|DE germany|GH ghana|GR greece|
GT guatemala|GN guinea|GW guinea-bissau|HT haiti|HN honduras|HK hong kong|HU hungary|IN india|ID indonesia|
IR iran;islamic republic of iran;iran (islamic republic of)|IQ iraq|IE ireland|IL israel|IT italy|JM jamaica|JP japan|JO jordan|
KZ kazakhstan|KE kenya|KP north korea;korea, north;democratic people's republic of korea;dprk;korea, democratic people's republic of;
KR south korea;korea, south;republic of korea;korea, republic of|KW kuwait|KG kyrgyzstan|LA laos;lao people's democratic republic|
LV latvia|LB lebanon|LR liberia|LY libya|LI liechtenstein|LT lithuania|LU luxembourg|MO macau;macao|MK north macedonia;macedonia|
MG madagascar|MY malaysia|MV maldives|ML mali|MT malta|MH marshall islands|MR mauritania|MU mauritius|MX mexico|MD moldova|
MN mongolia|ME montenegro|MA morocco|MZ mozambique|NA namibia|NP nepal|NL netherlands|NZ new zealand|NI nicaragua|NE niger|
NG nigeria|NO norway|OM oman|PK pakistan|PS palestinian;palestine;west bank|PA panama|PY paraguay|PE peru|PH philippines|PL poland|
PT portugal|QA qatar|RO romania|RU russia;russian federation|RW rwanda|SA saudi arabia|SN senegal|RS serbia|SC seychelles|
SL sierra leone|SG singapore|SK slovakia|SI slovenia|SO somalia|ZA south africa|SS south sudan|ES spain|LK sri lanka|SD sudan|
SE sweden|CH switzerland|SY syria;syrian arab republic|TW taiwan|TJ tajikistan|TZ tanzania|TH thailand|TG togo|TN tunisia|
TR turkey;turkiye|TM turkmenistan|UG uganda|UA ukraine|AE united arab emirates;uae|GB united kingdom;uk;great britain|
US united states;usa;united states of america|UY uruguay|UZ uzbekistan|VU vanuatu|VE venezuela|VN vietnam;viet nam|YE yemen|
ZM zambia|ZW zimbabwe|BS bahamas|BB barbados|BW botswana|BN brunei|CV cabo verde;cape verde|KY cayman islands|VG british virgin islands|
GI gibraltar|IS iceland|KN saint kitts and nevis|VC saint vincent and the grenadines|LC saint lucia|WS samoa|SM san marino|
SR suriname|TT trinidad and tobago|TV tuvalu|AG antigua and barbuda|AD andorra|MC monaco|CK cook islands|TO tonga|PW palau|
KI kiribati|NR nauru|FJ fiji|PG papua new guinea|SB solomon islands|CW curacao|AW aruba|BM bermuda|IM isle of man|JE jersey|GG guernsey|
XK kosovo|ST sao tome and principe|GQ equatorial guinea|SZ eswatini;swaziland|LS lesotho|MW malawi|BT bhutan|TL timor-leste;east timor`

var countryByName = map[string]string{}
var countryCodes = map[string]bool{}

func init() {
	for _, ent := range strings.Split(countryTable, "|") {
		ent = strings.TrimSpace(ent)
		code, names, ok := strings.Cut(ent, " ")
		if !ok {
			continue
		}
		countryCodes[code] = true
		for _, n := range strings.Split(names, ";") {
			if n = strings.TrimSpace(n); n != "" {
				countryByName[n] = code
			}
		}
	}
}

// CountryCode returns the ISO 3166-1 alpha-2 code for a country name or
// code as lists write it, or the upper-cased input when unknown.
func CountryCode(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 2 {
		u := strings.ToUpper(s)
		if countryCodes[u] {
			return u
		}
	}
	l := strings.ToLower(strings.Trim(s, ". "))
	if c, ok := countryByName[l]; ok {
		return c
	}
	l = Transliterate(l, false)
	l = strings.Join(strings.Fields(l), " ")
	if c, ok := countryByName[l]; ok {
		return c
	}
	return strings.ToUpper(s)
}
