package filter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

func TestContainsFold(t *testing.T) {
	if !containsFold([]byte("Hello WORLD"), []byte("world")) || containsFold([]byte("hello"), []byte("hellox")) {
		t.Error("containsFold is wrong")
	}
}

func TestRequiredPiecesAreHeldByEveryMatch(t *testing.T) {
	for _, tc := range []struct {
		query, pieces string
	}{
		{"status", "[status]"},
		{`"op":"status"`, `[status op :]`},
		{"tab\there", "[here tab]"},
		{"café", "[caf]"},
		{"re:stat.s", "[tat]"}, // no upper case: s may be the long s
		{`re:97999\.99"`, "[97999.99]"},
		{`re:"id":\d+,"op"`, "[id op :]"},
		{"re:ab|cd", "[]"},
		{"re:foo(bar)?baz", "[foo baz]"},
		{"re:(foo)+x*(bar){2,}", "[foo bar]"},
		{"re:(?i)Kelvin", "[elvin]"}, // K folds to the Kelvin sign
		{"re:kelvin", "[elvin]"},     // no upper case: ignores case
		{"re:Kelvin", "[Kelvin]"},
		{"re:sense", "[en e]"}, // s folds to the long s
		{`re:\x{2028}`, "[]"},
		{"re:.*", "[]"},
	} {
		c := Criteria{query: tc.query}
		c.compile()
		if got := fmt.Sprintf("%s", c.pieces); got != tc.pieces {
			t.Errorf("%q: pieces %s, want %s", tc.query, got, tc.pieces)
		}
	}
}

// A text that matches may never be ruled out from how a JSON string writes
// it, whatever it escapes.
func TestMayMatchEscapedNeverRulesOutAMatch(t *testing.T) {
	texts := []string{
		"status", "STATUS", "Status ok", `{"op":"status","id":8}`, `{"op": "status"}`,
		"Kelvin \u212a and \u2028 separator", "\u212aelvin", "ſenſe", "SENSE", "tab\there",
		`a "quoted" word`, `back\slash`, "café CAFÉ", "<b>&amp;</b>", "97999.99\"", "\x00\x1f\x7f",
		"ab", "cd", "foobaz", "foobarbaz", "foofoobarbar",
	}
	queries := []string{
		"status", "Status", `"op":"status"`, "tab\there", "café", "re:stat.s", `re:97999\.99"`,
		`re:"id":\d+`, "re:ab|cd", "re:foo(bar)?baz", "re:(foo)+x*(bar){2,}", "re:(?i)Kelvin",
		"re:kelvin", "re:sense", `re:\x{2028}`, `re:back\\slash`, "<b>", "re:&amp;", `re:a "quoted"`,
		"re:(?i)CAFÉ", "quoted",
	}
	for _, q := range queries {
		c := Criteria{query: q}
		c.compile()
		if c.err != "" {
			t.Fatalf("%q: %s", q, c.err)
		}
		for _, text := range texts {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(text); err != nil {
				t.Fatal(err)
			}
			escaped := bytes.TrimPrefix(buf.Bytes(), []byte{'"'}) // the rest of the line follows
			if c.Match([]byte(text)) && !c.MayMatchEscaped(escaped) {
				t.Errorf("%q matches %q, but its JSON string %s is ruled out", q, text, escaped)
			}
		}
	}
	c := Criteria{query: "re:foo(bar)?baz"}
	c.compile()
	if c.MayMatchEscaped([]byte(`foobar", "x"`)) {
		t.Error("a text without baz is not ruled out by re:foo(bar)?baz")
	}
}
