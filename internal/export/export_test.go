package export

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/cases"
	"github.com/redflag-dev/redflag/internal/model"
	"github.com/redflag-dev/redflag/internal/store"
	"github.com/redflag-dev/redflag/internal/store/sqlstore"
)

func TestWebhookSignedWithRetryAndBackoff(t *testing.T) {
	secret := []byte("s3cret")
	var calls atomic.Int32
	var got Payload
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get(TimestampHeader), 10, 64)
		if !Verify(secret, ts, body, r.Header.Get(SignatureHeader)) {
			w.WriteHeader(401)
			return
		}
		if n < 3 {
			w.WriteHeader(503)
			return
		}
		json.Unmarshal(body, &got)
		w.WriteHeader(204)
	}))
	defer srv.Close()
	var waits []time.Duration
	var outcomes []string
	h := &Webhook{URL: srv.URL, Secret: secret, BaseDelay: 100 * time.Millisecond,
		Sleep:    func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil },
		OnResult: func(o string) { outcomes = append(outcomes, o) }}
	if err := h.Send(context.Background(), Payload{Event: "case.open", Seq: 7}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 || got.Seq != 7 {
		t.Fatalf("calls %d payload %+v", calls.Load(), got)
	}
	if len(waits) != 2 || waits[0] != 100*time.Millisecond || waits[1] != 200*time.Millisecond {
		t.Fatalf("backoff %v, want 100ms then 200ms", waits)
	}
	if strings.Join(outcomes, ",") != "retry,retry,ok" {
		t.Fatalf("outcomes %v", outcomes)
	}
	// A wrong secret is refused (401) and not retried.
	calls.Store(10)
	bad := &Webhook{URL: srv.URL, Secret: []byte("wrong"), Sleep: h.Sleep}
	if err := bad.Send(context.Background(), Payload{Event: "x"}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong secret: %v", err)
	}
	if calls.Load() != 11 {
		t.Fatalf("4xx was retried: %d calls", calls.Load()-10)
	}
	if Verify(secret, 1, []byte("a"), Sign(secret, 2, []byte("a"))) {
		t.Fatal("signature does not cover the timestamp")
	}
}

func TestFollowerDeliversCaseChangesOnce(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "e.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.UpsertSubjects(ctx, []model.Subject{{ID: "s1", Kind: model.KindEmployee, FullName: "A"}})
	st.AppendAudit(ctx, model.AuditEntry{At: time.Now(), Actor: "ann", Action: "login", Object: "user:ann"})
	svc := &cases.Service{Store: st}
	c, err := svc.Open(ctx, "", "ann", cases.OpenRequest{Title: "T", SubjectIDs: []string{"s1"}})
	if err != nil {
		t.Fatal(err)
	}
	var sent []Payload
	fail := false
	f := &Follower{Store: st, Name: "t", Send: func(ctx context.Context, p Payload) error {
		if fail {
			return io.ErrUnexpectedEOF
		}
		sent = append(sent, p)
		return nil
	}}
	if n, err := f.Poll(ctx); err != nil || n != 1 || sent[0].Event != "case.open" || sent[0].Case == nil || sent[0].Case.ID != c.ID {
		t.Fatalf("first poll: %d %v %+v", n, err, sent)
	}
	if n, _ := f.Poll(ctx); n != 0 {
		t.Fatalf("second poll re-sent %d", n)
	}
	svc.Transition(ctx, "", "ann", c.ID, model.CaseTriage, "", "")
	fail = true
	if _, err := f.Poll(ctx); err == nil {
		t.Fatal("failed delivery not reported")
	}
	fail = false
	if n, _ := f.Poll(ctx); n != 1 || sent[1].Event != "case.state" || sent[1].After != "state=triage" {
		t.Fatalf("retry after failure: %d %+v", n, sent)
	}
	// A case change buried under more than a page of other entries is found.
	svc.Assign(ctx, "", "ann", c.ID, "bob")
	for i := 0; i < 1100; i++ {
		st.AppendAudit(ctx, model.AuditEntry{At: time.Now(), Actor: "ann", Action: "subject.view", Object: "subject:s1"})
	}
	if n, _ := f.Poll(ctx); n != 1 || sent[2].Event != "case.assign" {
		t.Fatalf("buried case change: %d %+v", n, sent[len(sent)-1])
	}
}

func TestCEFEscapingAndSyslog(t *testing.T) {
	c := &model.Case{ID: "c1", Title: "a|b", State: model.CaseOpen, Level: model.LevelHigh, Score: 72, SubjectIDs: []string{"s1", "s2"}}
	line := CEF(Payload{Event: "case.open", Seq: 3, At: time.Unix(1700000000, 0), Actor: "x=y", After: "line1\nline2", Case: c}, "1.0")
	if !strings.HasPrefix(line, "CEF:0|redflag|redflag|1.0|case.open|case.open a\\|b|8|") {
		t.Fatalf("header %q", line)
	}
	for _, want := range []string{`suser=x\=y`, `cs6=line1\nline2`, "cs1=c1", "cs3=s1,s2", "cn1=72"} {
		if !strings.Contains(line, want) {
			t.Fatalf("%q missing %q", line, want)
		}
	}
	// UDP: one datagram per message.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	sl, err := ParseSyslogURL("udp://" + pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	sl.Hostname = "h1"
	if err := sl.Send(context.Background(), line, time.Unix(1700000000, 0)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); !strings.HasPrefix(got, "<110>1 2023-11-14T22:13:20Z h1 redflag - case - CEF:0|") {
		t.Fatalf("syslog datagram %q", got)
	}
	// TCP: octet-counted framing.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- ""
			return
		}
		b, _ := io.ReadAll(c)
		done <- string(b)
	}()
	tl, _ := ParseSyslogURL("tcp://" + ln.Addr().String())
	tl.Hostname = "h1"
	tl.Send(context.Background(), "hello", time.Unix(0, 0))
	tl.Close()
	got := <-done
	sp := strings.IndexByte(got, ' ')
	if n, _ := strconv.Atoi(got[:sp]); n != len(got)-sp-1 {
		t.Fatalf("octet count %q", got)
	}
	if _, err := ParseSyslogURL("http://x"); err == nil {
		t.Fatal("http scheme accepted")
	}
}

func TestCaseReportHoldsEvidenceAndTrail(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.UpsertSubjects(ctx, []model.Subject{{ID: "s1", Kind: model.KindEmployee, FullName: "<b>Eve</b>", Email: "eve@example.com"}})
	ev := model.Event{ID: "e1", Kind: model.EvEndpoint, Time: time.Now().UTC(), SubjectID: "s1", Source: "osquery", SourceRef: "osq.log:9"}
	st.PutEvents(ctx, []model.Event{ev})
	f := model.Finding{ID: "f1", SubjectID: "s1", Detector: "d", Code: "END_IPKVM", Title: "IP-KVM", Family: model.FamEndpoint, Severity: 1, Time: ev.Time, Evidence: []model.EvidenceRef{{Kind: model.EvEvent, ID: "e1", Note: "PiKVM"}}}
	st.ReplaceFindings(ctx, "", []string{"d"}, []model.Finding{f})
	st.PutRisks(ctx, []model.Risk{{SubjectID: "s1", Score: 90, Level: model.LevelCritical, Reasons: []model.Reason{{Code: "END_IPKVM", Title: "IP-KVM", Contribution: 6, FindingIDs: []string{"f1"}, Evidence: f.Evidence}}}})
	svc := &cases.Service{Store: st}
	c, _ := svc.Open(ctx, "", "ann", cases.OpenRequest{SubjectIDs: []string{"s1"}})
	svc.AddNote(ctx, "", "ann", c.ID, "checked the laptop", "https://dms/x.pdf")
	svc.Transition(ctx, "", "ann", c.ID, model.CaseConfirmed, "confirmed", "KVM present")
	var b bytes.Buffer
	if err := CaseReport(ctx, st, "", c.ID, false, &b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"@media print", "Decision: confirmed", "KVM present", "END_IPKVM", "PiKVM", "osq.log:9", "https://dms/x.pdf", "case.close", "case.open", "&lt;b&gt;Eve&lt;/b&gt;", "eve@example.com"} {
		if !strings.Contains(out, want) {
			t.Fatalf("report lacks %q", want)
		}
	}
	b.Reset()
	CaseReport(ctx, st, "", c.ID, true, &b)
	if strings.Contains(b.String(), "eve@example.com") {
		t.Fatal("masked report shows the e-mail")
	}
	if err := CaseReport(ctx, st, "", "nope", false, &b); err == nil || !strings.Contains(err.Error(), store.ErrNotFound.Error()) {
		t.Fatalf("missing case: %v", err)
	}
}
