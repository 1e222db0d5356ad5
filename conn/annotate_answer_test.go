package conn

import (
	"strings"
	"testing"
)

// A close that answers the other side's close with the same code is told
// as the answer it is; the code's meaning stays with the close answered.
func TestCloseAnswersAreToldAsAnswers(t *testing.T) {
	closeFrame := func(dir Direction, leg Leg, code int) Event {
		return Event{Type: EventClose, Dir: dir, Leg: leg, Opcode: OpClose, Code: code, HasCode: code != 1005}
	}
	injected := func(ev Event) Event { ev.Injected = true; return ev }
	cases := []struct {
		name   string
		events []Event
		answer []bool // per close, whether it is told as an answer
	}{
		{"wsdbg closes, the server echoes", []Event{closeFrame(Out, 0, 4001), closeFrame(In, 0, 4001)}, []bool{false, true}},
		{"the server closes, wsdbg echoes", []Event{closeFrame(In, 0, 4001), closeFrame(Out, 0, 4001)}, []bool{false, true}},
		{"an answer without a code", []Event{closeFrame(In, 0, 1001), closeFrame(Out, 0, 1005)}, []bool{false, true}},
		{"an answer with a code of its own", []Event{closeFrame(Out, 0, 1000), closeFrame(In, 0, 1011)}, []bool{false, false}},
		{"proxy: injected to the client, its answer, the server's answer",
			[]Event{injected(closeFrame(Out, LegClient, 4001)), closeFrame(In, LegClient, 4001), closeFrame(In, LegServer, 4001)},
			[]bool{false, true, true}},
		{"proxy: the server closes, the client answers",
			[]Event{closeFrame(In, LegServer, 4001), closeFrame(In, LegClient, 4001)}, []bool{false, true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := NewAnnotator(Options{})
			open := Event{Type: EventOpen, URL: "ws://example.test/", Status: 101}
			a.Annotate(&open)
			for i, ev := range c.events {
				a.Annotate(&ev)
				told := strings.Contains(ev.Note.Explanation.Explanation, "answer to the")
				if told != c.answer[i] {
					t.Errorf("close %d (%d): told as an answer %v, want %v: %q", i, ev.Code, told, c.answer[i], ev.Note.Explanation.Explanation)
				}
			}
		})
	}
}
