package app

import (
	"context"
	"fmt"
	"net/http"

	"github.com/spf13/cobra"
)

// This file belongs to the web subsystem (issue 7): it will build the
// analyst UI and API. Until then it serves a health check only.

// ServeOptions are what `serve` and `demo` pass to Serve.
type ServeOptions struct {
	Addr string
	// DemoCredentials, when set, are printed for the one-time demo admin.
	DemoUser, DemoPassword string
}

// Serve runs the HTTP server until ctx ends.
func (a *App) Serve(ctx context.Context, opt ServeOptions) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	srv := &http.Server{Addr: opt.Addr, Handler: mux}
	go func() { <-ctx.Done(); srv.Close() }()
	a.Log.Info("serving", "addr", "http://"+opt.Addr)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		return fmt.Errorf("serve %s: %w", opt.Addr, err)
	}
	return nil
}

func init() {
	addCommand(func(a *App) *cobra.Command {
		var addr string
		cmd := &cobra.Command{
			Use:   "serve",
			Short: "Serve the analyst UI and the HTTP API against the configured store",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, args []string) error {
				if addr == "" {
					addr = a.K.String("http.addr")
				}
				return a.Serve(cmd.Context(), ServeOptions{Addr: addr})
			},
		}
		cmd.Flags().StringVar(&addr, "addr", "", "listen address (default 127.0.0.1:8080; http.addr)")
		return cmd
	})
}
