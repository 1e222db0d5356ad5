package decode

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDescribeJSONErrorUsesPlainWords(t *testing.T) {
	type entry struct {
		Name  string    `json:"name"`
		Count int       `json:"count"`
		Tags  []string  `json:"tags"`
		At    time.Time `json:"at"`
	}
	tests := map[string]string{
		`{"name": 5}`:           `"name" should be a string, not a number`,
		`{"count": 1.5}`:        `"count" should be a whole number, not 1.5`,
		`{"tags": "a"}`:         `"tags" should be a list, not a string`,
		`[1]`:                   `the JSON should be an object, not a list`,
		`{"name": "a"`:          `the JSON ends too early`,
		`{x}`:                   `not valid JSON at byte 2`,
		`{"nmae": "\u001b[2J"}`: `unknown key "nmae"`,
		`{"at": 5}`:             `a time is not written as RFC 3339`,
		`{"at": "yesterday"}`:   `a time is not written as RFC 3339`,
	}
	for in, want := range tests {
		var e entry
		dec := json.NewDecoder(strings.NewReader(in))
		dec.DisallowUnknownFields()
		got := DescribeJSONError(dec.Decode(&e))
		if !strings.Contains(got, want) || strings.Contains(got, "Go ") || strings.Contains(got, "json:") {
			t.Errorf("%s: %q, want it to say %q", in, got, want)
		}
		checkSafe(t, in, got)
	}
	_, err := ParseDialects([]byte(`{"dialects":[{"name":["x"]}]}`))
	if err == nil || err.Error() != `dialects: "dialects.name" should be a string, not a list` {
		t.Fatalf("ParseDialects: %v", err)
	}
}
