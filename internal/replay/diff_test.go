package replay

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

func TestDiff(t *testing.T) {
	in := func(payload string) history.Record {
		return history.Record{Type: conn.EventMessage, Dir: conn.In, Opcode: conn.OpText, Text: payload}
	}
	ping := history.Record{Type: conn.EventMessage, Dir: conn.In, Opcode: conn.OpPong}
	out := history.Record{Type: conn.EventMessage, Dir: conn.Out, Opcode: conn.OpText, Text: "x"}
	recorded := []history.Record{out, in(`{"a":1,"b":[1,2],"at":"2026-01-01T00:00:00Z","user_id":7,"when":"2026-01-01T00:00:00Z"}`), ping, in("same"), in(`{"k":"v"}`)}
	replayed := []history.Record{in(`{"b":[1,3],  "a":1,"at":"2027-05-05T00:00:00Z","user_id":9,"when":"2027-05-05T05:05:05.5Z"}`), out, in("same")}
	diffs := Diff(recorded, replayed)
	if len(diffs) != 2 {
		t.Fatalf("diffs = %+v", diffs)
	}
	if d := diffs[0]; len(d.Paths) != 1 || d.Paths[0] != "$.b[1]" {
		t.Errorf("first = %+v", d)
	}
	if d := diffs[1]; d.index != 2 || d.replayed != nil || !strings.Contains(d.Summary, "missing from the replay") {
		t.Errorf("second = %+v", d)
	}
	extra := Diff(nil, []history.Record{in("new")})
	if len(extra) != 1 || extra[0].recorded != nil || !strings.Contains(extra[0].Summary, "new in the replay") {
		t.Errorf("extra = %+v", extra)
	}
	binary := Diff([]history.Record{{Type: conn.EventMessage, Dir: conn.In, Opcode: conn.OpBinary, Base64: "AAE="}},
		[]history.Record{{Type: conn.EventMessage, Dir: conn.In, Opcode: conn.OpText, Text: "\x00\x01"}})
	if len(binary) != 1 || !strings.Contains(binary[0].Summary, "binary recorded, text replayed") {
		t.Errorf("opcode change = %+v", binary)
	}
	var paths []string
	for i := range 50 {
		paths = append(paths, fmt.Sprintf(`"k%02d":%d`, i, i))
	}
	many := Diff([]history.Record{in("{" + strings.Join(paths, ",") + "}")}, []history.Record{in("{}")})
	if len(many) != 1 || len(many[0].Paths) != maxDiffPaths || !strings.Contains(many[0].Summary, "more)") {
		t.Errorf("many = %d paths, %s", len(many[0].Paths), many[0].Summary)
	}
	if data, _ := json.Marshal(many[0].Paths[:2]); string(data) != `["$.k00","$.k01"]` {
		t.Errorf("paths are not in key order: %s", data)
	}
}

func TestDiffOfDeeplyNestedRepliesStaysSmall(t *testing.T) {
	const depth = 9000 // encoding/json allows 10000
	nested := func(leaf string) history.Record {
		text := strings.Repeat("[", depth) + leaf + strings.Repeat("]", depth)
		return history.Record{Type: conn.EventMessage, Dir: conn.In, Opcode: conn.OpText, Text: text}
	}
	recorded, replayed := []history.Record{nested("1")}, []history.Record{nested("2")}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	diffs := Diff(recorded, replayed)
	runtime.ReadMemStats(&after)
	if len(diffs) != 1 || len(diffs[0].Paths) != 1 || len(diffs[0].Paths[0]) != 1+3*depth {
		t.Fatalf("diffs = %d", len(diffs))
	}
	if !strings.Contains(diffs[0].Summary, "[0][0]: 1 → 2") || len(diffs[0].Summary) > 200 {
		t.Fatalf("summary = %.300q", diffs[0].Summary)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
		t.Fatalf("diffing two %d-deep replies allocated %d MiB", depth, grew>>20)
	}
}
