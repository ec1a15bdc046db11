package collection

import (
	"encoding/json"
	"fmt"
	"time"
)

// ConfigGet decodes the collection config key (col.conf) into v; it reports false when absent.
func (c *Collection) ConfigGet(key string, v any) (bool, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return configGet(c.conf, key, v)
}

func configGet(conf map[string]json.RawMessage, key string, v any) (bool, error) {
	raw, ok := conf[key]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("config %s: %w", key, err)
	}
	return true, nil
}

// SetConfig stores a collection config key inside the transaction.
func (tx *Tx) SetConfig(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("config %s: %w", key, err)
	}
	tx.c.conf[key] = b
	tx.colDirty = true
	return nil
}

func (c *Collection) confInt(key string, def int64) int64 {
	var v FlexInt
	if ok, err := configGet(c.conf, key, &v); !ok || err != nil {
		return def
	}
	return int64(v)
}

// CurrentDeckID is the deck selected for study and adding (conf curDeck).
func (c *Collection) CurrentDeckID() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.confInt("curDeck", DefaultDeckID)
}

// rolloverHour is the hour the scheduler day starts at (conf rollover, default 4).
func (c *Collection) rolloverHour() int {
	h := c.confInt("rollover", 4)
	if h < 0 || h > 23 {
		return 4
	}
	return int(h)
}

// dayStart returns the most recent moment at or before t when the local clock read hour:00.
func dayStart(t time.Time, hour int) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), hour, 0, 0, 0, t.Location())
	if t.Before(d) {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// Timing is where the scheduler stands today.
type Timing struct {
	// Today is the number of scheduler days elapsed since the collection was created; review
	// cards' due values are compared with it.
	Today int
	// NextDayAt is when the next scheduler day starts.
	NextDayAt time.Time
	Now       time.Time
}

// TimingAt computes the scheduler day at t, counting local calendar days between the
// creation day and t, both shifted by the rollover hour (as Anki's v2/v3 scheduler does).
func (c *Collection) TimingAt(t time.Time) Timing {
	c.mu.RLock()
	hour := c.rolloverHour()
	crt := c.crt
	c.mu.RUnlock()
	return timingAt(crt, hour, t)
}

func timingAt(crt int64, hour int, t time.Time) Timing {
	start := dayStart(time.Unix(crt, 0).In(t.Location()), hour)
	today := dayStart(t, hour)
	y1, m1, d1 := start.Date()
	y2, m2, d2 := today.Date()
	days := int(time.Date(y2, m2, d2, 12, 0, 0, 0, time.UTC).Sub(time.Date(y1, m1, d1, 12, 0, 0, 0, time.UTC)).Hours() / 24)
	if days < 0 {
		days = 0
	}
	return Timing{Today: days, NextDayAt: today.AddDate(0, 0, 1), Now: t}
}

// Timing is TimingAt(now).
func (c *Collection) Timing() Timing { return c.TimingAt(time.Now()) }
