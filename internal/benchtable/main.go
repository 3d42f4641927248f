// Command benchtable prints the table `make bench` ends with: every ratio row
// of bench/pairs.tsv (a benchmark against its physical limit or against what a
// user would use instead) and every custom metric the benchmarks reported.
//
// Input files hold Go benchmark lines, from `go test -bench` or from the
// node and workerd benchmark scripts, which write the same format:
//
//	BenchmarkName-2   1000   123.4 ns/op   0 B/op   0 allocs/op   5.2 p50-ms
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

func main() {
	pairs := flag.String("pairs", "bench/pairs.tsv", "ratio rows: row, benchmark, baseline, metric, target")
	flag.Parse()
	if err := run(os.Stdout, *pairs, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// results maps a benchmark name (no "Benchmark" prefix, no -N suffix) to its
// metrics by unit. A benchmark run several times (-count) keeps its fastest
// ns/op, the estimate least disturbed by other load on the machine, and the
// last value of every other metric.
type results map[string]map[string]float64

type pair struct {
	row, bench, baseline, metric, target string
}

func run(w io.Writer, pairsPath string, files []string) error {
	res := results{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = parse(f, res)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	pairs, err := readPairs(pairsPath)
	if err != nil {
		return err
	}
	failed := printRatios(w, pairs, res)
	printCustomMetrics(w, res)
	if failed > 0 {
		fmt.Fprintf(w, "\n%d ratio row(s) missed their target.\n", failed)
	}
	return nil
}

func parse(r io.Reader, res results) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if _, err := strconv.ParseInt(fields[1], 10, 64); err != nil {
			continue
		}
		name := strings.TrimPrefix(fields[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		metrics := res[name]
		if metrics == nil {
			metrics = map[string]float64{}
			res[name] = metrics
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			unit := fields[i+1]
			if old, seen := metrics[unit]; seen && unit == "ns/op" && old < v {
				continue
			}
			metrics[unit] = v
		}
	}
	return sc.Err()
}

func readPairs(path string) ([]pair, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pairs []pair
	for n, line := range strings.Split(string(raw), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 4 {
			return nil, fmt.Errorf("%s:%d: want row, benchmark, baseline, metric[, target] separated by tabs", path, n+1)
		}
		p := pair{row: cols[0], bench: cols[1], baseline: cols[2], metric: cols[3]}
		if len(cols) > 4 {
			p.target = strings.TrimSpace(cols[4])
		}
		pairs = append(pairs, p)
	}
	return pairs, nil
}

func printRatios(w io.Writer, pairs []pair, res results) (failed int) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ratio row\tvalue\tbaseline\tratio\ttarget\tallocs/op\t")
	for _, p := range pairs {
		v, okV := res[p.bench][p.metric]
		b, okB := res[p.baseline][p.metric]
		if !okV || !okB {
			fmt.Fprintf(tw, "%s\t(not run)\t\t\t%s\t\t\n", p.row, p.target)
			continue
		}
		ratio := v / b
		verdict, err := meets(ratio, p.target)
		if err != nil {
			verdict = err.Error()
		}
		if verdict == "MISSED" {
			failed++
		}
		allocs := ""
		if a, ok := res[p.bench]["allocs/op"]; ok {
			allocs = strconv.FormatFloat(a, 'f', -1, 64)
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%.2fx\t%s %s\t%s\t\n", p.row, format(v), p.metric, format(b), ratio, p.target, verdict, allocs)
	}
	tw.Flush()
	return failed
}

func meets(ratio float64, target string) (string, error) {
	if target == "" {
		return "", nil
	}
	var limit float64
	var err error
	switch {
	case strings.HasPrefix(target, "<="):
		limit, err = strconv.ParseFloat(target[2:], 64)
		if err == nil && ratio > limit {
			return "MISSED", nil
		}
	case strings.HasPrefix(target, ">="):
		limit, err = strconv.ParseFloat(target[2:], 64)
		if err == nil && ratio < limit {
			return "MISSED", nil
		}
	default:
		err = errors.New("bad target")
	}
	if err != nil {
		return "", fmt.Errorf("target %q is not <=X or >=X", target)
	}
	return "ok", nil
}

var standardUnits = map[string]bool{"ns/op": true, "B/op": true, "allocs/op": true, "MB/s": true}

func printCustomMetrics(w io.Writer, res results) {
	var lines []string
	for name, metrics := range res {
		for unit, v := range metrics {
			if !standardUnits[unit] {
				lines = append(lines, fmt.Sprintf("%s\t%s\t%s\t", name, format(v), unit))
			}
		}
	}
	if len(lines) == 0 {
		return
	}
	sort.Strings(lines)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tvalue\tunit\t")
	for _, l := range lines {
		fmt.Fprintln(tw, l)
	}
	tw.Flush()
}

func format(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}
