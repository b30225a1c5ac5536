package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	_ "github.com/redflag-dev/redflag/internal/detect/identity" // identity-graph detectors
	"github.com/redflag-dev/redflag/internal/graph"
)

func init() { addCommand(graphCommand) }

// graphBuildConfig reads detectors.identity.build over the defaults, so the
// commands and the detector see the same graph.
func (a *App) graphBuildConfig() (graph.BuildConfig, error) {
	cfg := graph.DefaultBuildConfig()
	if err := (DetectConfig{a.K}).Unmarshal("detectors.identity.build", &cfg); err != nil {
		return cfg, fmt.Errorf("detectors.identity.build: %w", err)
	}
	return cfg, nil
}

func (a *App) buildGraph(ctx context.Context) (*graph.Builder, error) {
	st, err := a.Store(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := a.graphBuildConfig()
	if err != nil {
		return nil, err
	}
	b, err := graph.FromStore(ctx, st, a.Tenant(), cfg)
	if err != nil {
		return nil, fmt.Errorf("build identity graph: %w", err)
	}
	return b, nil
}

func graphCommand(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "Explore the identity graph: who is linked to whom, and through what",
		Long: `The identity graph links subjects through shared identifiers (phone, e-mail
mailbox, bank account, shipping address, device, serial, MFA device, IP,
resume, photo) and through fuzzy person matching on name, birth date and
address. Identifiers shared by very many unrelated subjects (an office
address, the company's own egress IP, public Wi-Fi) are generic and link
nobody. See docs/identity.md.`,
	}
	var format string
	show := &cobra.Command{
		Use:   "show SUBJECT",
		Short: "Show a subject's cluster, identifiers (and who else holds them) and direct links",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.buildGraph(cmd.Context())
			if err != nil {
				return err
			}
			v, ok := b.G.Show(args[0])
			if !ok {
				return fmt.Errorf("subject %q is not in the graph", args[0])
			}
			if format == "json" {
				return idWriteJSON(cmd.OutOrStdout(), v)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 2, 2, ' ', 0)
			fmt.Fprintf(w, "subject\t%s\ncluster\t%s (%d members)\nmembers\t%s\n\n", v.Subject, v.Cluster, len(v.Members), strings.Join(v.Members, " "))
			fmt.Fprintln(w, "KIND\tVALUE\tSHARED BY\tGENERIC\tOTHERS")
			for _, iv := range v.Identifiers {
				gen := ""
				if iv.Generic {
					gen = "generic"
				}
				fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", iv.Kind, iv.Value, iv.Shared, gen, strings.Join(iv.Others, " "))
			}
			for _, l := range v.Links {
				fmt.Fprintf(w, "link\t%s\t%.2f\t\t%s\n", l.Reason, l.Weight, l.B)
			}
			return w.Flush()
		},
	}
	show.Flags().StringVar(&format, "format", "table", "output format: table or json")
	var hops int
	expand := &cobra.Command{
		Use:   "expand SUBJECT",
		Short: "List everyone within N hops of a subject through non-generic links, with the link that reached each",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.buildGraph(cmd.Context())
			if err != nil {
				return err
			}
			if b.G.Cluster(args[0]) == "" {
				return fmt.Errorf("subject %q is not in the graph", args[0])
			}
			rs := b.G.Expand(args[0], hops)
			if format == "json" {
				if rs == nil {
					rs = []graph.Reached{}
				}
				return idWriteJSON(cmd.OutOrStdout(), rs)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "HOPS\tSUBJECT\tFROM\tVIA")
			for _, r := range rs {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", r.Hops, r.Subject, r.From, r.Via)
			}
			return w.Flush()
		},
	}
	expand.Flags().IntVar(&hops, "hops", 2, "how many links away to go (-1: the whole cluster)")
	expand.Flags().StringVar(&format, "format", "table", "output format: table or json")
	var out string
	export := &cobra.Command{
		Use:   "export",
		Short: "Write the graph as JSON: clusters, shared identifiers (generic ones marked) and direct links",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.buildGraph(cmd.Context())
			if err != nil {
				return err
			}
			var w io.Writer = cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return fmt.Errorf("create %s: %w", out, err)
				}
				defer f.Close()
				w = f
			}
			if err := b.G.Export(w); err != nil {
				return err
			}
			if f, ok := w.(*os.File); ok && f != os.Stdout {
				return f.Close()
			}
			return nil
		},
	}
	export.Flags().StringVarP(&out, "out", "o", "-", "output file (- for standard output)")
	stats := &cobra.Command{
		Use:   "stats",
		Short: "Count subjects, identifiers, generic identifiers, links and clusters",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.buildGraph(cmd.Context())
			if err != nil {
				return err
			}
			return idWriteJSON(cmd.OutOrStdout(), b.G.Stats())
		},
	}
	cmd.AddCommand(show, expand, export, stats)
	return cmd
}

func idWriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
