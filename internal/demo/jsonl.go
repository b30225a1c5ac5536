package demo

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// writeJSONL creates path and lets fill encode JSON Lines into it through a
// buffered writer; the file is flushed and closed, and closed on error too.
func writeJSONL(path string, fill func(enc *json.Encoder) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := fill(json.NewEncoder(bw)); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}
