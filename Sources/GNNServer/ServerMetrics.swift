import Foundation
import GNNFormats
import Prometheus
import Synchronization

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

    // The metrics' names and help texts (computed: the descriptor type is not Sendable).
    private static var requests: MetricNameDescriptor {
        metric("requests", "total", "HTTP requests answered, by route template and status")
    }
    private static var requestDuration: MetricNameDescriptor {
        metric("request_duration", "seconds", "Time from request to response, by route template and status")
    }
    private static var modelLoads: MetricNameDescriptor { metric("model_loads", "total", "Model loads, by model and result") }
    private static var forward: MetricNameDescriptor {
        metric("forward", "seconds", "Seconds the full-graph forward pass of the current version took")
    }
    private static var scoresAge: MetricNameDescriptor {
        metric("scores_age", "seconds", "Seconds since the current version's scores were computed")
    }
    private static var peakRSS: MetricNameDescriptor {
        metric("peak_rss", "bytes", "Peak resident set size of the process (getrusage ru_maxrss)")
    }

    /// `gnn_serve_NAME_UNIT`.
    private static func metric(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "gnn_serve", metricName: name, unitName: unit, helpText: help)
    }

    /// The request counter and latency histogram of one route template and status.
    private struct RequestSeries: Hashable {
        var route: String
        var status: Int
    }

    /// The collectors made so far, by series. The registry's `make…` calls validate names and labels and
    /// build the label key on every call, which cost more than the rest of a lookup request; each series
    /// is made once and kept here (the set is bounded: route templates times statuses).
    private let requestCollectors = Mutex<[RequestSeries: (Counter, DurationHistogram)]>([:])

    /// Counts one request and its latency.
    func recordRequest(route: String, status: Int, duration: Duration) {
        let series = RequestSeries(route: route, status: status)
        let (counter, histogram) = requestCollectors.withLock { collectors in
            if let made = collectors[series] { return made }
            let labels = [("route", route), ("status", String(status))]
            let made = (registry.makeCounter(descriptor: Self.requests, labels: labels),
                        registry.makeDurationHistogram(descriptor: Self.requestDuration, labels: labels, buckets: Self.latencyBuckets))
            collectors[series] = made
            return made
        }
        counter.increment()
        histogram.record(duration)
    }

    /// A model version became ready.
    func recordLoad(_ served: ServedModel) {
        let labels = [("model", served.source.name)]
        registry.makeCounter(descriptor: Self.modelLoads, labels: labels + [("result", "ok")]).increment()
        registry.makeGauge(descriptor: Self.forward, labels: labels).set(served.forwardSeconds)
    }

    /// A load failed (the previous version, if any, keeps serving).
    func recordLoadFailure(_ name: String) {
        registry.makeCounter(descriptor: Self.modelLoads, labels: [("model", name), ("result", "error")]).increment()
    }

    /// The exposition text, with the gauges that are read at scrape time (scores age, peak RSS) updated.
    func exposition(served: [ServedModel]) -> [UInt8] {
        let now = ContinuousClock.now
        for model in served {
            let age = now - model.computedAt
            registry.makeGauge(descriptor: Self.scoresAge, labels: [("model", model.source.name)]).set(age.seconds)
        }
        registry.makeGauge(descriptor: Self.peakRSS).set(Double(peakResidentBytes()))
        return registry.emitToBuffer()
    }
}
