import NIOCore
import NIOPosix

/// Runs a client driver on an event loop of its own, the way the CLI commands do: `start` runs on
/// the loop and is given the promise to fulfil when the work is done; the loop is shut down
/// after.
func onOwnEventLoop<Value: Sendable>(
    _ start: @escaping @Sendable (EventLoopPromise<Value>) -> Void
) async throws -> Value {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let done = loop.makePromise(of: Value.self)
    loop.execute { start(done) }
    let value = try await done.futureResult.get()
    try await group.shutdownGracefully()
    return value
}
