package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/fingerprint"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/records"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

// IngestEnv is what an ingest kind gets to parse one input.
type IngestEnv struct {
	Sink      ingest.Sink
	Resolver  ingest.Resolver
	Keyer     *fingerprint.Keyer
	Tenant    string
	BatchSize int
	Mapping   records.Mapping
	// Store is the store itself, for kinds that keep reference data rather
	// than events (registered travel); with the bus on, Sink is not the store.
	Store store.Store
}

// IngestKind is one input format `redflag ingest` understands.
type IngestKind struct {
	Name  string
	Short string // one line for --help
	Run   func(ctx context.Context, env IngestEnv, r io.Reader, name string) (ingest.Report, error)
}

var ingestKinds = map[string]IngestKind{}

// addIngestKind registers an input kind for `redflag ingest KIND FILE...`.
func addIngestKind(k IngestKind) { ingestKinds[k.Name] = k }

func init() {
	for _, k := range records.Kinds {
		k := k
		addIngestKind(IngestKind{
			Name:  string(k),
			Short: fmt.Sprintf("%s records, CSV or JSON Lines (docs/formats/records.md)", k),
			Run: func(ctx context.Context, env IngestEnv, r io.Reader, name string) (ingest.Report, error) {
				return records.Ingest(ctx, r, name, records.Options{Kind: k, Mapping: env.Mapping, Keyer: env.Keyer, Tenant: env.Tenant, BatchSize: env.BatchSize}, env.Sink)
			},
		})
	}
	addCommand(newIngestCmd)
	addCommand(newAnalyzeCmd)
}

// LoadResolver builds a resolver from the stored subjects and identifiers.
func LoadResolver(ctx context.Context, st store.Store, tenant string) (*ingest.MapResolver, error) {
	r := ingest.NewMapResolver()
	if err := st.EachSubject(ctx, tenant, func(s model.Subject) error { r.AddSubject(s); return nil }); err != nil {
		return nil, err
	}
	err := st.EachIdentifier(ctx, tenant, func(id model.Identifier) error {
		switch id.Kind {
		case model.IDEmail, model.IDIdPLogin, model.IDCodeLogin, model.IDDevice, model.IDSerial, model.IDHostname:
			r.Add(id.Kind, id.Value, id.SubjectID)
		}
		return nil
	})
	return r, err
}

// ingestError carries the exit code for rejected rows.
type ingestError struct{ rejected int }

func (e ingestError) Error() string { return fmt.Sprintf("%d record(s) rejected", e.rejected) }
func (e ingestError) ExitCode() int { return 2 }

func kindHelp() string {
	names := make([]string, 0, len(ingestKinds))
	for n := range ingestKinds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "  %-12s %s\n", n, ingestKinds[n].Short)
	}
	return b.String()
}

// IngestFiles runs one kind over files ("-" is standard input) and returns
// the merged report.
func (a *App) IngestFiles(ctx context.Context, kind string, files []string, mapping records.Mapping) (ingest.Report, error) {
	k, ok := ingestKinds[kind]
	if !ok {
		return ingest.Report{}, fmt.Errorf("unknown input kind %q; known kinds:\n%s", kind, kindHelp())
	}
	p, err := a.Pipeline(ctx)
	if err != nil {
		return ingest.Report{}, err
	}
	keyer, err := a.Keyer()
	if err != nil {
		return ingest.Report{}, err
	}
	res, err := LoadResolver(ctx, p.Store, a.Tenant())
	if err != nil {
		return ingest.Report{}, fmt.Errorf("load resolver: %w", err)
	}
	sink, err := a.IngestSink(ctx, p) // the pipeline, or the bus (bus.go)
	if err != nil {
		return ingest.Report{}, err
	}
	env := IngestEnv{Sink: sink, Resolver: res, Keyer: keyer, Tenant: a.Tenant(), BatchSize: a.K.Int("ingest.batch_size"), Mapping: mapping, Store: p.Store}
	total := ingest.Report{Source: kind}
	for _, f := range files {
		var r io.Reader = os.Stdin
		name := "stdin"
		if f != "-" {
			fh, err := os.Open(f)
			if err != nil {
				return total, fmt.Errorf("open input: %w", err)
			}
			r, name = fh, f
			defer fh.Close()
		}
		before := p.NewEvents()
		rep, err := k.Run(ctx, env, r, name)
		rep.New = int(p.NewEvents() - before)
		total.Add(rep)
		if err != nil {
			return total, err
		}
	}
	return total, a.flushBus(ctx) // bus.go: wait until the workers stored it
}

func newIngestCmd(a *App) *cobra.Command {
	var mapFile string
	var analyze, asJSON bool
	cmd := &cobra.Command{
		Use:   "ingest KIND FILE|- [FILE...]",
		Short: "Load records or logs into the store, then re-run detection",
		Long: `Load records or logs into the store. Input is streamed; "-" reads standard input.
Bad rows are reported with file, line and field, and the valid rows still land.
Re-ingesting the same input changes nothing. The command exits 2 when it
rejected rows.

Kinds:
` + kindHelp(),
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var mapping records.Mapping
			if mapFile != "" {
				b, err := os.ReadFile(mapFile)
				if err != nil {
					return fmt.Errorf("read mapping: %w", err)
				}
				if err := json.Unmarshal(b, &mapping); err != nil {
					return fmt.Errorf("mapping %s: want a JSON object {\"redflag_column\": \"your_column\"}: %w", mapFile, err)
				}
			}
			start := time.Now()
			rep, err := a.IngestFiles(ctx, args[0], args[1:], mapping)
			printReport(cmd.ErrOrStderr(), rep, time.Since(start), asJSON, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			if analyze {
				if err := a.Analyze(ctx, cmd.ErrOrStderr()); err != nil {
					return err
				}
			}
			if rep.Rejected > 0 {
				return ingestError{rep.Rejected}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&mapFile, "map", "", "JSON file mapping redflag column names to yours, e.g. {\"person_id\": \"EmployeeID\"}")
	cmd.Flags().BoolVar(&analyze, "analyze", true, "re-run detection, scoring and cases after loading")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the ingest report as JSON on standard output")
	return cmd
}

func printReport(w io.Writer, rep ingest.Report, took time.Duration, asJSON bool, out io.Writer) {
	if asJSON {
		json.NewEncoder(out).Encode(rep)
		return
	}
	for _, e := range rep.Errors {
		fmt.Fprintln(w, "rejected:", e.Error())
	}
	if rep.Rejected > len(rep.Errors) {
		fmt.Fprintf(w, "... and %d more rejected\n", rep.Rejected-len(rep.Errors))
	}
	for _, e := range rep.Warnings {
		fmt.Fprintln(w, "warning:", e.Error())
	}
	fmt.Fprintf(w, "%s: read %d, accepted %d, rejected %d, new events %d, unresolved %d (%.1fs)\n",
		rep.Source, rep.Read, rep.Accepted, rep.Rejected, rep.New, rep.Unresolved, took.Seconds())
	if len(rep.Ignored) > 0 {
		keys := make([]string, 0, len(rep.Ignored))
		for k := range rep.Ignored {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "  ignored %s: %d\n", k, rep.Ignored[k])
		}
	}
}

// Analyze runs detection, scoring and case syncing, and prints a summary.
func (a *App) Analyze(ctx context.Context, w io.Writer) error {
	if onBus, err := a.analyzeOnBus(ctx, w); onBus { // bus.go
		return err
	}
	p, err := a.Pipeline(ctx)
	if err != nil {
		return err
	}
	res, err := p.Analyze(ctx, a.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "analysed %d subjects and %d events: %d findings; cases opened %d, updated %d, reopened %d (%.1fs)\n",
		res.Detect.Subjects, res.Detect.Events, res.Detect.Findings, res.Cases.Opened, res.Cases.Updated, res.Cases.Reopened, res.Took.Seconds())
	return nil
}

// Now is the analysis time: config "now" (RFC 3339) when set, for
// reproducible runs, else the wall clock.
func (a *App) Now() time.Time {
	if s := a.K.String("now"); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC()
		}
	}
	return time.Now().UTC()
}

func newAnalyzeCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "analyze",
		Short: "Re-run detection, scoring and case syncing over everything stored",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.Analyze(cmd.Context(), cmd.ErrOrStderr())
		},
	}
}
