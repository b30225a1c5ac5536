package web

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAgainstRunningDemo walks a running `redflag demo` server from
// login to a closed case. It runs only when REDFLAG_DEMO_URL,
// REDFLAG_DEMO_USER and REDFLAG_DEMO_PASSWORD are set (manual check; the CI
// browser test is TestBrowserCaseFlow on its own fixture).
func TestBrowserAgainstRunningDemo(t *testing.T) {
	base, user, pw := os.Getenv("REDFLAG_DEMO_URL"), os.Getenv("REDFLAG_DEMO_USER"), os.Getenv("REDFLAG_DEMO_PASSWORD")
	if base == "" || user == "" || pw == "" {
		t.Skip("set REDFLAG_DEMO_URL, REDFLAG_DEMO_USER and REDFLAG_DEMO_PASSWORD to walk a running demo")
	}
	ctx := browser(t)
	dir := artifacts(t)
	step(t, ctx, "login", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("user")),
		chromedp.SendKeys(chromedp.ID("user"), user), chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.CSS("table.queue tbody tr[data-row]")))
	shot(t, ctx, dir, "demo-01-queue")
	step(t, ctx, "open top case", chromedp.KeyEvent("j"), chromedp.WaitVisible(chromedp.CSS("tr.sel")), chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.ID("state-select")))
	shot(t, ctx, dir, "demo-02-case")
	step(t, ctx, "triage", chromedp.SetValue(chromedp.ID("state-select"), "triage"), chromedp.Click(chromedp.ID("state-submit")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	step(t, ctx, "subject", chromedp.Click(chromedp.CSS(".card h2 a")), chromedp.WaitVisible(chromedp.CSS("#reasons")))
	shot(t, ctx, dir, "demo-03-subject")
	step(t, ctx, "back", chromedp.NavigateBack(), chromedp.WaitVisible(chromedp.ID("state-select")))
	step(t, ctx, "close",
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("state-select"); s.value = "closed_confirmed"; s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`),
		chromedp.SendKeys(chromedp.ID("reason"), "Shared laptop-farm IP, shared MFA device and shipping address with other cell members"),
		chromedp.Click(chromedp.ID("state-submit")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	shot(t, ctx, dir, "demo-04-closed")
	if tr := text(t, ctx, "#trail li:first-child"); !strings.Contains(tr, "case.close") || !strings.Contains(tr, user) {
		t.Fatalf("trail %q", tr)
	}
	step(t, ctx, "status", chromedp.Navigate(base+"/status"), chromedp.WaitVisible(chromedp.CSS("h1")))
	shot(t, ctx, dir, "demo-05-status")
}
