import CoreMetrics
import Prometheus

/// The Prometheus registry `/metrics` renders. Request counts and latencies reach it through
/// swift-metrics (Hummingbird's `MetricsMiddleware`); payments by state are read from the store on
/// each scrape, so the figure is always the database's, not a counter that can drift.
public enum PayHubMetrics {
    /// Bootstraps swift-metrics once per process, the first time anything asks for the registry.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
