package composer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"sort"
	"strings"
)

// snippet is a named payload: /snip NAME or the picker puts it in the
// composer.
type snippet struct {
	name, body string
}

// Snippets file: either a JSON object mapping names to payloads (a string
// is sent as is, any other JSON value as compact JSON), or sections:
//
//	# comment
//	[subscribe]
//	{"op": "subscribe",
//	 "channel": "ticker"}
//	[ping]
//	ping

func loadSnippets(path string) ([]snippet, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // no snippets file is the usual case
	}
	if err != nil {
		return nil, err
	}
	return parseSnippets(data)
}

func parseSnippets(data []byte) ([]snippet, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &obj); err != nil {
			return nil, errors.New("snippets file: " + err.Error())
		}
		out := make([]snippet, 0, len(obj))
		for name, raw := range obj {
			if name == "" {
				return nil, errors.New("snippets file: a snippet without a name")
			}
			var s string
			if json.Unmarshal(raw, &s) != nil {
				var buf bytes.Buffer
				if json.Compact(&buf, raw) != nil {
					continue
				}
				s = buf.String()
			}
			out = append(out, snippet{name: name, body: s})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
		return out, nil
	}
	var out []snippet
	var cur *snippet
	var body []string
	flush := func() {
		if cur != nil {
			cur.body = strings.Trim(strings.Join(body, "\n"), "\n")
			out = append(out, *cur)
		}
		body = nil
	}
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if len(t) > 2 && t[0] == '[' && t[len(t)-1] == ']' {
			flush()
			cur = &snippet{name: strings.TrimSpace(t[1 : len(t)-1])}
			if cur.name == "" {
				return nil, errors.New("snippets file: a [section] without a name")
			}
			continue
		}
		if cur == nil {
			if t != "" && !strings.HasPrefix(t, "#") {
				return nil, errors.New("snippets file: text before the first [name] section")
			}
			continue
		}
		body = append(body, line)
	}
	flush()
	return out, nil
}
