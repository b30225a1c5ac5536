package endpoint

import "github.com/redflag-dev/redflag/internal/model"

// Reason codes. Codes are stable: never reuse one for another meaning.
var (
	RsnRMMPresent = model.ReasonDef{Code: "END_RMM_PRESENT", Title: "Remote-access tool installed or running on the device",
		Family: model.FamEndpoint, Strength: model.Moderate, Catalogue: []string{"E01"}, LogOdds: 2.0}
	RsnRMMNewHire = model.ReasonDef{Code: "END_RMM_NEW_HIRE", Title: "Remote-access tool on the device within days of enrolment",
		Family: model.FamEndpoint, Strength: model.Strong, Catalogue: []string{"E01", "O05"}, LogOdds: 4.0}
	RsnRMMMulti = model.ReasonDef{Code: "END_RMM_MULTI_VENDOR", Title: "Two or more remote-access vendors on one device",
		Family: model.FamEndpoint, Strength: model.Strong, Catalogue: []string{"E02"}, LogOdds: 3.5}
	RsnCRDPin = model.ReasonDef{Code: "END_CRD_HEADLESS_PIN", Title: "Chrome Remote Desktop set up headless with a fixed PIN",
		Family: model.FamEndpoint, Strength: model.Strong, Catalogue: []string{"E03"}, LogOdds: 4.0}
	RsnKVMUSB = model.ReasonDef{Code: "END_IPKVM_USB", Title: "IP-KVM USB identity attached (PiKVM, TinyPilot, JetKVM, NanoKVM)",
		Family: model.FamEndpoint, Strength: model.Strong, Catalogue: []string{"E04"}, LogOdds: 4.5}
	RsnKVMDisplay = model.ReasonDef{Code: "END_IPKVM_DISPLAY", Title: "IP-KVM capture device seen as the display (EDID name or id)",
		Family: model.FamEndpoint, Strength: model.Strong, Catalogue: []string{"E04"}, LogOdds: 4.5}
	RsnGadgetHID = model.ReasonDef{Code: "END_USB_GADGET_ONLY_HID", Title: "Only keyboard/mouse input is a USB gadget composite device",
		Family: model.FamEndpoint, Strength: model.Moderate, Catalogue: []string{"E04", "E05"}, LogOdds: 2.0}
	RsnVPN = model.ReasonDef{Code: "END_VPN_CLIENT", Title: "Consumer VPN or proxy client installed or running on the device",
		Family: model.FamEndpoint, Strength: model.Moderate, Catalogue: []string{"E06"}, LogOdds: 1.5}
	RsnAstrill = model.ReasonDef{Code: "END_VPN_ASTRILL", Title: "Astrill VPN client on the device",
		Family: model.FamEndpoint, Strength: model.Strong, Catalogue: []string{"E06"}, LogOdds: 4.0}
	RsnInput = model.ReasonDef{Code: "END_INPUT_LOCALE_MISMATCH", Title: "Keyboard layout, input method or locale contradicts the claimed country",
		Family: model.FamEndpoint, Strength: model.Strong, Catalogue: []string{"E11"}, LogOdds: 3.0}
	RsnTZ = model.ReasonDef{Code: "END_TIMEZONE_MISMATCH", Title: "Device time zone differs from the claimed time zone",
		Family: model.FamEndpoint, Strength: model.Moderate, Catalogue: []string{"N09"}, LogOdds: 1.5}
	RsnEgressGeo = model.ReasonDef{Code: "END_EGRESS_LOCATION_MISMATCH", Title: "Device's public egress is away from the home address",
		Family: model.FamEndpoint, Strength: model.Strong, Catalogue: []string{"N10"}, LogOdds: 3.5}
	RsnSharedEgress = model.ReasonDef{Code: "END_SHARED_EGRESS", Title: "Several workers' devices behind one public egress IP",
		Family: model.FamEndpoint, Strength: model.Strong, Catalogue: []string{"N04", "O02"}, LogOdds: 3.5}
)

var allReasons = []model.ReasonDef{RsnRMMPresent, RsnRMMNewHire, RsnRMMMulti, RsnCRDPin, RsnKVMUSB, RsnKVMDisplay,
	RsnGadgetHID, RsnVPN, RsnAstrill, RsnInput, RsnTZ, RsnEgressGeo, RsnSharedEgress}
