import NIOConcurrencyHelpers

/// A value made the first time it is asked for, at most once, from any thread. The
/// executor makes its event-loop group so: a pod without HTTP checks, images or a TLS
/// agent never starts SwiftNIO.
public final class OnFirstUse<Value: Sendable>: Sendable {
    private let make: @Sendable () -> Value
    private let made = NIOLockedValueBox<Value?>(nil)

    public init(_ make: @escaping @Sendable () -> Value) {
        self.make = make
    }

    public var value: Value {
        made.withLockedValue { value in
            if let value { return value }
            let new = make()
            value = new
            return new
        }
    }

    /// The value if it was made.
    public var ifMade: Value? { made.withLockedValue { $0 } }
}
