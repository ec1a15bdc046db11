package views

import (
	"image/color"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme wraps a base theme and resolves the colour and size names the card converter and
// the deck tree use: "hex:rrggbb" colours, "px:N" CSS pixel sizes, Anki's count colours and
// flag colours.
type Theme struct{ fyne.Theme }

// NewTheme wraps base (nil: Fyne's default theme).
func NewTheme(base fyne.Theme) *Theme {
	if base == nil {
		base = theme.DefaultTheme()
	}
	return &Theme{base}
}

// Colour names of Anki's deck counts (ts/lib/sass/card-counts.scss) and browser rows.
const (
	ColorNameNewCount   fyne.ThemeColorName = "deckhand-new"
	ColorNameLearnCount fyne.ThemeColorName = "deckhand-learn"
	ColorNameDueCount   fyne.ThemeColorName = "deckhand-due"
	ColorNameZeroCount  fyne.ThemeColorName = "deckhand-zero"
	ColorNameSuspended  fyne.ThemeColorName = "deckhand-suspended"
	ColorNameMarked     fyne.ThemeColorName = "deckhand-marked"
)

// FlagColorName is the row colour of flag 1-7.
func FlagColorName(flag int) fyne.ThemeColorName {
	return fyne.ThemeColorName("deckhand-flag" + strconv.Itoa(flag))
}

func rgb(hex uint32) color.NRGBA {
	return color.NRGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 0xff}
}

func rgba(hex uint32, a uint8) color.NRGBA {
	c := rgb(hex)
	c.A = a
	return c
}

// Color resolves our names and defers the rest to the base theme.
func (t *Theme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	// as Fyne's own theme: anything but light is dark (the test driver passes a third variant)
	dark := v != theme.VariantLight
	pick := func(light, night uint32) color.Color {
		if dark {
			return rgb(night)
		}
		return rgb(light)
	}
	switch n {
	case ColorNameNewCount:
		return pick(0x1d4ed8, 0x60a5fa)
	case ColorNameLearnCount:
		return pick(0xdc2626, 0xf87171)
	case ColorNameDueCount:
		return pick(0x15803d, 0x4ade80)
	case ColorNameZeroCount:
		return t.Theme.Color(theme.ColorNameDisabled, v)
	case ColorNameCloze:
		return pick(0x0000ff, 0x8ab4f8)
	case ColorNameReading:
		return pick(0x6b7280, 0x9ca3af)
	case ColorNameTypeGood:
		return pick(0x15803d, 0x4ade80)
	case ColorNameTypeBad:
		return pick(0xdc2626, 0xf87171)
	case ColorNameTypeMissed:
		return pick(0x6b7280, 0x9ca3af)
	case ColorNameSuspended:
		return rgba(0xfff3a0, 0x90) // Anki's suspended yellow, translucent over the row
	case ColorNameMarked:
		return rgba(0xc6a4e8, 0x80)
	}
	if s := string(n); strings.HasPrefix(s, colorPrefix) {
		if x, err := strconv.ParseUint(s[len(colorPrefix):], 16, 32); err == nil {
			return rgb(uint32(x))
		}
	}
	if s := string(n); strings.HasPrefix(s, "deckhand-flag") {
		// Anki's flag colours: red, orange, green, blue, pink, turquoise, purple
		flags := []uint32{0xff7070, 0xffb347, 0x7ed37e, 0x7aa7ff, 0xff8ad8, 0x5fd3d3, 0xb58cff}
		if i, err := strconv.Atoi(s[len("deckhand-flag"):]); err == nil && i >= 1 && i <= 7 {
			return rgba(flags[i-1], 0x70)
		}
	}
	return t.Theme.Color(n, v)
}

// Size resolves "px:N" (CSS pixels; Fyne's 14-unit body text matches a 16px browser default).
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	if s := string(n); strings.HasPrefix(s, sizePrefix) {
		if px, err := strconv.ParseFloat(s[len(sizePrefix):], 32); err == nil {
			return float32(min(max(px*14/16, 6), 84))
		}
	}
	return t.Theme.Size(n)
}
