package osquery

import "strings"

// QuerySpec is what the parser knows about one query of the redflag pack:
// the table it reads and the columns it keeps. Columns outside the list are
// dropped from the event (they stay in Raw) and counted.
type QuerySpec struct {
	Name    string
	Table   string
	Columns []string
	cols    map[string]bool
}

// Queries are the pack's queries by name (packs/redflag.conf). Results are
// logged as pack_redflag_<name>; a bare table name (from another pack or an
// ad-hoc schedule) is accepted for the core tables too.
var Queries = map[string]*QuerySpec{}

func def(name, table string, cols ...string) {
	q := &QuerySpec{Name: name, Table: table, Columns: cols, cols: map[string]bool{}}
	for _, c := range cols {
		q.cols[c] = true
	}
	Queries[name] = q
}

func init() {
	def("system_info", "system_info", "hostname", "uuid", "hardware_vendor", "hardware_model", "hardware_serial", "computer_name")
	def("usb_devices", "usb_devices", "vendor", "vendor_id", "model", "model_id", "serial", "class", "subclass", "protocol", "removable", "usb_address", "usb_port")
	def("usb_devices_windows", "registry", "key", "name", "data")
	def("apps", "apps", "name", "path", "bundle_identifier", "bundle_name", "bundle_version", "bundle_executable")
	def("programs", "programs", "name", "version", "publisher", "install_location", "install_date", "identifying_number")
	def("deb_packages", "deb_packages", "name", "version", "maintainer", "status")
	def("processes", "processes", "pid", "name", "path", "cmdline", "parent", "uid", "start_time")
	def("listening_ports", "listening_ports", "pid", "port", "protocol", "address", "name", "path")
	def("connected_displays", "connected_displays", "name", "vendor_id", "product_id", "serial_number", "manufactured_week", "manufactured_year", "display_type", "connection_type", "main", "online")
	def("display_edid_windows", "registry", "key", "name", "data")
	def("chrome_extensions", "chrome_extensions", "username", "browser_type", "identifier", "name", "version", "profile")
	def("time", "time", "local_timezone")
	def("timezone_windows", "registry", "data")
	def("locale_macos", "preferences", "username", "domain", "key", "subkey", "value")
	def("keyboard_layout_windows", "registry", "key", "path", "name", "data")
	def("locale_windows", "registry", "key", "path", "name", "data")
	def("keyboard_layout_linux", "augeas", "label", "value")
	def("egress_ip", "curl", "public_ip")
}

// Lookup finds the query spec of a logged result name: "pack_redflag_usb_devices",
// "pack/redflag/usb_devices", or a bare query name such as "processes". The
// longest matching query name wins ("usb_devices_windows" over "usb_devices").
func Lookup(name string) (*QuerySpec, bool) {
	if q, ok := Queries[name]; ok {
		return q, true
	}
	n := name
	if i := strings.LastIndexByte(n, '/'); i >= 0 {
		if q, ok := Queries[n[i+1:]]; ok {
			return q, true
		}
		return nil, false
	}
	if !strings.HasPrefix(n, "pack_") && !strings.HasPrefix(n, "pack:") {
		return nil, false
	}
	var best *QuerySpec
	for qn, q := range Queries {
		if strings.HasSuffix(n, "_"+qn) && (best == nil || len(qn) > len(best.Name)) {
			best = q
		}
	}
	return best, best != nil
}
