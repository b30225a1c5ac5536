package app

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X .../internal/app.Version=v1.2.3".
var Version = "dev"

// NewRoot builds the root command with every registered subcommand.
func NewRoot() *cobra.Command {
	a := &App{}
	root := &cobra.Command{
		Use:   "redflag",
		Short: "Find DPRK IT workers hidden among applicants, employees and contractors",
		Long: `redflag screens applicants, watches workers' sign-ins, devices, equipment shipments
and payroll, joins everything into one identity graph, scores each person with
reasons an analyst can check, and runs the cases to a decision.

It flags misrepresentation and technical facts, never nationality, ethnicity or accent.

Start here:
  redflag demo                 build a synthetic organisation with hidden DPRK cells,
                               detect them and serve the analyst UI
  redflag ingest people FILE   load HR records (see docs/formats/records.md)
  redflag report               print every subject's score and reasons

Configuration comes from --config FILE (YAML), then REDFLAG_* environment
variables (REDFLAG_DATA_DIR, REDFLAG_STORE__DRIVER, ...; "__" separates levels),
then flags.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return a.load()
		},
		PersistentPostRunE: func(cmd *cobra.Command, args []string) error {
			return a.Close()
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "configuration file (YAML); also REDFLAG_CONFIG")
	pf.StringVar(&a.dataDir, "data-dir", "", "data directory (default ./redflag-data); also REDFLAG_DATA_DIR")
	pf.StringVar(&a.postgres, "postgres", "", "use PostgreSQL at this URL instead of the embedded SQLite store")
	pf.StringVar(&a.nats, "nats", "", "send records through the NATS JetStream cluster at this URL to `redflag worker` processes (bus.mode external)")
	pf.StringVar(&a.logLevel, "log-level", "", "log level: debug, info, warn, error")
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := Version
			if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
				v = "dev (" + bi.GoVersion + ")"
			}
			fmt.Fprintln(cmd.OutOrStdout(), "redflag", v)
			return nil
		},
	})
	for _, f := range commands {
		root.AddCommand(f(a))
	}
	return root
}

// Main runs the CLI and returns the process exit code.
func Main(ctx context.Context, args []string) int {
	root := NewRoot()
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(root.ErrOrStderr(), "redflag:", err)
		if ec, ok := err.(interface{ ExitCode() int }); ok {
			return ec.ExitCode()
		}
		return 1
	}
	return 0
}
