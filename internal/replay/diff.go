package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
)

// Difference is where a replayed reply differs from the recorded one.
type Difference struct {
	Paths   []string // the JSON paths that differ, when both replies are JSON
	Summary string   // one readable line, safe to print

	index    int             // position among the incoming data messages
	recorded *history.Record // nil when the replay got more replies
	replayed *history.Record // nil when the replay got fewer
}

// maxDiffPaths bounds the JSON paths listed per message.
const maxDiffPaths = 20

// Diff pairs the incoming text and binary messages of a recording and a
// replay in order and reports the pairs that differ, and the replies one
// side has and the other lacks.
//
// Payloads that are JSON on both sides are compared by structure: key
// order and spacing do not matter, and values that naturally change from
// run to run are ignored — keys named like a time or an id (ts, time,
// timestamp, date, id, uuid, nonce, and names ending in _id, Id, _at or
// _ts) and strings that are UUIDs or RFC 3339 times. Other payloads must be
// equal byte for byte.
func Diff(recorded, replayed []history.Record) []Difference {
	a, b := incoming(recorded), incoming(replayed)
	var out []Difference
	for i := 0; i < max(len(a), len(b)); i++ {
		d := Difference{index: i}
		switch {
		case i >= len(b):
			d.recorded = &a[i]
			d.Summary = fmt.Sprintf("reply %d: recorded, but missing from the replay", i+1)
		case i >= len(a):
			d.replayed = &b[i]
			d.Summary = fmt.Sprintf("reply %d: new in the replay", i+1)
		default:
			d.recorded, d.replayed = &a[i], &b[i]
			if !compareMessages(&d) {
				continue
			}
		}
		out = append(out, d)
	}
	return out
}

func incoming(recs []history.Record) []history.Record {
	var out []history.Record
	for _, r := range recs {
		if r.IsDataMessage() && r.FromServer() {
			out = append(out, r)
		}
	}
	return out
}

// compareMessages fills d and reports whether the pair differs.
func compareMessages(d *Difference) bool {
	x, y := *d.recorded, *d.replayed
	n := d.index + 1
	if x.Opcode != y.Opcode {
		d.Summary = fmt.Sprintf("reply %d: %s recorded, %s replayed", n, x.Opcode, y.Opcode)
		return true
	}
	px, errx := x.Payload()
	py, erry := y.Payload()
	if errx != nil || erry != nil {
		d.Summary = fmt.Sprintf("reply %d: a payload could not be read", n)
		return true
	}
	var vx, vy any
	if x.Opcode == conn.OpText && decodeJSON(px, &vx) && decodeJSON(py, &vy) {
		var w diffWalk
		w.walk(vx, vy)
		if len(w.paths) == 0 {
			return false
		}
		d.Paths = w.paths
		changes := w.changes
		shown := changes[:min(3, len(changes))]
		d.Summary = fmt.Sprintf("reply %d: %s", n, strings.Join(shown, "; "))
		if len(changes) > len(shown) {
			d.Summary += fmt.Sprintf(" (and %d more)", len(changes)-len(shown))
		}
		return true
	}
	if bytes.Equal(px, py) {
		return false
	}
	d.Summary = fmt.Sprintf("reply %d: payload differs (%s recorded, %s replayed)", n,
		decode.HumanSize(int64(len(px))), decode.HumanSize(int64(len(py))))
	return true
}

func decodeJSON(data []byte, v *any) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(v) != nil {
		return false
	}
	_, err := dec.Token()
	return err != nil // nothing after the value
}

// diffWalk collects the paths where two decoded JSON values differ,
// skipping what naturally changes between runs. The current path is kept
// as a stack of segments, so deep nesting costs memory in proportion to
// its depth, not its square.
type diffWalk struct {
	path    []string // ".key" and "[i]" segments below "$"
	paths   []string
	changes []string
}

func (w *diffWalk) walk(x, y any) {
	if len(w.paths) >= maxDiffPaths {
		return
	}
	switch xv := x.(type) {
	case map[string]any:
		yv, ok := y.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(xv)+len(yv))
		for k := range xv {
			keys = append(keys, k)
		}
		for k := range yv {
			if _, dup := xv[k]; !dup {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !volatileKey(k) {
				w.descend("."+k, xv[k], yv[k])
			}
		}
		return
	case []any:
		yv, ok := y.([]any)
		if !ok {
			break
		}
		for i := range max(len(xv), len(yv)) {
			var xe, ye any
			if i < len(xv) {
				xe = xv[i]
			}
			if i < len(yv) {
				ye = yv[i]
			}
			w.descend("["+strconv.Itoa(i)+"]", xe, ye)
		}
		return
	case string:
		if ys, ok := y.(string); ok && (xv == ys || volatileValue(xv) && volatileValue(ys)) {
			return
		}
	default:
		// json.Number, bool or nil: comparable, so == cannot panic.
		if x == y {
			return
		}
	}
	path := "$" + strings.Join(w.path, "")
	w.paths = append(w.paths, path)
	w.changes = append(w.changes, fmt.Sprintf("%s: %s → %s", shortPath(path), shortJSON(x), shortJSON(y)))
}

func (w *diffWalk) descend(segment string, x, y any) {
	w.path = append(w.path, segment)
	w.walk(x, y)
	w.path = w.path[:len(w.path)-1]
}

// shortPath keeps the end of a long path, the part that says most.
func shortPath(path string) string {
	const keep = 60
	p := []rune(decode.Sanitize(path))
	if len(p) <= keep {
		return string(p)
	}
	return "…" + string(p[len(p)-keep+1:])
}

func shortJSON(v any) string {
	if v == nil {
		return "(absent)"
	}
	data, _ := json.Marshal(v)
	return decode.Clip(decode.Sanitize(string(data)), 40, "…")
}

// volatileKey reports whether a key names something that changes between
// runs: a time or an identifier.
func volatileKey(k string) bool {
	switch strings.ToLower(k) {
	case "ts", "time", "timestamp", "date", "datetime", "created", "updated", "id", "uuid", "guid", "nonce", "requestid", "traceid", "spanid":
		return true
	}
	return strings.HasSuffix(k, "Id") || strings.HasSuffix(k, "ID") ||
		strings.HasSuffix(strings.ToLower(k), "_id") || strings.HasSuffix(strings.ToLower(k), "_at") ||
		strings.HasSuffix(strings.ToLower(k), "_ts")
}

// volatileValue reports whether a string is a UUID or an RFC 3339 time.
func volatileValue(s string) bool {
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return true
	}
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
