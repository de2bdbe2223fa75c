import Foundation
import Prometheus

/// The server's Prometheus metrics, served at `GET /metrics` in the text exposition format.
///
/// Requests are counted and timed by route template (not by URL, so that the label set stays bounded
/// whatever clients send) and status.
final class ServerMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()

    /// Latency buckets from 50 µs to 10 s: lookups take tens of microseconds, large batches milliseconds.
    private static let latencyBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(10),
    ]

    /// Counts one request and its latency.
    func recordRequest(route: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("status", String(status))]
        registry.makeCounter(name: "gnn_serve_requests_total", labels: labels,
                             help: "HTTP requests answered, by route template and status").increment()
        registry.makeDurationHistogram(name: "gnn_serve_request_duration_seconds", labels: labels,
                                       buckets: Self.latencyBuckets,
                                       help: "Time from request to response, by route template and status").record(duration)
    }

    /// A model version became ready.
    func recordLoad(_ served: ServedModel) {
        let labels = [("model", served.source.name)]
        registry.makeCounter(name: "gnn_serve_model_loads_total", labels: labels + [("result", "ok")],
                             help: "Model loads, by model and result").increment()
        registry.makeGauge(name: "gnn_serve_forward_seconds", labels: labels,
                           help: "Seconds the full-graph forward pass of the current version took").set(served.forwardSeconds)
    }

    /// A load failed (the previous version, if any, keeps serving).
    func recordLoadFailure(_ name: String) {
        registry.makeCounter(name: "gnn_serve_model_loads_total", labels: [("model", name), ("result", "error")],
                             help: "Model loads, by model and result").increment()
    }

    /// The exposition text, with the gauges that are read at scrape time (scores age, peak RSS) updated.
    func exposition(served: [ServedModel]) -> [UInt8] {
        let now = ContinuousClock.now
        for model in served {
            let age = now - model.computedAt
            registry.makeGauge(name: "gnn_serve_scores_age_seconds", labels: [("model", model.source.name)],
                               help: "Seconds since the current version's scores were computed")
                .set(Double(age.components.seconds) + Double(age.components.attoseconds) * 1e-18)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        registry.makeGauge(name: "gnn_serve_peak_rss_bytes", help: "Peak resident set size of the process (getrusage ru_maxrss)")
            .set(Double(usage.ru_maxrss) * 1024)
        return registry.emitToBuffer()
    }
}
