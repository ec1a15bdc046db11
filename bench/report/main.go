// Command report turns the output of the benchmark suite (go test -bench, any -count) into
// the markdown table of docs/benchmarks.md: the median time of each benchmark, its peak RSS,
// the target from issue 11, the ratio to the floor or outside tool it is compared with,
// and whether the target is met. Usage: go run ./bench/report < raw.txt > report.md
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// result is every run of one benchmark.
type result struct {
	name  string
	ns    []float64
	rss   float64 // highest peakRSS-MB seen
	tool  []float64
	skip  string
	order int
}

func (r *result) median() float64 { return median(r.ns) }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

var (
	lineRE = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(.*)$`)
	skipRE = regexp.MustCompile(`^\s+\S+\.go:\d+: (did-not-finish: .*|.* not installed|.*node_modules missing.*)$`)
	runRE  = regexp.MustCompile(`^(?:=== RUN|--- SKIP:)\s+(Benchmark\S+)`)
)

func parse(r io.Reader) map[string]*result {
	out := map[string]*result{}
	get := func(name string) *result {
		if x, ok := out[name]; ok {
			return x
		}
		x := &result{name: name, order: len(out)}
		out[name] = x
		return x
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	last := ""
	for sc.Scan() {
		line := sc.Text()
		if m := runRE.FindStringSubmatch(line); m != nil {
			last = m[1]
			continue
		}
		if m := skipRE.FindStringSubmatch(line); m != nil && last != "" {
			get(last).skip = m[1]
			continue
		}
		m := lineRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		x := get(m[1])
		ns, _ := strconv.ParseFloat(m[2], 64)
		x.ns = append(x.ns, ns)
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "peakRSS-MB":
				x.rss = max(x.rss, v)
			case "tool-ms":
				x.tool = append(x.tool, v*1e6)
			}
		}
	}
	return out
}

// rule gives a target to the benchmarks whose name matches.
type rule struct {
	re    *regexp.Regexp
	what  string
	limit time.Duration                       // absolute target, 0: none
	floor func(name string) (string, float64) // benchmark to compare with, and the allowed ratio
	// faster: the benchmark must be at least this many times faster than the floor one
	faster bool
	only   string // limit applies only at this size ("100k")
}

func compare(pattern, repl string, ratio float64) func(string) (string, float64) {
	re := regexp.MustCompile(pattern)
	return func(name string) (string, float64) { return re.ReplaceAllString(name, repl), ratio }
}

var rules = []rule{
	{re: regexp.MustCompile(`^BenchmarkOpenCounts/`), what: "open + deck tree counts", limit: 200 * time.Millisecond},
	{re: regexp.MustCompile(`^BenchmarkSearch/.*/typical/.*/unsorted$`), what: "search, typical", limit: 30 * time.Millisecond},
	{re: regexp.MustCompile(`^BenchmarkSearch/.*/typical/.*/sorted$`), what: "search, typical, sorted", limit: 150 * time.Millisecond},
	{re: regexp.MustCompile(`^BenchmarkSearch/.*/heavy/`), what: "search, heavy (no target)"},
	{re: regexp.MustCompile(`^BenchmarkBrowser/.*/first-page`), what: "browser first page", limit: 50 * time.Millisecond},
	{re: regexp.MustCompile(`^BenchmarkBrowser/.*/scroll-page`), what: "browser next page", limit: 50 * time.Millisecond},
	{re: regexp.MustCompile(`^BenchmarkRender10k/`), what: "render 10k cards", limit: time.Second},
	{re: regexp.MustCompile(`^BenchmarkSchedQueues/`), what: "scheduler queue build (no target)"},
	{re: regexp.MustCompile(`^BenchmarkWarmSearch/`), what: "search index build, in the background (no target)"},
	{re: regexp.MustCompile(`^BenchmarkImport/`), what: "apkg/colpkg import", limit: 10 * time.Second, only: "100k",
		floor: compare(`^BenchmarkImport/([^/]+)/.*$`, "BenchmarkFloorImport/$1", 1.5)},
	{re: regexp.MustCompile(`^BenchmarkCSVImport/`), what: "CSV import", limit: 10 * time.Second, only: "100k",
		floor: compare(`^BenchmarkCSVImport/([^/]+)$`, "BenchmarkFloorImport/$1", 1.5)},
	{re: regexp.MustCompile(`^BenchmarkExport/`), what: "apkg/colpkg export",
		floor: compare(`^BenchmarkExport/([^/]+)/.*$`, "BenchmarkFloorExport/$1", 1.5)},
	{re: regexp.MustCompile(`^BenchmarkSyncNormal1k/`), what: "normal sync, 1k changes", limit: time.Second},
	{re: regexp.MustCompile(`^BenchmarkSyncFull(Upload|Download)/`), what: "full sync",
		floor: compare(`^BenchmarkSyncFull\w+/([^/]+)$`, "BenchmarkSyncFloor/$1/collection", 1.3)},
	{re: regexp.MustCompile(`^BenchmarkSyncMedia/`), what: "media sync, 2k files",
		floor: compare(`^BenchmarkSyncMedia/([^/]+)$`, "BenchmarkSyncFloor/$1/media", 1.3)},
	{re: regexp.MustCompile(`^BenchmarkDeckhandReadLegacy/`), what: "read legacy apkg vs anki-reader", faster: true,
		floor: compare(`^BenchmarkDeckhandReadLegacy/(.*)$`, "BenchmarkOutsideAnkiReader/$1", 5)},
	{re: regexp.MustCompile(`^BenchmarkDeckhandImportLegacy/`), what: "import legacy apkg vs anki-reader (no target)", faster: true,
		floor: compare(`^BenchmarkDeckhandImportLegacy/(.*)$`, "BenchmarkOutsideAnkiReader/$1", 0)},
	{re: regexp.MustCompile(`^BenchmarkDeckhandExportLegacy/`), what: "write legacy apkg vs anki-apkg-export", faster: true,
		floor: compare(`^BenchmarkDeckhandExportLegacy/(.*)$`, "BenchmarkOutsideApkgExport/$1", 5)},
	{re: regexp.MustCompile(`^Benchmark(Floor|SyncFloor|Outside)`), what: "floor / outside tool"},
}

const rssLimit = 400 // MB

var outside = regexp.MustCompile(`^Benchmark(Floor|SyncFloor|Outside)`)

func dur(ns float64) string {
	d := time.Duration(ns)
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	}
}

func main() {
	res := parse(os.Stdin)
	var all []*result
	for _, r := range res {
		all = append(all, r)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].order < all[j].order })
	fmt.Println("| benchmark | median | peak RSS | target | ratio | met |")
	fmt.Println("|---|---:|---:|---|---:|---|")
	missed := 0
	for _, r := range all {
		name := strings.TrimPrefix(r.name, "Benchmark")
		if r.skip != "" && len(r.ns) == 0 {
			fmt.Printf("| %s | – | – | | | skipped: %s |\n", name, r.skip)
			continue
		}
		t := r.median()
		if len(r.tool) > 0 {
			t = median(r.tool) // the tool's own figure, without Node's start and exit
		}
		var target, ratio []string
		ok := true
		// the RSS target is Deckhand's; the floors and outside tools are only measured
		rssOK := r.rss == 0 || r.rss <= rssLimit || outside.MatchString(r.name)
		for _, ru := range rules {
			if !ru.re.MatchString(r.name) {
				continue
			}
			if ru.limit > 0 && (ru.only == "" || strings.Contains(r.name, "/"+ru.only)) {
				target = append(target, "≤ "+dur(float64(ru.limit)))
				ok = ok && t <= float64(ru.limit)
			}
			if ru.floor != nil {
				other, want := ru.floor(r.name)
				if o, found := res[other]; found && len(o.ns) > 0 {
					ot := o.median()
					if len(o.tool) > 0 {
						ot = median(o.tool)
					}
					if ru.faster {
						x := ot / t
						ratio = append(ratio, fmt.Sprintf("%.1f× faster than %s", x, strings.TrimPrefix(other, "Benchmark")))
						if want > 0 {
							target = append(target, fmt.Sprintf("≥ %.0f× faster", want))
							ok = ok && x >= want
						}
					} else {
						x := t / ot
						target = append(target, fmt.Sprintf("≤ %.1f× %s", want, strings.TrimPrefix(other, "Benchmark")))
						ratio = append(ratio, fmt.Sprintf("%.2f×", x))
						ok = ok && x <= want
					}
				} else if found && o.skip != "" {
					ratio = append(ratio, "(other side skipped)")
				}
			}
			break
		}
		met := "yes"
		switch {
		case len(target) == 0 && rssOK:
			met = ""
		case !ok || !rssOK:
			met = "**no**"
			missed++
		}
		rss := "–"
		if r.rss > 0 {
			rss = fmt.Sprintf("%.0f MB", r.rss)
			if !rssOK {
				rss = "**" + rss + "**"
			}
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", name, dur(t), rss, strings.Join(target, ", "), strings.Join(ratio, ", "), met)
	}
	fmt.Printf("\n%d benchmarks missed a target (time, ratio or peak RSS ≤ %d MB).\n", missed, rssLimit)
}
