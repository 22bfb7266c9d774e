package outbox

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"launchgraph/ent"
	"launchgraph/ent/notification"
	"launchgraph/ent/privacy"
	"launchgraph/internal/apperr"
	"launchgraph/internal/opt"
	"launchgraph/internal/registration"
	"launchgraph/internal/txn"
)

// Outbox records registrant state changes as notifications in the transaction of the
// change, for the Sender to render and deliver. It implements registration.Notifier.
type Outbox struct {
	renderer Renderer
	seal     cipher.AEAD
	now      func() time.Time
	nudge    chan struct{}
}

// Option configures an Outbox.
type Option func(*config)

type config struct{ secret string }

// WithSealSecret seals manage tokens under a key derived from secret (MAIL_TOKEN_KEY)
// instead of the development key, which anyone with the source can derive.
func WithSealSecret(secret string) Option { return func(c *config) { c.secret = secret } }

// devSealKey is the secret manage tokens are sealed with when none is configured
// (development): sealing then only keeps tokens out of casual sight.
const devSealKey = "launchgraph development token seal key"

// New returns an Outbox whose sender renders with r.
func New(r Renderer, opts ...Option) *Outbox {
	c := config{secret: devSealKey}
	for _, o := range opts {
		o(&c)
	}
	if c.secret == "" {
		c.secret = devSealKey
	}
	k, err := hkdf.Key(sha256.New, []byte(c.secret), nil, "launchgraph outbox token seal v1", 32)
	if err != nil {
		panic(fmt.Sprintf("outbox: derive seal key: %v", err)) // only for lengths above 255·32
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		panic(fmt.Sprintf("outbox: seal cipher: %v", err)) // a 32-byte key always fits
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(fmt.Sprintf("outbox: seal cipher: %v", err))
	}
	return &Outbox{renderer: r, seal: gcm, now: time.Now, nudge: make(chan struct{}, 1)}
}

// Seal implements registration.Notifier: nonce || AES-GCM(token).
func (o *Outbox) Seal(token string) ([]byte, error) {
	nonce := make([]byte, o.seal.NonceSize(), o.seal.NonceSize()+len(token)+o.seal.Overhead())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	return o.seal.Seal(nonce, nonce, []byte(token), nil), nil
}

// open reverses Seal.
func (o *Outbox) open(sealed []byte) (string, error) {
	if len(sealed) < o.seal.NonceSize() {
		return "", errors.New("outbox: sealed token too short")
	}
	pt, err := o.seal.Open(nil, sealed[:o.seal.NonceSize()], sealed[o.seal.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("outbox: open sealed token: %w", err)
	}
	return string(pt), nil
}

// Notify implements registration.Notifier: one PENDING notification per notice, in one
// statement, recording what happened; the sender is nudged once the change commits.
func (o *Outbox) Notify(ctx context.Context, tx *ent.Client, notices []registration.Notice) error {
	now := o.now()
	creates := make([]*ent.NotificationCreate, len(notices))
	for i, n := range notices {
		r := n.Registrant
		creates[i] = tx.Notification.Create().
			SetKind(n.Kind).
			SetRecipient(r.Email).
			SetRegistrantID(r.ID).
			SetRegistrantStatus(string(r.Status)).
			SetNillableWaitlistPosition(r.WaitlistPosition).
			SetLanguage(Language(opt.Val(r.Language))).
			SetNextAttemptAt(now).
			SetCreatedAt(now).
			SetUpdatedAt(now)
		if len(n.SealedToken) > 0 {
			creates[i].SetSealedToken(n.SealedToken)
		}
	}
	if err := tx.Notification.CreateBulk(creates...).Exec(privacy.DecisionContext(ctx, privacy.Allow)); err != nil {
		return fmt.Errorf("outbox: store notifications: %w", err)
	}
	if t := ent.TxFromContext(ctx); t != nil {
		t.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				err := next.Commit(ctx, tx)
				if err == nil {
					o.Nudge()
				}
				return err
			})
		})
		return nil
	}
	o.Nudge()
	return nil
}

// Nudge wakes the sender of this process early.
func (o *Outbox) Nudge() {
	select {
	case o.nudge <- struct{}{}:
	default:
	}
}

// Nudges is the channel a Sender of this process listens on.
func (o *Outbox) Nudges() <-chan struct{} { return o.nudge }

// Retry puts FAILED notification id back to PENDING with its attempts reset; the sender
// renders it again from the registrant and the launch as they are then, without the manage
// link (the token was erased when it failed). Errors: NOT_FOUND, CONFLICT when it has not
// failed or its registrant is gone.
func (o *Outbox) Retry(ctx context.Context, client *ent.Client, id int) (*ent.Notification, error) {
	var out *ent.Notification
	err := txn.Run(ctx, client, txn.Policy{}, func(ctx context.Context, tx *ent.Client) error {
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
		r, err := tx.Registrant.Get(privacy.DecisionContext(ctx, privacy.Allow), *n.RegistrantID)
		if ent.IsNotFound(err) {
			return apperr.Errorf(apperr.Conflict, "the notification's registrant is gone")
		}
		if err != nil {
			return fmt.Errorf("outbox: read registrant: %w", err)
		}
		out, err = tx.Notification.UpdateOne(n).
			SetStatus(notification.StatusPENDING).
			SetAttempts(0).
			SetNextAttemptAt(o.now()).
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
