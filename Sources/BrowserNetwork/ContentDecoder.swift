import CContentCoding
import Foundation
import WebRequestKit

/// Undoes a response's `Content-Encoding` a chunk at a time, so that the transfer decodes no
/// more than its consumer has room for.
///
/// libcurl could decode the body itself, but a paused libcurl transfer (7.88) keeps every byte
/// it decoded from the read in hand: a gzip bomb turns one 64 KiB read into 64 MiB. Here the
/// transfer takes each coded read whole (at most `CURLOPT_BUFFERSIZE`), asks for decoded
/// chunks of ``chunkSize`` while the flow window has room, and keeps the rest of the read coded
/// until the window opens again.
///
/// Codings the browser does not know leave the body as it came, as Chromium's do; what follows
/// the end of a coded stream is ignored. Confined to the network thread, like its transfer.
package final class ContentDecoder {
    /// The most decoded bytes one ``next()`` returns.
    package static let chunkSize = 16 << 10

    /// The codings the browser offers in `Accept-Encoding`, each of which it can undo.
    static let acceptEncoding = "gzip, deflate, br, zstd"

    private let decoder: OpaquePointer
    private let output: UnsafeMutableRawBufferPointer
    /// Coded bytes taken and not yet decoded, from `inputStart` on.
    private var input: [UInt8] = []
    private var inputStart = 0
    /// The last chunk filled ``chunkSize``: there may be more without more input.
    private var mayHaveMore = false

    /// A decoder for the codings of a `Content-Encoding` header, in the order they were
    /// applied; `nil` when there is nothing to undo (no header, `identity`, a coding not known,
    /// or more codings than the browser undoes).
    ///
    /// A convenience initializer, so that the answer `nil` (most responses have no coding)
    /// allocates nothing: the object is made only once the C decoder exists.
    package convenience init?(contentEncoding header: String?) {
        guard let header else { return nil }
        var codings: [wrk_coding] = []
        for name in header.split(separator: ",") {
            switch name.trimmingCharacters(in: .whitespaces).lowercased() {
            case "gzip", "x-gzip": codings.append(WRK_CODING_GZIP)
            case "deflate": codings.append(WRK_CODING_DEFLATE)
            case "br": codings.append(WRK_CODING_BR)
            case "zstd": codings.append(WRK_CODING_ZSTD)
            case "identity", "": continue
            default: return nil
            }
        }
        guard !codings.isEmpty, codings.count <= Int(WRK_MAX_CODINGS),
            let decoder = wrk_decoder_create(codings, codings.count)
        else { return nil }
        self.init(decoder: decoder)
    }

    private init(decoder: OpaquePointer) {
        self.decoder = decoder
        output = .allocate(byteCount: Self.chunkSize, alignment: 1)
    }

    deinit {
        wrk_decoder_free(decoder)
        output.deallocate()
    }

    /// Whether it holds input it has not yet decoded, or may have decoded output to give.
    package var isHolding: Bool {
        inputStart < input.count || mayHaveMore
    }

    /// Takes a read of coded bytes; only when it holds nothing (``isHolding`` is `false`).
    package func take(_ bytes: UnsafeRawBufferPointer) {
        precondition(!isHolding, "a decoder takes new input only once it has decoded the last")
        input.removeAll(keepingCapacity: true)
        input.append(contentsOf: bytes)
        inputStart = 0
    }

    /// The next chunk of decoded bytes, at most ``chunkSize``; empty once everything taken is
    /// decoded. Valid until the next call.
    package func next() throws(NetworkError) -> UnsafeRawBufferPointer {
        var consumed = 0
        var produced = 0
        let status = input.withUnsafeBufferPointer { coded in
            wrk_decoder_run(
                decoder, coded.baseAddress.map { $0 + inputStart }, coded.count - inputStart, &consumed,
                output.baseAddress!.assumingMemoryBound(to: UInt8.self), output.count, &produced
            )
        }
        inputStart += consumed
        switch status {
        case WRK_DECODE_MORE_OUTPUT:
            mayHaveMore = true
        case WRK_DECODE_NEEDS_INPUT, WRK_DECODE_END:
            mayHaveMore = false
            inputStart = input.count
        default:
            mayHaveMore = false
            inputStart = input.count
            throw .contentDecodingFailed
        }
        return UnsafeRawBufferPointer(start: output.baseAddress, count: produced)
    }
}
