package search

// Deck is a deck as the search needs it.
type Deck struct {
	ID       int64
	Name     string // human form, "A::B"
	Filtered bool
	ConfigID int64
}

// Field is one field of a note type.
type Field struct {
	Name              string
	Ord               int
	ExcludeFromSearch bool
}

// Notetype is a note type as the search needs it.
type Notetype struct {
	ID        int64
	Name      string
	Cloze     bool
	SortField int
	Fields    []Field
	Templates []string // names by ord
}

// DeckConfig is an options preset.
type DeckConfig struct {
	ID   int64
	Name string
}

// Context carries what the collection knows outside the notes/cards/revlog tables.
type Context struct {
	Decks          []Deck
	Notetypes      []Notetype
	DeckConfigs    []DeckConfig
	CurrentDeckID  int64
	Today          int   // scheduler day number: days elapsed since col.crt at the rollover hour
	NextDayAt      int64 // unix seconds of the next day rollover
	Now            int64 // unix seconds
	LearnAheadSecs int64 // Anki's collapseTime, default 1200
	IgnoreAccents  bool  // preference: plain text searches behave like nc:
	// Texts, when set, returns the notes' text held in memory (nil: not available); plain
	// text, field and tag conditions are then answered from it instead of by a table scan.
	Texts func() *TextIndex
}

// Kind selects what the query returns.
type Kind int

const (
	Cards Kind = iota
	Notes
)

// Column is a browser sort column.
type Column int

const (
	ColumnNone Column = iota
	ColumnSortField
	ColumnCreated // note creation (note id), then template ord for cards, as Anki's "Created"
	ColumnNoteModified
	ColumnCardModified
	ColumnDue
	ColumnInterval
	ColumnEase
	ColumnReviews
	ColumnLapses
	ColumnDeck
	ColumnNotetype
	ColumnTemplate // "Card": template name for cards; card count for notes
	ColumnTags
	ColumnCards // note mode: card count; template name in card mode
)

// Order is a sort column and direction.
type Order struct {
	Column Column
	Desc   bool
}
