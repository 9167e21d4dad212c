/// The one way tests wait: for a condition that an event makes true, with a deadline. The
/// condition is checked at once and again after each pause (20 ms, doubling to 250 ms), so
/// a test ends as soon as the event happened and fails with `what` (and what `state` says
/// then) when it did not happen in time. Never a bare sleep, never a duration asserted.
public func waitUntil(_ what: String, timeout: Duration = .seconds(15), state: () async -> String = { "" },
                      _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var pause = Duration.milliseconds(20)
    while true {
        if try await condition() { return }
        guard clock.now < deadline else {
            let now = await state()
            throw FixtureFailure("timed out after \(timeout) waiting for \(what)" + (now.isEmpty ? "" : "; \(now)"))
        }
        try await Task.sleep(for: min(pause, deadline - clock.now))
        pause = min(pause * 2, .milliseconds(250))
    }
}

/// Waits until `value` returns something (not nil), with a deadline, and returns it.
public func waitFor<Value>(_ what: String, timeout: Duration = .seconds(15), state: () async -> String = { "" },
                           _ value: () async throws -> Value?) async throws -> Value {
    var found: Value?
    try await waitUntil(what, timeout: timeout, state: state) {
        found = try await value()
        return found != nil
    }
    guard let found else { throw FixtureFailure("\(what): no value") }
    return found
}
