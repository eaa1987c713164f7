// Interop: franz-go (github.com/twmb/franz-go/pkg/kgo, default settings) against a broker.
//
//  1. A CreateTopics request (kmsg, through the client) makes a 3-partition topic.
//  2. A default client (idempotent, acks=all, snappy batches) produces N keyed records with
//     headers and explicit timestamps; every promise must succeed, and the offsets must be
//     gap-free and in send order per partition.
//  3. A second client consumes the partitions directly (kgo.ConsumePartitions, no group) from the
//     start: every record at the offset its promise gave, keys/values/headers/timestamps intact.
//
// Only the contexts bound the run (seconds, so a broker that does not answer fails quickly).
// Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines and "TOPIC<TAB>name"; exit status 1 if
// anything failed.
//
//	go run . <host:port>          (or INTEROP_BOOTSTRAP; test/interop/franz-go.sh starts Bunka)
package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	n          = 5000
	partitions = 3
	keys       = 23
)

var passed, failed int

func result(op string, ok bool, detail string) {
	res := "PASS"
	if ok {
		passed++
	} else {
		failed++
		res = "FAIL"
	}
	detail = strings.NewReplacer("\t", " ", "\n", " | ").Replace(detail)
	if len(detail) > 400 {
		detail = detail[:400]
	}
	fmt.Printf("INTEROP\t%s\t%s\t%s\n", op, res, detail)
}

type sent struct {
	key, value string
	ts         int64
	index      string
}

type pos struct {
	offset int64
	index  int
}

func main() {
	bootstrap := os.Getenv("INTEROP_BOOTSTRAP")
	if len(os.Args) > 1 {
		bootstrap = os.Args[1]
	}
	if bootstrap == "" {
		fmt.Fprintln(os.Stderr, "usage: franz-go <host:port> (or INTEROP_BOOTSTRAP)")
		os.Exit(2)
	}
	topic := fmt.Sprintf("franz-go-%d-%d", time.Now().UnixMilli(), rand.Intn(1_000_000))
	fmt.Printf("TOPIC\t%s\n", topic)

	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		result("new client", false, err.Error())
		os.Exit(1)
	}

	// 1. CreateTopics.
	func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		req := kmsg.NewPtrCreateTopicsRequest()
		req.TimeoutMillis = 15000
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic = topic
		t.NumPartitions = partitions
		t.ReplicationFactor = 1
		req.Topics = append(req.Topics, t)
		resp, err := req.RequestWith(ctx, cl)
		switch {
		case err != nil:
			result("CreateTopics (3 partitions)", false, err.Error())
		case len(resp.Topics) != 1:
			result("CreateTopics (3 partitions)", false, fmt.Sprintf("%d topics in the response", len(resp.Topics)))
		case resp.Topics[0].ErrorCode != 0:
			result("CreateTopics (3 partitions)", false, kerr.ErrorForCode(resp.Topics[0].ErrorCode).Error())
		default:
			result("CreateTopics (3 partitions)", true, "created")
		}
	}()

	// 2. Produce with the defaults.
	base := time.Now().Add(-time.Minute).UnixMilli()
	all := make([]sent, n)
	for i := range all {
		all[i] = sent{fmt.Sprintf("key-%d", i%keys), fmt.Sprintf("franz:%d:%s", i, strings.Repeat("f", i%37)), base + int64(i), strconv.Itoa(i)}
	}
	type report struct {
		partition int32
		offset    int64
		err       error
	}
	reports := make([]report, n)
	var wg sync.WaitGroup
	func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for i, s := range all {
			wg.Add(1)
			r := &kgo.Record{
				Topic: topic, Key: []byte(s.key), Value: []byte(s.value), Timestamp: time.UnixMilli(s.ts),
				Headers: []kgo.RecordHeader{{Key: "h-index", Value: []byte(s.index)}, {Key: "h-client", Value: []byte("franz-go")}},
			}
			cl.Produce(ctx, r, func(r *kgo.Record, err error) {
				reports[i] = report{r.Partition, r.Offset, err}
				wg.Done()
			})
		}
		if err := cl.Flush(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "flush: %v\n", err)
		}
		wg.Wait()
	}()
	cl.Close()
	delivered := map[int32][]pos{}
	var errs []string
	for i, r := range reports {
		if r.err != nil {
			errs = append(errs, fmt.Sprintf("#%d: %v", i, r.err))
			continue
		}
		delivered[r.partition] = append(delivered[r.partition], pos{r.offset, i})
	}
	var gaps []string
	var counts []string
	for _, p := range sortedKeys(delivered) {
		for j, e := range delivered[p] {
			if e.offset != int64(j) {
				gaps = append(gaps, fmt.Sprintf("partition %d: offset %d for its record #%d", p, e.offset, j))
				break
			}
		}
		counts = append(counts, fmt.Sprintf("p%d=%d", p, len(delivered[p])))
	}
	if len(errs) == 0 && len(gaps) == 0 {
		result("produce (defaults: idempotent, acks=all)", true, fmt.Sprintf("%d acknowledged: %s", n, strings.Join(counts, " ")))
	} else {
		result("produce (defaults: idempotent, acks=all)", false, fmt.Sprintf("%d of %d failed (%s) %s", len(errs), n, first(errs), first(gaps)))
	}

	// 3. Consume the partitions directly from the start.
	if len(delivered) == 0 {
		result("consume (ConsumePartitions, AtStart)", false, "nothing was acknowledged to read back")
		os.Exit(1)
	}
	offsets := map[int32]kgo.Offset{}
	for p := int32(0); p < partitions; p++ {
		offsets[p] = kgo.NewOffset().AtStart()
	}
	consumer, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}))
	if err != nil {
		result("consume (ConsumePartitions, AtStart)", false, err.Error())
		os.Exit(1)
	}
	defer consumer.Close()
	read := map[int32][]pos{}
	var problems []string
	received := 0
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for received < n && ctx.Err() == nil && len(problems) < 5 {
		fetches := consumer.PollFetches(ctx)
		for _, fe := range fetches.Errors() {
			if fe.Err != context.DeadlineExceeded && fe.Err != context.Canceled {
				problems = append(problems, fmt.Sprintf("fetch %s-%d: %v", fe.Topic, fe.Partition, fe.Err))
			}
		}
		fetches.EachRecord(func(r *kgo.Record) {
			received++
			parts := strings.SplitN(string(r.Value), ":", 3)
			i := -1
			if len(parts) == 3 && parts[0] == "franz" {
				if v, err := strconv.Atoi(parts[1]); err == nil && v >= 0 && v < n {
					i = v
				}
			}
			if i < 0 {
				problems = append(problems, fmt.Sprintf("p%d@%d: unexpected value %.40q", r.Partition, r.Offset, r.Value))
				return
			}
			s := all[i]
			if string(r.Value) != s.value {
				problems = append(problems, fmt.Sprintf("#%d: value differs", i))
			}
			if string(r.Key) != s.key {
				problems = append(problems, fmt.Sprintf("#%d: key %q, expected %q", i, r.Key, s.key))
			}
			if r.Timestamp.UnixMilli() != s.ts || r.Attrs.TimestampType() != 0 {
				problems = append(problems, fmt.Sprintf("#%d: timestamp %d (type %d), expected %d", i, r.Timestamp.UnixMilli(), r.Attrs.TimestampType(), s.ts))
			}
			if len(r.Headers) != 2 || r.Headers[0].Key != "h-index" || string(r.Headers[0].Value) != s.index ||
				r.Headers[1].Key != "h-client" || string(r.Headers[1].Value) != "franz-go" {
				problems = append(problems, fmt.Sprintf("#%d: headers %v", i, r.Headers))
			}
			read[r.Partition] = append(read[r.Partition], pos{r.Offset, i})
		})
	}
	for p, want := range delivered {
		got := read[p]
		same := len(got) == len(want)
		for j := 0; same && j < len(want); j++ {
			same = got[j] == want[j]
		}
		if !same {
			problems = append(problems, fmt.Sprintf("partition %d: read %d records, not the %d acknowledged, in order", p, len(got), len(want)))
		}
	}
	if received != n {
		problems = append(problems, fmt.Sprintf("received %d of %d", received, n))
	}
	if len(problems) == 0 {
		result("consume (ConsumePartitions, AtStart)", true, fmt.Sprintf("%d records in order, keys/headers/timestamps intact", received))
	} else {
		if len(problems) > 3 {
			problems = problems[:3]
		}
		result("consume (ConsumePartitions, AtStart)", false, strings.Join(problems, "; "))
	}
	transactional(bootstrap, topic+"-txn")
	if failed > 0 {
		os.Exit(1)
	}
}

// transactional: a transactional client gets a definite answer at once: a committed
// transaction where the broker has transactions (Kafka), or TRANSACTIONAL_ID_AUTHORIZATION_FAILED
// (Bunka, until it has a transaction coordinator), not retries until the context ends. The
// context allows 60 s; 20 s is a wide margin for "at once".
func transactional(bootstrap, topic string) {
	const op = "transactional client: committed, or refused at once"
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.TransactionalID("interop-franz-go-"+topic),
		kgo.DefaultProduceTopic(topic), kgo.AllowAutoTopicCreation())
	if err != nil {
		result(op, false, err.Error())
		return
	}
	defer cl.Close()
	outcome, definite := "committed", true
	if err = cl.BeginTransaction(); err == nil {
		err = cl.ProduceSync(ctx, &kgo.Record{Value: []byte("franz:txn")}).FirstErr()
	}
	if err == nil {
		err = cl.EndTransaction(ctx, kgo.TryCommit)
	} else {
		_ = cl.EndTransaction(ctx, kgo.TryAbort)
	}
	if err != nil {
		definite = errors.Is(err, kerr.TransactionalIDAuthorizationFailed)
		outcome = "refused: " + err.Error()
	}
	ms := time.Since(start).Milliseconds()
	result(op, definite && ms < 20_000, fmt.Sprintf("%s after %d ms", outcome, ms))
}

func sortedKeys(m map[int32][]pos) []int32 {
	ks := make([]int32, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(a, b int) bool { return ks[a] < ks[b] })
	return ks
}

func first(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}
