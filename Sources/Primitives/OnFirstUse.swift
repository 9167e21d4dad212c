import Synchronization

/// A value made the first time it is asked for, at most once, from any thread. The
/// executor makes its event-loop group so, and the image store its HTTP client: a pod
/// without HTTP checks, images or a TLS agent never starts SwiftNIO.
public final class OnFirstUse<Value: Sendable>: Sendable {
    private let make: @Sendable () -> Value
    private let made: Mutex<Value?>

    public init(_ make: @escaping @Sendable () -> Value) {
        self.make = make
        self.made = Mutex(nil)
    }

    /// A value that exists already (it counts as made).
    public init(made value: Value) {
        self.make = { value }
        self.made = Mutex(value)
    }

    public var value: Value {
        made.withLock { value in
            if let value { return value }
            let new = make()
            value = new
            return new
        }
    }

    /// The value if it was made.
    public var ifMade: Value? { made.withLock { $0 } }
}
