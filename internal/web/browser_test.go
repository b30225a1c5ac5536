package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
)

const chromiumPath = "/usr/bin/chromium"

// browser starts headless Debian chromium, or skips (fails with
// REDFLAG_REQUIRE_BROWSER=1) when it is not installed.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("REDFLAG_REQUIRE_BROWSER") == "1" {
			t.Fatalf("REDFLAG_REQUIRE_BROWSER=1 but %s is missing: apt-get install -y chromium", chromiumPath)
		}
		t.Skipf("%s not installed (apt-get install -y chromium); skipping the browser test", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func artifacts(t *testing.T) string {
	dir := os.Getenv("REDFLAG_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}

// step runs actions with a bound so that a broken page fails the test
// instead of hanging it.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// TestBrowserCaseFlow: log in, open the queue, open the top case with the
// keyboard, move it to triage, close it with a decision, and check the
// audit entries, in a real browser.
func TestBrowserCaseFlow(t *testing.T) {
	e := newEnv(t, 60, Options{})
	ctx := browser(t)
	dir := artifacts(t)
	base := e.ts.URL

	step(t, ctx, "login page", chromedp.Navigate(base+"/queue"), chromedp.WaitVisible(chromedp.ID("user")))
	shot(t, ctx, dir, "01-login")
	step(t, ctx, "log in",
		chromedp.SendKeys(chromedp.ID("user"), "ann"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS("table.queue tbody tr[data-row]")),
	)
	shot(t, ctx, dir, "02-queue")

	// The top case is the highest score.
	top, _ := e.st.ListCases(context.Background(), "", store.CaseFilter{OpenOnly: true, Limit: 1})
	if len(top) == 0 {
		t.Fatal("no open case in the fixture")
	}
	// Keyboard: j selects the first row, Enter opens it.
	step(t, ctx, "open top case with j, Enter",
		chromedp.KeyEvent("j"),
		chromedp.WaitVisible(chromedp.CSS("tr.sel")),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.ID("state-select")),
	)
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasSuffix(loc, "/cases/"+top[0].ID) {
		t.Fatalf("opened %s, want the top case %s", loc, top[0].ID)
	}
	shot(t, ctx, dir, "03-case")

	step(t, ctx, "move to triage",
		chromedp.SetValue(chromedp.ID("state-select"), "triage"),
		chromedp.Click(chromedp.ID("state-submit")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if f := text(t, ctx, ".flash"); !strings.Contains(f, "Triage") {
		t.Fatalf("flash %q", f)
	}
	// The address bar shows the case page, so that reloading works.
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/cases/"+top[0].ID+"?") {
		t.Fatalf("after the post the location is %s", loc)
	}
	if tr := text(t, ctx, "#trail li:first-child"); !strings.Contains(tr, "case.state") || !strings.Contains(tr, "ann") || !strings.Contains(tr, "state=open → state=triage") {
		t.Fatalf("audit entry on the page: %q", tr)
	}
	shot(t, ctx, dir, "04-triage")

	step(t, ctx, "close as confirmed",
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("state-select"); s.value = "closed_confirmed"; s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`),
		chromedp.WaitVisible(chromedp.ID("reason")),
		chromedp.SendKeys(chromedp.ID("reason"), "IP-KVM on the laptop and a shared payroll account"),
		chromedp.Click(chromedp.ID("state-submit")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	shot(t, ctx, dir, "05-closed")
	c, err := e.st.GetCase(context.Background(), "", top[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != model.CaseConfirmed || c.Decision != "confirmed" || c.Reason == "" {
		t.Fatalf("case after closing: %s %q %q", c.State, c.Decision, c.Reason)
	}
	au, _ := e.st.Audit(context.Background(), "", "case:"+c.ID, 0)
	if len(au) < 3 || au[0].Action != "case.close" || au[0].Actor != "ann" || au[1].Action != "case.state" || au[1].Before != "state=open" {
		t.Fatalf("audit trail %+v", au)
	}

	// Subject page of a case subject: reasons link to evidence; open one.
	step(t, ctx, "subject page",
		chromedp.Navigate(base+"/subjects/"+c.SubjectIDs[0]),
		chromedp.WaitVisible(chromedp.CSS("#reasons .chip")),
	)
	shot(t, ctx, dir, "06-subject")
	step(t, ctx, "follow evidence", chromedp.Click(chromedp.CSS("#reasons .chip")), chromedp.WaitVisible(chromedp.CSS("pre.json, .t")))
	shot(t, ctx, dir, "07-evidence")

	// A <script> in a name is text, not code.
	step(t, ctx, "hostile name", chromedp.Navigate(base+"/subjects/"+e.fx.XSSSubject), chromedp.WaitVisible(chromedp.CSS("h1")))
	if h := text(t, ctx, "h1"); !strings.Contains(h, `<script>alert("xss")</script>`) {
		t.Fatalf("hostile name not shown as text: %q", h)
	}
	step(t, ctx, "status page", chromedp.Navigate(base+"/status"), chromedp.WaitVisible(chromedp.CSS("h1")))
	shot(t, ctx, dir, "08-status")
}
