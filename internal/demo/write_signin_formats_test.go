package demo

import (
	"context"
	"os"
	"testing"

	"github.com/redflag-dev/redflag/internal/ingest"
	"github.com/redflag-dev/redflag/internal/ingest/entra"
	"github.com/redflag-dev/redflag/internal/ingest/gworkspace"
	"github.com/redflag-dev/redflag/internal/ingest/signin/signintest"
	"github.com/redflag-dev/redflag/internal/model"
)

func TestSignInFormatsParseAndResolve(t *testing.T) {
	dir := t.TempDir()
	opt := Options{Seed: 3, Workers: 60, Applicants: 5, Days: 20}
	n, err := WriteSignInFormats(dir, opt)
	if err != nil || n == 0 {
		t.Fatalf("%d %v", n, err)
	}
	o := generate(opt)
	res := ingest.NewMapResolver()
	for _, p := range o.people {
		for _, l := range p.Logins {
			res.Add(model.IDIdPLogin, l, p.ID)
		}
	}
	fs := SignInLayout(dir)
	for _, c := range []struct {
		file string
		run  func(context.Context, *os.File, *signintest.Sink) (ingest.Report, error)
	}{
		{fs.Entra, func(ctx context.Context, f *os.File, s *signintest.Sink) (ingest.Report, error) {
			return entra.Ingest(ctx, f, fs.Entra, res, s)
		}},
		{fs.GWorkspace, func(ctx context.Context, f *os.File, s *signintest.Sink) (ingest.Report, error) {
			return gworkspace.Ingest(ctx, f, fs.GWorkspace, res, s)
		}},
	} {
		f, err := os.Open(c.file)
		if err != nil {
			t.Fatal(err)
		}
		sink := &signintest.Sink{}
		rep, err := c.run(context.Background(), f, sink)
		f.Close()
		if err != nil || rep.Rejected != 0 || rep.Accepted != n || rep.Unresolved != 0 {
			t.Errorf("%s: %v %+v (want %d sign-ins, all resolved)", c.file, err, rep, n)
		}
		var mfa int
		for _, ev := range sink.Evs {
			if ev.SignIn.IPInfo == nil || ev.SignIn.IPInfo.ProviderCountry == "" {
				t.Fatalf("%s: provider geo missing: %+v", c.file, ev.SignIn)
			}
			if ev.SignIn.MFADeviceID != "" {
				mfa++
			}
		}
		if c.file == fs.Entra && mfa == 0 {
			t.Errorf("entra: no MFA devices")
		}
	}
}
