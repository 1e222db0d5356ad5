package export

import (
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// tail's line names the request a reply answers and how long it took, in
// ASCII where the terminal wants it.
func TestLineShowsTheReplyLink(t *testing.T) {
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	reply := conn.Event{Type: conn.EventMessage, Time: at, Seq: 13, Dir: conn.In, Opcode: conn.OpText,
		Payload: []byte(`{"id":7,"ok":true}`), Note: &conn.Note{Reply: &conn.Reply{To: 12, Latency: 23450 * time.Microsecond}}}
	r := history.FromEvent(reply)
	for _, c := range []struct {
		opts LineOptions
		want string
	}{
		{LineOptions{Location: time.UTC}, `←  text         18 B  ↩ #12 23.45ms · {"id":7,"ok":true}`},
		{LineOptions{Location: time.UTC, ascii: true}, `<- text         18 B  reply to #12 23.45ms | {"id":7,"ok":true}`},
	} {
		if got := string(AppendLine(nil, r, c.opts)); !strings.HasSuffix(got, c.want) {
			t.Errorf("line %q, want it to end %q", got, c.want)
		}
	}
	reply.Note = nil
	if got := FormatLine(history.FromEvent(reply), LineOptions{Location: time.UTC}); strings.Contains(got, "#12") {
		t.Errorf("a message that answers nothing names a request: %q", got)
	}
}
