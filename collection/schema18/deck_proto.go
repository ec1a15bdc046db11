package schema18

import "fmt"

// deckCommon is anki.decks.Deck.Common (the decks.common column).
type deckCommon struct {
	StudyCollapsed      bool
	BrowserCollapsed    bool
	LastDayStudied      uint32
	NewStudied          int32
	ReviewStudied       int32
	MillisecondsStudied int32
	LearningStudied     int32
	Other               []byte
}

// dayLimit is Deck.Normal.DayLimit.
type dayLimit struct {
	Limit uint32
	Today uint32
}

// normalDeck is Deck.Normal.
type normalDeck struct {
	ConfigID            int64
	ExtendNew           uint32
	ExtendReview        uint32
	Description         string
	MarkdownDescription bool
	ReviewLimit         *uint32
	NewLimit            *uint32
	ReviewLimitToday    *dayLimit
	NewLimitToday       *dayLimit
	DesiredRetention    *float32
}

// searchTerm is Deck.Filtered.SearchTerm.
type searchTerm struct {
	Search string
	Limit  uint32
	Order  int32
}

// filteredDeck is Deck.Filtered.
type filteredDeck struct {
	Reschedule       bool
	SearchTerms      []searchTerm
	Delays           []float32
	PreviewDelay     uint32
	PreviewAgainSecs uint32
	PreviewHardSecs  uint32
	PreviewGoodSecs  uint32
}

// deckKind is Deck.KindContainer (the decks.kind column): exactly one of the two is set.
type deckKind struct {
	Normal   *normalDeck
	Filtered *filteredDeck
}

func (c *deckCommon) encode() []byte {
	var e wenc
	e.boolean(1, c.StudyCollapsed)
	e.boolean(2, c.BrowserCollapsed)
	e.u32(3, c.LastDayStudied)
	e.i32(4, c.NewStudied)
	e.i32(5, c.ReviewStudied)
	e.i32(6, c.LearningStudied)
	e.i32(7, c.MillisecondsStudied)
	e.bytes(255, c.Other)
	return e.b
}

func decodeDeckCommon(b []byte) (deckCommon, error) {
	var c deckCommon
	fs, err := parseWire(b)
	if err != nil {
		return c, fmt.Errorf("deck common: %w", err)
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			c.StudyCollapsed, err = f.boolean()
		case 2:
			c.BrowserCollapsed, err = f.boolean()
		case 3:
			c.LastDayStudied, err = f.u32()
		case 4:
			c.NewStudied, err = f.i32()
		case 5:
			c.ReviewStudied, err = f.i32()
		case 6:
			c.LearningStudied, err = f.i32()
		case 7:
			c.MillisecondsStudied, err = f.i32()
		case 255:
			c.Other, err = f.bytes()
		}
		if err != nil {
			return c, fmt.Errorf("deck common: %w", err)
		}
	}
	return c, nil
}

func (d *dayLimit) encode() []byte {
	var e wenc
	e.u32(1, d.Limit)
	e.u32(2, d.Today)
	return e.b
}

func decodeDayLimit(b []byte) (*dayLimit, error) {
	var d dayLimit
	fs, err := parseWire(b)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			d.Limit, err = f.u32()
		case 2:
			d.Today, err = f.u32()
		}
		if err != nil {
			return nil, fmt.Errorf("day limit: %w", err)
		}
	}
	return &d, nil
}

func (k *deckKind) encode() []byte {
	var e wenc
	switch {
	case k.Normal != nil:
		n := k.Normal
		var ne wenc
		ne.i64(1, n.ConfigID)
		ne.u32(2, n.ExtendNew)
		ne.u32(3, n.ExtendReview)
		ne.str(4, n.Description)
		ne.boolean(5, n.MarkdownDescription)
		ne.optU32(6, n.ReviewLimit)
		ne.optU32(7, n.NewLimit)
		if n.ReviewLimitToday != nil {
			ne.msg(8, n.ReviewLimitToday.encode())
		}
		if n.NewLimitToday != nil {
			ne.msg(9, n.NewLimitToday.encode())
		}
		ne.optF32(10, n.DesiredRetention)
		e.msg(1, ne.b)
	case k.Filtered != nil:
		f := k.Filtered
		var fe wenc
		fe.boolean(1, f.Reschedule)
		for _, t := range f.SearchTerms {
			var te wenc
			te.str(1, t.Search)
			te.u32(2, t.Limit)
			te.i32(3, t.Order)
			fe.msg(2, te.b)
		}
		fe.packedF32s(3, f.Delays)
		fe.u32(4, f.PreviewDelay)
		fe.u32(5, f.PreviewHardSecs)
		fe.u32(6, f.PreviewGoodSecs)
		fe.u32(7, f.PreviewAgainSecs)
		e.msg(2, fe.b)
	}
	return e.b
}

func decodeDeckKind(b []byte) (deckKind, error) {
	var k deckKind
	fs, err := parseWire(b)
	if err != nil {
		return k, fmt.Errorf("deck kind: %w", err)
	}
	for _, f := range fs {
		var inner []byte
		switch f.num {
		case 1:
			if inner, err = f.bytes(); err == nil {
				var n normalDeck
				n, err = decodeNormalDeck(inner)
				k.Normal, k.Filtered = &n, nil
			}
		case 2:
			if inner, err = f.bytes(); err == nil {
				var fd filteredDeck
				fd, err = decodeFilteredDeck(inner)
				k.Filtered, k.Normal = &fd, nil
			}
		}
		if err != nil {
			return k, fmt.Errorf("deck kind: %w", err)
		}
	}
	if k.Normal == nil && k.Filtered == nil {
		return k, fmt.Errorf("deck kind: neither normal nor filtered")
	}
	return k, nil
}

func decodeNormalDeck(b []byte) (normalDeck, error) {
	var n normalDeck
	fs, err := parseWire(b)
	if err != nil {
		return n, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			n.ConfigID, err = f.i64()
		case 2:
			n.ExtendNew, err = f.u32()
		case 3:
			n.ExtendReview, err = f.u32()
		case 4:
			n.Description, err = f.str()
		case 5:
			n.MarkdownDescription, err = f.boolean()
		case 6:
			var v uint32
			v, err = f.u32()
			n.ReviewLimit = &v
		case 7:
			var v uint32
			v, err = f.u32()
			n.NewLimit = &v
		case 8, 9:
			var inner []byte
			if inner, err = f.bytes(); err == nil {
				var d *dayLimit
				if d, err = decodeDayLimit(inner); err == nil {
					if f.num == 8 {
						n.ReviewLimitToday = d
					} else {
						n.NewLimitToday = d
					}
				}
			}
		case 10:
			var v float32
			v, err = f.f32()
			n.DesiredRetention = &v
		}
		if err != nil {
			return n, fmt.Errorf("normal deck: %w", err)
		}
	}
	return n, nil
}

func decodeFilteredDeck(b []byte) (filteredDeck, error) {
	var d filteredDeck
	fs, err := parseWire(b)
	if err != nil {
		return d, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			d.Reschedule, err = f.boolean()
		case 2:
			var inner []byte
			if inner, err = f.bytes(); err == nil {
				var t searchTerm
				t, err = decodeSearchTerm(inner)
				d.SearchTerms = append(d.SearchTerms, t)
			}
		case 3:
			d.Delays, err = f.appendF32s(d.Delays)
		case 4:
			d.PreviewDelay, err = f.u32()
		case 5:
			d.PreviewHardSecs, err = f.u32()
		case 6:
			d.PreviewGoodSecs, err = f.u32()
		case 7:
			d.PreviewAgainSecs, err = f.u32()
		}
		if err != nil {
			return d, fmt.Errorf("filtered deck: %w", err)
		}
	}
	return d, nil
}

func decodeSearchTerm(b []byte) (searchTerm, error) {
	var t searchTerm
	fs, err := parseWire(b)
	if err != nil {
		return t, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			t.Search, err = f.str()
		case 2:
			t.Limit, err = f.u32()
		case 3:
			t.Order, err = f.i32()
		}
		if err != nil {
			return t, fmt.Errorf("search term: %w", err)
		}
	}
	return t, nil
}
