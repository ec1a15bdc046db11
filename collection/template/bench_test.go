package template

import (
	"fmt"
	"testing"
)

// BenchmarkRender10kCards renders 10,000 cards per iteration: half Basic
// (front/back with some HTML), half Cloze with two or three deletions.
func BenchmarkRender10kCards(b *testing.B) {
	type card struct {
		q, a string
		rc   RenderContext
	}
	cards := make([]card, 10000)
	for i := range cards {
		if i%2 == 0 {
			cards[i] = card{basicQ, basicA, RenderContext{
				Fields: map[string]string{
					"Front": fmt.Sprintf("<div>What is the capital of country <b>%d</b>?</div>", i),
					"Back":  fmt.Sprintf("City %d<br><img src=\"map%d.png\">[sound:city%d.mp3]", i, i, i),
				},
				Tags: "geo europe", Notetype: "Basic", Deck: "Geo::Capitals", CardName: "Card 1", CardID: int64(i),
			}}
		} else {
			cards[i] = card{clozeQ, clozeA, RenderContext{
				Fields: map[string]string{
					"Text":       fmt.Sprintf("The {{c1::mitochondria}} is the {{c2::powerhouse::what?}} of the cell %d {{c3::<i>organelle</i>}}.", i),
					"Back Extra": "Biology 101",
				},
				Notetype: "Cloze", Deck: "Bio", CardName: "Cloze", CardID: int64(i), CardOrd: i % 3, Cloze: true,
			}}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i := range cards {
			r := RenderCard(cards[i].q, cards[i].a, cards[i].rc)
			if r.QuestionEmpty {
				b.Fatal("unexpected empty card")
			}
		}
	}
}

func BenchmarkParse(b *testing.B) {
	src := "{{#Add Reverse}}<div class=x>{{Back}}</div>{{/Add Reverse}}<!-- c -->{{hint:Notes}}{{type:Front}}"
	for n := 0; n < b.N; n++ {
		if _, err := Parse(src); err != nil {
			b.Fatal(err)
		}
	}
}
