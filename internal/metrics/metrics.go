// Package metrics exposes launchgraph's Prometheus metrics: GraphQL operations by name and
// outcome, latency, errors by code, live connections, the database pool and registrations
// by outcome. Each Metrics has its own registry, so several servers can run in one process.
package metrics

import (
	"database/sql"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors of one server.
type Metrics struct {
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
	if name == "" {
		name = "anonymous"
	}
	outcome := "ok"
	if failed {
		outcome = "error"
	}
	m.operations.WithLabelValues(name, typ, outcome).Inc()
	m.latency.WithLabelValues(typ).Observe(d.Seconds())
}

// Error records one GraphQL error by code.
func (m *Metrics) Error(code string) {
	if m != nil {
		m.errors.WithLabelValues(code).Inc()
	}
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
