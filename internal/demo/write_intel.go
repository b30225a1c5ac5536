package demo

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

func allCities() []City {
	out := append([]City{}, usCities...)
	out = append(out, intlCities...)
	return append(out, shenyang, dandong, vladivostok, corporate, astrill1, astrill2, otherVPN, torExit, cloudDC)
}

// writeIPIntel writes the demo's IP databases in the layouts real ones use:
// a city MMDB in the flat ip-location-db layout, an ASN range CSV in the
// ip-location-db layout (start,end,asn,org), and CIDR lists by category.
func writeIPIntel(dir string, built time.Time) error {
	if err := os.MkdirAll(filepath.Join(dir, "lists"), 0o755); err != nil {
		return err
	}
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "dbip-city-lite", RecordSize: 28, IncludeReservedNetworks: true, BuildEpoch: built.Unix(),
		Description: map[string]string{"en": "redflag demo city database (synthetic, flat ip-location-db layout)"}})
	if err != nil {
		return fmt.Errorf("mmdb writer: %w", err)
	}
	var asn strings.Builder
	for _, c := range allCities() {
		_, n, _ := net.ParseCIDR(c.Block.String())
		rec := mmdbtype.Map{
			"city":         mmdbtype.String(c.Name),
			"country_code": mmdbtype.String(c.Country),
			"state1":       mmdbtype.String(c.Region),
			"latitude":     mmdbtype.Float32(c.Lat),
			"longitude":    mmdbtype.Float32(c.Lon),
			"timezone":     mmdbtype.String(c.TZ),
		}
		if err := tree.Insert(n, rec); err != nil {
			return fmt.Errorf("mmdb insert %s: %w", c.Block, err)
		}
		first := c.Block.Masked().Addr()
		last := lastAddr(c.Block)
		fmt.Fprintf(&asn, "%s,%s,%d,%s\n", first, last, c.ASN, csvQuote(c.ASOrg))
	}
	f, err := os.Create(filepath.Join(dir, "city.mmdb"))
	if err != nil {
		return err
	}
	if _, err := tree.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("write mmdb: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "asn-ipv4.csv"), []byte(asn.String()), 0o644); err != nil {
		return err
	}
	lists := map[string][]City{
		"vpn-astrill.txt": {astrill1, astrill2},
		"vpn.txt":         {otherVPN},
		"tor.txt":         {torExit},
		"datacenter.txt":  {cloudDC},
		"corporate.txt":   {corporate},
	}
	for name, cs := range lists {
		var b strings.Builder
		fmt.Fprintf(&b, "# redflag demo: %s\n", name)
		for _, c := range cs {
			fmt.Fprintln(&b, c.Block.String())
		}
		if err := os.WriteFile(filepath.Join(dir, "lists", name), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func csvQuote(s string) string {
	if strings.ContainsAny(s, ",\"") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= uint32(1)<<(32-p.Bits()) - 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
