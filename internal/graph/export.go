package graph

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// ExportCluster is one cluster in the JSON export.
type ExportCluster struct {
	ID      string   `json:"id"`
	Members []string `json:"members"`
}

// ExportIdentifier is one shared identifier in the JSON export.
type ExportIdentifier struct {
	Kind     string   `json:"kind"`
	Value    string   `json:"value"`
	Generic  bool     `json:"generic"`
	Subjects []string `json:"subjects"`
}

// ExportLink is one direct link in the JSON export.
type ExportLink struct {
	A      string  `json:"a"`
	B      string  `json:"b"`
	Reason string  `json:"reason"`
	Weight float64 `json:"weight,omitempty"`
}

// Export writes the graph as one JSON object:
//
//	{"stats":{...},"clusters":[{"id","members"}...],
//	 "identifiers":[{"kind","value","generic","subjects"}...],
//	 "links":[{"a","b","reason","weight"}...]}
//
// Clusters of one subject are left out, as are identifiers held by one
// subject; generic identifiers are listed (marked) with at most MaxOthers
// subjects. The output is streamed and sorted, so the same graph always
// gives the same bytes.
func (g *Graph) Export(w io.Writer) error {
	bw := bufio.NewWriter(w)
	st := g.Stats()
	sb, _ := json.Marshal(st)
	fmt.Fprintf(bw, "{\"stats\":%s,\n\"clusters\":[", sb)
	g.mu.Lock()
	byRoot := map[int32][]string{}
	for s := range g.subjects {
		if !g.removed[s] {
			r := g.find(int32(s))
			byRoot[r] = append(byRoot[r], g.subjects[s])
		}
	}
	var clusters []ExportCluster
	for r, ms := range byRoot {
		if len(ms) > 1 {
			sort.Strings(ms)
			clusters = append(clusters, ExportCluster{ID: g.clusterName(r), Members: ms})
		}
	}
	var links []ExportLink
	for s, ls := range g.sLinks {
		for _, l := range ls {
			if a, b := g.subjects[s], g.subjects[l.other]; a < b {
				links = append(links, ExportLink{A: a, B: b, Reason: l.reason, Weight: l.weight})
			}
		}
	}
	g.mu.Unlock()
	sort.Slice(clusters, func(i, j int) bool { return clusters[i].ID < clusters[j].ID })
	enc := func(first bool, v any) error {
		if !first {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = bw.Write(b)
		return err
	}
	for i, c := range clusters {
		if err := enc(i == 0, c); err != nil {
			return fmt.Errorf("export cluster: %w", err)
		}
	}
	bw.WriteString("],\n\"identifiers\":[")
	n := 0
	var err error
	g.Shared(2, nil, func(si SharedIdentifier) {
		if err != nil {
			return
		}
		subs := si.Subjects
		if si.Generic && len(subs) > MaxOthers {
			subs = subs[:MaxOthers]
		}
		err = enc(n == 0, ExportIdentifier{Kind: string(si.Kind), Value: si.Value, Generic: si.Generic, Subjects: subs})
		n++
	})
	if err != nil {
		return fmt.Errorf("export identifier: %w", err)
	}
	bw.WriteString("],\n\"links\":[")
	sort.Slice(links, func(i, j int) bool {
		if links[i].A != links[j].A {
			return links[i].A < links[j].A
		}
		if links[i].B != links[j].B {
			return links[i].B < links[j].B
		}
		return links[i].Reason < links[j].Reason
	})
	for i, l := range links {
		if err := enc(i == 0, l); err != nil {
			return fmt.Errorf("export link: %w", err)
		}
	}
	bw.WriteString("]}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}
