package app

import (
	"github.com/spf13/cobra"

	"github.com/redflag-dev/redflag/internal/bus"
)

func init() { addCommand(newWorkerCmd) }

func newWorkerCmd(a *App) *cobra.Command {
	var id string
	var noLeader bool
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Process events from the NATS JetStream bus (scale-out mode); run one per core",
		Long: `Run a stream worker. Workers share the event partitions among themselves through
leases in the bus, so start as many as you like, anywhere; each partition has one
owner at a time. A worker stores events, runs the per-person detectors and commits
its checkpoint in one transaction; one worker at a time also holds the leader lease
and runs the cross-person detectors, scoring and cases.

  redflag worker --nats nats://nats-1:4222 --postgres postgres://redflag@db/redflag

Stop it with SIGTERM: it hands its partitions back at once. A killed worker's
partitions move to the others after bus.lease_ttl (default 6s).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if a.BusMode() == bus.ModeOff {
				a.K.Set("bus.mode", bus.ModeEmbedded)
			}
			c, err := a.Bus(ctx)
			if err != nil {
				return err
			}
			w, err := a.NewWorker(ctx, c, id, !noLeader)
			if err != nil {
				return err
			}
			return w.Run(ctx)
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "worker name in leases (default host-pid-random)")
	cmd.Flags().BoolVar(&noLeader, "no-leader", false, "never run the cross-person stage, scoring and cases on this worker")
	return cmd
}
