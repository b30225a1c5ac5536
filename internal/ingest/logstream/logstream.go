// Package logstream reads the JSON containers that identity-provider logs
// arrive in, one record at a time, with the line each record starts on:
//
//   - JSON Lines (one object per line; the common export and streaming shape);
//   - a JSON array of records (saved API responses, StreamAlert fixtures);
//   - envelopes: {"records":[...]} (Azure diagnostic settings / Event Hub),
//     {"value":[...]} (Microsoft Graph pages) and {"items":[...]} (Google
//     Reports API pages), whether one per line or pretty-printed;
//   - StreamAlert test wrappers ({"data":{...},"log":...}), unwrapped.
//
// JSON Lines and arrays stream: memory is bounded by the largest record, not
// the file. A pretty-printed envelope streams its record array too. A line
// that is not valid JSON is reported through the error callback with its line
// number and reading goes on with the next line; a line that looks like an
// object is handed on unvalidated, for the handler's decoder to reject.
//
// It is our own code because encoding/json offers the token stream but not
// the container detection, envelope unwrapping and line tracking these logs
// need.
package logstream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxLine bounds one record in JSON Lines mode.
const MaxLine = 16 << 20

// Handler receives one record. raw is only valid during the call.
type Handler func(line int, raw []byte) error

// ErrorHandler receives a record that could not be read; reading goes on.
type ErrorHandler func(line int, err error)

// EnvelopeKeys are the top-level keys whose array holds the records.
var EnvelopeKeys = []string{"records", "value", "items"}

// Each calls fn for every record in r. It returns the first error fn
// returns, a context error, or an error that stops reading (I/O, a broken
// array); malformed lines in JSON Lines mode go to onErr.
func Each(ctx context.Context, r io.Reader, fn Handler, onErr ErrorHandler) error {
	if onErr == nil {
		onErr = func(int, error) {}
	}
	br := bufio.NewReaderSize(r, 256<<10)
	// Find the first non-space byte.
	line := 1
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read: %w", err)
		}
		if b == '\n' {
			line++
			continue
		}
		if b == ' ' || b == '\t' || b == '\r' || b == 0xEF || b == 0xBB || b == 0xBF { // BOM bytes too
			continue
		}
		_ = br.UnreadByte()
		if b == '[' {
			return eachDocument(ctx, br, line, fn, onErr)
		}
		break
	}
	// JSON Lines, unless the first line is not a complete value (then the
	// input is pretty-printed and read as a document stream).
	first, err := readLine(br)
	if err != nil && err != io.EOF {
		return fmt.Errorf("line %d: %w", line, err)
	}
	t := bytes.TrimSpace(first)
	if len(t) > 0 && !json.Valid(t) && err == nil {
		// Either a damaged first record, or a pretty-printed document. The
		// next line tells: in JSON Lines it is a whole record (or empty).
		first = append([]byte(nil), first...)
		second, err2 := readLine(br)
		if err2 != nil && err2 != io.EOF {
			return fmt.Errorf("line %d: %w", line+1, err2)
		}
		second = append([]byte(nil), second...)
		t2 := bytes.TrimSpace(second)
		if len(t2) > 0 && !json.Valid(t2) {
			rest := io.MultiReader(bytes.NewReader(first), bytes.NewReader(second), br)
			return eachDocument(ctx, bufio.NewReaderSize(rest, 64<<10), line, fn, onErr)
		}
		onErr(line, fmt.Errorf("malformed JSON: %s", syntaxErr(t)))
		line++
		t, err = t2, err2
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(t) > 0 {
			if err := handleValue(line, t, fn, onErr); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		line++
		first, err = readLine(br)
		if err != nil && err != io.EOF {
			if errors.Is(err, errLineTooLong) {
				onErr(line, err)
				continue
			}
			return fmt.Errorf("line %d: %w", line, err)
		}
		t = bytes.TrimSpace(first)
	}
}

var errLineTooLong = errors.New("record longer than 16 MiB")

func readLine(br *bufio.Reader) ([]byte, error) {
	b, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return b, err
	}
	buf := append([]byte(nil), b...)
	for {
		b, err = br.ReadSlice('\n')
		if len(buf)+len(b) > MaxLine {
			// Skip the rest of the line.
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			return nil, errLineTooLong
		}
		buf = append(buf, b...)
		if err != bufio.ErrBufferFull {
			return buf, err
		}
	}
}

// handleValue hands one complete JSON value (a line) to fn, expanding
// envelopes and arrays.
func handleValue(line int, v []byte, fn Handler, onErr ErrorHandler) error {
	if v[0] == '[' {
		var elems []json.RawMessage
		if err := json.Unmarshal(v, &elems); err != nil {
			onErr(line, fmt.Errorf("malformed JSON array: %w", err))
			return nil
		}
		for _, e := range elems {
			if err := handleValue(line, bytes.TrimSpace(e), fn, onErr); err != nil {
				return err
			}
		}
		return nil
	}
	if v[0] != '{' {
		onErr(line, fmt.Errorf("not a JSON object (starts with %q)", clip(v)))
		return nil
	}
	if elems, ok := envelope(v); ok {
		for _, e := range elems {
			e = bytes.TrimSpace(e)
			if len(e) == 0 || e[0] != '{' {
				onErr(line, fmt.Errorf("envelope element is not an object"))
				continue
			}
			if err := fn(line, unwrap(e)); err != nil {
				return err
			}
		}
		return nil
	}
	// Not validated here: the handler's decoder rejects a malformed record
	// (with this line number), and validating twice would halve throughput.
	return fn(line, unwrap(v))
}

func syntaxErr(v []byte) string {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return err.Error()
	}
	return "invalid"
}

func clip(b []byte) string {
	if len(b) > 20 {
		b = b[:20]
	}
	return string(b)
}

var (
	kRecords = []byte(`"records"`)
	kValue   = []byte(`"value"`)
	kItems   = []byte(`"items"`)
	kData    = []byte(`"data"`)
)

// envelope returns the records of an envelope object, if v is one. Only a
// top-level key counts, and only when its value is an array.
func envelope(v []byte) ([]json.RawMessage, bool) {
	if !bytes.Contains(v, kRecords) && !bytes.Contains(v, kValue) && !bytes.Contains(v, kItems) {
		return nil, false
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(v, &env); err != nil {
		return nil, false
	}
	for _, k := range EnvelopeKeys {
		raw, ok := env[k]
		if !ok {
			continue
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || raw[0] != '[' {
			continue
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, false
		}
		// A Google "items" page or Graph "value" page: records are objects.
		if len(elems) > 0 && bytes.TrimSpace(elems[0])[0] != '{' {
			continue
		}
		return elems, true
	}
	return nil, false
}

// unwrap returns the "data" member of a StreamAlert test wrapper
// ({"data":{...},"log":"...","service":"..."}), else v.
func unwrap(v []byte) []byte {
	if !bytes.Contains(v, kData) {
		return v
	}
	var w struct {
		Data    json.RawMessage `json:"data"`
		Log     *string         `json:"log"`
		Service *string         `json:"service"`
	}
	if err := json.Unmarshal(v, &w); err != nil || w.Log == nil || len(w.Data) == 0 || w.Data[0] != '{' {
		return v
	}
	return w.Data
}

// lineCounter counts the newlines the decoder has consumed, precisely: it
// remembers the offsets of newlines read ahead, and counts those before the
// decoder's input offset.
type lineCounter struct {
	r       io.Reader
	off     int64   // bytes read so far
	pending []int64 // newline offsets not yet counted
	base    int     // line number of offset 0
	counted int
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			c.pending = append(c.pending, c.off+int64(i))
		}
	}
	c.off += int64(n)
	return n, err
}

// lineAt returns the line of the byte at offset off (monotonic calls).
func (c *lineCounter) lineAt(off int64) int {
	i := 0
	for i < len(c.pending) && c.pending[i] < off {
		i++
	}
	c.counted += i
	c.pending = c.pending[i:]
	return c.base + c.counted
}

// eachDocument reads a stream of JSON documents (arrays, envelopes, objects)
// with a token decoder, streaming the records of arrays and envelopes.
func eachDocument(ctx context.Context, r io.Reader, line int, fn Handler, onErr ErrorHandler) error {
	lc := &lineCounter{r: r, base: line}
	dec := json.NewDecoder(lc)
	skipSpace := func() int64 {
		// InputOffset points after the previous token; records start after
		// whitespace, which the counter handles by counting newlines before
		// the record's first byte. Peek via Buffered.
		off := dec.InputOffset()
		buf, _ := io.ReadAll(io.LimitReader(dec.Buffered(), 4096))
		for _, b := range buf {
			if b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == ',' || b == ':' {
				off++
				continue
			}
			break
		}
		return off
	}
	emitRaw := func(raw json.RawMessage, at int) error {
		v := bytes.TrimSpace(raw)
		if len(v) == 0 {
			return nil
		}
		return handleValue(at, v, fn, onErr)
	}
	streamArray := func() error {
		for dec.More() {
			if err := ctx.Err(); err != nil {
				return err
			}
			at := lc.lineAt(skipSpace())
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fmt.Errorf("line %d: malformed array element: %w", at, err)
			}
			if err := emitRaw(raw, at); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // ']'
			return fmt.Errorf("line %d: %w", lc.lineAt(dec.InputOffset()), err)
		}
		return nil
	}
	for {
		at := lc.lineAt(skipSpace())
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("line %d: malformed JSON: %w", at, err)
		}
		switch tok {
		case json.Delim('['):
			if err := streamArray(); err != nil {
				return err
			}
		case json.Delim('{'):
			if err := objectDocument(dec, lc, at, skipSpace, streamArray, fn, onErr); err != nil {
				return err
			}
		default:
			onErr(at, fmt.Errorf("top-level value is not an object or array"))
		}
	}
}

// objectDocument reads the members of a top-level object whose '{' was
// consumed. An envelope key's array streams; otherwise the object is
// reassembled from its members and handed on as one record.
func objectDocument(dec *json.Decoder, lc *lineCounter, at int, skipSpace func() int64, streamArray func() error, fn Handler, onErr ErrorHandler) error {
	var members bytes.Buffer
	members.WriteByte('{')
	n := 0
	streamed := false
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return fmt.Errorf("line %d: malformed object: %w", at, err)
		}
		key, _ := kt.(string)
		isEnv := false
		for _, k := range EnvelopeKeys {
			if key == k {
				isEnv = true
			}
		}
		if isEnv {
			off := skipSpace()
			_ = off
			peek, _ := io.ReadAll(io.LimitReader(dec.Buffered(), 4096))
			p := bytes.TrimLeft(peek, " \t\r\n:")
			if len(p) > 0 && p[0] == '[' {
				// Peek the first element: envelopes hold objects.
				q := bytes.TrimLeft(p[1:], " \t\r\n")
				if len(q) == 0 || q[0] == '{' || q[0] == ']' {
					if _, err := dec.Token(); err != nil {
						return fmt.Errorf("line %d: %w", at, err)
					}
					if err := streamArray(); err != nil {
						return err
					}
					streamed = true
					continue
				}
			}
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("line %d: malformed object member %q: %w", at, key, err)
		}
		if n > 0 {
			members.WriteByte(',')
		}
		kb, _ := json.Marshal(key)
		members.Write(kb)
		members.WriteByte(':')
		members.Write(raw)
		n++
	}
	if _, err := dec.Token(); err != nil { // '}'
		return fmt.Errorf("line %d: %w", at, err)
	}
	if streamed {
		return nil
	}
	members.WriteByte('}')
	return handleValue(at, members.Bytes(), fn, onErr)
}
