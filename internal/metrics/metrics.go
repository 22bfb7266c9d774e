// Package metrics exposes launchgraph's Prometheus metrics: GraphQL operations by name and
// outcome, latency, errors by code, live connections, the database pool and registrations
// by outcome. Each Metrics has its own registry, so several servers can run in one process.
package metrics

import (
	"database/sql"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"launchgraph/internal/apperr"
)

// MaxOperationNames bounds the operation names that get a label of their own; later
// names, and names longer than 64 bytes or not GraphQL names, are counted as "other".
// Without a bound, 300 requests with made-up names held 56 MB for good.
const MaxOperationNames = 200

// Metrics holds the collectors of one server.
type Metrics struct {
	names         sync.Map // operation names with a label of their own
	nameCount     atomic.Int32
	registry      *prometheus.Registry
	operations    *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	errors        *prometheus.CounterVec
	websockets    prometheus.Gauge
	subscriptions prometheus.Gauge
	registrations *prometheus.CounterVec
	batches       prometheus.Histogram
	notifications *prometheus.CounterVec
}

// New registers the collectors, including the pool statistics of db.
func New(db *sql.DB) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "launchgraph_graphql_operations_total",
			Help: "GraphQL operations by operation name, type and outcome (ok or error).",
		}, []string{"operation", "type", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "launchgraph_graphql_operation_duration_seconds",
			Help:    "GraphQL operation latency by operation type.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "launchgraph_graphql_errors_total",
			Help: "GraphQL errors by extensions.code.",
		}, []string{"code"}),
		websockets: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "launchgraph_websocket_connections",
			Help: "Open websocket connections.",
		}),
		subscriptions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "launchgraph_active_subscriptions",
			Help: "Active GraphQL subscriptions (websocket and SSE).",
		}),
		registrations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "launchgraph_registrations_total",
			Help: "register calls by outcome (confirmed, waitlisted, pending, or rejected with the rule's error code as reason); repeats under an idempotency key count once.",
		}, []string{"outcome", "reason"}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "launchgraph_registration_batch_size",
			Help:    "Registrations decided and committed together in one transaction (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
		}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "launchgraph_notifications_total",
			Help: "Notification deliveries by kind and outcome (sent, retry, failed).",
		}, []string{"kind", "outcome"}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db, "launchgraph"),
		m.operations, m.latency, m.errors, m.websockets, m.subscriptions, m.registrations, m.batches, m.notifications,
	)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Register adds collectors owned elsewhere (e.g. the outbox's oldest-pending gauge).
func (m *Metrics) Register(cs ...prometheus.Collector) { m.registry.MustRegister(cs...) }

// Operation records one GraphQL operation.
func (m *Metrics) Operation(name, typ string, failed bool, d time.Duration) {
	if m == nil {
		return
	}
	name = m.operationLabel(name)
	outcome := "ok"
	if failed {
		outcome = "error"
	}
	m.operations.WithLabelValues(name, typ, outcome).Inc()
	m.latency.WithLabelValues(typ).Observe(d.Seconds())
}

// operationLabel is the label of operation name: itself for the first MaxOperationNames
// names, "anonymous" without a name, "other" otherwise.
func (m *Metrics) operationLabel(name string) string {
	switch {
	case name == "":
		return "anonymous"
	case !isName(name):
		return "other"
	}
	if _, ok := m.names.Load(name); ok {
		return name
	}
	if m.nameCount.Add(1) > MaxOperationNames {
		m.nameCount.Add(-1)
		return "other"
	}
	if _, loaded := m.names.LoadOrStore(name, true); loaded {
		m.nameCount.Add(-1)
	}
	return name
}

// isName reports whether s is a GraphQL name of at most 64 bytes.
func isName(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i, c := range s {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// errorCodes are the codes errors are counted by; any other is "other".
var errorCodes = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range apperr.Codes() {
		m[string(c)] = true
	}
	return m
}()

// Error records one GraphQL error by code.
func (m *Metrics) Error(code string) {
	if m == nil {
		return
	}
	if !errorCodes[code] {
		code = "other"
	}
	m.errors.WithLabelValues(code).Inc()
}

// WebsocketOpened and WebsocketClosed track open websocket connections.
func (m *Metrics) WebsocketOpened() {
	if m != nil {
		m.websockets.Inc()
	}
}

// WebsocketClosed is the counterpart of WebsocketOpened.
func (m *Metrics) WebsocketClosed() {
	if m != nil {
		m.websockets.Dec()
	}
}

// SubscriptionStarted and SubscriptionEnded track active subscriptions.
func (m *Metrics) SubscriptionStarted() {
	if m != nil {
		m.subscriptions.Inc()
	}
}

// SubscriptionEnded is the counterpart of SubscriptionStarted.
func (m *Metrics) SubscriptionEnded() {
	if m != nil {
		m.subscriptions.Dec()
	}
}

// Registration records a register outcome: confirmed, waitlisted, pending, or rejected
// with the error code of the rule as reason ("" otherwise).
func (m *Metrics) Registration(outcome, reason string) {
	if m != nil {
		m.registrations.WithLabelValues(outcome, reason).Inc()
	}
}

// RegistrationBatch records the size of one group commit of registrations.
func (m *Metrics) RegistrationBatch(size int) {
	if m != nil {
		m.batches.Observe(float64(size))
	}
}

// Notification records a delivery outcome.
func (m *Metrics) Notification(kind, outcome string) {
	if m != nil {
		m.notifications.WithLabelValues(kind, outcome).Inc()
	}
}
