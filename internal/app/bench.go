package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/fingerprint"
	"github.com/redflag-dev/redflag/internal/ingest/records"
	"github.com/redflag-dev/redflag/internal/pipeline"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

// Benchmarks register under `redflag bench` with addBenchCommand.
var benchCommands []func(a *App) *cobra.Command

func addBenchCommand(f func(a *App) *cobra.Command) { benchCommands = append(benchCommands, f) }

func init() {
	addCommand(func(a *App) *cobra.Command {
		cmd := &cobra.Command{
			Use:   "bench",
			Short: "Measure speed and memory (figures for BENCHMARKS.md)",
		}
		for _, f := range benchCommands {
			cmd.AddCommand(f(a))
		}
		return cmd
	})
	addBenchCommand(newBenchRecordsCmd)
}

// peakRSS reads the process's peak resident set size (Linux), in MiB.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

func newBenchRecordsCmd(a *App) *cobra.Command {
	var rows int
	cmd := &cobra.Command{
		Use:   "records",
		Short: "Ingest N synthetic payroll rows into a fresh SQLite store; print rows/s and peak memory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			dir, err := os.MkdirTemp("", "redflag-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "bench.db"))
			if err != nil {
				return err
			}
			defer st.Close()
			keyer, err := a.Keyer()
			if err != nil {
				return err
			}
			return benchRecords(ctx, cmd.OutOrStdout(), &pipeline.Pipeline{Store: st}, keyer, rows, a.K.Int("ingest.batch_size"))
		},
	}
	cmd.Flags().IntVar(&rows, "rows", 100000, "rows to ingest")
	return cmd
}

func benchRecords(ctx context.Context, out io.Writer, p *pipeline.Pipeline, keyer *fingerprint.Keyer, rows, batch int) error {
	start := time.Now()
	opt := records.Options{Kind: records.Payroll, BatchSize: batch, Keyer: keyer}
	rep, err := records.Ingest(ctx, records.SyntheticPayroll(rows), "synthetic.csv", opt, p)
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(out, "rows %d accepted %d rejected %d in %.2fs: %.0f rows/s, peak RSS %.0f MiB\n",
		rows, rep.Accepted, rep.Rejected, took.Seconds(), float64(rep.Accepted)/took.Seconds(), peakRSS())
	return nil
}
