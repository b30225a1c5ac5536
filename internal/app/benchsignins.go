package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/detect"
	"github.com/redflag-dev/redflag/internal/detect/network"
	"github.com/redflag-dev/redflag/internal/enrich/ipintel"
	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/okta"
	"github.com/redflag-dev/redflag/internal/ingest/okta/oktasynth"
	"github.com/redflag-dev/redflag/internal/ingest/signin"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/pipeline"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

func init() { addBenchCommand(newBenchSignInsCmd) }

func newBenchSignInsCmd(a *App) *cobra.Command {
	var events, subjects int
	var withStore bool
	cmd := &cobra.Command{
		Use:   "signins",
		Short: "Okta sign-ins: parse+enrich+detect in memory vs a bare encoding/json decode, then end to end into SQLite",
		Long: `Write N synthetic Okta System Log events (docs/benchmarks/network.md) to a
temporary file, decode it with encoding/json (the baseline), then parse, enrich
(with the IP-intelligence databases of this data directory, if any) and run the
network detector in memory, and with --store ingest it into a fresh SQLite store
and detect over the store. Prints events/s, the ratio to the bare decode and
peak RSS.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.benchSignIns(cmd.Context(), cmd.OutOrStdout(), events, subjects, withStore)
		},
	}
	cmd.Flags().IntVar(&events, "events", 200000, "events to generate")
	cmd.Flags().IntVar(&subjects, "subjects", 2000, "distinct people")
	cmd.Flags().BoolVar(&withStore, "store", true, "also measure end to end with SQLite persistence")
	return cmd
}

type benchDetectSink struct {
	en  *ipintel.Enricher
	eng *detect.Engine
	env *detect.Env
	col *detect.Collector
}

func (s *benchDetectSink) Subjects(context.Context, []model.Subject, []model.Identifier) error {
	return nil
}

func (s *benchDetectSink) Events(ctx context.Context, evs []model.Event, _ []model.Identifier) error {
	for i := range evs {
		if s.en != nil {
			s.en.Enrich(ctx, &evs[i])
		}
		s.eng.Observe(ctx, s.env, &evs[i], s.col.Emit)
	}
	return nil
}

func (a *App) benchSignIns(ctx context.Context, out io.Writer, events, subjects int, withStore bool) error {
	dir, err := os.MkdirTemp("", "redflag-bench-signins-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "okta.jsonl")
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := oktasynth.Write(f, events, subjects); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fi, _ := os.Stat(path)
	fmt.Fprintf(out, "input: %d events, %d people, %.0f MB, GOMAXPROCS %d\n", events, subjects, float64(fi.Size())/1e6, runtime.GOMAXPROCS(0))

	// Baseline: a bare encoding/json decode of the same file.
	t0 := time.Now()
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bufio.NewReaderSize(fh, 1<<20))
	n := 0
	for {
		var v map[string]any
		if err := dec.Decode(&v); err == io.EOF {
			break
		} else if err != nil {
			fh.Close()
			return err
		}
		n++
	}
	fh.Close()
	bare := time.Since(t0)
	fmt.Fprintf(out, "bare encoding/json decode:        %8.0f events/s\n", float64(n)/bare.Seconds())

	subs := oktasynth.Subjects(subjects)
	res := ingest.NewMapResolver()
	for _, s := range subs {
		res.AddSubject(s)
	}
	var en *ipintel.Enricher
	if db, err := a.IPIntel(); err != nil {
		return err
	} else if db != nil {
		en = ipintel.NewEnricher(db)
	}
	d, err := network.New(network.Defaults())
	if err != nil {
		return err
	}
	sink := &benchDetectSink{en: en, eng: detect.NewEngineWith(d), env: detect.NewEnv("default", subs, time.Now()), col: detect.NewCollector()}
	t1 := time.Now()
	fh, err = os.Open(path)
	if err != nil {
		return err
	}
	rep, err := signin.Run(ctx, fh, signin.Options{File: path, Source: okta.Source, Resolver: res, DropRaw: true}, okta.Parse, sink)
	fh.Close()
	if err != nil {
		return err
	}
	if err := sink.eng.Finish(ctx, sink.env, sink.col.Emit); err != nil {
		return err
	}
	mem := time.Since(t1)
	fmt.Fprintf(out, "parse+enrich+detect in memory:    %8.0f events/s  (ratio to bare decode %.2f; %d findings; enrichment %v)\n",
		float64(rep.Accepted)/mem.Seconds(), bare.Seconds()/mem.Seconds(), len(sink.col.Findings()), en != nil)
	fmt.Fprintf(out, "peak RSS so far: %.0f MiB\n", peakRSS())
	if !withStore {
		return nil
	}
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.UpsertSubjects(ctx, subs); err != nil {
		return err
	}
	d2, _ := network.New(network.Defaults())
	p := &pipeline.Pipeline{Store: st, Engine: detect.NewEngineWith(d2), Tenant: "default"}
	if en != nil {
		p.Enricher = en
	}
	t2 := time.Now()
	fh, err = os.Open(path)
	if err != nil {
		return err
	}
	rep, err = signin.Run(ctx, fh, signin.Options{File: path, Source: okta.Source, Resolver: res, BatchSize: a.K.Int("ingest.batch_size")}, okta.Parse, p)
	fh.Close()
	if err != nil {
		return err
	}
	ing := time.Since(t2)
	t3 := time.Now()
	if _, err := p.Engine.Run(ctx, st, "default", time.Now()); err != nil {
		return err
	}
	det := time.Since(t3)
	fmt.Fprintf(out, "ingest into SQLite:               %8.0f events/s\n", float64(rep.Accepted)/ing.Seconds())
	fmt.Fprintf(out, "detect over the store:            %8.0f events/s\n", float64(rep.Accepted)/det.Seconds())
	fmt.Fprintf(out, "end to end with SQLite:           %8.0f events/s\n", float64(rep.Accepted)/(ing+det).Seconds())
	fmt.Fprintf(out, "peak RSS: %.0f MiB\n", peakRSS())
	return nil
}
