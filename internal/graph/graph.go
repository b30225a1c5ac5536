// Package graph links subjects (applicants, employees, contractors) that
// share identifiers — a phone, an e-mail mailbox, a bank account, a shipping
// address, a device, an IP — or that fuzzy person matching (internal/er)
// calls the same person. It is incremental: subjects, identifiers and links
// arrive one by one and clusters update as they do.
//
// Clusters are the connected components over non-generic links, kept in a
// union-find structure. A cluster's ID is derived from its smallest member
// subject ID ("cl:" + ID), so it is stable across runs and across the order
// records arrive in. Adding a link that joins clusters emits a merge event;
// an identifier turning generic or a subject being removed can cut a cluster
// in pieces and emits a split event.
//
// Generic identifiers: as in Senzing, an identifier shared by more subjects
// than its kind's threshold (a corporate office address, the company's own
// egress IP, a public Wi-Fi network, a payroll provider's pooled account) is
// generic. It stays in the graph, marked, but links nobody; when it crosses
// the threshold the links it made are withdrawn (a split). Identifiers can
// also be declared generic up front in the configuration.
//
// Memory: identifiers are interned to int32 indexes through a 64-bit hash
// table that checks the stored value on every hit, subjects likewise; edges
// are int32 slices. One million subjects with eight identifiers each take
// well under 2 GB (see docs/benchmarks/identity.md).
package graph

import (
	"hash/maphash"
	"sort"
	"strings"
	"sync"

	"github.com/redflag-dev/redflag/internal/model"
)

// Config tunes the graph.
type Config struct {
	// GenericThreshold: an identifier shared by more subjects than this is
	// generic and links nobody. Default 25.
	GenericThreshold int `koanf:"generic_threshold" json:"generic_threshold"`
	// KindThresholds overrides GenericThreshold per identifier kind.
	KindThresholds map[string]int `koanf:"kind_thresholds" json:"kind_thresholds,omitempty"`
	// Generic lists identifiers known to be generic, as "kind:value"
	// (e.g. "ip:203.0.113.10" for the office egress).
	Generic []string `koanf:"generic" json:"generic,omitempty"`
	// NoLink lists identifier kinds that never link (kept for display).
	NoLink []string `koanf:"no_link" json:"no_link,omitempty"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{GenericThreshold: 25, KindThresholds: map[string]int{}}
}

func (c Config) threshold(k model.IdentifierKind) int {
	if v, ok := c.KindThresholds[string(k)]; ok && v > 0 {
		return v
	}
	if c.GenericThreshold > 0 {
		return c.GenericThreshold
	}
	return 25
}

// EventKind is merge or split.
type EventKind string

const (
	Merge EventKind = "merge"
	Split EventKind = "split"
)

// Event reports a change of clusters. For a merge, From are the clusters
// that joined and Cluster the resulting one; for a split, Cluster is the
// cluster that was cut and Into the resulting ones.
type Event struct {
	Kind    EventKind `json:"kind"`
	Cluster string    `json:"cluster"`
	From    []string  `json:"from,omitempty"`
	Into    []string  `json:"into,omitempty"`
	Via     string    `json:"via"` // the identifier key or link reason that caused it
}

// Link is a direct link between two subjects (a fuzzy person match, a
// near-duplicate resume or photo).
type Link struct {
	A, B   string
	Reason string
	Weight float64
}

type dlink struct {
	other  int32
	reason string
	weight float64
}

// Graph is the identity graph. It is safe for concurrent use.
type Graph struct {
	mu  sync.RWMutex
	cfg Config

	seed     maphash.Seed
	subjIdx  map[string]int32
	subjects []string
	removed  []bool
	parent   []int32
	minOf    []int32 // per root: the member with the smallest ID
	sIdents  [][]int32
	sLinks   map[int32][]dlink

	idTable  map[uint64]int32
	idKind   []model.IdentifierKind
	idVal    []string
	idFirst  []int32           // first subject
	idMore   map[int32][]int32 // further subjects, only for shared identifiers
	idCount  []int32
	generic  []bool
	declared map[string]bool
	noLink   map[model.IdentifierKind]bool
}

// New returns an empty graph.
func New(cfg Config) *Graph {
	g := &Graph{cfg: cfg, seed: maphash.MakeSeed(), subjIdx: map[string]int32{}, sLinks: map[int32][]dlink{},
		idTable: map[uint64]int32{}, idMore: map[int32][]int32{}, declared: map[string]bool{}, noLink: map[model.IdentifierKind]bool{}}
	for _, k := range cfg.Generic {
		g.declared[k] = true
	}
	for _, k := range cfg.NoLink {
		g.noLink[model.IdentifierKind(k)] = true
	}
	return g
}

// Grow preallocates room for n subjects and m identifiers.
func (g *Graph) Grow(n, m int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.subjects) == 0 {
		g.subjIdx = make(map[string]int32, n)
		g.idTable = make(map[uint64]int32, m)
	}
	g.subjects = growCap(g.subjects, n)
	g.parent = growCap(g.parent, n)
	g.minOf = growCap(g.minOf, n)
	g.sIdents = growCap(g.sIdents, n)
	g.removed = growCap(g.removed, n)
	g.idKind = growCap(g.idKind, m)
	g.idVal = growCap(g.idVal, m)
	g.idFirst = growCap(g.idFirst, m)
	g.idCount = growCap(g.idCount, m)
	g.generic = growCap(g.generic, m)
}

func growCap[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	out := make([]T, len(s), len(s)+n)
	copy(out, s)
	return out
}

// Key renders an identifier as "kind:value".
func Key(k model.IdentifierKind, v string) string { return string(k) + ":" + v }

func (g *Graph) subject(id string) int32 {
	if i, ok := g.subjIdx[id]; ok {
		if g.removed[i] {
			g.removed[i] = false
		}
		return i
	}
	i := int32(len(g.subjects))
	g.subjIdx[id] = i
	g.subjects = append(g.subjects, id)
	g.parent = append(g.parent, i)
	g.minOf = append(g.minOf, i)
	g.sIdents = append(g.sIdents, nil)
	g.removed = append(g.removed, false)
	return i
}

func (g *Graph) hash(k model.IdentifierKind, v string) uint64 {
	var h maphash.Hash
	h.SetSeed(g.seed)
	h.WriteString(string(k))
	h.WriteByte(0)
	h.WriteString(v)
	return h.Sum64()
}

// lookup finds an identifier, probing past hash collisions.
func (g *Graph) lookup(k model.IdentifierKind, v string) (int32, uint64, bool) {
	h := g.hash(k, v)
	for {
		i, ok := g.idTable[h]
		if !ok {
			return -1, h, false
		}
		if g.idKind[i] == k && g.idVal[i] == v {
			return i, h, true
		}
		h = h*0x9e3779b97f4a7c15 + 1
	}
}

func (g *Graph) find(x int32) int32 {
	for g.parent[x] != x {
		g.parent[x] = g.parent[g.parent[x]]
		x = g.parent[x]
	}
	return x
}

func (g *Graph) clusterName(root int32) string { return "cl:" + g.subjects[g.minOf[root]] }

// union joins the clusters of a and b; it returns a merge event when they
// were different.
func (g *Graph) union(a, b int32, via string, events *[]Event) {
	ra, rb := g.find(a), g.find(b)
	if ra == rb {
		return
	}
	from := []string{g.clusterName(ra), g.clusterName(rb)}
	m := g.minOf[ra]
	if g.subjects[g.minOf[rb]] < g.subjects[m] {
		m = g.minOf[rb]
	}
	// union by index keeps it simple; path halving keeps finds short
	if ra < rb {
		g.parent[rb] = ra
		g.minOf[ra] = m
	} else {
		g.parent[ra] = rb
		g.minOf[rb] = m
	}
	if events != nil {
		sort.Strings(from)
		*events = append(*events, Event{Kind: Merge, Cluster: g.clusterName(g.find(a)), From: from, Via: via})
	}
}

func (g *Graph) linksVia(i int32) bool {
	return !g.generic[i] && !g.noLink[g.idKind[i]]
}

// identSubjects calls fn for each subject of identifier i.
func (g *Graph) identSubjects(i int32, fn func(int32)) {
	if g.idFirst[i] >= 0 {
		fn(g.idFirst[i])
	}
	for _, s := range g.idMore[i] {
		fn(s)
	}
}

// Add adds a subject with its identifiers (identifiers of other subjects in
// the slice are added for them). It returns the cluster events it caused.
func (g *Graph) Add(subjectID string, ids []model.Identifier) []Event {
	g.mu.Lock()
	defer g.mu.Unlock()
	var ev []Event
	if subjectID != "" {
		g.subject(subjectID)
	}
	for _, id := range ids {
		sid := id.SubjectID
		if sid == "" {
			sid = subjectID
		}
		if sid == "" || id.Value == "" {
			continue
		}
		g.addIdent(g.subject(sid), id.Kind, id.Value, &ev)
	}
	return ev
}

// AddIdentifier adds one identifier of one subject.
func (g *Graph) AddIdentifier(subjectID string, kind model.IdentifierKind, value string) []Event {
	if subjectID == "" || value == "" {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	var ev []Event
	g.addIdent(g.subject(subjectID), kind, value, &ev)
	return ev
}

func (g *Graph) addIdent(s int32, kind model.IdentifierKind, value string, ev *[]Event) {
	i, h, ok := g.lookup(kind, value)
	if !ok {
		i = int32(len(g.idVal))
		g.idTable[h] = i
		g.idKind = append(g.idKind, kind)
		g.idVal = append(g.idVal, value)
		g.idFirst = append(g.idFirst, s)
		g.idCount = append(g.idCount, 1)
		g.generic = append(g.generic, len(g.declared) > 0 && g.declared[Key(kind, value)])
		g.sIdents[s] = append(g.sIdents[s], i)
		return
	}
	// already linked to this subject?
	for _, x := range g.sIdents[s] {
		if x == i {
			return
		}
	}
	g.sIdents[s] = append(g.sIdents[s], i)
	g.idMore[i] = append(g.idMore[i], s)
	g.idCount[i]++
	if g.generic[i] {
		return
	}
	if int(g.idCount[i]) > g.cfg.threshold(kind) {
		g.makeGeneric(i, ev)
		return
	}
	if !g.noLink[kind] {
		g.union(s, g.idFirst[i], Key(kind, value), ev)
	}
}

// AddLink adds a direct link between two subjects.
func (g *Graph) AddLink(l Link) []Event {
	if l.A == "" || l.B == "" || l.A == l.B {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	a, b := g.subject(l.A), g.subject(l.B)
	for _, x := range g.sLinks[a] {
		if x.other == b && x.reason == l.Reason {
			return nil
		}
	}
	g.sLinks[a] = append(g.sLinks[a], dlink{b, l.Reason, l.Weight})
	g.sLinks[b] = append(g.sLinks[b], dlink{a, l.Reason, l.Weight})
	var ev []Event
	g.union(a, b, "link:"+l.Reason, &ev)
	return ev
}

// MarkGeneric declares an identifier generic; the links it made are withdrawn.
func (g *Graph) MarkGeneric(kind model.IdentifierKind, value string) []Event {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.declared[Key(kind, value)] = true
	i, _, ok := g.lookup(kind, value)
	if !ok || g.generic[i] {
		return nil
	}
	var ev []Event
	g.makeGeneric(i, &ev)
	return ev
}

// makeGeneric marks identifier i generic and recomputes the clusters it held
// together.
func (g *Graph) makeGeneric(i int32, ev *[]Event) {
	var roots []int32
	seen := map[int32]bool{}
	g.identSubjects(i, func(s int32) {
		r := g.find(s)
		if !seen[r] {
			seen[r] = true
			roots = append(roots, r)
		}
	})
	// members of the affected clusters, found before the identifier stops linking
	g.generic[i] = true
	var members []int32
	for _, r := range roots {
		members = append(members, g.oldCluster(r, i)...)
	}
	g.recluster(members, Key(g.idKind[i], g.idVal[i]), ev)
}

// oldCluster lists the members of s's union-find cluster by walking edges
// inside it: linking identifiers, direct links, and the identifier just
// made generic (which may be what held the cluster together).
func (g *Graph) oldCluster(s int32, justGeneric int32) []int32 {
	root := g.find(s)
	var out []int32
	seen := map[int32]bool{s: true}
	queue := []int32{s}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		out = append(out, x)
		visit := func(y int32) {
			if !seen[y] && g.find(y) == root {
				seen[y] = true
				queue = append(queue, y)
			}
		}
		for _, i := range g.sIdents[x] {
			if i == justGeneric || g.linksVia(i) {
				g.identSubjects(i, visit)
			}
		}
		for _, l := range g.sLinks[x] {
			visit(l.other)
		}
	}
	return out
}

// bfs walks linking edges from s up to maxHops (-1: unbounded) and calls
// step for each subject reached with its hop count and how it was reached.
func (g *Graph) bfs(s int32, maxHops int, step func(to, from int32, hops int, via string)) []int32 {
	hops := map[int32]int{s: 0}
	queue := []int32{s}
	var out []int32
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		out = append(out, x)
		h := hops[x]
		if maxHops >= 0 && h >= maxHops {
			continue
		}
		for _, i := range g.sIdents[x] {
			if !g.linksVia(i) {
				continue
			}
			g.identSubjects(i, func(y int32) {
				if _, ok := hops[y]; !ok && !g.removed[y] {
					hops[y] = h + 1
					queue = append(queue, y)
					if step != nil {
						step(y, x, h+1, Key(g.idKind[i], g.idVal[i]))
					}
				}
			})
		}
		for _, l := range g.sLinks[x] {
			if _, ok := hops[l.other]; !ok && !g.removed[l.other] {
				hops[l.other] = h + 1
				queue = append(queue, l.other)
				if step != nil {
					step(l.other, x, h+1, "link:"+l.reason)
				}
			}
		}
	}
	return out
}

// recluster recomputes the clusters of members (a union of old clusters)
// and reports a split when they fall apart.
func (g *Graph) recluster(members []int32, via string, ev *[]Event) {
	if len(members) == 0 {
		return
	}
	oldName := make([]string, len(members))
	for k, m := range members {
		oldName[k] = g.clusterName(g.find(m))
	}
	for _, m := range members {
		g.parent[m] = m
		g.minOf[m] = m
	}
	done := map[int32]bool{}
	for _, m := range members {
		if done[m] || g.removed[m] {
			continue
		}
		for _, c := range g.bfs(m, -1, nil) {
			done[c] = true
			if c != m {
				g.union(m, c, "", nil)
			}
		}
	}
	if ev == nil {
		return
	}
	into := map[string]map[string]bool{}
	for k, m := range members {
		if g.removed[m] {
			continue
		}
		if into[oldName[k]] == nil {
			into[oldName[k]] = map[string]bool{}
		}
		into[oldName[k]][g.clusterName(g.find(m))] = true
	}
	olds := make([]string, 0, len(into))
	for o := range into {
		olds = append(olds, o)
	}
	sort.Strings(olds)
	for _, o := range olds {
		if len(into[o]) < 2 {
			continue
		}
		var names []string
		for n := range into[o] {
			names = append(names, n)
		}
		sort.Strings(names)
		*ev = append(*ev, Event{Kind: Split, Cluster: o, Into: names, Via: via})
	}
}

// Remove takes a subject out of the graph (erasure, or a record withdrawn);
// its cluster may split.
func (g *Graph) Remove(subjectID string) []Event {
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.subjIdx[subjectID]
	if !ok || g.removed[s] {
		return nil
	}
	members := g.oldCluster(s, -1)
	g.removed[s] = true
	for _, i := range g.sIdents[s] {
		g.dropFromIdent(i, s)
	}
	g.sIdents[s] = nil
	for _, l := range g.sLinks[s] {
		ls := g.sLinks[l.other][:0]
		for _, x := range g.sLinks[l.other] {
			if x.other != s {
				ls = append(ls, x)
			}
		}
		g.sLinks[l.other] = ls
	}
	delete(g.sLinks, s)
	rest := members[:0]
	for _, m := range members {
		if m != s {
			rest = append(rest, m)
		}
	}
	var ev []Event
	g.parent[s], g.minOf[s] = s, s
	g.recluster(rest, "remove:"+subjectID, &ev)
	return ev
}

func (g *Graph) dropFromIdent(i, s int32) {
	if g.idFirst[i] == s {
		if more := g.idMore[i]; len(more) > 0 {
			g.idFirst[i] = more[0]
			g.idMore[i] = more[1:]
		} else {
			g.idFirst[i] = -1
		}
	} else {
		more := g.idMore[i][:0]
		for _, x := range g.idMore[i] {
			if x != s {
				more = append(more, x)
			}
		}
		g.idMore[i] = more
	}
	if len(g.idMore[i]) == 0 {
		delete(g.idMore, i)
	}
	g.idCount[i]--
}

// Cluster returns the cluster ID of a subject, or "" when unknown.
func (g *Graph) Cluster(subjectID string) string {
	g.mu.Lock() // find compresses paths
	defer g.mu.Unlock()
	s, ok := g.subjIdx[subjectID]
	if !ok || g.removed[s] {
		return ""
	}
	return g.clusterName(g.find(s))
}

// Members lists the subjects of the subject's cluster, sorted.
func (g *Graph) Members(subjectID string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	s, ok := g.subjIdx[subjectID]
	if !ok || g.removed[s] {
		return nil
	}
	var out []string
	for _, m := range g.bfs(s, -1, nil) {
		out = append(out, g.subjects[m])
	}
	sort.Strings(out)
	return out
}

// Reached is a subject found by Expand.
type Reached struct {
	Subject string `json:"subject"`
	Hops    int    `json:"hops"`
	From    string `json:"from"` // the subject it was reached from
	Via     string `json:"via"`  // the identifier key or "link:<reason>"
}

// Expand lists everyone within maxHops links of the subject through
// non-generic identifiers and direct links, nearest first. Each entry says
// which link reached it, for evidence.
func (g *Graph) Expand(subjectID string, maxHops int) []Reached {
	g.mu.RLock()
	defer g.mu.RUnlock()
	s, ok := g.subjIdx[subjectID]
	if !ok || g.removed[s] {
		return nil
	}
	var out []Reached
	g.bfs(s, maxHops, func(to, from int32, hops int, via string) {
		out = append(out, Reached{Subject: g.subjects[to], Hops: hops, From: g.subjects[from], Via: via})
	})
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Hops != out[j].Hops {
			return out[i].Hops < out[j].Hops
		}
		return out[i].Subject < out[j].Subject
	})
	return out
}

// IdentifierView is one identifier of a subject as Show reports it.
type IdentifierView struct {
	Kind     model.IdentifierKind `json:"kind"`
	Value    string               `json:"value"`
	Generic  bool                 `json:"generic"`
	Shared   int                  `json:"shared_by"` // subjects holding it
	Others   []string             `json:"others,omitempty"`
	NoLink   bool                 `json:"no_link,omitempty"`
	Declared bool                 `json:"declared_generic,omitempty"`
}

// SubjectView is what Show returns.
type SubjectView struct {
	Subject     string           `json:"subject"`
	Cluster     string           `json:"cluster"`
	Members     []string         `json:"members"`
	Identifiers []IdentifierView `json:"identifiers"`
	Links       []Link           `json:"links,omitempty"`
}

// MaxOthers bounds the other subjects listed per identifier in Show.
const MaxOthers = 50

// Show describes a subject: its cluster, its identifiers and who else holds
// each of them, and its direct links.
func (g *Graph) Show(subjectID string) (SubjectView, bool) {
	members := g.Members(subjectID)
	if members == nil {
		return SubjectView{}, false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.subjIdx[subjectID]
	v := SubjectView{Subject: subjectID, Cluster: g.clusterName(g.find(s)), Members: members}
	g.mu.Unlock()
	v.Identifiers = g.IdentifiersOf(subjectID)
	v.Links = g.LinksOf(subjectID)
	g.mu.Lock()
	return v, true
}

// SharedIdentifier is an identifier held by several subjects.
type SharedIdentifier struct {
	Kind     model.IdentifierKind
	Value    string
	Generic  bool
	Subjects []string
}

// Shared calls fn for every identifier held by at least min subjects (of
// the given kinds; all kinds when none), in a stable order.
func (g *Graph) Shared(min int, kinds []model.IdentifierKind, fn func(SharedIdentifier)) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	want := map[model.IdentifierKind]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	idx := make([]int32, 0, len(g.idMore))
	for i := range g.idMore {
		if int(g.idCount[i]) >= min && (len(want) == 0 || want[g.idKind[i]]) {
			idx = append(idx, i)
		}
	}
	sort.Slice(idx, func(a, b int) bool {
		if g.idKind[idx[a]] != g.idKind[idx[b]] {
			return g.idKind[idx[a]] < g.idKind[idx[b]]
		}
		return g.idVal[idx[a]] < g.idVal[idx[b]]
	})
	for _, i := range idx {
		si := SharedIdentifier{Kind: g.idKind[i], Value: g.idVal[i], Generic: g.generic[i]}
		g.identSubjects(i, func(y int32) {
			if y >= 0 {
				si.Subjects = append(si.Subjects, g.subjects[y])
			}
		})
		sort.Strings(si.Subjects)
		fn(si)
	}
}

// IsGeneric reports whether an identifier is generic (by count or declared).
func (g *Graph) IsGeneric(kind model.IdentifierKind, value string) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.declared[Key(kind, value)] {
		return true
	}
	i, _, ok := g.lookup(kind, value)
	return ok && g.generic[i]
}

// SubjectsOf lists the subjects holding an identifier.
func (g *Graph) SubjectsOf(kind model.IdentifierKind, value string) []string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	i, _, ok := g.lookup(kind, value)
	if !ok {
		return nil
	}
	var out []string
	g.identSubjects(i, func(y int32) {
		if y >= 0 {
			out = append(out, g.subjects[y])
		}
	})
	sort.Strings(out)
	return out
}

// Stats summarises the graph.
type Stats struct {
	Subjects    int `json:"subjects"`
	Identifiers int `json:"identifiers"`
	Shared      int `json:"shared_identifiers"`
	Generic     int `json:"generic_identifiers"`
	Links       int `json:"links"`
	Clusters    int `json:"clusters"`   // clusters of two or more subjects
	Largest     int `json:"largest"`    // size of the largest cluster
	Singletons  int `json:"singletons"` // subjects linked to nobody
}

// Stats counts subjects, identifiers and clusters.
func (g *Graph) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := Stats{Identifiers: len(g.idVal), Shared: len(g.idMore)}
	for _, x := range g.generic {
		if x {
			st.Generic++
		}
	}
	for _, ls := range g.sLinks {
		st.Links += len(ls)
	}
	st.Links /= 2
	size := map[int32]int{}
	for s := range g.subjects {
		if g.removed[s] {
			continue
		}
		st.Subjects++
		size[g.find(int32(s))]++
	}
	for _, n := range size {
		if n > 1 {
			st.Clusters++
		} else {
			st.Singletons++
		}
		if n > st.Largest {
			st.Largest = n
		}
	}
	return st
}

// ParseKey splits "kind:value".
func ParseKey(k string) (model.IdentifierKind, string, bool) {
	kind, v, ok := strings.Cut(k, ":")
	return model.IdentifierKind(kind), v, ok
}

// LinksOf lists a subject's direct links.
func (g *Graph) LinksOf(subjectID string) []Link {
	g.mu.RLock()
	defer g.mu.RUnlock()
	s, ok := g.subjIdx[subjectID]
	if !ok || g.removed[s] {
		return nil
	}
	var out []Link
	for _, l := range g.sLinks[s] {
		out = append(out, Link{A: subjectID, B: g.subjects[l.other], Reason: l.reason, Weight: l.weight})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].B != out[j].B {
			return out[i].B < out[j].B
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

// IdentifiersOf lists a subject's identifiers with the other subjects
// holding each (at most MaxOthers) and whether it is generic.
func (g *Graph) IdentifiersOf(subjectID string) []IdentifierView {
	g.mu.RLock()
	defer g.mu.RUnlock()
	s, ok := g.subjIdx[subjectID]
	if !ok || g.removed[s] {
		return nil
	}
	out := make([]IdentifierView, 0, len(g.sIdents[s]))
	for _, i := range g.sIdents[s] {
		iv := IdentifierView{Kind: g.idKind[i], Value: g.idVal[i], Generic: g.generic[i], Shared: int(g.idCount[i]),
			NoLink: g.noLink[g.idKind[i]], Declared: g.declared[Key(g.idKind[i], g.idVal[i])]}
		g.identSubjects(i, func(y int32) {
			if y != s && len(iv.Others) < MaxOthers {
				iv.Others = append(iv.Others, g.subjects[y])
			}
		})
		sort.Strings(iv.Others)
		out = append(out, iv)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Kind != out[b].Kind {
			return out[a].Kind < out[b].Kind
		}
		return out[a].Value < out[b].Value
	})
	return out
}
