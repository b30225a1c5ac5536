package app

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

type fakeScreener struct{}

func (fakeScreener) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"hits":[]}`) })
}

func TestScreenHandlerIsLoose(t *testing.T) {
	if screenHandler(nil) != nil || screenHandler(42) != nil {
		t.Fatal("non-handlers mounted")
	}
	if screenHandler(fakeScreener{}) == nil || screenHandler(http.NotFoundHandler()) == nil {
		t.Fatal("handler-producing services not mounted")
	}
}

// TestServeCreatesDemoAdmin runs Serve on a free port with demo credentials
// and logs in with them.
func TestServeCreatesDemoAdmin(t *testing.T) {
	a := &App{dataDir: t.TempDir(), logLevel: "error"}
	if err := a.load(); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- a.Serve(ctx, ServeOptions{Addr: "127.0.0.1:0", DemoUser: "admin", DemoPassword: "one-time-demo-pw", Ready: func(addr string) { ready <- addr }})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	base := "http://" + addr
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(b))[1]
	resp, err = c.PostForm(base+"/login", url.Values{"csrf": {tok}, "user": {"admin"}, "password": {"one-time-demo-pw"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "Case queue") || !strings.Contains(string(b), "admin") {
		t.Fatalf("demo admin login: %d", resp.StatusCode)
	}
	resp, err = c.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "redflag_http_requests_total") || !strings.Contains(string(b), `redflag_cases{state="open"}`) {
		t.Fatalf("metrics lack redflag series:\n%.400s", b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
