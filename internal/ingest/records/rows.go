// Package records reads HR, payroll, shipping, interview and device records
// from CSV or JSON Lines, streaming: it never holds more than one batch in
// memory. Each row is validated; a bad row is reported with its file, line
// and field and the rest of the file still lands. Column names follow
// docs/formats/records.md and can be remapped with a mapping file.
//
// encoding/csv and encoding/json do the reading; this package adds only the
// row abstraction over both, validation and mapping to the model.
package records

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Format is an input encoding.
type Format string

const (
	CSV   Format = "csv"
	JSONL Format = "jsonl"
)

// Row is one input record with its line number.
type Row struct {
	Line   int
	fields map[string]string
}

// Get returns a field's trimmed value ("" when absent).
func (r Row) Get(name string) string { return strings.TrimSpace(r.fields[name]) }

// Has reports whether the field is present and non-empty.
func (r Row) Has(name string) bool { return r.Get(name) != "" }

// Fields returns the row's fields (the map is owned by the row).
func (r Row) Fields() map[string]string { return r.fields }

// RowReader yields rows one at a time.
type RowReader interface {
	// Next returns the next row, io.EOF at the end, or a *LineError for a
	// line that cannot be read as a record; reading may continue after it.
	Next() (Row, error)
}

// LineError is a line that could not be decoded at all.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Mapping renames input columns to redflag's names: canonical -> input.
type Mapping map[string]string

// Sniff guesses the format from the file name, else from the first byte.
func Sniff(name string, br *bufio.Reader) Format {
	ln := strings.ToLower(name)
	switch {
	case strings.HasSuffix(ln, ".csv"):
		return CSV
	case strings.HasSuffix(ln, ".jsonl"), strings.HasSuffix(ln, ".ndjson"), strings.HasSuffix(ln, ".json"):
		return JSONL
	}
	for {
		b, err := br.Peek(1)
		if err != nil || len(b) == 0 {
			return CSV
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n', 0xEF, 0xBB, 0xBF:
			br.ReadByte()
			continue
		case '{':
			return JSONL
		}
		return CSV
	}
}

// NewRowReader returns a reader for the format; m may be nil.
func NewRowReader(r io.Reader, f Format, m Mapping) (RowReader, error) {
	inv := map[string]string{}
	for canon, in := range m {
		inv[strings.ToLower(strings.TrimSpace(in))] = canon
	}
	switch f {
	case CSV:
		return newCSVReader(r, inv)
	case JSONL:
		return newJSONLReader(r, inv), nil
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

func canonical(inv map[string]string, name string) string {
	n := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
	if c, ok := inv[n]; ok {
		return c
	}
	return n
}

type csvReader struct {
	cr     *csv.Reader
	header []string
}

func newCSVReader(r io.Reader, inv map[string]string) (*csvReader, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = false
	h, err := cr.Read()
	if err == io.EOF {
		return &csvReader{cr: cr}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read CSV header: %w", err)
	}
	header := make([]string, len(h))
	for i, c := range h {
		header[i] = canonical(inv, c)
	}
	return &csvReader{cr: cr, header: header}, nil
}

func (c *csvReader) Next() (Row, error) {
	if c.header == nil {
		return Row{}, io.EOF
	}
	for {
		rec, err := c.cr.Read()
		if err == io.EOF {
			return Row{}, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Row{}, &LineError{Line: pe.StartLine, Err: pe.Err}
			}
			return Row{}, err
		}
		line, _ := c.cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(rec) != len(c.header) {
			return Row{}, &LineError{Line: line, Err: fmt.Errorf("has %d fields, the header has %d", len(rec), len(c.header))}
		}
		m := make(map[string]string, len(rec))
		for i, v := range rec {
			m[c.header[i]] = v
		}
		return Row{Line: line, fields: m}, nil
	}
}

type jsonlReader struct {
	br   *bufio.Reader
	line int
	inv  map[string]string
}

func newJSONLReader(r io.Reader, inv map[string]string) *jsonlReader {
	return &jsonlReader{br: bufio.NewReaderSize(r, 64<<10), inv: inv}
}

// MaxLine bounds one JSON line (a resume can be long, a gigabyte cannot).
const MaxLine = 4 << 20

func (j *jsonlReader) Next() (Row, error) {
	for {
		raw, err := j.readLine()
		if err == io.EOF && len(raw) == 0 {
			return Row{}, io.EOF
		}
		j.line++
		if err != nil && err != io.EOF {
			return Row{}, &LineError{Line: j.line, Err: err}
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			if err == io.EOF {
				return Row{}, io.EOF
			}
			continue
		}
		var obj map[string]json.RawMessage
		if e := json.Unmarshal(raw, &obj); e != nil {
			return Row{}, &LineError{Line: j.line, Err: fmt.Errorf("not a JSON object: %v", e)}
		}
		m := make(map[string]string, len(obj))
		for k, v := range obj {
			s, e := scalar(v)
			if e != nil {
				return Row{}, &LineError{Line: j.line, Err: fmt.Errorf("field %q: %v", k, e)}
			}
			m[canonical(j.inv, k)] = s
		}
		return Row{Line: j.line, fields: m}, nil
	}
}

func (j *jsonlReader) readLine() ([]byte, error) {
	var buf []byte
	for {
		chunk, isPrefix, err := j.br.ReadLine()
		buf = append(buf, chunk...)
		if len(buf) > MaxLine {
			// Skip the rest of the over-long line.
			for isPrefix && err == nil {
				_, isPrefix, err = j.br.ReadLine()
			}
			return nil, fmt.Errorf("line longer than %d bytes", MaxLine)
		}
		if err != nil || !isPrefix {
			return buf, err
		}
	}
}

// scalar turns a JSON value into the string a CSV cell would hold: strings
// as they are, numbers and booleans as written, arrays of scalars joined
// with ';', null as "".
func scalar(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return "", nil
	}
	switch v[0] {
	case '"':
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	case '[':
		var arr []json.RawMessage
		if err := json.Unmarshal(v, &arr); err != nil {
			return "", err
		}
		parts := make([]string, 0, len(arr))
		for _, a := range arr {
			s, err := scalar(a)
			if err != nil {
				return "", err
			}
			if len(a) > 0 && (a[0] == '[' || a[0] == '{') {
				return "", errors.New("nested arrays or objects are not allowed")
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ";"), nil
	case '{':
		return "", errors.New("objects are not allowed as field values")
	case 't', 'f':
		var b bool
		err := json.Unmarshal(v, &b)
		return strconv.FormatBool(b), err
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil {
		return "", err
	}
	return n.String(), nil
}
