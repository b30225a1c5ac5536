package risk

import (
	"testing"
	"time"

	"github.com/redflag-dev/redflag/internal/model"
)

// FuzzParseConfig: any weight file either parses into a valid config or is
// refused with an error; a parsed one can score.
func FuzzParseConfig(f *testing.F) {
	f.Add(WeightsYAML())
	f.Add([]byte("version: x\nlevels: {medium: 1, high: 2, critical: 3}\nrepeat_factor: 0.5\n"))
	f.Add([]byte("version: [\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err != nil {
			return
		}
		if c.Validate() != nil {
			t.Fatal("ParseConfig returned an invalid config without error")
		}
		r := New(c, defs).Score("s1", []model.Finding{fnd("END_IPKVM", "k", now), fnd("NET_MANY_IPS", "a", now.Add(-time.Hour))}, now, "")
		if !(r.Score >= 0 && r.Score <= 100) {
			t.Fatalf("score %v", r.Score)
		}
	})
}
