package app

// Sign-in logs, IP intelligence and the network detectors (issue 4):
// `redflag ingest okta|entra|gworkspace|travel`, `redflag ipdb
// update|status|lookup`, `redflag pull okta|entra` (pull.go), the ipintel
// service and enricher.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/detect"
	_ "github.com/redflag-dev/redflag/internal/detect/network" // network detectors
	"github.com/redflag-dev/redflag/internal/enrich"
	"github.com/redflag-dev/redflag/internal/enrich/ipintel"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/entra"
	"github.com/redflag-dev/redflag/internal/ingest/gworkspace"
	"github.com/redflag-dev/redflag/internal/ingest/okta"
	"github.com/redflag-dev/redflag/internal/ingest/signin"
	"github.com/redflag-dev/redflag/internal/ingest/travel"
	"github.com/redflag-dev/redflag/internal/pipeline"
)

func init() {
	for _, k := range []struct {
		name, short, source string
		parse               signin.ParseFunc
	}{
		{"okta", "Okta System Log LogEvents, JSON Lines or arrays (docs/formats/okta.md)", okta.Source, okta.Parse},
		{"entra", "Microsoft Entra sign-in logs: Graph, Event Hub records, Log Analytics (docs/formats/entra.md)", entra.Source, entra.Parse},
		{"gworkspace", "Google Workspace login audit activities (docs/formats/gworkspace.md)", gworkspace.Source, gworkspace.Parse},
	} {
		k := k
		addIngestKind(IngestKind{Name: k.name, Short: k.short, Run: func(ctx context.Context, env IngestEnv, r io.Reader, name string) (ingest.Report, error) {
			return signin.Run(ctx, r, signin.Options{File: name, Source: k.source, Resolver: env.Resolver, BatchSize: env.BatchSize}, k.parse, env.Sink)
		}})
	}
	addIngestKind(IngestKind{Name: "travel", Short: "registered business travel, CSV or JSON Lines (docs/formats/travel.md)",
		Run: func(ctx context.Context, env IngestEnv, r io.Reader, name string) (ingest.Report, error) {
			st := env.Store
			if p, ok := env.Sink.(*pipeline.Pipeline); ok && st == nil {
				st = p.Store
			}
			if st == nil {
				return ingest.Report{}, fmt.Errorf("travel records need the store (not available with this sink)")
			}
			return travel.Ingest(ctx, r, name, env.Tenant, st)
		}})
	addService(detect.SvcIPIntel, func(ctx context.Context, a *App) (any, error) {
		db, err := a.IPIntel()
		if err != nil || db == nil {
			return nil, err
		}
		return db, nil
	})
	addEnricher(10, "ipintel", func(ctx context.Context, a *App) (enrich.Enricher, error) {
		db, err := a.IPIntel()
		if err != nil || db == nil {
			return nil, err
		}
		return ipintel.NewEnricher(db), nil
	})
	addCommand(newIPDBCmd)
}

// ipintelDir is the IP-intelligence directory (config ipintel.dir).
func (a *App) ipintelDir() string {
	if d := a.K.String("ipintel.dir"); d != "" {
		return d
	}
	return filepath.Join(a.DataDir(), "ipintel")
}

func (a *App) corporateRanges() []string {
	out := a.K.Strings("ipintel.corporate_ranges")
	return append(out, a.K.Strings("ipintel.corporate")...)
}

// IPIntel opens the IP-intelligence databases once; nil when nothing is
// configured or installed.
func (a *App) IPIntel() (*ipintel.DB, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if v, ok := ipdbCache[a]; ok {
		return v, nil
	}
	db, err := ipintel.Open(a.ipintelDir(), ipintel.Options{Corporate: a.corporateRanges()})
	if err != nil {
		return nil, fmt.Errorf("ipintel: %w", err)
	}
	if db.Empty() {
		return nil, nil // not cached: a later `ipdb update` in this process is seen
	}
	ipdbCache[a] = db
	return db, nil
}

var ipdbCache = map[*App]*ipintel.DB{}

func newIPDBCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ipdb",
		Short: "Manage the offline IP-intelligence databases (MMDB, CSV ranges, CIDR lists)",
		Long: `IP intelligence is read from the directory ipintel.dir (default <data_dir>/ipintel):
*.mmdb (MaxMind or ip-location-db layout), *.csv range files, and lists/*.txt
CIDR lists (vpn, vpn-<operator>, datacenter, tor, corporate, residential, proxy).
See docs/formats/ipintel.md.`,
	}
	var from string
	var asJSON bool
	update := &cobra.Command{
		Use:   "update",
		Short: "Fetch the configured databases (ipintel.sources), keeping the last good copy",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var sources []ipintel.Source
			if a.K.Exists("ipintel.sources") {
				if err := a.K.Unmarshal("ipintel.sources", &sources); err != nil {
					return fmt.Errorf("ipintel.sources: %w", err)
				}
			}
			res, err := ipintel.Update(cmd.Context(), a.ipintelDir(), sources, from, nil)
			if err != nil {
				return err
			}
			failed := 0
			for _, r := range res {
				if r.Error != "" {
					failed++
					fmt.Fprintf(cmd.ErrOrStderr(), "ipdb: %s: %s\n", r.Name, r.Error)
					continue
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "ipdb: %s: installed (%d bytes)\n", r.Name, r.Bytes)
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d source(s) failed; the previous copies are still in use", failed, len(res))
			}
			return nil
		},
	}
	update.Flags().StringVar(&from, "from", "", "install from this directory instead of downloading (offline sites)")
	status := &cobra.Command{
		Use:   "status",
		Short: "List the loaded IP-intelligence sources",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := ipintel.Open(a.ipintelDir(), ipintel.Options{Corporate: a.corporateRanges()})
			if err != nil {
				return err
			}
			defer db.Close()
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(db.Sources())
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "directory: %s\n", a.ipintelDir())
			fmt.Fprintln(tw, "SOURCE\tKIND\tDETAIL\tENTRIES")
			for _, s := range db.Sources() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", s.Name, s.Kind, s.Detail, s.Entries)
			}
			fmt.Fprintf(tw, "corporate ranges from config: %d\n", len(a.corporateRanges()))
			return tw.Flush()
		},
	}
	status.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	lookup := &cobra.Command{
		Use:   "lookup IP [IP...]",
		Short: "Print what the IP-intelligence databases know about addresses",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := ipintel.Open(a.ipintelDir(), ipintel.Options{Corporate: a.corporateRanges()})
			if err != nil {
				return err
			}
			defer db.Close()
			for _, s := range args {
				if _, err := netip.ParseAddr(s); err != nil {
					return fmt.Errorf("%q is not an IP address", s)
				}
				info := db.Lookup(s)
				if asJSON {
					if err := json.NewEncoder(cmd.OutOrStdout()).Encode(info); err != nil {
						return err
					}
					continue
				}
				var tags []string
				for _, t := range []struct {
					on   bool
					name string
				}{{info.VPN, "vpn"}, {info.Proxy, "proxy"}, {info.Tor, "tor"}, {info.Hosting, "datacenter"}, {info.Residential, "residential"}, {info.Corporate, "corporate"}} {
					if t.on {
						tags = append(tags, t.name)
					}
				}
				if info.VPNOperator != "" {
					tags = append(tags, "operator="+info.VPNOperator)
				}
				loc := strings.Trim(strings.Join([]string{info.City, info.Region, info.Country}, ", "), ", ")
				fmt.Fprintf(cmd.OutOrStdout(), "%s\tlocation: %s", info.IP, orNone(loc))
				if info.HasCoords {
					fmt.Fprintf(cmd.OutOrStdout(), " (%.4f, %.4f)", info.Lat, info.Lon)
				}
				asn := "none"
				if info.ASN != 0 {
					asn = fmt.Sprintf("AS%d %s", info.ASN, info.ASOrg)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "\tasn: %s\ttags: %s\tsources: %s\n", asn, orNone(strings.Join(tags, ",")), orNone(strings.Join(info.Sources, ",")))
			}
			return nil
		},
	}
	lookup.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(update, status, lookup)
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
