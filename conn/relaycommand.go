package conn

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Command carries out one fault command, as typed on wsdbg proxy's stdin
// or in the debugger's composer: /close client|server CODE [REASON],
// /drop client|server, /pause, /resume, /delay D, /swallow N, or /conn N,
// which sets chosen, the connection the others act on (0: the newest
// open). The error is one line, for the user.
func (r *Relay) Command(line string, chosen *int) error {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return nil
	}
	usage := "unknown command " + strconv.Quote(fields[0]) +
		": use /close client|server CODE [REASON], /drop client|server, /pause, /resume, /delay D, /swallow N or /conn N"
	args := fields[1:]
	n := *chosen
	switch fields[0] {
	case "/close":
		if len(args) < 2 {
			return errors.New("/close needs a side and a code: /close client|server CODE [REASON]")
		}
		leg, err := parseLeg(args[0])
		if err != nil {
			return err
		}
		code, err := strconv.Atoi(args[1])
		if err != nil {
			return fmt.Errorf("/close: %q is not a close code", args[1])
		}
		// The reason is the rest of the line as typed, quotes around it
		// dropped.
		reason := strings.TrimSpace(line)
		for range 3 {
			reason = strings.TrimSpace(reason[strings.IndexAny(reason, " \t")+1:])
		}
		if len(args) == 2 {
			reason = ""
		}
		if u, err := strconv.Unquote(reason); err == nil {
			reason = u
		}
		return r.CloseLeg(n, leg, code, reason)
	case "/drop":
		if len(args) != 1 {
			return errors.New("/drop needs a side: /drop client|server")
		}
		leg, err := parseLeg(args[0])
		if err != nil {
			return err
		}
		return r.Drop(n, leg)
	case "/pause":
		return r.Pause(n)
	case "/resume":
		return r.Resume(n)
	case "/delay":
		if len(args) != 1 {
			return errors.New("/delay needs a duration such as 500ms (0 turns it off)")
		}
		d, err := time.ParseDuration(args[0])
		if err != nil && args[0] == "0" {
			d, err = 0, nil
		}
		if err != nil {
			return fmt.Errorf("/delay: %q is not a duration such as 500ms", args[0])
		}
		return r.SetDelay(n, d)
	case "/swallow":
		if len(args) != 1 {
			return errors.New("/swallow needs a number of messages")
		}
		count, err := strconv.Atoi(args[0])
		if err != nil {
			return fmt.Errorf("/swallow: %q is not a number of messages", args[0])
		}
		return r.Swallow(n, count)
	case "/conn":
		if len(args) != 1 {
			return fmt.Errorf("/conn needs a connection number; open now: %v", r.Open())
		}
		c, err := strconv.Atoi(args[0])
		if err != nil || c < 0 {
			return fmt.Errorf("/conn: %q is not a connection number", args[0])
		}
		*chosen = c
		return nil
	}
	return errors.New(usage)
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
