package outbox_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/internal/outbox"
	"launchgraph/internal/store/storetest"
)

// BenchmarkSenderBacklog measures how fast one sender drains a backlog over SMTP on
// PostgreSQL: 30,000 messages (a 10 s burst at 3,000 registrations/s), to a go-smtp server
// in the same process. It reports messages/s and the process's CPU per message (the SMTP
// server's included). Run: go test -run X -bench SenderBacklog -benchtime 1x ./internal/outbox
func BenchmarkSenderBacklog(b *testing.B) {
	const n = 30000
	db := storetest.Postgres(b)
	f := newFixture(b, db)
	l := f.launch(b)
	regs := make([]int, 8)
	for i := range regs {
		regs[i] = f.register(b, l.ID, fmt.Sprintf("r%d@example.org", i)).Registrant.ID
	}
	m := startMailServer(b)
	for b.Loop() {
		b.StopTimer()
		queue(b, db.Client, regs, n)
		s := f.sender(b, smtpTransport(b, m), outbox.SenderConfig{})
		cpu0 := cpuTime()
		start := time.Now()
		b.StartTimer()
		drain(b, s)
		elapsed := time.Since(start)
		b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/n, "cpu-µs/msg")
	}
}

// queue inserts n PENDING notifications for the registrants regs.
func queue(tb testing.TB, client *ent.Client, regs []int, n int) {
	tb.Helper()
	ctx := context.Background()
	now := time.Now()
	for done := 0; done < n; {
		var creates []*ent.NotificationCreate
		for i := 0; i < 1000 && done < n; i, done = i+1, done+1 {
			creates = append(creates, client.Notification.Create().SetKind(notification.KindWAITLISTED).
				SetRecipient(fmt.Sprintf("q%d@example.org", done)).SetRegistrantID(regs[done%len(regs)]).
				SetRegistrantStatus("WAITLISTED").SetWaitlistPosition(done+1).SetLanguage("en").
				SetNextAttemptAt(now).SetCreatedAt(now).SetUpdatedAt(now))
		}
		client.Notification.CreateBulk(creates...).ExecX(ctx)
	}
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
