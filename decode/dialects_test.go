package decode

import (
	"strconv"
	"strings"
	"testing"
)

func TestBuiltinTablesAreComplete(t *testing.T) {
	check := func(where string, e codeEntry, needName bool) {
		t.Helper()
		if e.Meaning == "" || e.Hint == "" || (needName && e.Name == "") {
			t.Errorf("%s: incomplete entry %+v", where, e)
		}
	}
	for _, d := range append(builtinDialects, graphqlCodes) {
		if d.title == "" {
			t.Errorf("%s: no title", d.name)
		}
		if d != graphqlCodes && d.about == "" {
			t.Errorf("%s: no about text", d.name)
		}
		for code, e := range d.closeCodes {
			check(d.name+" close "+strconv.Itoa(code), e, code >= 3000)
		}
		for code, e := range d.errorCodes {
			check(d.name+" error "+code, e, true)
		}
	}
	for name, table := range map[string]map[string]codeEntry{"phoenix": phoenixReasons, "actioncable": actionCableReasons, "api gateway": apiGatewayMessages} {
		for k, e := range table {
			check(name+" "+k, e, true)
		}
	}
	for name, table := range map[string]map[int]codeEntry{"mqtt 3": mqtt3Connack, "mqtt 5": mqtt5Reasons} {
		for k, e := range table {
			check(name+" "+strconv.Itoa(k), e, true)
		}
	}
}

func TestDialectCloseCodes(t *testing.T) {
	gql := CloseContext{Subprotocol: "graphql-transport-ws"}
	discord := CloseContext{Host: "gateway.discord.gg"}
	tests := []struct {
		name      string
		ctx       CloseContext
		code      int
		want      string // Explanation.Name
		dialect   string
		reconnect bool
		source    string
	}{
		{"graphql bad request", gql, 4400, "Bad Request", "graphql-transport-ws", false, SourceServer},
		{"graphql unauthorized", gql, 4401, "Unauthorized", "graphql-transport-ws", false, SourceServer},
		{"graphql forbidden", gql, 4403, "Forbidden", "graphql-transport-ws", false, SourceServer},
		{"graphql subprotocol", gql, 4406, "Subprotocol Not Acceptable", "graphql-transport-ws", false, SourceServer},
		{"graphql init timeout", gql, 4408, "Connection Initialisation Timeout", "graphql-transport-ws", true, SourceServer},
		{"graphql subscriber exists", gql, 4409, "Subscriber Already Exists", "graphql-transport-ws", false, SourceServer},
		{"graphql too many inits", gql, 4429, "Too Many Initialisation Requests", "graphql-transport-ws", false, SourceServer},
		{"graphql terminated", gql, 4499, "Terminated", "graphql-transport-ws", true, SourceClient},
		{"graphql internal", gql, 4500, "Internal Server Error", "graphql-transport-ws", false, SourceServer},
		{"graphql bad response", gql, 4004, "Bad Response", "graphql-transport-ws", false, SourceClient},
		{"graphql client error", gql, 4005, "Internal Client Error", "graphql-transport-ws", false, SourceClient},
		{"graphql ack timeout", gql, 4504, "Connection Acknowledgement Timeout", "graphql-transport-ws", true, SourceClient},
		{"graphql unknown private", gql, 4123, "Private code 4123", "", false, SourceApp},
		{"legacy graphql 1011 note", CloseContext{Subprotocol: "graphql-ws"}, 1011, "Internal Error", "subscriptions-transport-ws", true, SourceServer},
		{"legacy graphql 1002 note", CloseContext{Subprotocol: "graphql-ws"}, 1002, "Protocol Error", "subscriptions-transport-ws", false, SourceEither},
		{"legacy graphql 4401 borrowed", CloseContext{Subprotocol: "graphql-ws"}, 4401, "Private code 4401", "", false, SourceApp},
		{"discord unknown error", discord, 4000, "Unknown Error", "discord", true, SourceServer},
		{"discord unknown opcode", discord, 4001, "Unknown Opcode", "discord", true, SourceServer},
		{"discord decode error", discord, 4002, "Decode Error", "discord", true, SourceServer},
		{"discord not authenticated", discord, 4003, "Not Authenticated", "discord", true, SourceServer},
		{"discord auth failed", discord, 4004, "Authentication Failed", "discord", false, SourceServer},
		{"discord already authenticated", discord, 4005, "Already Authenticated", "discord", true, SourceServer},
		{"discord invalid seq", discord, 4007, "Invalid Seq", "discord", true, SourceServer},
		{"discord rate limited", discord, 4008, "Rate Limited", "discord", true, SourceServer},
		{"discord session timeout", discord, 4009, "Session Timed Out", "discord", true, SourceServer},
		{"discord invalid shard", discord, 4010, "Invalid Shard", "discord", false, SourceServer},
		{"discord sharding required", discord, 4011, "Sharding Required", "discord", false, SourceServer},
		{"discord api version", discord, 4012, "Invalid API Version", "discord", false, SourceServer},
		{"discord invalid intents", discord, 4013, "Invalid Intents", "discord", false, SourceServer},
		{"discord disallowed intents", discord, 4014, "Disallowed Intents", "discord", false, SourceServer},
		{"discord.com with port", CloseContext{Host: "DISCORD.COM:443"}, 4004, "Authentication Failed", "discord", false, SourceServer},
		{"discord 1000 ends the session", discord, 1000, "Normal Closure", "discord", false, SourceEither},
		{"look-alike host is not discord", CloseContext{Host: "notdiscord.com"}, 4004, "Private code 4004", "", false, SourceApp},
		{"stomp 1.0", CloseContext{Subprotocol: "v10.stomp"}, 4000, "Private code 4000", "", false, SourceApp},
		{"stomp 1.1", CloseContext{Subprotocol: "v11.stomp"}, 4000, "Private code 4000", "", false, SourceApp},
		{"stomp 1.2", CloseContext{Subprotocol: "v12.stomp"}, 4000, "Private code 4000", "", false, SourceApp},
		{"mqtt", CloseContext{Subprotocol: "mqtt"}, 4000, "Private code 4000", "", false, SourceApp},
		{"mqtt 3.1", CloseContext{Subprotocol: "mqttv3.1"}, 4000, "Private code 4000", "", false, SourceApp},
		{"action cable", CloseContext{Subprotocol: "actioncable-v1-json"}, 4000, "Private code 4000", "", false, SourceApp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ExplainClose(tt.code, "", tt.ctx)
			if e.Name != tt.want || e.Dialect != tt.dialect || e.Reconnect != tt.reconnect || e.Source != tt.source {
				t.Fatalf("got %q dialect %q reconnect %v source %q\nwant %q dialect %q reconnect %v source %q",
					e.Name, e.Dialect, e.Reconnect, e.Source, tt.want, tt.dialect, tt.reconnect, tt.source)
			}
			if e.Code != tt.code {
				t.Fatalf("Code = %d", e.Code)
			}
		})
	}
}

func TestDialectTextSaysWhoDefinesTheMeaning(t *testing.T) {
	e := ExplainClose(4401, "", CloseContext{Subprotocol: "graphql-transport-ws"})
	if !strings.HasPrefix(e.Explanation, "graphql-transport-ws says: ") {
		t.Errorf("dialect meaning not attributed: %q", e.Explanation)
	}
	e = ExplainClose(4004, "", CloseContext{Host: "gateway.discord.gg"})
	if !strings.HasPrefix(e.Explanation, "The Discord gateway says: ") {
		t.Errorf("dialect meaning not attributed: %q", e.Explanation)
	}
	// Standard codes keep their meaning; the dialect adds a note.
	e = ExplainClose(1011, "", CloseContext{Subprotocol: "graphql-ws"})
	if !strings.HasPrefix(e.Explanation, "The server hit an unexpected condition") || !strings.Contains(e.Explanation, "connection_error") {
		t.Errorf("1011 under the legacy protocol: %q", e.Explanation)
	}
	e = ExplainClose(1001, "", CloseContext{Host: "gateway.discord.gg"})
	if !strings.Contains(e.Explanation, "cannot resume") || !strings.Contains(e.Hint, "4000") {
		t.Errorf("1001 under Discord: %q / %q", e.Explanation, e.Hint)
	}
	// A protocol without close codes says how it reports errors instead.
	for sp, words := range map[string]string{
		"v12.stomp": "ERROR frame", "mqtt": "CONNACK", "actioncable-v1-json": "disconnect message",
	} {
		if e := ExplainClose(4000, "", CloseContext{Subprotocol: sp}); !strings.Contains(e.Explanation, words) {
			t.Errorf("%s: %q does not mention %q", sp, e.Explanation, words)
		}
	}
	// The legacy GraphQL protocol borrows graphql-transport-ws's codes,
	// and says so rather than asserting them.
	e = ExplainClose(4401, "", CloseContext{Subprotocol: "graphql-ws"})
	if !strings.Contains(e.Explanation, "often reuse the graphql-transport-ws codes") || !strings.Contains(e.Explanation, "connection_init") {
		t.Errorf("4401 under the legacy protocol: %q", e.Explanation)
	}
}

// Without a dialect, 4000–4003 take the common convention's meaning, marked
// as a convention, with the seed lookup table's recovery and reconnect
// advice; other private codes only list what conventions would make of them.
func TestPrivateCodesWithoutADialectShowConventions(t *testing.T) {
	conventions := []struct {
		code      int
		name      string
		reconnect bool
		hint      string
		wants     []string
	}{
		{4000, "Application Reserved Start (Service)", false, "service's documentation", []string{"opens the private range", `"Bad Request"`}},
		{4001, "Auth Expired", true, "Refresh the token and reconnect", []string{"token or login expired", `error-envelope convention mean "Not Found" by it instead`}},
		{4002, "Rate Limited", true, "Back off before reconnecting", []string{"faster than allowed", `"Invalid Action"`}},
		{4003, "Unauthorized", false, "authentication headers", []string{"missing or invalid", "The error-envelope convention agrees"}},
	}
	for _, tt := range conventions {
		e := ExplainClose(tt.code, "", CloseContext{})
		if e.Name != tt.name || e.Dialect != conventionDialect || e.Category != CategoryPrivate || e.Reconnect != tt.reconnect {
			t.Errorf("%d: %+v", tt.code, e)
		}
		if !strings.Contains(e.Hint, tt.hint) {
			t.Errorf("%d: hint %q lacks %q", tt.code, e.Hint, tt.hint)
		}
		for _, w := range append(tt.wants, "common convention (not a standard)", "its documentation, or a dialect file, has the last word") {
			if !strings.Contains(e.Explanation, w) {
				t.Errorf("%d: %q lacks %q", tt.code, e.Explanation, w)
			}
		}
	}
	options := []struct {
		code  int
		wants []string
	}{
		{4004, []string{`"Forbidden" in the error-envelope convention`}},
		{4005, []string{`"Rate Limited" in the error-envelope convention`}},
		{4403, []string{`"Forbidden", if the service follows the common habit of 4000 plus an HTTP status`}},
		{4429, []string{`"Too Many Requests"`}},
	}
	for _, tt := range options {
		e := ExplainClose(tt.code, "", CloseContext{})
		if e.Dialect != "" || e.Category != CategoryPrivate || e.Reconnect {
			t.Errorf("%d: asserted a meaning: %+v", tt.code, e)
		}
		for _, w := range tt.wants {
			if !strings.Contains(e.Explanation, w) {
				t.Errorf("%d: %q lacks %q", tt.code, e.Explanation, w)
			}
		}
	}
	e := ExplainClose(4777, "session \x1b[31mexpired", CloseContext{})
	if !strings.Contains(e.Explanation, `"session \x1b[31mexpired"`) {
		t.Errorf("reason not offered as a clue, or not sanitised: %q", e.Explanation)
	}
	if e := ExplainClose(4001, "token \x1b[31mexpired", CloseContext{}); !strings.Contains(e.Explanation, `"token \x1b[31mexpired"`) {
		t.Errorf("reason not offered as a clue, or not sanitised: %q", e.Explanation)
	}
}

// A dialect, from the subprotocol, the host or a dialect file, overrides
// the convention.
func TestDialectsOverrideTheConvention(t *testing.T) {
	user, err := ParseDialects([]byte(sampleConfig))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		ctx     CloseContext
		want    string
		dialect string
	}{
		{"no dialect", CloseContext{}, "Auth Expired", conventionDialect},
		{"discord host", CloseContext{Host: "gateway.discord.gg"}, "Unknown Opcode", "discord"},
		{"dialect file by subprotocol", CloseContext{Subprotocol: "acme.v2", Dialects: user}, "Session expired", "acme-feed"},
		{"dialect file for every connection", CloseContext{Dialects: user}, "Private code 4001", ""},
		{"graphql subprotocol", CloseContext{Subprotocol: "graphql-transport-ws"}, "Private code 4001", ""},
	}
	for _, tt := range tests {
		e := ExplainClose(4001, "", tt.ctx)
		if e.Name != tt.want || e.Dialect != tt.dialect {
			t.Errorf("%s: %q (%q), want %q (%q)", tt.name, e.Name, e.Dialect, tt.want, tt.dialect)
		}
	}
}

const sampleConfig = `{
  "dialects": [
    {
      "name": "acme-feed",
      "extends": "error-envelope",
      "subprotocols": ["acme.v2"],
      "hosts": ["feed.acme.com", "*.acme.dev"],
      "close_codes": {
        "4001": {"name": "Session expired", "meaning": "the feed session expired.", "hint": "Log in again.", "reconnect": true},
        "1008": {"meaning": "acme closes with 1008 when the API key is revoked.", "hint": "Create a new API key."}
      },
      "error_codes": {
        "E_QUOTA": {"name": "Quota exceeded", "meaning": "the monthly quota is used up.", "hint": "Upgrade the plan.", "category": "billing"},
        "4000": {"name": "Malformed", "meaning": "acme could not parse the message.", "hint": "Check the JSON."}
      },
      "envelopes": [
        {"when": {"kind": "fault", "fault.level": 2}, "code": "fault.code", "message": "fault.text"},
        {"when": {"op": "nack"}, "message": "details.0.reason"}
      ]
    },
    {
      "name": "graphql-transport-ws",
      "close_codes": {
        "4400": {"name": "Bad operation", "meaning": "our gateway says the operation was malformed.", "hint": "Check the operation."}
      }
    },
    {
      "name": "everything-else",
      "close_codes": {
        "4321": {"name": "Kicked", "meaning": "a moderator removed you.", "hint": "Ask a moderator."}
      }
    }
  ]
}`

func TestParseDialectsAndUserEntriesWin(t *testing.T) {
	d, err := ParseDialects([]byte(sampleConfig))
	if err != nil {
		t.Fatal(err)
	}
	byHost := CloseContext{Host: "eu.acme.dev:8443", Dialects: d}
	bySubprotocol := CloseContext{Subprotocol: "acme.v2", Dialects: d}
	tests := []struct {
		name      string
		ctx       CloseContext
		code      int
		want      string
		dialect   string
		reconnect bool
	}{
		{"user code by host", byHost, 4001, "Session expired", "acme-feed", true},
		{"user code by subprotocol", bySubprotocol, 4001, "Session expired", "acme-feed", true},
		{"inherited from the base", bySubprotocol, 4004, "Forbidden", "error-envelope", false},
		{"user note on a standard code", bySubprotocol, 1008, "Policy Violation", "acme-feed", false},
		{"user entry overrides a built-in", CloseContext{Subprotocol: "graphql-transport-ws", Dialects: d}, 4400, "Bad operation", "graphql-transport-ws", false},
		{"built-in entries remain", CloseContext{Subprotocol: "graphql-transport-ws", Dialects: d}, 4408, "Connection Initialisation Timeout", "graphql-transport-ws", true},
		{"a dialect without match rules applies elsewhere", CloseContext{Host: "chat.example.org", Dialects: d}, 4321, "Kicked", "everything-else", false},
		{"built-ins beat the catch-all", CloseContext{Host: "gateway.discord.gg", Dialects: d}, 4004, "Authentication Failed", "discord", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ExplainClose(tt.code, "", tt.ctx)
			if e.Name != tt.want || e.Dialect != tt.dialect || e.Reconnect != tt.reconnect {
				t.Fatalf("got %q (%q, reconnect %v), want %q (%q, reconnect %v)", e.Name, e.Dialect, e.Reconnect, tt.want, tt.dialect, tt.reconnect)
			}
		})
	}
	if e := ExplainClose(1008, "", bySubprotocol); !strings.Contains(e.Explanation, "API key is revoked") || e.Hint != "Create a new API key." {
		t.Errorf("note on 1008: %q / %q", e.Explanation, e.Hint)
	}
}

func TestUserEnvelopeShapes(t *testing.T) {
	d, err := ParseDialects([]byte(sampleConfig))
	if err != nil {
		t.Fatal(err)
	}
	ctx := EnvelopeContext{Host: "feed.acme.com", Dialects: d}
	env, ok := DetectEnvelope([]byte(`{"kind":"fault","fault":{"level":2,"code":"E_QUOTA","text":"quota used"}}`), ctx)
	if !ok || env.Format != "acme-feed" || string(env.Code) != `"E_QUOTA"` || env.Message != "quota used" {
		t.Fatalf("user shape: %+v %v", env, ok)
	}
	if env.Explanation.Name != "Quota exceeded" || env.Explanation.Category != "billing" || env.Explanation.Dialect != "acme-feed" {
		t.Fatalf("user error code: %+v", env.Explanation)
	}
	// A condition that does not hold means no match, even with the fields.
	if _, ok := DetectEnvelope([]byte(`{"kind":"fault","fault":{"level":1,"code":"E_QUOTA","text":"quota used"}}`), ctx); ok {
		t.Fatal("matched although fault.level differs")
	}
	env, ok = DetectEnvelope([]byte(`{"op":"nack","details":[{"reason":"stale sequence"}]}`), ctx)
	if !ok || env.Message != "stale sequence" || env.Code != nil {
		t.Fatalf("message-only shape: %+v %v", env, ok)
	}
	// The user's table also wins for built-in shapes on this service.
	env, ok = DetectEnvelope([]byte(`{"type":"error","data":{"code":4000,"message":"bad"}}`), ctx)
	if !ok || env.Explanation.Name != "Malformed" || env.Explanation.Dialect != "acme-feed" {
		t.Fatalf("user table did not win: %+v", env.Explanation)
	}
	// Elsewhere the user's shapes do not apply.
	if _, ok := DetectEnvelope([]byte(`{"op":"nack","details":[{"reason":"x"}]}`), EnvelopeContext{Host: "other.example", Dialects: d}); ok {
		t.Fatal("shape applied to another host")
	}
}

func TestParseDialectsErrors(t *testing.T) {
	tests := map[string]string{
		"not JSON":              `{`,
		"unknown field":         `{"dialects":[{"name":"x","clos_codes":{}}]}`,
		"missing name":          `{"dialects":[{"hosts":["a.example"]}]}`,
		"duplicate name":        `{"dialects":[{"name":"x"},{"name":"x"}]}`,
		"unknown base":          `{"dialects":[{"name":"x","extends":"nope"}]}`,
		"code out of range":     `{"dialects":[{"name":"x","close_codes":{"5000":{"name":"n","meaning":"m"}}}]}`,
		"code not a number":     `{"dialects":[{"name":"x","close_codes":{"abc":{"name":"n","meaning":"m"}}}]}`,
		"private code unnamed":  `{"dialects":[{"name":"x","close_codes":{"4001":{"meaning":"m"}}}]}`,
		"no meaning":            `{"dialects":[{"name":"x","error_codes":{"E1":{"name":"n"}}}]}`,
		"bad host pattern":      `{"dialects":[{"name":"x","hosts":["[bad"]}]}`,
		"envelope without code": `{"dialects":[{"name":"x","envelopes":[{"when":{"a":"b"}}]}]}`,
		"envelope bad path":     `{"dialects":[{"name":"x","envelopes":[{"code":"a..b"}]}]}`,
		"envelope object value": `{"dialects":[{"name":"x","envelopes":[{"code":"c","when":{"a":{"b":1}}}]}]}`,
		"trailing data":         `{"dialects":[]} {}`,
	}
	for name, cfg := range tests {
		if _, err := ParseDialects([]byte(cfg)); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			checkSafe(t, name, err.Error())
		}
	}
	if d, err := ParseDialects([]byte(`{"dialects":[]}`)); err != nil || d == nil {
		t.Fatalf("empty config: %v", err)
	}
}

func TestParseDialectsSanitisesUserText(t *testing.T) {
	d, err := ParseDialects([]byte(`{"dialects":[{"name":"evil\u001b","close_codes":{"4001":{"name":"\u202eX","meaning":"m\u0007","hint":"h\u009b"}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e := ExplainClose(4001, "", CloseContext{Dialects: d})
	for _, s := range []string{e.Name, e.Explanation, e.Hint, e.Dialect} {
		checkSafe(t, "explanation", s)
	}
}
