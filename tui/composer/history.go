package composer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// maxHistory is how many sent lines are kept, in memory and on disk.
const maxHistory = 1000

// History file: one JSON string per line, so sent lines may contain
// newlines. Lines that do not parse are skipped.

func loadHistory(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseHistory(data), nil
}

func parseHistory(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var line string
		if json.Unmarshal(sc.Bytes(), &line) == nil && line != "" {
			if n := len(out); n > 0 && out[n-1] == line {
				continue
			}
			out = append(out, line)
		}
	}
	if len(out) > maxHistory {
		out = out[len(out)-maxHistory:]
	}
	return out
}

func appendHistory(path string, line string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	enc, _ := json.Marshal(line)
	_, werr := f.Write(append(enc, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// compactHistory rewrites the history file with only the newest lines, so
// it does not grow without end.
func compactHistory(path string, lines []string) error {
	var buf bytes.Buffer
	for _, l := range lines {
		enc, _ := json.Marshal(l)
		buf.Write(enc)
		buf.WriteByte('\n')
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
