package tui

import (
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
)

// testdata/sessions holds one real session per protocol, recorded by
// wsdbg tail against the protocol's real server (conn's
// TestProtocolSessionsThroughTail writes them with -update-sessions, and
// checks there that tail --json says the same live and read back). Played
// back and browsed, the interface shows on every row the packet, the
// reply link and the failure the recording holds.
func TestRealProtocolSessionsShowTheirAnnotation(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "sessions", "*.jsonl"))
	if err != nil || len(files) != 6 {
		t.Fatalf("%d recorded sessions (%v), want one for each of the six protocols", len(files), err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".jsonl"), func(t *testing.T) {
			rec, err := history.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer rec.Close()
			rec.Wait()
			records := make([]history.Record, rec.Len())
			rowOfSeq := map[int]int{}
			for i := range records {
				if records[i], err = rec.Record(i); err != nil {
					t.Fatal(err)
				}
				rowOfSeq[records[i].Seq] = i
			}

			src := NewReplay(t.Context(), rec, ReplayOptions{})
			replayed, _ := newTestModel(t, 200, 60, Options{Source: src})
			p := startPump(t.Context(), src, nil)
			defer p.stop()
			pumpUntil(t, replayed, p, 5*time.Second, func() bool { return replayed.sess.ended })
			browsed := browseModel(t, path)
			browseUntilEnded(t, browsed)

			var packets, links, failures int
			for view, m := range map[string]*model{"replay": replayed, "browsed recording": browsed} {
				if n := m.store.len(); n != len(records) {
					t.Fatalf("%s: %d rows, want the recording's %d", view, n, len(records))
				}
				packets, links, failures = 0, 0, 0
				for i, r := range records {
					insp := flat(plainLines(m.inspectorLines(i, 200)))
					row := m.store.row(i)
					if pk := r.Protocol; pk != nil {
						packets++
						want := pk.Name + " " + decode.Sanitize(pk.Summary)
						if got := m.rowTextOf(i).preview; !strings.HasPrefix(got, want) {
							t.Errorf("%s row %d: preview %q, want it to start %q", view, i, got, want)
						}
					}
					if r.ReplyTo > 0 {
						links++
						req, ok := rowOfSeq[r.ReplyTo]
						if !ok || !row.has(flagReply) || int(row.link) != req {
							t.Errorf("%s row %d: replies to row %d (flags %b), want row %d (seq %d)", view, i, row.link, row.flags, req, r.ReplyTo)
							continue
						}
						latency := decode.HumanDuration(time.Duration(math.Round(r.LatencyMillis * float64(time.Millisecond))))
						want := "Reply to: #" + strconv.Itoa(r.ReplyTo) + ", " + latency + " after it was sent"
						if !strings.Contains(insp, want) {
							t.Errorf("%s row %d: the inspector lacks %q:\n%s", view, i, want, insp)
						}
						if got := flat(badgeText(m, i)); !strings.Contains(got, "reply "+latency) {
							t.Errorf("%s row %d: badges %q, want the reply's %s", view, i, got, latency)
						}
					} else if row.has(flagReply) {
						t.Errorf("%s row %d: linked to row %d, which the recording does not link", view, i, row.link)
					}
					if e := r.Envelope; e != nil {
						failures++
						if !row.has(flagEnvelope) {
							t.Errorf("%s row %d: no error badge for %q", view, i, e.Explanation.Name)
						}
						for _, want := range []string{e.Explanation.Name, e.Explanation.Explanation, e.Explanation.Hint} {
							if !strings.Contains(insp, flat(decode.Sanitize(want))) {
								t.Errorf("%s row %d: the inspector lacks %q:\n%s", view, i, want, insp)
							}
						}
					}
				}
			}
			if packets == 0 || links == 0 || failures == 0 {
				t.Errorf("the recording holds %d packets, %d replies and %d failures: nothing to compare", packets, links, failures)
			}
		})
	}
}
