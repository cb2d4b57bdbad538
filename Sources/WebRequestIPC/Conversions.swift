import FoundationEssentials
package import WebRequestKit

// The one place where protocol messages and WebRequestKit values meet.

extension Webrequestkit_Ipc_V1_Request {
    /// The wire form of `request`. A bytes element up to ``IPCLimits/inlineUploadBytes`` travels
    /// inline; a longer one is announced by length and follows in `UploadChunk` frames.
    package init(_ request: Request) {
        self.init()
        url = request.url
        method = request.method
        headers = [Webrequestkit_Ipc_V1_Header](request.headers)
        postData = (request.postData?.elements ?? []).map { element in
            var wire = Webrequestkit_Ipc_V1_PostDataElement()
            switch element {
            case .empty:
                wire.type = .empty
            case .bytes(let data):
                wire.type = .bytes
                wire.length = UInt64(data.count)
                if data.count <= IPCLimits.inlineUploadBytes { wire.inline = data }
            case .file(let path):
                wire.type = .file
                wire.filePath = path
            }
            return wire
        }
        flags = request.flags.rawValue
        referrerURL = request.referrerURL ?? ""
        referrerPolicy = request.referrerPolicy.rawValue
        firstPartyForCookies = request.firstPartyForCookies ?? ""
        resourceType = request.resourceType.rawValue
        transitionType = request.transitionType.rawValue
    }

    /// Whether a bytes element's content follows in `UploadChunk` frames.
    package var streamsUpload: Bool {
        postData.contains { $0.type == .bytes && $0.inline.count != Int($0.length) }
    }

    /// The request this message describes. A streamed bytes element becomes an empty bytes
    /// element here; its content arrives separately.
    package func makeRequest() throws(IPCProtocolError) -> Request {
        let elements: [PostDataElement] = try postData.map { (element) throws(IPCProtocolError) -> PostDataElement in
            switch element.type {
            case .empty: return .empty
            case .bytes:
                guard element.inline.isEmpty || element.inline.count == Int(element.length) else {
                    throw IPCProtocolError("post data announces \(element.length) bytes but carries \(element.inline.count) inline")
                }
                return .bytes(element.inline)
            case .file: return .file(path: element.filePath)
            case .UNRECOGNIZED(let value): throw IPCProtocolError("post data element of unknown type \(value)")
            }
        }
        guard let policy = ReferrerPolicy(rawValue: referrerPolicy) else {
            throw IPCProtocolError("unknown referrer policy \(referrerPolicy)")
        }
        guard let resource = ResourceType(rawValue: resourceType) else {
            throw IPCProtocolError("unknown resource type \(resourceType)")
        }
        return Request(
            url: url,
            method: method,
            headers: HeaderMap(headers),
            postData: elements.isEmpty ? nil : PostData(elements),
            flags: RequestFlags(rawValue: flags),
            referrerURL: referrerURL.isEmpty ? nil : referrerURL,
            referrerPolicy: policy,
            firstPartyForCookies: firstPartyForCookies.isEmpty ? nil : firstPartyForCookies,
            resourceType: resource,
            transitionType: TransitionType(rawValue: transitionType)
        )
    }
}

extension Request {
    /// Whether a bytes element is too long to travel inline in the `StartRequest`, so that its
    /// content follows in `UploadChunk` frames: `streamsUpload` of the request's wire form.
    package var streamsUpload: Bool {
        postData?.elements.contains { element in
            if case .bytes(let data) = element { data.count > IPCLimits.inlineUploadBytes } else { false }
        } ?? false
    }
}

extension Webrequestkit_Ipc_V1_ResponseHead {
    package init(requestID: UInt64, _ response: Response) {
        self.init()
        self.requestID = requestID
        status = Int32(clamping: response.status)
        statusText = response.statusText
        mimeType = response.mimeType
        charset = response.charset
        url = response.url
        headers = [Webrequestkit_Ipc_V1_Header](response.headers)
        httpVersion = response.httpVersion
        tlsVersion = response.tlsVersion
    }

    package var response: Response {
        Response(
            status: Int(status),
            statusText: statusText,
            mimeType: mimeType,
            charset: charset,
            url: url,
            headers: HeaderMap(headers),
            httpVersion: httpVersion,
            tlsVersion: tlsVersion
        )
    }
}

extension Webrequestkit_Ipc_V1_RequestComplete {
    package init(requestID: UInt64, _ completion: WebRequestCompletion) {
        self.init()
        self.requestID = requestID
        status = Status(rawValue: Int(completion.status.rawValue)) ?? .unknown
        errorCode = completion.error.code
        if let response = completion.response {
            self.response = Webrequestkit_Ipc_V1_ResponseHead(requestID: requestID, response)
        }
        wasCached = completion.wasCached
        routedToDownload = completion.routedToDownload
    }

    package var completion: WebRequestCompletion {
        WebRequestCompletion(
            status: RequestStatus(wire: Int32(status.rawValue)),
            error: NetworkError(code: errorCode),
            response: hasResponse ? response.response : nil,
            wasCached: wasCached,
            routedToDownload: routedToDownload
        )
    }
}

extension RequestStatus {
    /// The status a completion's number names; one this version does not know is a failure.
    init(wire raw: Int32) {
        self = RequestStatus(rawValue: raw) ?? .failed
    }
}

extension [Webrequestkit_Ipc_V1_Header] {
    package init(_ headers: HeaderMap) {
        self = headers.map { header in
            var wire = Webrequestkit_Ipc_V1_Header()
            wire.name = header.name
            wire.value = header.value
            return wire
        }
    }
}

extension HeaderMap {
    package init(_ wire: [Webrequestkit_Ipc_V1_Header]) {
        self.init(wire.map { (name: $0.name, value: $0.value) })
    }
}

extension SandboxLayer {
    /// The layer a wire value names, or `nil` for one this build does not know.
    package init?(_ wire: Webrequestkit_Ipc_V1_SandboxLayer) {
        switch wire {
        case .userNamespace: self = .userNamespace
        case .networkNamespace: self = .networkNamespace
        case .seccompBpf: self = .seccompBPF
        case .landlock: self = .landlock
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }

    /// The wire form.
    package var wire: Webrequestkit_Ipc_V1_SandboxLayer {
        switch self {
        case .userNamespace: .userNamespace
        case .networkNamespace: .networkNamespace
        case .seccompBPF: .seccompBpf
        case .landlock: .landlock
        }
    }
}
