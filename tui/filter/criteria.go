package filter

import (
	"bytes"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// Ops narrows the log to one kind of frame.
type Ops uint8

// The kinds of frame the log can be narrowed to, in the order the opcode
// toggle goes through them.
const (
	OpsAll Ops = iota
	OpsText
	OpsBinary
	OpsControl
	OpsEvents
	opsCount
)

func (o Ops) String() string {
	return [...]string{"all", "text", "binary", "control", "events"}[o]
}

// regexPrefix starts a query that is a regular expression.
const regexPrefix = "re:"

// Criteria decide which rows the log shows and which text the search finds.
// The zero value lets everything through.
type Criteria struct {
	query      string // as typed; a "re:" prefix makes it a regular expression
	regex      bool   // the regex toggle, same effect as the prefix
	findOnly   bool   // find mode: keep every row, highlight and jump with n/N
	dir        conn.Direction
	ops        Ops
	errorsOnly bool

	// Compiled from query.
	re     *regexp.Regexp
	needle []byte
	fold   bool
	err    string

	// pieces is text that every match holds (see MayMatchEscaped), longest
	// first; piecesFold: they are found ignoring ASCII case.
	pieces     [][]byte
	piecesFold bool
}

// compile prepares the query for matching. A bad regular expression leaves
// the text part of the filter off and says why.
func (c *Criteria) compile() {
	c.re, c.needle, c.err = nil, nil, ""
	c.pieces, c.piecesFold = nil, false
	q := c.query
	isRegex := c.regex
	if strings.HasPrefix(q, regexPrefix) {
		q, isRegex = strings.TrimPrefix(q, regexPrefix), true
	}
	if q == "" {
		return
	}
	c.fold = !hasUpper(q)
	if isRegex {
		expr := q
		if c.fold {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			c.err = err.Error()
			return
		}
		c.re = re
		c.pieces, c.piecesFold = requiredPieces(expr)
		return
	}
	if c.fold {
		q = strings.ToLower(q)
	}
	c.needle = []byte(q)
	c.pieces, c.piecesFold = longestPieces(escapeSafePieces(nil, c.needle, false)), c.fold
}

func hasUpper(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

// HasText reports whether there is a text query to match.
func (c *Criteria) HasText() bool { return c.re != nil || len(c.needle) > 0 }

// Hides reports whether some rows are left out of the log.
func (c *Criteria) Hides() bool {
	return c.dir != 0 || c.ops != OpsAll || c.errorsOnly || c.HasText() && !c.findOnly
}

// Set reports whether anything differs from the zero Criteria that a
// clear would undo.
func (c *Criteria) Set() bool { return c.query != "" || c.Hides() }

// FindOnly reports whether the text query only finds rows, hiding none.
func (c *Criteria) FindOnly() bool { return c.findOnly }

// Direction is the only direction shown; 0 shows both.
func (c *Criteria) Direction() conn.Direction { return c.dir }

// Ops is the kind of frame shown.
func (c *Criteria) Ops() Ops { return c.ops }

// ErrorsOnly reports whether only errors are shown.
func (c *Criteria) ErrorsOnly() bool { return c.errorsOnly }

// Err is why the query is not a regular expression, or "".
func (c *Criteria) Err() string { return c.err }

// CanRuleOut reports whether MayMatchEscaped can tell a text holds no
// match: some text that every match holds is printable ASCII.
func (c *Criteria) CanRuleOut() bool { return len(c.pieces) > 0 }

// MayMatchEscaped reports whether a text, written as a JSON string that
// holds printable ASCII other than '"' and '\\' as it is (and anything
// after the string), may match the text query; false means no match,
// since some text that every match holds is missing.
func (c *Criteria) MayMatchEscaped(json []byte) bool {
	for _, p := range c.pieces {
		if c.piecesFold && !containsFold(json, p) || !c.piecesFold && !bytes.Contains(json, p) {
			return false
		}
	}
	return true
}

// Match reports whether p matches the text query.
func (c *Criteria) Match(p []byte) bool {
	if c.re != nil {
		return c.re.Match(p)
	}
	if c.fold {
		return containsFold(p, c.needle)
	}
	return bytes.Contains(p, c.needle)
}

// Highlight returns the byte ranges of text that match the query, at most
// 16.
func (c *Criteria) Highlight(text string) [][2]int {
	if !c.HasText() {
		return nil
	}
	var out [][2]int
	if c.re != nil {
		for _, loc := range c.re.FindAllStringIndex(text, 16) {
			if loc[1] > loc[0] {
				out = append(out, [2]int{loc[0], loc[1]})
			}
		}
		return out
	}
	hay := text
	if c.fold {
		hay = asciiLower(text)
	}
	needle := string(c.needle)
	for start := 0; len(out) < 16; {
		k := strings.Index(hay[start:], needle)
		if k < 0 {
			break
		}
		out = append(out, [2]int{start + k, start + k + len(needle)})
		start += k + len(needle)
	}
	return out
}

// Summary describes the criteria in a few words, sanitised; "" when they
// let everything through.
func (c *Criteria) Summary() string {
	var parts []string
	if c.query != "" {
		q := decode.Sanitize(c.query)
		if c.regex && !strings.HasPrefix(q, regexPrefix) {
			q = regexPrefix + q
		}
		verb := "filter"
		if c.findOnly {
			verb = "find"
		}
		parts = append(parts, verb+" "+q)
	}
	if c.dir != 0 {
		parts = append(parts, c.dir.String()+" only")
	}
	if c.ops != OpsAll {
		parts = append(parts, c.ops.String()+" only")
	}
	if c.errorsOnly {
		parts = append(parts, "errors only")
	}
	return strings.Join(parts, ", ")
}

// asciiLower lowercases ASCII letters only, so byte offsets stay valid.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// containsFold reports whether hay contains needle, ignoring ASCII case.
// needle must be lower case.
func containsFold(hay, needle []byte) bool {
	if len(needle) == 0 {
		return true
	}
	first := needle[0]
	upper := first
	if 'a' <= first && first <= 'z' {
		upper = first - 32
	}
	last := len(hay) - len(needle)
	for i := 0; i <= last; {
		j := indexEither(hay[i:last+1], first, upper)
		if j < 0 {
			return false
		}
		i += j
		if equalFoldLower(hay[i:i+len(needle)], needle) {
			return true
		}
		i++
	}
	return false
}

func indexEither(b []byte, x, y byte) int {
	i := bytes.IndexByte(b, x)
	if x == y {
		return i
	}
	limit := b
	if i >= 0 {
		limit = b[:i]
	}
	if j := bytes.IndexByte(limit, y); j >= 0 {
		return j
	}
	return i
}

func equalFoldLower(a, lower []byte) bool {
	for k, c := range a {
		if 'A' <= c && c <= 'Z' {
			c += 32
		}
		if c != lower[k] {
			return false
		}
	}
	return true
}

// requiredPieces is the text every match of a regular expression holds,
// as escapeSafePieces cuts it, longest first, and whether the pieces are
// to be found ignoring ASCII case. Only literals that every match goes
// through count: those of the expression's top-level concatenation, and
// of groups and repetitions of at least one there, never those of an
// alternation or an optional part.
func requiredPieces(expr string) (pieces [][]byte, fold bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, false
	}
	var walk func(re *syntax.Regexp)
	literal := func(re *syntax.Regexp) {
		reFold := re.Flags&syntax.FoldCase != 0
		fold = fold || reFold
		pieces = escapeSafePieces(pieces, []byte(string(re.Rune)), reFold)
	}
	walk = func(re *syntax.Regexp) {
		switch re.Op {
		case syntax.OpLiteral:
			literal(re)
		case syntax.OpCapture, syntax.OpPlus:
			walk(re.Sub[0])
		case syntax.OpRepeat:
			if re.Min >= 1 {
				walk(re.Sub[0])
			}
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				walk(sub)
			}
		}
	}
	walk(re)
	if fold { // a piece that case matters to is still held, in some case
		for _, p := range pieces {
			lowerASCII(p)
		}
	}
	return longestPieces(pieces), fold
}

// escapeSafePieces appends to pieces the runs of text that a JSON string
// holds as they are: printable ASCII other than '"' and '\\'. With fold
// (a regular expression ignoring case, which folds the whole of Unicode),
// a letter that also folds to a non-ASCII one (k to the Kelvin sign, s to
// the long s) cuts the text too.
func escapeSafePieces(pieces [][]byte, text []byte, fold bool) [][]byte {
	start := 0
	for i := 0; i <= len(text); i++ {
		if i < len(text) && escapeSafe(text[i], fold) {
			continue
		}
		if i > start {
			pieces = append(pieces, slices.Clone(text[start:i]))
		}
		start = i + 1
	}
	return pieces
}

func escapeSafe(c byte, fold bool) bool {
	if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
		return false
	}
	if !fold {
		return true
	}
	for r := unicode.SimpleFold(rune(c)); r != rune(c); r = unicode.SimpleFold(r) {
		if r >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func lowerASCII(p []byte) {
	for i, c := range p {
		if 'A' <= c && c <= 'Z' {
			p[i] = c + 32
		}
	}
}

// longestPieces keeps the few longest pieces, longest first: the shorter
// ones seldom rule out what those do not, and each costs a search.
func longestPieces(pieces [][]byte) [][]byte {
	slices.SortStableFunc(pieces, func(a, b []byte) int { return len(b) - len(a) })
	return pieces[:min(len(pieces), 3)]
}
