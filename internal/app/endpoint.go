package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/detect/endpoint" // registers the endpoint detector
	"github.com/redflag-dev/redflag/internal/indicators"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/osquery"
	"github.com/redflag-dev/redflag/internal/model"
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
	addBenchCommand(newBenchEndpointCmd)
}

// engineSink feeds parsed events straight into a detection engine.
type engineSink struct {
	eng *detect.Engine
	env *detect.Env
	col *detect.Collector
}

func (s *engineSink) Subjects(context.Context, []model.Subject, []model.Identifier) error { return nil }
func (s *engineSink) Events(ctx context.Context, evs []model.Event, _ []model.Identifier) error {
	for i := range evs {
		s.eng.Observe(ctx, s.env, &evs[i], s.col.Emit)
	}
	return nil
}

func newBenchEndpointCmd(a *App) *cobra.Command {
	var rows, hosts, workers int
	cmd := &cobra.Command{
		Use:   "endpoint",
		Short: "osquery ingest + endpoint detection on synthetic result logs, without the store (rows/s)",
		Long: `Generate --rows synthetic osquery differential result lines for --hosts laptops in
memory, then parse them (decoding on --workers goroutines, default all cores),
resolve hosts by serial and run the endpoint detector with the built-in
indicator pack, as 'redflag ingest osquery' does minus storage. Prints rows/s.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var buf bytes.Buffer
			if err := osquery.Synthetic(&buf, rows, hosts); err != nil {
				return err
			}
			pack, err := indicators.Builtin()
			if err != nil {
				return err
			}
			res := ingest.NewMapResolver()
			subjects := make([]model.Subject, 0, hosts)
			for i := 0; i < hosts; i++ {
				id := fmt.Sprintf("W%05d", i)
				res.Add(model.IDSerial, fmt.Sprintf("SERlt-%05d", i), id)
				subjects = append(subjects, model.Subject{ID: id, Address: model.Address{Line: id, City: "Austin", Region: "TX", Country: "US"}, ClaimedTimezone: "America/Chicago"})
			}
			ctx := cmd.Context()
			sink := &engineSink{eng: detect.NewEngineWith(endpoint.NewWith(pack, endpoint.DefaultConfig(), nil)),
				env: detect.NewEnv("bench", subjects, time.Unix(1790300000, 0)), col: detect.NewCollector()}
			start, cpu0 := time.Now(), processCPU()
			rep, err := osquery.Ingest(ctx, bytes.NewReader(buf.Bytes()), "synthetic", osquery.Options{Resolver: res, Workers: workers}, sink)
			if err != nil {
				return err
			}
			if err := sink.eng.Finish(ctx, sink.env, sink.col.Emit); err != nil {
				return err
			}
			took, cpu := time.Since(start), processCPU()-cpu0
			fmt.Fprintf(cmd.OutOrStdout(), "osquery ingest + endpoint detection: %d rows (%.1f MB) in %.2fs = %.0f rows/s; %d findings, %d rejected\n",
				rep.Accepted, float64(buf.Len())/1e6, took.Seconds(), float64(rep.Accepted)/took.Seconds(), len(sink.col.Findings()), rep.Rejected)
			if cpu > 0 {
				// On a shared machine the wall clock also measures the neighbours.
				fmt.Fprintf(cmd.OutOrStdout(), "CPU time %.2fs (user+system, all threads) = %.0f rows per CPU-second\n", cpu.Seconds(), float64(rep.Accepted)/cpu.Seconds())
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&rows, "rows", 200000, "result rows")
	cmd.Flags().IntVar(&hosts, "hosts", 1000, "laptops")
	cmd.Flags().IntVar(&workers, "workers", 0, "decoding goroutines (0 = all cores)")
	return cmd
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
