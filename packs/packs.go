// Package packs ships redflag's osquery query pack (redflag.conf), the
// queries the endpoint parser and detectors expect. Install it in osquery as
// a pack named "redflag" so that result names read pack_redflag_<query>.
package packs

import _ "embed"

// RedflagConf is the osquery pack (JSON) collecting what the endpoint
// detectors need.
//
//go:embed redflag.conf
var RedflagConf []byte

// Name is the pack name results are logged under (pack_<Name>_<query>).
const Name = "redflag"
