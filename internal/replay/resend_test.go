package replay

import (
	"fmt"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// chatRecording is a recorded session: three messages sent 200 ms apart,
// the replies the server gave then, and our close 200 ms after the last.
func chatRecording() history.Records {
	var recs history.Records
	add := func(ev conn.Event) { recs = append(recs, annotated(ev)) }
	add(conn.Event{Type: conn.EventOpen, Time: at(0), URL: "ws://recorded.example.com/chat", Status: 101})
	for i, m := range []string{"hello", "how are you", "bye"} {
		add(conn.Event{Type: conn.EventMessage, Time: at(200 * i), Dir: conn.Out, Opcode: conn.OpText, Payload: []byte(m)})
		add(conn.Event{Type: conn.EventMessage, Time: at(200*i + 5), Dir: conn.In, Opcode: conn.OpText,
			Payload: []byte(fmt.Sprintf(`{"echo":%q,"seq":%d}`, m, i))})
	}
	add(conn.Event{Type: conn.EventMessage, Time: at(300), Dir: conn.Out, Opcode: conn.OpPing})
	add(conn.Event{Type: conn.EventClose, Time: at(600), Dir: conn.Out, Code: 1000, HasCode: true})
	return recs
}

func TestPlanResendKeepsTheRecordedSpacing(t *testing.T) {
	p, err := PlanResend(chatRecording(), 2, false)
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	var waits []time.Duration
	for _, s := range p.Steps {
		if s.Op != conn.OpText {
			t.Errorf("step %q is %s, want text", s.Payload, s.Op)
		}
		sent, waits = append(sent, string(s.Payload)), append(waits, s.Wait)
	}
	// Pings are not resent; at speed 2 the 200 ms gaps are 100 ms.
	if fmt.Sprint(sent) != "[hello how are you bye]" || fmt.Sprint(waits) != "[0s 100ms 100ms]" {
		t.Errorf("steps %q after %v", sent, waits)
	}
	if p.Replies != 3 || p.tail != 100*time.Millisecond || p.Linger() != minLinger {
		t.Errorf("replies %d, tail %v, linger %v", p.Replies, p.tail, p.Linger())
	}
}

// A heartbeat answer the client sent on its own is not sent again: the
// client answers the new server's pings itself.
func TestPlanResendSkipsAutomaticMessages(t *testing.T) {
	recs := history.Records{
		annotated(conn.Event{Type: conn.EventOpen, Time: at(0), URL: "ws://h/socket.io/?EIO=4", Status: 101}),
		annotated(conn.Event{Type: conn.EventMessage, Time: at(10), Dir: conn.Out, Opcode: conn.OpText, Payload: []byte("40")}),
		annotated(conn.Event{Type: conn.EventMessage, Time: at(20), Dir: conn.In, Opcode: conn.OpText, Payload: []byte("2")}),
		annotated(conn.Event{Type: conn.EventMessage, Time: at(21), Dir: conn.Out, Opcode: conn.OpText, Payload: []byte("3"), Auto: true}),
		annotated(conn.Event{Type: conn.EventMessage, Time: at(30), Dir: conn.Out, Opcode: conn.OpText, Payload: []byte(`42["chat"]`)}),
	}
	p, err := PlanResend(recs, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, s := range p.Steps {
		sent = append(sent, string(s.Payload))
	}
	if fmt.Sprint(sent) != `[40 42["chat"]]` {
		t.Errorf("resends %q", sent)
	}
}

func TestPlanResendWithoutGaps(t *testing.T) {
	recs := history.Records{
		annotated(conn.Event{Type: conn.EventOpen, Time: at(0), URL: "ws://h/", Status: 101}),
		annotated(conn.Event{Type: conn.EventMessage, Time: at(60_000), Dir: conn.Out, Opcode: conn.OpBinary, Payload: []byte{1}}),
		annotated(conn.Event{Type: conn.EventClose, Time: at(3_600_000), Dir: conn.In, Code: 1000, HasCode: true}),
	}
	p, err := PlanResend(recs, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 1 || p.Steps[0].Wait != NoGapsMax || p.Steps[0].Op != conn.OpBinary || p.tail != NoGapsMax {
		t.Errorf("plan %+v", p)
	}
	if p, _ = PlanResend(recs, 1, false); p.Linger() != maxLinger {
		t.Errorf("an hour's tail lingers %v", p.Linger())
	}
}

func TestPlanResendRefusesAnUnreadableMessage(t *testing.T) {
	recs := history.Records{{Type: conn.EventMessage, Time: at(0), Dir: conn.Out, Opcode: conn.OpBinary, Base64: "not base64!"}}
	if _, err := PlanResend(recs, 1, false); err == nil {
		t.Error("planned a message that cannot be decoded")
	}
}
