package themes

import (
	"image/color"
	"math"
	"reflect"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

func TestGetEveryNameBothBackgrounds(t *testing.T) {
	for _, name := range Names() {
		for _, dark := range []bool{true, false} {
			th, err := Get(name, dark)
			if err != nil {
				t.Fatalf("Get(%q, %v): %v", name, dark, err)
			}
			if th.Name == "" {
				t.Errorf("Get(%q, %v) returned a theme without a name", name, dark)
			}
		}
	}
}

func TestAutoFollowsBackground(t *testing.T) {
	dark, _ := Get(Auto, true)
	light, _ := Get("", false)
	if dark.Name != Dark || !dark.Dark {
		t.Errorf("auto on dark background gave %q (dark=%v)", dark.Name, dark.Dark)
	}
	if light.Name != Light || light.Dark {
		t.Errorf("auto on light background gave %q (dark=%v)", light.Name, light.Dark)
	}
}

func TestUnknownThemeListsKnownNames(t *testing.T) {
	_, err := Get("solarized-neon", true)
	if err == nil {
		t.Fatal("unknown theme accepted")
	}
	for _, name := range Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
}

// styles returns every lipgloss.Style field of th by name.
func styles(th Theme) map[string]lipgloss.Style {
	out := map[string]lipgloss.Style{}
	v := reflect.ValueOf(th)
	for i := 0; i < v.NumField(); i++ {
		if s, ok := v.Field(i).Interface().(lipgloss.Style); ok {
			out[v.Type().Field(i).Name] = s
		}
	}
	return out
}

func TestMonoHasNoColourButKeepsEmphasis(t *testing.T) {
	th, _ := Get(Mono, true)
	for name, s := range styles(th) {
		out := s.Render("x")
		if strings.Contains(out, "38;") || strings.Contains(out, "48;") || colourSGR(out) {
			t.Errorf("mono style %s emits colour: %q", name, out)
		}
	}
	sel := th.Selected.Render("row")
	if !strings.Contains(sel, "7") || sel == "row" {
		t.Errorf("mono selection is not reverse video: %q", sel)
	}
	if th.Cursor != nil {
		t.Error("mono theme sets a cursor colour")
	}
}

// colourSGR reports whether an SGR sequence in s sets a basic foreground or
// background colour (30–37, 40–47, 90–97, 100–107).
func colourSGR(s string) bool {
	for _, seq := range strings.Split(s, "\x1b[")[1:] {
		end := strings.IndexByte(seq, 'm')
		if end < 0 {
			continue
		}
		for _, p := range strings.Split(seq[:end], ";") {
			switch {
			case len(p) == 2 && (p[0] == '3' || p[0] == '4' || p[0] == '9') && p[1] >= '0' && p[1] <= '7':
				return true
			case len(p) == 3 && p[:2] == "10" && p[2] >= '0' && p[2] <= '7':
				return true
			}
		}
	}
	return false
}

func TestColouredThemesSetForegrounds(t *testing.T) {
	for _, name := range []string{Dark, Light, HighContrast, ColorBlind} {
		th, _ := Get(name, true)
		for _, field := range []string{"DirIn", "DirOut", "ErrorPreview", "ClosePreview", "PayloadKey"} {
			s := styles(th)[field]
			if _, isNone := s.GetForeground().(lipgloss.NoColor); isNone {
				t.Errorf("%s.%s has no foreground colour", name, field)
			}
		}
	}
}

// Pairs that carry meaning must stay apart for readers with red–green colour
// vision deficiency. The colours are run through the Viénot–Brettel–Mollon
// simulation of protanopia and deuteranopia and compared in sRGB.
func TestColourBlindThemeSurvivesRedGreenDeficiency(t *testing.T) {
	simulations := map[string][3][3]float64{
		"protanopia":   {{0.11238, 0.88762, 0}, {0.11238, 0.88762, 0}, {0.00401, -0.00401, 1}},
		"deuteranopia": {{0.29275, 0.70725, 0}, {0.29275, 0.70725, 0}, {-0.02234, 0.02234, 1}},
	}
	for _, dark := range []bool{true, false} {
		th, _ := Get(ColorBlind, dark)
		pairs := map[string][2]lipgloss.Style{
			"in/out":       {th.DirIn, th.DirOut},
			"open/closed":  {th.StateOpen, th.StateClosed},
			"hint/failure": {th.Hint, th.ErrorPreview},
		}
		for pairName, pair := range pairs {
			for simName, m := range simulations {
				a := simulate(pair[0].GetForeground(), m)
				b := simulate(pair[1].GetForeground(), m)
				if d := distance(a, b); d < 0.25 {
					t.Errorf("dark=%v %s under %s: distance %.3f, too close", dark, pairName, simName, d)
				}
			}
		}
	}
}

// The default dark theme's in/open colours are green and its failures red:
// the simulation must catch that, or the test above proves nothing.
func TestRedGreenSimulationDetectsConfusablePair(t *testing.T) {
	deut := [3][3]float64{{0.29275, 0.70725, 0}, {0.29275, 0.70725, 0}, {-0.02234, 0.02234, 1}}
	red := simulate(lipgloss.Color("#D70000"), deut)
	green := simulate(lipgloss.Color("#5F8700"), deut)
	if d := distance(red, green); d >= 0.25 {
		t.Fatalf("red and green stay %.3f apart under deuteranopia; threshold too lax", d)
	}
}

func simulate(c color.Color, m [3][3]float64) [3]float64 {
	r, g, b, _ := c.RGBA()
	lin := [3]float64{toLinear(float64(r) / 0xffff), toLinear(float64(g) / 0xffff), toLinear(float64(b) / 0xffff)}
	var out [3]float64
	for i := range out {
		v := m[i][0]*lin[0] + m[i][1]*lin[1] + m[i][2]*lin[2]
		out[i] = fromLinear(math.Max(0, math.Min(1, v)))
	}
	return out
}

func distance(a, b [3]float64) float64 {
	return math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
}

func toLinear(v float64) float64 {
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

func fromLinear(v float64) float64 {
	if v <= 0.0031308 {
		return v * 12.92
	}
	return 1.055*math.Pow(v, 1/2.4) - 0.055
}

// Only the themes with a light and a dark variant ask for the terminal's
// background; the others look the same on either.
func TestFollowsBackground(t *testing.T) {
	for _, name := range Names() {
		c, err := Parse(name)
		if err != nil {
			t.Fatal(err)
		}
		differs := !reflect.DeepEqual(styles(c.Theme(true)), styles(c.Theme(false)))
		if c.FollowsBackground() != differs {
			t.Errorf("%s: FollowsBackground %v, but its variants differ: %v", name, c.FollowsBackground(), differs)
		}
	}
	for _, name := range []string{"", " AUTO ", "Colour-Blind"} {
		c, err := Parse(name)
		if err != nil || !c.FollowsBackground() {
			t.Errorf("Parse(%q) = %v, %v; want a theme that follows the background", name, c.Name(), err)
		}
	}
}
