package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/export"
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
	if !r.headless {
		return r.resendInDebugger(recorded, opts, dialects)
	}
	replayed, err := resendHeadless(rec, opts, r.speed, r.noGaps)
	if status := exitStatus(0); errors.As(err, &status) {
		return err
	}
	return r.reportReplay(recorded, replayed, opts, err)
}

// reportReplay prints the new session as tail does, records it, and lists
// where its replies differ from the recorded ones.
func (r *replayCmd) reportReplay(recorded, replayed history.Records, opts conn.Options, replayErr error) error {
	w := bufio.NewWriter(r.a.stdout)
	defer w.Flush()
	out, err := r.ui.record.start(opts)
	if err != nil {
		return err
	}
	red := r.ui.record.redactor()
	for _, rr := range replayed {
		if out != nil {
			out.AppendRecord(rr)
		}
		fmt.Fprintln(w, export.FormatLine(red.Record(rr), export.LineOptions{}))
	}
	if out != nil {
		out.Close()
		fmt.Fprintln(w, out.Summary())
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

// resendHeadless runs history.ResendTo until it ends or a quit signal
// interrupts it: the first one closes the connection, waiting at most a
// second for the answer; a second one gives up at once.
func resendHeadless(rec *history.Recording, opts conn.Options, speed float64, noGaps bool) ([]history.Record, error) {
	quit := watchQuit()
	defer quit.stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		records []history.Record
		err     error
	}
	done := make(chan result, 1)
	go func() {
		records, err := replay.Resend(ctx, rec, opts, speed, noGaps)
		done <- result{records, err}
	}()
	interrupted := false
	for {
		select {
		case res := <-done:
			if interrupted {
				res.err = errors.New("interrupted before the replay finished")
			}
			return res.records, res.err
		case sig := <-quit:
			if interrupted {
				return nil, exitStatus(signalStatus(sig))
			}
			interrupted = true
			cancel()
		}
	}
}

// resendInDebugger opens the debugger on a live connection and, once it is
// open, sends the recorded outgoing messages with their recorded spacing
// (divided by speed, pauses capped with noGaps). The session is recorded
// like any other.
func (r *replayCmd) resendInDebugger(recorded history.Records, opts conn.Options, dialects *decode.Dialects) error {
	plan, err := replay.PlanResend(recorded, r.speed, r.noGaps)
	if err != nil {
		return err
	}
	rec, err := r.ui.record.start(opts)
	if err != nil {
		return err
	}
	opts.RedialOnRequest = true
	s := startLive(opts, rec, r.a.stderr)
	defer s.c.Shutdown()
	defer s.finishRecording()

	opened, ended := make(chan struct{}), make(chan struct{})
	var openOnce, endOnce sync.Once
	to := debuggerOptions(opts, &r.ui, dialects)
	to.Title = "wsdbg replay"
	to.Expected = recorded
	to.OnEvent = func(ev conn.Event) {
		switch ev.Type {
		case conn.EventOpen:
			openOnce.Do(func() { close(opened) })
		case conn.EventClose, conn.EventError:
			endOnce.Do(func() { close(ended) })
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sending := s.send(ctx, planSender(plan, opened, ended))
	return s.runDebugger(to, func() {
		cancel()
		<-sending
	})
}
