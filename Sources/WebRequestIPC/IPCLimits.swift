/// The limits both ends of the channel work to. The browser announces them in `Welcome`.
package enum IPCLimits {
    /// The largest frame (length prefix excluded) either end accepts.
    package static let maxFrameBytes = 256 << 10
    /// The largest body or upload chunk one frame carries.
    package static let chunkBytes = 64 << 10
    /// Upload bytes the renderer may have sent for one request and not had credit back for.
    package static let uploadWindowBytes = 1 << 20
    /// Bodies up to this size travel inside `StartRequest`, so redirects can replay them.
    package static let inlineUploadBytes = 64 << 10
    /// Requests one renderer may have in flight; past it, `ERR_INSUFFICIENT_RESOURCES`.
    package static let maxRequestsInFlight = 64
    /// The largest body a renderer may upload; a larger one fails with `ERR_FILE_TOO_BIG`.
    package static let maxUploadBytes: Int64 = 1 << 30
    /// The upload ring the browser passes beside the body ring to a renderer that asks for one:
    /// two upload windows, so that the one request writing into it never waits for room.
    package static let uploadRingBytes = 2 << 20
    /// Body and upload chunks at least this large go through a ring; smaller ones ride in their frame,
    /// where one copy costs less than a release message.
    package static let ringChunkMinimumBytes = 8 << 10
    /// The protocol version this build speaks.
    package static let protocolVersion: UInt32 = 1
}
