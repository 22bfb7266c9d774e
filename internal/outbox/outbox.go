package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/ent/privacy"
	"launchgraph/internal/apperr"
	"launchgraph/internal/registration"
)

// Outbox writes rendered notifications in the transaction of the change they report. It
// implements registration.Notifier.
type Outbox struct {
	renderer Renderer
	now      func() time.Time
	nudge    chan struct{}
}

// New returns an Outbox rendering with r.
func New(r Renderer) *Outbox {
	return &Outbox{renderer: r, now: time.Now, nudge: make(chan struct{}, 1)}
}

// Notify renders the message of n and stores it as a PENDING notification with tx.
func (o *Outbox) Notify(ctx context.Context, tx *ent.Client, n registration.Notice) error {
	l, err := tx.Launch.Get(ctx, n.LaunchID)
	if err != nil {
		return fmt.Errorf("outbox: read launch: %w", err)
	}
	create := tx.Notification.Create().
		SetKind(n.Kind).
		SetRecipient(n.Registrant.Email).
		SetRegistrantID(n.Registrant.ID).
		SetNextAttemptAt(o.now())
	msg, err := o.renderer.Render(n, l)
	if err != nil {
		// Nothing in an email may fail the change it reports: the change commits, and the
		// message is kept FAILED with the reason, for an admin to see and retry.
		err = create.SetSubject("").SetStatus(notification.StatusFAILED).
			SetLastError(fmt.Sprintf("render: %v", err)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("outbox: store unrendered notification: %w", err)
		}
		return nil
	}
	err = create.
		SetSubject(msg.Subject).
		SetLanguage(msg.Language).
		SetMessage(msg.MIME).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("outbox: store notification: %w", err)
	}
	o.Nudge()
	return nil
}

// Nudge wakes the sender of this process early (the change may still roll back: the
// sender then finds nothing new).
func (o *Outbox) Nudge() {
	select {
	case o.nudge <- struct{}{}:
	default:
	}
}

// Nudges is the channel a Sender of this process listens on.
func (o *Outbox) Nudges() <-chan struct{} { return o.nudge }

// Retry puts FAILED notification id back to PENDING with its attempts reset. Its body was
// erased when it failed, so the message is rendered again from the registrant and the
// launch as they are now, without the manage link (the plain token is not stored).
// Errors: NOT_FOUND, CONFLICT when it has not failed or its registrant is gone.
func (o *Outbox) Retry(ctx context.Context, client *ent.Client, id int) (*ent.Notification, error) {
	var out *ent.Notification
	err := withTx(ctx, client, func(tx *ent.Client) error {
		n, err := tx.Notification.Get(ctx, id)
		if ent.IsNotFound(err) {
			return apperr.Errorf(apperr.NotFound, "no such notification")
		}
		if err != nil {
			return fmt.Errorf("outbox: read notification: %w", err)
		}
		if n.Status != notification.StatusFAILED {
			return apperr.Errorf(apperr.Conflict, "only a FAILED notification can be retried; this one is %s", n.Status)
		}
		if n.RegistrantID == nil {
			return apperr.Errorf(apperr.Conflict, "the notification's registrant is gone")
		}
		r, err := tx.Registrant.Get(ctx, *n.RegistrantID)
		if ent.IsNotFound(err) {
			return apperr.Errorf(apperr.Conflict, "the notification's registrant is gone")
		}
		if err != nil {
			return fmt.Errorf("outbox: read registrant: %w", err)
		}
		l, err := tx.Launch.Get(ctx, r.LaunchID)
		if err != nil {
			return fmt.Errorf("outbox: read launch: %w", err)
		}
		msg, err := o.renderer.Render(registration.Notice{Kind: n.Kind, Registrant: r, LaunchID: l.ID}, l)
		if err != nil {
			return err
		}
		out, err = tx.Notification.UpdateOne(n).
			SetStatus(notification.StatusPENDING).
			SetAttempts(0).
			SetNextAttemptAt(o.now()).
			SetMessage(msg.MIME).
			SetSubject(msg.Subject).
			SetRecipient(r.Email).
			ClearLastError().
			Save(ctx)
		if err != nil {
			return fmt.Errorf("outbox: retry notification: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	o.Nudge()
	return out, nil
}

// withTx runs fn in the transaction of ctx when there is one, else in a new one.
func withTx(ctx context.Context, client *ent.Client, fn func(tx *ent.Client) error) error {
	if tx := ent.TxFromContext(ctx); tx != nil {
		return fn(tx.Client())
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("outbox: begin: %w", err)
	}
	if err := fn(tx.Client()); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("outbox: commit: %w", err)
	}
	return nil
}

// OldestPendingAge is the age of the oldest PENDING notification, 0 when there is none.
func OldestPendingAge(ctx context.Context, client *ent.Client, now time.Time) (time.Duration, error) {
	n, err := client.Notification.Query().
		Where(notification.StatusEQ(notification.StatusPENDING)).
		Order(notification.ByCreatedAt(), notification.ByID()).
		Select(notification.FieldCreatedAt).
		First(privacy.DecisionContext(ctx, privacy.Allow))
	if ent.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("outbox: oldest pending: %w", err)
	}
	return max(now.Sub(n.CreatedAt), 0), nil
}

// OldestPendingGauge is the launchgraph_notification_oldest_pending_seconds gauge, read
// from the database at each scrape.
func OldestPendingGauge(client *ent.Client) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "launchgraph_notification_oldest_pending_seconds",
		Help: "Age of the oldest notification waiting to be sent (0 when none).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		age, err := OldestPendingAge(ctx, client, time.Now())
		if err != nil {
			return -1
		}
		return age.Seconds()
	})
}
