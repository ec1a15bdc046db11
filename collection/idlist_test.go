package collection

import (
	"slices"
	"testing"
)

func TestParseIDLists(t *testing.T) {
	ids, err := parseIDList([]byte("1 22 -3 1795270396712"))
	if err != nil || !slices.Equal(ids, []int64{1, 22, -3, 1795270396712}) {
		t.Fatalf("%v %v", ids, err)
	}
	for _, bad := range []string{"1  2", "1 x", " 1", "1 ", "-"} {
		if _, err := parseIDList([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	a, b, c, err := parseTriples([]byte("10 20 0 11 20 1"))
	if err != nil || !slices.Equal(a, []int64{10, 11}) || !slices.Equal(b, []int64{20, 20}) || !slices.Equal(c, []int{0, 1}) {
		t.Fatalf("%v %v %v %v", a, b, c, err)
	}
	if _, _, _, err := parseTriples([]byte("1 2")); err == nil {
		t.Error("short triple accepted")
	}
}
