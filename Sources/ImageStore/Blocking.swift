import NIOPosix

/// Runs blocking file-system work (unpacking, fsync, flock) on NIO's shared thread pool, off the
/// cooperative pool that async code runs on.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(ImageStoreError) -> T)
        async throws(ImageStoreError) -> T
    {
        let result: Result<T, ImageStoreError>
        do {
            result = try await NIOThreadPool.singleton.runIfActive { () -> Result<T, ImageStoreError> in
                do throws(ImageStoreError) {
                    return .success(try body())
                } catch {
                    return .failure(error)
                }
            }
        } catch {
            throw ImageStoreError(.storage, "the blocking I/O thread pool is not running", underlying: SendableErrorDescription(error))
        }
        return try result.get()
    }
}
