package network

import "github.com/redflag-dev/redflag/internal/model"

// Reason codes. Codes are stable; never reuse one for another meaning.
const (
	CodeAstrill      = "NET_VPN_ASTRILL"
	CodeVPN          = "NET_VPN_SIGNIN"
	CodeTor          = "NET_TOR_SIGNIN"
	CodeHighRiskGeo  = "NET_SIGNIN_HIGH_RISK_COUNTRY"
	CodeCountry      = "NET_SIGNIN_COUNTRY_MISMATCH"
	CodeRegion       = "NET_EGRESS_REGION_MISMATCH"
	CodeImpossible   = "NET_IMPOSSIBLE_TRAVEL"
	CodeMultiCountry = "NET_MULTI_COUNTRY_24H"
	CodeMultiASN     = "NET_MULTI_ASN_24H"
	CodeSharedIP     = "NET_SHARED_IP_LAPTOP_FARM"
	CodeSharedMFA    = "NET_SHARED_MFA_DEVICE"
	CodeHours        = "NET_ACTIVITY_HOURS_UTC8_9"
	CodeLongSession  = "NET_LONG_SESSION"
	CodeNewUnmanaged = "NET_NEW_ACCOUNT_UNMANAGED_DEVICE"
	CodeNewGeo       = "NET_NEW_ACCOUNT_GEO_CONTRADICTS_HR"
)

var reasonDefs = []model.ReasonDef{
	{Code: CodeAstrill, Title: "Signed in through Astrill VPN", Family: model.FamNetwork, Strength: model.Strong, Catalogue: []string{"N01"}},
	{Code: CodeVPN, Title: "Signed in through a VPN or anonymising proxy", Family: model.FamNetwork, Strength: model.Moderate, Catalogue: []string{"N01"}},
	{Code: CodeTor, Title: "Signed in through a Tor exit node", Family: model.FamNetwork, Strength: model.Moderate, Catalogue: []string{"N01"}},
	{Code: CodeHighRiskGeo, Title: "Sign-ins from a country associated with DPRK IT-worker operations, contradicting the claimed location", Family: model.FamNetwork, Strength: model.Strong, Catalogue: []string{"N02"}},
	{Code: CodeCountry, Title: "Sign-ins from a country other than the claimed one (no registered travel)", Family: model.FamNetwork, Strength: model.Moderate, Catalogue: []string{"N02"}},
	{Code: CodeRegion, Title: "Recent sign-ins come from a different state or region than the home address", Family: model.FamNetwork, Strength: model.Moderate, Catalogue: []string{"N10"}},
	{Code: CodeImpossible, Title: "Impossible travel between consecutive sign-ins", Family: model.FamNetwork, Strength: model.Moderate, Catalogue: []string{"N03"}},
	{Code: CodeMultiCountry, Title: "Sign-ins from several countries within 24 hours", Family: model.FamNetwork, Strength: model.Moderate, Catalogue: []string{"N03"}},
	{Code: CodeMultiASN, Title: "Sign-ins from many networks (ASNs) within 24 hours", Family: model.FamNetwork, Strength: model.Weak, Catalogue: []string{"N03"}},
	{Code: CodeSharedIP, Title: "Another worker's account signs in from the same non-corporate IP (laptop farm)", Family: model.FamNetwork, Strength: model.Strong, Catalogue: []string{"N04"}},
	{Code: CodeSharedMFA, Title: "One MFA device completes sign-ins for several accounts", Family: model.FamNetwork, Strength: model.Strong, Catalogue: []string{"N05"}},
	{Code: CodeHours, Title: "Activity hours fit UTC+8/UTC+9 working days, not the claimed time zone", Family: model.FamNetwork, Strength: model.Moderate, Catalogue: []string{"N09"}},
	{Code: CodeLongSession, Title: "One session stayed active for more than 24 hours", Family: model.FamNetwork, Strength: model.Weak, Catalogue: []string{"N07"}},
	{Code: CodeNewUnmanaged, Title: "New account's first sign-ins come from an unmanaged device", Family: model.FamNetwork, Strength: model.Moderate, Catalogue: []string{"O06", "N06"}},
	{Code: CodeNewGeo, Title: "New account's first sign-ins come from a geography contradicting the HR record", Family: model.FamNetwork, Strength: model.Strong, Catalogue: []string{"O06"}},
}

func defOf(code string) model.ReasonDef {
	for _, d := range reasonDefs {
		if d.Code == code {
			return d
		}
	}
	panic("network: unknown reason " + code)
}
