#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (a connect with a timeout, a namespace switch, a `flock`, a blocking
/// socket read) on a fresh detached pthread, so no Swift concurrency thread ever blocks or
/// changes namespace.
public enum BlockingThread {
    private final class Job: @unchecked Sendable {
        // Safe: `body` is set once before the thread starts and used by that thread only.
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Starts `body` on a new detached thread with a 256 KiB stack; inline if no thread can
    /// be made (rare; only under thread exhaustion).
    public static func start(_ body: @escaping @Sendable () -> Void) {
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attr, 256 * 1024)
        let box = Unmanaged.passRetained(Job(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { raw in
            guard let raw else { return nil }
            Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, box)
        pthread_attr_destroy(&attr)
        if rc != 0 { Unmanaged<Job>.fromOpaque(box).takeRetainedValue().body() }
    }

    /// Runs `body` on a new thread and returns its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            start { continuation.resume(returning: body()) }
        }
    }
}
