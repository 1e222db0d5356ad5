// Package themes holds every colour and text style the terminal UI uses.
//
// A Theme is a set of lipgloss styles named by what they show, not by how
// they look, so the UI never picks a colour itself. Themes come in light and
// dark variants; "auto" picks one from the terminal's background, as do
// the high-contrast and colour-blind themes (see Choice.FollowsBackground).
package themes

import (
	"fmt"
	"image/color"
	"strings"

	"charm.land/lipgloss/v2"
)

// Theme is the complete set of styles for one look.
type Theme struct {
	Name string
	Dark bool // whether the styles were chosen for a dark background

	// Header.
	AppName           lipgloss.Style
	HeaderText        lipgloss.Style
	HeaderLabel       lipgloss.Style
	URL               lipgloss.Style
	StateConnecting   lipgloss.Style
	StateOpen         lipgloss.Style
	StateClosing      lipgloss.Style
	StateClosed       lipgloss.Style
	StateReconnecting lipgloss.Style
	Recording         lipgloss.Style
	RecordingFailed   lipgloss.Style // the recording stopped before the session did

	// Frame and pane chrome.
	Rule             lipgloss.Style
	PaneTitle        lipgloss.Style
	PaneTitleFocused lipgloss.Style
	ColumnHeader     lipgloss.Style

	// Frame log rows.
	Time             lipgloss.Style
	DirIn            lipgloss.Style
	DirOut           lipgloss.Style
	Opcode           lipgloss.Style
	Size             lipgloss.Style
	Preview          lipgloss.Style
	ControlPreview   lipgloss.Style // pings, pongs and other quiet rows
	ErrorPreview     lipgloss.Style // error envelopes and failures
	ClosePreview     lipgloss.Style
	WarningPreview   lipgloss.Style
	EventPreview     lipgloss.Style // open, reconnect and other connection events
	Selected         lipgloss.Style // the selected row while the log has focus
	SelectedBlurred  lipgloss.Style // the selected row while another pane has focus
	Match            lipgloss.Style // text matching the search
	BadgeJSON        lipgloss.Style
	BadgeError       lipgloss.Style
	BadgeClose       lipgloss.Style
	BadgeViolation   lipgloss.Style
	BadgeFragments   lipgloss.Style
	BadgeLatency     lipgloss.Style
	NewRowsIndicator lipgloss.Style

	// Inspector.
	Section     lipgloss.Style
	Label       lipgloss.Style
	Value       lipgloss.Style
	ExplainName lipgloss.Style
	ExplainText lipgloss.Style
	Hint        lipgloss.Style

	// Rendered payloads.
	PayloadPlain  lipgloss.Style
	PayloadKey    lipgloss.Style
	PayloadString lipgloss.Style
	PayloadNumber lipgloss.Style
	PayloadBool   lipgloss.Style
	PayloadNull   lipgloss.Style
	PayloadPunct  lipgloss.Style
	PayloadEscape lipgloss.Style
	PayloadOffset lipgloss.Style
	PayloadDim    lipgloss.Style

	// Composer, filter bar, notices and help.
	Prompt       lipgloss.Style
	Input        lipgloss.Style
	Placeholder  lipgloss.Style
	Cursor       color.Color // nil: the terminal's own cursor colour
	FilterPrompt lipgloss.Style
	Notice       lipgloss.Style
	NoticeError  lipgloss.Style
	HelpKey      lipgloss.Style
	HelpDesc     lipgloss.Style
	HelpSep      lipgloss.Style
}

// Theme names.
const (
	Auto         = "auto"
	Dark         = "dark"
	Light        = "light"
	HighContrast = "high-contrast"
	ColorBlind   = "colorblind"
	Mono         = "mono" // no colour at all; what NO_COLOR selects
)

// Names lists the theme names Parse and Get accept.
func Names() []string {
	return []string{Auto, Dark, Light, HighContrast, ColorBlind, Mono}
}

// Choice is a theme chosen by name, before the terminal's background is
// known. Whether a theme follows the background is decided here and
// nowhere else. The zero Choice is "auto".
type Choice struct {
	name string // one of Names, never empty
}

// Parse checks a theme name. An empty name means "auto"; case and
// surrounding space are ignored, and a few spellings of colour-blind and
// mono are accepted.
func Parse(name string) (Choice, error) {
	switch n := strings.ToLower(strings.TrimSpace(name)); n {
	case "", Auto:
		return Choice{Auto}, nil
	case Dark, Light, HighContrast:
		return Choice{n}, nil
	case ColorBlind, "colourblind", "color-blind", "colour-blind":
		return Choice{ColorBlind}, nil
	case Mono, "none", "no-color":
		return Choice{Mono}, nil
	}
	return Choice{}, fmt.Errorf("unknown theme %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Name is the theme's name, as Names spells it.
func (c Choice) Name() string {
	if c.name == "" {
		return Auto
	}
	return c.name
}

// FollowsBackground reports whether the theme has a light and a dark
// variant, chosen by the terminal's background: the interface asks the
// terminal for its background only then.
func (c Choice) FollowsBackground() bool {
	switch c.Name() {
	case Auto, HighContrast, ColorBlind:
		return true
	}
	return false
}

// Theme returns the chosen theme for a dark or a light background.
func (c Choice) Theme(dark bool) Theme {
	switch c.Name() {
	case Dark:
		return build(Dark, true, darkPalette)
	case Light:
		return build(Light, false, lightPalette)
	case HighContrast:
		if dark {
			return build(HighContrast, true, highContrastDark)
		}
		return build(HighContrast, false, highContrastLight)
	case ColorBlind:
		if dark {
			return build(ColorBlind, true, colorBlindDark)
		}
		return build(ColorBlind, false, colorBlindLight)
	case Mono:
		return mono(dark)
	}
	if dark {
		return build(Dark, true, darkPalette)
	}
	return build(Light, false, lightPalette)
}

// Get returns the named theme for a dark or a light background: Parse,
// then Theme.
func Get(name string, dark bool) (Theme, error) {
	c, err := Parse(name)
	if err != nil {
		return Theme{}, err
	}
	return c.Theme(dark), nil
}

// palette is the handful of colours a coloured theme is made of.
type palette struct {
	fg, dim, faint  string // text, secondary text, rules and separators
	accent          string // app name, keys in help, focused titles
	selBG, selFG    string // selected row
	blurBG          string // selected row when the log is not focused
	in, out         string // direction arrows
	ok, warn, bad   string // open / caution / failure
	closing         string // close frames
	violation       string
	key, str, num   string // JSON keys, strings, numbers
	boolean, null   string
	escape          string // visible escapes for unsafe bytes
	matchBG         string
	badgeFG         string // text on badge backgrounds
	boldEverywhere  bool   // high contrast: bold all important text
	underlineErrors bool   // do not rely on colour alone for failures
}

var darkPalette = palette{
	fg: "#D0D0D0", dim: "#8A8A8A", faint: "#4E4E4E", accent: "#87AFFF",
	selBG: "#3A3A5C", selFG: "#FFFFFF", blurBG: "#303030",
	in: "#5FD7AF", out: "#87AFFF",
	ok: "#5FD75F", warn: "#FFD75F", bad: "#FF5F5F", closing: "#FFAF5F", violation: "#FF5FD7",
	key: "#87AFFF", str: "#AFD787", num: "#FFD787", boolean: "#D7AFFF", null: "#8A8A8A",
	escape: "#FF87AF", matchBG: "#5F5F00", badgeFG: "#1C1C1C",
}

var lightPalette = palette{
	fg: "#262626", dim: "#6C6C6C", faint: "#BCBCBC", accent: "#005FD7",
	selBG: "#D7D7FF", selFG: "#000000", blurBG: "#E4E4E4",
	in: "#007F5F", out: "#005FD7",
	ok: "#008700", warn: "#AF8700", bad: "#D70000", closing: "#D75F00", violation: "#AF00AF",
	key: "#005FAF", str: "#5F8700", num: "#AF5F00", boolean: "#8700AF", null: "#6C6C6C",
	escape: "#D7005F", matchBG: "#FFFF87", badgeFG: "#FFFFFF",
}

var highContrastDark = palette{
	fg: "#FFFFFF", dim: "#D0D0D0", faint: "#A8A8A8", accent: "#00FFFF",
	selBG: "#FFFFFF", selFG: "#000000", blurBG: "#5F5F5F",
	in: "#00FFFF", out: "#FFFF00",
	ok: "#00FF00", warn: "#FFFF00", bad: "#FF4040", closing: "#FF8700", violation: "#FF00FF",
	key: "#00FFFF", str: "#FFFFFF", num: "#FFFF00", boolean: "#FF87FF", null: "#D0D0D0",
	escape: "#FF00FF", matchBG: "#0000D7", badgeFG: "#000000",
	boldEverywhere: true, underlineErrors: true,
}

var highContrastLight = palette{
	fg: "#000000", dim: "#262626", faint: "#585858", accent: "#0000AF",
	selBG: "#000000", selFG: "#FFFFFF", blurBG: "#BCBCBC",
	in: "#005F00", out: "#00005F",
	ok: "#005F00", warn: "#5F3F00", bad: "#AF0000", closing: "#875F00", violation: "#870087",
	key: "#00005F", str: "#000000", num: "#5F0000", boolean: "#5F005F", null: "#262626",
	escape: "#870087", matchBG: "#FFFF00", badgeFG: "#FFFFFF",
	boldEverywhere: true, underlineErrors: true,
}

// The colour-blind themes use the Okabe–Ito palette: blue and orange carry
// the meaning, and failures are also underlined so nothing rests on hue.
var colorBlindDark = palette{
	fg: "#E0E0E0", dim: "#9E9E9E", faint: "#5A5A5A", accent: "#56B4E9",
	selBG: "#0072B2", selFG: "#FFFFFF", blurBG: "#3A3A3A",
	in: "#56B4E9", out: "#E69F00",
	ok: "#56B4E9", warn: "#F0E442", bad: "#E69F00", closing: "#F0E442", violation: "#CC79A7",
	key: "#56B4E9", str: "#E0E0E0", num: "#F0E442", boolean: "#CC79A7", null: "#9E9E9E",
	escape: "#CC79A7", matchBG: "#0072B2", badgeFG: "#000000",
	underlineErrors: true,
}

var colorBlindLight = palette{
	fg: "#1A1A1A", dim: "#5A5A5A", faint: "#B0B0B0", accent: "#0072B2",
	selBG: "#56B4E9", selFG: "#000000", blurBG: "#DADADA",
	in: "#0072B2", out: "#D55E00",
	ok: "#0072B2", warn: "#8A7A00", bad: "#D55E00", closing: "#A0522D", violation: "#AA4499",
	key: "#0072B2", str: "#1A1A1A", num: "#A0522D", boolean: "#AA4499", null: "#5A5A5A",
	escape: "#AA4499", matchBG: "#F0E442", badgeFG: "#FFFFFF",
	underlineErrors: true,
}

func build(name string, dark bool, p palette) Theme {
	c := func(hex string) color.Color { return lipgloss.Color(hex) }
	fg := func(hex string) lipgloss.Style {
		s := lipgloss.NewStyle().Foreground(c(hex))
		if p.boldEverywhere {
			s = s.Bold(true)
		}
		return s
	}
	badge := func(bg string) lipgloss.Style {
		return lipgloss.NewStyle().Foreground(c(p.badgeFG)).Background(c(bg)).Bold(true)
	}
	failure := fg(p.bad).Bold(true).Underline(p.underlineErrors)
	plain := lipgloss.NewStyle().Foreground(c(p.fg))
	dim := lipgloss.NewStyle().Foreground(c(p.dim))

	return Theme{
		Name: name,
		Dark: dark,

		AppName:           fg(p.accent).Bold(true),
		HeaderText:        plain,
		HeaderLabel:       dim,
		URL:               plain.Bold(true),
		StateConnecting:   fg(p.warn).Bold(true),
		StateOpen:         fg(p.ok).Bold(true),
		StateClosing:      fg(p.closing).Bold(true),
		StateClosed:       failure,
		StateReconnecting: fg(p.warn).Bold(true),
		Recording:         badge(p.bad),
		RecordingFailed:   failure,

		Rule:             lipgloss.NewStyle().Foreground(c(p.faint)),
		PaneTitle:        dim.Bold(true),
		PaneTitleFocused: fg(p.accent).Bold(true),
		ColumnHeader:     dim.Bold(true),

		Time:             dim,
		DirIn:            fg(p.in).Bold(true),
		DirOut:           fg(p.out).Bold(true),
		Opcode:           dim,
		Size:             dim,
		Preview:          plain,
		ControlPreview:   dim,
		ErrorPreview:     failure,
		ClosePreview:     fg(p.closing).Bold(true),
		WarningPreview:   fg(p.warn),
		EventPreview:     fg(p.accent),
		Selected:         lipgloss.NewStyle().Foreground(c(p.selFG)).Background(c(p.selBG)).Bold(true),
		SelectedBlurred:  lipgloss.NewStyle().Background(c(p.blurBG)),
		Match:            lipgloss.NewStyle().Background(c(p.matchBG)).Underline(true),
		BadgeJSON:        fg(p.key),
		BadgeError:       badge(p.bad),
		BadgeClose:       badge(p.closing),
		BadgeViolation:   badge(p.violation),
		BadgeFragments:   fg(p.accent),
		BadgeLatency:     fg(p.in),
		NewRowsIndicator: badge(p.accent),

		Section:     fg(p.accent).Bold(true),
		Label:       dim,
		Value:       plain,
		ExplainName: failure,
		ExplainText: plain,
		Hint:        fg(p.ok).Bold(true),

		PayloadPlain:  plain,
		PayloadKey:    fg(p.key),
		PayloadString: fg(p.str),
		PayloadNumber: fg(p.num),
		PayloadBool:   fg(p.boolean),
		PayloadNull:   fg(p.null),
		PayloadPunct:  dim,
		PayloadEscape: fg(p.escape).Bold(true),
		PayloadOffset: dim,
		PayloadDim:    lipgloss.NewStyle().Foreground(c(p.faint)),

		Prompt:       fg(p.accent).Bold(true),
		Input:        plain,
		Placeholder:  dim,
		Cursor:       c(p.accent),
		FilterPrompt: fg(p.warn).Bold(true),
		Notice:       fg(p.ok),
		NoticeError:  failure,
		HelpKey:      fg(p.accent),
		HelpDesc:     dim,
		HelpSep:      lipgloss.NewStyle().Foreground(c(p.faint)),
	}
}

// mono is the theme without colour: emphasis comes from bold, faint,
// underline and reverse video only, so it is readable anywhere and honours
// NO_COLOR.
func mono(dark bool) Theme {
	none := lipgloss.NewStyle()
	bold := none.Bold(true)
	faint := none.Faint(true)
	reverse := none.Reverse(true)
	return Theme{
		Name: Mono,
		Dark: dark,

		AppName: bold, HeaderText: none, HeaderLabel: faint, URL: bold,
		StateConnecting: bold, StateOpen: bold, StateClosing: bold.Underline(true),
		StateClosed: bold.Underline(true), StateReconnecting: bold, Recording: reverse,
		RecordingFailed: bold.Underline(true),

		Rule: faint, PaneTitle: faint, PaneTitleFocused: bold.Underline(true), ColumnHeader: faint,

		Time: faint, DirIn: bold, DirOut: bold, Opcode: none, Size: faint,
		Preview: none, ControlPreview: faint, ErrorPreview: bold.Underline(true),
		ClosePreview: bold, WarningPreview: bold, EventPreview: none,
		Selected: reverse.Bold(true), SelectedBlurred: reverse, Match: none.Underline(true),
		BadgeJSON: faint, BadgeError: reverse.Bold(true), BadgeClose: reverse,
		BadgeViolation: reverse.Bold(true), BadgeFragments: none, BadgeLatency: faint,
		NewRowsIndicator: reverse,

		Section: bold.Underline(true), Label: faint, Value: none,
		ExplainName: bold, ExplainText: none, Hint: bold,

		PayloadPlain: none, PayloadKey: bold, PayloadString: none, PayloadNumber: none,
		PayloadBool: none, PayloadNull: faint, PayloadPunct: faint, PayloadEscape: reverse,
		PayloadOffset: faint, PayloadDim: faint,

		Prompt: bold, Input: none, Placeholder: faint, FilterPrompt: bold,
		Notice: bold, NoticeError: bold.Underline(true),
		HelpKey: bold, HelpDesc: faint, HelpSep: faint,
	}
}
