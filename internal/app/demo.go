package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/file"
	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/demo"
	"github.com/redflag-dev/redflag/internal/model"
)

const demoMarker = ".redflag-demo"

func init() { addCommand(newDemoCmd) }

func newDemoCmd(a *App) *cobra.Command {
	var opt demo.Options
	var dir, addr string
	var noServe bool
	var signins string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate an organisation with hidden DPRK cells, detect them, and serve the UI",
		Long: `Generate a realistic synthetic organisation (default 1,000 workers, 300 applicants,
60 days) with planted DPRK IT-worker cells and innocent look-alikes, write it as
input files in the real formats (Okta System Log, osquery result logs, HR,
payroll, shipping, interview and device records, IP databases, an OFAC list
extract), ingest them through the same code paths as 'redflag ingest', run
detection, print the top cases with precision and recall against the ground
truth, and serve the analyst UI on 127.0.0.1 (unless --no-serve).

The demo lives in its own folder (default ./redflag-demo: inputs/ and data/),
which each run replaces. The same --seed always gives the same organisation.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch signins {
			case "okta", "entra", "gworkspace":
			default:
				return fmt.Errorf("--signins %q: want okta, entra or gworkspace", signins)
			}
			return a.runDemo(cmd.Context(), cmd.OutOrStdout(), dir, opt, noServe, addr, signins)
		},
	}
	f := cmd.Flags()
	f.Int64Var(&opt.Seed, "seed", 1, "random seed; the same seed gives the same organisation")
	f.IntVar(&opt.Workers, "workers", 1000, "number of employees and contractors")
	f.IntVar(&opt.Applicants, "applicants", 300, "number of applicants")
	f.IntVar(&opt.Days, "days", 60, "days of activity")
	f.StringVar(&dir, "dir", "./redflag-demo", "demo folder (replaced on each run)")
	f.BoolVar(&noServe, "no-serve", false, "do not serve the UI after the run")
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "UI listen address")
	f.StringVar(&signins, "signins", "okta", "which identity provider's log to ingest: okta, entra or gworkspace (the demo writes all three)")
	return cmd
}

// prepareDemoDir empties dir if it is a previous demo folder (or empty), and
// refuses to touch anything else.
func prepareDemoDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("%s exists and is not a redflag demo folder; choose another --dir", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("clear %s: %w", dir, err)
		}
	}
	return os.MkdirAll(dir, 0o755)
}

func (a *App) runDemo(ctx context.Context, out io.Writer, dir string, opt demo.Options, noServe bool, addr, signins string) error {
	t0 := time.Now()
	if err := prepareDemoDir(dir); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, demoMarker), []byte("redflag demo folder; replaced by each run\n"), 0o644); err != nil {
		return err
	}
	inputs := filepath.Join(dir, "inputs")
	truth, gs, err := demo.Generate(inputs, opt)
	if err != nil {
		return err
	}
	fs := demo.Layout(inputs)
	fmt.Fprintf(out, "generated %d workers, %d applicants (%d planted DPRK, %d hard negatives), %d Okta events, %d osquery rows in %s (%.1fs)\n",
		gs.Workers, gs.Applicants, gs.DPRK, gs.Negatives, gs.OktaEvents, gs.OsqueryRows, inputs, time.Since(t0).Seconds())

	// The demo company's configuration, its own data dir, and a fixed clock.
	dataDir := filepath.Join(dir, "data")
	if err := a.K.Load(file.Provider(fs.Config), yaml.Parser()); err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	a.K.Set("data_dir", dataDir)
	a.K.Set("now", demo.DefaultEnd.Format(time.RFC3339))
	if opt.End.IsZero() {
		a.K.Set("now", demo.DefaultEnd.Format(time.RFC3339))
	}
	// Reference data first, through the same commands a user would run.
	for _, args := range [][]string{
		{"lists", "update", "--from", fs.Lists},
		{"ipdb", "update", "--from", fs.IPIntel},
	} {
		if err := a.runSub(ctx, out, fs.Config, dataDir, args); err != nil {
			return err
		}
	}
	t1 := time.Now()
	steps := []struct{ kind, file string }{
		{"people", fs.People}, {"devices", fs.Devices}, {"interviews", fs.Interviews}, {"shipments", fs.Shipments},
		{"payroll", fs.Payroll}, {"travel", fs.Travel}, {signins, map[string]string{"okta": fs.Okta, "entra": fs.Entra, "gworkspace": fs.GWorkspace}[signins]}, {"osquery", fs.Osquery},
	}
	for _, s := range steps {
		if _, ok := ingestKinds[s.kind]; !ok {
			fmt.Fprintf(out, "skipped %s: this build has no %q input kind\n", filepath.Base(s.file), s.kind)
			continue
		}
		st := time.Now()
		rep, err := a.IngestFiles(ctx, s.kind, []string{s.file}, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "ingested %-10s %7d records (%d rejected) in %.1fs\n", s.kind, rep.Accepted, rep.Rejected, time.Since(st).Seconds())
		if rep.Rejected > 0 {
			for _, e := range rep.Errors[:min(5, len(rep.Errors))] {
				fmt.Fprintln(out, "  rejected:", e.Error())
			}
		}
	}
	t2 := time.Now()
	if err := a.Analyze(ctx, out); err != nil {
		return err
	}
	st, err := a.Store(ctx)
	if err != nil {
		return err
	}
	rep, err := BuildReport(ctx, st, a.Tenant(), 0, a.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nTop subjects:\n")
	top := rep
	top.Subjects = nil
	for _, s := range rep.Subjects {
		if s.Score > 0 {
			top.Subjects = append(top.Subjects, s)
		}
	}
	WriteTable(out, top, 15)
	var scored []demo.Scored
	for _, s := range rep.Subjects {
		scored = append(scored, demo.Scored{PersonID: s.PersonID, Score: s.Score, Flagged: model.LevelRank(s.Level) >= model.LevelRank(model.LevelHigh)})
	}
	ev := truth.Evaluate(scored)
	fmt.Fprintf(out, "\nAgainst the ground truth (flagged = level high or critical):\n")
	ev.Print(out, truth)
	fmt.Fprintf(out, "\ntimings: generate %.1fs, ingest %.1fs, analyse %.1fs, total %.1fs\n",
		t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), time.Since(t2).Seconds(), time.Since(t0).Seconds())
	if noServe {
		return nil
	}
	pw := make([]byte, 12)
	if _, err := rand.Read(pw); err != nil {
		return err
	}
	pass := hex.EncodeToString(pw)
	fmt.Fprintf(out, "\nAnalyst UI: http://%s  (one-time admin login: admin / %s)\n", addr, pass)
	return a.Serve(ctx, ServeOptions{Addr: addr, DemoUser: "admin", DemoPassword: pass})
}

// runSub runs another redflag command in-process if this build has it.
func (a *App) runSub(ctx context.Context, out io.Writer, config, dataDir string, args []string) error {
	root := NewRoot()
	if c, _, err := root.Find(args); err != nil || c == root || c.Name() != args[len(args)-3] && c.Name() != args[1] {
		fmt.Fprintf(out, "skipped '%s %s': not in this build\n", args[0], args[1])
		return nil
	}
	root.SetArgs(append([]string{"--config", config, "--data-dir", dataDir}, args...))
	root.SetOut(out)
	root.SetErr(out)
	if err := root.ExecuteContext(ctx); err != nil {
		return fmt.Errorf("%s %s: %w", args[0], args[1], err)
	}
	return nil
}
