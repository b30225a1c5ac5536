package sanctions

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestDebugQueries prints the matches of DEBUG_Q ("|"-separated names)
// against the shared OFAC+UN index; a tool for looking at the matcher.
func TestDebugQueries(t *testing.T) {
	qs := os.Getenv("DEBUG_Q")
	if qs == "" {
		t.Skip("set DEBUG_Q to names separated by |")
	}
	ix := benchIndex(t)
	for _, q := range strings.Split(qs, "|") {
		ms := ix.Screen(Query{Name: q, Limit: 3})
		b, _ := json.MarshalIndent(ms, "", " ")
		t.Logf("%s\n%s", q, b)
	}
}
