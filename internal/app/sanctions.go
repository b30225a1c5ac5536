package app

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/detect"
	_ "github.com/redflag-dev/redflag/internal/detect/sanctions" // registers the sanctions detector
	"github.com/redflag-dev/redflag/internal/sanctions"
)

func init() {
	addCommand(screenCommand)
	addCommand(listsCommand)
	addBenchCommand(benchScreenCommand)
	addService(detect.SvcSanctions, func(ctx context.Context, a *App) (any, error) {
		st := a.listStore()
		if _, err := os.Stat(st.Root); err != nil {
			return nil, nil // no lists loaded: the detector stays off
		}
		s, err := a.loadScreener("")
		if err != nil {
			a.Log.Warn("sanctions lists not loaded; screening is off", "dir", st.Root, "err", err)
			return nil, nil
		}
		return s, nil
	})
}

func (a *App) listStore() *sanctions.ListStore {
	return &sanctions.ListStore{Root: filepath.Join(a.DataDir(), "lists")}
}

// loadScreener loads lists from dir, or from the data directory's list
// store when dir is empty.
func (a *App) loadScreener(dir string) (*sanctions.Screener, error) {
	start := time.Now()
	if dir == "" {
		dir = a.listStore().Root
	}
	ents, infos, err := sanctions.LoadDir(dir)
	for _, in := range infos {
		if in.Error != "" {
			a.Log.Warn("list not loaded", "list", in.List, "err", in.Error)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("load sanctions lists: %w (run `redflag lists update` first)", err)
	}
	ix := sanctions.NewIndex(ents)
	debug.FreeOSMemory() // return parsing garbage: the index is what stays
	a.Log.Debug("sanctions index built", "entities", ix.Len(), "names", ix.NameCount(), "took", time.Since(start))
	return sanctions.NewScreener(ix, infos), nil
}

func screenCommand(a *App) *cobra.Command {
	var q sanctions.Query
	var listsDir, input string
	cmd := &cobra.Command{
		Use:   "screen [NAME]",
		Short: "Screen a name, crypto address or document number against sanctions lists",
		Long: `Screen a name against the sanctions and watch lists (OFAC SDN and Consolidated,
UN, EU, UK, US CSL) stored by "redflag lists update", or those under --lists-dir.
Prints the matches best first as JSON, each with its score (0..1; the operating
threshold is 0.85) and reasons.

With --input FILE (.tsv, .csv or .jsonl with a "name" column and optional "type",
"birth_date", "country" and "gender"), screens every row and writes one JSON line
per query.`,
		Example: `  redflag screen "Kim Jong Un" --type person
  redflag screen "RI Kyong Sik" --birth-date 1963 --country KP
  redflag screen --input applicants.csv > hits.jsonl`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 0) == (input == "") {
				return errors.New("give either a NAME or --input FILE")
			}
			s, err := a.loadScreener(listsDir)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if input != "" {
				return screenFile(s, input, q, out)
			}
			q.Name = args[0]
			if q.BirthDate != "" && sanctions.ParseDate(q.BirthDate) == "" {
				return fmt.Errorf("--birth-date %q: want YYYY, YYYY-MM or YYYY-MM-DD", q.BirthDate)
			}
			ms := s.Screen(q)
			if ms == nil {
				ms = []sanctions.Match{}
			}
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			return enc.Encode(map[string]any{"matches": ms})
		},
	}
	f := cmd.Flags()
	f.StringVar(&q.Type, "type", "", "person, business, vessel or aircraft")
	f.StringVar(&q.BirthDate, "birth-date", "", "birth date YYYY[-MM[-DD]]; agreeing raises, conflicting lowers the score")
	f.StringVar(&q.Country, "country", "", "country (ISO code or name) as evidence")
	f.StringVar(&q.Gender, "gender", "", "male or female, as evidence")
	f.IntVar(&q.Limit, "limit", 10, "most matches per query")
	f.Float64Var(&q.MinScore, "min-score", sanctions.DefaultMinScore, "lowest score to print")
	f.StringVar(&listsDir, "lists-dir", "", "read lists from this folder instead of the data directory")
	f.StringVar(&input, "input", "", "screen every row of a .tsv, .csv or .jsonl file")
	cmd.AddCommand(screenServeCommand(a))
	return cmd
}

// screenFile screens each row of a TSV, CSV or JSONL file.
func screenFile(s *sanctions.Screener, path string, base sanctions.Query, out io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open input: %w", err)
	}
	defer f.Close()
	w := bufio.NewWriter(out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	emit := func(line int, id string, q sanctions.Query) error {
		if q.Limit == 0 {
			q.Limit = base.Limit
		}
		if q.MinScore == 0 {
			q.MinScore = base.MinScore
		}
		ms := s.Screen(q)
		if ms == nil {
			ms = []sanctions.Match{}
		}
		rec := map[string]any{"line": line, "query": q, "matches": ms}
		if id != "" {
			rec["id"] = id
		}
		return enc.Encode(rec)
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".jsonl" || ext == ".ndjson" || ext == ".json" {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		line := 0
		for sc.Scan() {
			line++
			t := strings.TrimSpace(sc.Text())
			if t == "" {
				continue
			}
			var q struct {
				sanctions.Query
				ID string `json:"id"`
			}
			if err := json.Unmarshal([]byte(t), &q); err != nil || q.Name == "" {
				fmt.Fprintf(os.Stderr, "%s:%d: name: not a JSON object with a name\n", path, line)
				continue
			}
			if err := emit(line, q.ID, q.Query); err != nil {
				return err
			}
		}
		return sc.Err()
	}
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	if ext == ".tsv" || ext == ".tab" {
		cr.Comma = '\t'
		cr.LazyQuotes = true
	}
	hdr, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s: read header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range hdr {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	get := func(rec []string, names ...string) string {
		for _, n := range names {
			if i, ok := col[n]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
		}
		return ""
	}
	line := 1
	if _, ok := col["name"]; !ok {
		// no header: the first column is the name
		col = map[string]int{"name": 0}
		q := base
		q.Name = strings.TrimSpace(hdr[0])
		if err := emit(1, "", q); err != nil {
			return err
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line++
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s:%d: %v\n", path, line, err)
			continue
		}
		q := base
		q.Name = get(rec, "name")
		if q.Name == "" {
			fmt.Fprintf(os.Stderr, "%s:%d: name: empty\n", path, line)
			continue
		}
		if v := get(rec, "type"); v != "" {
			q.Type = v
		}
		if v := get(rec, "birth_date", "dob", "date_of_birth"); v != "" {
			q.BirthDate = v
		}
		if v := get(rec, "country"); v != "" {
			q.Country = v
		}
		if v := get(rec, "gender"); v != "" {
			q.Gender = v
		}
		if err := emit(line, get(rec, "id", "qid"), q); err != nil {
			return err
		}
	}
}

func screenServeCommand(a *App) *cobra.Command {
	var addr, listsDir string
	var memLimit int64
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a standalone screening HTTP service (GET /api/v1/screen)",
		Long: `Serve GET /api/v1/screen?name=&type=&birth_date=&country=&gender=&limit= answering
{"matches":[...]} best first, plus GET /api/v1/lists (the loaded lists) and
GET /healthz. SIGHUP reloads the lists; a failed reload keeps serving the old index.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.loadScreener(listsDir)
			if err != nil {
				return err
			}
			if memLimit > 0 {
				// a soft limit: the GC works harder rather than grow past it
				debug.SetMemoryLimit(memLimit << 20)
			}
			mux := http.NewServeMux()
			mux.Handle("/api/v1/screen", sanctions.NewHandler(s))
			mux.HandleFunc("/api/v1/lists", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"lists": s.Lists()})
			})
			mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen %s: %w", addr, err)
			}
			srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			go func() {
				for {
					select {
					case <-ctx.Done():
						return
					case <-hup:
						ns, err := a.loadScreener(listsDir)
						if err != nil {
							a.Log.Error("reload failed; serving the previous lists", "err", err)
							continue
						}
						s.Swap(ns.Index(), ns.Lists())
						a.Log.Info("lists reloaded", "entities", ns.Index().Len())
					}
				}
			}()
			go func() {
				<-ctx.Done()
				sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(sctx)
			}()
			a.Log.Info("screening service listening", "addr", ln.Addr().String(), "entities", s.Index().Len())
			fmt.Fprintf(cmd.ErrOrStderr(), "listening on http://%s/api/v1/screen\n", ln.Addr())
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8084", "listen address")
	cmd.Flags().Int64Var(&memLimit, "mem-limit-mb", 120, "soft memory limit for the Go heap in MB (0 = none)")
	cmd.Flags().StringVar(&listsDir, "lists-dir", "", "read lists from this folder instead of the data directory")
	return cmd
}

func listsCommand(a *App) *cobra.Command {
	cmd := &cobra.Command{Use: "lists", Short: "Update and inspect the sanctions lists"}
	var from, ofacFormat string
	var only []string
	update := &cobra.Command{
		Use:   "update",
		Short: "Download the official lists (or read them from --from DIR), validate, keep the last good copy",
		Long: `Download each list from its official address (configurable under sanctions.sources,
a map of list name to URLs; a URL may end in #filename) or read every list found
under --from DIR (sub-folders such as ofac/, un/, eu/, uk/, csl/ are searched and files
recognised by name and content). Every file is parsed before it replaces the stored
copy; when a download or parse fails the last good copy stays in use.

The OFAC lists are downloaded as the legacy CSV sets unless --ofac-format advanced
(or sanctions.ofac_format: advanced) asks for the advanced XML files
(sdn_advanced.xml, cons_advanced.xml); sanctions.sources, when set, wins over both.

Lists: us_ofac_sdn, us_ofac_cons, un_sc, eu_fsf, uk_sanctions, us_csl.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st := a.listStore()
			var res []sanctions.UpdateResult
			var err error
			if from != "" {
				res, err = st.UpdateFrom(cmd.Context(), from)
			} else {
				if ofacFormat == "" {
					ofacFormat = a.K.String("sanctions.ofac_format")
				}
				srcs, ferr := sanctions.DefaultSourcesFor(ofacFormat)
				if ferr != nil {
					return ferr
				}
				if a.K.Exists("sanctions.sources") {
					cfg := map[string][]string{}
					if err := a.K.Unmarshal("sanctions.sources", &cfg); err != nil {
						return fmt.Errorf("sanctions.sources: %w", err)
					}
					srcs = cfg
				}
				if len(only) > 0 {
					keep := map[string][]string{}
					for _, l := range only {
						v, ok := srcs[l]
						if !ok {
							return fmt.Errorf("--list %s: no source configured", l)
						}
						keep[l] = v
					}
					srcs = keep
				}
				res, err = st.Update(cmd.Context(), srcs)
			}
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LIST\tRESULT\tENTITIES\tVERSION\tERROR")
			failed := 0
			for _, r := range res {
				state := "updated"
				switch {
				case r.Same:
					state = "unchanged"
				case r.Kept:
					state = "FAILED, kept last good copy"
				case r.Error != "":
					state = "FAILED"
				}
				if r.Error != "" {
					failed++
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", r.List, state, r.Entities, r.Version, r.Error)
			}
			tw.Flush()
			if failed == len(res) {
				return errors.New("no list could be updated")
			}
			return nil
		},
	}
	update.Flags().StringVar(&from, "from", "", "read list files from this folder instead of downloading")
	update.Flags().StringSliceVar(&only, "list", nil, "update only these lists (download mode)")
	update.Flags().StringVar(&ofacFormat, "ofac-format", "", "download the OFAC lists as csv (the legacy CSV sets, default) or advanced (SDN_ADVANCED.XML, CONS_ADVANCED.XML); also sanctions.ofac_format")
	status := &cobra.Command{
		Use:   "status",
		Short: "Show each stored list's version, date and entity count",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := a.listStore().Manifest()
			if err != nil {
				return err
			}
			if len(m) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no lists stored; run `redflag lists update`")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LIST\tFORMAT\tENTITIES\tVERSION\tUPDATED\tCHECKED\tLAST ERROR")
			for _, l := range []string{sanctions.ListOFACSDN, sanctions.ListOFACCons, sanctions.ListUN, sanctions.ListEU, sanctions.ListUK, sanctions.ListCSL} {
				s, ok := m[l]
				if !ok {
					continue
				}
				up := ""
				if !s.UpdatedAt.IsZero() {
					up = s.UpdatedAt.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", l, s.Format, s.Entities, s.Version, up, s.CheckedAt.Format(time.RFC3339), s.LastError)
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(update, status)
	return cmd
}

func benchScreenCommand(a *App) *cobra.Command {
	var listsDir, queries string
	var workers int
	var dur time.Duration
	screen := &cobra.Command{
		Use:   "screen",
		Short: "Measure screening accuracy, throughput, index build time and memory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			qs, err := sanctions.ReadBenchQueries(queries)
			if err != nil {
				return err
			}
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start, cpuStart := time.Now(), sanctions.CPUTime()
			dirs := strings.Split(listsDir, ",")
			var ents []sanctions.Entity
			for _, d := range dirs {
				e, infos, err := sanctions.LoadDir(strings.TrimSpace(d))
				if err != nil {
					return err
				}
				for _, in := range infos {
					fmt.Fprintf(out, "list %s (%s): %d entities %s\n", in.List, in.Format, in.Entities, in.Error)
				}
				ents = append(ents, e...)
			}
			parsed, cpuParsed := time.Since(start), sanctions.CPUTime()
			ix := sanctions.NewIndex(ents)
			built, cpuBuilt := time.Since(start), sanctions.CPUTime()
			debug.FreeOSMemory()
			var after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&after)
			fmt.Fprintf(out, "load+parse %s, index build %s, total %s: %d entities, %d names; heap in use %.1f MB\n",
				parsed.Round(time.Millisecond), (built - parsed).Round(time.Millisecond), built.Round(time.Millisecond),
				ix.Len(), ix.NameCount(), float64(after.HeapInuse)/(1<<20))
			fmt.Fprintf(out, "CPU time: load+parse %s, index build %s\n", (cpuParsed - cpuStart).Round(time.Millisecond), (cpuBuilt - cpuParsed).Round(time.Millisecond))
			if rss := readRSS(); rss > 0 {
				fmt.Fprintf(out, "resident memory (VmRSS) after loading: %.1f MB\n", rss)
			}
			rep := sanctions.RunBench(ix, qs, workers, dur, 10)
			rep.Write(out)
			if rss := readRSS(); rss > 0 {
				fmt.Fprintf(out, "resident memory (VmRSS) after the run: %.1f MB\n", rss)
			}
			return nil
		},
	}
	f := screen.Flags()
	f.StringVar(&listsDir, "lists-dir", "../shared/data/sanctions/ofac/full-2024-05,../shared/data/sanctions/un", "list folders, comma separated")
	f.StringVar(&queries, "queries", "../shared/data/sanctions/bench/ofac-queries-dev.tsv", "labelled query TSV")
	f.IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "parallel screening goroutines")
	f.DurationVar(&dur, "duration", 5*time.Second, "throughput run length")
	return screen
}

// readRSS returns VmRSS in MB from /proc, or 0.
func readRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:")), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}
