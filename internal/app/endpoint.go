package app

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	_ "github.com/redflag-dev/redflag/internal/detect/endpoint" // registers the endpoint detector
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/osquery"
	"github.com/redflag-dev/redflag/packs"
)

func init() {
	addIngestKind(IngestKind{
		Name:  "osquery",
		Short: "osquery result logs: differential, batch, snapshot, TLS envelopes (docs/formats/osquery.md)",
		Run: func(ctx context.Context, env IngestEnv, r io.Reader, name string) (ingest.Report, error) {
			return osquery.Ingest(ctx, r, name, osquery.Options{Resolver: env.Resolver, Tenant: env.Tenant, BatchSize: env.BatchSize}, env.Sink)
		},
	})
	addCommand(newOsqueryCmd)
}

func newOsqueryCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "osquery",
		Short: "osquery helpers: print the query pack the endpoint detectors need",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "pack",
		Short: "Print the redflag osquery pack (install it as pack \"redflag\")",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := cmd.OutOrStdout().Write(packs.RedflagConf)
			return err
		},
	})
	return cmd
}
