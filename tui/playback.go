package tui

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	replays "github.com/wsdbg/wsdbg/internal/replay"
)

// A replay played in time is driven by a replays.Player that the model
// reads directly, not through the pump: pausing then stops delivery at
// once, and every delivery carries its index in the recording, which is how
// the model tells current events from ones read before a seek.

// playSpeeds are the steps the slower and faster keys move through.
var playSpeeds = []float64{0.5, 1, 2, 4, 10, 20}

// playFrame is how long a read keeps collecting events after the first, so
// that a dense stretch at high speed is shown in a few updates rather than
// one per event.
const playFrame = 15 * time.Millisecond

// playback is the state of a replay being played in time.
type playback struct {
	rec     Recording
	player  *replays.Player
	playing bool
	speed   float64
	noGaps  bool
	next    int       // recording index of the event the log takes next
	at      time.Time // time of the latest event shown: the replay's "now"
}

// playedMsg is what one read of the player collected, in order.
type playedMsg []replays.Played

func newPlayback(ctx context.Context, rec Recording, clock replays.Clock, from int, start playStart) *playback {
	p := &playback{rec: rec, player: replays.NewPlayer(rec, clock), next: from, noGaps: start.noGaps,
		speed: min(max(start.speed, replays.MinSpeed), replays.MaxSpeed)}
	context.AfterFunc(ctx, p.player.Close)
	p.player.SetNoGaps(start.noGaps)
	p.play()
	return p
}

// play starts the player where the log stands, so that it never runs ahead
// of what is shown: an event already on its way is taken once, and its
// second delivery is dropped as stale.
func (p *playback) play() {
	p.playing = true
	p.player.Seek(p.next)
	p.player.Play(p.speed)
}

// atEnd reports whether the whole recording has been played.
func (p *playback) atEnd() bool {
	select {
	case <-p.rec.Done():
		return p.next >= p.rec.Len()
	default:
		return false // more may come
	}
}

// read is a command that waits for the player's next delivery and whatever
// follows within a frame.
func (p *playback) read() tea.Cmd {
	events := p.player.Events()
	return func() tea.Msg {
		first, ok := <-events
		if !ok {
			return nil
		}
		got := playedMsg{first}
		frame := time.NewTimer(playFrame)
		defer frame.Stop()
		for !got[len(got)-1].End && len(got) < maxBatch {
			select {
			case pb, ok := <-events:
				if !ok {
					return got
				}
				got = append(got, pb)
			case <-frame.C:
				return got
			}
		}
		return got
	}
}

// startSource starts taking events from the source: through the pump, or
// from a player when the source is a replay to be played in time. A whole
// recording that nothing else watches is browsed in place.
func (m *model) startSource(ctx context.Context) {
	if r, ok := m.opts.Source.(*Replay); ok {
		if r.timed != nil {
			m.play = newPlayback(r.ctx, r.rec, m.clock, 0, *r.timed)
			return
		}
		if m.opts.OnEvent == nil && m.startBrowse(r.feedCtx, r.rec) {
			return
		}
	}
	m.pump = startPump(ctx, m.opts.Source, m.opts.OnEvent)
}

// stopSource stops taking events; the source itself is left alone.
func (m *model) stopSource() {
	if m.pump != nil {
		m.pump.stop()
	}
	if m.play != nil {
		m.play.player.Close()
	}
}

// nextFromSource asks for the next events, wherever they come from.
func (m *model) nextFromSource() tea.Cmd {
	switch {
	case m.play != nil:
		return m.play.read()
	case m.browse != nil:
		return m.browse.poll()
	case m.pump != nil:
		return m.pump.next()
	}
	return nil
}

// takePlayed shows the deliveries that belong where the playback is and
// drops the ones read before a seek moved it.
func (m *model) takePlayed(msg playedMsg) tea.Cmd {
	p := m.play
	if p == nil {
		return nil
	}
	before := m.store.len()
	for _, pb := range msg {
		if pb.Index != p.next {
			continue
		}
		if pb.End {
			p.playing = false
			m.sess.ended, m.sess.state = true, stateClosed
			continue
		}
		ev := pb.Event
		if pb.Err != nil {
			ev = unreadableEvent(pb.Err)
		} else {
			p.at = ev.Time
		}
		m.ingest(ev)
		p.next++
	}
	return tea.Batch(m.showIngested(before), p.read())
}

// replayKey handles the playback keys; it reports whether msg was one.
func (m *model) replayKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	r, ok := m.opts.Source.(*Replay)
	if !ok {
		return nil, false
	}
	k := m.keys.Replay
	if m.play == nil {
		if key.Matches(msg, k.PlayPause) {
			return m.playFromSelection(r), true
		}
		return nil, false
	}
	p := m.play
	switch {
	case key.Matches(msg, k.PlayPause):
		switch {
		case p.playing:
			p.playing = false
			p.player.Pause()
		case p.atEnd():
			m.seekTo(0)
			p.play()
		default:
			p.play()
		}
	case key.Matches(msg, k.Step):
		p.playing = false
		p.player.Step()
	case key.Matches(msg, k.Slower):
		m.changeSpeed(-1)
	case key.Matches(msg, k.Faster):
		m.changeSpeed(1)
	case key.Matches(msg, k.NoGaps):
		p.noGaps = !p.noGaps
		p.player.SetNoGaps(p.noGaps)
	case key.Matches(msg, k.Back):
		m.seekTo(p.next - m.seekStride())
	case key.Matches(msg, k.Forward):
		skipped := min(m.seekStride(), p.rec.Len()-p.next)
		if skipped == 0 {
			return m.setNotice("already at the end of the recording", false), true
		}
		m.seekTo(p.next + skipped)
		noun := "events"
		if skipped == 1 {
			noun = "event"
		}
		return m.setNotice(fmt.Sprintf("skipped %s %s", groupThousands(skipped), noun), false), true
	case key.Matches(msg, k.Restart):
		m.seekTo(0)
	default:
		return nil, false
	}
	return nil, true
}

// replaying reports whether the source is a recording.
func (m *model) replaying() bool {
	_, ok := m.opts.Source.(*Replay)
	return ok
}

// playFromSelection turns a whole-log replay into a playback in time that
// starts at the selected row.
func (m *model) playFromSelection(r *Replay) tea.Cmd {
	from := 0
	if m.displayLen() > 0 {
		from = m.rowAt(m.sel) // a whole-log replay has one row per event
	}
	if m.pump != nil {
		m.pump.stop()
		m.pump = nil
	}
	r.stopFeed()
	m.browse = nil
	m.resetLog()
	m.play = newPlayback(r.ctx, r.rec, m.clock, from, playStart{speed: 1})
	return m.play.read()
}

// seekStride is a tenth of the recording.
func (m *model) seekStride() int { return max(1, m.play.rec.Len()/10) }

// seekTo moves the playback to event i. Going back empties the log, which
// then fills again from event i; going forward keeps it and skips the
// events in between.
func (m *model) seekTo(i int) {
	p := m.play
	i = min(max(i, 0), p.rec.Len())
	if i < p.next {
		m.resetLog()
	}
	p.next = i
	p.player.Seek(i)
}

// changeSpeed moves to the next slower (dir -1) or faster (dir 1) step.
func (m *model) changeSpeed(dir int) {
	p := m.play
	next := p.speed
	if dir > 0 {
		for _, s := range playSpeeds {
			if s > p.speed {
				next = s
				break
			}
		}
	} else {
		for _, s := range playSpeeds {
			if s < p.speed {
				next = s
			}
		}
	}
	p.speed = next
	if p.playing {
		p.player.Play(p.speed)
	}
}

// resetLog empties the log so that a playback can start over at another
// point of the recording. What identifies the connection is kept, so that
// messages are explained as before and times count from the same origin.
func (m *model) resetLog() {
	m.store = newStore()
	m.rowCache.reset()
	m.seqs = seqIndex{}
	m.shown, m.scanned, m.anchor = m.shown[:0], 0, -1
	m.scanGen++ // a scan under way was over the old rows
	m.sel, m.top, m.unseen = 0, 0, 0
	m.insp.Invalidate()
	s := m.sess
	m.sess = session{
		state: stateConnecting, url: s.url, host: s.host, subprotocol: s.subprotocol, extensions: s.extensions,
		protocol: s.protocol, openedAt: s.openedAt, firstOpen: s.firstOpen, firstEvent: s.firstEvent, pingsOn: s.pingsOn, lastTick: s.lastTick,
	}
	if !s.firstOpen.IsZero() {
		m.sess.state = stateOpen
	}
	if m.play != nil {
		m.play.at = time.Time{}
	}
}

// headerNow is the time the header measures against: the latest event shown
// while playing a recording in time, its last event loaded in any other
// replay, the clock in a live session.
func (m *model) headerNow() time.Time {
	if m.play != nil && !m.play.at.IsZero() {
		return m.play.at
	}
	if m.live == nil && m.px == nil && m.store.len() > 0 {
		// A recording's clock stops at its last event, not at today's.
		return time.Unix(0, m.store.row(m.store.len()-1).at)
	}
	return m.now()
}

// replayBadge is the header's mark for a replay: where a playback in time
// stands, e.g. "REPLAY ▶ 2× 1,234/56,789".
func (m *model) replayBadge() string {
	p := m.play
	if p == nil {
		return " REPLAY "
	}
	state := "❚❚"
	if p.playing {
		state = "▶"
	}
	gaps := ""
	if p.noGaps {
		gaps = " no gaps"
	}
	return fmt.Sprintf(" REPLAY %s %s×%s %s/%s ", state, strconv.FormatFloat(p.speed, 'g', 3, 64), gaps,
		groupThousands(p.next), groupThousands(p.rec.Len()))
}

// groupThousands writes n (not negative) with commas between groups of three digits.
func groupThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
