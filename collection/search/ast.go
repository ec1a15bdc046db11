package search

import (
	"fmt"
	"strconv"
	"strings"
)

// Node is a syntax tree node. A Group holds terms separated by explicit And/Or
// operators (implicit ANDs are inserted by the parser), as in Anki's parser.
type Node interface {
	fmt.Stringer
	node()
}

// Group is a parenthesised list; Parse returns the top level as a Group too.
type Group struct{ Nodes []Node }

// Not negates its node.
type Not struct{ Node Node }

// And and Or are the operators between a Group's terms.
type (
	And struct{}
	Or  struct{}
)

// FieldMode says how a field or tag value is matched.
type FieldMode int

const (
	ModeNormal FieldMode = iota
	ModeRegex
	ModeNoCombining
)

func (m FieldMode) String() string {
	switch m {
	case ModeRegex:
		return "re"
	case ModeNoCombining:
		return "nc"
	}
	return "normal"
}

// StateKind is an is: state.
type StateKind int

const (
	StateNew StateKind = iota
	StateReview
	StateLearn
	StateDue
	StateBuried
	StateBuriedManually
	StateBuriedSibling
	StateSuspended
)

var stateNames = map[string]StateKind{
	"new": StateNew, "review": StateReview, "learn": StateLearn, "due": StateDue,
	"buried": StateBuried, "buried-manually": StateBuriedManually,
	"buried-sibling": StateBuriedSibling, "suspended": StateSuspended,
}

func (s StateKind) String() string {
	for k, v := range stateNames {
		if v == s {
			return k
		}
	}
	return "?"
}

// Rating is the answer filter of rated:/resched:/prop:rated.
type Rating struct {
	// Button is 1..4, 0 for any answer button, -1 for a manual reschedule (ease 0).
	Button int
}

func (r Rating) String() string {
	switch r.Button {
	case 0:
		return "any"
	case -1:
		return "resched"
	}
	return strconv.Itoa(r.Button)
}

// Search nodes.
type (
	WholeCollection struct{}
	// Text is unqualified text: a substring match over the note's fields.
	Text      struct{ Text string }
	FieldText struct {
		Field, Text string
		Mode        FieldMode
	}
	AddedInDays      struct{ Days uint32 }
	EditedInDays     struct{ Days uint32 }
	IntroducedInDays struct{ Days uint32 }
	// Template is card:N (Ord is zero-based) or card:Name.
	Template struct {
		ByName bool
		Ord    int
		Name   string
	}
	DeckName struct{ Name string }
	// DeckIDs is did:1,2 — exact deck ids (also matching the original deck).
	DeckIDs      struct{ IDs string }
	NotetypeID   struct{ ID int64 }
	NotetypeName struct{ Name string }
	Rated        struct {
		Days   uint32
		Rating Rating
	}
	Tag struct {
		Tag  string
		Mode FieldMode
	}
	Dupe struct {
		NotetypeID int64
		Text       string
	}
	State   struct{ State StateKind }
	Flag    struct{ Flag uint8 }
	NoteIDs struct{ IDs string }
	CardIDs struct{ IDs string }
	// Property is prop:<Prop><Op><value>; which value field is set depends on Prop.
	Property struct {
		Prop   string // ivl due reps lapses ease pos rated resched s d r cdn cds
		Op     string
		Int    int64   // ivl due reps lapses pos rated resched
		Float  float32 // ease s d r cdn
		Key    string  // cdn cds
		Str    string  // cds
		Rating Rating  // rated resched
	}
	Regex        struct{ Re string }
	NoCombining  struct{ Text string }
	StripClozes  struct{ Text string }
	WordBoundary struct{ Text string }
	CustomData   struct{ Key string }
	Preset       struct{ Name string }
)

func (*Group) node()           {}
func (*Not) node()             {}
func (And) node()              {}
func (Or) node()               {}
func (WholeCollection) node()  {}
func (Text) node()             {}
func (FieldText) node()        {}
func (AddedInDays) node()      {}
func (EditedInDays) node()     {}
func (IntroducedInDays) node() {}
func (Template) node()         {}
func (DeckName) node()         {}
func (DeckIDs) node()          {}
func (NotetypeID) node()       {}
func (NotetypeName) node()     {}
func (Rated) node()            {}
func (Tag) node()              {}
func (Dupe) node()             {}
func (State) node()            {}
func (Flag) node()             {}
func (NoteIDs) node()          {}
func (CardIDs) node()          {}
func (Property) node()         {}
func (Regex) node()            {}
func (NoCombining) node()      {}
func (StripClozes) node()      {}
func (WordBoundary) node()     {}
func (CustomData) node()       {}
func (Preset) node()           {}

// String renders the group's items separated by spaces, in parentheses.
func (g *Group) String() string { return "(" + g.Inner() + ")" }

// Inner renders the items without the surrounding parentheses.
func (g *Group) Inner() string {
	parts := make([]string, len(g.Nodes))
	for i, n := range g.Nodes {
		parts[i] = n.String()
	}
	return strings.Join(parts, " ")
}

func (n *Not) String() string          { return "-" + n.Node.String() }
func (And) String() string             { return "AND" }
func (Or) String() string              { return "OR" }
func (WholeCollection) String() string { return "all" }
func (n Text) String() string          { return fmt.Sprintf("text(%q)", n.Text) }
func (n FieldText) String() string     { return fmt.Sprintf("field(%q,%q,%s)", n.Field, n.Text, n.Mode) }
func (n AddedInDays) String() string   { return fmt.Sprintf("added(%d)", n.Days) }
func (n EditedInDays) String() string  { return fmt.Sprintf("edited(%d)", n.Days) }
func (n IntroducedInDays) String() string {
	return fmt.Sprintf("introduced(%d)", n.Days)
}
func (n Template) String() string {
	if n.ByName {
		return fmt.Sprintf("card(name=%q)", n.Name)
	}
	return fmt.Sprintf("card(ord=%d)", n.Ord)
}
func (n DeckName) String() string     { return fmt.Sprintf("deck(%q)", n.Name) }
func (n DeckIDs) String() string      { return fmt.Sprintf("did(%s)", n.IDs) }
func (n NotetypeID) String() string   { return fmt.Sprintf("mid(%d)", n.ID) }
func (n NotetypeName) String() string { return fmt.Sprintf("note(%q)", n.Name) }
func (n Rated) String() string        { return fmt.Sprintf("rated(%d,%s)", n.Days, n.Rating) }
func (n Tag) String() string          { return fmt.Sprintf("tag(%q,%s)", n.Tag, n.Mode) }
func (n Dupe) String() string         { return fmt.Sprintf("dupe(%d,%q)", n.NotetypeID, n.Text) }
func (n State) String() string        { return fmt.Sprintf("is(%s)", n.State) }
func (n Flag) String() string         { return fmt.Sprintf("flag(%d)", n.Flag) }
func (n NoteIDs) String() string      { return fmt.Sprintf("nid(%s)", n.IDs) }
func (n CardIDs) String() string      { return fmt.Sprintf("cid(%s)", n.IDs) }
func (n Property) String() string {
	var v string
	switch n.Prop {
	case "ease", "s", "d", "r":
		v = fmtF32(n.Float)
	case "cdn":
		v = fmtF32(n.Float)
	case "cds":
		v = strconv.Quote(n.Str)
	case "rated", "resched":
		v = fmt.Sprintf("%d:%s", n.Int, n.Rating)
	default:
		v = strconv.FormatInt(n.Int, 10)
	}
	name := n.Prop
	if n.Key != "" {
		name += ":" + n.Key
	}
	return fmt.Sprintf("prop(%s%s%s)", name, n.Op, v)
}
func (n Regex) String() string        { return fmt.Sprintf("re(%q)", n.Re) }
func (n NoCombining) String() string  { return fmt.Sprintf("nc(%q)", n.Text) }
func (n StripClozes) String() string  { return fmt.Sprintf("sc(%q)", n.Text) }
func (n WordBoundary) String() string { return fmt.Sprintf("w(%q)", n.Text) }
func (n CustomData) String() string   { return fmt.Sprintf("has-cd(%q)", n.Key) }
func (n Preset) String() string       { return fmt.Sprintf("preset(%q)", n.Name) }

// fmtF32 prints a float32 the shortest way that reads back as the same float32,
// which is also how Rust displays an f32.
func fmtF32(f float32) string { return strconv.FormatFloat(float64(f), 'f', -1, 32) }
