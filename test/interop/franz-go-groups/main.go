// Interop: a franz-go (kgo) consumer group against a broker. Default group settings (the
// cooperative-sticky balancer, autocommit marks) except that offsets are committed explicitly
// after each poll (CommitUncommittedOffsets):
//
//  1. CreateTopics (kmsg) makes a 4-partition topic; a producer client sends 400 records.
//  2. Two group members (two clients, ConsumerGroup + ConsumeTopics) split the partitions 2/2 and
//     consume every record exactly once, committing as they go.
//  3. They close (LeaveGroup); 40 more records are produced; a new member resumes from the
//     committed offsets and gets exactly the 40 new ones (ConsumeResetOffset is the start, so a
//     lost commit would re-read everything).
//
// Prints "INTEROP<TAB>op<TAB>PASS|FAIL<TAB>detail" lines; exit status 1 if anything failed.
//
//	go run . <host:port>          (test/interop/franz-go-groups.sh starts Bunka)
package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const partitions = 4

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

type member struct {
	name     string
	client   *kgo.Client
	mu       sync.Mutex
	assigned map[int32]bool
	values   []string
	done     chan struct{}
}

func newMember(bootstrap, group, topic, name string) (*member, error) {
	m := &member{name: name, assigned: map[int32]bool{}, done: make(chan struct{})}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(bootstrap),
		kgo.ClientID("franz-"+name),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.SessionTimeout(10*time.Second),
		kgo.HeartbeatInterval(time.Second),
		kgo.FetchMaxWait(200*time.Millisecond),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) {
			m.mu.Lock()
			for _, p := range a[topic] {
				m.assigned[p] = true
			}
			m.mu.Unlock()
		}),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, r map[string][]int32) {
			_ = cl.CommitMarkedOffsets(ctx)
			m.mu.Lock()
			for _, p := range r[topic] {
				delete(m.assigned, p)
			}
			m.mu.Unlock()
		}),
	)
	if err != nil {
		return nil, err
	}
	m.client = cl
	go func() {
		defer close(m.done)
		for {
			fetches := cl.PollFetches(context.Background())
			if fetches.IsClientClosed() {
				return
			}
			fetches.EachRecord(func(r *kgo.Record) {
				m.mu.Lock()
				m.values = append(m.values, string(r.Value))
				m.mu.Unlock()
			})
			if fetches.NumRecords() > 0 {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_ = cl.CommitUncommittedOffsets(ctx)
				cancel()
			}
		}
	}()
	return m, nil
}

func (m *member) partitions() []int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []int32{}
	for p := range m.assigned {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (m *member) close() {
	m.client.Close() // leaves the group
	<-m.done
}

func counts(ms ...*member) map[string]int {
	c := map[string]int{}
	for _, m := range ms {
		m.mu.Lock()
		for _, v := range m.values {
			c[v]++
		}
		m.mu.Unlock()
	}
	return c
}

func waitFor(cond func() bool, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

func produce(bootstrap, topic, tag string, perPartition int) ([]string, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.AllowAutoTopicCreation(), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var values []string
	var recs []*kgo.Record
	for p := 0; p < partitions; p++ {
		for i := 0; i < perPartition; i++ {
			v := fmt.Sprintf("%s-%d-%d", tag, p, i)
			values = append(values, v)
			recs = append(recs, &kgo.Record{Topic: topic, Partition: int32(p), Value: []byte(v)})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return values, cl.ProduceSync(ctx, recs...).FirstErr()
}

func exactly(got map[string]int, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, v := range want {
		if got[v] != 1 {
			return false
		}
	}
	return true
}

func main() {
	bootstrap := os.Getenv("INTEROP_BOOTSTRAP")
	if len(os.Args) > 1 {
		bootstrap = os.Args[1]
	}
	suffix := fmt.Sprintf("%x", time.Now().UnixNano())
	topic := "franz-groups-" + suffix
	group := "franz-group-" + suffix

	admin, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err == nil {
		req := kmsg.NewPtrCreateTopicsRequest()
		t := kmsg.NewCreateTopicsRequestTopic()
		t.Topic, t.NumPartitions, t.ReplicationFactor = topic, partitions, 1
		req.Topics = append(req.Topics, t)
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		if _, err := req.RequestWith(ctx, admin); err != nil {
			fmt.Fprintf(os.Stderr, "CreateTopics failed (%v); relying on auto-creation\n", err)
		}
		cancel()
		admin.Close()
	}
	first, err := produce(bootstrap, topic, "first", 100)
	result("produce 400 records", err == nil, fmt.Sprint(err))

	a, errA := newMember(bootstrap, group, topic, "a")
	b, errB := newMember(bootstrap, group, topic, "b")
	if errA != nil || errB != nil {
		result("group members", false, fmt.Sprint(errA, errB))
		os.Exit(1)
	}
	all := waitFor(func() bool { return len(counts(a, b)) >= len(first) }, 60*time.Second)
	balanced := waitFor(func() bool { return len(a.partitions()) == 2 && len(b.partitions()) == 2 }, 20*time.Second)
	result("two members split 4 partitions 2/2 (cooperative-sticky)", balanced, fmt.Sprintf("a=%v b=%v", a.partitions(), b.partitions()))
	got := counts(a, b)
	result("400 records consumed once across the group, committed", all && exactly(got, first), fmt.Sprintf("distinct=%d", len(got)))
	a.close()
	b.close()

	second, err := produce(bootstrap, topic, "second", 10)
	if err != nil {
		result("produce 40 more", false, err.Error())
	}
	c, err := newMember(bootstrap, group, topic, "c")
	if err != nil {
		result("restarted member", false, err.Error())
		os.Exit(1)
	}
	waitFor(func() bool { return len(counts(c)) >= len(second) }, 60*time.Second)
	time.Sleep(time.Second)
	got2 := counts(c)
	reread := 0
	for v := range got2 {
		if strings.HasPrefix(v, "first") {
			reread++
		}
	}
	result("a restarted member resumes from the committed offsets", exactly(got2, second),
		fmt.Sprintf("got %d (expected the 40 new ones), %d old ones re-read", len(got2), reread))
	c.close()
	fmt.Fprintf(os.Stderr, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
