package conn

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestLookupJSON(t *testing.T) {
	cases := []struct {
		doc  string
		path string
		want string
		ok   bool
	}{
		{`{"id":7}`, "id", `7`, true},
		{` { "a" : {"id":1}, "id" : "x-1" } `, "id", `"x-1"`, true},
		{`{"meta":{"corr":{"deep":-2.5e3}}}`, "meta.corr.deep", `-2.5e3`, true},
		{`{"meta":{"corr":9}}`, "meta.corr.deep", ``, false},
		{`{"id":{"nested":1}}`, "id", ``, false},
		{`{"id":null}`, "id", ``, false},
		{`{"id":true}`, "id", ``, false},
		{`{"i\u0064":5}`, "id", `5`, true},
		{`{"s":"}\"{","id":3}`, "id", `3`, true},
		{`[{"id":1}]`, "id", ``, false},
		{`{"id":1`, "id", `1`, true},
		{`{"x":[1,{"id":2}],"id":4}`, "id", `4`, true},
		{``, "id", ``, false},
		{`{"id"`, "id", ``, false},
	}
	for _, c := range cases {
		got, ok := lookupJSON([]byte(c.doc), parseIDPath(c.path))
		if ok != c.ok || string(got) != c.want {
			t.Errorf("lookupJSON(%s, %s) = %q, %v; want %q, %v", c.doc, c.path, got, ok, c.want, c.ok)
		}
	}
}

// FuzzLookupJSON checks the scanner against encoding/json on valid
// documents, and that it never panics on anything else.
func FuzzLookupJSON(f *testing.F) {
	for _, seed := range []string{`{"id":1}`, `{"a":{"b":"c"},"id":"x"}`, `{"meta":{"corr":9}}`, `{"id":[1,{"id":2}]}`, `{`, `{"\"":1}`} {
		f.Add([]byte(seed), "id")
		f.Add([]byte(seed), "meta.corr")
	}
	f.Fuzz(func(t *testing.T, doc []byte, path string) {
		p := parseIDPath(path)
		got, ok := lookupJSON(doc, p)
		if !json.Valid(doc) || len(p) == 0 {
			return
		}
		want, wantOK := lookupStd(doc, p)
		if ok != wantOK || ok && !bytes.Equal(compact(got), compact(want)) {
			t.Fatalf("lookupJSON(%s, %q) = %s, %v; encoding/json says %s, %v", doc, path, got, ok, want, wantOK)
		}
	})
}

// lookupStd is lookupJSON written with encoding/json. Duplicate keys are
// resolved as the scanner does: the first one wins.
func lookupStd(doc []byte, path []string) ([]byte, bool) {
	cur := json.RawMessage(doc)
	for _, k := range path {
		dec := json.NewDecoder(bytes.NewReader(cur))
		tok, err := dec.Token()
		if err != nil || tok != json.Delim('{') {
			return nil, false
		}
		found := false
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return nil, false
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, false
			}
			if keyTok.(string) == k {
				cur, found = v, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	c := bytes.TrimSpace(cur)
	if len(c) == 0 || !(c[0] == '"' || c[0] == '-' || c[0] >= '0' && c[0] <= '9') {
		return nil, false
	}
	return c, true
}

func compact(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}

// FuzzMessageID checks the one-pass search against looking each path up in
// turn, on valid documents.
func FuzzMessageID(f *testing.F) {
	for _, seed := range []string{`{"id":1}`, `{"ref":"r","id":2}`, `{"meta":{"corr":9},"id":"x"}`, `{"id":{"a":1},"nonce":3}`, `{"id":[1],"id":2}`, `{"a\\"b":"\\\"","ref":-1}`} {
		f.Add([]byte(seed))
	}
	paths := [][]string{{"meta", "corr"}, {"id"}, {"request_id"}, {"requestId"}, {"ref"}, {"nonce"}}
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, ok := messageID(doc, paths)
		if !json.Valid(doc) {
			return
		}
		var want []byte
		wantOK := false
		for _, p := range paths {
			if want, wantOK = lookupJSON(doc, p); wantOK {
				break
			}
		}
		if ok != wantOK || !bytes.Equal(got, want) {
			t.Fatalf("messageID(%s) = %s, %v; looking each path up gives %s, %v", doc, got, ok, want, wantOK)
		}
	})
}
