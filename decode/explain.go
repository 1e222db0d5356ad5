package decode

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Lookup explains a term the way `wsdbg explain` takes it: a close code
// ("1006"), an HTTP status on the upgrade ("http 403"), a failure cause
// ("accept-mismatch"), or a whole message to check for an error envelope.
// ctx picks the dialect for private codes and envelopes.
func Lookup(term string, ctx CloseContext) (Explanation, error) {
	term = strings.TrimSpace(term)
	if term == "" {
		return Explanation{}, errors.New("nothing to explain")
	}
	if code, err := strconv.Atoi(term); err == nil {
		if code < 0 {
			return Explanation{}, fmt.Errorf("%d is not a close code; to explain an error code, pass the whole message that carries it", code)
		}
		return ExplainClose(code, "", ctx), nil
	}
	if status, ok := httpStatusTerm(term); ok {
		return ExplainFailure(Failure{Kind: KindHandshake, Cause: CauseHTTPStatus, Status: status}), nil
	}
	if info, ok := lookupFailure(strings.ToLower(term)); ok {
		return ExplainFailure(Failure{Kind: info.kind, Cause: info.cause}), nil
	}
	env, ok := DetectEnvelope([]byte(term), EnvelopeContext{Subprotocol: ctx.Subprotocol, Host: ctx.Host, Dialects: ctx.Dialects})
	if ok {
		return envelopeSummary(env), nil
	}
	if first := firstNonSpace([]byte(term)); first == '{' || first == '[' {
		return Explanation{}, errors.New("this message does not look like an error reply")
	}
	return Explanation{}, fmt.Errorf("%s is not a close code, an HTTP status (http 403), a failure cause, or a message", quote(truncate(term, 60)))
}

// httpStatusTerm reads "http 403", "http:403", "http/403" or "HTTP403".
func httpStatusTerm(term string) (int, bool) {
	rest, ok := strings.CutPrefix(strings.ToLower(term), "http")
	if !ok {
		return 0, false
	}
	rest = strings.TrimLeft(rest, " :/-")
	status, err := strconv.Atoi(rest)
	if err != nil || status < 100 || status > 599 {
		return 0, false
	}
	return status, true
}

// envelopeSummary turns a detected envelope into one Explanation, naming
// the format, the code and the message even when the code is unknown.
func envelopeSummary(env Envelope) Explanation {
	e := env.Explanation
	label := "Error reply (" + env.Format + ")"
	if code := env.CodeText(); code != "" {
		label += " " + code
	}
	if e.Name == "" {
		e.Name = label
		e.Category = "application-level"
		e.Source = SourceServer
		e.Explanation = "The message is an error reply in the " + env.Format + " shape; its code is not one wsdbg knows."
		e.Hint = "Look the code up in the service's documentation, or describe it in a dialect file."
	} else {
		e.Name = label + ": " + e.Name
	}
	if env.Message != "" {
		e.Explanation += " Its message: " + quote(env.Message)
	}
	return e
}

// FormatExplanation renders an explanation as plain text for a terminal,
// wrapped to 78 columns. Every field is sanitised.
func FormatExplanation(e Explanation) string {
	var b strings.Builder
	closeCode := isCloseCategory(e.Category)
	title := Sanitize(e.Name)
	if closeCode && e.Code != 0 {
		title = strconv.Itoa(e.Code) + " " + title
	}
	b.WriteString(title + "\n")
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "  %-11s %s\n", name+":", Sanitize(value))
		}
	}
	field("Category", e.Category)
	field("Sent by", e.Source)
	field("Dialect", e.Dialect)
	field("Reconnect", map[bool]string{true: "yes", false: "no"}[e.Reconnect])
	switch {
	case closeCode && e.Code != 0:
		field("On wire", onWireText(e.Code))
	case e.Code != 0:
		field("Close code", strconv.Itoa(e.Code))
	}
	if e.Explanation != "" {
		b.WriteString("\n")
		b.WriteString(wrap(Sanitize(e.Explanation), 78, "  "))
	}
	if e.Hint != "" {
		b.WriteString("\n")
		b.WriteString(wrap("What to do: "+Sanitize(e.Hint), 78, "  "))
	}
	return b.String()
}

func isCloseCategory(c string) bool {
	switch c {
	case CategoryStandard, CategoryLocalOnly, CategoryReserved, CategoryRegistered, CategoryPrivate, CategoryInvalid:
		return true
	}
	return false
}

func onWireText(code int) string {
	if ValidOnWire(code) {
		return "yes, legal in a close frame"
	}
	return "no, never valid in a close frame"
}

// FormatCodeTable renders close code rows as an aligned plain-text table
// that fits 80 columns. A convention's meaning of a private code shows
// "convention" as its category, so that it is not read as a standard.
func FormatCodeTable(codes []CodeInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s  %-36s  %-10s  %-7s  %s\n", "CODE", "NAME", "CATEGORY", "ON WIRE", "RECONNECT")
	yesNo := map[bool]string{true: "yes", false: "no"}
	for _, c := range codes {
		code := strconv.Itoa(c.First)
		if c.Last != c.First {
			code += "–" + strconv.Itoa(c.Last)
		}
		category := c.Category
		if c.Dialect != "" {
			category = "convention"
		}
		fmt.Fprintf(&b, "%-10s  %-36s  %-10s  %-7s  %s\n", code,
			Sanitize(c.Name), category, yesNo[c.OnWire], yesNo[c.Reconnect])
	}
	return b.String()
}

// FormatCauseTable renders failure causes as an aligned plain-text table.
func FormatCauseTable(causes []CauseInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s  %-38s  %-5s  %s\n", "KIND", "CAUSE", "CODE", "NAME")
	for _, c := range causes {
		code := ""
		if c.Code != 0 {
			code = strconv.Itoa(c.Code)
		}
		fmt.Fprintf(&b, "%-10s  %-38s  %-5s  %s\n", c.Kind, c.Cause, code, Sanitize(c.Name))
	}
	return b.String()
}

// wrap breaks text into lines of at most width columns (counting runes),
// each starting with indent, and ends with a newline. A `code span` is
// never split, so commands stay copyable.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, word := range wrapUnits(text) {
		if utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width && line != indent {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	if line != indent {
		b.WriteString(line + "\n")
	}
	return b.String()
}

// wrapUnits splits text at spaces, except inside backquotes.
func wrapUnits(text string) []string {
	var units []string
	open := false
	for _, f := range strings.Fields(text) {
		if open {
			units[len(units)-1] += " " + f
		} else {
			units = append(units, f)
		}
		if strings.Count(f, "`")%2 == 1 {
			open = !open
		}
	}
	return units
}
