package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/indicators"
)

func init() {
	addService(detect.SvcIndicators, func(ctx context.Context, a *App) (any, error) {
		p, warn, err := indicators.Active(a.indicatorsDir())
		if warn != nil {
			a.Log.Warn("indicator pack", "warning", warn)
		}
		if err != nil {
			return nil, fmt.Errorf("load indicator pack: %w", err)
		}
		// The pack itself: the endpoint detector takes it through
		// indicators.Provider, applicant.LookupsFrom adapts it for the
		// applicant and payroll detectors.
		return p, nil
	})
	addCommand(newIndicatorsCmd)
}

// indicatorsDir is where `indicators update` installs a pack.
func (a *App) indicatorsDir() string { return filepath.Join(a.DataDir(), "indicators") }

func newIndicatorsCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "indicators",
		Short: "Show, export or update the indicator pack (remote-access tools, IP-KVMs, VPNs, domains, ...)",
		Long: `The indicator pack is built into the binary. An analyst can replace or extend it
without a rebuild: export it, edit or add CSV files, and install the result with
"indicators update --from DIR". A pack that fails validation is refused as a
whole and the pack in force stays in force. See docs/indicators.md.`,
	}
	var category string
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "Print the pack in force: version, counts, and the entries of a category",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, warn, err := indicators.Active(a.indicatorsDir())
			if err != nil {
				return err
			}
			if warn != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", warn)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				var es []indicators.Entry
				p.Entries(category, func(e *indicators.Entry) { es = append(es, *e) })
				return json.NewEncoder(out).Encode(map[string]any{"manifest": p.Manifest(), "counts": p.Counts(), "entries": es})
			}
			where := "built-in"
			if _, err := os.Stat(filepath.Join(a.indicatorsDir(), indicators.ManifestFile)); err == nil && warn == nil {
				where = "installed in " + a.indicatorsDir()
			}
			m := p.Manifest()
			fmt.Fprintf(out, "%s version %s (%s)", m.Name, m.Version, where)
			if m.Extends != "" {
				fmt.Fprintf(out, ", extends the %s pack", m.Extends)
			}
			fmt.Fprintln(out)
			counts := p.Counts()
			cats := make([]string, 0, len(counts))
			for c := range counts {
				cats = append(cats, c)
			}
			sort.Strings(cats)
			for _, c := range cats {
				fmt.Fprintf(out, "  %-16s %5d\n", c, counts[c])
			}
			if category == "" {
				fmt.Fprintln(out, "(use --category NAME to list entries)")
				return nil
			}
			tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "KIND\tVALUE\tNAME\tGROUP\tCONFIDENCE\tSOURCE")
			p.Entries(category, func(e *indicators.Entry) {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Kind, e.Value, e.Name, e.Group, e.Confidence, e.Source)
			})
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&category, "category", "", "list the entries of this category ("+fmt.Sprint(indicators.Categories())+")")
	list.Flags().BoolVar(&asJSON, "json", false, "print as JSON")

	var from string
	update := &cobra.Command{
		Use:   "update --from DIR",
		Short: "Validate the pack in DIR and install it; a pack with any problem is refused as a whole",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" {
				return fmt.Errorf("--from DIR is required")
			}
			old, _, _ := indicators.Active(a.indicatorsDir())
			p, err := indicators.Install(from, a.indicatorsDir())
			if err != nil {
				if old != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "pack refused; still in force: %s\n", old)
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "installed %s into %s\n", p, a.indicatorsDir())
			return nil
		},
	}
	update.Flags().StringVar(&from, "from", "", "directory holding pack.json and the data files")

	check := &cobra.Command{
		Use:   "check DIR",
		Short: "Validate a pack directory without installing it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := indicators.LoadDir(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "valid: %s\n", p)
			return nil
		},
	}
	var to string
	export := &cobra.Command{
		Use:   "export --to DIR",
		Short: "Write the built-in pack to DIR as a starting point for edits",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if to == "" {
				return fmt.Errorf("--to DIR is required")
			}
			if err := os.MkdirAll(to, 0o755); err != nil {
				return err
			}
			if err := indicators.Export(to); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported the built-in pack to %s\n", to)
			return nil
		},
	}
	export.Flags().StringVar(&to, "to", "", "destination directory")
	cmd.AddCommand(list, update, check, export)
	return cmd
}
