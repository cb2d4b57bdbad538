public import FoundationEssentials

/// One part of a request body: CEF's `CefPostDataElement`.
public enum PostDataElement: Sendable, Hashable {
    /// An element with no content (`PDE_TYPE_EMPTY`).
    case empty
    /// Bytes held by the request (`PDE_TYPE_BYTES`).
    case bytes(Data)
    /// A file the *browser process* reads when it sends the request (`PDE_TYPE_FILE`).
    /// A renderer may not use it.
    case file(path: String)

    /// CEF's `cef_postdataelement_type_t` value: 0 empty, 1 bytes, 2 file.
    public var typeCode: Int32 {
        switch self {
        case .empty: 0
        case .bytes: 1
        case .file: 2
        }
    }
}

/// The body of a request: CEF's `CefPostData`, an ordered list of elements.
///
/// CEF sends at most one element; ``WebRequest`` refuses a request with more.
public struct PostData: Sendable, Hashable {
    /// The elements, in order.
    public var elements: [PostDataElement]

    /// Creates post data from `elements`.
    public init(_ elements: [PostDataElement] = []) {
        self.elements = elements
    }

    /// Post data holding one bytes element.
    public static func bytes(_ data: Data) -> PostData { PostData([.bytes(data)]) }

    /// Post data holding one bytes element with the UTF-8 of `string`.
    public static func string(_ string: String) -> PostData { PostData([.bytes(Data(string.utf8))]) }

    /// Post data holding one file element; the browser process reads `path`.
    public static func file(_ path: String) -> PostData { PostData([.file(path: path)]) }
}
