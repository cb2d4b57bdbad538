// libFuzzer target: everything the browser decodes from a renderer. The input is a byte stream
// as it would arrive on a renderer's channel; it is cut into frames, each decoded into an
// Envelope, and every envelope goes through the renderer connection's state machine, as
// `browser-host serve` does. Nothing may crash, hang or grow without bound. Every frame the
// hand decoder takes must read as SwiftProtobuf reads it (HandDecoding.swift), and every frame
// the renderer's hand reader takes must give the values SwiftProtobuf's envelope converts to
// (BrowserMessage.swift).
//
// Built only by scripts/fuzz.sh (WEBREQUESTKIT_FUZZ=1 adds this target to the package).

import BrowserHostCore
import Foundation
import NIOCore
import WebRequestIPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: start, count: count))
    var machine = RendererConnectionStateMachine(fixedBrowserID: nil, knownBrowserIDs: ["default", "tab"], maxRequestsInFlight: 8)
    while let length = buffer.readInteger(as: UInt32.self) {
        guard length <= IPCLimits.maxFrameBytes, let frame = buffer.readSlice(length: Int(length)) else { return 0 }
        let reference = try? IPCEnvelope(payload: Array(frame.readableBytesView))
        if let hand = EnvelopeDecoder.handDecoded(frame) {
            precondition(hand == reference, "the hand decoder disagrees with SwiftProtobuf")
        }
        if let hand = BrowserMessage.handDecoded(frame) {
            precondition(hand == reference.map(BrowserMessage.init), "the renderer's hand reader disagrees with SwiftProtobuf")
        }
        guard let envelope = try? EnvelopeDecoder.envelope(from: frame) else { return 0 }
        switch machine.receive(envelope) {
        case .badMessage:
            return 0  // the browser closes the channel here
        case .start(let id, _, _) where id % 3 == 0:
            machine.requestEnded(id)  // some transfers complete at once
        default:
            continue
        }
    }
    return 0
}

// SwiftPM links an executable's entry point as `<module>_main`; hand it to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("ipc_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { fuzz($0, $1) }
}
