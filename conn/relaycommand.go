package conn

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// relayCommand is a fault command as parsed, its arguments checked.
type relayCommand struct {
	name   string // "/close", "/drop", "/pause", "/resume", "/delay", "/swallow" or "/conn"
	leg    Leg
	code   int
	reason string
	delay  time.Duration
	count  int // messages to swallow
	conn   int // the connection /conn chooses
}

// Command carries out one fault command, as typed on wsdbg proxy's stdin
// or in the debugger's composer: /close client|server CODE [REASON],
// /drop client|server, /pause, /resume, /delay D, /swallow N, or /conn N,
// which sets chosen, the connection the others act on (0: the newest
// open). The error is one line, for the user.
func (r *Relay) Command(line string, chosen *int) error {
	cmd, err := parseRelayCommand(line)
	if err != nil {
		if errors.Is(err, errConnNeedsNumber) {
			return fmt.Errorf("%w; open now: %v", err, r.Open())
		}
		return err
	}
	n := *chosen
	switch cmd.name {
	case "":
		return nil
	case "/close":
		return r.CloseLeg(n, cmd.leg, cmd.code, cmd.reason)
	case "/drop":
		return r.Drop(n, cmd.leg)
	case "/pause":
		return r.Pause(n)
	case "/resume":
		return r.Resume(n)
	case "/delay":
		return r.SetDelay(n, cmd.delay)
	case "/swallow":
		return r.Swallow(n, cmd.count)
	}
	*chosen = cmd.conn
	return nil
}

var errConnNeedsNumber = errors.New("/conn needs a connection number")

// parseRelayCommand parses a fault command and checks its arguments; an
// empty line is the command named "". The error is one line, for the
// user.
func parseRelayCommand(line string) (relayCommand, error) {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return relayCommand{}, nil
	}
	cmd := relayCommand{name: fields[0]}
	args := fields[1:]
	switch cmd.name {
	case "/close":
		if len(args) < 2 {
			return cmd, errors.New("/close needs a side and a code: /close client|server CODE [REASON]")
		}
		var err error
		if cmd.leg, err = parseLeg(args[0]); err != nil {
			return cmd, err
		}
		if cmd.code, err = strconv.Atoi(args[1]); err != nil {
			return cmd, fmt.Errorf("/close: %q is not a close code", args[1])
		}
		// The reason is the rest of the line as typed, quotes around it
		// dropped.
		cmd.reason = afterFields(line, 3)
		if u, err := strconv.Unquote(cmd.reason); err == nil {
			cmd.reason = u
		}
		return cmd, checkCloseCode(cmd.code, cmd.reason)
	case "/drop":
		if len(args) != 1 {
			return cmd, errors.New("/drop needs a side: /drop client|server")
		}
		var err error
		cmd.leg, err = parseLeg(args[0])
		return cmd, err
	case "/pause", "/resume":
		return cmd, nil
	case "/delay":
		if len(args) != 1 {
			return cmd, errors.New("/delay needs a duration such as 500ms (0 turns it off)")
		}
		d, err := time.ParseDuration(args[0])
		if err != nil && args[0] == "0" {
			d, err = 0, nil
		}
		if err != nil {
			return cmd, fmt.Errorf("/delay: %q is not a duration such as 500ms", args[0])
		}
		if d < 0 {
			return cmd, errors.New("a delay cannot be negative")
		}
		cmd.delay = d
		return cmd, nil
	case "/swallow":
		if len(args) != 1 {
			return cmd, errors.New("/swallow needs a number of messages")
		}
		count, err := strconv.Atoi(args[0])
		if err != nil || count < 0 {
			return cmd, fmt.Errorf("/swallow: %q is not a number of messages", args[0])
		}
		cmd.count = count
		return cmd, nil
	case "/conn":
		if len(args) != 1 {
			return cmd, errConnNeedsNumber
		}
		c, err := strconv.Atoi(args[0])
		if err != nil || c < 0 {
			return cmd, fmt.Errorf("/conn: %q is not a connection number", args[0])
		}
		cmd.conn = c
		return cmd, nil
	}
	return cmd, errors.New("unknown command " + strconv.Quote(cmd.name) +
		": use /close client|server CODE [REASON], /drop client|server, /pause, /resume, /delay D, /swallow N or /conn N")
}

// afterFields is s after its first n fields and the spaces around them,
// fields and spaces as strings.Fields has them.
func afterFields(s string, n int) string {
	for range n {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		end := strings.IndexFunc(s, unicode.IsSpace)
		if end < 0 {
			return ""
		}
		s = s[end:]
	}
	return strings.TrimSpace(s)
}

func parseLeg(s string) (Leg, error) {
	switch s {
	case "client":
		return LegClient, nil
	case "server":
		return LegServer, nil
	}
	return LegNone, fmt.Errorf("%q is not a side: use client or server", s)
}
