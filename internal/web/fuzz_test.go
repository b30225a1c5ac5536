package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// FuzzIngestJSONL feeds arbitrary bodies to both ingest endpoints: they must
// answer with a report (200 or 422), never panic or 500.
func FuzzIngestJSONL(f *testing.F) {
	for _, p := range []string{"testdata/ingest/records.jsonl", "testdata/ingest/events.jsonl"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		for _, line := range bytes.Split(b, []byte("\n")) {
			f.Add(line)
		}
	}
	f.Add([]byte("{\"person_id\":\"x\",\"kind\":\"employee\"}\n\n\n{"))
	e := newEnv(f, 12, Options{Sink: &sinkRecorder{}})
	tok, _, err := e.am.NewToken(f.Context(), "ann", "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, path := range []string{"/api/v1/ingest/records", "/api/v1/ingest/events"} {
			req := httptest.NewRequest("POST", path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			w := httptest.NewRecorder()
			e.srv.ServeHTTP(w, req)
			if w.Code != http.StatusOK && w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("%s: status %d: %s", path, w.Code, w.Body.String())
			}
		}
	})
}

func TestIngestSamples(t *testing.T) {
	sink := &sinkRecorder{}
	e := newEnv(t, 12, Options{Sink: sink})
	tok, _, _ := e.am.NewToken(t.Context(), "ann", "t")
	for path, file := range map[string]string{"/api/v1/ingest/records": "testdata/ingest/records.jsonl", "/api/v1/ingest/events": "testdata/ingest/events.jsonl"} {
		b, _ := os.ReadFile(file)
		code, rep := apiDo(t, e, tok, "POST", path, string(b))
		if code != 200 || rep["accepted"].(float64) != 2 || rep["rejected"].(float64) != 1 {
			t.Fatalf("%s: %d %v", path, code, rep)
		}
	}
	if len(sink.subjects) != 2 || len(sink.events) != 2 || sink.events[0].SignIn.IPInfo.VPNOperator != "astrill" {
		t.Fatalf("sink got %d subjects, %d events", len(sink.subjects), len(sink.events))
	}
}
