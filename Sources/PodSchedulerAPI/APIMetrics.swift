import Prometheus

/// API request counters and latency histograms, per route family, method and status class.
struct APIMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "mesos_pods", subsystem: "api", metricName: "requests", unitName: "total",
            helpText: "HTTP API requests by route family, method and status class.")
    }
    static var duration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "mesos_pods", subsystem: "api", metricName: "request_duration", unitName: "seconds",
            helpText: "HTTP API request latency by route family, method and status class.")
    }
    static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        .seconds(10),
    ]

    func record(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", "\(status / 100)xx")]
        registry.makeCounter(descriptor: Self.requests, labels: labels).increment()
        registry.makeDurationHistogram(descriptor: Self.duration, labels: labels, buckets: Self.buckets)
            .record(duration)
    }
}
