// Interop: franz-go's kgo.GroupTransactSession, consume-transform-produce between two topics.
//
//  1. CreateTopics (kmsg) makes a 3-partition input and a 3-partition output topic; a plain
//     producer sends N records to the input, "in-<i>" on partition i%3.
//  2. A GroupTransactSession (a group member with a transactional id, read_committed fetches,
//     RequireStableFetchOffsets) polls up to MaxPoll records at a time; inside Begin/End each
//     record becomes "OUT-<i>" on the same partition of the output topic, and End commits the
//     produced records together with the group's offsets (TxnOffsetCommit). Every 4th
//     transaction is flushed to the broker and then ended with TryAbort: the session rewinds to
//     the committed offsets and the records come again.
//  3. A read_committed reader (ConsumePartitions from the start, no group) must find every input
//     record transformed exactly once, in input order per partition, none of an aborted attempt;
//     OffsetFetch for the group must give the input's end offsets.
//
// Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines; exit status 1 if anything failed.
//
//	go run . <host:port>          (test/interop/franz-go-txn.sh starts Bunka)
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	partitions = 3
	n          = 900
	maxPoll    = 40
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

func createTopics(bootstrap string, names ...string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		return err
	}
	defer cl.Close()
	req := kmsg.NewPtrCreateTopicsRequest()
	for _, name := range names {
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic, t.NumPartitions, t.ReplicationFactor = name, partitions, 1
		req.Topics = append(req.Topics, t)
	}
	req.TimeoutMillis = 15000
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return err
	}
	for _, t := range resp.Topics {
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return fmt.Errorf("%s: %w", t.Topic, err)
		}
	}
	return nil
}

// offsets asks the group coordinator for the group's committed offsets of topic (OffsetFetch).
func offsets(bootstrap, group, topic string) (map[int32]int64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = group
	rt := kmsg.NewOffsetFetchRequestTopic()
	rt.Topic = topic
	for p := int32(0); p < partitions; p++ {
		rt.Partitions = append(rt.Partitions, p)
	}
	req.Topics = append(req.Topics, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, err
	}
	out := map[int32]int64{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return nil, fmt.Errorf("partition %d: %w", p.Partition, err)
			}
			out[p.Partition] = p.Offset
		}
	}
	return out, nil
}

type outRecord struct {
	offset     int64
	key, value string
}

// readCommitted reads the topic read_committed from the start until want records have come and
// nothing more arrives for a second (or the deadline passes).
func readCommitted(bootstrap, topic string, want int, deadline time.Duration) (map[int32][]outRecord, error) {
	start := map[int32]kgo.Offset{}
	for p := int32(0); p < partitions; p++ {
		start[p] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: start}), kgo.FetchMaxWait(200*time.Millisecond))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	got := map[int32][]outRecord{}
	count := 0
	end := time.Now().Add(deadline)
	var quietSince time.Time
	for time.Now().Before(end) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		fetches := cl.PollFetches(ctx)
		cancel()
		for _, e := range fetches.Errors() {
			if !errors.Is(e.Err, context.DeadlineExceeded) {
				return got, fmt.Errorf("fetch p%d: %w", e.Partition, e.Err)
			}
		}
		if fetches.NumRecords() > 0 {
			quietSince = time.Time{}
		}
		fetches.EachRecord(func(r *kgo.Record) {
			got[r.Partition] = append(got[r.Partition], outRecord{r.Offset, string(r.Key), string(r.Value)})
			count++
		})
		if count >= want {
			if quietSince.IsZero() {
				quietSince = time.Now()
			} else if time.Since(quietSince) > time.Second {
				return got, nil
			}
		}
	}
	return got, fmt.Errorf("read %d of %d records in %v", count, want, deadline)
}

func main() {
	bootstrap := os.Getenv("INTEROP_BOOTSTRAP")
	if len(os.Args) > 1 {
		bootstrap = os.Args[1]
	}
	suffix := fmt.Sprintf("%x", time.Now().UnixNano())
	in, out, group := "franz-txn-in-"+suffix, "franz-txn-out-"+suffix, "franz-txn-"+suffix

	if err := createTopics(bootstrap, in, out); err != nil {
		result("CreateTopics (input, output)", false, err.Error())
		os.Exit(1)
	}
	want := map[int32][]string{}
	{
		cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.RecordPartitioner(kgo.ManualPartitioner()))
		if err == nil {
			var recs []*kgo.Record
			for i := 0; i < n; i++ {
				p := int32(i % partitions)
				recs = append(recs, &kgo.Record{Topic: in, Partition: p, Value: []byte(fmt.Sprintf("in-%d", i))})
				want[p] = append(want[p], fmt.Sprintf("OUT-%d", i))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err = cl.ProduceSync(ctx, recs...).FirstErr()
			cancel()
			cl.Close()
		}
		if err != nil {
			result(fmt.Sprintf("produce %d input records", n), false, err.Error())
			os.Exit(1)
		}
	}

	op := "GroupTransactSession: consume-transform-produce, every 4th transaction aborted"
	sess, err := kgo.NewGroupTransactSession(
		kgo.SeedBrokers(bootstrap),
		kgo.ClientID("franz-txn"),
		kgo.TransactionalID("franz-txn-"+suffix),
		kgo.TransactionTimeout(30*time.Second),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(in),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.RequireStableFetchOffsets(),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.FetchMaxWait(200*time.Millisecond),
		kgo.SessionTimeout(10*time.Second),
		kgo.RetryTimeout(15*time.Second),
	)
	if err != nil {
		result(op, false, err.Error())
		os.Exit(1)
	}
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	txns, aborts, consumed := 0, 0, 0
	var loopErr error
	for consumed < n && loopErr == nil {
		if ctx.Err() != nil {
			loopErr = fmt.Errorf("consumed %d of %d in 60 s", consumed, n)
			break
		}
		pollCtx, pollCancel := context.WithTimeout(ctx, 500*time.Millisecond)
		fetches := sess.PollRecords(pollCtx, maxPoll)
		pollCancel()
		for _, e := range fetches.Errors() {
			if !errors.Is(e.Err, context.DeadlineExceeded) && !errors.Is(e.Err, context.Canceled) {
				loopErr = fmt.Errorf("poll %s p%d: %w", e.Topic, e.Partition, e.Err)
			}
		}
		if loopErr != nil || fetches.NumRecords() == 0 {
			continue
		}
		abort := txns%4 == 3
		txns++
		if err := sess.Begin(); err != nil {
			loopErr = fmt.Errorf("Begin: %w", err)
			break
		}
		var produceErr error
		key := "kept"
		if abort {
			key = "aborted"
		}
		fetches.EachRecord(func(r *kgo.Record) {
			value := "OUT-" + strings.TrimPrefix(string(r.Value), "in-")
			sess.Produce(ctx, &kgo.Record{Topic: out, Partition: r.Partition, Key: []byte(key), Value: []byte(value)},
				func(_ *kgo.Record, err error) {
					if err != nil && produceErr == nil {
						produceErr = err
					}
				})
		})
		if abort {
			// On the broker first, so the abort has records to cover (End(TryAbort) would drop them unsent).
			if err := sess.Client().Flush(ctx); err != nil {
				loopErr = fmt.Errorf("flush before abort: %w", err)
				break
			}
		}
		committed, err := sess.End(ctx, kgo.TransactionEndTry(!abort))
		if err != nil {
			loopErr = fmt.Errorf("End (transaction %d): %w", txns, err)
			break
		}
		if !abort && produceErr != nil {
			loopErr = fmt.Errorf("produce (transaction %d): %w", txns, produceErr)
			break
		}
		if abort {
			aborts++
		} else if committed {
			consumed += fetches.NumRecords()
		}
	}
	cancel()
	ms := time.Since(t0).Milliseconds()
	sess.Close()
	if loopErr != nil {
		result(op, false, fmt.Sprintf("%v (after %d transactions, %d ms)", loopErr, txns, ms))
		result("output read_committed: every input record once, in order", false, "not run: the loop failed")
		result("group offsets = input end offsets (OffsetFetch)", false, "not run: the loop failed")
		os.Exit(1)
	}
	result(op, true, fmt.Sprintf("%d records in %d transactions (%d aborted) in %d ms", n, txns, aborts, ms))

	got, err := readCommitted(bootstrap, out, n, 20*time.Second)
	problem := ""
	if err != nil {
		problem = err.Error()
	}
	for p := int32(0); p < partitions && problem == ""; p++ {
		w, g := want[p], got[p]
		last := int64(-1)
		for i := 0; i < len(w) || i < len(g); i++ {
			switch {
			case i >= len(g):
				problem = fmt.Sprintf("partition %d: read %d records, expected %d", p, len(g), len(w))
			case i >= len(w):
				problem = fmt.Sprintf("partition %d: extra record %q at offset %d", p, g[i].value, g[i].offset)
			case g[i].key != "kept":
				problem = fmt.Sprintf("partition %d offset %d: record of an aborted transaction (%s)", p, g[i].offset, g[i].value)
			case g[i].value != w[i]:
				problem = fmt.Sprintf("partition %d record #%d at offset %d: %s, expected %s", p, i, g[i].offset, g[i].value, w[i])
			case g[i].offset <= last:
				problem = fmt.Sprintf("partition %d: offset %d after %d", p, g[i].offset, last)
			}
			if problem != "" {
				break
			}
			last = g[i].offset
		}
	}
	result("output read_committed: every input record once, in order", problem == "",
		map[bool]string{true: fmt.Sprintf("%d transformed records, none from aborted attempts", n), false: problem}[problem == ""])

	committed, err := offsets(bootstrap, group, in)
	ok := err == nil
	detail := ""
	for p := int32(0); p < partitions; p++ {
		wantOffset := int64(len(want[p]))
		ok = ok && committed[p] == wantOffset
		detail += fmt.Sprintf(" p%d %d/%d", p, committed[p], wantOffset)
	}
	if err != nil {
		detail = err.Error()
	}
	result("group offsets = input end offsets (OffsetFetch)", ok, "committed/end:"+detail)
	fmt.Fprintf(os.Stderr, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
