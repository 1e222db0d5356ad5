package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/replay"
	"github.com/wsdbg/wsdbg/tui"
)

// replayCmd holds replay's flags.
type replayCmd struct {
	a        *app
	conn     connFlags
	ui       uiFlags
	to       string
	headless bool
	play     bool
	speed    float64
	noGaps   bool
}

func newReplayCmd(a *app) *cobra.Command {
	r := &replayCmd{a: a}
	cmd := &cobra.Command{
		Use:         "replay FILE [--play [--speed X] [--no-gaps]]",
		Short:       "browse a recording (or a HAR), or send it again",
		Annotations: map[string]string{formsAnnotation: "replay FILE --to URL [connection flags] [--speed X] [--no-gaps] [--tail]"},
		Long: `Opens a recording (or a HAR file exported from Chrome DevTools) in the
debugger, offline: the whole session at once, or with --play in time.
While replaying: p play/pause (from the selected row), . step, -/+ speed,
z no gaps, [ ] seek back/forward, 0 restart.

With --to, connects to a live endpoint and sends it the recording's
outgoing messages with their original spacing, in the debugger: the new
session is recorded, every reply that differs from the recorded one is
marked DIFF, and the inspector shows both side by side with the JSON paths
that changed. With --tail, prints the new session as tail does instead and
lists where the replies differ. Credentials come from the flags (-H ...),
never from the recording.

Exit status with --to --tail: 0 when every reply matched, 1 when some
differ or the connection failed.`,
		Example: `  wsdbg replay ~/.local/state/wsdbg/sessions/2026-11-22T02-10-00_api.example.com.wsdbg.jsonl
  wsdbg replay session.har --play --speed 4
  wsdbg replay bug.wsdbg.jsonl --to ws://localhost:8080/ws -H 'Authorization: Bearer TOKEN'
  wsdbg replay bug.wsdbg.jsonl --to ws://localhost:8080/ws --no-gaps --tail`,
		RunE: func(_ *cobra.Command, args []string) error { return r.run(args) },
	}
	r.conn.register(cmd)
	r.ui.register(cmd, a.version)
	fs := cmd.Flags()
	fs.StringVar(&r.to, "to", "", "send the recording's messages to `URL`")
	fs.BoolVar(&r.headless, "tail", false, "with --to: print the new session and the differences instead of opening the debugger")
	fs.BoolVar(&r.play, "play", false, "play the recording in time instead of showing it at once")
	fs.Float64Var(&r.speed, "speed", 1, "playback speed `X`, 0.5 to 20")
	fs.BoolVar(&r.noGaps, "no-gaps", false, "shorten every pause to at most a quarter second")
	noCompletion(cmd, "to", "speed")
	return cmd
}

func (r *replayCmd) run(positional []string) error {
	a := r.a
	if err := r.validate(positional); err != nil {
		return err
	}
	r.ui.record.announce(a.stderr)
	if !r.headless && (!isTerminal(os.Stdout) || !isTerminal(os.Stdin)) {
		if r.to != "" {
			return usagef("the debugger needs a terminal; add --tail to print the replay instead")
		}
		return usagef("the debugger needs a terminal; use 'wsdbg tail FILE' to print a recording")
	}
	rec, err := openRecording(positional[0], os.Stdin, "")
	if err != nil {
		return err
	}
	defer rec.Close()
	reportProblems(a.stderr, rec.Path(), rec.Problems())
	dialects, err := loadDialects(r.ui.dialects)
	if err != nil {
		return usageError{err.Error()}
	}
	if r.to != "" {
		opts, err := r.conn.options(r.to)
		if err != nil {
			return err
		}
		opts.Dialects = dialects
		return r.resend(rec, opts, dialects)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hdr := rec.Header()
	o := debuggerOptions(conn.Options{URL: hdr.URL, Header: hdr.RequestHeaders}, &r.ui, dialects)
	o.Title = "wsdbg replay"
	o.Source = tui.NewReplay(ctx, rec, tui.ReplayOptions{InTime: r.play, Speed: r.speed, NoGaps: r.noGaps})
	return tui.Run(ctx, o)
}

func (r *replayCmd) validate(positional []string) error {
	switch {
	case len(positional) != 1:
		return usagef("replay needs one recording file")
	case r.speed < replay.MinSpeed || r.speed > replay.MaxSpeed:
		return usagef("--speed must be between %g and %d", replay.MinSpeed, replay.MaxSpeed)
	case r.headless && r.to == "":
		return usagef("--tail goes with --to URL")
	case r.play && r.to != "":
		return usagef("--play replays offline; with --to the messages are sent in time anyway")
	}
	return r.ui.validate()
}

// resend sends a recording's outgoing messages to a live endpoint and
// compares the replies with the recorded ones: in the debugger, which marks
// each reply that differs as it arrives, or headless, printing the session
// and then the differences.
func (r *replayCmd) resend(rec *history.Recording, opts conn.Options, dialects *decode.Dialects) error {
	recorded := readRecords(rec)
	masked := 0
	for _, rr := range recorded {
		if rr.Type == conn.EventMessage && rr.Dir == conn.Out && strings.Contains(rr.Text, "[redacted:") {
			masked++
		}
	}
	if masked > 0 {
		fmt.Fprintf(r.a.stderr, "wsdbg: %d recorded messages had credentials redacted and are sent as recorded; record with --no-redact to replay them as they were\n", masked)
	}
	plan, err := replay.PlanResend(recorded, r.speed, r.noGaps)
	if err != nil {
		return err
	}
	out, err := r.ui.record.start(opts)
	if err != nil {
		return err
	}
	if !r.headless {
		return r.resendInDebugger(recorded, plan, out, opts, dialects)
	}
	return r.resendHeadless(recorded, plan, out, opts)
}

// replayedSession is what replay --to --tail notes of the new session.
type replayedSession struct {
	records history.Records
	opened  bool
	failure *history.Record // how the connection failed before it opened
	replies int             // incoming data messages so far
	want    int             // incoming data messages in the recording
	allIn   chan struct{}   // closed once want replies are in
}

func newReplayedSession(want int) *replayedSession {
	rs := &replayedSession{want: want, allIn: make(chan struct{})}
	if want == 0 {
		close(rs.allIn)
	}
	return rs
}

func (rs *replayedSession) observe(ev conn.Event) {
	r := history.FromEvent(ev)
	rs.records = append(rs.records, r)
	switch {
	case ev.Type == conn.EventOpen:
		rs.opened = true
	case !rs.opened && (ev.Type == conn.EventError || ev.Type == conn.EventClose):
		rs.failure = &r
	case r.IsDataMessage() && r.Dir == conn.In:
		rs.replies++
		if rs.replies == rs.want {
			close(rs.allIn)
		}
	}
}

// resendHeadless sends the plan's messages as the debugger would, prints
// the new session as tail does and records it; once every reply is in or
// the recording's tail has passed, it closes with 1000 and lists where the
// replies differ from the recorded ones. A quit signal closes with 1001
// (the replay goes away unfinished), a second one exits at once.
func (r *replayCmd) resendHeadless(recorded history.Records, plan replay.ResendPlan, rec *history.Writer, opts conn.Options) error {
	if rec != nil {
		defer rec.Close()
	}
	opts.Reconnect = false
	gate := newPlanGate()
	rs := newReplayedSession(plan.Replies)
	var sendErr error
	t := newTailSession(rec, r.ui.record.redactor(), false, r.a.stdout)
	status := runHeadless(opts, t, headless{
		snd: listenAfter(planSender(plan.Steps, gate), plan.Linger(), rs.allIn, gate.ended),
		sent: func(err error) {
			sendErr = err
			if !t.closeSent {
				t.closeSent = true
				t.c.CloseWhenSent(1000, "replay finished")
			}
		},
		closeCode: func(os.Signal) int { return 1001 },
		observe: func(ev conn.Event) {
			gate.observe(ev)
			rs.observe(ev)
		},
	}, r.a.stderr)
	if t.interrupts > 1 || t.outErr != nil {
		return statusError(status) // said already, or nowhere to say it
	}
	var replayErr error
	switch {
	case t.interrupts > 0:
		replayErr = errors.New("interrupted before the replay finished")
	case !rs.opened && rs.failure != nil:
		replayErr = fmt.Errorf("could not connect: %s", describe(*rs.failure))
	case !rs.opened:
		replayErr = errors.New("could not connect")
	default:
		replayErr = sendErr
	}
	return r.reportReplay(recorded, rs.records, rec, replayErr)
}

// listenAfter runs snd, then listens for the replies still missing: it
// returns once allIn is closed, linger has passed or the connection has
// ended.
func listenAfter(snd sender, linger time.Duration, allIn, ended <-chan struct{}) sender {
	return func(ctx context.Context, c *conn.Client) error {
		if err := snd(ctx, c); err != nil {
			return err
		}
		wait := time.NewTimer(linger)
		defer wait.Stop()
		select {
		case <-allIn:
		case <-wait.C:
		case <-ended:
		case <-ctx.Done():
		}
		return nil
	}
}

// reportReplay says where the session was recorded and lists where its
// replies differ from the recorded ones.
func (r *replayCmd) reportReplay(recorded, replayed history.Records, rec *history.Writer, replayErr error) error {
	w := bufio.NewWriter(r.a.stdout)
	defer w.Flush()
	if rec != nil {
		rec.Close()
		fmt.Fprintln(w, rec.Summary())
	}
	diffs := replay.Diff(recorded, replayed)
	if len(diffs) == 0 && replayErr == nil {
		fmt.Fprintln(w, "every reply matched the recording")
		return nil
	}
	for _, d := range diffs {
		fmt.Fprintln(w, "differs:", d.Summary)
	}
	if replayErr != nil {
		return replayErr
	}
	return fmt.Errorf("%d replies differ from the recording", len(diffs))
}

// describe names a close or failure record in a sentence.
func describe(r history.Record) string {
	var f decode.Failure
	if r.Failure != nil {
		f = *r.Failure
	}
	var parts []string
	switch r.Type {
	case conn.EventClose:
		parts = append(parts, fmt.Sprintf("closed with %d", r.Code))
	default:
		parts = append(parts, f.Kind)
	}
	for _, s := range []string{r.Name, f.Message} {
		if s != "" {
			parts = append(parts, decode.Sanitize(s))
		}
	}
	return strings.Join(parts, ": ")
}

// resendInDebugger opens the debugger on a live connection and, once it is
// open, sends the recorded outgoing messages with their recorded spacing
// (divided by speed, pauses capped with noGaps). The session is recorded
// like any other.
func (r *replayCmd) resendInDebugger(recorded history.Records, plan replay.ResendPlan, rec *history.Writer, opts conn.Options, dialects *decode.Dialects) error {
	opts.RedialOnRequest = true
	s := startLive(opts, rec, r.a.stderr)
	defer s.c.Shutdown()
	defer s.finishRecording()

	gate := newPlanGate()
	to := debuggerOptions(opts, &r.ui, dialects)
	to.Title = "wsdbg replay"
	to.Expected = recorded
	to.OnEvent = gate.observe
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sending := s.send(ctx, planSender(plan.Steps, gate))
	return s.runDebugger(to, func() {
		cancel()
		<-sending
	})
}
