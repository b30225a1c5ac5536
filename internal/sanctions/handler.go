package sanctions

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// Screener holds the current index; it can be swapped when lists change
// while requests keep being served from the old one.
type Screener struct {
	ix    atomic.Pointer[Index]
	lists atomic.Pointer[[]ListInfo]
}

// NewScreener wraps an index.
func NewScreener(ix *Index, lists []ListInfo) *Screener {
	s := &Screener{}
	s.Swap(ix, lists)
	return s
}

// Swap replaces the index.
func (s *Screener) Swap(ix *Index, lists []ListInfo) {
	s.ix.Store(ix)
	s.lists.Store(&lists)
}

// Index returns the current index.
func (s *Screener) Index() *Index { return s.ix.Load() }

// Lists describes the loaded lists.
func (s *Screener) Lists() []ListInfo {
	if p := s.lists.Load(); p != nil {
		return *p
	}
	return nil
}

// Screen screens a name.
func (s *Screener) Screen(q Query) []Match {
	ix := s.ix.Load()
	if ix == nil {
		return nil
	}
	return ix.Screen(q)
}

// ScreenCrypto screens a digital-currency address.
func (s *Screener) ScreenCrypto(addr string) []Match {
	ix := s.ix.Load()
	if ix == nil {
		return nil
	}
	return ix.ScreenCrypto(addr)
}

type screenResponse struct {
	Matches []Match `json:"matches"`
}

// NewHandler serves GET /api/v1/screen?name=&type=&birth_date=&country=&gender=&limit=&min_score=
// and answers {"matches":[...]} best first. Mount it at /api/v1/screen.
func NewHandler(s *Screener) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			httpError(w, http.StatusMethodNotAllowed, "use GET")
			return
		}
		v := r.URL.Query()
		q := Query{Name: strings.TrimSpace(v.Get("name")), Type: v.Get("type"), BirthDate: v.Get("birth_date"),
			Country: v.Get("country"), Gender: v.Get("gender")}
		if q.Name == "" {
			httpError(w, http.StatusBadRequest, "name is required")
			return
		}
		if len(q.Name) > 1000 {
			httpError(w, http.StatusBadRequest, "name is longer than 1000 bytes")
			return
		}
		if l := v.Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n < 1 || n > 100 {
				httpError(w, http.StatusBadRequest, "limit must be 1..100")
				return
			}
			q.Limit = n
		}
		if m := v.Get("min_score"); m != "" {
			f, err := strconv.ParseFloat(m, 64)
			if err != nil || f < 0 || f > 1 {
				httpError(w, http.StatusBadRequest, "min_score must be 0..1")
				return
			}
			q.MinScore = f
		}
		if q.BirthDate != "" && ParseDate(q.BirthDate) == "" {
			httpError(w, http.StatusBadRequest, "birth_date must be YYYY, YYYY-MM or YYYY-MM-DD")
			return
		}
		ms := s.Screen(q)
		if ms == nil {
			ms = []Match{}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(screenResponse{Matches: ms})
	})
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
