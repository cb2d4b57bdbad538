import NIOCore
import NIOPosix
import WebRequestKit

/// Runs a client driver the way the CLI commands do: `start` runs on the client's loop and is
/// given the promise to fulfil when the work is done. In a renderer that loop is the channel's
/// (the backend's preferred loop), so a request's messages and callbacks never cross threads;
/// in the browser it is a loop of its own, shut down after.
func onClientEventLoop<Value: Sendable>(
    _ start: @escaping @Sendable (EventLoopPromise<Value>) -> Void
) async throws -> Value {
    if let loop = WebRequestProcess.backend?.preferredEventLoop {
        let done = loop.makePromise(of: Value.self)
        loop.execute { start(done) }
        return try await done.futureResult.get()
    }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let done = loop.makePromise(of: Value.self)
    loop.execute { start(done) }
    let value = try await done.futureResult.get()
    try await group.shutdownGracefully()
    return value
}
