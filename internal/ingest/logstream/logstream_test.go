package logstream

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

type rec struct {
	line int
	raw  string
}

func collect(t *testing.T, in string) ([]rec, []int) {
	t.Helper()
	var out []rec
	var bad []int
	err := Each(context.Background(), strings.NewReader(in), func(l int, raw []byte) error {
		out = append(out, rec{l, string(raw)})
		return nil
	}, func(l int, err error) { bad = append(bad, l) })
	if err != nil {
		t.Fatalf("Each: %v", err)
	}
	return out, bad
}

func TestShapes(t *testing.T) {
	cases := []struct {
		name, in string
		want     []rec
		bad      []int
	}{
		{"lines", "{\"a\":1}\n\n{\"a\":2}\r\n", []rec{{1, `{"a":1}`}, {3, `{"a":2}`}}, nil},
		{"bad line goes on", "{\"a\":1}\n{\"a\":\n{\"a\":3}\n", []rec{{1, `{"a":1}`}, {2, `{"a":`}, {3, `{"a":3}`}}, nil},
		{"bad first line", "{\"a\":\n{\"a\":3}\n", []rec{{2, `{"a":3}`}}, []int{1}},
		{"array", "[\n{\"a\":1},\n\n{\"a\":2}]", []rec{{2, `{"a":1}`}, {4, `{"a":2}`}}, nil},
		{"pretty envelope", "{\n \"x\": 1,\n \"value\": [\n  {\"id\":1},\n  {\"id\":2}\n ]\n}\n", []rec{{4, `{"id":1}`}, {5, `{"id":2}`}}, nil},
		{"records per line", `{"records":[{"a":1},{"a":2}]}` + "\n" + `{"records":[{"a":3}]}`, []rec{{1, `{"a":1}`}, {1, `{"a":2}`}, {2, `{"a":3}`}}, nil},
		{"pretty object", "{\n  \"a\": 1,\n  \"value\": \"x\"\n}\n", []rec{{1, `{"a":1,"value":"x"}`}}, nil},
		{"streamalert", `[{"data":{"a":1},"log":"okta:logevents","service":"x"}]`, []rec{{1, `{"a":1}`}}, nil},
		{"not object", "42\n{\"a\":1}\n", []rec{{2, `{"a":1}`}}, []int{1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, bad := collect(t, c.in)
			if fmt.Sprint(got) != fmt.Sprint(c.want) || fmt.Sprint(bad) != fmt.Sprint(c.bad) {
				t.Errorf("got %v bad %v, want %v bad %v", got, bad, c.want, c.bad)
			}
		})
	}
}

func TestLongStreamBoundedLines(t *testing.T) {
	var b bytes.Buffer
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "{\"i\":%d,\"pad\":%q}\n", i, strings.Repeat("x", 100))
	}
	n := 0
	err := Each(context.Background(), &b, func(l int, raw []byte) error {
		n++
		if l != n {
			return fmt.Errorf("line %d, want %d", l, n)
		}
		return nil
	}, nil)
	if err != nil || n != 20000 {
		t.Fatalf("n=%d err=%v", n, err)
	}
}

func FuzzEach(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":2}"))
	f.Add([]byte("[{\"a\":1},{\"a\":2}]"))
	f.Add([]byte("{\n\"records\":[{\"a\":1}]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Each(context.Background(), bytes.NewReader(data), func(l int, raw []byte) error {
			if l < 1 || len(raw) == 0 {
				t.Fatalf("line %d raw %q", l, raw)
			}
			return nil
		}, nil)
	})
}
