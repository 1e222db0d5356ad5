package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
	replays "github.com/wsdbg/wsdbg/internal/replay"
)

// comparison pairs the replies of a session that replays a recording with
// the recorded replies, in order, as replays.Diff does: the k-th incoming
// text or binary message is compared with the k-th recorded one.
type comparison struct {
	expected []history.Record    // the recorded replies
	replies  []int32             // the row of every reply received, in order
	diffs    map[int32]replyDiff // by row, for the replies that differ
	matched  int                 // replies equal to their recorded counterpart
}

// replyDiff is how one reply differs from the recording.
type replyDiff struct {
	summary string   // one sanitised line
	paths   []string // changed JSON paths, when both sides are JSON
}

func newComparison(recorded []history.Record) *comparison {
	c := &comparison{diffs: make(map[int32]replyDiff)}
	for _, r := range recorded {
		if isReply(r) {
			c.expected = append(c.expected, r)
		}
	}
	return c
}

func isReply(r history.Record) bool {
	return r.Type == conn.EventMessage && r.Dir == conn.In && (r.Opcode == conn.OpText || r.Opcode == conn.OpBinary)
}

// observe compares the reply in row with its recorded counterpart and
// reports whether they differ.
func (c *comparison) observe(row int32, ev conn.Event) bool {
	k := len(c.replies)
	c.replies = append(c.replies, row)
	if k >= len(c.expected) {
		c.diffs[row] = replyDiff{summary: fmt.Sprintf("reply %d is new: the recording has %d", k+1, len(c.expected))}
		return true
	}
	got := history.FromEvent(ev)
	diffs := replays.Diff(c.expected[k:k+1], []history.Record{got})
	if len(diffs) == 0 {
		c.matched++
		return false
	}
	// Diff numbers the pair it was given as reply 1; say which it is.
	summary := diffs[0].Summary
	if rest, ok := strings.CutPrefix(summary, "reply 1: "); ok {
		summary = fmt.Sprintf("reply %d: %s", k+1, rest)
	}
	c.diffs[row] = replyDiff{summary: summary, paths: diffs[0].Paths}
	return true
}

// replyOf returns which reply row is, counting from 0.
func (c *comparison) replyOf(row int) (int, bool) {
	return slices.BinarySearch(c.replies, int32(row))
}

// summary counts the replies for the header. Recorded replies that have
// not arrived are awaited until the connection ends, and missing after.
func (c *comparison) summary(ended bool) string {
	s := fmt.Sprintf("%d same, %d differ", c.matched, len(c.diffs))
	if left := len(c.expected) - len(c.replies); left > 0 {
		word := "awaited"
		if ended {
			word = "missing"
		}
		s += fmt.Sprintf(", %d %s", left, word)
	}
	return s
}

// isReplyEvent reports whether ev is one of the messages a comparison
// pairs.
func isReplyEvent(ev conn.Event) bool {
	return ev.Type == conn.EventMessage && ev.Dir == conn.In && (ev.Opcode == conn.OpText || ev.Opcode == conn.OpBinary)
}
